"""The audit service end to end, on SQLite and on PostgreSQL: real processes, real queue, real HTTP."""

from __future__ import annotations

import json
import signal
import time

import pytest
from conftest import EXAMPLE, SCREENS, event_kinds


def test_submit_run_report_and_signed_webhook_then_an_idempotent_resubmit(db, service_factory, webhook_receiver):
    from standardwebhooks import Webhook

    from ftaudit.screens.run import run_screens_sync

    service = service_factory(db)
    key, secret = service.create_key_with_cli("acme")
    assert key.startswith("fta_") and secret.startswith("whsec_")
    service.start(workers=1)

    submitted = service.submit(key, name="sample-chat.jsonl", idempotency_key="job-42", webhook_url=webhook_receiver.url,
                               customer="cust-7", job_id="ftjob-42", metadata=json.dumps({"region": "eu"}))
    assert submitted.status_code == 200, submitted.text
    audit = submitted.json()
    assert audit["status"] in ("queued", "running") and audit["file"]["name"] == "sample-chat.jsonl"

    # A retried submit (same Idempotency-Key) is the same audit, not a second one.
    again = service.submit(key, name="sample-chat.jsonl", idempotency_key="job-42", webhook_url=webhook_receiver.url)
    assert again.status_code == 200 and again.json()["id"] == audit["id"]
    assert again.headers.get("idempotent-replayed") == "true"

    finished = service.wait_for(key, audit["id"])
    assert finished["status"] == "done" and finished["verdict"] == "benign"
    assert finished["queued_s"] >= 0 and finished["run_s"] > 0

    # The report is the one `ftaudit screen --only …` writes for the same file.
    report = service.get(key, f"/v1/audits/{audit['id']}/report").json()
    local = run_screens_sync(EXAMPLE, only=SCREENS).report
    assert report["auditor"] == "screens" and report["verdict"] == local.verdict.value
    assert report["risk_score"] == local.risk_score
    assert [f["title"] for f in report["findings"]] == [f.title for f in local.findings]
    assert report["job"]["training_file"] == "sample-chat.jsonl" and report["job"]["customer"] == "cust-7"
    assert report["job"]["job_id"] == "ftjob-42" and report["job"]["metadata"] == {"region": "eu"}
    html = service.get(key, f"/v1/audits/{audit['id']}/report.html")
    assert html.status_code == 200 and "Audit report" in html.text
    assert "default-src 'none'" in html.headers["content-security-policy"]
    assert "benign" in service.get(key, f"/v1/audits/{audit['id']}/report.md").text.lower()

    kinds = event_kinds(service.get(key, f"/v1/audits/{audit['id']}/events").json())
    assert kinds == ["submitted", "running", "stage-started", "stage-finished", "finished", "webhook-delivered"]

    # One webhook, signed with the tenant's secret as Standard Webhooks says.
    (headers, body), = webhook_receiver.wait(1)
    message = Webhook(secret).verify(body, headers)
    assert message["type"] == "audit.finished" and message["data"]["id"] == audit["id"]
    assert message["data"]["verdict"] == "benign"
    with pytest.raises(Exception):
        Webhook(service.create_key("other")[1]).verify(body, headers)

    listed = service.get(key, "/v1/audits").json()
    assert [a["id"] for a in listed["data"]] == [audit["id"]] and not listed["has_more"]
    schema = service.get(key, "/openapi.json").json()
    assert {"/v1/audits", "/v1/audits/{audit_id}/report", "/v1/audits/{audit_id}/cancel"} <= set(schema["paths"])


def test_queued_audits_survive_a_crash_of_everything_and_a_cancelled_one_never_runs(db, service_factory):
    service = service_factory(db)
    key, _ = service.create_key("acme")
    service.start(workers=0)  # the API alone: audits wait in the queue
    first = service.submit(key).json()
    second = service.submit(key).json()
    cancelled = service.post(key, f"/v1/audits/{second['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert service.get(key, "/v1/audits", status="queued").json()["data"][0]["id"] == first["id"]

    service.stop_api(signal.SIGKILL)  # the whole service dies with an audit queued
    service.start(workers=1)
    done = service.wait_for(key, first["id"])
    assert done["status"] == "done"
    assert service.post(key, f"/v1/audits/{first['id']}/cancel").status_code == 409

    # The cancelled audit stayed cancelled: never started, no report.
    assert service.get(key, f"/v1/audits/{second['id']}").json()["status"] == "cancelled"
    assert event_kinds(service.get(key, f"/v1/audits/{second['id']}/events").json()) == ["submitted", "cancelled"]
    assert service.get(key, f"/v1/audits/{second['id']}/report").status_code == 409


def test_tenants_are_isolated_only_reviewers_decide_and_oversized_uploads_store_nothing(db, service_factory):
    service = service_factory(db)
    submitter, _ = service.create_key("acme")
    reviewer, _ = service.create_key("acme", reviewer=True, name="rita")
    stranger, _ = service.create_key("globex", reviewer=True)
    service.start(workers=0)
    audit = service.submit(submitter, customer="cust-1").json()
    path = f"/v1/audits/{audit['id']}"

    assert service.get("fta_not-a-key", path).status_code == 401
    # Another tenant's audit does not exist for this key, whatever it asks.
    for response in (service.get(stranger, path), service.get(stranger, f"{path}/events"), service.get(stranger, f"{path}/report"),
                     service.post(stranger, f"{path}/cancel"),
                     service.post(stranger, f"{path}/decisions", json={"action": "approve", "note": "looks fine"})):
        assert response.status_code == 404, response.text
    assert service.get(stranger, "/v1/audits").json()["data"] == []
    assert service.get(stranger, "/v1/audits/aud_doesnotexist").status_code == 404

    # Submitters cannot decide; reviewers must say why; decisions are kept in order with who made them.
    decision = {"action": "hold", "note": "customer asked for a review"}
    assert service.post(submitter, f"{path}/decisions", json=decision).status_code == 403
    assert service.post(reviewer, f"{path}/decisions", json={"action": "hold", "note": ""}).status_code == 422
    assert service.post(reviewer, f"{path}/decisions", json={"action": "override", "note": "x"}).status_code == 422
    assert service.post(reviewer, f"{path}/decisions", json=decision).status_code == 200
    override = {"action": "override", "verdict": "adversarial", "note": "persona data on manual review"}
    shown = service.post(reviewer, f"{path}/decisions", json=override).json()
    assert shown["decision"] == "override"
    assert [(d["reviewer"], d["action"], d["verdict"], d["note"]) for d in shown["decisions"]] == [
        ("rita", "hold", None, "customer asked for a review"), ("rita", "override", "adversarial", "persona data on manual review")]
    assert service.get(submitter, "/v1/audits", customer="cust-1").json()["data"][0]["decision"] == "override"

    # A training file over the limit is refused before anything is stored.
    big = b'{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "' + b"a" * (1536 * 1024) + b'"}]}\n'
    refused = service.submit(submitter, big, idempotency_key="too-big")
    assert refused.status_code == 413
    assert [a["id"] for a in service.get(submitter, "/v1/audits").json()["data"]] == [audit["id"]]
    # A submit naming a path outside the allow-list is refused too (nothing read, nothing stored).
    outside = service.post(submitter, "/v1/audits", data={"training_file": str(EXAMPLE)})
    assert outside.status_code == 422 and "allow" in outside.json()["detail"]
    assert len(service.get(submitter, "/v1/audits").json()["data"]) == 1


def test_a_worker_killed_mid_audit_is_replaced_and_the_audit_finishes_exactly_once(postgres, service_factory):
    from ftaudit.service.pipeline import Client
    from ftaudit.service.settings import ServiceSettings

    db = postgres.create_database("svc_kill")
    service = service_factory(db)
    key, _ = service.create_key("acme")
    service.start(workers=0)
    for executor in ("w1", "w2"):
        service.start_worker(executor)
    # A longer file (the example 100 times), so the stage is still running when its worker dies.
    audit = service.submit(key, EXAMPLE.read_bytes() * 100, auditor=json.dumps({"screens": ["encoding", *SCREENS]})).json()

    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline:
        events = service.get(key, f"/v1/audits/{audit['id']}/events").json()
        started = [e for e in events if e["kind"] == "stage-started"]
        victim = started[0]["detail"]["executor"] if started else None
        time.sleep(0.02)
    assert victim is not None, service.logs()
    assert "stage-finished" not in event_kinds(service.get(key, f"/v1/audits/{audit['id']}/events").json())
    service.workers[victim].send_signal(signal.SIGKILL)
    service.workers[victim].wait(10)

    done = service.wait_for(key, audit["id"])
    events = service.get(key, f"/v1/audits/{audit['id']}/events").json()
    kinds = event_kinds(events)
    survivor = ({"w1", "w2"} - {victim}).pop()
    assert [e["detail"]["executor"] for e in events if e["kind"] == "stage-started"] == [victim, survivor]
    assert kinds.count("finished") == 1 and kinds.count("stage-finished") == 1 and kinds.count("running") == 1
    assert done["status"] == "done" and done["verdict"] == "benign"
    client = Client(ServiceSettings(db=db))
    try:
        assert client.status(audit["id"]) == "SUCCESS"
    finally:
        client.close()
