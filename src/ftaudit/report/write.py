"""Writing an audit's reports to disk: the one writer behind ``ftaudit audit``, ``ftaudit screen``
and the evaluation report's per-audit pages.

Every rendering of an :class:`~ftaudit.report.records.AuditReport` that lands in a file goes
through :func:`write_report`, so the same report reads the same wherever it was written: JSON
(the contract), Markdown, HTML, and the transcript as JSON lines. A file that cannot be written
is a :class:`~ftaudit.errors.ConfigError` naming it (a user's folder, not a crash).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from ftaudit.errors import ConfigError
from ftaudit.report.records import AuditReport

__all__ = ["REPORT_FORMATS", "format_label", "write_report", "write_text"]

#: What :func:`write_report` writes unless told otherwise.
REPORT_FORMATS = ("json", "markdown", "html")
#: Every format, with the file name it gets beside ``stem`` and how a user reads its name.
_FILES: dict[str, tuple[str, str]] = {
    "json": ("{stem}.json", "JSON report"),
    "markdown": ("{stem}.md", "Markdown report"),
    "html": ("{stem}.html", "HTML report"),
    "transcript": ("transcript.jsonl", "transcript"),
}


def _render(report: AuditReport, fmt: str) -> str:
    if fmt == "json":
        return report.model_dump_json(indent=2) + "\n"
    if fmt == "markdown":
        from ftaudit.report.markdown import render_markdown

        return render_markdown(report)
    if fmt == "html":
        from ftaudit.report.html import render_html

        return render_html(report)
    return "".join(entry.model_dump_json() + "\n" for entry in report.transcript)


def write_text(path: Path, text: str | bytes, what: str) -> Path:
    """Write one report file (its folder made first); :class:`ConfigError` naming ``what`` when it cannot be."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write the {what}: {exc.strerror or exc}") from None
    return path


def write_report(
    report: AuditReport,
    out_dir: Path | None = None,
    *,
    stem: str = "report",
    formats: Iterable[str] = REPORT_FORMATS,
    paths: Mapping[str, Path | None] | None = None,
) -> dict[str, Path]:
    """Write ``report`` in each of ``formats`` into ``out_dir`` as ``{stem}.json``, ``.md``, ``.html``.

    ``formats`` is any of ``json``, ``markdown``, ``html`` and ``transcript``
    (``transcript.jsonl``, one entry a line). ``paths`` puts a format in a file of its own
    instead (``{"markdown": Path("custom.md")}``), and writes it even with no ``out_dir``.
    Returns each written format's path, in the order written.
    """
    formats = list(formats)
    given = {fmt: path for fmt, path in (paths or {}).items() if path is not None}
    for fmt in (*formats, *given):
        if fmt not in _FILES:
            raise ValueError(f"unknown report format {fmt!r}; one of {', '.join(_FILES)}")
    targets = {fmt: Path(out_dir) / _FILES[fmt][0].format(stem=stem) for fmt in formats} if out_dir is not None else {}
    targets.update(given)
    written: dict[str, Path] = {}
    for fmt, path in targets.items():
        written[fmt] = write_text(path, _render(report, fmt), _FILES[fmt][1])
    return written


def format_label(fmt: str) -> str:
    """How a format is named to a user ("HTML report")."""
    return _FILES[fmt][1]

