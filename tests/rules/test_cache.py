"""The cache of loaded rule sets: used only while it is certainly the same rule set."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from mediation.errors import RuleError
from mediation.rules import cache as rules_cache
from mediation.rules.cache import load_cached
from mediation.rules.load import load_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def rules_dir(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target, ignore=shutil.ignore_patterns("tests"))
    return target


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("MEDIATION_CACHE", str(folder))
    return folder


def entry(cache: Path) -> Path:
    (found,) = cache.glob("rules-*.pickle")
    return found


def test_a_cached_rule_set_is_the_one_loaded(rules_dir, cache, monkeypatch):
    first = load_cached(rules_dir)
    assert oct(entry(cache).stat().st_mode & 0o777) == "0o600"

    def refuse(directory):
        raise AssertionError(f"loaded {directory} from its files again")

    monkeypatch.setattr(rules_cache, "load_rules", refuse)
    second = load_cached(rules_dir)
    assert second.digest == first.digest == load_rules(rules_dir).digest
    assert second.path == rules_dir and second.staff.keys() == first.staff.keys()


def fresh_after(change, rules_dir, cache, monkeypatch) -> bool:
    """Whether load_cached reads the files again after ``change``."""
    load_cached(rules_dir)
    change()
    calls = []
    monkeypatch.setattr(rules_cache, "load_rules", lambda d: calls.append(d) or load_rules(d))
    load_cached(rules_dir)
    monkeypatch.setattr(rules_cache, "load_rules", load_rules)
    return bool(calls)


def test_unchanged_files_use_the_cache(rules_dir, cache, monkeypatch):
    assert not fresh_after(lambda: None, rules_dir, cache, monkeypatch)


def test_a_changed_file_is_read_again(rules_dir, cache, monkeypatch):
    path = rules_dir / "staff.yaml"
    change = lambda: path.write_text(path.read_text(encoding="utf-8").replace("clerk02", "clerk03"),  # noqa: E731
                                     encoding="utf-8")
    assert fresh_after(change, rules_dir, cache, monkeypatch)
    assert "clerk03" in load_cached(rules_dir).staff


def test_an_added_file_is_noticed(rules_dir, cache, monkeypatch):
    assert fresh_after(lambda: (rules_dir / "extra.yaml").write_text("# nothing\n"), rules_dir, cache,
                       monkeypatch)


def test_a_changed_base_of_extends_is_noticed(tmp_path, rules_dir, cache, monkeypatch):
    proposal = tmp_path / "proposal"
    proposal.mkdir()
    (proposal / "extends.yaml").write_text("extends: ../rules\n", encoding="utf-8")
    path = rules_dir / "staff.yaml"
    load_cached(proposal)
    path.write_text(path.read_text(encoding="utf-8").replace("clerk02", "clerk03"), encoding="utf-8")
    assert "clerk03" in load_cached(proposal).staff


def test_a_tampered_cache_is_never_unpickled(rules_dir, cache, monkeypatch):
    def tamper():
        data = entry(cache).read_bytes()
        entry(cache).write_bytes(data[:-10] + b"0123456789")

    assert fresh_after(tamper, rules_dir, cache, monkeypatch)
    loads = []
    monkeypatch.setattr(rules_cache.pickle, "loads", lambda b: loads.append(b))
    tamper()
    load_cached(rules_dir)
    assert loads == []


def test_a_cache_others_may_write_is_not_trusted(rules_dir, cache, monkeypatch):
    assert fresh_after(lambda: os.chmod(entry(cache), 0o666), rules_dir, cache, monkeypatch)
    assert fresh_after(lambda: os.chmod(cache, 0o777), rules_dir, cache, monkeypatch)


def test_a_broken_rule_set_is_reported_not_cached(rules_dir, cache):
    (rules_dir / "staff.yaml").write_text("staff: [\n", encoding="utf-8")
    with pytest.raises(RuleError, match="invalid YAML"):
        load_cached(rules_dir)
    assert list(cache.glob("rules-*.pickle")) == []


def test_the_cache_can_be_turned_off(rules_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("MEDIATION_CACHE", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert load_cached(rules_dir).digest == load_rules(rules_dir).digest
    assert not (tmp_path / "xdg").exists()


def test_an_unwritable_cache_is_no_failure(rules_dir, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("MEDIATION_CACHE", str(blocker / "cache"))
    assert load_cached(rules_dir).digest == load_rules(rules_dir).digest
