"""Loading a rule set: the shipped set, and every class of error, located."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mediation.errors import RuleError
from mediation.rules import load_rules
from tests.support import RULES_DIR, shipped_rules


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
