"""Bytes that are not UTF-8 in arguments, variables and case files (issue 11, 4): exit 2 in one line, nothing stored.

A real process is run, since only a real ``argv`` carries such bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REGISTER = [b"case", b"register", b"--form", "口头".encode(), b"--category", "邻里".encode(), b"--street",
            "东街道".encode(), b"--at", b"2020-06-15T09:30"]


def mediation(*args: bytes, cwd: Path, **env: bytes):
    environ = {**os.environb, b"MEDIATION_RULES": str(ROOT / "rules").encode(), b"MEDIATION_ON_BEHALF_OF": b"clerk01",
               b"MEDIATION_DB": str(cwd / "m.db").encode()}
    environ.update({k.encode(): v for k, v in env.items()})
    return subprocess.run([sys.executable.encode(), b"-c", b"from mediation.cli import main; main()", *args],
                          capture_output=True, cwd=cwd, env=environ)


def one_line(proc) -> str:
    assert proc.returncode == 2, proc.stderr
    text = proc.stderr.decode()
    assert text.startswith("mediation: error: ") and text.count("\n") == 1 and proc.stdout == b"", text
    return text


@pytest.fixture
def home(tmp_path):
    assert mediation(b"init", cwd=tmp_path).returncode == 0
    return tmp_path


def cases_stored(home: Path) -> int:
    proc = mediation(b"case", b"list", b"--json", cwd=home)
    assert proc.returncode == 0, proc.stderr
    return len(json.loads(proc.stdout)["cases"])


@pytest.mark.parametrize("args", [
    [*REGISTER, b"--summary", b"a\xffb"],
    [*REGISTER, b"--summary", b"ab", b"--community", b"\xed\xa0\x80"],  # a surrogate, encoded
    [*REGISTER[:5], b"\xff", *REGISTER[6:], b"--summary", b"ab"],
    [b"case", b"list", b"--street", b"\xff"],
    [b"case", b"show", b"XS-2020-0000\xff"],
    [b"replay", b"\xff.csv"],
], ids=["summary", "community", "category", "list", "show", "replay"])
def test_an_argument_that_is_not_utf8_is_refused_in_one_line(home, args):
    assert "not valid UTF-8" in one_line(mediation(*args, cwd=home))
    assert cases_stored(home) == 0


def test_a_variable_that_is_not_utf8_is_refused_in_one_line(home):
    message = one_line(mediation(*REGISTER, b"--summary", b"ab", cwd=home, MEDIATION_OPERATOR=b"clerk\xff"))
    assert "$MEDIATION_OPERATOR" in message
    assert cases_stored(home) == 0


def test_a_lone_surrogate_in_a_case_file_is_refused_in_one_line(home):
    (home / "case.json").write_text('{"form": "oral", "category": "neighbor", "street": "xiangnan", '
                                    '"summary": "a\\ud800b", "applicants": [{"name": "\\udc80"}]}', encoding="utf-8")
    assert "summary is not valid text (U+D800" in one_line(mediation(b"route", b"case.json", cwd=home))
    line = one_line(mediation(b"case", b"register", b"--from-json", b"case.json", cwd=home))
    assert "纠纷概要 (summary)（'case.json'）含有无效字符 (U+D800)" in line
    assert cases_stored(home) == 0
