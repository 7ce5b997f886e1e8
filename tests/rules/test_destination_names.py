"""Issue 12, point 6 (destinations): the seed's own short names.

Source: the district's 2020 report on law-based government (``seed/``), section 六(一):
"设立综合调解室、信访事项调解室、物业纠纷调解室、医疗纠纷调解室等11个调解室和综合调解、法律咨询、
法律服务等7个窗口". 法律咨询 and 法律服务 name one window each; 综合调解 names the window
(综合调解窗口) there, but the room is 综合调解室: given alone it is ambiguous, refused with both
choices (at a terminal, asked: tests/cli/test_destination_choice.py).
"""

from __future__ import annotations

import pickle
import shutil

import pytest

from mediation import desk
from mediation.errors import AmbiguousLabel, CaseError, RuleError
from mediation.rules import load_rules
from tests.support import ROOT


@pytest.mark.parametrize(("text", "dest"), [
    ("法律咨询", "window.consult"), ("法律諮詢", "window.consult"),
    ("法律服务", "window.legal_service"), ("法律服務", "window.legal_service"),
    ("综合调解室", "room.general"), ("综合调解窗口", "window.mediation"),
])
def test_the_unambiguous_seed_names_resolve(rules, text, dest):
    assert desk.destination_id(rules, text) == dest


@pytest.mark.parametrize("text", ["综合调解", "綜合調解", " 综合调解 "])
def test_zonghe_tiaojie_is_ambiguous_and_lists_both(rules, text):
    with pytest.raises(AmbiguousLabel) as info:
        desk.destination_id(rules, text, option="to")
    err = info.value
    assert isinstance(err, CaseError) and err.choices == ("room.general", "window.mediation")
    assert str(err) == (f"destination '{text}' is ambiguous: room.general (综合调解室) or "
                        "window.mediation (综合调解窗口) (field to): give the id or the full name")
    again = pickle.loads(pickle.dumps(err))  # across replay workers
    assert (str(again), again.choices) == (str(err), err.choices)


def test_a_shared_alias_must_be_shared_and_nobody_s_own(tmp_path):
    target = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", target)
    path = target / "destinations.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    shared_aliases: [综合调解]\n  - id: window.consult",
                                 "  - id: window.consult"), encoding="utf-8")
    with pytest.raises(RuleError, match="'综合调解' is a shared alias of 'room.general' alone"):
        load_rules(target)
    path.write_text(text.replace("aliases: [法律咨询]", "aliases: [法律咨询, 综合调解]"), encoding="utf-8")
    with pytest.raises(RuleError, match="'综合调解' is 'window.consult''s own and cannot be shared"):
        load_rules(target)
