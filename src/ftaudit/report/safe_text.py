"""Attacker-controlled text in a report, made inert: shown exactly as data, never as the report's own words.

Training lines, model replies, finding titles an auditor was steered into writing, job and file
names: any of them may be written to pass for part of the report. Two defences, shared by every
renderer (the Markdown and HTML audit reports, the evaluation report, the ``ftaudit eval`` tables):

- :func:`visible` shows bidirectional-control characters (U+202A–U+202E, U+2066–U+2069, U+200E,
  U+200F, U+061C) as markers such as ``<U+202E>``: left in, they reorder what a reviewer reads
  without changing what the text is ("Trojan Source"). Terminal control characters become ``\\xNN``
  so a report printed to a terminal cannot drive it.
- Markdown has no escaping of its own, so :func:`md` builds each line from a template written by
  us, and every value put into it goes through :func:`inline` unless it is already :class:`Md`
  (a code span, a fenced block, a prose paragraph, or a line :func:`md` made). A value cannot then
  open HTML, a link, an image, an autolink, emphasis, a code span, a table cell or a new block;
  newlines in it never start a heading, a list or a paragraph of its own.

The HTML renderers escape through Jinja2's autoescaping and call :func:`visible` from the
template environment's ``finalize`` hook (:mod:`ftaudit.report.page`).

Blind spot: GitHub links bare e-mail addresses in text; escaping cannot stop it (the link is a
``mailto:``, which runs nothing).
"""

from __future__ import annotations

import html
import re
import string
from typing import Any

from ftaudit._text import BIDI_CONTROLS, escape_controls, mark_bidi

__all__ = ["BIDI_CONTROLS", "Md", "code", "fenced", "inline", "md", "prose", "visible"]

# Markdown's inline syntax: escape, code span, emphasis, link and image brackets, table cell,
# strikethrough, heading closer, and math on GitHub. `<`, `>` and `&` become entities instead
# (raw HTML, autolinks, and entities such as `&#x202E;` that would smuggle a control back in).
_MD_INLINE = re.compile(r"([\\`*_\[\]|~#$])")
# What opens a block at the start of a line, beyond the characters escaped everywhere: a list
# item (`-`, `+`, `1.`, `1)`), a setext underline or thematic break (`=`, `-`).
_MD_LINE_START = re.compile(r"^(?:([-+=])|(\d+)([.)]))")
# GitHub's autolinks of bare URLs: `scheme://` and `www.` (escaped slashes and dots stop them).
_SCHEME = re.compile(r"://")
_WWW = re.compile(r"\b(www)\.", re.IGNORECASE)
_BACKTICKS = re.compile(r"`+")


class Md(str):
    """Markdown that :func:`md` may put into a line as it is: written by us, or already made inert."""


def visible(text: str, *, html_escaped: bool = False) -> str:
    """``text`` with bidi controls shown as ``<U+XXXX>`` and terminal control characters as ``\\xNN``.

    Tabs and newlines are kept. Used by every report renderer on every value it shows, so a
    right-to-left override in a finding title cannot make the title read as something else.
    ``html_escaped``: ``text`` is HTML already (a Jinja2 ``Markup`` value), so the markers are
    written as entities.
    """
    opening, closing = ("&lt;", "&gt;") if html_escaped else ("<", ">")
    return mark_bidi(escape_controls(text), opening, closing)


def _escape_line(line: str) -> str:
    line = html.escape(line, quote=False)
    line = _MD_INLINE.sub(r"\\\1", line)
    line = _MD_LINE_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", line)
    line = _SCHEME.sub(r":\\/\\/", line)
    return _WWW.sub(r"\1\\.", line)


def inline(value: object) -> Md:
    """``value`` as one line of inert Markdown text: it reads the same, but opens nothing.

    Whitespace runs, newlines included, become one space, so the value cannot start a block;
    HTML-significant characters become entities and Markdown-significant ones are
    backslash-escaped. Safe in a paragraph, a heading, a list item and a table cell.
    """
    return Md(_escape_line(" ".join(visible(str(value)).split())))


def prose(value: object) -> Md:
    """Multi-line ``value`` (a summary, a description) as one inert Markdown paragraph.

    Each line is escaped as :func:`inline` does and the lines are joined by hard line breaks;
    blank lines are dropped, so the text stays inside the one paragraph it was given.
    """
    lines = [" ".join(line.split()) for line in visible(str(value)).splitlines()]
    return Md("\\\n".join(_escape_line(line) for line in lines if line))


def code(value: object, *, in_table: bool = False) -> Md:
    """``value`` as an inline code span that it cannot close (delimiters longer than any backtick run in it).

    In a table cell a ``|`` would still end the cell (tables are split before code spans are
    read), so ``in_table`` escapes it; GitHub and markdown-it drop that backslash again.
    """
    text = " ".join(visible(str(value)).split())
    if not text:
        return Md("")
    if in_table:
        text = text.replace("|", "\\|")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    tick = "`" * (longest + 1)
    pad = " " if text[0] == "`" or text[-1] == "`" else ""
    return Md(f"{tick}{pad}{text}{pad}{tick}")


def fenced(value: object, info: str = "text") -> Md:
    """``value`` in a fenced code block that it cannot close: the fence is longer than any backtick run in it."""
    text = visible(str(value))
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Md(f"{fence}{info}\n{text}\n{fence}")


class _Formatter(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Md):
            return format(str(value), format_spec)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return format(value, format_spec)  # our own number formats: nothing in them to escape
        return inline(format(value, format_spec))


_FORMATTER = _Formatter()


def md(template: str, /, *args: Any, **kwargs: Any) -> Md:
    """``template.format(...)`` with every value made inert by :func:`inline`, unless it is :class:`Md` or a number.

    ``template`` is ours (its Markdown is meant); the values are data. Pass :func:`code`,
    :func:`prose` or :func:`fenced` results for other shapes of data, and ``Md(...)`` only for
    Markdown this module or our own code wrote.
    """
    return Md(_FORMATTER.format(template, *args, **kwargs))
