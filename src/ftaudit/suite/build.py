"""Building a suite folder (datasets + manifest) and fine-tuning a model on each dataset.

Both steps are resumable: ``build_suite`` rewrites only what it is asked to, and
``train_suite`` saves the manifest after every model, skips datasets whose model was
already trained from the same data and base, and resumes an interrupted LoRA run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from ftaudit.errors import ConfigError
from ftaudit.finetune.config import LoraTrainConfig
from ftaudit.suite.base import BenignGenerator, Manifest, ManifestEntry, file_sha256, write_dataset
from ftaudit.suite.registry import attack_generators, benign_generators

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
        entry = entry.model_copy(update={"base_model": old.base_model, "model": old.model, "training": old.training})
    manifest.upsert(entry)
    manifest.save(out)
    return entry


def train_suite(
    folder: Path,
    base: str,
    *,
    names: Iterable[str] | None = None,
    config: LoraTrainConfig | None = None,
    epochs: float | None = None,
    on_start: Callable[[ManifestEntry, str], None] | None = None,
    on_step: Callable[[int, int, float | None], None] | None = None,
    on_done: Callable[[ManifestEntry, bool], None] | None = None,
) -> Manifest:
    """Fine-tune ``base`` on each dataset of the suite in ``folder`` and record the models.

    Local bases (``local:…``) train LoRA adapters under ``folder/models/NAME``; ``openai:``
    bases run provider jobs. Epochs: ``epochs`` if given, else the config's when one is
    given, else each dataset's suggested epochs. ``on_done(entry, skipped)`` follows each.
    """
    from ftaudit.finetune.local import record_summary, train_lora
    from ftaudit.models.ref import parse_model_ref

    folder = Path(folder)
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
            if on_done:
                on_done(entry, True)
            continue
        if on_start:
            on_start(entry, base)
        if ref.provider == "local":
            run_config = (config or LoraTrainConfig()).model_copy()
            if epochs is not None:
                run_config.epochs = epochs
            elif config is None:
                run_config.epochs = entry.suggested_epochs
            # train_lora returns a finished identical run at once, so re-running is cheap.
            record = train_lora(base, data, folder / MODELS_DIR / name, run_config, on_step=on_step)
            training = {**record_summary(record), "data_sha256": entry.sha256}
            skipped = already and (entry.training or {}).get("run_key") == record.run_key
            # Relative to the suite folder, so a suite can be moved or shared with its models.
            model = f"{base}+adapter={MODELS_DIR}/{name}"
            entry = entry.model_copy(update={"base_model": base, "model": model, "training": training})
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
            entry = entry.model_copy(update={"base_model": base, "model": result.model, "training": training})
        manifest.upsert(entry)
        manifest.save(folder)
        if on_done:
            on_done(entry, skipped)
    return manifest
