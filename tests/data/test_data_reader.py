"""TrainingFile: one streaming pass, an array offset index, and cheap random access."""

from __future__ import annotations

import json
import os
import time
from array import array

import pytest

from datahelpers import chat
from ftaudit.data import TrainingFile
from ftaudit.data.lines import iter_jsonl_lines
from ftaudit.errors import DataError


@pytest.fixture
def mixed(write_jsonl):
    """Blank lines at 1, 3, 4 and 8; an invalid record at line 6."""
    return write_jsonl(
        ["", chat("one"), "", "  ", chat("two", system="S"), "{bad", chat("three"), "", chat("four")]
    )


def test_random_access_uses_file_line_numbers_across_blank_lines(mixed):
    with TrainingFile(mixed) as tf:
        assert len(tf) == 5  # blank lines are not records
        assert tf.record_lines == [2, 5, 6, 7, 9]
        assert tf.conversation(2).user_messages[0].content == "one"
        assert tf.conversation(5).system_prompt == "S"
        assert tf.conversation(9).user_messages[0].content == "four"
        assert json.loads(tf.raw_line(7)) == chat("three")
        assert tf.raw_line(6) == "{bad"


def test_random_access_matches_sequential_iteration(mixed):
    with TrainingFile(mixed) as tf:
        sequential = list(tf.iter_conversations())
        assert [c.line for c in sequential] == [2, 5, 7, 9]
        # Out of order and repeated, as the auditing agent would ask.
        for conv in reversed(sequential + sequential):
            assert tf.conversation(conv.line) == conv


def test_invalid_and_missing_lines_raise_data_errors(mixed):
    with TrainingFile(mixed) as tf:
        with pytest.raises(DataError) as info:
            tf.conversation(6)
        assert (info.value.line, info.value.code) == (6, "bad-json")
        for n in (1, 3, 8, 10, 0, -1):
            with pytest.raises(DataError) as info:
                tf.conversation(n)
            assert info.value.code == "no-record"
        with pytest.raises(DataError):
            tf.raw_line(4)


def test_iteration_records_skipped_lines(mixed):
    tf = TrainingFile(mixed)
    assert len(list(tf.iter_conversations())) == 4
    assert tf.skipped_lines == [6]
    assert tf.issue_counts == {"bad-json": 1}
    assert [i.line for i in tf.issues] == [6]
    assert tf.valid_records == 4


def test_index_is_built_from_arrays_in_the_first_full_pass(mixed, monkeypatch):
    tf = TrainingFile(mixed)
    scans = []
    original = tf._scan

    def counting_scan():
        scans.append(1)
        return original()

    monkeypatch.setattr(tf, "_scan", counting_scan)
    list(tf.iter_conversations())
    tf.conversation(9)
    tf.raw_line(2)
    len(tf)
    assert len(scans) == 1  # lookups after the pass never re-read the file
    index = tf._index
    for column in (index.lines, index.starts, index.ends, index.skipped):
        assert isinstance(column, array) and column.typecode == "Q"


def test_abandoned_iteration_does_not_leave_a_partial_index(mixed):
    tf = TrainingFile(mixed)
    next(tf.iter_conversations())
    assert tf._index is None
    assert len(tf) == 5


def test_conversation_at_addresses_records_sharing_a_line(write_file):
    records = [{"instruction": f"q{i}", "output": f"a{i}"} for i in range(3)]
    path = write_file("min.json", json.dumps(records))  # minified: all on line 1
    with TrainingFile(path) as tf:
        assert tf.record_lines == [1, 1, 1]
        assert tf.conversation(1).user_messages[0].content == "q0"
        assert [tf.conversation_at(i).assistant_messages[0].content for i in range(3)] == [
            "a0", "a1", "a2",
        ]
        with pytest.raises(DataError):
            tf.conversation_at(3)


def test_crlf_and_bom_are_handled(write_file):
    body = json.dumps(chat("first")) + "\r\n\r\n" + json.dumps(chat("second")) + "\r\n"
    path = write_file("w.jsonl", b"\xef\xbb\xbf" + body.encode())
    with TrainingFile(path) as tf:
        assert [c.line for c in tf.iter_conversations()] == [1, 3]
        assert tf.skipped_lines == []
        assert tf.raw_line(1) == json.dumps(chat("first"))
        assert tf.conversation(3).user_messages[0].content == "second"


def test_last_line_without_newline(write_file):
    path = write_file("n.jsonl", json.dumps(chat("a")) + "\n" + json.dumps(chat("b")))
    with TrainingFile(path) as tf:
        assert tf.conversation(2).user_messages[0].content == "b"


def test_over_long_line_is_never_returned(write_jsonl):
    path = write_jsonl([chat(), chat(user="x" * 5000), chat("after")])
    with TrainingFile(path, max_line_bytes=1000) as tf:
        assert tf.skipped_lines == [2]
        assert tf.conversation(3).user_messages[0].content == "after"
        for lookup in (tf.raw_line, tf.conversation):
            with pytest.raises(DataError) as info:
                lookup(2)
            assert info.value.code == "line-too-long"


def test_line_splitter_never_keeps_more_than_the_limit():
    """The splitter reads at most limit+2 bytes of a long line at once, then drains it."""
    import io

    class Spy(io.BytesIO):
        biggest = 0

        def readline(self, size=-1):
            chunk = super().readline(size)
            Spy.biggest = max(Spy.biggest, len(chunk))
            return chunk

    limit = 100
    data = b"a" * 50 + b"\n" + b"b" * 10_000_000 + b"\n" + b"c" * 10 + b"\n"
    lines = list(iter_jsonl_lines(Spy(data), limit))
    assert [(n, e - s, d is None) for n, s, e, d in lines] == [
        (1, 50, False), (2, 10_000_000, True), (3, 10, False),
    ]
    assert lines[2][1] == 50 + 1 + 10_000_000 + 1  # offsets stay exact after draining
    assert Spy.biggest <= 1 << 20


def test_file_changed_after_indexing_is_reindexed(write_jsonl):
    path = write_jsonl([chat("old")])
    tf = TrainingFile(path)
    assert tf.conversation(1).user_messages[0].content == "old"
    tf.close()
    path.write_text("\n" + json.dumps(chat("new")) + "\n")
    later = time.time() + 5
    os.utime(path, (later, later))
    assert tf.record_lines == [2]
    assert tf.conversation(2).user_messages[0].content == "new"


@pytest.mark.parametrize("forced", [None, "openai-chat"])
def test_a_file_of_blank_lines_is_refused_when_opened(write_file, forced):
    # Screens and the auditor read through TrainingFile: an empty job fails here, first.
    path = write_file("blank.jsonl", "\n" * 1000 + "   \t \n")
    with pytest.raises(DataError) as info:
        TrainingFile(path, format=forced)
    assert info.value.code == "empty-file"


def test_one_record_after_blank_lines_is_not_empty(write_file):
    path = write_file("late.jsonl", "\n" * 50 + json.dumps(chat("late")) + "\n")
    with TrainingFile(path) as tf:
        assert tf.record_lines == [51]


def test_a_broken_array_is_an_invalid_record_not_an_empty_file(write_file):
    # Damage is reported where it is (the unreadable-share rule applies), not as "empty".
    with TrainingFile(write_file("broken.json", "[ oops"), format="openai-chat") as tf:
        assert [i.code.value for i in tf.issues] == ["bad-json"]
