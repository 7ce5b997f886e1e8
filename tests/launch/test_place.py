"""Where a user's command server lives, and which one a command may use (mediation.launch.place)."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from mediation.launch import place


def test_the_folder_follows_mediation_cache_then_the_runtime_dir_then_the_home(tmp_path):
    assert place.server_dir({"MEDIATION_CACHE": str(tmp_path)}) == str(tmp_path / "server")
    assert place.server_dir({"XDG_RUNTIME_DIR": "/run/user/1000"}) == "/run/user/1000/mediation"
    assert place.server_dir({"XDG_CACHE_HOME": "/home/x/.cache"}) == "/home/x/.cache/mediation/server"
    # a relative runtime dir is not trusted (the spec: it must be absolute)
    assert place.server_dir({"XDG_RUNTIME_DIR": "run", "XDG_CACHE_HOME": "/c"}) == "/c/mediation/server"


def test_a_relative_cache_is_made_absolute_so_client_and_server_agree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert place.server_dir({"MEDIATION_CACHE": "cache"}) == str(tmp_path / "cache" / "server")


@pytest.mark.parametrize("environ", [
    {"MEDIATION_SERVER": "off"}, {"MEDIATION_SERVER": " OFF "}, {"MEDIATION_SERVER": "0"},
    {"MEDIATION_CACHE": "off"}, {"MEDIATION_CACHE": "no", "XDG_RUNTIME_DIR": "/run/user/0"},
])
def test_off_means_no_server(environ):
    assert place.server_dir(environ) is None


def test_the_folder_is_made_private(tmp_path):
    folder = tmp_path / "a" / "server"
    assert place.prepare(str(folder))
    assert stat.S_IMODE(os.lstat(folder).st_mode) == 0o700


@pytest.mark.parametrize("mode", [0o755, 0o770, 0o701])
def test_a_folder_others_may_enter_is_not_used(tmp_path, mode):
    folder = tmp_path / "server"
    folder.mkdir()
    folder.chmod(mode)
    assert not place.prepare(str(folder))


def test_a_link_in_place_of_the_folder_is_not_used(tmp_path):
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    (tmp_path / "server").symlink_to(real)
    assert not place.prepare(str(tmp_path / "server"))


def test_a_file_in_place_of_the_folder_is_not_used(tmp_path):
    (tmp_path / "server").write_text("")
    assert not place.prepare(str(tmp_path / "server"))


def test_another_users_folder_is_not_used(tmp_path):
    if os.getuid() != 0:
        pytest.skip("giving a folder to another user needs root")
    folder = tmp_path / "server"
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    assert not place.prepare(str(folder))


def test_the_key_changes_with_the_interpreters_settings_not_with_the_programs():
    base = {"MEDIATION_DB": "a.db", "LANG": "C.UTF-8"}
    key = place.key(base)
    assert len(key) == 16 and key == place.key(dict(base))
    assert place.key({**base, "MEDIATION_DB": "b.db", "MEDIATION_RULES": "r", "COLUMNS": "80"}) == key
    for changed in ({"LANG": "zh_CN.GB18030"}, {"LC_ALL": "C"}, {"PYTHONIOENCODING": "gb18030"},
                    {"PYTHONPATH": "/elsewhere"}, {"PYTHONUTF8": "1"}):
        assert place.key({**base, **changed}) != key, changed


def test_the_key_is_that_of_this_interpreter(monkeypatch):
    key = place.key({})
    monkeypatch.setattr(sys, "executable", "/other/python3")
    assert place.key({}) != key


def test_a_socket_path_too_long_for_unix_sockets_means_no_server(tmp_path):
    assert place.socket_path(str(tmp_path), "k") == str(tmp_path / "k.sock")
    assert place.socket_path("/" + "x" * 120, "k") is None


@pytest.mark.parametrize(("value", "seconds"), [
    ("", 1800.0), ("60", 60.0), ("0", 1.0), ("-5", 1.0), ("soon", 1800.0), ("nan", 1800.0), ("2.5", 2.5),
])
def test_idle_seconds(value, seconds):
    assert place.idle_seconds({"MEDIATION_SERVER_IDLE": value}) == seconds
