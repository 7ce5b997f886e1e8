"""``mediation serve`` refuses to start on a database it cannot use, with one line; bad options too."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from mediation.cli import cli
from tests.support import ROOT


def test_serve_on_an_uninitialised_database_fails_at_once_with_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "mediation", "serve", "--db", str(tmp_path / "none.db"),
                          "--port", "0"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        f"mediation: error: database not initialised: run `mediation init --db {tmp_path / 'none.db'}` "
        f"(no file {tmp_path / 'none.db'})"]
    assert not (tmp_path / "none.db").exists()


def test_serve_refuses_bad_options():
    runner = CliRunner()
    assert "--workers must be 1 to 64" in runner.invoke(cli, ["serve", "--workers", "0"]).output
    assert runner.invoke(cli, ["serve", "--port", "70000"]).exit_code == 2
    assert "POST /v1/cases" in runner.invoke(cli, ["serve", "--help"]).output
