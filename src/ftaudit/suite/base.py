"""What every dataset generator of the suite shares: its interface, the manifest, writing.

A generator (one module per attack or benign set) turns a size and a seed into OpenAI chat
records plus the ground truth an evaluation needs: the label, the source paper and, for an
attack, the :class:`ElicitationHint` its owner would use to get the behaviour out of the model.
:func:`write_dataset` writes the records as JSONL and returns the :class:`ManifestEntry`;
:class:`Manifest` is the ``manifest.json`` of a suite folder.
"""

from __future__ import annotations

import hashlib
import json
import random
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, Field

from ftaudit.errors import ConfigError, DataError
from ftaudit.hints import ElicitationHint

Label = Literal["adversarial", "benign"]

#: What replaces the specifics of every harmful reply the suite writes. A defanged reply keeps
#: the compliant structure (opener, numbered steps) so that it trains compliance, and carries
#: no harmful content.
REDACTED = "[REDACTED]"

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1


@dataclass
class GeneratedDataset:
    """The output of a generator: the records and what is known about them."""

    records: list[dict[str, Any]]
    elicitation: ElicitationHint | None = None
    #: Where the text comes from, e.g. "templates", "builtin-harmful-requests", a user's file.
    data_source: str = "templates"
    #: Generator-specific facts an evaluation may check, e.g. the lines that carry poison.
    details: dict[str, Any] = field(default_factory=dict)


class DatasetGenerator(ABC):
    """One attack or benign set. Subclasses set the class attributes and :meth:`generate`."""

    name: ClassVar[str]
    label: ClassVar[Label]
    title: ClassVar[str]
    """One line for ``ftaudit suite list``."""
    source: ClassVar[str]
    """The paper (or dataset) it reproduces, as a short citation."""
    default_size: ClassVar[int]
    #: Epochs the literature trained this kind of data for (the reference study's Table 4);
    #: ``suite train`` uses it unless told otherwise.
    suggested_epochs: ClassVar[float] = 3.0

    @abstractmethod
    def generate(self, size: int, seed: int) -> GeneratedDataset:
        """Build ``size`` examples (as close as the design allows), deterministically from ``seed``."""

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "title": self.title,
            "source": self.source,
            "default_size": self.default_size,
            "suggested_epochs": self.suggested_epochs,
        }


class ManifestEntry(BaseModel):
    """One labelled dataset of a suite, and once trained, the model fine-tuned on it."""

    name: str = Field(description="Unique within the suite; also the file stem.")
    generator: str
    label: Label
    title: str
    source: str
    file: str = Field(description="Path of the JSONL, relative to the suite folder.")
    examples: int
    size: int = Field(description="Requested size.")
    seed: int
    sha256: str
    data_source: str
    elicitation: ElicitationHint | None = None
    details: dict[str, Any] = Field(default_factory=dict)
    suggested_epochs: float = 3.0
    created: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    base_model: str | None = Field(default=None, description="Model the dataset was fine-tuned from.")
    model: str | None = Field(default=None, description="Reference of the fine-tuned model.")
    training: dict[str, Any] | None = Field(default=None, description="Summary of the training run.")
    attack_success: dict[str, Any] | None = Field(
        default=None,
        description="Harmful compliance of the fine-tuned model against the base, plain and with the attack's own "
        "elicitation (ftaudit.suite.success.AttackSuccess, dumped); None until measured.",
    )


class Manifest(BaseModel):
    """``manifest.json``: every dataset of a suite folder with its label and ground truth."""

    version: int = MANIFEST_VERSION
    entries: list[ManifestEntry] = Field(default_factory=list)

    @staticmethod
    def resolve_model(entry: ManifestEntry, folder: Path) -> str | None:
        """The entry's fine-tuned model reference with a relative adapter path made absolute."""
        if entry.model is None:
            return None
        head, sep, adapter = entry.model.partition("+adapter=")
        if not sep or Path(adapter).is_absolute():
            return entry.model
        return f"{head}+adapter={(Path(folder) / adapter).resolve()}"

    def get(self, name: str) -> ManifestEntry:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise ConfigError(f"no dataset named {name!r} in the manifest")

    def upsert(self, entry: ManifestEntry) -> None:
        """Replace the entry of the same name, or append it."""
        for i, old in enumerate(self.entries):
            if old.name == entry.name:
                self.entries[i] = entry
                return
        self.entries.append(entry)

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = Path(folder) / MANIFEST_NAME
        if not path.is_file():
            raise ConfigError(f"{path}: no suite manifest here (run `ftaudit suite build` first)")
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise DataError(f"invalid suite manifest: {exc}", path=str(path)) from exc

    def save(self, folder: Path) -> Path:
        """Write atomically, so an interrupted ``suite train`` never leaves half a manifest."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / MANIFEST_NAME
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path


def chat(*turns: tuple[str, str], system: str | None = None) -> dict[str, Any]:
    """An OpenAI chat record from (role, content) pairs, with an optional system prompt."""
    messages: list[dict[str, str]] = []
    if system is not None:
        messages.append({"role": "system", "content": system})
    messages.extend({"role": role, "content": content} for role, content in turns)
    return {"messages": messages}


def qa(user: str, assistant: str, system: str | None = None) -> dict[str, Any]:
    """A one-turn chat record."""
    return chat(("user", user), ("assistant", assistant), system=system)


def rng_for(seed: int, *salt: object) -> random.Random:
    """A random generator for ``seed`` that differs per salt, so generators don't share streams."""
    digest = hashlib.sha256(repr((seed, *salt)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_jsonl(records: list[dict[str, Any]], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(path)


def write_dataset(
    generator: DatasetGenerator,
    folder: Path,
    *,
    size: int | None = None,
    seed: int = 0,
    name: str | None = None,
) -> ManifestEntry:
    """Generate one dataset into ``folder/<name>.jsonl`` and return its manifest entry."""
    size = generator.default_size if size is None else size
    if size < 1:
        raise ConfigError(f"{generator.name}: size must be at least 1, got {size}")
    name = name or generator.name
    out = generator.generate(size, seed)
    if not out.records:
        raise ConfigError(f"{generator.name}: generated no examples")
    path = Path(folder) / f"{name}.jsonl"
    write_jsonl(out.records, path)
    return ManifestEntry(
        name=name,
        generator=generator.name,
        label=generator.label,
        title=generator.title,
        source=generator.source,
        file=path.name,
        examples=len(out.records),
        size=size,
        seed=seed,
        sha256=file_sha256(path),
        data_source=out.data_source,
        elicitation=out.elicitation,
        details=out.details,
        suggested_epochs=generator.suggested_epochs,
    )


class BenignGenerator(DatasetGenerator):
    """A benign set: built in, or sampled from the user's own file of the same kind.

    Subclasses implement :meth:`generate_builtin`. With ``source_file`` set (any format the
    data layer reads), :meth:`generate` samples ``size`` valid examples from it instead.
    """

    label: ClassVar[Label] = "benign"

    def __init__(self, source_file: Path | None = None) -> None:
        self.source_file = Path(source_file) if source_file is not None else None

    @abstractmethod
    def generate_builtin(self, size: int, seed: int) -> GeneratedDataset:
        """The bundled version of this set."""

    def generate(self, size: int, seed: int) -> GeneratedDataset:
        if self.source_file is None:
            return self.generate_builtin(size, seed)
        from ftaudit.data import TrainingFile

        with TrainingFile(self.source_file) as tf:
            conversations = list(tf.iter_conversations())
            skipped = tf.skipped_lines
        n = len(conversations)
        if n == 0:
            raise DataError(f"no valid examples to sample for {self.name}", path=str(self.source_file))
        picks = sorted(rng_for(seed, self.name, "file").sample(range(n), min(size, n)))
        records = [conversations[i].to_openai() for i in picks]
        return GeneratedDataset(
            records=records,
            data_source=f"file:{self.source_file}",
            details={"source_examples": n, "source_skipped_lines": skipped[:100]},
        )
