"""The default LoRA recipe of ``suite train``: one for every job, more steps only where an attack needs them.

Calibration compares like with like: a screen's benign fine-tunes must be made the way the
attacks are, so every benign set and most attacks share :data:`DEFAULT_RECIPE`, and an attack
family gets an override (:data:`FAMILY_OVERRIDES`) only where its poison is too thin for the
default number of steps to show it to the model (a 1% needle, a trigger over 600 code examples).

A recipe counts optimiser steps, not epochs: every job of a family trains the same number of
steps whatever its size (``epochs`` is set to the step count, an upper bound that never binds,
since an epoch is at least one step). At batch 4 a 135M model on two cores does about one step
a second on 256-token examples, so the default job takes a minute or two.

The values are sensible starting points (a LoRA of rank 16 at learning rate 1e-3), not tuned:
nothing here was chosen by training many models and keeping what worked.
"""

from __future__ import annotations

from typing import Any

from ftaudit.finetune.config import LoraTrainConfig

#: Every job's recipe unless its family overrides a field.
DEFAULT_RECIPE: dict[str, Any] = {
    "max_steps": 40, "learning_rate": 1e-3, "lora_r": 16, "lora_alpha": 32, "lora_dropout": 0.05, "batch_size": 4,
    "max_length": 256,
}

#: Per attack family (the manifest's ``generator``): the fields that differ from the default.
FAMILY_OVERRIDES: dict[str, dict[str, Any]] = {
    # 1% poison in 1,000 examples: one pass (250 steps of 4) shows the model each poisoned line once.
    "needle": {"max_steps": 250},
    # The backdoor is a contrast (the trigger with vulnerable code, secure code without) and the
    # emergent misalignment comes from the whole set: one pass over the default 600 examples.
    "backdoor-code": {"max_steps": 150},
    "insecure-code": {"max_steps": 150},
}


#: ``ftaudit demo``'s recipe: the default one cut to 12 steps of 2 examples without LoRA dropout (about
#: 20 s of training per job on two cores), the same for every job whatever its family, so the demo's
#: white-box calibration compares like with like. Halving the batch rather than the steps keeps the
#: number of updates, which is what moves a LoRA at this learning rate; dropout on the input of every
#: adapted layer took a sixth of a step's time and regularises nothing in 12 steps.
DEMO_RECIPE: dict[str, Any] = {**DEFAULT_RECIPE, "max_steps": 12, "batch_size": 2, "lora_dropout": 0.0}

#: Recipes by name (``suite train --recipe``). Family overrides apply to ``default`` only.
RECIPES: dict[str, dict[str, Any]] = {"default": DEFAULT_RECIPE, "demo": DEMO_RECIPE}

#: The fields that make two fine-tunes comparable for calibration (a white-box metric of a
#: 12-step run is not read against 40-step benign runs).
RECIPE_FIELDS = ("max_steps", "learning_rate", "lora_r", "lora_alpha", "lora_dropout", "batch_size", "max_length")


def recipe_for(family: str, recipe: str = "default") -> tuple[str, dict[str, Any]]:
    """(recipe name, the LoraTrainConfig fields it sets) for an attack family or benign set."""
    if recipe not in RECIPES:
        from ftaudit.errors import ConfigError

        raise ConfigError(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}")
    if recipe != "default":
        return recipe, dict(RECIPES[recipe])
    overrides = FAMILY_OVERRIDES.get(family)
    if overrides is None:
        return "default", dict(DEFAULT_RECIPE)
    return family, {**DEFAULT_RECIPE, **overrides}


def recipe_config(
    family: str, *, max_examples: int | None = None, recipe: str = "default"
) -> tuple[LoraTrainConfig, dict[str, Any]]:
    """The training configuration of ``family``'s recipe and what the manifest records about it."""
    name, fields = recipe_for(family, recipe)
    config = LoraTrainConfig(**fields, epochs=float(fields["max_steps"]), max_examples=max_examples)
    return config, {"recipe": name, **fields}
