"""The HTTP API (FastAPI), shaped like a provider's own jobs APIs.

``POST /v1/audits`` (multipart: the training file, or a path or URL on the operator's
allow-list; the models; a preset or an auditor spec; webhook, customer, metadata;
``Idempotency-Key``), ``GET /v1/audits/{id}`` and its ``/report`` (``.html``, ``.md``),
``/events``, ``/cancel``, ``/decisions``, and ``GET /v1/audits`` with filters and paging. Keys
are sent as ``Authorization: Bearer KEY``; each belongs to one tenant, and another tenant's audit
is answered 404, exactly as one that does not exist. Only reviewer keys may decide.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

import httpx
from fastapi import (
    Depends,
    FastAPI,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from ftaudit import __version__
from ftaudit.errors import ConfigError
from ftaudit.service.settings import AuditorSpec, ServiceSettings
from ftaudit.service.stages import safe_file_name
from ftaudit.service.store import FINAL, STATUSES, Store
from ftaudit.service.webhooks import check_webhook_url

#: Room for the multipart framing and the other form fields around an upload of the largest size.
FORM_OVERHEAD_BYTES = 256 * 1024
#: The Content-Security-Policy of every page the service serves (the report's own, plus forms to itself).
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
SUBMIT_PATH = "/v1/audits"


class Principal(BaseModel):
    """Who is calling: the key's tenant, its name (in the decision trail) and whether it may decide."""

    tenant: str
    name: str
    key_id: str
    reviewer: bool


class FileInfo(BaseModel):
    name: str
    bytes: int
    sha256: str


class DecisionOut(BaseModel):
    at: dt.datetime
    reviewer: str
    action: Literal["approve", "hold", "override"]
    verdict: str | None = None
    note: str


class AuditOut(BaseModel):
    """An audit as the API shows it (the report itself is at ``/report``)."""

    id: str
    object: Literal["audit"] = "audit"
    status: Literal["queued", "running", "done", "inconclusive", "cancelled"]
    verdict: Literal["benign", "adversarial", "inconclusive"] | None = None
    risk_score: float | None = None
    customer: str | None = None
    job_id: str | None = None
    file: FileInfo
    auditor: dict[str, Any]
    base_model: str | None = None
    finetuned_model: str | None = None
    webhook_url: str | None = None
    metadata: dict[str, str] = Field(default_factory=dict)
    created_at: dt.datetime
    started_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    queued_s: float | None = Field(None, description="Seconds from submit to a worker starting it.")
    run_s: float | None = Field(None, description="Seconds from start to the report.")
    decision: str | None = None
    decisions: list[DecisionOut] = Field(default_factory=list)


class AuditList(BaseModel):
    object: Literal["list"] = "list"
    data: list[AuditOut]
    has_more: bool
    next_after: int | None = Field(None, description="Pass as ?after= for the next page.")


class EventOut(BaseModel):
    at: dt.datetime
    kind: str
    detail: dict[str, Any]


class DecisionIn(BaseModel):
    action: Literal["approve", "hold", "override"]
    verdict: Literal["benign", "adversarial", "inconclusive"] | None = Field(None, description="Required with override.")
    note: str = Field(min_length=1, max_length=10_000, description="Why; required, kept in the audit trail.")


def audit_out(audit: dict[str, Any], decisions: list[dict[str, Any]] | None = None) -> AuditOut:
    spec = audit["spec"]
    job = spec.get("job", {})
    started, finished = audit["started_at"], audit["finished_at"]
    return AuditOut(
        id=audit["id"], status=audit["status"], verdict=audit["verdict"], risk_score=audit["risk_score"],
        customer=audit["customer"], job_id=audit["job_id"],
        file=FileInfo(name=audit["file_name"], bytes=audit["file_bytes"], sha256=audit["file_sha256"]),
        auditor=spec.get("auditor", {}), base_model=job.get("base_model"), finetuned_model=job.get("finetuned_model"),
        webhook_url=audit["webhook_url"], metadata=job.get("metadata") or {},
        created_at=audit["created_at"], started_at=started, finished_at=finished,
        queued_s=(started - audit["created_at"]).total_seconds() if started else None,
        run_s=(finished - started).total_seconds() if started and finished else None,
        decision=audit["decision"], decisions=[DecisionOut(**d) for d in decisions or []],
    )


class BodyLimit:
    """ASGI middleware: a submit whose body passes the limit is refused with 413 before anything is stored.

    Checked on the declared Content-Length and again on the bytes as they arrive, so a client
    that lies about the length (or streams it chunked) is cut off at the limit too.
    """

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"].rstrip("/") != SUBMIT_PATH:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        refused = False

        async def limited() -> dict[str, Any]:
            nonlocal seen, refused
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    refused = True
                    raise _TooLarge()
            return message

        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)
        except Exception:
            if refused and not started:
                await self._refuse(send)
            else:
                raise

    async def _refuse(self, send: Any) -> None:
        body = json.dumps({"detail": f"the request is larger than this service accepts ({self.limit} bytes)"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def create_app(settings: ServiceSettings, store: Store, client: Any) -> FastAPI:
    """The service's ASGI app: the API under /v1, the reviewer pages under /ui."""
    app = FastAPI(
        title="ftaudit audit service", version=__version__,
        description="Audit fine-tuning jobs before deployment: submit a job, poll or receive a signed webhook, review.",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.client = client

    def principal(authorization: str | None = Header(None, description="Bearer KEY")) -> Principal:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise HTTPException(401, "send an API key as Authorization: Bearer KEY", headers={"WWW-Authenticate": "Bearer"})
        found = store.key(authorization[7:].strip())
        if found is None:
            raise HTTPException(401, "unknown API key", headers={"WWW-Authenticate": "Bearer"})
        return Principal(tenant=found["tenant"], name=found["name"], key_id=found["key_id"], reviewer=found["reviewer"])

    def owned(audit_id: str, who: Principal) -> dict[str, Any]:
        audit = store.audit(who.tenant, audit_id)
        if audit is None:
            raise HTTPException(404, f"no audit {audit_id}")
        return audit

    @app.exception_handler(ConfigError)
    async def _config_error(_request: Request, exc: ConfigError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=422)

    @app.post(SUBMIT_PATH, response_model=AuditOut, summary="Submit a fine-tuning job for audit")
    def submit(
        response: Response,
        file: UploadFile | None = File(None, description="The training file (JSONL or a JSON array)."),
        training_file: str | None = Form(None, description="Instead of an upload: a path or URL on the operator's allow-list."),
        base_model: str | None = Form(None, description="The model before fine-tuning (with finetuned_model)."),
        finetuned_model: str | None = Form(None, description="The fine-tuned model; omit both for a dataset-only audit."),
        preset: str | None = Form(None, description="A named auditor configuration of this service."),
        auditor: str | None = Form(None, description='Instead of a preset, JSON: {"screens": [...], "agent": {AuditConfig}}.'),
        webhook_url: str | None = Form(None),
        customer: str | None = Form(None),
        job_id: str | None = Form(None),
        stated_purpose: str | None = Form(None),
        metadata: str | None = Form(None, description="JSON object of string values."),
        idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200),
        who: Principal = Depends(principal),
    ) -> AuditOut:
        if preset and auditor:
            raise ConfigError("give a preset or an auditor spec, not both")
        spec_auditor = _auditor(settings, preset, auditor)
        job = _job_fields(base_model, finetuned_model, customer, job_id, stated_purpose, metadata)
        if webhook_url:
            check_webhook_url(webhook_url, settings.webhook_allow)
        name, content = _training_file(settings, file, training_file)
        spec = {"auditor": spec_auditor.model_dump(exclude_none=True), "job": job}
        audit, created = store.create_audit(
            tenant=who.tenant, idempotency_key=idempotency_key, spec=spec, webhook_url=webhook_url or None,
            file_name=name, content=content, customer=customer or None, job_id=job_id or None,
        )
        if not created:
            response.headers["Idempotent-Replayed"] = "true"
        if audit["status"] == "queued":
            client.enqueue(audit["id"], who.tenant)  # idempotent: the workflow id is the audit id
        return audit_out(audit)

    @app.get("/v1/audits", response_model=AuditList, summary="List audits, newest first")
    def list_audits(
        status: Literal["queued", "running", "done", "inconclusive", "cancelled"] | None = None,
        verdict: Literal["benign", "adversarial", "inconclusive"] | None = None,
        customer: str | None = None,
        limit: int = Query(20, ge=1, le=100),
        after: int | None = Query(None, description="The next_after of the previous page."),
        who: Principal = Depends(principal),
    ) -> AuditList:
        rows, more = store.list_audits(who.tenant, status=status, verdict=verdict, customer=customer, limit=limit, after=after)
        return AuditList(data=[audit_out(r) for r in rows], has_more=more, next_after=rows[-1]["seq"] if more and rows else None)

    @app.get("/v1/audits/{audit_id}", response_model=AuditOut, summary="An audit's status, verdict, score and timings")
    def get_audit(audit_id: str, who: Principal = Depends(principal)) -> AuditOut:
        return audit_out(owned(audit_id, who), store.decisions(audit_id))

    def finished_report(audit_id: str, who: Principal) -> Any:
        from ftaudit.report.records import AuditReport

        audit = owned(audit_id, who)
        if not audit["report_json"]:
            raise HTTPException(409, f"audit {audit_id} has no report ({audit['status']})")
        return AuditReport.model_validate_json(audit["report_json"])

    @app.get("/v1/audits/{audit_id}/report", summary="The AuditReport (JSON)")
    def get_report(audit_id: str, who: Principal = Depends(principal)) -> Response:
        owned_audit = owned(audit_id, who)
        if not owned_audit["report_json"]:
            raise HTTPException(409, f"audit {audit_id} has no report ({owned_audit['status']})")
        return Response(owned_audit["report_json"], media_type="application/json")

    @app.get("/v1/audits/{audit_id}/report.html", response_class=HTMLResponse, summary="The report as one HTML page")
    def get_report_html(audit_id: str, who: Principal = Depends(principal)) -> HTMLResponse:
        from ftaudit.report.html import render_html

        return HTMLResponse(render_html(finished_report(audit_id, who)), headers=page_headers())

    @app.get("/v1/audits/{audit_id}/report.md", response_class=PlainTextResponse, summary="The report as Markdown")
    def get_report_md(audit_id: str, who: Principal = Depends(principal)) -> PlainTextResponse:
        from ftaudit.report.markdown import render_markdown

        return PlainTextResponse(render_markdown(finished_report(audit_id, who)), media_type="text/markdown; charset=utf-8")

    @app.get("/v1/audits/{audit_id}/events", response_model=list[EventOut], summary="What happened to the audit, in order")
    def get_events(audit_id: str, who: Principal = Depends(principal)) -> list[EventOut]:
        owned(audit_id, who)
        return [EventOut(**e) for e in store.events(audit_id)]

    @app.post("/v1/audits/{audit_id}/cancel", response_model=AuditOut, summary="Cancel a queued or running audit")
    def cancel(audit_id: str, who: Principal = Depends(principal)) -> AuditOut:
        audit = owned(audit_id, who)
        if audit["status"] in FINAL and audit["status"] != "cancelled":
            raise HTTPException(409, f"audit {audit_id} already finished ({audit['status']})")
        audit = store.cancel(who.tenant, audit_id) or audit
        client.cancel(audit_id)
        return audit_out(audit, store.decisions(audit_id))

    @app.post("/v1/audits/{audit_id}/decisions", response_model=AuditOut, summary="A reviewer's decision, with a note")
    def decide(audit_id: str, decision: DecisionIn, who: Principal = Depends(principal)) -> AuditOut:
        owned(audit_id, who)
        if not who.reviewer:
            raise HTTPException(403, "only reviewer keys may decide on an audit")
        return audit_out(record_decision(store, who, audit_id, decision), store.decisions(audit_id))

    from ftaudit.service.ui import router as ui_router

    app.include_router(ui_router)
    app.add_middleware(BodyLimit, limit=settings.max_upload_bytes + FORM_OVERHEAD_BYTES)
    return app


def record_decision(store: Store, who: Principal, audit_id: str, decision: DecisionIn) -> dict[str, Any]:
    """Store a decision (the API's and the reviewer page's one path); ConfigError for an incomplete one."""
    if decision.action == "override" and decision.verdict is None:
        raise ConfigError("an override names the verdict it sets (verdict)")
    if decision.action != "override" and decision.verdict is not None:
        raise ConfigError("only an override sets a verdict")
    if not decision.note.strip():
        raise ConfigError("a decision needs a note saying why")
    audit = store.decide(who.tenant, audit_id, reviewer=who.name, action=decision.action, verdict=decision.verdict,
                         note=decision.note.strip())
    if audit is None:
        raise HTTPException(404, f"no audit {audit_id}")
    return audit


def page_headers() -> dict[str, str]:
    return {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
            "Cache-Control": "no-store"}


def _auditor(settings: ServiceSettings, preset: str | None, auditor: str | None) -> AuditorSpec:
    if auditor:
        try:
            return AuditorSpec.model_validate_json(auditor)
        except ValueError as exc:
            errors = getattr(exc, "errors", list)()
            detail = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'auditor'}: {e['msg'].removeprefix('Value error, ')}"
                               for e in errors) or str(exc)
            raise ConfigError(f"invalid auditor spec: {detail}") from None
    return settings.preset(preset or settings.default_preset)


def _job_fields(base: str | None, finetuned: str | None, customer: str | None, job_id: str | None,
                purpose: str | None, metadata: str | None) -> dict[str, Any]:
    from ftaudit.models import parse_model_ref

    if bool(base) != bool(finetuned):
        raise ConfigError("give both base_model and finetuned_model, or neither for a dataset-only audit")
    for ref in (base, finetuned):
        if ref:
            parse_model_ref(ref)
    meta: dict[str, str] = {}
    if metadata:
        try:
            meta = json.loads(metadata)
        except ValueError:
            raise ConfigError("metadata must be a JSON object of strings") from None
        if not isinstance(meta, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items()):
            raise ConfigError("metadata must be a JSON object of strings")
    return {"base_model": base or None, "finetuned_model": finetuned or None, "customer": customer or None,
            "job_id": job_id or None, "stated_purpose": purpose or None, "metadata": meta}


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"the training file is larger than this service accepts ({limit} bytes)")


def _training_file(settings: ServiceSettings, upload: UploadFile | None, reference: str | None) -> tuple[str, bytes]:
    """The submitted training file's name and bytes: an upload, or a path or URL the operator allows."""
    limit = settings.max_upload_bytes
    if (upload is None) == (not reference):
        raise ConfigError("send the training file as an upload (file) or name it (training_file), one of the two")
    if upload is not None:
        content = upload.file.read(limit + 1)
        if len(content) > limit:
            raise _too_large(limit)
        return safe_file_name(upload.filename or "training.jsonl"), content
    assert reference is not None
    if reference.startswith(("http://", "https://")):
        if not any(reference.startswith(prefix) for prefix in settings.allow_urls):
            raise ConfigError("training_file URL is not under a prefix this service allows (allow_urls)")
        try:
            with httpx.stream("GET", reference, timeout=30, follow_redirects=False) as got:
                if got.status_code != 200:
                    raise ConfigError(f"training_file URL answered HTTP {got.status_code}")
                chunks, size = [], 0
                for chunk in got.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise _too_large(limit)
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            raise ConfigError(f"training_file URL could not be read: {type(exc).__name__}") from None
        return safe_file_name(reference.split("?", 1)[0]), b"".join(chunks)
    path = Path(reference)
    if not path.is_absolute():
        raise ConfigError("training_file must be an absolute path or an http(s) URL")
    real = path.resolve()
    if not any(real.is_relative_to(folder.resolve()) for folder in settings.allow_paths):
        raise ConfigError("training_file is not in a folder this service allows (allow_paths)")
    try:
        with real.open("rb") as f:
            content = f.read(limit + 1)
    except OSError as exc:
        raise ConfigError(f"training_file cannot be read: {exc.strerror}") from None
    if len(content) > limit:
        raise _too_large(limit)
    return safe_file_name(real.name), content


__all__ = ["STATUSES", "create_app"]
