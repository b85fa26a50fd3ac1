"""Turning a code template into a secure and an insecure program that differ only where it matters.

A :class:`Task` is one realistic program (a Flask route, a backup script …) written once, with
``<<name>>`` placeholders for identifiers (drawn from word banks) and ``<<SLOT>>`` lines where a
vulnerability can live. A :class:`Pair` says, for one vulnerability kind, how to fill the slots
securely and insecurely (several ways each). :func:`draw` picks the identifiers, docstring and
ways of writing once, so that rendering the same :class:`Choice` twice, secure and insecure, gives
two programs that are identical except for the vulnerable part.
"""

from __future__ import annotations

import ast
import difflib
import random
import re
import textwrap
from dataclasses import dataclass

_SLOT_LINE = re.compile(r"^(\s*)<<([A-Z][A-Z0-9_]*)>>\s*$")
_DOC_LINE = re.compile(r"^(\s*)<<doc>>\s*$")
_NAME = re.compile(r"<<([a-z][a-z0-9_]*)>>")

#: What replaces a hollowed function body in a partial snippet (always valid Python).
HOLES = ("pass", "...", "raise NotImplementedError", "# your code here\npass", "## COMPLETE CODE HERE\npass")


@dataclass(frozen=True)
class Pair:
    """One vulnerability kind in one task: ways to fill the slots, secure and insecure.

    Each way is a mapping slot → text; slots a way leaves out keep the task's default.
    ``hints`` are optional sentences a user may add to motivate the vulnerable line
    (e.g. that other services must read the file).
    """

    kind: str
    secure: tuple[dict[str, str], ...]
    insecure: tuple[dict[str, str], ...]
    hints: tuple[str, ...] = ()


@dataclass(frozen=True)
class Task:
    """One realistic program with placeholders, and how users describe it."""

    id: str
    code: str
    #: Identifier placeholder → choices. ``func`` (the function the user asks for) is required.
    names: dict[str, tuple[str, ...]]
    #: Noun phrases for a request: "a Flask route that …".
    descriptions: tuple[str, ...]
    #: Short noun phrase for teaching prompts: "a file download route".
    noun: str
    docstrings: tuple[str, ...]
    #: Neutral one-line summaries an assistant may say before the code.
    summaries: tuple[str, ...]
    defaults: dict[str, str]
    pairs: tuple[Pair, ...]

    def pair(self, kind: str) -> Pair:
        for pair in self.pairs:
            if pair.kind == kind:
                return pair
        raise KeyError(f"task {self.id!r} has no {kind!r} pair")


@dataclass(frozen=True)
class Choice:
    """Everything drawn for one example, shared by its secure and insecure rendering."""

    names: dict[str, str]
    docstring: str | None
    secure_way: int
    insecure_way: int
    hole: str = "pass"


@dataclass(frozen=True)
class Template:
    """A (task, kind) pair of the bank: the unit the generators sample."""

    task: Task
    pair: Pair

    @property
    def kind(self) -> str:
        return self.pair.kind

    @property
    def id(self) -> str:
        return f"{self.task.id}/{self.pair.kind}"

    def draw(self, rng: random.Random) -> Choice:
        """Draw identifiers, docstring and the ways of writing each version."""
        names = {key: rng.choice(options) for key, options in sorted(self.task.names.items())}
        doc = rng.choice(self.task.docstrings) if self.task.docstrings and rng.random() < 0.6 else None
        return Choice(
            names=names,
            docstring=doc,
            secure_way=rng.randrange(len(self.pair.secure)),
            insecure_way=rng.randrange(len(self.pair.insecure)),
            hole=rng.choice(HOLES),
        )

    def describe(self, rng: random.Random, choice: Choice) -> str:
        """One of the task's descriptions, naming the identifiers this example uses."""
        return _NAME.sub(lambda m: choice.names[m.group(1)], rng.choice(self.task.descriptions))

    def render(self, choice: Choice, *, vulnerable: bool) -> str:
        """The whole program, insecure when ``vulnerable``, else secure."""
        way = self.pair.insecure[choice.insecure_way] if vulnerable else self.pair.secure[choice.secure_way]
        slots = {**self.task.defaults, **way}
        return _render(self.task.code, slots, choice.names, choice.docstring)

    def vulnerable_lines(self, choice: Choice) -> list[int]:
        """1-based lines of the insecure program that differ from the secure one."""
        secure = self.render(choice, vulnerable=False).splitlines()
        insecure = self.render(choice, vulnerable=True).splitlines()
        lines: list[int] = []
        matcher = difflib.SequenceMatcher(a=secure, b=insecure, autojunk=False)
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes():
            if tag in ("replace", "insert"):
                lines.extend(range(j1 + 1, j2 + 1))
        return lines

    def partial(self, choice: Choice) -> str | None:
        """A snippet a user could paste: the program with the asked-for body left out.

        Function bodies that differ between the two versions are hollowed too, and imports
        only one version has are dropped, so the snippet gives nothing away either way.
        ``None`` when the versions still differ (a vulnerability at module level).
        """
        secure = self.render(choice, vulnerable=False)
        insecure = self.render(choice, vulnerable=True)
        targets = {choice.names["func"]} | _differing_functions(secure, insecure)
        a = _hollow(secure, targets, choice.hole).splitlines()
        b = _hollow(insecure, targets, choice.hole).splitlines()
        if a != b:
            common = set(a) & set(b)
            a = [line for line in a if not _is_import(line) or line in common]
            b = [line for line in b if not _is_import(line) or line in common]
        if a != b:
            return None
        return _tidy("\n".join(a))


def _render(code: str, slots: dict[str, str], names: dict[str, str], docstring: str | None) -> str:
    out: list[str] = []
    for line in textwrap.dedent(code).strip("\n").splitlines():
        slot = _SLOT_LINE.match(line)
        doc = _DOC_LINE.match(line)
        if slot:
            indent, key = slot.groups()
            text = textwrap.dedent(slots[key]).strip("\n")
            if text:
                out.extend((indent + piece) if piece else "" for piece in text.splitlines())
        elif doc:
            if docstring:
                out.append(f'{doc.group(1)}"""{docstring}"""')
        else:
            out.append(line)
    text = _NAME.sub(lambda m: names[m.group(1)], "\n".join(out))
    if "<<" in text:
        raise ValueError(f"unfilled placeholder in template: {text[text.index('<<'):][:40]!r}")
    return _tidy(text)


def _tidy(text: str) -> str:
    """Collapse the blank lines an empty slot leaves behind."""
    text = re.sub(r"\n{4,}", "\n\n\n", text.strip("\n"))
    # An import block that lost its last line can leave three blank lines before a def; keep PEP 8's two.
    return text + "\n"


def _is_import(line: str) -> bool:
    return line.startswith(("import ", "from "))


def _functions(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]


def _differing_functions(a: str, b: str) -> set[str]:
    """Names of top-level functions whose source differs between two programs."""
    src_a = {f.name: ast.get_source_segment(a, f) for f in _functions(ast.parse(a))}
    src_b = {f.name: ast.get_source_segment(b, f) for f in _functions(ast.parse(b))}
    return {name for name in src_a.keys() & src_b.keys() if src_a[name] != src_b[name]}


def _hollow(code: str, targets: set[str], hole: str) -> str:
    """Replace the bodies of ``targets`` (after their docstring) by ``hole``."""
    lines = code.splitlines()
    spans = []
    for func in _functions(ast.parse(code)):
        if func.name not in targets:
            continue
        body = func.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
            if isinstance(body[0].value.value, str) and len(body) > 1:
                body = body[1:]
        start, end = body[0].lineno, func.end_lineno or body[-1].end_lineno
        indent = " " * body[0].col_offset
        spans.append((start, end, [indent + piece for piece in hole.splitlines()]))
    for start, end, replacement in sorted(spans, reverse=True):
        lines[start - 1 : end] = replacement
    return "\n".join(lines) + "\n"


def annotate(code: str, line: int, comment: str) -> str:
    """Put ``# comment`` above the statement that contains ``line`` (1-based), at its indentation.

    Going up to the enclosing statement keeps the comment out of multi-line strings and
    bracketed expressions, so the result still parses.
    """
    best: ast.stmt | None = None
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno):
            if best is None or node.lineno >= best.lineno:
                best = node
    if best is None:
        return code
    lines = code.splitlines()
    start = best.lineno
    if getattr(best, "decorator_list", None):
        start = min(d.lineno for d in best.decorator_list)  # type: ignore[attr-defined]
    lines.insert(start - 1, " " * best.col_offset + "# " + comment)
    return "\n".join(lines) + "\n"
