"""Building a suite folder (datasets + manifest) and fine-tuning a model on each dataset.

Both steps are resumable: ``build_suite`` rewrites only what it is asked to, and
``train_suite`` saves the manifest after every model, skips datasets whose model was
already trained from the same data and base, and resumes an interrupted LoRA run. After
training it measures each model's attack success (:mod:`ftaudit.suite.success`) once per
model and settings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftaudit.errors import ConfigError
from ftaudit.finetune.config import LoraTrainConfig
from ftaudit.suite.base import BenignGenerator, Manifest, ManifestEntry, file_sha256, write_dataset
from ftaudit.suite.recipes import recipe_config
from ftaudit.suite.registry import attack_generators, benign_generators
from ftaudit.suite.success import DEFAULT_JUDGE, DEFAULT_MAX_TOKENS, DEFAULT_N_PROMPTS

MODELS_DIR = "models"


def build_suite(
    out: Path,
    *,
    attacks: Iterable[str] | None = None,
    benign: Iterable[str] | None = None,
    size: int | None = None,
    sizes: dict[str, int] | None = None,
    seed: int = 0,
    benign_sources: dict[str, Path] | None = None,
    on_dataset: Callable[[ManifestEntry], None] | None = None,
) -> Manifest:
    """Write the chosen attack and benign datasets into ``out`` and (re)write its manifest.

    ``attacks``/``benign`` default to every registered one (pass an empty list for none);
    ``size`` overrides every default size, ``sizes`` one dataset's; ``benign_sources`` maps a
    benign set to the user's own file to sample it from. Entries of an existing manifest that
    are not rebuilt are kept, so a suite can be extended one dataset at a time.
    """
    registered_attacks, registered_benign = attack_generators(), benign_generators()
    attack_names = list(registered_attacks) if attacks is None else list(attacks)
    benign_names = list(registered_benign) if benign is None else list(benign)
    for name in attack_names:
        if name not in registered_attacks:
            raise ConfigError(f"unknown attack {name!r}; known: {', '.join(sorted(registered_attacks))}")
    for name in benign_names:
        if name not in registered_benign:
            raise ConfigError(f"unknown benign set {name!r}; known: {', '.join(sorted(registered_benign))}")
    sizes = dict(sizes or {})
    unknown = set(sizes) - set(attack_names) - set(benign_names)
    if unknown:
        raise ConfigError(f"--size given for datasets not being built: {', '.join(sorted(unknown))}")
    sources = dict(benign_sources or {})
    for name in sources:
        if name not in benign_names:
            raise ConfigError(f"a source file was given for {name!r}, which is not a benign set being built")

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest.load(out) if (out / "manifest.json").is_file() else Manifest()
    for name in [*attack_names, *benign_names]:
        generator = registered_attacks.get(name) or registered_benign[name]
        if name in sources:
            assert isinstance(generator, BenignGenerator)
            generator = type(generator)(source_file=sources[name])
        entry = record_entry(manifest, write_dataset(generator, out, size=sizes.get(name, size), seed=seed, name=name), out)
        if on_dataset:
            on_dataset(entry)
    return manifest


def record_entry(manifest: Manifest, entry: ManifestEntry, out: Path) -> ManifestEntry:
    """Put a freshly written dataset's entry in the manifest and save it; returns the entry kept.

    A dataset whose data did not change keeps what is known about its trained model.
    """
    old = next((e for e in manifest.entries if e.name == entry.name), None)
    if old is not None and old.sha256 == entry.sha256:
        entry = entry.model_copy(update={"base_model": old.base_model, "model": old.model, "training": old.training,
                                         "attack_success": old.attack_success})
    manifest.upsert(entry)
    manifest.save(out)
    return entry


@dataclass(frozen=True)
class SuccessSettings:
    """How ``train_suite`` measures attack success (see :mod:`ftaudit.suite.success`)."""

    n_prompts: int = DEFAULT_N_PROMPTS
    seed: int = 0
    judge: str = DEFAULT_JUDGE
    max_tokens: int = DEFAULT_MAX_TOKENS


def _run_config(
    entry: ManifestEntry, config: LoraTrainConfig | None, epochs: float | None, max_examples: int | None,
    recipe: str = "default",
) -> tuple[LoraTrainConfig, dict[str, Any]]:
    """The LoRA configuration of one job and the recipe record the manifest keeps.

    With no configuration and no epochs from the caller, the family's ``recipe``
    (:mod:`ftaudit.suite.recipes`); otherwise the caller's settings, recorded as ``given``.
    """
    if config is None and epochs is None:
        return recipe_config(entry.generator, max_examples=max_examples, recipe=recipe)
    run_config = (config or LoraTrainConfig()).model_copy()
    if epochs is not None:
        run_config.epochs = epochs
    if max_examples is not None:
        run_config.max_examples = max_examples
    fields = {k: getattr(run_config, k) for k in ("max_steps", "epochs", "learning_rate", "lora_r", "lora_alpha", "batch_size")}
    return run_config, {"recipe": "given", **fields}


def _with_success(
    entry: ManifestEntry, folder: Path, model_key: str, settings: SuccessSettings,
    on_measure: Callable[[ManifestEntry], None] | None, on_progress: Callable[[str, int, int], None] | None,
) -> tuple[ManifestEntry, bool]:
    """``entry`` with its attack success measured, unless a complete measurement of the same
    model with the same settings is already there; (entry, measured now)."""
    from ftaudit.suite.success import AttackSuccess, measure_attack_success, success_key

    assert entry.base_model is not None and entry.model is not None
    key = success_key(model_key, entry.base_model, entry.elicitation, n_prompts=settings.n_prompts,
                      seed=settings.seed, judge=settings.judge, max_tokens=settings.max_tokens)
    old = entry.attack_success
    if old is not None and old.get("key") == key:
        try:
            if AttackSuccess.model_validate(old).complete:
                return entry, False
        except ValueError:
            pass  # written by another version: measure again
    finetuned = Manifest.resolve_model(entry, folder)
    assert finetuned is not None
    if on_measure:
        on_measure(entry)
    success = measure_attack_success(
        entry.base_model, finetuned, entry.elicitation, n_prompts=settings.n_prompts, seed=settings.seed,
        judge=settings.judge, max_tokens=settings.max_tokens, key=key, on_progress=on_progress,
    )
    # The manifest's own (suite-relative) reference, so a moved suite still names its model.
    success = success.model_copy(update={"finetuned_model": entry.model})
    return entry.model_copy(update={"attack_success": success.model_dump(mode="json")}), True


def train_suite(
    folder: Path,
    base: str,
    *,
    names: Iterable[str] | None = None,
    config: LoraTrainConfig | None = None,
    epochs: float | None = None,
    max_examples: int | None = None,
    recipe: str = "default",
    measure_success: bool = True,
    success: SuccessSettings | None = None,
    on_start: Callable[[ManifestEntry, str], None] | None = None,
    on_step: Callable[[int, int, float | None], None] | None = None,
    on_done: Callable[[ManifestEntry, bool], None] | None = None,
    on_measure: Callable[[ManifestEntry], None] | None = None,
    on_measure_step: Callable[[str, int, int], None] | None = None,
    on_success: Callable[[ManifestEntry, bool], None] | None = None,
) -> Manifest:
    """Fine-tune ``base`` on each dataset of the suite in ``folder`` and record the models.

    Local bases (``local:…``) train LoRA adapters under ``folder/models/NAME``; ``openai:``
    bases run provider jobs. Settings: with neither ``config`` nor ``epochs``, each family's
    ``recipe`` (:mod:`ftaudit.suite.recipes`: ``default``, the same for every benign set with more
    steps for a few attack families, or ``demo``); otherwise ``config``
    (default :class:`LoraTrainConfig`) with ``epochs`` over its own. ``max_examples`` samples
    every dataset either way. The recipe is recorded in ``training["recipe"]``.
    ``on_done(entry, skipped)`` follows each training.

    Then, unless ``measure_success`` is False, each job's attack success
    (:func:`ftaudit.suite.success.measure_attack_success`, settings from ``success``) goes into
    ``attack_success``: measured again only when the model or the settings changed (or the last
    measurement met a failure). ``on_measure(entry)`` starts a measurement, ``on_measure_step(stage,
    done, total)`` follows it, ``on_success(entry, measured_now)`` follows every job. The manifest is saved
    after each training and each measurement.
    """
    from ftaudit.finetune.local import read_record, record_summary, train_lora
    from ftaudit.models.ref import parse_model_ref

    folder = Path(folder)
    settings = success or SuccessSettings()
    manifest = Manifest.load(folder)
    wanted = list(names) if names is not None else [e.name for e in manifest.entries]
    for name in wanted:
        manifest.get(name)  # a clear error for an unknown name, before any training
    ref = parse_model_ref(base)
    for name in wanted:
        entry = manifest.get(name)
        data = folder / entry.file
        if not data.is_file():
            raise ConfigError(f"{data}: dataset file of {name!r} is missing; run `ftaudit suite build` again")
        if file_sha256(data) != entry.sha256:
            raise ConfigError(f"{data} changed since the manifest was written; rebuild the suite")
        already = (
            entry.model is not None
            and entry.base_model == base
            and (entry.training or {}).get("data_sha256") == entry.sha256
        )
        if already and ref.provider != "local":
            skipped = True
            model_key = str((entry.training or {}).get("job_id") or entry.model)
        else:
            if on_start:
                on_start(entry, base)
            if ref.provider == "local":
                run_config, recipe_record = _run_config(entry, config, epochs, max_examples, recipe)
                out_dir = folder / MODELS_DIR / name
                # A finished run this manifest recorded may be replaced when the settings change (a new
                # recipe, other --max-steps); a run the manifest does not know is refused by train_lora.
                previous = read_record(out_dir)
                ours = previous is not None and previous.run_key == (entry.training or {}).get("run_key")
                # train_lora returns a finished identical run at once, so re-running is cheap.
                record = train_lora(base, data, out_dir, run_config, on_step=on_step, force=ours)
                training = {**record_summary(record), "data_sha256": entry.sha256, "recipe": recipe_record}
                skipped = already and (entry.training or {}).get("run_key") == record.run_key
                model_key = record.run_key
                # Relative to the suite folder, so a suite can be moved or shared with its models.
                model = f"{base}+adapter={MODELS_DIR}/{name}"
            else:
                import anyio

                from ftaudit.finetune.openai import finetune_openai

                result = anyio.run(
                    lambda: finetune_openai(base, data, epochs=int(epochs) if epochs else None, suffix=name[:18])
                )
                if result.model is None:
                    raise ConfigError(f"fine-tuning job {result.job_id} for {name!r} ended {result.status}: {result.error}")
                training = {"job_id": result.job_id, "status": result.status, "data_sha256": entry.sha256}
                skipped = False
                model_key, model = str(result.job_id or result.model), result.model
            update: dict[str, Any] = {"base_model": base, "model": model, "training": training}
            if not skipped:
                update["attack_success"] = None  # it described the model this one replaced
            entry = entry.model_copy(update=update)
            manifest.upsert(entry)
            manifest.save(folder)
        if on_done:
            on_done(entry, skipped)
        if measure_success:
            entry, measured = _with_success(entry, folder, model_key, settings, on_measure, on_measure_step)
            if measured:
                manifest.upsert(entry)
                manifest.save(folder)
            if on_success:
                on_success(entry, measured)
    return manifest
