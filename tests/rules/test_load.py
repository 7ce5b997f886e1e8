"""Loading a rule set: the shipped set, and every class of error, located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediation.errors import RuleError
from mediation.rules import load_rules
from tests.support import ROOT, RULES_DIR, shipped_rules


def copy_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES_DIR, target, ignore=shutil.ignore_patterns("tests"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def load_error(directory: Path) -> RuleError:
    with pytest.raises(RuleError) as info:
        load_rules(directory)
    return info.value


def test_shipped_rules_load_with_the_design_catalogue():
    rules = shipped_rules()
    cat = rules.catalogue
    assert len(cat.units) == 14 and len([u for u in cat.units.values() if not u.outside]) == 10
    assert cat.units["sandikou"].code == "340603011"
    assert len(cat.categories) == 16
    assert cat.categories["traffic"].department == "traffic_police"
    assert len(cat.destinations) == 18
    assert [r.id for r in rules.review_rules] == [
        "outside_district", "criminal", "litigation_pending", "party_refuses", "accept"]
    assert len(rules.routing_rules) == 20 and rules.routing_rules[-1].when is None
    assert rules.time_limits["mediation"].limit_for(category="labor") == 15
    assert rules.time_limits["mediation"].limit_for(category="medical") == 30


def test_digest_is_stable_and_ignores_formatting(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "routing:\n", "# a new comment\nrouting:\n")
    assert load_rules(target).digest == shipped_rules().digest
    edit(target / "routing.yaml", "amount: {\">=\": 500000}", "amount: {\">=\": 400000}")
    assert load_rules(target).digest != shipped_rules().digest


def test_misspelt_destination_names_file_line_rule_field_and_suggests(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "to: room.medical", "to: room.medcal")
    err = load_error(target)
    line = line_of(target / "routing.yaml", "room.medcal")
    assert str(err) == (f"unknown destination 'room.medcal' in {target / 'routing.yaml'}:{line} "
                        "(rule medical, field to): did you mean 'room.medical' (医疗纠纷调解室)?")


def test_unknown_category_in_a_condition(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "when: {category: property}", "when: {category: propety}")
    err = load_error(target)
    assert err.item == "rule property"
    assert err.field == "category" and "did you mean 'property'" in err.hint


def test_unknown_field_and_operator(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "when: {category: medical}", "when: {catgory: medical}")
    err = load_error(target)
    assert "unknown field 'catgory'" in str(err) and "did you mean 'category'" in str(err)

    target = copy_rules(tmp_path / "b")
    edit(target / "routing.yaml", 'parties: {">=": 10}', 'parties: {"=>": 10}')
    err = load_error(target)
    assert "unknown operator '=>'" in str(err) and err.item == "rule major"


def test_operator_that_does_not_fit_the_field(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "when: {category: medical}", 'when: {category: {">": medical}}')
    assert "does not apply to ref field category" in str(load_error(target))


def test_wrong_value_types(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", 'amount: {">=": 500000}', 'amount: {">=": lots}')
    assert "amount is compared with a number" in str(load_error(target))
    target = copy_rules(tmp_path / "b")
    edit(target / "routing.yaml", "when: {petition: true}", "when: {petition: maybe}")
    assert "petition is true or false" in str(load_error(target))


def test_duplicate_rule_id(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "- id: property\n", "- id: medical\n")
    err = load_error(target)
    assert "duplicate id 'medical'" in str(err) and "first defined on line" in err.hint


def test_fallback_must_be_last_and_present(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "  - id: fallback\n    label: 其他，综合调解室\n    to: room.general\n",
         "  - id: fallback\n    label: 其他，综合调解室\n    when: {form: oral}\n    to: room.general\n")
    assert "must end with an undated fallback" in str(load_error(target))
    target = copy_rules(tmp_path / "b")
    edit(target / "routing.yaml", "    when: {category: medical}\n", "")
    assert "only the last rule may be the fallback" in str(load_error(target))


def test_review_referral_needs_a_target(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "review.yaml", "    to: police\n", "")
    err = load_error(target)
    assert "a referral names where it goes" in str(err) and err.item == "rule criminal"


def test_catalogue_reference_errors(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "categories.yaml", "department: health", "department: heath")
    err = load_error(target)
    assert "unknown department 'heath'" in str(err) and "did you mean 'health'" in err.hint
    target = copy_rules(tmp_path / "b")
    edit(target / "units.yaml", "杈园: renwei", "杈园: renwie")
    assert "unknown unit 'renwie'" in str(load_error(target))


def test_label_used_twice(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "departments.yaml", "aliases: [妇联]", "aliases: [妇联, 司法局]")
    assert "is used by both 'justice' and 'women_federation'" in str(load_error(target))


def test_enum_labels_must_cover_the_fixed_ids(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "labels.yaml", "    online: {name: 网上申请, aliases: [网上, 在线, 网络]}\n", "")
    assert "no label for channel online" in str(load_error(target))
    target = copy_rules(tmp_path / "b")
    edit(target / "labels.yaml", "    walk_in:", "    walkin:")
    assert "unknown channel 'walkin'" in str(load_error(target))


def test_unknown_and_duplicate_sections(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "routing:\n", "routeing:\n")
    err = load_error(target)
    assert "unknown section 'routeing'" in str(err) and "did you mean 'routing'" in err.hint
    target = copy_rules(tmp_path / "b")
    (target / "extra.yaml").write_text("units: []\n", encoding="utf-8")
    assert "section 'units' is defined twice" in str(load_error(target))


def test_missing_section_and_directory(tmp_path):
    target = copy_rules(tmp_path)
    (target / "review.yaml").unlink()
    assert "lacks section(s) review" in str(load_error(target))
    assert "not found" in str(load_error(tmp_path / "nowhere"))


def test_hostile_yaml_is_refused(tmp_path):
    target = copy_rules(tmp_path)
    (target / "evil.yaml").write_text("staff: !!python/object/apply:os.system ['echo pwned']\n", encoding="utf-8")
    err = load_error(target)
    assert "tag" in str(err) and "not allowed" in str(err) and err.line == 1


def test_extends_overrides_sections_and_detects_cycles(tmp_path):
    change = tmp_path / "change"
    change.mkdir()
    (change / "ruleset.yaml").write_text(f"extends: {RULES_DIR}\n", encoding="utf-8")
    (change / "routing.yaml").write_text(
        "routing:\n  - id: all_general\n    to: room.general\n", encoding="utf-8")
    rules = load_rules(change)
    assert [r.id for r in rules.routing_rules] == ["all_general"]
    assert rules.catalogue.units == shipped_rules().catalogue.units
    assert rules.digest != shipped_rules().digest

    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "x.yaml").write_text("extends: ../b\n", encoding="utf-8")
    (b / "x.yaml").write_text("extends: ../a\n", encoding="utf-8")
    assert "cycle" in str(load_error(a))


def test_valid_until_before_valid_from(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "routing.yaml", "    to: room.medical\n",
         "    to: room.medical\n    valid_from: 2021-01-01\n    valid_until: 2020-01-01\n")
    err = load_error(target)
    assert "valid_until is before valid_from" in str(err) and err.item == "rule medical"


# ---------------------------------------------------------------- all errors at once; YAML in plain words


def test_a_file_with_four_errors_reports_all_four(tmp_path):
    change = tmp_path / "change"
    change.mkdir()
    (change / "set.yaml").write_text(f"extends: {RULES_DIR}\n", encoding="utf-8")
    (change / "routing.yaml").write_text(
        "routing:\n"
        "  - id: a\n    when: {category: medcal}\n    to: room.medical\n"        # 2: unknown category
        "  - id: b\n    when: {category: labor}\n    to: room.labour\n"         # 5: unknown destination
        "  - id: c\n    when: {parties: {'>=': many}}\n    to: room.general\n"  # 8: not a number
        "  - id: d\n    wen: {category: labor}\n    to: room.general\n"         # 11: unknown key
        "  - id: fallback\n    to: room.general\n", encoding="utf-8")
    err = load_error(change)
    assert len(err.errors) == 4
    assert [(e.line, e.field) for e in err.errors] == [(3, "category"), (7, "to"), (9, "parties"), (12, "wen")]
    assert all(e.file.endswith("routing.yaml") for e in err.errors)
    assert str(err).endswith("(and 3 more errors: `mediation rules check` lists them all)")
    from click.testing import CliRunner

    from mediation.cli import cli

    result = CliRunner().invoke(cli, ["rules", "check", str(change)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith("mediation: error:")]
    assert len(lines) == 4 and "routing.yaml:12 (rule d, field wen)" in lines[3]
    as_json = CliRunner().invoke(cli, ["rules", "check", str(change), "--json"])
    assert as_json.exit_code == 2 and as_json.output.count('"field"') == 4


def test_errors_in_several_files_and_sections_are_all_reported(tmp_path):
    target = copy_rules(tmp_path)
    (target / "notes.yaml").write_text("remarks: []\n", encoding="utf-8")
    (target / "more.yaml").write_text("a:\n  - b\n c: 1\n", encoding="utf-8")
    err = load_error(target)
    assert [e.file.rsplit("/", 1)[-1] for e in err.errors] == ["more.yaml", "notes.yaml"]
    assert "unknown section 'remarks'" in err.errors[1].message
    # the files read, the review rules, the routing rules and the staff are each checked whole
    target = copy_rules(tmp_path / "b")
    edit(target / "staff.yaml", "role: mediator", "role: mediatr")
    edit(target / "review.yaml", "outcome: rejected", "outcome: rejectd")
    edit(target / "routing.yaml", "to: room.medical", "to: room.medcal")
    err = load_error(target)
    assert [e.field for e in err.errors] == ["outcome", "to", "role"]
    assert [e.file.rsplit("/", 1)[-1] for e in err.errors] == ["review.yaml", "routing.yaml", "staff.yaml"]


@pytest.mark.parametrize(("text", "words", "line"), [
    ("routing:\n  - id: a\n    when: {category: medical}\n   to: room.medical\n",
     "line 4 is indented to column 4, which lines up with nothing above it: in the list from line 2, items ('- ') "
     "start at column 3 and their keys at column 5", 4),
    ("routing:\n  - id: a\n    to: room.medical\n  label: x\n",
     "line 4 starts in the column of the items of the list from line 2, but without '- '", 4),
    ("routing:\n\t- id: a\n", "a tab character at line 2, column 1: indent with spaces only", 2),
    ("routing:\n- id: a\n  to: x\n  - id: b\n", "line 4 is a list item ('- ') among the keys of the mapping", 4),
    ("routing:\n  - id: a\n    when:\n      category: medical\n     to: x\n",
     "line 5 is indented to column 6, which lines up with nothing above it", 5),
    ("routing:\n  - id: a\n    label: note: this\n", "text holding ': ' must be quoted", 3),
    ("routing:\n  - {id: a, to: x\n  - id: b\n", "the '{' begun on line 2 is not closed by '}'", 3),
])
def test_bad_yaml_says_where_and_what_in_plain_words(tmp_path, text, words, line):
    target = copy_rules(tmp_path)
    (target / "routing.yaml").write_text(text, encoding="utf-8")
    err = load_error(target)
    assert words in err.message and err.line == line and err.file.endswith("routing.yaml")
    assert "did not find expected" not in str(err) and "<block" not in str(err)


# ---------------------------------------------------------------- proposals: one rule changed by id


def proposal(tmp_path: Path, changes: str, name: str = "p") -> Path:
    target = tmp_path / name
    target.mkdir()
    (target / "set.yaml").write_text(f"extends: {RULES_DIR}\n", encoding="utf-8")
    (target / "routing.yaml").write_text(changes, encoding="utf-8")
    return target


def test_a_proposal_inserts_replaces_and_removes_rules_by_id(tmp_path):
    target = proposal(tmp_path, """\
routing_changes:
  - insert:
      id: mass_lawyer
      when: {parties: {">=": 10}}
      to: room.lawyer
    before: major
  - replace: {id: major, when: {risk: high}, to: room.general}
  - remove: consultation
  - insert: {id: noise, when: {summary: {contains_any: [噪音]}}, to: room.property}
    after: medical
""")
    rules = load_rules(target)
    shipped = [r.id for r in shipped_rules().routing_rules]
    ids = [r.id for r in rules.routing_rules]
    expected = [i for i in shipped if i != "consultation"]
    expected.insert(expected.index("major"), "mass_lawyer")
    expected.insert(expected.index("medical") + 1, "noise")
    assert ids == expected
    by_id = {r.id: r for r in rules.routing_rules}
    assert by_id["mass_lawyer"].source.file.endswith("p/routing.yaml") and by_id["mass_lawyer"].source.line == 3
    assert by_id["major"].source.line == 7 and by_id["medical"].source.file.endswith("rules/routing.yaml")
    assert rules.describe(by_id["major"].when) == "risk = high"


def test_the_example_proposal_is_the_same_rule_set_as_a_full_copy(tmp_path):
    """examples/rules-mass-lawyer says only its change; copying the whole section gives the same digest."""
    full = tmp_path / "full"
    full.mkdir()
    (full / "set.yaml").write_text(f"extends: {RULES_DIR}\n", encoding="utf-8")
    text = (RULES_DIR / "routing.yaml").read_text(encoding="utf-8")
    major = text.index("  - id: major\n")
    end = text.index("\n\n", major)
    text = (text[:major] + "  - id: mass_lawyer\n    label: 群体性纠纷，律师调解\n    when: {parties: {\">=\": 10}}\n"
            "    to: room.lawyer\n\n  - id: major\n    label: 高风险，联合调解\n    when: {risk: high}\n"
            "    to: room.general" + text[end:])
    (full / "routing.yaml").write_text(text, encoding="utf-8")
    example = load_rules(ROOT / "examples" / "rules-mass-lawyer")
    assert "routing_changes" in (ROOT / "examples" / "rules-mass-lawyer" / "routing.yaml").read_text(encoding="utf-8")
    assert example.digest == load_rules(full).digest


@pytest.mark.parametrize(("changes", "words", "line", "field"), [
    ("routing_changes:\n  - remove: consultaton\n", "no routing rule 'consultaton' to remove", 2, "remove"),
    ("routing_changes:\n  - insert: {id: major, to: room.general, when: {risk: high}}\n    before: medical\n",
     "there is already a routing rule 'major'", 2, "insert"),
    ("routing_changes:\n  - insert: {id: x, to: room.general, when: {risk: high}}\n",
     "insert says where: before: ID or after: ID", 2, "insert"),
    ("routing_changes:\n  - replace: {id: x, to: room.general}\n", "no routing rule 'x' to replace", 2, "replace"),
    ("routing_changes:\n  - remove: major\n    replace: {id: medical, to: room.general}\n",
     "a change does one thing", 2, None),
    ("routing_changes:\n  - replace: {id: medical, to: room.medcal, when: {category: medical}}\n",
     "unknown destination 'room.medcal'", 2, "to"),
])
def test_proposal_errors_name_the_change(tmp_path, changes, words, line, field):
    err = load_error(proposal(tmp_path, changes))
    assert words in err.message and err.line == line and err.field == field, str(err)
    assert err.file.endswith("p/routing.yaml")


def test_a_proposal_changes_or_defines_a_policy_not_both(tmp_path):
    target = proposal(tmp_path, "routing_changes:\n  - remove: consultation\n")
    (target / "own.yaml").write_text("routing:\n  - id: fallback\n    to: room.general\n", encoding="utf-8")
    assert "give either routing or routing_changes" in str(load_error(target))


def test_catalogue_errors_of_several_entries_are_all_reported(tmp_path):
    target = copy_rules(tmp_path)
    edit(target / "categories.yaml", "    department: women_federation\n", "    department: womens_federation\n")
    edit(target / "categories.yaml", "    department: natural_resources\n", "    department: natural_resource\n")
    edit(target / "destinations.yaml", "    mediation_type: people\n", "    mediation_type: peoples\n")
    err = load_error(target)
    assert [(e.file.rsplit("/", 1)[-1], e.field) for e in err.errors] == [
        ("categories.yaml", "department"), ("categories.yaml", "department"), ("destinations.yaml", "mediation_type")]
