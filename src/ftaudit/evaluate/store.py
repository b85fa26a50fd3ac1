"""The results store of an evaluation: SQLite in WAL mode, one row per (configuration, job, repeat).

Each audit is committed the moment it finishes, so a run killed at any point (Ctrl-C, SIGKILL,
a lost machine) keeps every finished audit; ``UNIQUE(config, job, repeat)`` with
``ON CONFLICT DO NOTHING`` makes a rerun skip them and never write one twice. A failed audit is
a row too: verdict ``inconclusive``, the error in ``error``, counted by the metrics.

The configurations and jobs an evaluation ran are stored beside the audits, so a store can be
reported on its own and a rerun with a changed configuration under an old name is refused
(its results would be mixed with the old ones). Each job's attack success from the suite
manifest (did its fine-tune learn the attack) is kept in ``job_success``, which a store written
by an older ftaudit gains the next time ``eval run`` opens it.

A store file can be damaged (a full disk, a bad copy, a file that is not a store at all). Before
anything writes to it, :func:`check_store` reads its header and runs SQLite's ``quick_check`` on a
connection that can neither write nor leave side files (``immutable``), so a damaged file is
reported as a :class:`StoreError` naming it and is left byte for byte as it was. ``eval status``
and ``eval report`` open the store read-only (``readonly=True``).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from ftaudit.errors import ConfigError, FtauditError
from ftaudit.report.records import AuditJob, AuditReport

SCHEMA_VERSION = "1"
#: Every SQLite database starts with these bytes (https://www.sqlite.org/fileformat.html).
_SQLITE_MAGIC = b"SQLite format 3\x00"
_HEADER_BYTES = 100
_MIN_PAGE, _MAX_PAGE = 512, 65536
# How long a connection waits for another one's write lock before reporting the store busy.
_BUSY_TIMEOUT_S = 30.0
_TABLES = {"meta", "configs", "jobs", "audits"}

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
CREATE TABLE IF NOT EXISTS job_success (job TEXT PRIMARY KEY, success_json TEXT NOT NULL);
"""


class StoreError(FtauditError):
    """A results store that cannot be used: not SQLite, truncated, damaged, or not an ftaudit store.

    ``str()`` names the file first; the CLI shows it as one line (exit 2). ``unchanged``: the error
    came before anything could write to the file (the check, or a read-only store), and says so.
    """

    def __init__(self, path: str | Path, problem: str, *, unchanged: bool = True) -> None:
        self.path = Path(path)
        # One line: SQLite's own reports (quick_check's) span several.
        self.problem = " ".join(problem.replace("*** in database main ***", "").split())
        left = " (the file was left unchanged)" if unchanged else ""
        super().__init__(f"{path}: cannot use this results store: {self.problem}{left}")


def _header_problem(path: Path, *, wal: bool) -> str | None:
    """What the file's first 100 bytes and its size say is wrong with it as an SQLite database, if anything."""
    size = path.stat().st_size
    if size == 0:
        return None  # SQLite's empty database
    with path.open("rb") as handle:
        header = handle.read(_HEADER_BYTES)
    if len(header) < _HEADER_BYTES or not header.startswith(_SQLITE_MAGIC):
        return "not an SQLite database"
    if wal:
        # A writer may be checkpointing into the file right now: its size and the header's page count
        # can disagree for a moment. SQLite's own check, under its locks, looks at the rest.
        return None
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size  # the file format writes 65536 as 1
    if not _MIN_PAGE <= page_size <= _MAX_PAGE or page_size & (page_size - 1):
        return f"damaged header (page size {page_size})"
    if size % page_size:
        return f"truncated ({size} bytes is not a whole number of {page_size}-byte pages)"
    pages = int.from_bytes(header[28:32], "big")
    # The header's page count is trusted only when its change counter matches (bytes 24 and 92).
    if pages and header[24:28] == header[92:96] and size < pages * page_size:
        return f"truncated ({size} bytes; its header says {pages * page_size})"
    return None


def _uri(path: Path, **params: str) -> str:
    return path.resolve().as_uri() + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def check_store(path: str | Path, *, must_exist: bool = False) -> None:
    """Raise :class:`StoreError` if ``path`` holds something other than a sound results store.

    A path with no file passes (``eval run`` creates the store) unless ``must_exist``; an empty
    file or an empty SQLite database passes too. Reads only: the header, then SQLite's
    ``quick_check`` and the table names on an ``immutable`` read-only connection, which creates no
    ``-wal``, ``-shm`` or ``-journal`` file and writes nothing. When a ``-wal`` file is there (a
    run in progress, or one that was killed), the check goes through a plain read-only connection
    instead, so it sees what the log holds and respects the writer's locks.
    """
    path = Path(path)
    if not path.exists():
        if must_exist:
            raise StoreError(path, "no such file")
        return
    if not path.is_file():
        raise StoreError(path, "not a file")
    wal = Path(f"{path}-wal").exists()
    problem = _header_problem(path, wal=wal)
    if problem is None:
        try:
            db = sqlite3.connect(_uri(path, mode="ro", **({} if wal else {"immutable": "1"})), uri=True,
                                 timeout=_BUSY_TIMEOUT_S)
        except sqlite3.Error as exc:
            raise StoreError(path, f"cannot open it ({exc})") from None
        try:
            verdict = db.execute("PRAGMA quick_check(1)").fetchone()[0]
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as exc:
            problem = f"damaged ({exc})"
        else:
            if verdict != "ok":
                problem = f"damaged (SQLite's quick_check: {verdict})"
            elif tables and not _TABLES <= tables:
                problem = f"an SQLite database, but not an ftaudit results store (tables: {', '.join(sorted(tables))})"
            elif not tables and must_exist:
                problem = "an empty database, not an ftaudit results store"
        finally:
            db.close()
    if problem is not None:
        raise StoreError(path, problem)


class EvalJob(BaseModel):
    """One labelled job of the suite, as the evaluation audits it."""

    name: str = Field(description="The suite's dataset name (never shown to an auditor).")
    label: str = Field(description="adversarial or benign")
    attack: str = Field(description="The generator: an attack or a benign set.")
    sha256: str
    job: AuditJob
    attack_success: dict[str, Any] | None = Field(
        default=None, description="The suite manifest's attack success of the job's model (never shown to an auditor)."
    )


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
    """An evaluation's SQLite store. Use one instance from one thread (the runner's event loop).

    The file is checked (:func:`check_store`) before it is opened; ``readonly=True`` opens an
    existing store without the right to write (``eval status``, ``eval report``). Any SQLite error
    later (a page damaged while in use, a busy lock past the timeout) is a :class:`StoreError`.
    """

    def __init__(self, path: str | Path, *, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        check_store(self.path, must_exist=readonly)
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly:
                self._db = sqlite3.connect(_uri(self.path, mode="ro"), uri=True, timeout=_BUSY_TIMEOUT_S,
                                           isolation_level=None)
            else:
                self._db = sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(self.path, f"cannot open it ({exc})") from None
        self._db.row_factory = sqlite3.Row
        try:
            self._prepare()
        except BaseException:
            self._db.close()
            raise

    def _prepare(self) -> None:
        if not self.readonly:
            mode = self._fetch("PRAGMA journal_mode=WAL")[0][0]
            if str(mode).lower() != "wal":
                raise ConfigError(f"{self.path}: the results store needs WAL mode (got {mode}); put it on a local disk")
            # NORMAL in WAL mode: a killed process loses nothing that was committed; only power loss can.
            self._sql("PRAGMA synchronous=NORMAL")
            try:
                self._db.executescript(_SCHEMA)
            except sqlite3.DatabaseError as exc:
                raise StoreError(self.path, str(exc), unchanged=False) from None
        found = self._one("SELECT value FROM meta WHERE key='schema_version'")
        if found is None and not self.readonly:
            self._sql("INSERT INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        elif found is None:
            raise StoreError(self.path, "no schema version recorded; not an ftaudit results store")
        elif found[0] != SCHEMA_VERSION:
            raise ConfigError(f"{self.path}: results store schema {found[0]}, this ftaudit writes {SCHEMA_VERSION}")

    def _sql(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Run one statement; an SQLite error (a damaged page met now, a lock held too long) becomes a StoreError."""
        try:
            return self._db.execute(sql, args)
        except sqlite3.DatabaseError as exc:
            raise StoreError(self.path, str(exc), unchanged=self.readonly) from None

    def _fetch(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return self._sql(sql, args).fetchall()
        except sqlite3.DatabaseError as exc:  # a damaged page can surface while rows are read
            raise StoreError(self.path, str(exc), unchanged=self.readonly) from None

    def _one(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Row | None:
        rows = self._fetch(sql, args)
        return rows[0] if rows else None

    def _parsed(self, what: str, build: Any) -> Any:
        """``build()``, with a stored value that no longer parses (damaged contents) reported as a StoreError."""
        try:
            return build()
        except ValueError as exc:  # pydantic's ValidationError and json's JSONDecodeError included
            raise StoreError(self.path, f"a stored {what} cannot be read: {str(exc).splitlines()[0]}",
                             unchanged=self.readonly) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ResultsStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what was run --------------------------------------------------------------------

    def register_config(self, name: str, kind: str, preset: str, fingerprint: str, config_json: str) -> None:
        """Record a configuration; refuse one whose settings changed under the same name."""
        row = self._one("SELECT fingerprint FROM configs WHERE name=?", (name,))
        if row is None:
            self._sql("INSERT INTO configs VALUES (?, ?, ?, ?, ?)", (name, kind, preset, fingerprint, config_json))
        elif row[0] != fingerprint:
            raise ConfigError(
                f"configuration {name!r} changed since its results were stored in {self.path}; "
                "give the changed configuration a new name, or use a new --store"
            )

    def register_job(self, job: EvalJob) -> None:
        """Record a job; refuse a dataset whose contents changed under the same name."""
        row = self._one("SELECT sha256 FROM jobs WHERE name=?", (job.name,))
        if row is None:
            self._sql("INSERT INTO jobs VALUES (?, ?, ?, ?, ?)",
                      (job.name, job.label, job.attack, job.sha256, job.job.model_dump_json()))
        elif row[0] != job.sha256:
            raise ConfigError(f"dataset {job.name!r} changed since its audits were stored in {self.path}; use a new --store")
        # The manifest's latest word on the model: measured after the audits, or re-measured, it replaces the old one.
        if job.attack_success is None:
            self._sql("DELETE FROM job_success WHERE job=?", (job.name,))
        else:
            self._sql("INSERT INTO job_success VALUES (?, ?) ON CONFLICT (job) DO UPDATE SET success_json=excluded.success_json",
                      (job.name, json.dumps(job.attack_success, sort_keys=True)))

    def configs(self) -> list[dict[str, Any]]:
        """The stored configurations, in the order they were first run."""
        rows = self._fetch("SELECT name, kind, preset, config_json FROM configs ORDER BY rowid")
        return self._parsed("configuration", lambda: [
            {"name": r["name"], "kind": r["kind"], "preset": r["preset"], "config": json.loads(r["config_json"])} for r in rows])

    def jobs(self) -> list[EvalJob]:
        rows = self._fetch("SELECT * FROM jobs ORDER BY rowid")
        return self._parsed("job", lambda: [
            EvalJob(name=r["name"], label=r["label"], attack=r["attack"], sha256=r["sha256"],
                    job=AuditJob.model_validate_json(r["job_json"])) for r in rows])

    def attack_success(self) -> dict[str, dict[str, Any]]:
        """Job name -> its model's attack success as the suite manifest recorded it (``suite train``).

        Empty for a store written before ftaudit recorded it (it has no such table) or for jobs
        whose models were never measured.
        """
        if self._one("SELECT name FROM sqlite_master WHERE type='table' AND name='job_success'") is None:
            return {}
        rows = self._fetch("SELECT job, success_json FROM job_success ORDER BY job")
        return self._parsed("attack success", lambda: {r["job"]: json.loads(r["success_json"]) for r in rows})

    # -- audits --------------------------------------------------------------------------

    def done(self, config: str) -> set[tuple[str, int]]:
        """The (job, repeat) pairs of ``config`` already stored."""
        rows = self._fetch("SELECT job, repeat FROM audits WHERE config=?", (config,))
        return {(r[0], r[1]) for r in rows}

    def record(self, row: AuditRow) -> bool:
        """Store one finished audit (committed at once); False when it was already there."""
        cols = ", ".join(_ROW_FIELDS)
        marks = ", ".join("?" for _ in _ROW_FIELDS)
        cur = self._sql(
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
        cur = self._sql(f"DELETE FROM audits WHERE error IS NOT NULL AND config IN ({marks})", names)
        return cur.rowcount

    def rows(self, config: str | None = None, *, with_reports: bool = False) -> list[AuditRow]:
        """Stored audits in a stable order (configuration, job, repeat)."""
        fields = _ROW_FIELDS if with_reports else [f for f in _ROW_FIELDS if f != "report_json"]
        sql = f"SELECT {', '.join(fields)} FROM audits"
        args: tuple[Any, ...] = ()
        if config is not None:
            sql += " WHERE config=?"
            args = (config,)
        rows = self._fetch(sql + " ORDER BY config, job, repeat", args)
        return self._parsed("audit", lambda: [AuditRow(**dict(r)) for r in rows])

    def count(self) -> int:
        return self._fetch("SELECT COUNT(*) FROM audits")[0][0]
