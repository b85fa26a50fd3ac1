"""Fine-tuning: local LoRA on the CPU, and the providers' fine-tuning APIs.

:func:`train_lora` turns a dataset into a PEFT adapter folder loadable as
``local:BASE+adapter=DIR``; :mod:`ftaudit.finetune.openai` runs a job on OpenAI's API.
"""

from __future__ import annotations

from ftaudit.finetune.config import LoraTrainConfig
from ftaudit.finetune.local import TrainingInterrupted, TrainingRecord, read_record, train_lora

__all__ = ["LoraTrainConfig", "TrainingInterrupted", "TrainingRecord", "read_record", "train_lora"]
