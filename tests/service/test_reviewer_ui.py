"""The reviewer pages in headless Chromium: the queue lists a finished audit, a decision is recorded and shown."""

from __future__ import annotations

import json
import time

from chromium import Chromium
from conftest import EXAMPLE

EVIL = "<script>alert(1)</script>"


def _submit_form(browser, session, expression: str, timeout: float = 30) -> None:
    """Run ``expression`` (which submits a form) and wait for the page it navigates to."""
    browser.events.clear()
    browser.evaluate(session, expression)
    deadline = time.monotonic() + timeout
    while not any(e.get("method") == "Page.loadEventFired" for e in browser.events):
        browser.events.append(browser._recv(deadline))


def test_the_queue_lists_a_finished_audit_and_a_decision_with_a_note_is_recorded(tmp_path, service_factory):
    service = service_factory(f"sqlite:///{tmp_path / 'ui.sqlite'}")
    key, _ = service.create_key("acme", reviewer=True, name="rita")
    service.start(workers=1)
    # Attacker-written text in every field a page shows.
    poisoned = EXAMPLE.read_bytes() + (json.dumps({"messages": [{"role": "user", "content": EVIL},
                                                               {"role": "assistant", "content": EVIL}]}) + "\n").encode()
    audit = service.submit(key, poisoned, name="x<img src=y onerror=alert(2)>.jsonl", customer=EVIL).json()
    service.wait_for(key, audit["id"])

    browser = Chromium(tmp_path / "chromium-profile", tmp_path / "chromium.log")
    try:
        session = browser.open_page()
        browser.call("Network.setCookie", {"name": "ftaudit_key", "value": key, "url": f"{service.url}/ui/",
                                           "httpOnly": True, "sameSite": "Strict"}, session)
        assert browser.load(session, f"{service.url}/ui/audits?status=done") == []
        rows = json.loads(browser.evaluate(session, """JSON.stringify({
            ids: [...document.querySelectorAll('#audits tbody tr')].map(r => r.dataset.id),
            customer: document.querySelector('#audits tbody td:nth-child(2)').textContent,
            scripts: document.scripts.length, images: document.images.length})"""))
        assert rows == {"ids": [audit["id"]], "customer": EVIL, "scripts": 0, "images": 0}

        assert browser.load(session, f"{service.url}/ui/audits/{audit['id']}") == []
        _submit_form(browser, session, """(() => {
            document.getElementById('action').value = 'hold';
            document.getElementById('note').value = 'held: <b>manual</b> review of line 26';
            document.getElementById('decide').submit(); return true; })()""")
        page = json.loads(browser.evaluate(session, """JSON.stringify({
            url: location.pathname, status: document.getElementById('status').textContent,
            decisions: [...document.querySelectorAll('#decisions tbody tr')].map(r =>
                [r.children[1].textContent, r.querySelector('.action').textContent, r.querySelector('.note').textContent]),
            scripts: document.scripts.length, bold: document.querySelectorAll('b').length})"""))
        errors = [e for e in browser.events if e.get("method") in ("Runtime.exceptionThrown", "Network.loadingFailed")]
    finally:
        browser.close()
    assert errors == []
    assert page == {"url": f"/ui/audits/{audit['id']}", "status": "done",
                    "decisions": [["rita", "hold", "held: <b>manual</b> review of line 26"]], "scripts": 0, "bold": 0}
    # The same decision through the API: who, what, when.
    decisions = service.get(key, f"/v1/audits/{audit['id']}").json()["decisions"]
    assert [(d["reviewer"], d["action"]) for d in decisions] == [("rita", "hold")]
