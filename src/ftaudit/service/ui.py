"""The reviewer pages: the queue with filters, an audit with its report, and the decision form.

Server-rendered in the report's own page frame and Jinja environment (:mod:`ftaudit.report.page`:
autoescaping, bidi controls made visible), no scripts and a strict Content-Security-Policy, so
the attacker-written text of a training file stays text. A reviewer signs in with their API key
once; it is kept in an HttpOnly, SameSite=Strict cookie scoped to /ui, and each decision form
carries a token derived from that key, so another site cannot post a decision in their name.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ftaudit.errors import ConfigError

router = APIRouter(prefix="/ui", include_in_schema=False)
COOKIE = "ftaudit_key"
_FILTERS = {"status": ("queued", "running", "done", "inconclusive", "cancelled"),
            "verdict": ("benign", "adversarial", "inconclusive")}


def _page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    from ftaudit.report.page import page_template
    from ftaudit.service.api import page_headers

    html = page_template(f"{name}.j2", "ftaudit.service").render(**values)
    return HTMLResponse(html, status_code=status, headers=page_headers())


def _csrf(key: str, audit_id: str) -> str:
    return hmac.new(hashlib.sha256(key.encode()).digest(), f"decide:{audit_id}".encode(), hashlib.sha256).hexdigest()


def _who(request: Request) -> tuple[Any, str] | None:
    from ftaudit.service.api import Principal

    key = request.cookies.get(COOKIE)
    found = request.app.state.store.key(key) if key else None
    if found is None:
        return None
    return Principal(tenant=found["tenant"], name=found["name"], key_id=found["key_id"], reviewer=found["reviewer"]), key


def _login_redirect() -> RedirectResponse:
    return RedirectResponse("/ui/login", status_code=303)


@router.get("/login")
def login_page() -> HTMLResponse:
    return _page("login.html", error=None)


@router.post("/login")
def login(request: Request, key: str = Form(...)) -> Response:
    from ftaudit.service.api import page_headers

    key = key.strip()
    if request.app.state.store.key(key) is None:
        return _page("login.html", status=401, error="Unknown key.")
    response = RedirectResponse("/ui/audits", status_code=303, headers=page_headers())
    response.set_cookie(COOKIE, key, httponly=True, samesite="strict", path="/ui")
    return response


@router.post("/logout")
def logout() -> Response:
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(COOKIE, path="/ui")
    return response


@router.get("/audits")
def queue(request: Request, status: str | None = None, verdict: str | None = None, customer: str | None = None) -> Response:
    found = _who(request)
    if found is None:
        return _login_redirect()
    who, _key = found
    status = status if status in _FILTERS["status"] else None
    verdict = verdict if verdict in _FILTERS["verdict"] else None
    rows, more = request.app.state.store.list_audits(who.tenant, status=status, verdict=verdict, customer=customer or None, limit=100)
    return _page("queue.html", who=who, audits=rows, more=more, filters=_FILTERS,
                 chosen={"status": status, "verdict": verdict, "customer": customer or ""})


@router.get("/audits/{audit_id}")
def audit_page(request: Request, audit_id: str) -> Response:
    found = _who(request)
    if found is None:
        return _login_redirect()
    who, key = found
    return _audit_page(request, who, key, audit_id, error=None)


def _audit_page(request: Request, who: Any, key: str, audit_id: str, *, error: str | None, status: int = 200) -> Response:
    from ftaudit.report.records import AuditReport

    store = request.app.state.store
    audit = store.audit(who.tenant, audit_id)
    if audit is None:
        raise HTTPException(404, f"no audit {audit_id}")
    report = AuditReport.model_validate_json(audit["report_json"]) if audit["report_json"] else None
    return _page("audit.html", status=status, who=who, a=audit, report=report, decisions=store.decisions(audit_id),
                 events=store.events(audit_id), csrf=_csrf(key, audit_id), error=error)


@router.get("/audits/{audit_id}/report.html")
def report_page(request: Request, audit_id: str) -> Response:
    from ftaudit.report.html import render_html
    from ftaudit.report.records import AuditReport
    from ftaudit.service.api import page_headers

    found = _who(request)
    if found is None:
        return _login_redirect()
    audit = request.app.state.store.audit(found[0].tenant, audit_id)
    if audit is None or not audit["report_json"]:
        raise HTTPException(404, f"no report for {audit_id}")
    return HTMLResponse(render_html(AuditReport.model_validate_json(audit["report_json"])), headers=page_headers())


@router.post("/audits/{audit_id}/decide")
def decide(
    request: Request, audit_id: str, action: str = Form(...), note: str = Form(""), verdict: str = Form(""),
    csrf: str = Form(...),
) -> Response:
    from ftaudit.service.api import DecisionIn, record_decision

    found = _who(request)
    if found is None:
        return _login_redirect()
    who, key = found
    if not hmac.compare_digest(csrf, _csrf(key, audit_id)):
        raise HTTPException(403, "the form is stale or not from this site; reload the page")
    if not who.reviewer:
        return _audit_page(request, who, key, audit_id, error="Only reviewer keys may decide.", status=403)
    try:
        decision = DecisionIn(action=action, verdict=verdict or None, note=note)  # type: ignore[arg-type]
        record_decision(request.app.state.store, who, audit_id, decision)
    except (ConfigError, ValueError) as exc:
        message = str(exc) if isinstance(exc, ConfigError) else "choose an action and write a note saying why"
        return _audit_page(request, who, key, audit_id, error=message, status=422)
    return RedirectResponse(f"/ui/audits/{audit_id}", status_code=303)
