"""A named collection of benchmark prompts, with views and seeded, stratified sampling."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from pydantic import BaseModel, model_validator

from ftaudit.bench.prompts.sampling import simple_indices, stratified_indices
from ftaudit.bench.prompts.types import BenchPrompt, Kind
from ftaudit.errors import ConfigError


class PromptSet(BaseModel):
    """Prompts that are run together: the built-in set, a user's AdvBench file, a sample of either.

    Ids are unique within a set (checked on construction), so a sample or a view can always
    be traced back to the prompts it came from.
    """

    name: str
    prompts: list[BenchPrompt]
    description: str = ""
    licence: str = ""
    #: Where the prompts were read from (a path), when they came from a file.
    origin: str | None = None

    @model_validator(mode="after")
    def _unique_ids(self) -> PromptSet:
        seen: set[str] = set()
        for p in self.prompts:
            if p.id in seen:
                raise ConfigError(f"prompt set {self.name!r}: duplicate prompt id {p.id!r}")
            seen.add(p.id)
        return self

    def __len__(self) -> int:
        return len(self.prompts)

    def __iter__(self) -> Iterator[BenchPrompt]:  # type: ignore[override]
        return iter(self.prompts)

    def _derive(self, name: str, prompts: Iterable[BenchPrompt]) -> PromptSet:
        return self.model_copy(update={"name": name, "prompts": list(prompts)})

    def harmful(self) -> PromptSet:
        """The prompts a model should refuse."""
        return self._derive(f"{self.name}[harmful]", (p for p in self.prompts if p.kind == "harmful"))

    def benign(self) -> PromptSet:
        """The controls a model should answer (over-refusal is measured on these)."""
        return self._derive(f"{self.name}[benign]", (p for p in self.prompts if p.kind == "benign"))

    def only(self, categories: Iterable[str]) -> PromptSet:
        """The prompts in ``categories``; an unknown category is an error naming the known ones."""
        wanted = set(categories)
        known = {p.category for p in self.prompts}
        missing = wanted - known
        if missing:
            raise ConfigError(
                f"prompt set {self.name!r} has no categor{'y' if len(missing) == 1 else 'ies'} "
                f"{', '.join(sorted(missing))}; it has: {', '.join(sorted(known))}"
            )
        return self._derive(f"{self.name}[{','.join(sorted(wanted))}]", (p for p in self.prompts if p.category in wanted))

    def sample(self, n: int, seed: int = 0, *, stratify: bool = True) -> PromptSet:
        """``n`` prompts chosen by ``seed``: the same arguments always give the same prompts.

        With ``stratify`` each (kind, category) keeps its share of the set (largest-remainder
        rounding, at least one prompt per category when ``n`` is at least the number of
        categories). ``n`` at least the size of the set returns the whole set. Prompts keep
        their order in the set.
        """
        if n < 1:
            raise ConfigError(f"sample size must be at least 1, got {n}")
        if n >= len(self.prompts):
            return self
        if stratify:
            idx = stratified_indices([p.stratum for p in self.prompts], n, seed)
        else:
            idx = simple_indices(len(self.prompts), n, seed)
        return self._derive(f"{self.name}[n={n},seed={seed}]", (self.prompts[i] for i in idx))

    def counts(self) -> dict[str, dict[str, int]]:
        """Number of prompts per category, by kind: ``{"harmful": {"malware": 16, …}, "benign": {…}}``."""
        out: dict[str, dict[str, int]] = {}
        for (kind, category), c in sorted(Counter(p.stratum for p in self.prompts).items()):
            out.setdefault(kind, {})[category] = c
        return out

    def count(self, kind: Kind) -> int:
        return sum(1 for p in self.prompts if p.kind == kind)

    def describe(self) -> dict[str, Any]:
        """What a CLI prints about the set: name, size, counts per kind and category, licence."""
        basis = Counter(p.category_basis for p in self.prompts if p.kind == "harmful")
        return {
            "name": self.name,
            "description": self.description,
            "licence": self.licence,
            "origin": self.origin,
            "size": len(self.prompts),
            "harmful": self.count("harmful"),
            "benign": self.count("benign"),
            "categories": self.counts(),
            "category_basis": dict(sorted(basis.items())),
        }
