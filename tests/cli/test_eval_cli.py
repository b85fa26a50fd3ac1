"""``ftaudit eval run|report|status`` on a tiny built suite with dataset-only screens configurations."""

from __future__ import annotations

import json

import pytest

from ftaudit.cli import EXIT_USAGE
from ftaudit.evaluate.store import ResultsStore

JOBS = ["aoa", "backdoor-code", "alpaca", "educational-code"]
CONFIGS = """\
configs:
  - name: screens
    kind: screens
  - name: persona
    kind: screens
    only: [persona]
    repeats: 1
"""


@pytest.fixture(scope="module")
def suite(tmp_path_factory):
    from ftaudit.suite.build import build_suite

    folder = tmp_path_factory.mktemp("eval-cli") / "suite"
    build_suite(folder, attacks=JOBS[:2], benign=JOBS[2:], size=20, sizes={"aoa": 10})
    return folder


@pytest.fixture
def configs(tmp_path):
    path = tmp_path / "configs.yaml"
    path.write_text(CONFIGS, encoding="utf-8")
    return path


def test_eval_run_then_report_prints_the_summary_and_the_metrics_table(cli, suite, configs, tmp_path):
    store = tmp_path / "eval.sqlite"
    result = cli.invoke(["eval", "run", "--suite", str(suite), "--config", str(configs), "--repeats", "2",
                                 "--store", str(store)])
    assert result.exit_code == 0, result.output
    planned = len(JOBS) * 2 + len(JOBS)  # the persona configuration caps its repeats at 1
    assert f"planned {planned} audits: 0 already in the store, {planned} run now, none failed" in result.stdout
    assert f"ftaudit eval report --store {store}" in result.stdout
    with ResultsStore(store) as s:
        assert s.count() == planned

    again = cli.invoke(["eval", "run", "--suite", str(suite), "--config", str(configs), "--repeats", "2",
                                "--store", str(store)])
    assert again.exit_code == 0, again.output
    assert f"{planned} already in the store, 0 run now" in again.stdout

    out = tmp_path / "report"
    report = cli.invoke(["eval", "report", "--store", str(store), "--out", str(out), "--bootstrap", "50"])
    assert report.exit_code == 0, report.output
    text = report.stdout
    assert "detection per configuration" in text and "TPR at" in text and "AUROC" in text
    assert "screens" in text and "persona" in text and "screens / screens" in text and "screens / persona" in text
    assert "4 / 4 / 0" in text  # screens: 4 benign, 4 adversarial audits, none inconclusive
    assert "≥ 9" in text  # the full screens flag both attacks at their 9s with no benign job there
    for name in JOBS:
        assert name in text  # the per-attack table
    for kind, name in (("HTML", "index.html"), ("Markdown", "report.md"), ("JSON", "report.json")):
        assert f"{kind} report written to {out / name}" in text
        assert (out / name).is_file()


def test_eval_report_json_matches_the_report_file(cli, suite, configs, tmp_path):
    store = tmp_path / "eval.sqlite"
    assert cli.invoke(["eval", "run", "--suite", str(suite), "--config", str(configs), "--store", str(store),
                               "--jobs", "aoa,alpaca"]).exit_code == 0
    out = tmp_path / "report"
    result = cli.invoke(["eval", "report", "--store", str(store), "--out", str(out), "--bootstrap", "20", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [c["config"] for c in data["configs"]] == ["screens", "persona"]
    screens = data["configs"][0]
    assert (screens["benign"], screens["adversarial"]) == (1, 1)
    assert {a["attack"] for a in screens["attacks"]} == {"aoa", "alpaca"}
    written = json.loads((out / "report.json").read_text())
    assert written["configs"][0]["metrics"] == screens  # the console and the file tell the same numbers
    assert data["files"]["HTML"] == str(out / "index.html")


def test_eval_run_json_summary_and_the_default_store_in_the_suite(cli, suite, configs, tmp_path):
    import shutil

    copy = tmp_path / "suite"
    shutil.copytree(suite, copy)
    result = cli.invoke(["eval", "run", "--suite", str(copy), "--config", str(configs), "--jobs", "aoa", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["store"] == str(copy / "eval.sqlite") and (copy / "eval.sqlite").is_file()
    assert (summary["planned"], summary["already_done"], summary["ran"], summary["failed"]) == (2, 0, 2, 0)
    assert summary["pending_per_config"] == {"screens": 1, "persona": 1}


def test_failed_audits_are_shown_counted_and_listed_by_status(cli, suite, tmp_path):
    configs = tmp_path / "rushed.yaml"
    configs.write_text("name: rushed\nkind: screens\ntimeout_s: 0.000001\n", encoding="utf-8")
    store = tmp_path / "eval.sqlite"
    result = cli.invoke(["eval", "run", "--suite", str(suite), "--config", str(configs), "--store", str(store)])
    assert result.exit_code == 0, result.output  # failed audits are results (inconclusive), not a failed command
    assert "failed rushed aoa #0: timed out after 1e-06 s (stored as inconclusive)" in result.stdout
    assert f"{len(JOBS)} failed (stored as inconclusive)" in result.stdout
    assert "--retry-failed" in result.stdout

    status = cli.invoke(["eval", "status", "--store", str(store)])
    assert status.exit_code == 0, status.output
    assert "failed audits (stored as inconclusive)" in status.stdout and "timed out after 1e-06 s" in status.stdout
    data = json.loads(cli.invoke(["eval", "status", "--store", str(store), "--json"]).stdout)
    assert data["configs"] == [{"config": "rushed", "kind": "screens", "preset": "screens", "audits": 4, "adversarial": 2,
                                "benign": 2, "failed": 4, "repeats": 1}]
    assert len(data["failures"]) == 4 and data["jobs"] == 4

    report = cli.invoke(["eval", "report", "--store", str(store), "--out", str(tmp_path / "r"), "--bootstrap", "0"])
    assert report.exit_code == 0, report.output
    assert "4 inconclusive audits" in report.stdout and "unmet" in report.stdout


def test_a_bad_configuration_file_exits_2_naming_the_file(cli, suite, tmp_path, monkeypatch, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: x\nkind: screens\nonly: persona\n", encoding="utf-8")
    code = cli.main("eval", "run", "--suite", str(suite), "--config", str(bad), "--store", str(tmp_path / "s.sqlite"))
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert str(bad) in " ".join(err.split()) and "only" in err
    assert not (tmp_path / "s.sqlite").exists()  # nothing is created before the configurations are read


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["eval", "run", "--suite", "{tmp}/nowhere", "--config", "{configs}"], "no suite manifest here"),
        (["eval", "run", "--suite", "{suite}", "--config", "{configs}", "--jobs", "nope"], "no dataset named 'nope'"),
        (["eval", "report", "--store", "{tmp}/missing.sqlite", "--out", "{tmp}/r"], "no results store here"),
        (["eval", "status", "--store", "{tmp}/missing.sqlite"], "no results store here"),
        (["eval", "run", "--suite", "{suite}", "--config", "{configs}", "--repeats", "0"], "greater than or equal to 1"),
    ],
)
def test_usage_errors_exit_2_with_one_line(cli, suite, configs, tmp_path, monkeypatch, capsys, args, message):
    filled = [a.format(tmp=tmp_path, suite=suite, configs=configs) for a in args]
    assert cli.main(*filled) == EXIT_USAGE
    captured = capsys.readouterr()
    assert message in " ".join((captured.err + captured.out).split())
    assert "Traceback" not in captured.err


def test_report_on_an_empty_store_is_a_usage_error(cli, tmp_path, monkeypatch, capsys):
    store = tmp_path / "empty.sqlite"
    ResultsStore(store).close()
    assert cli.main("eval", "report", "--store", str(store), "--out", str(tmp_path / "r")) == EXIT_USAGE
    assert "no audits stored yet" in " ".join(capsys.readouterr().err.split())


def test_eval_run_ray_hands_the_jobs_configs_and_progress_to_the_distributed_runner(cli, suite, configs, tmp_path, monkeypatch):
    # The Ray runner itself is tested in tests/evaluate; here a stand-in that runs in process checks the wiring.
    from ftaudit.evaluate import distributed
    from ftaudit.evaluate.auditors import build_auditors
    from ftaudit.evaluate.runner import run_evaluation

    calls = []

    def fake_ray(jobs, configs, store, *, address, repeats, retry_failed, on_plan, on_result):
        calls.append((address, [j.name for j in jobs], [c.name for c in configs], repeats, retry_failed))
        return run_evaluation(jobs, build_auditors(list(configs)), store, repeats=repeats, retry_failed=retry_failed,
                              on_plan=on_plan, on_result=on_result)

    monkeypatch.setattr(distributed, "run_evaluation_ray", fake_ray)
    store = tmp_path / "eval.sqlite"
    result = cli.invoke(["eval", "run", "--suite", str(suite), "--config", str(configs), "--store", str(store),
                                 "--jobs", "aoa", "--ray", "ray://head:10001", "--retry-failed"])
    assert result.exit_code == 0, result.output
    assert calls == [("ray://head:10001", ["aoa"], ["screens", "persona"], 1, True)]
    assert "Ray ray://head:10001" in result.stdout and "planned 2 audits" in result.stdout
