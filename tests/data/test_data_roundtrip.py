"""Property tests: valid messages written as JSONL come back unchanged through the reader."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from ftaudit.data import DatasetFormat, TrainingFile, validate

# Any text with something visible in it (empty content is invalid by design).
content = st.text(min_size=1, max_size=40).filter(lambda s: s.strip())
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant", "tool"]), "content": content},
    optional={"weight": st.sampled_from([0, 1])},
)
# At least one assistant message somewhere, as a training example needs.
record = st.tuples(
    st.lists(message, max_size=4),
    st.fixed_dictionaries({"role": st.just("assistant"), "content": content}),
    st.lists(message, max_size=3),
).map(lambda parts: {"messages": [*parts[0], parts[1], *parts[2]]})
# Each record is preceded by 0-2 blank lines, so line numbers must be tracked.
layout = st.lists(st.tuples(st.integers(0, 2), record), min_size=1, max_size=8)


@settings(max_examples=60, deadline=None)
@given(layout=layout, ascii_only=st.booleans())
def test_valid_records_round_trip_through_the_reader(layout, ascii_only):
    lines: list[str] = []
    expected: dict[int, dict] = {}
    for blanks, rec in layout:
        lines.extend([""] * blanks)
        lines.append(json.dumps(rec, ensure_ascii=ascii_only))
        expected[len(lines)] = rec

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

        report = validate(path, format=DatasetFormat.OPENAI_CHAT)
        assert report.ok, report.issues
        assert report.total_records == len(expected)

        with TrainingFile(path, format=DatasetFormat.OPENAI_CHAT) as tf:
            convs = list(tf.iter_conversations())
            assert [c.line for c in convs] == list(expected)
            for conv in convs:
                assert conv.to_openai() == expected[conv.line]
                assert tf.conversation(conv.line) == conv
                assert json.loads(tf.raw_line(conv.line)) == expected[conv.line]
            assert len(tf) == len(expected)
