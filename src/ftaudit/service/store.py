"""The service's own records, beside the queue's: tenants, API keys, audits, events, decisions, files.

SQLAlchemy Core on the database the queue uses (SQLite file or PostgreSQL), so one URL holds
everything and any worker on any machine reads the training file from the database. The queue
itself (what runs where, checkpoints, retries) is DBOS's; these tables hold what the API shows.

Every read takes the tenant, so a key can never reach another tenant's audit: the row simply
is not found (the API answers 404, not 403). Keys are stored as SHA-256 hashes of 256-bit
random tokens (a slow hash adds nothing for tokens that cannot be guessed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from ftaudit.errors import ConfigError

metadata = sa.MetaData()

tenants = sa.Table(
    "ftaudit_tenants", metadata,
    sa.Column("tenant", sa.String(200), primary_key=True),
    sa.Column("webhook_secret", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
keys = sa.Table(
    "ftaudit_keys", metadata,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("key_id", sa.String(40), nullable=False, unique=True),
    sa.Column("tenant", sa.String(200), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("reviewer", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
audits = sa.Table(
    "ftaudit_audits", metadata,
    sa.Column("seq", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("id", sa.String(40), nullable=False, unique=True),
    sa.Column("tenant", sa.String(200), nullable=False, index=True),
    sa.Column("idempotency_key", sa.String(200)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("verdict", sa.String(20)),
    sa.Column("risk_score", sa.Float),
    sa.Column("customer", sa.String(200)),
    sa.Column("job_id", sa.String(200)),
    sa.Column("spec", sa.Text, nullable=False),
    sa.Column("webhook_url", sa.Text),
    sa.Column("file_name", sa.String(300), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("file_bytes", sa.Integer, nullable=False),
    sa.Column("report_json", sa.Text),
    sa.Column("decision", sa.String(20)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.UniqueConstraint("tenant", "idempotency_key", name="ftaudit_audits_idempotency"),
)
files = sa.Table(
    "ftaudit_files", metadata,
    sa.Column("audit_id", sa.String(40), primary_key=True),
    sa.Column("content", sa.LargeBinary, nullable=False),
)
events = sa.Table(
    "ftaudit_events", metadata,
    sa.Column("seq", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("audit_id", sa.String(40), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("detail", sa.Text, nullable=False),
)
decisions = sa.Table(
    "ftaudit_decisions", metadata,
    sa.Column("seq", sa.Integer, sa.Identity(), primary_key=True),
    sa.Column("audit_id", sa.String(40), nullable=False, index=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reviewer", sa.String(200), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("verdict", sa.String(20)),
    sa.Column("note", sa.Text, nullable=False),
)
workers = sa.Table(
    "ftaudit_workers", metadata,
    sa.Column("executor_id", sa.String(200), primary_key=True),
    sa.Column("last_seen", sa.Float, nullable=False),
    sa.Column("host", sa.String(200), nullable=False),
)

STATUSES = ("queued", "running", "done", "inconclusive", "cancelled")
ACTIONS = ("approve", "hold", "override")
FINAL = ("done", "inconclusive", "cancelled")


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def sqlalchemy_url(url: str) -> str:
    """The SQLAlchemy URL of a service ``--db`` URL (PostgreSQL through psycopg 3, as DBOS uses)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite gives naive datetimes back; every time here is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


class Store:
    """The service's tables on one database; thread-safe (a connection per call from the pool)."""

    def __init__(self, url: str) -> None:
        self.url = url
        kwargs: dict[str, Any] = {"pool_pre_ping": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        try:
            self.engine = sa.create_engine(sqlalchemy_url(url), **kwargs)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise ConfigError(f"cannot use the database {url!r}: {exc}") from None
        if url.startswith("sqlite"):
            @sa.event.listens_for(self.engine, "connect")
            def _sqlite_pragmas(conn: Any, _record: Any) -> None:
                cur = conn.cursor()
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()
        try:
            metadata.create_all(self.engine)
        except sa.exc.OperationalError as exc:
            raise ConfigError(f"cannot open the database {url!r}: {exc.orig}") from None

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def tx(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- tenants and keys ----------------------------------------------------------------------

    def create_key(self, tenant: str, name: str, *, reviewer: bool) -> tuple[str, str | None]:
        """A new API key for ``tenant`` (and the tenant's webhook secret when the tenant is new)."""
        import base64

        key = "fta_" + secrets.token_urlsafe(32)
        new_secret = None
        with self.tx() as conn:
            if conn.execute(sa.select(tenants.c.tenant).where(tenants.c.tenant == tenant)).first() is None:
                # The Standard Webhooks secret format: whsec_ + base64 of 32 random bytes.
                new_secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
                conn.execute(tenants.insert().values(tenant=tenant, webhook_secret=new_secret, created_at=now()))
            conn.execute(keys.insert().values(
                key_hash=hash_key(key), key_id="key_" + secrets.token_hex(6), tenant=tenant, name=name,
                reviewer=reviewer, created_at=now(),
            ))
        return key, new_secret

    def key(self, key: str) -> dict[str, Any] | None:
        with self.tx() as conn:
            row = conn.execute(sa.select(keys).where(keys.c.key_hash == hash_key(key))).mappings().first()
        return dict(row) if row else None

    def webhook_secret(self, tenant: str) -> str | None:
        with self.tx() as conn:
            return conn.execute(sa.select(tenants.c.webhook_secret).where(tenants.c.tenant == tenant)).scalar()

    # -- audits -----------------------------------------------------------------------------------

    def create_audit(
        self, *, tenant: str, idempotency_key: str | None, spec: dict[str, Any], webhook_url: str | None,
        file_name: str, content: bytes, customer: str | None, job_id: str | None,
    ) -> tuple[dict[str, Any], bool]:
        """Store a submitted audit and its file; ``(audit, created)``, the earlier one for a repeated key."""
        if idempotency_key:
            found = self._by_idempotency(tenant, idempotency_key)
            if found is not None:
                return found, False
        audit_id = "aud_" + uuid.uuid4().hex
        at = now()
        try:
            with self.tx() as conn:
                conn.execute(audits.insert().values(
                    id=audit_id, tenant=tenant, idempotency_key=idempotency_key, status="queued", spec=json.dumps(spec),
                    webhook_url=webhook_url, file_name=file_name, file_sha256=hashlib.sha256(content).hexdigest(),
                    file_bytes=len(content), customer=customer, job_id=job_id, created_at=at,
                ))
                conn.execute(files.insert().values(audit_id=audit_id, content=content))
                conn.execute(events.insert().values(
                    audit_id=audit_id, at=at, kind="submitted",
                    detail=json.dumps({"file": file_name, "bytes": len(content)}),
                ))
        except sa.exc.IntegrityError:
            # A concurrent submit with the same key won the race: it is the audit.
            found = self._by_idempotency(tenant, idempotency_key or "")
            if found is None:
                raise
            return found, False
        audit = self.audit(tenant, audit_id)
        assert audit is not None
        return audit, True

    def _by_idempotency(self, tenant: str, key: str) -> dict[str, Any] | None:
        with self.tx() as conn:
            row = conn.execute(sa.select(audits).where(audits.c.tenant == tenant, audits.c.idempotency_key == key)).mappings().first()
        return _audit(row)

    def audit(self, tenant: str | None, audit_id: str) -> dict[str, Any] | None:
        """One audit; ``tenant=None`` only for the workers, which act for every tenant."""
        query = sa.select(audits).where(audits.c.id == audit_id)
        if tenant is not None:
            query = query.where(audits.c.tenant == tenant)
        with self.tx() as conn:
            return _audit(conn.execute(query).mappings().first())

    def list_audits(
        self, tenant: str, *, status: str | None = None, verdict: str | None = None, customer: str | None = None,
        limit: int = 20, after: int | None = None,
    ) -> tuple[list[dict[str, Any]], bool]:
        """The tenant's audits, newest first, ``limit`` at a time after the cursor ``after`` (a ``seq``)."""
        query = sa.select(audits).where(audits.c.tenant == tenant)
        if status:
            query = query.where(audits.c.status == status)
        if verdict:
            query = query.where(audits.c.verdict == verdict)
        if customer:
            query = query.where(audits.c.customer == customer)
        if after is not None:
            query = query.where(audits.c.seq < after)
        query = query.order_by(audits.c.seq.desc()).limit(limit + 1)
        with self.tx() as conn:
            rows = [_audit(r) for r in conn.execute(query).mappings()]
        return [r for r in rows[:limit] if r], len(rows) > limit

    def file(self, audit_id: str) -> bytes:
        with self.tx() as conn:
            content = conn.execute(sa.select(files.c.content).where(files.c.audit_id == audit_id)).scalar()
        if content is None:
            raise LookupError(f"no training file stored for {audit_id}")
        return bytes(content)

    def event(self, audit_id: str, kind: str, **detail: Any) -> None:
        with self.tx() as conn:
            conn.execute(events.insert().values(audit_id=audit_id, at=now(), kind=kind, detail=json.dumps(detail, default=str)))

    def events(self, audit_id: str) -> list[dict[str, Any]]:
        with self.tx() as conn:
            rows = conn.execute(sa.select(events).where(events.c.audit_id == audit_id).order_by(events.c.seq)).mappings()
            return [{"at": _aware(r["at"]), "kind": r["kind"], "detail": json.loads(r["detail"])} for r in rows]

    def mark_running(self, audit_id: str, executor: str) -> bool:
        """queued → running (False when it was cancelled or already finished)."""
        with self.tx() as conn:
            changed = conn.execute(
                audits.update().where(audits.c.id == audit_id, audits.c.status == "queued")
                .values(status="running", started_at=now())
            ).rowcount
        if changed:
            self.event(audit_id, "running", executor=executor)
        return bool(changed)

    def finish(self, audit_id: str, report_json: str, verdict: str, risk_score: float | None) -> bool:
        """Record the report once: running → done or inconclusive (False when cancelled or already done)."""
        status = "inconclusive" if verdict == "inconclusive" else "done"
        with self.tx() as conn:
            changed = conn.execute(
                audits.update().where(audits.c.id == audit_id, audits.c.status.in_(("queued", "running")))
                .values(status=status, verdict=verdict, risk_score=risk_score, report_json=report_json, finished_at=now())
            ).rowcount
            if changed:
                conn.execute(events.insert().values(
                    audit_id=audit_id, at=now(), kind="finished",
                    detail=json.dumps({"status": status, "verdict": verdict, "risk_score": risk_score}),
                ))
        return bool(changed)

    def cancel(self, tenant: str, audit_id: str) -> dict[str, Any] | None:
        """Mark a queued or running audit cancelled; the audit as it stands (None when not the tenant's)."""
        with self.tx() as conn:
            changed = conn.execute(
                audits.update().where(audits.c.id == audit_id, audits.c.tenant == tenant,
                                      audits.c.status.in_(("queued", "running")))
                .values(status="cancelled", finished_at=now())
            ).rowcount
        if changed:
            self.event(audit_id, "cancelled")
        return self.audit(tenant, audit_id)

    def decide(self, tenant: str, audit_id: str, *, reviewer: str, action: str, verdict: str | None, note: str) -> dict[str, Any] | None:
        """Record a reviewer's decision (kept, never overwritten); None when the audit is not the tenant's."""
        with self.tx() as conn:
            changed = conn.execute(
                audits.update().where(audits.c.id == audit_id, audits.c.tenant == tenant).values(decision=action)
            ).rowcount
            if not changed:
                return None
            conn.execute(decisions.insert().values(
                audit_id=audit_id, at=now(), reviewer=reviewer, action=action, verdict=verdict, note=note,
            ))
            conn.execute(events.insert().values(
                audit_id=audit_id, at=now(), kind="decision",
                detail=json.dumps({"reviewer": reviewer, "action": action, "verdict": verdict}),
            ))
        return self.audit(tenant, audit_id)

    def decisions(self, audit_id: str) -> list[dict[str, Any]]:
        with self.tx() as conn:
            rows = conn.execute(sa.select(decisions).where(decisions.c.audit_id == audit_id).order_by(decisions.c.seq)).mappings()
            return [{**{k: r[k] for k in ("reviewer", "action", "verdict", "note")}, "at": _aware(r["at"])} for r in rows]

    # -- worker liveness ----------------------------------------------------------------------------

    def heartbeat(self, executor_id: str, host: str, at: float) -> None:
        with self.tx() as conn:
            changed = conn.execute(workers.update().where(workers.c.executor_id == executor_id).values(last_seen=at)).rowcount
            if not changed:
                conn.execute(workers.insert().values(executor_id=executor_id, last_seen=at, host=host))

    def claim_dead_workers(self, before: float, *, exclude: str) -> list[str]:
        """Executors silent since ``before``, each removed by exactly one caller (who then recovers it)."""
        with self.tx() as conn:
            stale = conn.execute(
                sa.select(workers.c.executor_id, workers.c.last_seen).where(workers.c.last_seen < before, workers.c.executor_id != exclude)
            ).all()
        claimed = []
        for executor_id, last_seen in stale:
            with self.tx() as conn:
                if conn.execute(workers.delete().where(workers.c.executor_id == executor_id,
                                                       workers.c.last_seen == last_seen)).rowcount:
                    claimed.append(executor_id)
        return claimed

    def forget_worker(self, executor_id: str) -> None:
        with self.tx() as conn:
            conn.execute(workers.delete().where(workers.c.executor_id == executor_id))


def _audit(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    out = dict(row)
    for key in ("created_at", "started_at", "finished_at"):
        out[key] = _aware(out[key])
    out["spec"] = json.loads(out["spec"])
    return out
