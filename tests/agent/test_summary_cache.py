"""The summary cache never answers for a model it cannot identify, and keeps its files private."""

from __future__ import annotations

import stat

from agenthelpers import Script, verdict
from pydantic_ai.messages import ModelResponse, TextPart
from pydantic_ai.models.function import FunctionModel

from ftaudit.agent import AuditConfig, audit

FAST = dict(screens_brief=False, continue_nudge=False, summary_chunk_size=4, summary_max_chunks=2)
DONE = verdict(2, {"kind": "dataset-line", "line": 1, "detail": "ordinary"}, severity="info")


def _summarise_twice(job, summariser: str) -> None:
    for _ in range(2):
        script = Script([[("summarise_dataset", {})], [DONE]])
        audit(job, AuditConfig(auditor_model=script.model(), affordances="D+S", summariser=summariser, **FAST))


def test_a_summariser_behind_a_url_without_a_fingerprint_is_asked_every_time(dataset_job, failing_provider,
                                                                             private_cache):
    provider = failing_provider(answers=1000)  # answers everything; advertises no weights fingerprint
    _summarise_twice(dataset_job, provider.ref("summariser"))
    assert provider.chats == 2 * 3  # two chunks and the overall summary, both times: nothing was cached
    assert not (private_cache / "agent-summaries").exists()


def test_summaries_of_an_identified_model_are_cached_in_private_files(dataset_job, private_cache):
    asked = []

    def summariser(messages, info):
        asked.append(messages)
        return ModelResponse(parts=[TextPart("Ordinary questions and answers.")])

    for _ in range(2):
        script = Script([[("summarise_dataset", {})], [DONE]])
        audit(dataset_job, AuditConfig(auditor_model=script.model(), affordances="D+S",
                                       summariser_model=FunctionModel(summariser, model_name="summariser"), **FAST))
    assert len(asked) == 3  # the second audit read the first one's summaries
    folder = private_cache / "agent-summaries"
    (saved,) = folder.iterdir()
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(saved.stat().st_mode) == 0o600
