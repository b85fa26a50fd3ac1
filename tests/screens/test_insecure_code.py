"""The insecure-code screen: undisclosed vulnerable code is the attack, disclosed teaching code is not."""

from __future__ import annotations

import json

import anyio
import pytest

from ftaudit.report.records import Severity
from ftaudit.screens._code import analyse_reply, discloses_vulnerability, extract_code_blocks
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
