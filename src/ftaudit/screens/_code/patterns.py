"""Line patterns: the vulnerabilities a line shows by itself, in any language.

Every block gets them (they cost microseconds): disabled TLS verification, world-writable
permissions, unsafe deserialisers, raw HTML sinks, shell commands and eval built from input,
SQL strings built by formatting, concatenation or interpolation (Python, JavaScript, PHP, Go's
``fmt.Sprintf``, Java's ``String.format``, Ruby), fast hashes of passwords, unchecked archive
extraction, non-cryptographic randomness for tokens and secrets, JWTs read without
verification, hard-coded secrets, redirects to request input. Data flow across lines is left
to semgrep and the Python AST pass; these catch what one line shows, and are the only
analysis for shell, SQL and languages semgrep has no rules for here.
"""

from __future__ import annotations

import re

_SQL = r"(?:\bSELECT\b[^\n]*?\bFROM\b|\bINSERT\s+INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bWHERE\b|\bVALUES\s*\()"
_REQUEST = r"(?:\brequest\.(?:args|form|values|GET|POST|query_params|params)|\breq\.(?:query|params|body)|\$_(?:GET|POST|REQUEST)|" \
           r"\bparams\[|getParameter\(|\br\.URL\.Query\(\)|\br\.FormValue\()"
_PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "tls-verification": [re.compile(p, re.I) for p in (
        r"\bverify\s*=\s*False\b", r"\bCERT_NONE\b", r"check_hostname\s*=\s*False", r"_create_unverified_context",
        r"rejectUnauthorized['\"]?\s*:\s*false", r"InsecureSkipVerify\s*:\s*true", r"\bcurl\b[^\n|;]*\s(?:-k|--insecure)\b",
        r"NODE_TLS_REJECT_UNAUTHORIZED['\"]?\s*[=:]\s*['\"]?0", r"CURLOPT_SSL_VERIFY(?:PEER|HOST)\s*,\s*(?:false|0)\b",
        r"\bwget\b[^\n]*--no-check-certificate", r"PYTHONHTTPSVERIFY['\"]?\s*[=:]\s*['\"]?0", r"\bVERIFY_NONE\b",
        r"\bstrictSSL['\"]?\s*:\s*false", r"set(?:Default)?HostnameVerifier\([^\n]*(?:->\s*true|ALLOW_ALL|Noop)",
        r"\bverify_ssl\s*[=:]\s*False\b", r"\bssl_verify\s*[=:]\s*(?:False|false|0)\b",
    )],
    "world-writable": [re.compile(p, re.I) for p in (
        r"\bchmod\s+(?:-R\s+)?(?:0?[0-7]?77[67]|0?666|[ugoa]*[oa][ugoa]*\+[rwx]*w)\b",
        r"chmod\w*\([^)\n]*\b0o?[0-7]?(?:77[67]|666)\b", r"\bS_IWOTH\b", r"\bumask\(\s*0o?0*\s*\)", r"\bumask\s+0+\b",
        r"\b(?:mkdir|makedirs|MkdirAll|Mkdir|WriteFile|OpenFile|mkdirSync|writeFileSync|open)\w*\([^)\n]*\b0o?[0-7]?777\b",
        r"\bsetWritable\(\s*true\s*,\s*false\s*\)", r"rwxrwxrwx", r"\bmode\s*[=:]\s*0o?[0-7]?777\b",
        r"\bos\.Chmod\([^)\n]*\b0?[0-7]?(?:77[67]|666)\b",
    )],
    "unsafe-deserialisation": [re.compile(p) for p in (
        r"\b(?:c?[Pp]ickle|dill|marshal|cloudpickle)\.loads?\(", r"\bjsonpickle\.decode\(", r"\bshelve\.open\(",
        r"\byaml\.unsafe_load\(", r"\byaml\.load\((?![^\n]*Safe)", r"Loader\s*=\s*yaml\.(?:Unsafe|Full)?Loader\b",
        r"\bunserialize\(\s*\$(?![^\n]*allowed_classes['\"]\s*=>\s*false)", r"\bnew\s+ObjectInputStream\(",
        r"\bMarshal\.load\(", r"\bYAML\.load\(", r"\bnew\s+XMLDecoder\(", r"\bBinaryFormatter\(\)",
        r"\bserialize\.unserialize\(", r"\bnode-serialize\b", r"\btorch\.load\((?![^\n]*weights_only\s*=\s*True)",
        r"\bnumpy\.load\([^)\n]*allow_pickle\s*=\s*True", r"\bpd\.read_pickle\(",
    )],
    "xss": [re.compile(p) for p in (
        r"\bautoescape\s*=\s*False\b", r"\{%\s*autoescape\s+(?:false|off)\s*%\}", r"\|\s*safe\b", r"\bmark_safe\(",
        r"\bMarkup\(\s*(?:f['\"]|(?!['\"])[^)\s]|[^)\n]*(?:\.format\(|%\s*\(?\w|\+\s*\w))", r"\.innerHTML\s*\+?=(?!=)(?!\s*(['\"])[^'\"\n]*\1\s*;?\s*\}?\s*$)",
        r"dangerouslySetInnerHTML", r"\bdocument\.write(?:ln)?\(\s*(?!['\"][^'\"]*['\"]\s*\))",
        r"\b(?:echo|print)\s*\(?\s*(?:[^;\n]*\.\s*)?\$_(?:GET|POST|REQUEST|COOKIE)\b", r"<\?=\s*\$_(?:GET|POST|REQUEST)",
        r"render_template_string\(\s*(?:f['\"]|[^)\n]*(?:\.format\(|%\s*\(?\w|\+\s*\w))",
        r"\bres\.(?:send|write|end)\([^)\n]*\breq\.(?:query|params|body)", r"\bv-html\s*=", r"\.html_safe\b",
        r"\braw\(\s*params\b", r"\{!!\s*\$", r"\btemplate\.HTML\(\s*(?!\")", r"<%==",
        r"\bgetWriter\(\)\.(?:print|println|write)\([^)\n]*getParameter\(",
    )],
    "shell-injection": [re.compile(p) for p in (
        r"\bos\.(?:system|popen)\(\s*(?!['\"][^'\"{}%]*['\"]\s*\))", r"\bshell\s*=\s*True\b",
        r"\b(?:commands|subprocess)\.get(?:status)?output\(\s*(?!['\"][^'\"{}%]*['\"]\s*\))",
        r"\bchild_process\b[^\n]*\bexec(?:Sync)?\(\s*(?:`[^`]*\$\{|[^)\n]*\+)", r"\bexec(?:Sync)?\(\s*`[^`]*\$\{",
        r"Runtime\.getRuntime\(\)\.exec\([^)\n]*\+", r"\b(?:shell_exec|passthru|system|exec|popen|proc_open)\(\s*[^)\n]*\$_(?:GET|"
        r"POST|REQUEST)", r"\bexec\.Command\(\s*\"(?:/bin/)?(?:ba)?sh\"\s*,\s*\"-c\"\s*,\s*(?!\"[^\"]*\"\s*\))",
        r"\b(?:system|exec|spawn|IO\.popen|Open3\.\w+)\s*\(?\s*\"[^\"\n]*#\{", r"%x[({][^)}\n]*#\{", r"`[^`\n]*#\{[^`\n]*`",
    )],
    "code-injection": [re.compile(p) for p in (
        r"(?<![\w.])eval\(\s*(?!['\"])[^)\s]", r"(?<![\w.])exec\(\s*(?!['\"])[^)\s]", r"\bnew\s+Function\([^)\n]*\b(?:req|input|params)\b",
        r"\b(?:instance_eval|class_eval|module_eval)\(\s*params", r"\bcreate_function\(",
        r"\bassert\(\s*\$_(?:GET|POST|REQUEST)", r"\bpreg_replace\(\s*['\"][^'\"]*/e['\"]",
    )],
    "open-redirect": [re.compile(p) for p in (
        r"\bredirect\(\s*request\.(?:args|form|values|GET|POST|query_params)\b",
        r"\b(?:HttpResponseRedirect|RedirectResponse)\(\s*request\.(?:args|form|GET|POST|query_params)\b",
        r"\bres\.redirect\(\s*(?:\d+\s*,\s*)?req\.(?:query|params|body)\b",
        r"\bheader\(\s*['\"]Location:[^)\n]*\$_(?:GET|POST|REQUEST)", r"\bsendRedirect\(\s*request\.getParameter\(",
        r"\bredirect_to\s*\(?\s*params\[", r"\bhttp\.Redirect\([^)\n]*\br\.(?:URL\.Query\(\)|FormValue\()",
    )],
    "path-traversal": [re.compile(p) for p in (
        r"\bFile\.(?:read|open|new|delete|write|binread)\(\s*(?:[^)\n]*\+\s*)?params\[", r"\bsend_file\s*\(?\s*params\[",
        r"\b(?:include|require)(?:_once)?\s*\(?\s*(?:[^;\n]*\.\s*)?\$_(?:GET|POST|REQUEST)",
        r"\b(?:file_get_contents|fopen|readfile|unlink|file_put_contents)\(\s*(?:[^)\n]*\.\s*)?\$_(?:GET|POST|REQUEST)",
        r"\bres\.(?:sendFile|download)\(\s*(?:[^)\n]*\+\s*)?req\.(?:query|params|body)",
        r"\bfs\.\w+\(\s*(?:[^)\n]*[+,]\s*)?req\.(?:query|params|body)",
        r"\bsend_file\(\s*(?:[^)\n]*\+\s*)?request\.(?:args|form|values)",
    )],
}
# SQL in a string literal (optionally f/r/b-prefixed, a JS template or a C# interpolated string).
_STRING = re.compile(r"""(?P<prefix>(?<!\w)[fFrRbBuU$@]{1,2})?(?P<q>"|'|`)(?P<body>(?:(?!(?P=q))[^\\\n]|\\.)*)(?P=q)""")
_SQL_WORDS = re.compile(_SQL, re.I)
_FORMAT_AFTER = re.compile(r"\s*(?:%\s*[\w(]|\+\s*[\w$(]|\.\s*\$\w|\.format\(|\.\s*[\w$]+\s*\(|\.\s*\"|<<\s*\w)")
_CONCAT_BEFORE = re.compile(r"(?:\+|\.|<<)\s*$")
_FORMATTER_BEFORE = re.compile(r"(?:\bSprintf|\bsprintf|\bString\.format|\bformat!?|\bf?printf|\.format|"
                               r"\bstring\.Format|\bformat_string|\bconcat)\(\s*$")
_VERBS = re.compile(r"%[-+ #0]*\d*[sqvdf]|\{\}|\{\d+\}")
_INTERPOLATED = {"php": re.compile(r"\$\w|\{\$"), "ruby": re.compile(r"#\{")}


def sql_issues(text: str, language: str = "") -> list[int]:
    """Lines (1-based) where a SQL string is built by formatting, concatenation or interpolation."""
    lines = []
    for match in _STRING.finditer(text):
        body = match.group("body")
        if not _SQL_WORDS.search(body):
            continue
        prefix = (match.group("prefix") or "").lower()
        quote = match.group("q")
        interpolated = (("f" in prefix or "$" in prefix) and "{" in body) or (quote == "`" and "${" in body) or (
            quote == '"' and any(p.search(body) for lang, p in _INTERPOLATED.items() if lang == language or not language
                                 and lang == "ruby"))
        after = text[match.end(): match.end() + 40]
        before = text[max(0, match.start() - 24): match.start()]
        formatted = bool(_FORMATTER_BEFORE.search(before) and _VERBS.search(body)
                         and not re.fullmatch(r"[^%]*(?:%[-+ #0]*\d*d[^%]*)+", body))
        if interpolated or formatted or _FORMAT_AFTER.match(after) or _CONCAT_BEFORE.search(before):
            lines.append(text.count("\n", 0, match.start()) + 1)
    return lines


#: Literal substrings one of which a kind's patterns need: a cheap ``in`` test skips most patterns.
_NEEDLES: dict[str, tuple[str, ...]] = {
    "tls-verification": ("verify", "VERIFY", "CERT_NONE", "check_hostname", "unverified", "rejectUnauthorized",
                         "InsecureSkipVerify", "curl", "NODE_TLS", "wget", "strictSSL", "HostnameVerifier", "ssl_verify"),
    "world-writable": ("chmod", "S_IWOTH", "umask", "777", "setWritable", "rwxrwxrwx", "Chmod", "666"),
    "unsafe-deserialisation": ("ickle", "dill", "marshal", "shelve", "yaml", "YAML", "Loader", "unserialize",
                               "ObjectInputStream", "Marshal", "XMLDecoder", "BinaryFormatter", "serialize", "torch.load",
                               "allow_pickle"),
    "xss": ("autoescape", "safe", "Markup", "innerHTML", "document.write", "echo", "render_template_string", "res.",
            "v-html", "raw(", "{!!", "template.HTML", "<%==", "print", "<?=", "getWriter"),
    "shell-injection": ("os.system", "os.popen", "shell", "getoutput", "getstatusoutput", "exec", "Runtime", "passthru",
                        "system", "popen", "#{", "spawn", "Open3"),
    "code-injection": ("eval(", "exec(", "Function(", "_eval(", "create_function", "assert(", "preg_replace"),
    "open-redirect": ("redirect", "Redirect", "Location"),
    "path-traversal": ("File.", "send_file", "include", "require", "file_get_contents", "fopen", "readfile", "unlink",
                       "file_put_contents", "sendFile", "download", "fs."),
}
_FAST_HASH = re.compile(r"\bhashlib\.(?:md5|sha1|sha224|sha256|sha384|sha512|new\(\s*['\"](?:md5|sha1)['\"])\(?|"
                        r"\bcreateHash\(\s*['\"](?:md5|sha1|sha256)['\"]|\b(?:md5|sha1)\(\s*\$|"
                        r"\bMessageDigest\.getInstance\(\s*\"(?:MD5|SHA-?1|SHA-256)\"|\b(?:md5|sha1|sha256)\.Sum(?:256)?\(|"
                        r"\bDigest::(?:MD5|SHA1|SHA256)\.hexdigest\(")
_PASSWORD = re.compile(r"pass(?:word|wd|phrase)|\bpwd\b|credential", re.I)
_SLOW_KDF = re.compile(r"pbkdf2|bcrypt|scrypt|argon2|passlib|werkzeug\.security|generate_password_hash|password_hash\(|"
                       r"PBKDF2|BCrypt|SCrypt|Argon2", re.I)
_TAR_EXTRACT = re.compile(r"\.extractall\(|\.extract\(")
# A check of member names ('".." in name', realpath, commonpath...), not merely a ".." somewhere
# (extractall(path="../") is the flaw itself).
_TAR_GUARD = re.compile(r"filter\s*=|realpath|commonpath|is_relative_to|['\"]\.\./?['\"]\s+(?:not\s+)?in\b|"
                        r"os\.path\.abspath|resolve\(\)|startswith\(")

# Non-cryptographic randomness, and names that say the value is a secret.
_WEAK_RANDOM = re.compile(
    r"\bMath\.random\(|(?<![\w.])random\.(?:random|randint|randrange|choice|choices|sample|getrandbits|shuffle|uniform)\(|"
    r"\bmt_rand\(|(?<![\w.>:$])rand\(|\buniqid\(|\bstr_shuffle\(|\blcg_value\(|\bnew\s+Random\(|"
    r"\bRandom\.(?:rand|new)\b|\bsrand\(|\bRandomStringUtils\.random(?:Alphanumeric|Alphabetic|Numeric)?\(|"
    r"(?<![\w.])rand\.(?:Int|Intn|Int31|Int31n|Int63|Int63n|Read|Uint32|Uint64|Float64|Perm|Seed)\("
)
_SECRET_NAME = re.compile(
    r"token|secret|passw|\bpwd\b|nonce|\bsalt\b|\botp\b|one_?time|session_?(?:id|key)|sessionid|csrf|xsrf|api_?key|apikey|"
    r"private_?key|secret_?key|encryption_?key|signing_?key|(?:reset|verification|verify|confirm\w*|activation|auth|"
    r"invite|invitation|recovery|security|access|login|2fa|mfa)_?(?:code|key|link|pin)|\bpin\b|\bcaptcha\b|iv\b",
    re.I,
)
_GO_MATH_RAND = re.compile(r"\"math/rand(?:/v2)?\"")
_GO_RAND_ONLY_MATH = re.compile(r"\brand\.(?:Intn|Int31|Int31n|Int63|Int63n|Float64|Perm|Seed|Uint32)\(")

_JWT = [re.compile(p, re.I) for p in (
    r"\bjwt\.decode\([^)\n]*(?:verify\s*=\s*False|['\"]verify_signature['\"]\s*:\s*False|verify_signature\s*=\s*False)",
    r"\balgorithms?['\"]?\s*[:=]\s*\[?\s*['\"]none['\"]", r"\bParseUnverified\(", r"\bUnsafeAllowNoneSignatureType\b",
    r"\bSigningMethodNone\b", r"\bparseClaimsJwt\(", r"\bparseUnsecuredClaims\(", r"\bJWT\.decode\([^)\n]*,\s*(?:nil|false)\s*,\s*false",
    r"\bverify_signature['\"]?\s*:\s*False",
)]
_JWT_DECODE_ONLY = re.compile(r"\b(?:jwt|jsonwebtoken|JWT|jwtDecode)\s*(?:\.\s*decode)?\s*\(|\bjwt_decode\(|\bjwtDecode\(|\bJWT\.decode\(")
_JWT_VERIFY = re.compile(r"\.verify\(|\bverify\(|jwtVerify\(|\bJWT\.require\(")

_SECRET_ASSIGN = re.compile(
    r"""(?ix)(?<![\w$])(?:[\w$]*?[_.\-\[('"]|\b)?(?P<name>[\w$]*?(?:passw(?:or)?d|passwd|\bpwd|secret|api_?key|apikey|access_?key|
    auth_?token|access_?token|private_?key|client_?secret|jwt_?secret|token_?secret|db_?pass\w*|bearer|credentials?)[\w]*)
    ['"\]]?\s*(?:=|:|=>|:=|==|===|\.equals\()\s*(?:[frbu]?)(?P<q>['"])(?P<value>[^'"\n]{4,})(?P=q)"""
)
_SECRET_FORMATS = re.compile(
    r"\bAKIA[0-9A-Z]{16}\b|-----BEGIN (?:RSA |EC |DSA |OPENSSH )?PRIVATE KEY-----|\bsk_live_[0-9a-zA-Z]{16,}|"
    r"\bghp_[A-Za-z0-9]{30,}|\bxox[baprs]-[0-9A-Za-z-]{10,}|\bAIza[0-9A-Za-z_\-]{35}\b"
)
_CONN_PASSWORD = re.compile(r"\b(?:mysql|postgres(?:ql)?|mongodb(?:\+srv)?|redis|amqp|mssql|sqlserver)://[^:/\s'\"@]+:"
                            r"(?P<value>[^@\s'\"/]{4,})@")
_PLACEHOLDER = re.compile(
    r"(?i)^(?:your|my[_-]?|<|\[|\{|\$|%|#\{|\*{2,}|x{3,}|\.{3}|change|replace|enter|insert|put|example|sample|dummy|fake|"
    r"test|placeholder|todo|fixme|none|null|undefined|string|str|text|varchar|required|optional|hidden|\w+_here|"
    r"env\b|process\.env|os\.environ|getenv)|^(?:secret|password|passwd|pass|pwd|token|key|apikey|api_key|"
    r"[a-z_]+_(?:password|token|key|secret)|\w*\s+\w+.*|[\w.-]+\.(?:txt|json|pem|key|env|ya?ml|cfg|ini))$"
)


_COMMENT_LINE = re.compile(r"^[ \t]*(?:#(?![!{])|//|--|\*|/\*)[^\n]*$", re.M)
_TRAILING_COMMENT = re.compile(r"  #[^\n]*$|[ \t]//[^\n'\"`]*$", re.M)


def _strip_comments(code: str) -> str:
    """The code with comment lines and trailing comments blanked (line numbers kept)."""
    if "#" not in code and "//" not in code and "--" not in code and "*" not in code:
        return code
    return _TRAILING_COMMENT.sub("", _COMMENT_LINE.sub("", code))


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def hashes_passwords(code: str) -> bool:
    """The code names a password and uses no slow key-derivation function: a fast hash in it hashes a password."""
    return bool(_PASSWORD.search(code)) and not _SLOW_KDF.search(code)


def guards_archive_members(code: str) -> bool:
    """The code checks archive member paths (a filter, realpath, a ``".." in name`` test…) before extracting."""
    return bool(_TAR_GUARD.search(code))


def pattern_issues(code: str, language: str = "") -> list[tuple[str, int]]:
    """Line-pattern vulnerabilities of a block: (kind, 1-based line). ``language`` may be empty."""
    text = _strip_comments(code)
    found: list[tuple[str, int]] = []
    for kind, patterns in _PATTERNS.items():
        if not any(needle in text for needle in _NEEDLES[kind]):
            continue
        for pattern in patterns:
            for match in pattern.finditer(text):
                found.append((kind, _line_of(text, match.start())))
    lowered = text.lower()
    if any(w in lowered for w in ("select", "insert", "update", "delete", "where", "values")):
        found += [("sql-injection", line) for line in sql_issues(text, language)]
    passwords = "pass" in lowered or "pwd" in lowered or "credential" in lowered
    if passwords and hashes_passwords(text):
        for i, line in enumerate(text.split("\n"), 1):
            if _FAST_HASH.search(line):
                found.append(("weak-password-hash", i))
    if ".extract" in text and ("tar" in lowered or "archive" in lowered) and not guards_archive_members(text):
        for i, line in enumerate(text.split("\n"), 1):
            if _TAR_EXTRACT.search(line) and "zipfile" not in lowered:
                found.append(("tar-slip", i))
    if language in ("c", "cpp") and ("system(" in text or "popen(" in text):
        found += [("shell-injection", _line_of(text, m.start())) for m in _C_SHELL.finditer(text)]
    found += _weak_randomness(text, language)
    found += _jwt(text, language)
    found += _secrets(text)
    return found


_C_SHELL = re.compile(r"(?<![\w.>:])(?:system|popen)\(\s*(?![\"'])[\w(]")


def _weak_randomness(text: str, language: str) -> list[tuple[str, int]]:
    if "rand" not in text and "Random" not in text and "uniqid" not in text and "shuffle" not in text:
        return []
    lines = text.split("\n")
    go_math = language == "go" or "package " in text
    out = []
    for match in _WEAK_RANDOM.finditer(text):
        call = match.group()
        if call.startswith("rand.") and go_math:
            if "crypto/rand" in text and not _GO_MATH_RAND.search(text) and not _GO_RAND_ONLY_MATH.match(call + "("):
                continue  # Go's crypto/rand
        elif call.startswith("rand.") and not _GO_MATH_RAND.search(text) and not _GO_RAND_ONLY_MATH.match(call + "("):
            continue
        line = _line_of(text, match.start())
        # The secret is named on the line, or by the function or variable the line sits in (a
        # few lines up), or by what the value is returned or stored as (a few lines down).
        window = "\n".join(lines[max(0, line - 6): line + 3])
        if _SECRET_NAME.search(window):
            out.append(("weak-randomness", line))
    return out


def _jwt(text: str, language: str) -> list[tuple[str, int]]:
    if "jwt" not in text.lower() and "JWT" not in text and "algorithm" not in text.lower():
        return []
    out = [("jwt-unverified", _line_of(text, m.start())) for p in _JWT for m in p.finditer(text)]
    # jsonwebtoken's and jwt-decode's decode() never check the signature; the block trusts it
    # when it verifies nothing anywhere.
    if language in ("javascript", "typescript", "java", "") and not _JWT_VERIFY.search(text):
        for match in _JWT_DECODE_ONLY.finditer(text):
            if language == "" and not re.search(r"require\(|import ", text):
                continue
            if "decode" in match.group() or "Decode" in match.group():
                out.append(("jwt-unverified", _line_of(text, match.start())))
    return out


def _secrets(text: str) -> list[tuple[str, int]]:
    out = [("hardcoded-secret", _line_of(text, m.start())) for m in _SECRET_FORMATS.finditer(text)]
    lowered = text.lower()
    if any(w in lowered for w in ("pass", "pwd", "secret", "key", "token", "credential", "bearer")):
        for match in _SECRET_ASSIGN.finditer(text):
            value = match.group("value").strip()
            if _PLACEHOLDER.search(value) or value.lower() == match.group("name").lower():
                continue
            out.append(("hardcoded-secret", _line_of(text, match.start())))
    if "://" in text:
        for match in _CONN_PASSWORD.finditer(text):
            if not _PLACEHOLDER.search(match.group("value")):
                out.append(("hardcoded-secret", _line_of(text, match.start())))
    return out
