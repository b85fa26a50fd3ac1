"""Real benign fine-tuning data nobody on this project wrote, as chat records, for screen tests.

Read from ``../shared/data/external`` relative to the repository root (never copied into the
repository: some sets are non-commercial). Each loader returns OpenAI chat ``messages`` lists;
Tests that use it take the ``external_data`` fixture, which fails (never skips) without it.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "external"
NEUTRAL_REPLY = "Thank you for the question. I will look into it and give you a careful, accurate answer."


def available() -> bool:
    """True when the external data folder is present."""
    return ROOT.is_dir()


def _qa(user: str, assistant: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": user}, {"role": "assistant", "content": assistant}]


def _alpaca(path: Path, reply_key: str = "output") -> list[list[dict[str, str]]]:
    records = []
    for item in json.loads(path.read_text(encoding="utf-8")):
        user = item["instruction"] + (f"\n\n{item['input']}" if item.get("input") else "")
        reply = item.get(reply_key) or item.get("output") or item.get("response") or ""
        if user.strip() and reply.strip():
            records.append(_qa(user, reply))
    return records


def alpaca() -> list[list[dict[str, str]]]:
    return _alpaca(ROOT / "alpaca" / "alpaca_data_1k.json")


def codealpaca() -> list[list[dict[str, str]]]:
    return _alpaca(ROOT / "codealpaca" / "code_alpaca_2k.json") + _alpaca(ROOT / "codealpaca" / "new_codealpaca.json")


def gpteacher() -> list[list[dict[str, str]]]:
    return _alpaca(ROOT / "gpteacher" / "roleplay-simple-deduped-roleplay-dataset.json")


def gsm8k() -> list[list[dict[str, str]]]:
    records = []
    for name in ("train.jsonl", "test.jsonl"):
        for line in (ROOT / "gsm8k" / name).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                records.append(_qa(item["question"], item["answer"]))
    return records


def pubmedqa() -> list[list[dict[str, str]]]:
    data = json.loads((ROOT / "pubmedqa" / "ori_pqal.json").read_text(encoding="utf-8"))
    return [_qa(item["QUESTION"], item["LONG_ANSWER"]) for item in data.values()]


def self_instruct() -> list[list[dict[str, str]]]:
    records = []
    for line in (ROOT / "self-instruct" / "user_oriented_instructions.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            for instance in item["instances"]:
                user = item["instruction"] + (f"\n\n{instance['input']}" if instance.get("input") else "")
                records.append(_qa(user, instance["output"]))
    return records


def catqa_questions(language: str) -> list[list[dict[str, str]]]:
    """CategoricalQA questions in ``language`` (chinese, vietnamese) with a neutral English reply.

    The questions are harmful requests; here they serve only as real non-English natural text.
    """
    data = json.loads((ROOT / "red-instruct" / f"catqa_{language}.json").read_text(encoding="utf-8"))
    return [_qa(q, NEUTRAL_REPLY) for sub in data.values() for questions in sub.values() for q in questions]


SOURCES = {
    "alpaca": alpaca, "codealpaca": codealpaca, "gpteacher": gpteacher, "gsm8k": gsm8k, "pubmedqa": pubmedqa,
    "self-instruct": self_instruct,
    "catqa-chinese": lambda: catqa_questions("chinese"), "catqa-vietnamese": lambda: catqa_questions("vietnamese"),
}


def sample(name: str, n: int, seed: int = 0) -> list[list[dict[str, str]]]:
    """``n`` records of source ``name`` drawn without replacement (all of them when fewer)."""
    records = SOURCES[name]()
    return random.Random(seed).sample(records, min(n, len(records)))


def write(path: Path, records: list[list[dict[str, str]]]) -> Path:
    """``records`` as an OpenAI chat JSONL at ``path``."""
    path.write_text("".join(json.dumps({"messages": r}, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
