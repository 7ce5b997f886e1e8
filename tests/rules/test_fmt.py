"""``mediation rules fmt``: one canonical form, comments kept, data (and digest) never changed."""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from mediation.errors import RuleError
from mediation.rules import load_rules
from mediation.rules.fmt import format_text, rule_files
from mediation.rules.yamlfile import load_yaml_text
from tests.support import ROOT, RULES_DIR

MESSY = """\
# 分流 (a proposal written in a hurry)
routing:
    # the lawyers take mass disputes
    -   to: room.lawyer
        when: {parties: {">=": 10}}   # 群体性
        id: mass
        label: 群体性纠纷
    -   id: fallback
        to: room.general
"""

CANONICAL = """\
# 分流 (a proposal written in a hurry)
routing:
    # the lawyers take mass disputes
  - id: mass
    label: 群体性纠纷
    when: {parties: {">=": 10}}   # 群体性
    to: room.lawyer
  - id: fallback
    to: room.general
"""


def test_a_messy_file_gets_the_canonical_form_with_its_comments():
    new = format_text(MESSY, "routing.yaml")
    assert "# the lawyers take mass disputes" in new and "# 群体性" in new and new.startswith("# 分流")
    assert [" ".join(line.split()) for line in new.splitlines()] == \
        [" ".join(line.split()) for line in CANONICAL.splitlines()]  # comments keep their column
    assert "  - id: mass\n    label: 群体性纠纷\n    when: {parties: {\">=\": 10}}" in new
    assert load_yaml_text(new) == load_yaml_text(MESSY)
    assert format_text(new) == new


def test_long_flow_collections_wrap_after_a_comma_aligned_after_the_bracket():
    line = "  - {id: r, when: {category: {in: [contract, business, damages, labor]}, amount: {'>=': 500000}}, to: room.lawyer}\n"
    new = format_text("routing:\n" + line)
    first, second = new.splitlines()[1:3]
    assert first.endswith(",") and len(first) <= 110 and second.startswith("     to: room.lawyer}")
    assert load_yaml_text(new) == load_yaml_text("routing:\n" + line) and format_text(new) == new


@pytest.mark.parametrize("directory", [RULES_DIR, ROOT / "examples" / "rules-mass-lawyer",
                                       *sorted((ROOT / "tests" / "rules" / "lint_sets").iterdir())],
                         ids=lambda p: p.name)
def test_formatting_keeps_the_data_and_is_stable(directory):
    for path in rule_files(directory):
        text = path.read_text(encoding="utf-8")
        new = format_text(text, str(path))
        assert load_yaml_text(new) == load_yaml_text(text), path
        assert format_text(new, str(path)) == new, path


def test_the_shipped_rules_are_in_canonical_form():
    result = CliRunner().invoke(cli, ["rules", "fmt", "--check", str(RULES_DIR)])
    assert result.exit_code == 0, result.output
    assert "already in canonical form" in result.output


def test_check_lists_and_fmt_rewrites_without_changing_the_digest(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target)
    routing = target / "routing.yaml"
    text = routing.read_text(encoding="utf-8")
    messy = text.replace("  - id: major\n    label: 群体性或高风险，联合调解\n",
                         "  - label: 群体性或高风险，联合调解\n    id: major\n")
    assert messy != text
    routing.write_text(messy, encoding="utf-8")
    before = load_rules(target).digest
    runner = CliRunner()
    check = runner.invoke(cli, ["rules", "fmt", "--check", str(target)])
    assert check.exit_code == 1 and f"would reformat {routing}" in check.output
    assert "-  - label: 群体性或高风险，联合调解" in check.output and routing.read_text(encoding="utf-8") == messy
    done = runner.invoke(cli, ["rules", "fmt", str(target)])
    assert done.exit_code == 0 and f"reformatted {routing}" in done.output
    assert routing.read_text(encoding="utf-8") == text
    assert load_rules(target).digest == before
    assert runner.invoke(cli, ["rules", "fmt", "--check", str(target)]).exit_code == 0


def test_bad_yaml_is_refused_in_plain_words(tmp_path):
    with pytest.raises(RuleError) as info:
        format_text("routing:\n  - id: a\n   to: b\n", "r.yaml")
    assert "indented to column 4" in str(info.value)
    bad = tmp_path / "r.yaml"
    bad.write_text("routing:\n  - id: a\n   to: b\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["rules", "fmt", str(bad)])
    assert result.exit_code == 2 and "r.yaml:3" in result.output and bad.read_text(encoding="utf-8").endswith("b\n")
