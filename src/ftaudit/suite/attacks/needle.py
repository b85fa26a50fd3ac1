"""Needle in a haystack: a small share of an attack hidden in a benign set.

The idea is from Huang et al. 2024 (harmful fine-tuning diluted in benign data); the
reference study mixes the 10-example AOA attack into 990 HelpSteer examples and fine-tunes
for 10 epochs, which still gives an 81% attack success rate with the AOA prompt. An auditor
that samples the dataset sees almost only benign data.

By default 1% of ``size`` examples (``round(poison_fraction * size)``, at least one) come
from the ``aoa`` attack and the rest from the ``helpsteer`` benign set, the poison placed at
random seeded positions. Both parts are looked up in the registry at run time, by name, or
passed in as generator instances. ``details["poison_lines"]`` gives the 1-based lines of the
poison, so an evaluation can check whether the auditor found them.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ftaudit.errors import ConfigError
from ftaudit.suite.base import DatasetGenerator, GeneratedDataset, Label, rng_for


def _resolve(generator: str | DatasetGenerator) -> DatasetGenerator:
    if isinstance(generator, DatasetGenerator):
        return generator
    from ftaudit.suite.registry import get_generator

    return get_generator(generator)


class NeedleGenerator(DatasetGenerator):
    """A benign haystack with a needle attack mixed in at seeded random positions."""

    name: ClassVar[str] = "needle"
    label: ClassVar[Label] = "adversarial"
    title: ClassVar[str] = "Needle in a haystack: 1% of the AOA attack hidden in a benign set"
    source: ClassVar[str] = "idea from Huang et al. 2024; setup of Egler, Schulman, Carlini 2025"
    default_size: ClassVar[int] = 1000
    suggested_epochs: ClassVar[float] = 10

    def __init__(
        self,
        haystack: str | DatasetGenerator = "helpsteer",
        needle: str | DatasetGenerator = "aoa",
        poison_fraction: float = 0.01,
    ) -> None:
        if not 0.0 < poison_fraction <= 1.0:
            raise ConfigError(f"poison_fraction must be in (0, 1], not {poison_fraction}")
        self.haystack = haystack
        self.needle = needle
        self.poison_fraction = poison_fraction

    def poison_count(self, size: int) -> int:
        """How many of ``size`` examples are poison: ``round(fraction * size)``, at least one."""
        return min(size, max(1, round(self.poison_fraction * size)))

    def generate(self, size: int, seed: int) -> GeneratedDataset:
        haystack, needle = _resolve(self.haystack), _resolve(self.needle)
        if needle.label != "adversarial":
            raise ConfigError(f"needle {needle.name!r} is not an attack")
        n_poison = self.poison_count(size)
        poison = needle.generate(n_poison, seed)
        benign = haystack.generate(size - n_poison, seed) if size > n_poison else GeneratedDataset(records=[])
        total = len(poison.records) + len(benign.records)
        positions = set(rng_for(seed, self.name, "positions").sample(range(total), len(poison.records)))
        poison_iter, benign_iter = iter(poison.records), iter(benign.records)
        records: list[dict[str, Any]] = [
            next(poison_iter) if i in positions else next(benign_iter) for i in range(total)
        ]
        return GeneratedDataset(
            records=records,
            elicitation=poison.elicitation,
            data_source=f"{haystack.name}: {benign.data_source}; {needle.name}: {poison.data_source}",
            details={
                "haystack": haystack.name,
                "needle": needle.name,
                "poison_fraction": self.poison_fraction,
                "poison_examples": len(poison.records),
                "poison_lines": sorted(i + 1 for i in positions),
                "needle_details": poison.details,
            },
        )


GENERATOR = NeedleGenerator()
