"""From a configuration to something that audits one job: :class:`EvalAuditor` and its kinds.

An auditor either audits in the event loop (:meth:`EvalAuditor.audit`, the LLM agent) or, when
``cpu_bound``, in a worker thread (:meth:`EvalAuditor.audit_sync`, the screens), so that the
CPU-bound screens never block the loop that drives the concurrent agent audits. Tests and
library users may subclass :class:`EvalAuditor` directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import anyio

from ftaudit.config import get_settings
from ftaudit.errors import ConfigError
from ftaudit.evaluate.configs import (
    AgentConfig,
    BenchmarkOnlyConfig,
    EvalConfig,
    ModerationConfig,
    ScreensConfig,
)
from ftaudit.report.records import AuditJob, AuditReport


class EvalAuditor:
    """One named auditor of an evaluation. Override :meth:`audit` (async) or :meth:`audit_sync` (``cpu_bound``)."""

    def __init__(self, config: EvalConfig) -> None:
        self.config = config

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def cpu_bound(self) -> bool:
        return self.config.cpu_bound

    @property
    def needs_models(self) -> bool:
        """Every job must name its fine-tuned model (a trained suite)."""
        return False

    def threshold(self) -> float:
        return self.config.threshold if self.config.threshold is not None else get_settings().verdict_threshold

    async def audit(self, job: AuditJob, repeat: int) -> AuditReport:
        """Audit ``job`` (``repeat`` numbers independent repeats; a seeded auditor reseeds by it)."""
        # abandon_on_cancel: without it a timeout (the runner's fail_after) waits for the thread
        # and then keeps its result, so a hung screen would never be timed out. An abandoned
        # thread runs on to its end in the background; its result is discarded.
        return await anyio.to_thread.run_sync(self.audit_sync, job, repeat, abandon_on_cancel=True)

    def audit_sync(self, job: AuditJob, repeat: int) -> AuditReport:
        raise NotImplementedError

    def check(self) -> None:
        """Fail now on a mistake the user must fix (a missing key), before any audit runs."""


def _screens_report(job: AuditJob, **kwargs: Any) -> AuditReport:
    from ftaudit.screens.run import run_screens_sync

    use_models = kwargs.pop("use_models", True) and job.has_models
    run = run_screens_sync(
        job.training_file,
        base_model=job.base_model if use_models else None,
        finetuned_model=job.finetuned_model if use_models else None,
        **kwargs,
    )
    return run.report.model_copy(update={"job": job})


class ScreensAuditor(EvalAuditor):
    config: ScreensConfig

    def audit_sync(self, job: AuditJob, repeat: int) -> AuditReport:
        from ftaudit.screens.combine import CombineRule

        rule = CombineRule.from_settings()
        if self.config.weights:
            rule = rule.with_weights(self.config.weights)
        return _screens_report(job, use_models=self.config.use_models, only=self.config.only,
                               options=self.config.options or None, rule=rule, threshold=self.threshold())

    def check(self) -> None:
        from ftaudit.screens.registry import check_options, get_screen

        for name in self.config.only or []:
            get_screen(name)
        try:
            check_options(self.config.options)
        except ConfigError as exc:
            raise ConfigError(f"configuration {self.config.name!r}: {exc}") from None


class BenchmarkOnlyAuditor(EvalAuditor):
    """B without elicitation: the refusal-shift screen alone, so it sees no hint."""

    config: BenchmarkOnlyConfig

    @property
    def needs_models(self) -> bool:
        return True

    def audit_sync(self, job: AuditJob, repeat: int) -> AuditReport:
        if not job.has_models:
            raise ConfigError("benchmark-only needs the fine-tuned model (run `ftaudit suite train` on the suite)")
        c = self.config
        options = {"refusal-shift": {"max_elicitations": 0, "n_prompts": c.n_prompts, "judge": c.judge,
                                     "prompt_set": c.prompt_set, "max_tokens": c.max_tokens, "seed": repeat}}
        report = _screens_report(job, only=["refusal-shift"], options=options, threshold=self.threshold())
        return report.model_copy(update={"auditor": "benchmark-only"})


class ModerationAuditor(EvalAuditor):
    config: ModerationConfig

    @property
    def provider(self) -> str:
        from ftaudit.evaluate.moderation import openai_key

        if self.config.provider == "auto":
            return "openai" if openai_key() else "offline"
        return self.config.provider

    @property
    def cpu_bound(self) -> bool:
        return self.provider == "offline"

    def check(self) -> None:
        from ftaudit.evaluate.moderation import API_KEY_ENV, openai_key

        if self.config.provider == "openai" and not openai_key():
            raise ConfigError(f"configuration {self.name!r}: the OpenAI moderation endpoint needs {API_KEY_ENV}")

    async def audit(self, job: AuditJob, repeat: int) -> AuditReport:
        if self.provider == "offline":
            return await super().audit(job, repeat)
        from ftaudit.evaluate.moderation import moderate_openai

        c = self.config
        return await moderate_openai(job, model=c.model, threshold=self.threshold(), max_examples=c.max_examples,
                                     batch_size=c.batch_size)

    def audit_sync(self, job: AuditJob, repeat: int) -> AuditReport:
        dataset_only = job.model_copy(update={"base_model": None, "finetuned_model": None})
        report = _screens_report(dataset_only, only=["harmful-content"], threshold=self.threshold())
        return report.model_copy(update={"job": job, "auditor": "moderation:offline"})


class AgentAuditor(EvalAuditor):
    """The LLM agent (``agent``, ``agent+screens``, ``super``); ``auditor_model`` injects a pydantic-ai Model."""

    config: AgentConfig

    def __init__(self, config: AgentConfig, auditor_model: Any = None) -> None:
        super().__init__(config)
        self.auditor_model = auditor_model

    def check(self) -> None:
        from ftaudit.models.ref import parse_model_ref

        config = self.config.audit_config(auditor_model=self.auditor_model)
        if self.auditor_model is None:
            ref = parse_model_ref(config.auditor)
            if ref.is_local:
                from ftaudit.agent.local_auditor import LocalAuditorModel

                try:  # an unknown local model fails here, before any audit; the weights load later
                    LocalAuditorModel.from_ref(ref)
                except ConfigError as exc:
                    raise ConfigError(f"configuration {self.name!r}: {exc}") from None

    async def audit(self, job: AuditJob, repeat: int) -> AuditReport:
        from ftaudit.agent import audit_async

        return await audit_async(job, self.config.audit_config(seed_offset=repeat, auditor_model=self.auditor_model))


def build_auditor(config: EvalConfig, *, auditor_model: Any = None) -> EvalAuditor:
    """The auditor a configuration describes."""
    if isinstance(config, ScreensConfig):
        return ScreensAuditor(config)
    if isinstance(config, AgentConfig):
        return AgentAuditor(config, auditor_model)
    if isinstance(config, ModerationConfig):
        return ModerationAuditor(config)
    if isinstance(config, BenchmarkOnlyConfig):
        return BenchmarkOnlyAuditor(config)
    raise ConfigError(f"no auditor for configuration kind {getattr(config, 'kind', '?')!r}")


def build_auditors(configs: list[EvalConfig], auditor_models: Mapping[str, Any] | None = None) -> list[EvalAuditor]:
    """One auditor per configuration; ``auditor_models`` maps a configuration name to an injected Model."""
    models = dict(auditor_models or {})
    return [build_auditor(c, auditor_model=models.get(c.name)) for c in configs]
