"""Hostile and broken rule files: each is one clear error, never a traceback, never code run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from mediation.cli import cli
from mediation.errors import RuleError
from mediation.rules import load_rules
from mediation.rules.yamlfile import MAX_BYTES, load_yaml_text
from tests.support import EXAMPLES, RULES_DIR, examples

#: A guarantee test: run by the full suite, left out by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

SENTINEL = "/tmp/mediation-pwned"


def rule_set(tmp_path: Path, routing: str) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target, ignore=shutil.ignore_patterns("tests"))
    (target / "routing.yaml").write_text(routing, encoding="utf-8")
    return target


def check_refused(directory: Path, *fragments: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        load_rules(directory)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message
    result = CliRunner().invoke(cli, ["route", str(EXAMPLES / "case.json"), "--rules", str(directory)])
    assert result.exit_code == 2
    assert result.output.startswith("mediation: error: ") and result.output.count("\n") == 1
    return info.value


@pytest.mark.parametrize("payload", [
    f"!!python/object/apply:os.system ['touch {SENTINEL}']",
    f"!!python/object/new:subprocess.Popen [['touch', '{SENTINEL}']]",
    "!!python/name:os.system",
    "!!python/module:os",
    "!binary aGVsbG8=",
])
def test_python_tags_never_execute(tmp_path, payload):
    Path(SENTINEL).unlink(missing_ok=True)
    target = rule_set(tmp_path, f"routing: {payload}\n")
    check_refused(target, "not allowed")
    assert not Path(SENTINEL).exists()


def test_alias_bomb_is_refused_quickly(tmp_path):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    bomb += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
             for i in range(9)]
    target = rule_set(tmp_path, "\n".join(bomb) + "\nrouting: *j\n")
    check_refused(target, "anchors and aliases")


def test_huge_file_is_refused_before_parsing(tmp_path):
    target = rule_set(tmp_path, "routing:\n" + "# padding\n" * (MAX_BYTES // 10 + 10))
    check_refused(target, "too large")


@pytest.mark.parametrize(("routing", "fragment"), [
    ("routing: {id: x}\n", "must be a list"),
    ("routing:\n  - [a, b]\n", "a rule is a mapping"),
    ("routing:\n  - id: 42\n    to: room.general\n", "invalid id 42"),
    ("routing:\n  - id: a\n    when: oral\n    to: room.general\n  - id: b\n    to: room.general\n",
     "a condition is a non-empty mapping"),
    ("routing:\n  - id: a\n    when: {form: [oral]}\n    to: 7\n  - id: b\n    to: room.general\n",
     "unknown destination 7"),
    ("routing:\n  - id: a\n    when: {parties: {'>=': [1]}}\n    to: room.general\n  - id: b\n    to: room.general\n",
     "compared with a number"),
    ("routing:\n  - id: a\n    when: {form: oral}\n    to: room.general\n  - id: a\n    to: room.general\n",
     "duplicate id 'a'"),
    ("routing:\n  - id: a\n    id: b\n    to: room.general\n", "duplicate key 'id'"),
    ("routing: []\n", "has no rules"),
    ("routing:\n  - id: x\n    to: room.general\n    when: {form: oral, not: {not: {not: {form: oral}}}}\n",
     "must end with an undated fallback"),
    ("\x00\x01binary", "invalid YAML"),
    ("routing:\n  - id: a\n    to: room.general\n    valid_from: 2027-02-30\n", "invalid date '2027-02-30'"),
])
def test_wrong_shapes_and_types(tmp_path, routing, fragment):
    check_refused(rule_set(tmp_path, routing), fragment)


def test_deep_nesting_is_refused(tmp_path):
    deep = "{not: " * 40 + "{form: oral}" + "}" * 40
    target = rule_set(tmp_path, f"routing:\n  - id: a\n    when: {deep}\n    to: room.general\n"
                                "  - id: b\n    to: room.general\n")
    check_refused(target, "nested more than")
    target = rule_set(tmp_path / "b", "routing: " + "[" * 100_000 + "]" * 100_000 + "\n")
    check_refused(target, "invalid YAML")


def test_non_utf8_file(tmp_path):
    target = rule_set(tmp_path, "")
    (target / "routing.yaml").write_bytes("routing: 医疗\n".encode("gb18030") + b"\xff\xfe")
    check_refused(target, "not valid UTF-8")


@examples("normal", suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=0, max_size=400))
def test_any_text_is_data_or_one_rule_error(text):
    try:
        load_yaml_text(text, "fuzz.yaml")
    except RuleError as exc:
        assert "\n" not in str(exc)


# ----------------------------------------------------------------------- what a rule file is (issue 11)


def special_rule_set(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target, ignore=shutil.ignore_patterns("tests"))
    return target


def test_a_link_to_a_device_is_refused_without_reading_it(tmp_path):
    rules = special_rule_set(tmp_path)
    (rules / "zero.yaml").symlink_to("/dev/zero")  # read without limit, this was a MemoryError
    check_refused(rules, "zero.yaml", "not a regular file")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    rules = special_rule_set(tmp_path)
    os.mkfifo(rules / "pipe.yaml")  # opened for reading, this waited for ever
    check_refused(rules, "pipe.yaml", "not a regular file")


def test_a_directory_named_yaml_is_refused(tmp_path):
    rules = special_rule_set(tmp_path)
    (rules / "folder.yaml").mkdir()
    check_refused(rules, "folder.yaml", "not a regular file")


def test_a_link_out_of_the_rule_set_is_refused_and_its_content_never_shown(tmp_path):
    secret = tmp_path / "shadow"
    secret.write_text("root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n", encoding="utf-8")
    rules = special_rule_set(tmp_path)
    (rules / "staff2.yaml").symlink_to(secret)
    error = check_refused(rules, "staff2.yaml", "outside")
    assert ":*:" not in str(error) and "19000" not in str(error) and "daemon" not in str(error)


def test_a_link_within_the_rule_set_is_read(tmp_path):
    rules = special_rule_set(tmp_path)
    (rules / "parts").mkdir()
    (rules / "calendar.yaml").rename(rules / "parts" / "calendar.yaml")
    (rules / "calendar.yaml").symlink_to(Path("parts") / "calendar.yaml")
    assert load_rules(rules).digest == load_rules(RULES_DIR).digest


def test_reads_are_bounded(tmp_path):
    rules = special_rule_set(tmp_path)
    with open(rules / "big.yaml", "wb") as f:
        f.truncate(MAX_BYTES + 1)  # a sparse file: its size is all a reader would see first
    check_refused(rules, "big.yaml", "too large")
