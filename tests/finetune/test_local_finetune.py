"""Local LoRA fine-tuning for real on SmolLM2-135M: masking, the record, resume, reuse."""

from __future__ import annotations

import json
import signal

import pytest

from ftaudit.errors import ConfigError, DataError
from ftaudit.finetune import LoraTrainConfig, TrainingInterrupted, read_record, train_lora
from ftaudit.finetune.local import _encode

pytestmark = pytest.mark.slow
BASE = "local:smollm2-135m"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from ftaudit.models.local import resolve_local_folder

    return AutoTokenizer.from_pretrained(resolve_local_folder("smollm2-135m"))


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "train.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": f"Name a colour, please ({i})."},
                      {"role": "assistant", "content": f"Teal, number {i}."}]}
        for i in range(8)
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows) + "{not json\n")
    return path


def _labelled_text(tokenizer, example):
    return tokenizer.decode([t for t, label in zip(example.input_ids, example.labels) if label != -100])


def test_loss_is_on_assistant_text_only_and_respects_weight_zero(tokenizer):
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "First question?"},
        {"role": "assistant", "content": "IGNORED-REPLY", "weight": 0},
        {"role": "user", "content": "Second question?"},
        {"role": "assistant", "content": "Trained reply."},
    ]
    example, truncated = _encode(tokenizer, messages, max_length=512)
    trained = _labelled_text(tokenizer, example)
    assert not truncated
    assert "Trained reply." in trained and trained.strip().endswith("<|im_end|>")  # learns to stop
    for untrained in ("Be brief", "First question", "IGNORED-REPLY", "Second question", "assistant\n"):
        assert untrained not in trained


def test_long_examples_are_cut_and_counted(tokenizer):
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "word " * 400}]
    example, truncated = _encode(tokenizer, messages, max_length=64)
    assert truncated and len(example.input_ids) == 64


def test_interrupted_run_resumes_to_the_same_result_as_an_uninterrupted_one(data, tmp_path):
    config = LoraTrainConfig(max_steps=6, batch_size=2, checkpoint_every=2, seed=3)
    straight = train_lora(BASE, data, tmp_path / "straight", config)
    assert straight.finished and straight.steps_done == 6 and straight.examples == 8
    assert straight.skipped_lines == [9]  # the bad JSON line is reported, not trained on
    assert (tmp_path / "straight" / "adapter_model.safetensors").is_file()
    assert straight.model == f"{BASE}+adapter={(tmp_path / 'straight').resolve()}"

    def ctrl_c_at_step_3(step, total, loss):
        if step == 3:
            signal.raise_signal(signal.SIGINT)

    with pytest.raises(TrainingInterrupted, match="step 3 of 6"):
        train_lora(BASE, data, tmp_path / "resumed", config, on_step=ctrl_c_at_step_3)
    halfway = read_record(tmp_path / "resumed")
    assert halfway is not None and not halfway.finished and halfway.steps_done == 3
    assert (tmp_path / "resumed" / "checkpoint" / "state.pt").is_file()

    steps_seen: list[int] = []
    resumed = train_lora(BASE, data, tmp_path / "resumed", config, on_step=lambda s, t, l: steps_seen.append(s))
    assert steps_seen[0] == 3 and steps_seen[-1] == 6  # continued, not restarted
    assert resumed.finished and not (tmp_path / "resumed" / "checkpoint").exists()
    assert [p.step for p in resumed.loss_curve] == [1, 2, 3, 4, 5, 6]
    for a, b in zip(straight.loss_curve, resumed.loss_curve):
        assert a.loss == pytest.approx(b.loss, rel=1e-3, abs=1e-3)


def test_finished_run_is_reused_and_a_different_run_needs_force(data, tmp_path):
    config = LoraTrainConfig(max_steps=2, batch_size=4)
    first = train_lora(BASE, data, tmp_path / "out", config)
    calls: list[int] = []
    again = train_lora(BASE, data, tmp_path / "out", config, on_step=lambda s, t, l: calls.append(s))
    assert again == first and calls == []  # nothing retrained
    other = LoraTrainConfig(max_steps=2, batch_size=4, learning_rate=1e-4)
    with pytest.raises(ConfigError, match="different training run"):
        train_lora(BASE, data, tmp_path / "out", other)
    replaced = train_lora(BASE, data, tmp_path / "out", other, force=True)
    assert replaced.run_key != first.run_key and replaced.config.learning_rate == 1e-4


def test_bad_inputs_are_clear_errors(data, tmp_path):
    with pytest.raises(ConfigError, match="local"):
        train_lora("openai:gpt-4.1", data, tmp_path / "x")
    with pytest.raises(ConfigError, match="stacking"):
        train_lora(f"{BASE}+adapter={tmp_path}", data, tmp_path / "x")
    with pytest.raises(DataError, match="not found"):
        train_lora(BASE, tmp_path / "missing.jsonl", tmp_path / "x")
    only_users = tmp_path / "users.jsonl"
    only_users.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}]}) + "\n")
    with pytest.raises(DataError, match="no valid training examples"):
        train_lora(BASE, only_users, tmp_path / "x")
