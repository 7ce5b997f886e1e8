"""Roles: each role may do what docs/roles.md and ``rules/staff.yaml`` say, and is refused everything else.

The matrix below is written out from the staff file's comments (not read from
:mod:`mediation.desk.roles`), so that a change to the code's matrix shows up
here. Every (action, role) pair is tried on a case in a state where the
lifecycle allows the action: an allowed pair succeeds; a refused one raises
:class:`PermissionDenied` and leaves every table as it was. Through the CLI a
refusal is one line on stderr, exit code 2, and nothing written.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from click.testing import CliRunner

from mediation import desk
from mediation.cli import cli
from mediation.errors import InputError, NotFound, PermissionDenied
from tests.crash_support import ROOT, table_rows
from tests.support import AGREEMENT, AGREEMENT_FLAGS

T0 = datetime(2020, 6, 15, 9, 0)
MEDICAL = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "医疗（合成示例）",
           "applicant_name": "测试甲", "applicant_phone": "13800001234"}
CONSULT = {"form": "口头", "category": "邻里", "street": "东街道", "summary": "咨询（合成示例）", "request": "咨询"}

CLERK, OWN, OTHER, SUPERVISOR = "clerk", "mediator at the case's place", "mediator elsewhere", "supervisor"
ROLES = (CLERK, OWN, OTHER, SUPERVISOR)
#: action -> the roles allowed it (docs/roles.md, rules/staff.yaml; docs/design.md §8 names the roles).
MATRIX = {
    "register": {CLERK, SUPERVISOR},
    "review": {CLERK, SUPERVISOR},
    "divert": {CLERK, SUPERVISOR},
    "override": {SUPERVISOR},
    "take": {OWN, SUPERVISOR},
    "settle": {OWN, SUPERVISOR},
    "fail": {OWN, SUPERVISOR},
    "serve": {OWN, SUPERVISOR},
    "extend": {OWN, SUPERVISOR},
    "transfer": {OWN, SUPERVISOR},
    "withdraw": {CLERK, OWN, SUPERVISOR},
    "close": {CLERK, OWN, SUPERVISOR},
    "reveal": {CLERK, OWN, SUPERVISOR},
    "escalate": {SUPERVISOR},
}

#: action -> (case data, the steps that bring a case to where the action is allowed)
SETUP = {
    "register": (None, []),
    "review": (MEDICAL, []),
    "divert": (MEDICAL, ["review"]),
    "override": (MEDICAL, ["review"]),
    "take": (MEDICAL, ["review", "divert"]),
    "transfer": (MEDICAL, ["review", "divert"]),
    "settle": (MEDICAL, ["review", "divert", "take"]),
    "fail": (MEDICAL, ["review", "divert", "take"]),
    "extend": (MEDICAL, ["review", "divert", "take"]),
    "serve": (CONSULT, ["review", "divert", "take"]),
    "withdraw": (MEDICAL, ["review", "divert"]),
    "close": (MEDICAL, ["review", "divert", "take", "settle"]),
    "reveal": (MEDICAL, ["review", "divert"]),
    "escalate": (None, []),
}
#: Where each kind of case goes, and who works there and who does not.
PLACE = {"room.medical": ("med_medical", "med_labor"), "window.consult": ("med_lawyer", "med_labor")}
ARGS = {"settle": {"agreement_form": "written", "agreement": AGREEMENT}, "fail": {"routes": ["litigation"]},
        "extend": {"days": 10, "consent": True}, "transfer": {"to": "room.general", "reason": "涉及多方"}}


def operator(role: str, destination: str | None) -> str:
    own, other = PLACE.get(destination, ("med_medical", "med_labor"))
    return {CLERK: "clerk01", OWN: own, OTHER: other, SUPERVISOR: "sup01"}[role]


def prepared(db, rules, action: str) -> tuple[str | None, str | None]:
    """A case where ``action`` is allowed by the lifecycle: (case number, destination)."""
    data, steps = SETUP[action]
    if data is None:
        return None, None
    no = desk.register(db, rules, data, operator="clerk01", at=T0).case_no
    for n, step in enumerate(steps, 1):
        getattr(desk, step)(db, rules, no, operator="sup01", at=T0 + timedelta(minutes=n),
                               **({"agreement_form": "oral"} if step == "settle" else {}))
    return no, desk.show(db, no).row["destination"]


def attempt(db, rules, action: str, no: str | None, who: str, at: datetime):
    if action == "register":
        return desk.register(db, rules, MEDICAL, operator=who, at=at)
    if action == "override":
        return desk.divert(db, rules, no, to="room.lawyer", reason="疑难", operator=who, at=at)
    if action == "escalate":
        escalation = pytest.importorskip("mediation.desk.escalation")
        return escalation.escalate(db, rules, operator=who, at=at)
    return getattr(desk, action)(db, rules, no, operator=who, at=at, **ARGS.get(action, {}))


@pytest.mark.parametrize("action", sorted(MATRIX))
def test_each_role_may_do_what_the_matrix_says_and_nothing_else(db, rules, action):
    for role in ROLES:
        no, destination = prepared(db, rules, action)
        who = operator(role, destination)
        before = table_rows(db)
        at = T0 + timedelta(hours=1)
        if role in MATRIX[action]:
            attempt(db, rules, action, no, who, at)
            if action != "escalate":  # nothing is overdue: nothing to record
                assert table_rows(db) != before, (action, role)
        else:
            with pytest.raises(PermissionDenied) as info:
                attempt(db, rules, action, no, who, at)
            message = str(info.value)
            assert who in message and "\n" not in message
            # what a script (and the CLI's words) needs, as attributes
            refused = info.value
            # an override is a divert first: one who may not divert is refused that
            asked = "divert" if action == "override" and role not in MATRIX["divert"] else action
            assert (refused.who, refused.action) == (who, asked)
            elsewhere = role == OTHER and OWN in MATRIX[asked]  # a mediator, but not of this case's place
            assert refused.why == ("place" if elsewhere else "role")
            assert refused.case_no == (None if action in ("register", "escalate") else no)
            assert set(refused.may) == {"mediator" if r == OWN else r for r in MATRIX[asked]}
            if elsewhere:
                assert refused.place == destination and destination not in refused.places
            assert table_rows(db) == before, (action, role)


def test_the_matrix_covers_every_action_the_code_knows():
    from mediation.desk.roles import PERMISSIONS

    assert set(MATRIX) == set(PERMISSIONS)


def test_a_third_transfer_needs_a_supervisor_whoever_asks(db, rules):
    no, _ = prepared(db, rules, "transfer")
    desk.transfer(db, rules, no, to="room.general", reason="一", operator="med_medical", at=T0 + timedelta(hours=1))
    desk.transfer(db, rules, no, to="room.medical", reason="二", operator="med_general", at=T0 + timedelta(hours=2))
    before = table_rows(db)
    with pytest.raises(PermissionDenied, match="third transfer needs a supervisor") as info:
        desk.transfer(db, rules, no, to="room.lawyer", reason="三", operator="med_medical",
                         at=T0 + timedelta(hours=3))
    assert table_rows(db) == before
    refused = info.value
    assert (refused.why, refused.transfers, refused.action, refused.case_no) == ("transfers", 2, "transfer", no)
    assert (refused.who, refused.role, refused.place, refused.may) == (
        "med_medical", "mediator", "room.medical", ("supervisor",))
    assert desk.transfer(db, rules, no, to="room.lawyer", reason="三", operator="sup01",
                            at=T0 + timedelta(hours=3)).row["transfers"] == 3


def test_no_operator_or_an_unknown_one_is_refused_and_writes_nothing(db, rules):
    no, _ = prepared(db, rules, "take")
    before = table_rows(db)
    for who, error in ((None, InputError), ("", InputError), ("med_medica", NotFound), ("'; DROP TABLE cases; --", NotFound)):
        with pytest.raises(error) as info:
            desk.take(db, rules, no, operator=who, at=T0 + timedelta(hours=1))
        if error is NotFound:
            assert (info.value.what, info.value.key) == ("operator", who)
        with pytest.raises(error):
            desk.register(db, rules, MEDICAL, operator=who, at=T0)
    assert table_rows(db) == before
    assert info.value.near is None  # nobody is near an injection
    with pytest.raises(NotFound, match="did you mean 'med_medical'") as info:
        desk.take(db, rules, no, operator="med_medica", at=T0 + timedelta(hours=1))
    assert info.value.near == "med_medical"


def test_no_such_case_says_which(db, rules):
    for no, hint in (("XS-2020-09999", None), ("abc", "case numbers look like XS-2020-00001")):
        with pytest.raises(NotFound, match="no case") as info:
            desk.take(db, rules, no, operator="sup01", at=T0)
        assert (info.value.what, info.value.key, info.value.hint) == ("case", no, hint)


def test_the_facts_of_a_refusal_survive_located_and_pickling():
    import pickle

    refused = PermissionDenied("x may not take", who="x", role="clerk", action="take", may=("supervisor",),
                               why="role")
    for copy in (pickle.loads(pickle.dumps(refused)), refused.located(case_no="XS-2020-00001", who="y")):
        assert (copy.who, copy.role, copy.action, copy.may, copy.why) == ("x", "clerk", "take", ("supervisor",), "role")
    assert refused.located(case_no="XS-2020-00001", state="ignored").case_no == "XS-2020-00001"
    missing = NotFound("no case 'abc'", what="case", key="abc", hint="h")
    assert pickle.loads(pickle.dumps(missing)).__dict__ == missing.__dict__


# ----------------------------------------------------------------------- through the CLI


def cli_args(action: str, no: str | None) -> list[str]:
    tail = {"register": ["case", "register", "--form", "书面", "--category", "医疗", "--street", "相南街道",
                         "--summary", "x"],
            "override": ["case", "divert", no, "--to", "room.lawyer", "--reason", "疑难"],
            "settle": ["case", "settle", no, "--agreement", "书面", *AGREEMENT_FLAGS],
            "fail": ["case", "fail", no, "--route", "litigation"],
            "extend": ["case", "extend", no, "--days", "10", "--consent"],
            "transfer": ["case", "transfer", no, "--to", "room.general", "--reason", "涉及多方"],
            "reveal": ["case", "show", no, "--reveal"],
            "escalate": ["escalate"]}.get(action, ["case", action, no or ""])
    return [*tail, "--at", "2020-06-15T10:00", "--rules", str(ROOT / "rules")]


def refused_pairs():
    return [(action, role) for action in sorted(MATRIX) for role in ROLES if role not in MATRIX[action]]


def test_every_refusal_through_the_cli_is_one_line_exit_2_and_writes_nothing(db, rules):
    from mediation.cli import COMMANDS, _module_exists

    runner = CliRunner()
    tried = 0
    for action, role in refused_pairs():
        if action == "escalate" and not _module_exists(COMMANDS["escalate"][0].split(":")[0]):
            continue
        no, destination = prepared(db, rules, action)
        who = operator(role, destination)
        before = table_rows(db)
        result = runner.invoke(cli, cli_args(action, no), env={"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": who})
        assert result.exit_code == 2, (action, role, result.output)
        assert result.stdout == ""
        assert result.stderr.startswith("mediation: error: ") and result.stderr.count("\n") == 1, result.stderr
        assert f"{who}（" in result.stderr and "不能" in result.stderr  # the desk's words: tests/cli/test_words.py
        assert table_rows(db) == before, (action, role)
        tried += 1
    assert tried >= 25


def test_reading_needs_no_operator_and_shows_nothing_personal(db, rules):
    no, _ = prepared(db, rules, "reveal")
    runner = CliRunner()
    env = {"MEDIATION_DB": db.url, "MEDIATION_ON_BEHALF_OF": None}
    for args in (["case", "show", no], ["case", "list"], ["queue", "room.medical"]):
        result = runner.invoke(cli, [*args, "--rules", str(ROOT / "rules")], env=env)
        assert result.exit_code == 0, result.output
        assert "测试甲" not in result.output and "13800001234" not in result.output
    before = table_rows(db)
    result = runner.invoke(cli, ["case", "show", no, "--reveal", "--operator", "clerk01",
                                 "--rules", str(ROOT / "rules")], env=env)
    assert result.exit_code == 2 and "--operator clerk01 不是您" in result.stderr
    assert table_rows(db) == before
