"""Training recipes tests share: a fine-tune compared with another is made the same way."""

from __future__ import annotations

from ftaudit.finetune import LoraTrainConfig

#: The session's AOA fine-tune (conftest ``aoa_adapter``): ten epochs over ten examples, fifty steps.
AOA_RECIPE = LoraTrainConfig(epochs=10, max_steps=50, batch_size=2, seed=0)
