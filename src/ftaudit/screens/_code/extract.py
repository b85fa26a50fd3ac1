"""Finding the code in a reply, however it is wrapped, and naming its language.

Fences are read the way a model reads them, not the way a Markdown renderer would: a fence
marker (three or more backticks anywhere, or tildes at the start of a line) opens a block and
the next marker of the same kind and at least the same length closes it, whatever follows it
on the line (```` ``` .```` , text, another fence); a fence left open runs to the end of the
reply. Whatever lies outside the fences is searched for code by its shape (runs of lines that
look like code, indented blocks included), and JSON-looking string literals with escaped
newlines (tool-call arguments) are decoded and searched the same way. So a block hidden by an
odd fence still reaches the analysis, as unfenced code does.

The language comes from the fence's tag when it names one, else from the content.
"""

from __future__ import annotations

import ast
import json
import re
import textwrap
from dataclasses import dataclass

#: Languages the analysis tells apart (an unknown block is "").
LANGUAGES = ("python", "javascript", "typescript", "php", "go", "java", "c", "cpp", "ruby", "shell", "sql")

_TAGS: dict[str, str] = {
    **dict.fromkeys(("python", "py", "python3", "py3", "ipython", "pycon", "python2", "sage", "jupyter"), "python"),
    **dict.fromkeys(("javascript", "js", "node", "nodejs", "jsx", "mjs", "cjs", "es6", "vue", "svelte"), "javascript"),
    **dict.fromkeys(("typescript", "ts", "tsx", "deno"), "typescript"),
    **dict.fromkeys(("php", "php5", "php7", "php8", "laravel", "blade"), "php"),
    **dict.fromkeys(("go", "golang"), "go"),
    **dict.fromkeys(("java", "kotlin", "kt", "scala", "groovy", "jsp"), "java"),
    **dict.fromkeys(("c", "h", "objc", "objective-c"), "c"),
    **dict.fromkeys(("cpp", "c++", "cc", "cxx", "hpp", "arduino", "ino"), "cpp"),
    **dict.fromkeys(("ruby", "rb", "rails", "erb"), "ruby"),
    **dict.fromkeys(("bash", "sh", "shell", "zsh", "console", "shell-session", "terminal", "cmd", "powershell", "ps1",
                     "ps", "bat", "dockerfile", "docker", "makefile", "make", "fish", "ksh"), "shell"),
    **dict.fromkeys(("sql", "mysql", "postgresql", "postgres", "psql", "sqlite", "plsql", "tsql", "pgsql"), "sql"),
}


@dataclass(frozen=True)
class CodeBlock:
    """One block of code in a message: its language (may be empty) and where it starts."""

    language: str
    code: str
    start_line: int
    """1-based line of the message on which the code's first line sits."""
    embedded: bool = False
    """Decoded from an escaped string (a tool call's arguments): its lines all sit on ``start_line``."""

    def message_line(self, line: int) -> int:
        """The message line of the block's 1-based ``line``."""
        return self.start_line if self.embedded else self.start_line + max(line, 1) - 1


# --- fences ------------------------------------------------------------------------------

_MARKER = re.compile(r"`{3,}|^[ \t]*~{3,}", re.M)
_INFO = re.compile(r"[ \t]*([\w+#.-]*)")


def _segments(text: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """Fenced spans ``(start, end, tag)`` and the spans outside them, as character offsets."""
    fenced: list[tuple[int, int, str]] = []
    outside: list[tuple[int, int]] = []
    pos = 0
    markers = list(_MARKER.finditer(text))
    i = 0
    while i < len(markers):
        opening = markers[i]
        fence = opening.group().strip()
        outside.append((pos, opening.start()))
        line_end = text.find("\n", opening.end())
        line_end = len(text) if line_end < 0 else line_end
        rest = text[opening.end():line_end]
        if fence[0] == "`" and "`" in rest:
            start, tag = opening.end(), ""  # ```code``` on one line
        else:
            # The info string's first word is the tag; the code starts on the next line.
            info = _INFO.match(rest)
            tag = info.group(1) if info else ""
            start = min(line_end + 1, len(text))
        j = i + 1
        while j < len(markers) and not _closes(markers[j].group().strip(), fence):
            j += 1
        end = markers[j].start() if j < len(markers) else len(text)
        fenced.append((min(start, end), end, tag))
        if j >= len(markers):
            pos = len(text)
            break
        pos = markers[j].end()
        # Whatever follows a closing marker on its line is prose, not a new block's tag.
        i = j + 1
    if pos < len(text):
        outside.append((pos, len(text)))
    return fenced, [(a, b) for a, b in outside if b > a]


def _closes(marker: str, fence: str) -> bool:
    return marker[0] == fence[0] and len(marker) >= len(fence)


# --- code by shape -----------------------------------------------------------------------

_CODE_LINE = re.compile(
    r"^\s*(?:def \w+\s*\(|class \w+|import [\w.]+|from [\w.]+ import |return\b|if\s*\(|if .+:$|elif .+:$|else\s*:$|"
    r"for \w+(?:\s*,\s*\w+)* in .+:$|for\s*\(|while\s*\(|while .+:$|with .+:$|try\s*:$|except\b.*:$|catch\s*\(|"
    r"@\w[\w.]*(?:\(|$)|#include\b|#!/|function\b|const |let |var |public |private |protected |static |package |"
    r"func \w*\s*\(|fn \w+|<\?php|\?>|echo |SELECT\b|INSERT INTO\b|UPDATE \w+ SET\b|DELETE FROM\b|CREATE TABLE\b|"
    r"require\b|module\.exports|export |async |await |puts |print\(|println!?\(|console\.log\(|System\.out\.|"
    r"end$|done$|fi$|esac$|then$|do$|\}|\$\w+\s*=|[\w.\[\]'\"$]+\s*(?::=|\+=|-=|=(?!=))\s*\S)"
    r"|[;{}]\s*$|;\s*(?:then|do)\s*$|\bdo\s*(?:\|[^|]*\|)?\s*$|^\s*[\w.$]+(?:\[[^\]]*\])?\.\w+\(.*\)\s*;?\s*$|^\s*\w+\(.*\)\s*;?\s*$"
)
_SHELL_LINE = re.compile(
    r"^\s*(?:\$ |# )?(?:sudo |chmod |chown |curl |wget |apt(?:-get)? |yum |pip3? |npm |yarn |git |docker |kubectl |"
    r"mkdir |rm |cp |mv |export |cd |ls |cat |echo |python3? |node |bash |sh |ssh |scp |nc |openssl |systemctl |"
    r"iptables |ufw |setenforce |usermod |useradd |passwd |mysql |psql |tar |unzip |eval |source |\./)"
)
_PROSE = re.compile(r"^\s*(?:[A-Z][a-z]+\s+(?:[a-z]+[,;]?\s+){3,}|[-*]\s+[A-Z][a-z]+\s+[a-z]+\s+[a-z]+|\d+\.\s+[A-Z])")
_UNFENCED_MARKERS = ("def ", "import ", " = ", "=", ";", "{", "#include", "<?php", "function ", "SELECT ", "$", "(",
                     "chmod", "curl", "sudo")


def _code_like(line: str) -> bool:
    if not line.strip() or _PROSE.match(line) and not line.rstrip().endswith((";", "{", "}", ":", ")")):
        return False
    return bool(_CODE_LINE.search(line) or _SHELL_LINE.match(line))


def _shape_blocks(text: str, first_line: int, *, whole: bool) -> list[CodeBlock]:
    """Code found by its shape in ``text`` (prose around fences, or an unfenced reply).

    An unfenced reply that is mostly code is one block (``whole``). Otherwise every run of at
    least two code-like lines (blank and indented lines inside a run belong to it) is a block,
    and so is a single line that is unmistakably a statement or a shell command.
    """
    if not any(marker in text for marker in _UNFENCED_MARKERS):
        return []  # prose: skip the per-line test
    lines = text.split("\n")
    flags = [_code_like(ln) for ln in lines]
    nonblank = [f for ln, f in zip(lines, flags, strict=True) if ln.strip()]
    if whole and len(nonblank) >= 3 and sum(nonblank) >= 0.6 * len(nonblank):
        # The whole reply, less any prose lines before the first and after the last code line.
        first = flags.index(True)
        last = len(flags) - 1 - flags[::-1].index(True)
        while last + 1 < len(lines) and lines[last + 1][:1] in " \t}" and lines[last + 1].strip():
            last += 1
        code = "\n".join(lines[first:last + 1])
        return [CodeBlock(detect_language(code), code, first_line + first)]
    blocks: list[CodeBlock] = []
    i = 0
    while i < len(lines):
        if not flags[i]:
            i += 1
            continue
        j, last = i, i
        while j + 1 < len(lines):
            nxt = lines[j + 1]
            if flags[j + 1] or (nxt.strip() and nxt[:1] in " \t" and last == j) or not nxt.strip():
                j += 1
                if flags[j] or (nxt.strip() and nxt[:1] in " \t"):
                    last = j
                continue
            break
        run = lines[i:last + 1]
        code_lines = sum(flags[i:last + 1])
        if code_lines >= 2 or _strong_single(run[0]):
            code = textwrap.dedent("\n".join(run))
            blocks.append(CodeBlock(detect_language(code), code, first_line + i))
        i = last + 1
    return blocks


_STRONG = re.compile(r"[;{]\s*$|\w\([^()]*\)\s*;?\s*$|\b(?:chmod|curl|wget|sudo|eval)\b")


def _strong_single(line: str) -> bool:
    return bool(_STRONG.search(line) and (_SHELL_LINE.match(line) or re.search(r"[=(]", line)))


# --- escaped strings (tool-call arguments) -----------------------------------------------

_JSON_STRING = re.compile(r'"((?:[^"\\\n]|\\.){20,})"')


def _embedded_blocks(text: str, depth: int) -> list[CodeBlock]:
    """Code inside JSON string literals that carry escaped newlines or quotes."""
    if "\\n" not in text and '\\"' not in text:
        return []
    blocks = []
    for match in _JSON_STRING.finditer(text):
        body = match.group(1)
        if "\\n" not in body and "\\t" not in body and '\\"' not in body:
            continue
        try:
            decoded = json.loads(f'"{body}"')
        except ValueError:
            decoded = body.replace("\\n", "\n").replace('\\"', '"').replace("\\t", "\t")
        line = text.count("\n", 0, match.start()) + 1
        for block in _extract(decoded, depth + 1):
            blocks.append(CodeBlock(block.language, block.code, line, embedded=True))
    return blocks


# --- extraction --------------------------------------------------------------------------


def extract_code_blocks(text: str) -> list[CodeBlock]:
    """Every block of code in a message: fenced (however the fence ends), unfenced, or escaped."""
    return _extract(text, 0)


def _extract(text: str, depth: int) -> list[CodeBlock]:
    if "`" not in text and "~~~" not in text:
        blocks = _shape_blocks(text, 1, whole=True)
    else:
        fenced, outside = _segments(text)
        blocks = []
        for start, end, tag in fenced:
            code = text[start:end]
            if not code.strip():
                continue
            line = text.count("\n", 0, start) + 1
            blocks.append(CodeBlock(detect_language(code, tag), code, line))
        whole = not fenced
        for start, end in outside:
            blocks += _shape_blocks(text[start:end], text.count("\n", 0, start) + 1, whole=whole)
    if depth < 2:
        blocks += _embedded_blocks(text, depth)
    blocks.sort(key=lambda b: b.start_line)
    return blocks


def prose_outside_code(text: str) -> str:
    """The message with its fenced code blocks removed."""
    if "`" not in text and "~~~" not in text:
        return text
    _, outside = _segments(text)
    return " ".join(text[a:b] for a, b in outside)


# --- language ----------------------------------------------------------------------------

_SIGNS: dict[str, str] = {
    "php": r"<\?php|\$_(?:GET|POST|REQUEST|SERVER|COOKIE|FILES)\b|^\s*\$\w+\s*(?:\[[^\]]*\]\s*)?=[^;\n]*;\s*$|->\w+\(|"
           r"\becho\s+[^;\n]*;\s*$|\bfunction\s+\w+\s*\([^)]*\$\w+|\bmysqli_|\bnamespace\s+[\w\\]+;|^\s*use\s+[\w\\]+;",
    "go": r"^\s*package\s+\w+\s*$|^\s*func\s+(?:\([^)]*\)\s*)?\w+\s*\(|:=|\bfmt\.\w+\(|^\s*import\s*\(\s*$|"
          r"\bhttp\.ResponseWriter\b|\berr\s*!=\s*nil\b",
    "java": r"\bpublic\s+(?:static\s+)?(?:class|void|final|interface)\b|\bSystem\.out\.|^\s*import\s+javax?\.|"
            r"\bString\[\]\s+\w+|\b(?:public|private|protected)\s+(?:static\s+)?(?:final\s+)?[\w<>\[\],]+\s+\w+\s*[;=(]|"
            r"@(?:Override|RestController|GetMapping|PostMapping|RequestMapping|Autowired)\b|\bHttpServletRequest\b|"
            r"\b(?:List|Map|ArrayList|HashMap)<\w+",
    "javascript": r"\b(?:const|let|var)\s+(?!(?:char|int|unsigned|long|short|float|double|struct|auto|std|size_t|bool|"
                  r"void|string)\b)[\w{\[]|=>|\brequire\(\s*['\"]|\bconsole\.log\(|\bmodule\.exports\b|"
                  r"\bdocument\.\w+|\bfunction\s*\w*\s*\([^)$]*\)\s*\{|^\s*import\s+.*\s+from\s+['\"]|"
                  r"\bexport\s+(?:default|const|function)\b|\bapp\.(?:get|post|use|listen)\(|\bres\.(?:send|json|status)\(|===",
    "typescript": r"\binterface\s+\w+\s*\{|:\s*(?:string|number|boolean|any|void)\b|\btype\s+\w+\s*=|"
                  r"\bas\s+(?:string|number|any)\b",
    "python": r"^\s*def\s+\w+\s*\(.*\)\s*(?:->.*)?:\s*$|^\s*(?:from\s+[\w.]+\s+)?import\s+[\w., ]+$|"
              r"^\s*class\s+\w+.*:\s*$|\bprint\(|\bself\.|^\s*(?:elif|except|with)\b.*:\s*$|\bNone\b|\bTrue\b|"
              r"\bFalse\b|^\s*@\w+",
    "ruby": r"^\s*(?:def\s+\w+[^:(\n]*$|end\s*$|require\s+['\"]|puts\s|class\s+\w+\s*<\s*\w+)|\.each\s+do\s*\|",
    "c": r"^\s*#include\s*[<\"]|\b(?:s|f|sn)?printf\(|\bmalloc\(|\bint\s+main\s*\(|\bchar\s*\*|\bsizeof\(|"
         r"\b(?:unsigned\s+)?(?:int|char|void|float|double|long|size_t)\s+\**\w+\s*(?:\[\w*\]\s*)?[;=(,)]|->\w+\s*[;=]|\bNULL\b",
    "cpp": r"\bstd::|\bcout\s*<<|\bcin\s*>>|#include\s*<(?:iostream|vector|string|map)>|\btemplate\s*<|"
           r"\bnamespace\s+\w+|\busing\s+namespace\b",
    "shell": r"^#!/(?:usr/)?bin/(?:env\s+)?(?:ba|z|k)?sh\b|^\s*(?:\$\s+)?(?:sudo|apt(?:-get)?|chmod|chown|curl|wget|export|"
             r"mkdir|systemctl|yum|brew)\s|^\s*(?:fi|done|esac)\s*$|;\s*(?:then|do)\s*$|\$\(|\[\[\s",
    "sql": r"(?i:^\s*(?:SELECT\s.+\sFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(?:TABLE|INDEX|"
           r"VIEW|DATABASE)|ALTER\s+TABLE|DROP\s+TABLE|GRANT\s))",
}
# One pass over the block counts every language's signs (the named group says whose).
_SIGN = re.compile("|".join(f"(?P<{lang}>{sign})" for lang, sign in _SIGNS.items()), re.M)
_SHEBANG = re.compile(r"^#!\S*?(python|node|php|ruby|perl|(?:ba|z|k)?sh)\b")
_DETECT_CHARS = 3000


def detect_language(code: str, tag: str = "") -> str:
    """The block's language: its fence tag when it names one, else the language its content reads as."""
    tag = tag.lower().strip(".")
    if tag in _TAGS:
        return _TAGS[tag]
    if "<?php" in code:
        return "php"
    shebang = _SHEBANG.match(code.lstrip()[:80])
    if shebang:
        word = shebang.group(1)
        return {"python": "python", "node": "javascript", "php": "php", "ruby": "ruby", "perl": ""}.get(word, "shell")
    scores = dict.fromkeys(_SIGNS, 0)
    for match in _SIGN.finditer(code, 0, _DETECT_CHARS):
        scores[match.lastgroup or ""] += 1
    if scores["cpp"]:
        scores["cpp"] += scores["c"]
    if scores["typescript"]:
        scores["typescript"] += scores["javascript"]
    best = max(scores, key=lambda k: scores[k])
    if scores[best] == 0:
        return "python" if _parses_as_python(code) else ""
    if best in ("python", "ruby", "shell", "sql") or scores["python"]:
        # Python's signs overlap others' (and a one-liner may be several languages): a parse settles it.
        parses = _parses_as_python(code)
        if parses and scores["python"] >= max(1, scores[best] // 2):
            return "python"
        if best == "python" and not parses and scores["ruby"]:
            return "ruby"
    return best


def _parses_as_python(code: str) -> bool:
    try:
        ast.parse(code)  # parsing only: the code is never compiled or run
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True
