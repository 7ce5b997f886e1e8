"""``mediation --version``: the package, the rule set's digest, the database's schema."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mediation import __version__
from mediation.cli import cli
from mediation.rules import load_rules
from mediation.store.schema import HEAD_REVISION

ROOT = Path(__file__).resolve().parents[2]


def version(env: dict) -> list[str]:
    result = CliRunner().invoke(cli, ["--version"], env={"MEDIATION_RULES": str(ROOT / "rules"), **env})
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_version_names_the_package_the_rules_and_the_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    digest = load_rules(ROOT / "rules").digest
    lines = version({"MEDIATION_DB": None})
    assert lines[0] == f"mediation {__version__}"
    assert lines[1].split() == ["rules", str(ROOT / "rules"), digest]
    assert lines[2].startswith("database  none found") and "mediation.db does not exist" in lines[2]
    assert not (tmp_path / "mediation.db").exists()  # nothing created
    url = f"sqlite:///{tmp_path / 'desk.db'}"
    assert CliRunner().invoke(cli, ["init"], env={"MEDIATION_DB": url}).exit_code == 0
    lines = version({"MEDIATION_DB": url})
    assert lines[2] == f"database  {url}  schema {HEAD_REVISION} (this program: {HEAD_REVISION})"


def test_version_says_what_it_cannot_read_and_still_succeeds(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.db").write_bytes(b"")
    lines = version({"MEDIATION_DB": str(tmp_path / "empty.db"), "MEDIATION_RULES": str(tmp_path)})
    assert lines[1].startswith("rules     cannot be loaded: no rule files")
    assert "schema none (not initialised)" in lines[2]
