"""Issue 13, point 8: help and hints that say what each option is and what to run."""

from __future__ import annotations

import re

from click.testing import CliRunner

from mediation.cli import cli
from mediation.domain import CASE_FIELDS


def register_help() -> str:
    return " ".join(CliRunner().invoke(cli, ["case", "register", "--help"], env={"COLUMNS": "80"}).output.split())


def test_each_flag_of_register_has_its_own_help():
    out = register_help()
    flags = [name for name, spec in CASE_FIELDS.items() if spec.kind == "flag"]
    assert len(flags) == 4
    texts = []
    for name in flags:
        option = name.replace("_", "-")
        found = re.search(rf"--{option} / --no-{option} (.+?) --", out)
        assert found, name
        texts.append(found.group(1))
        assert found.group(1).startswith(CASE_FIELDS[name].help.split(":")[0])
    assert len(set(texts)) == 4


def test_numbers_are_typed_in_the_help():
    out = register_help()
    assert "--parties INTEGER" in out and "--amount DECIMAL" in out


def test_an_uninitialised_database_names_itself_in_the_init_to_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["case", "show", "XS-2020-00001", "--db", "nonexist.db"],
                                env={"MEDIATION_DB": None})
    assert result.exit_code == 1
    assert result.stderr.endswith(f"下一步: mediation init --db {tmp_path / 'nonexist.db'}\n")
    result = CliRunner().invoke(cli, ["case", "show", "XS-2020-00001"], env={"MEDIATION_DB": None})
    assert result.stderr.endswith("。下一步: mediation init\n")  # the default database: a bare init makes it
