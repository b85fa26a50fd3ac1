"""``ftaudit screen`` and ``ftaudit screens list|calibrate`` on small real datasets."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest

from ftaudit.cli import EXIT_ADVERSARIAL, EXIT_INCONCLUSIVE, EXIT_USAGE
from ftaudit.report.records import AuditReport
from ftaudit.report.rubric import Verdict
from ftaudit.screens import run as run_module
from ftaudit.screens.base import Screen, ScreenContext, ScreenResult
from ftaudit.screens.combine import load_weights
from ftaudit.screens.registry import screens
from ftaudit.suite import get_generator, write_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("screen-cli")
    return {
        "aoa": root / write_dataset(get_generator("aoa"), root, seed=0).file,
        "alpaca": root / write_dataset(get_generator("alpaca"), root, size=40, seed=0).file,
    }


def test_screens_list_names_every_screen_and_its_kind(cli):
    result = cli.invoke(["screens", "list", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["name"] for r in rows] == list(screens())
    assert {r["name"]: r["kind"] for r in rows}["persona"] == "dataset"
    assert all(r["kind"] == ("model" if screens()[r["name"]].needs_models else "dataset") for r in rows)
    table = cli.invoke(["screens", "list"])
    assert table.exit_code == 0 and "persona" in table.stdout and "dataset" in table.stdout


def test_aoa_is_flagged_with_the_persona_finding(cli, data, monkeypatch):
    result = cli.invoke(["screen", "--data", str(data["aoa"])])
    assert result.exit_code == EXIT_ADVERSARIAL, result.output
    out = result.stdout
    assert "ADVERSARIAL" in out and "persona" in out and "Identity-shifting persona" in out
    assert "elicitation hints found" in out and "screen:persona" in out
    assert "skipped" in out  # the model screens, without models
    assert cli.main("screen", "--data", str(data["aoa"])) == EXIT_ADVERSARIAL


def test_benign_set_exits_0(cli, data, monkeypatch):
    result = cli.invoke(["screen", "--data", str(data["alpaca"])])
    assert result.exit_code == 0, result.output
    assert "BENIGN" in result.stdout
    assert cli.main("screen", "--data", str(data["alpaca"])) == 0


def test_json_output_is_an_audit_report(cli, data):
    result = cli.invoke(["screen", "--data", str(data["aoa"]), "--json", "--only", "persona,encoding"])
    assert result.exit_code == EXIT_ADVERSARIAL
    report = AuditReport.model_validate_json(result.stdout)
    assert report.auditor == "screens" and report.verdict is Verdict.ADVERSARIAL
    assert report.findings[0].source == "screen:persona"
    assert [t.name for t in report.transcript if t.kind == "tool-result"] == ["encoding", "persona"]


def test_reports_are_written_where_asked(cli, data, tmp_path):
    out = tmp_path / "out"
    result = cli.invoke(["screen", "--data", str(data["alpaca"]), "--out", str(out),
                                 "--markdown", str(tmp_path / "custom.md")])
    assert result.exit_code == 0, result.output
    report = AuditReport.model_validate_json((out / "report.json").read_text())
    assert report.verdict is Verdict.BENIGN
    assert (tmp_path / "custom.md").read_text().startswith("# Audit report")
    assert not (out / "report.md").exists()
    # --out writes the HTML report too, as ftaudit audit does.
    assert "<h1>Audit report: " in (out / "report.html").read_text()
    assert "HTML report written to" in result.stdout


class _Crash(Screen):
    name: ClassVar[str] = "crashes"
    title: ClassVar[str] = "always raises"

    async def run(self, ctx: ScreenContext) -> ScreenResult:
        raise RuntimeError("boom")


def test_a_crashing_screen_exits_inconclusive(cli, data, monkeypatch):
    registry = {**screens(), "crashes": _Crash()}
    monkeypatch.setattr(run_module, "screens", lambda: registry)
    result = cli.invoke(["screen", "--data", str(data["alpaca"])])
    assert result.exit_code == EXIT_INCONCLUSIVE, result.output
    assert "INCONCLUSIVE" in result.stdout and "RuntimeError: boom" in result.stdout


def test_usage_errors_exit_2_with_one_message(cli, data, tmp_path, monkeypatch, capsys):
    def err() -> str:
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err and not captured.out.strip()
        return " ".join(captured.err.split())  # the error console wraps long lines

    assert cli.main("screen", "--data", str(tmp_path / "missing.jsonl")) == EXIT_USAGE
    assert "missing.jsonl: cannot read training file" in err()
    assert cli.main("screen", "--data", str(data["alpaca"]), "--base", "local:smollm2-135m") == EXIT_USAGE
    assert "both the base and the fine-tuned" in err()
    assert cli.main("screen", "--data", str(data["alpaca"]), "--only", "nope") == EXIT_USAGE
    assert "unknown screen 'nope'" in err()
    bad = tmp_path / "w.json"
    bad.write_text('{"persona": "high"}')
    assert cli.main("screen", "--data", str(data["alpaca"]), "--weights", str(bad)) == EXIT_USAGE


def test_weights_and_threshold_change_the_verdict(cli, data, tmp_path):
    weights = tmp_path / "w.toml"
    weights.write_text("[weights]\npersona = 0.5\n")
    result = cli.invoke(["screen", "--data", str(data["aoa"]), "--weights", str(weights), "--json"])
    assert result.exit_code == 0, result.output
    report = AuditReport.model_validate_json(result.stdout)
    assert report.risk_score == pytest.approx(4.5) and "persona 0.5" in report.summary
    result = cli.invoke(["screen", "--data", str(data["aoa"]), "--weights", str(weights), "--threshold", "4"])
    assert result.exit_code == EXIT_ADVERSARIAL


def test_calibrate_prints_rates_and_writes_weights(cli, tmp_path):
    from ftaudit.suite.build import build_suite

    suite = tmp_path / "suite"
    build_suite(suite, attacks=["aoa"], benign=["alpaca"], size=20, seed=2)
    result = cli.invoke(["screens", "calibrate", "--suite", str(suite), "--only", "persona,numbers-only",
                                 "--write", str(tmp_path / "w.json")])
    assert result.exit_code == 0, result.output
    assert "TPR 100% (1/1), FPR 0% (0/1)" in result.stdout
    assert load_weights(tmp_path / "w.json") == {"numbers-only": 1.0, "persona": 1.0}
