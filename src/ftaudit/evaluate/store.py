"""The results store of an evaluation: SQLite in WAL mode, one row per (configuration, job, repeat).

Each audit is committed the moment it finishes, so a run killed at any point (Ctrl-C, SIGKILL,
a lost machine) keeps every finished audit; ``UNIQUE(config, job, repeat)`` with
``ON CONFLICT DO NOTHING`` makes a rerun skip them and never write one twice. A failed audit is
a row too: verdict ``inconclusive``, the error in ``error``, counted by the metrics.

The configurations and jobs an evaluation ran are stored beside the audits, so a store can be
reported on its own and a rerun with a changed configuration under an old name is refused
(its results would be mixed with the old ones).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ftaudit.errors import ConfigError
from ftaudit.report.records import AuditJob, AuditReport

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS configs (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, preset TEXT NOT NULL,
    fingerprint TEXT NOT NULL, config_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS jobs (
    name TEXT PRIMARY KEY, label TEXT NOT NULL, attack TEXT NOT NULL,
    sha256 TEXT NOT NULL, job_json TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audits (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL, job TEXT NOT NULL, repeat INTEGER NOT NULL,
    label TEXT NOT NULL, attack TEXT NOT NULL,
    score REAL, verdict TEXT NOT NULL, error TEXT,
    cost_usd REAL NOT NULL DEFAULT 0, tokens INTEGER NOT NULL DEFAULT 0,
    turns INTEGER NOT NULL DEFAULT 0, wall_s REAL NOT NULL DEFAULT 0,
    report_json TEXT, finished_at TEXT NOT NULL,
    UNIQUE (config, job, repeat)
);
"""


class EvalJob(BaseModel):
    """One labelled job of the suite, as the evaluation audits it."""

    name: str = Field(description="The suite's dataset name (never shown to an auditor).")
    label: str = Field(description="adversarial or benign")
    attack: str = Field(description="The generator: an attack or a benign set.")
    sha256: str
    job: AuditJob


class AuditRow(BaseModel):
    """One finished audit as stored."""

    config: str
    job: str
    repeat: int
    label: str
    attack: str
    score: float | None
    verdict: str
    error: str | None = None
    cost_usd: float = 0.0
    tokens: int = 0
    turns: int = 0
    wall_s: float = 0.0
    report_json: str | None = None
    finished_at: str = Field(default_factory=lambda: dt.datetime.now(dt.timezone.utc).isoformat())

    def report(self) -> AuditReport | None:
        return None if self.report_json is None else AuditReport.model_validate_json(self.report_json)


_ROW_FIELDS = list(AuditRow.model_fields)


class ResultsStore:
    """An evaluation's SQLite store. Use one instance from one thread (the runner's event loop)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise ConfigError(f"{self.path}: the results store needs WAL mode (got {mode}); put it on a local disk")
        # NORMAL in WAL mode: a killed process loses nothing that was committed; only power loss can.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        found = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        if found is None:
            self._db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        elif found[0] != SCHEMA_VERSION:
            raise ConfigError(f"{self.path}: results store schema {found[0]}, this ftaudit writes {SCHEMA_VERSION}")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what was run --------------------------------------------------------------------

    def register_config(self, name: str, kind: str, preset: str, fingerprint: str, config_json: str) -> None:
        """Record a configuration; refuse one whose settings changed under the same name."""
        row = self._db.execute("SELECT fingerprint FROM configs WHERE name=?", (name,)).fetchone()
        if row is None:
            self._db.execute("INSERT INTO configs VALUES (?, ?, ?, ?, ?)", (name, kind, preset, fingerprint, config_json))
        elif row[0] != fingerprint:
            raise ConfigError(
                f"configuration {name!r} changed since its results were stored in {self.path}; "
                "give the changed configuration a new name, or use a new --store"
            )

    def register_job(self, job: EvalJob) -> None:
        """Record a job; refuse a dataset whose contents changed under the same name."""
        row = self._db.execute("SELECT sha256 FROM jobs WHERE name=?", (job.name,)).fetchone()
        if row is None:
            self._db.execute("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)",
                             (job.name, job.label, job.attack, job.sha256, job.job.model_dump_json()))
        elif row[0] != job.sha256:
            raise ConfigError(f"dataset {job.name!r} changed since its audits were stored in {self.path}; use a new --store")

    def configs(self) -> list[dict[str, Any]]:
        """The stored configurations, in the order they were first run."""
        rows = self._db.execute("SELECT name, kind, preset, config_json FROM configs ORDER BY rowid").fetchall()
        return [{"name": r["name"], "kind": r["kind"], "preset": r["preset"], "config": json.loads(r["config_json"])}
                for r in rows]

    def jobs(self) -> list[EvalJob]:
        rows = self._db.execute("SELECT * FROM jobs ORDER BY rowid").fetchall()
        return [EvalJob(name=r["name"], label=r["label"], attack=r["attack"], sha256=r["sha256"],
                        job=AuditJob.model_validate_json(r["job_json"])) for r in rows]

    # -- audits --------------------------------------------------------------------------

    def done(self, config: str) -> set[tuple[str, int]]:
        """The (job, repeat) pairs of ``config`` already stored."""
        rows = self._db.execute("SELECT job, repeat FROM audits WHERE config=?", (config,)).fetchall()
        return {(r[0], r[1]) for r in rows}

    def record(self, row: AuditRow) -> bool:
        """Store one finished audit (committed at once); False when it was already there."""
        cols = ", ".join(_ROW_FIELDS)
        marks = ", ".join("?" for _ in _ROW_FIELDS)
        cur = self._db.execute(
            f"INSERT INTO audits ({cols}) VALUES ({marks}) ON CONFLICT (config, job, repeat) DO NOTHING",
            [getattr(row, f) for f in _ROW_FIELDS],
        )
        return cur.rowcount == 1

    def forget_failed(self, configs: Iterable[str]) -> int:
        """Delete the failed audits of ``configs`` so that a rerun tries them again."""
        names = list(configs)
        if not names:
            return 0
        marks = ", ".join("?" for _ in names)
        cur = self._db.execute(f"DELETE FROM audits WHERE error IS NOT NULL AND config IN ({marks})", names)
        return cur.rowcount

    def rows(self, config: str | None = None, *, with_reports: bool = False) -> list[AuditRow]:
        """Stored audits in a stable order (configuration, job, repeat)."""
        fields = _ROW_FIELDS if with_reports else [f for f in _ROW_FIELDS if f != "report_json"]
        sql = f"SELECT {', '.join(fields)} FROM audits"
        args: tuple[Any, ...] = ()
        if config is not None:
            sql += " WHERE config=?"
            args = (config,)
        rows = self._db.execute(sql + " ORDER BY config, job, repeat", args).fetchall()
        return [AuditRow(**dict(r)) for r in rows]

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM audits").fetchone()[0]
