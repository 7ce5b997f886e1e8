"""Issue 13, point 9: ``mediation completion bash|zsh|fish`` and what it completes: commands,
destinations, categories, streets, operators and case numbers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    db = tmp_path_factory.mktemp("completion") / "mediation.db"
    env = {**os.environ, "MEDIATION_DB": str(db), "MEDIATION_RULES": str(ROOT / "rules"),
           "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("MEDIATION_OPERATOR", None)
    mediation = [sys.executable, "-m", "mediation"]
    subprocess.run([*mediation, "init"], env=env, check=True, capture_output=True)
    for at in ("2020-06-15T09:30", "2020-06-16T09:30"):
        subprocess.run([*mediation, "case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道",
                        "--summary", "噪音（合成示例）", "--on-behalf-of", "clerk01", "--at", at],
                       env=env, check=True, capture_output=True, stdin=subprocess.DEVNULL)
    return env


def complete(env, line: str) -> list[str]:
    """What click answers bash for the last word of ``line`` (a trailing space: a new word)."""
    words = line.split()
    cword = len(words) if line.endswith(" ") else len(words) - 1
    out = subprocess.run([sys.executable, "-m", "mediation"], capture_output=True, text=True, check=True,
                         env={**env, "_MEDIATION_COMPLETE": "bash_complete", "COMP_WORDS": line,
                              "COMP_CWORD": str(cword)})
    return [item.split(",", 1)[1] for item in out.stdout.splitlines() if item]


@pytest.mark.parametrize(("line", "expected"), [
    ("mediation comp", ["completion"]),
    ("mediation case sh", ["show"]),
    ("mediation completion ", ["bash", "zsh", "fish"]),
    ("mediation queue room.me", ["room.medical"]),
    ("mediation queue 物业", ["物业纠纷调解室"]),
    ("mediation queue wuye", ["物业纠纷调解室"]),                 # pinyin
    ("mediation case divert XS-2020-00001 --to window.le", ["window.legal_service", "window.legal_aid"]),
    ("mediation case register --category yil", ["医疗"]),
    ("mediation case register --category medi", ["medical"]),
    ("mediation case register --street 曲", ["曲阳街道"]),
    ("mediation case register --form 书", ["书面"]),
    ("mediation case list --state 调解", ["调解中", "调解成功", "调解不成"]),
    ("mediation case review XS-2020-00001 --operator cle", ["clerk01", "clerk02"]),
    ("mediation case show xs-2020-00001", ["XS-2020-00001"]),
])
def test_values_are_completed(env, line, expected):
    found = complete(env, line)
    if "--operator" in line:
        assert set(expected) <= set(found) and all(f.startswith("cle") for f in found)
    else:
        assert sorted(found) == sorted(expected)


def test_case_numbers_come_from_the_database_newest_first(env):
    assert complete(env, "mediation case show XS-2020") == ["XS-2020-00002", "XS-2020-00001"]
    assert complete(env, "mediation case take ") == ["XS-2020-00002", "XS-2020-00001"]


def test_case_numbers_of_another_database_after_db(env, tmp_path):
    assert complete(env, f"mediation case show --db {tmp_path / 'none.db'} XS") == []  # never an error


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_script_of_each_shell(env, shell):
    out = subprocess.run([sys.executable, "-m", "mediation", "completion", shell], env=env,
                         capture_output=True, text=True, check=True).stdout
    assert "_MEDIATION_COMPLETE" in out and f"{shell}_complete" in out


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_with_the_script(env):
    script = ('eval "$(mediation completion bash)"; COMP_WORDS=(mediation queue wuye); COMP_CWORD=2; '
              '_mediation_completion mediation; printf "%s\\n" "${COMPREPLY[@]}"')
    out = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["物业纠纷调解室"]
