from ftaudit.models.cache import ResponseCache, cache_key
from ftaudit.models.types import ChatMessage, Completion, SamplingParams, Usage

MSGS = [ChatMessage(role="user", content="hello")]


def _completion(text="hi there"):
    return Completion(model="local:m", text=text, usage=Usage(requests=1, input_tokens=3, output_tokens=2))


def test_key_depends_on_everything_that_changes_a_reply():
    base = cache_key("m", MSGS, None, SamplingParams())
    assert base == cache_key("m", list(MSGS), None, SamplingParams())
    variants = [
        cache_key("other", MSGS, None, SamplingParams()),
        cache_key("m", [ChatMessage(role="user", content="hello!")], None, SamplingParams()),
        cache_key("m", [ChatMessage(role="system", content="s"), *MSGS], None, SamplingParams()),
        cache_key("m", MSGS, "Sure", SamplingParams()),
        cache_key("m", MSGS, None, SamplingParams(max_tokens=10)),
        cache_key("m", MSGS, None, SamplingParams(temperature=0.7)),
        cache_key("m", MSGS, None, SamplingParams(temperature=0.7, sample=1)),
    ]
    assert len({base, *variants}) == len(variants) + 1


def test_on_mode_persists_to_disk(tmp_path):
    path = tmp_path / "r.sqlite"
    cache = ResponseCache(path)
    cache.put("k", _completion())
    cache.close()
    reopened = ResponseCache(path)
    hit = reopened.get("k")
    assert hit is not None and hit.text == "hi there" and hit.cached is True
    assert len(reopened) == 1


def test_read_only_serves_but_never_writes(tmp_path):
    path = tmp_path / "r.sqlite"
    writer = ResponseCache(path)
    writer.put("old", _completion("recorded"))
    writer.close()
    replay = ResponseCache(path, "read-only")
    assert replay.get("old").text == "recorded"
    replay.put("new", _completion())
    assert replay.get("new") is None and len(replay) == 1


def test_read_only_without_a_file_creates_nothing(tmp_path):
    path = tmp_path / "absent.sqlite"
    cache = ResponseCache(path, "read-only")
    assert cache.get("k") is None
    assert not path.exists()


def test_off_mode_stores_nothing(tmp_path):
    cache = ResponseCache(tmp_path / "r.sqlite", "off")
    cache.put("k", _completion())
    assert cache.get("k") is None
    assert not (tmp_path / "r.sqlite").exists()
