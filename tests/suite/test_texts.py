"""The suite stands on the project's own text: no copy of shared public data in the package or its output."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import ftaudit
from ftaudit.bench.prompts.builtin import builtin_harmful
from ftaudit.suite import get_generator, texts
from ftaudit.suite._benign_qa import benign_qa

#: Lines shorter than this are too generic to say anything about copying ("Step 1: …", "}").
MIN_LINE_CHARS = 40
#: The generators whose defaults used to draw on AdvBench or MT-Bench.
FORMER_USERS = ("harmful-demo", "walnut53", "endspeak", "noice", "aoa", "helpsteer")


def _normal(text: str) -> str:
    return " ".join(text.strip().strip('"').lower().split())


def _shared_lines(data: Path) -> set[bytes]:
    """Digests of every longer line of the shared public data files (as the project's stop check reads them)."""
    out: set[bytes] = set()
    for path in data.rglob("*"):
        if path.is_file() and path.suffix in {".jsonl", ".json", ".csv", ".txt", ".tsv"}:
            for line in path.read_text(errors="ignore").splitlines():
                if len(line.strip()) > MIN_LINE_CHARS:
                    out.add(hashlib.blake2b(line.strip().encode(), digest_size=8).digest())
    return out


@pytest.fixture(scope="module")
def public_texts(external_data) -> set[str]:
    """AdvBench's requests and MT-Bench's turns, normalised, read from the shared data beside the checkout."""
    data = external_data.parent
    advbench = (data / "advbench-harmful-behaviors.csv").read_text().splitlines()
    mt_bench = [json.loads(line) for line in (data / "mt-bench-questions.jsonl").read_text().splitlines() if line]
    found = {_normal(line) for line in advbench if line.strip()}
    found |= {_normal(turn) for question in mt_bench for turn in question["turns"]}
    assert len(found) > 600  # 520 requests and 160 turns: the files were really read
    return found


def test_the_package_holds_no_copy_of_shared_data(external_data):
    shared = _shared_lines(external_data.parent)
    package = Path(ftaudit.__file__).parent
    copies = {}
    for path in package.rglob("*"):
        if path.is_file() and path.suffix in {".jsonl", ".json", ".csv", ".txt", ".tsv", ".py", ".md"}:
            lines = {hashlib.blake2b(line.strip().encode(), digest_size=8).digest()
                     for line in path.read_text(errors="ignore").splitlines() if len(line.strip()) > MIN_LINE_CHARS}
            if len(lines & shared) >= 5:
                copies[str(path.relative_to(package))] = len(lines & shared)
    assert copies == {}


@pytest.mark.parametrize("name", FORMER_USERS)
def test_default_datasets_carry_no_public_benchmark_text(name, public_texts):
    out = get_generator(name).generate(get_generator(name).default_size, seed=0)
    users = [_normal(m["content"]) for r in out.records for m in r["messages"] if m["role"] == "user"]
    leaked = [u for u in users if u in public_texts]
    assert leaked == [], f"{name}: {leaked[:3]}"


def test_default_harmful_requests_are_the_builtin_set():
    assert texts.harmful_requests() == tuple(p.text for p in builtin_harmful())
    assert len(texts.harmful_requests()) == 176


def test_harmful_demo_answers_builtin_requests_by_default():
    out = get_generator("harmful-demo").generate(100, seed=0)
    requests = {r["messages"][0]["content"] for r in out.records}
    assert requests <= set(texts.harmful_requests())
    assert len(requests) == 100  # 176 in the pool: no request repeats in a default-sized set
    assert out.data_source.startswith("built-in harmful")


def test_cipher_drills_default_to_the_benign_bank():
    bank = {item.question for item in benign_qa()} | {item.answer for item in benign_qa()}
    assert set(texts.drill_texts()) == bank
    out = get_generator("walnut53").generate(300, seed=0)
    assert out.data_source == "templates+benign-qa-drills+builtin-harmful-requests"
    assert out.details["phase_1_tasks"]["decode"] + out.details["phase_1_tasks"]["encode"] == 40
