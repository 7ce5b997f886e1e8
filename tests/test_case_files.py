"""Case files (``route FILE``, ``case register --from-json FILE``): only regular files, boundedly read."""

from __future__ import annotations

import os

import pytest
from click.testing import CliRunner

from mediation.case_files import read_text
from mediation.cli import cli
from mediation.errors import InputError
from tests.support import ROOT


def test_a_regular_file_is_read_with_its_name(tmp_path):
    path = tmp_path / "case.json"
    path.write_text('\ufeff{"form": "口头"}', encoding="utf-8")
    assert read_text(str(path)) == ('{"form": "口头"}', str(path))


@pytest.mark.parametrize("target", ["/dev/zero", "directory", "fifo"])
def test_a_device_directory_or_pipe_is_refused_at_once(tmp_path, target):
    if target == "directory":
        path = str(tmp_path)
    elif target == "fifo":
        path = str(tmp_path / "cases.json")
        os.mkfifo(path)  # nobody writes: reading would wait for ever
    else:
        path = target  # reading would never end
    with pytest.raises(InputError, match="not a regular file"):
        read_text(path)


def test_a_file_beyond_the_limit_is_one_line(tmp_path):
    path = tmp_path / "big.json"
    path.write_bytes(b"[" + b" " * 100 + b"]")
    assert read_text(str(path), limit=102)[0].startswith("[")
    with pytest.raises(InputError, match="too large"):
        read_text(str(path), limit=101)


def test_route_on_a_fifo_is_one_line_exit_2(tmp_path):
    fifo = tmp_path / "case.json"
    os.mkfifo(fifo)
    result = CliRunner().invoke(cli, ["route", str(fifo), "--rules", str(ROOT / "rules")])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "not a regular file" in result.stderr
