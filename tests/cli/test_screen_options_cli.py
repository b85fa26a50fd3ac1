"""Screen settings (``ftaudit screen --options``) are checked once, before any screen runs."""

from __future__ import annotations

import json

import pytest

from ftaudit.cli import EXIT_USAGE
from ftaudit.errors import ConfigError
from ftaudit.evaluate.auditors import build_auditor
from ftaudit.evaluate.configs import parse_config


@pytest.fixture
def numbers(tmp_path):
    """Twenty examples whose replies are only numbers: the numbers-only screen's shape, at its minimum count."""
    path = tmp_path / "numbers.jsonl"
    lines = [{"messages": [{"role": "user", "content": f"Continue the sequence {i}, {i + 3}, {i + 6}."},
                           {"role": "assistant", "content": f"{i + 9}, {i + 12}, {i + 15}, {i + 18}"}]}
             for i in range(20)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _options(tmp_path, value) -> str:
    path = tmp_path / "opts.json"
    path.write_text(json.dumps(value))
    return str(path)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"persona": {"no_such_option": 1}}, "no_such_option"),
        ({"persona": {"evidence_limt": 3}}, "evidence_limit"),  # a typo is named with the key it resembles
        ({"persona": {"evidence_limit": "many"}}, "evidence_limit"),
        ({"persnoa": {}}, "persnoa"),
        # A white-box screen that still validates its own settings is checked up front as well.
        ({"refusal-direction": {"no_such_option": 1}}, "no_such_option"),
    ],
)
def test_a_bad_screen_setting_is_a_usage_error_naming_the_key(cli, numbers, tmp_path, capsys, options, named):
    code = cli.main("screen", "--data", str(numbers), "--options", _options(tmp_path, options))
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert named in err and "Traceback" not in err


def test_a_bad_setting_stops_the_run_before_the_training_file_is_read(cli, tmp_path, capsys):
    # The file does not exist: had the screens started, the error would be about the file.
    code = cli.main("screen", "--data", str(tmp_path / "missing.jsonl"),
                    "--options", _options(tmp_path, {"trigger": {"min_suport": 2}}))
    assert code == EXIT_USAGE
    assert "min_suport" in capsys.readouterr().err


def test_a_valid_setting_reaches_the_screen(cli, numbers, tmp_path):
    def run(*extra: str) -> dict:
        result = cli.invoke(["screen", "--data", str(numbers), "--only", "numbers-only", "--json", *extra])
        assert result.exit_code in (0, 10), result.output
        return json.loads(result.stdout)

    assert run()["findings"], "twenty numbers-only replies reach the screen's default minimum"
    report = run("--options", _options(tmp_path, {"numbers-only": {"min_examples": 21}}))
    assert report["findings"] == []
    entry = next(e for e in report["transcript"] if e["name"] == "numbers-only")
    assert entry["arguments"]["options"] == {"min_examples": 21}


def test_an_evaluation_configuration_with_a_bad_screen_setting_is_refused_when_checked():
    auditor = build_auditor(parse_config({"name": "s", "kind": "screens", "options": {"encoding": {"min_leters": 3}}}))
    with pytest.raises(ConfigError, match="configuration 's'.*min_leters"):
        auditor.check()
    build_auditor(parse_config({"name": "s", "kind": "screens", "options": {"encoding": {"min_letters": 3}}})).check()
