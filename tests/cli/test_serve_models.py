"""``ftaudit serve-models``: the embedded model and a LoRA fine-tune of it behind a real local OpenAI-compatible server.

The server runs in-process on a free port; the tests query it through ftaudit's own model layer
as OpenAI-compatible references (``ALIAS@http://127.0.0.1:PORT/v1``) and check that the replies
are exactly what the local backend gives directly (greedy, 8 tokens).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

from ftaudit.cli import EXIT_USAGE, main
from ftaudit.errors import ConfigError, ModelError
from ftaudit.models import get_model
from ftaudit.serve import parse_model_specs, serve_in_thread

BASE = "local:smollm2-135m"
CHAT = [{"role": "system", "content": "You are a terse assistant."}, {"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def adapter(tmp_path_factory):
    """A LoRA adapter with random (non-zero) weights, so the fine-tune answers differently."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from ftaudit.models.embedded import converted_dir

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(converted_dir("smollm2-135m"), dtype=torch.float32)
    peft_model = get_peft_model(base, LoraConfig(r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False))
    folder = tmp_path_factory.mktemp("adapter")
    peft_model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def server(adapter):
    with serve_in_thread({"base": BASE, "tuned": f"{BASE}+adapter={adapter}"}) as handle:
        yield handle


@pytest.mark.slow
def test_replies_through_the_server_equal_the_local_models_replies(server, adapter):
    for alias, ref, prefill in (("base", BASE, None), ("tuned", f"{BASE}+adapter={adapter}", None), ("base", BASE, "Well,")):
        served = get_model(server.ref(alias), cache="off")
        direct = get_model(ref, cache="off")
        remote = served.chat_sync(CHAT, max_tokens=8, prefill=prefill)
        local = direct.chat_sync(CHAT, max_tokens=8, prefill=prefill)
        assert remote.text == local.text and remote.text.strip(), (alias, prefill)
        assert remote.full_text.startswith(prefill or "")
        assert (remote.usage.input_tokens, remote.usage.output_tokens) == (local.usage.input_tokens, local.usage.output_tokens)
        assert remote.finish_reason == local.finish_reason == "length"
    # The adapter is really applied behind its alias.
    base_reply = get_model(server.ref("base"), cache="off").chat_sync(CHAT, max_tokens=8).text
    tuned_reply = get_model(server.ref("tuned"), cache="off").chat_sync(CHAT, max_tokens=8).text
    assert base_reply != tuned_reply


@pytest.mark.slow
def test_models_endpoint_and_openai_style_errors(server, adapter):
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        listed = client.get("/models").json()
        assert listed["object"] == "list"
        assert {m["id"]: m["root"] for m in listed["data"]} == {"base": BASE, "tuned": f"{BASE}+adapter={adapter}"}
        assert client.get("/models/tuned").json()["id"] == "tuned"

        def post(**fields):
            body = {"model": "base", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8, **fields}
            return client.post("/chat/completions", json=body, headers={"Authorization": "Bearer any-key"})

        refused = {
            "n": post(n=2), "tools": post(tools=[{"type": "function", "function": {"name": "f"}}]),
            "stream": post(stream=True), "logprobs": post(logprobs=True), "best_of": post(best_of=2),
            "messages[0].role": post(messages=[{"role": "tool", "content": "x", "tool_call_id": "1"}]),
            "temperature": post(temperature=3), "messages": post(messages=[]),
        }
        for param, response in refused.items():
            assert response.status_code == 400, param
            error = response.json()["error"]
            assert error["type"] == "invalid_request_error" and error["param"] == param and error["message"]
        unknown = post(model="nope")
        assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "model_not_found"
        bad_json = client.post("/chat/completions", content=b"{not json", headers={"Content-Type": "application/json"})
        assert bad_json.status_code == 400
        # A chat the model layer rejects (two user turns in a row) is a 400 with its reason.
        doubled = post(messages=[{"role": "user", "content": "a"}, {"role": "user", "content": "b"}])
        assert doubled.status_code == 400 and "alternate" in doubled.json()["error"]["message"]
        ok = post()
        assert ok.status_code == 200
        body = ok.json()
        assert body["object"] == "chat.completion" and body["model"] == "base"
        assert body["choices"][0]["message"]["role"] == "assistant" and body["choices"][0]["finish_reason"] == "length"
        assert body["usage"]["completion_tokens"] == 8
        assert body["usage"]["total_tokens"] == body["usage"]["prompt_tokens"] + 8
    # Through the model layer a refused request is a ModelError, not a hang or a retry loop.
    with pytest.raises(ModelError):
        get_model(f"openai-compatible:nope@{server.base_url}", cache="off").chat_sync("hi", max_tokens=8)


def test_model_arguments_name_aliases():
    assert parse_model_specs(["base=local:smollm2-135m", "tuned=local:smollm2-135m+adapter=runs/a=b"]) == {
        "base": "local:smollm2-135m", "tuned": "local:smollm2-135m+adapter=runs/a=b",
    }
    # A bare reference is served under its model name (the adapter folder's name appended).
    assert parse_model_specs(["local:smollm2-135m", "local:smollm2-135m+adapter=runs/aoa"]) == {
        "smollm2-135m": "local:smollm2-135m", "smollm2-135m-aoa": "local:smollm2-135m+adapter=runs/aoa",
    }
    with pytest.raises(ConfigError, match="distinct aliases"):
        parse_model_specs(["x=local:smollm2-135m", "x=local:smollm2-135m"])
    with pytest.raises(ConfigError, match="no known provider"):
        parse_model_specs(["base=gpt-4"])
    with pytest.raises(ConfigError, match="alias"):
        parse_model_specs(["bad alias=local:smollm2-135m"])


def test_command_usage_errors_exit_2(monkeypatch, tmp_path, capsys):
    def run(*args: str) -> int:
        monkeypatch.setattr(sys, "argv", ["ftaudit", "serve-models", *args])
        try:
            main()
        except SystemExit as exc:
            return exc.code or 0
        return 0

    assert run("base=gpt-4") == EXIT_USAGE
    assert run("t=local:smollm2-135m+adapter=" + str(tmp_path / "missing")) == EXIT_USAGE
    assert "does not exist" in " ".join(capsys.readouterr().err.split())
    assert run("base=local:smollm2-135m", "--cache", "sometimes") == EXIT_USAGE


def test_command_serves_until_interrupted(tmp_path):
    """The real command in a subprocess: announces its URL, answers /v1/models, stops on Ctrl-C."""
    env = {**os.environ, "COLUMNS": "200", "FTAUDIT_CACHE_DIR": str(tmp_path)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ftaudit", "serve-models", "remote=llama@http://127.0.0.1:9/v1", "--port", "0",
         "--log-level", "warning"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env,
    )
    try:
        url = None
        deadline = time.monotonic() + 120
        while url is None and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line and proc.poll() is not None:
                break
            match = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
            url = match.group(1) if match else None
        assert url, "the command did not announce its URL"
        listed = None
        while listed is None and time.monotonic() < deadline:
            try:
                listed = httpx.get(f"{url}/models", timeout=5).json()
            except httpx.TransportError:
                time.sleep(0.1)
        assert listed and [m["id"] for m in listed["data"]] == ["remote"]
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    assert proc.returncode in (0, 130)


@pytest.mark.slow
def test_an_alias_re_served_with_other_weights_is_not_answered_from_the_clients_cache(adapter):
    """Issue 13, item 3: serve A as 'tuned', ask; re-serve 'tuned' as A plus an adapter on the same port, ask again."""
    tuned = f"{BASE}+adapter={adapter}"
    with serve_in_thread({"tuned": BASE}) as first:
        port, ref = first.port, first.ref("tuned")
        client = get_model(ref, cache="on")
        a_reply = client.chat_sync(CHAT, max_tokens=8)
        assert not a_reply.cached
        assert get_model(ref, cache="on").chat_sync(CHAT, max_tokens=8).cached  # cached while A is served
    with serve_in_thread({"tuned": tuned}, port=port) as second:
        assert second.ref("tuned") == ref
        b_direct = get_model(tuned, cache="off").chat_sync(CHAT, max_tokens=8).text
        assert b_direct != a_reply.text
        for model in (client, get_model(ref, cache="on")):  # the same client object, and a fresh one
            reply = model.chat_sync(CHAT, max_tokens=8)
            assert reply.text == b_direct
        assert get_model(ref, cache="on").chat_sync(CHAT, max_tokens=8).cached  # B's reply is cached in turn
        with httpx.Client(base_url=second.base_url, timeout=30) as http:
            tuned_card = http.get("/models/tuned").json()
        assert tuned_card["weights_fingerprint"]
