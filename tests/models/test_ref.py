from pathlib import Path

import pytest

from ftaudit.errors import ConfigError
from ftaudit.models.ref import parse_model_ref


@pytest.mark.parametrize(
    "text, provider, name, base_url, adapter",
    [
        ("openai:gpt-4.1", "openai", "gpt-4.1", None, None),
        ("anthropic:claude-sonnet-4-5", "anthropic", "claude-sonnet-4-5", None, None),
        ("llama3.1:8b@http://localhost:11434/v1", "openai-compatible", "llama3.1:8b", "http://localhost:11434/v1", None),
        (
            "openai-compatible:meta-llama/Llama-3-8b+base_url=https://api.together.xyz/v1",
            "openai-compatible",
            "meta-llama/Llama-3-8b",
            "https://api.together.xyz/v1",
            None,
        ),
        ("local:smollm2-135m", "local", "smollm2-135m", None, None),
        ("local:smollm2-135m+adapter=runs/a+b/adapter", "local", "smollm2-135m", None, Path("runs/a+b/adapter")),
    ],
)
def test_references_parse_and_round_trip(text, provider, name, base_url, adapter):
    ref = parse_model_ref(text)
    assert (ref.provider, ref.name, ref.base_url, ref.adapter) == (provider, name, base_url, adapter)
    assert parse_model_ref(str(ref)) == ref


def test_api_key_env_option_is_kept():
    ref = parse_model_ref("openai-compatible:m@https://host/v1+api_key_env=TOGETHER_API_KEY")
    assert ref.api_key_env == "TOGETHER_API_KEY"
    assert "+api_key_env=TOGETHER_API_KEY" in str(ref)


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty model reference"),
        ("gpt-4", "no known provider"),
        ("together:llama", "no known provider"),
        ("openai-compatible:llama", "needs a base URL"),
        ("openai:gpt-4.1+adapter=/tmp/x", "only for local models"),
        ("local:", "empty model name"),
        ("llama@ftp://host/v1", "must start with http"),
        ("openai-compatible:m+base_url=ftp://host", "must start with http"),
        ("local:x+adapter=", "has no value"),
        ("local:x+adapter=a+adapter=b", "given twice"),
    ],
)
def test_bad_references_say_what_is_wrong(text, fragment):
    with pytest.raises(ConfigError, match=fragment):
        parse_model_ref(text)
