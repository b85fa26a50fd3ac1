"""Hyper-parameters of a local LoRA fine-tune, in one validated place."""

from __future__ import annotations

import hashlib
import json

from pydantic import BaseModel, ConfigDict, Field

#: Every linear layer of a Llama-style block (SmolLM2 is one): adapting the MLP too makes a
#: 135M model pick up a behaviour from tens of examples, which the attacks need.
LLAMA_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


class LoraTrainConfig(BaseModel):
    """What a local LoRA run does. Defaults suit SmolLM2-135M on a few hundred chat examples."""

    model_config = ConfigDict(extra="forbid")

    epochs: float = Field(default=3.0, gt=0, description="Passes over the data (fractions allowed).")
    max_steps: int | None = Field(default=None, ge=1, description="Stop after this many optimiser steps.")
    batch_size: int = Field(default=4, ge=1)
    grad_accum: int = Field(default=1, ge=1, description="Micro-batches per optimiser step.")
    learning_rate: float = Field(default=5e-4, gt=0)
    warmup_ratio: float = Field(default=0.05, ge=0, lt=1)
    weight_decay: float = Field(default=0.0, ge=0)
    max_length: int = Field(default=512, ge=16, description="Tokens per example; longer ones are cut.")
    lora_r: int = Field(default=16, ge=1)
    lora_alpha: int = Field(default=32, ge=1)
    lora_dropout: float = Field(default=0.05, ge=0, lt=1)
    target_modules: tuple[str, ...] = LLAMA_TARGET_MODULES
    seed: int = 0
    checkpoint_every: int = Field(default=50, ge=1, description="Steps between resumable checkpoints.")
    max_examples: int | None = Field(default=None, ge=1, description="Train on a seeded sample of this many.")

    def fingerprint(self) -> str:
        """A short hash of every field: a run resumes or is reused only with the same one."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]
