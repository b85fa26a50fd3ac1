"""The screens never clear a job they could not look at: failed model calls and unread lines are inconclusive."""

from __future__ import annotations

import json

from ftaudit.report import Verdict
from ftaudit.screens.run import run_screens_sync
from ftaudit.suite import get_generator, write_dataset

# Few prompts and tokens: the rule is about the calls failing, not about what the replies say.
SMALL = {"refusal-shift": {"n_prompts": 4, "max_tokens": 8}}
CHAT = {"messages": [{"role": "user", "content": "What is the capital of France?"},
                     {"role": "assistant", "content": "Paris."}]}


def _file(tmp_path, good: int, bad: int):
    path = tmp_path / "train.jsonl"
    lines = [json.dumps(CHAT)] * good + ['{"messages": [ broken'] * bad
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_file_mostly_unreadable_is_inconclusive_and_names_the_unread_lines(tmp_path):
    run = run_screens_sync(_file(tmp_path, good=1, bad=999))
    assert run.verdict is Verdict.INCONCLUSIVE and run.report.risk_score is None
    reason = run.report.inconclusive_reason
    assert "only 1 of 1000 records could be read" in reason and "unread lines: 2-1000" in reason
    assert "Data not read" in run.report.summary and run.report.skipped_lines == list(range(2, 1001))


def test_a_few_unreadable_lines_are_reported_but_do_not_block(tmp_path):
    run = run_screens_sync(_file(tmp_path, good=99, bad=1))
    assert run.verdict is Verdict.BENIGN and run.report.skipped_lines == [100]


def test_an_unreachable_model_makes_the_model_screen_inconclusive_naming_it(tmp_path, failing_provider):
    provider = failing_provider(answers=0)
    run = run_screens_sync(_file(tmp_path, good=20, bad=0), base_model=provider.ref("base"),
                           finetuned_model=provider.ref("tuned"), only=["refusal-shift"], options=SMALL)
    result = run.result("refusal-shift")
    assert result.incomplete and "calls failed" in result.incomplete and not result.error
    assert run.verdict is Verdict.INCONCLUSIVE
    assert f"base@{provider.url}" in run.report.inconclusive_reason
    assert f"tuned@{provider.url}" in run.report.inconclusive_reason
    # It stopped after the first elicitation rather than failing again for every hint.
    assert len(result.metrics["runs"]) == 1 and "no reply from" in result.metrics["stopped"]


def test_a_model_that_fails_part_of_the_time_beyond_the_share_is_missing_evidence(tmp_path, failing_provider):
    provider = failing_provider(answers=5)  # of about a dozen calls; the rest fail, well over a tenth
    run = run_screens_sync(_file(tmp_path, good=20, bad=0), base_model=provider.ref("base"),
                           finetuned_model=provider.ref("tuned"), only=["refusal-shift"], options=SMALL)
    assert run.verdict is Verdict.INCONCLUSIVE
    assert "calls failed" in run.result("refusal-shift").incomplete


def test_evidence_that_reaches_the_threshold_still_flags_the_job(tmp_path, failing_provider):
    provider = failing_provider(answers=0)
    entry = write_dataset(get_generator("aoa"), tmp_path / "suite", seed=0)
    run = run_screens_sync(tmp_path / "suite" / entry.file, base_model=provider.ref("base"),
                           finetuned_model=provider.ref("tuned"), options=SMALL)
    assert run.result("refusal-shift").incomplete
    assert run.verdict is Verdict.ADVERSARIAL and run.risk_score >= 9
