"""Issue 12, points 3 and 4: territorial units by their names and division codes of each period.

Sources: the National Bureau of Statistics' 统计用区划代码 lists (2016, 2019, 2020, 2021) for
相山区 (340603), as checked in issue 12:

- 340603400 is 淮北凤凰山经济开发区 in the 2019 and 2020 lists and 安徽淮北相山经济开发区管理委员会
  from 2021; the product's unit is ``kaifaqu`` (相山经济开发区);
- 2016: 340603004 三堤口街道 and 340603007 刘桥街道 side by side, 340603006 人民路街道; 刘桥 was
  abolished in 2017 and merged into 三堤口 (340603011); 人民路 was split by community.
"""

from __future__ import annotations

import pytest

from mediation.errors import CaseError, RuleError
from mediation.rules import load_rules
from tests.support import ROOT, make_case


@pytest.mark.parametrize("name", ["淮北凤凰山经济开发区", "凤凰山经济开发区", "凤凰山开发区",   # 2019 and 2020 lists
                                  "安徽淮北相山经济开发区管理委员会",                         # from 2021
                                  "相山经济开发区", "340603400", "淮北鳳凰山經濟開發區"])
def test_the_development_zone_by_the_name_of_each_period(rules, name):
    assert rules.catalogue.resolve_street(name) == "kaifaqu"
    assert make_case(rules, street=name).street == "kaifaqu"


@pytest.mark.parametrize(("text", "unit"), [
    ("340603004", "sandikou"),     # 三堤口街道, 2016 list
    ("340603007", "sandikou"),     # 刘桥街道, 2016 list, merged into 三堤口 in 2017
    ("340603011", "sandikou"),     # 三堤口街道 since 2017
    ("340603007000", "sandikou"),  # the 12-digit form of the lists
    ("３４０６０３００７", "sandikou"),  # full-width digits
    ("340603001", "xiangnan"),
    ("340602", "duji"),            # a county outside the district: referred out
])
def test_current_and_pre_2017_codes_resolve(rules, text, unit):
    assert rules.catalogue.resolve_street(text) == unit
    assert rules.catalogue.resolve("unit", text) == unit  # `case list --street 340603007`


def test_a_code_given_as_a_json_number(rules):
    assert make_case(rules, street=340603007).street == "sandikou"


def test_liuqiao_is_merged_into_sandikou_not_a_former_name_of_it(rules):
    """Routing 刘桥 to sandikou stays right (its territory is 三堤口's now); the wording says merged."""
    assert rules.catalogue.resolve_street("刘桥街道") == "sandikou"
    text = (ROOT / "rules" / "units.yaml").read_text(encoding="utf-8")
    assert "is the former name" not in text and "merged into 三堤口" in text


def test_the_renminlu_code_needs_the_community_like_its_name(rules):
    cat = rules.catalogue
    assert cat.resolve_street("340603006", "杈园社区") == "renwei"
    assert cat.resolve_street("340603006", "曙光社区") == "nanli"
    with pytest.raises(CaseError, match="人民路街道 was split: the community decides the unit") as info:
        cat.resolve_street("340603006")
    assert info.value.field == "community"
    with pytest.raises(CaseError, match="was split"):
        make_case(rules, street="340603006")


def test_an_unknown_code_is_refused_naming_the_known_ones(rules):
    with pytest.raises(CaseError) as info:
        rules.catalogue.resolve_street("340603099")
    assert str(info.value) == ("unknown division code '340603099' (field street): the district's codes are "
                               "340603001–340603400 (统计用区划代码); or give the name")


def test_two_units_cannot_share_a_code(tmp_path):
    import shutil

    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    units = target / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8").replace(
        'former_codes: ["340603004", "340603007"]', 'former_codes: ["340603004", "340603001"]'), encoding="utf-8")
    with pytest.raises(RuleError, match="division code 340603001 is given to both 'xiangnan' and 'sandikou'"):
        load_rules(target)
