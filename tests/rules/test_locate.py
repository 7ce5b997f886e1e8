"""Which rule set a command uses when none is named, in a checkout and in an installed wheel."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from mediation.rules import locate

ROOT = Path(__file__).resolve().parents[2]


def test_in_a_checkout_the_shipped_rules_are_the_checkouts():
    assert locate.shipped_rules_dir() == ROOT / "rules"


def test_the_environment_then_the_working_directory_then_the_shipped_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(locate.RULES_ENV, raising=False)
    assert locate.default_rules_dir() == locate.SHIPPED
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "routing.yaml").write_text("")
    assert locate.default_rules_dir() == Path("rules")
    monkeypatch.setenv(locate.RULES_ENV, str(tmp_path / "elsewhere"))
    assert locate.default_rules_dir() == tmp_path / "elsewhere"


@pytest.mark.slow
def test_a_wheel_installs_the_shipped_rules_and_finds_them_outside_any_checkout(tmp_path):
    copy = tmp_path / "source"
    shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(
        ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".hypothesis"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "-w", str(wheels), str(copy)], check=True, capture_output=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-index",
                    *map(str, wheels.glob("mediation-*.whl"))], check=True, capture_output=True)
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    # the dependencies of this environment, without its editable finder (a path line runs no .pth)
    Path(site, "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "desk"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MEDIATION_", "PYTHON"))}
    env.update(MEDIATION_SERVER="off", MEDIATION_CACHE="off")

    def mediation(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(venv / "bin" / "mediation"), *args], cwd=elsewhere, env=env,
                              capture_output=True, text=True)

    found = subprocess.run([str(python), "-c", "from mediation.rules.locate import SHIPPED; print(SHIPPED)"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(found) == venv / "share" / "mediation" / "rules"
    assert sorted(p.name for p in Path(found).glob("*.yaml")) == sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    assert mediation("init").returncode == 0
    registered = mediation("case", "register", "--form", "书面", "--category", "医疗", "--street", "相南街道",
                           "--summary", "术后并发症赔偿争议", "--json")
    assert registered.returncode == 0, registered.stderr
    case_no = json.loads(registered.stdout)["case_no"]
    for move in ("review", "divert"):
        assert mediation("case", move, case_no).returncode == 0
    document = mediation("case", "document", case_no, "acceptance", "--out", "acceptance.docx")
    assert document.returncode == 0, document.stderr  # the shipped template, from the installed rules
    assert (elsewhere / "acceptance.docx").stat().st_size > 0
