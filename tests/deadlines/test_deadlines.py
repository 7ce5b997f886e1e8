"""The current stage's deadline on the working-day calendar (docs/design.md §3)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mediation.deadlines.limits import (
    STAGE_OF_STATE,
    current_deadline,
    deadline_of,
    judicial_confirmation_due,
)
from mediation.errors import CalendarError
from mediation.lifecycle import FINAL_STATES, STATES


def due(rules, state, start, **kw):
    d = current_deadline(rules, state=state, stage_at=start, **kw)
    return d.due if d else None


def test_review_counts_working_days_over_national_day_2020(rules):
    # Friday 25 September: Sunday 27 September is a make-up workday.
    assert due(rules, "registered", datetime(2020, 9, 25, 10)) == date(2020, 9, 29)
    assert due(rules, "under_review", date(2020, 9, 25)) == date(2020, 9, 29)
    # 30 September + 3: the holiday runs 1-8 October; Friday 9 and Saturday 10 October are workdays.
    assert due(rules, "registered", date(2020, 9, 30)) == date(2020, 10, 12)


def test_take_up_counts_from_diversion(rules):
    assert due(rules, "diverted", date(2020, 9, 29)) == date(2020, 10, 9)
    assert due(rules, "diverted", date(2020, 10, 8)) == date(2020, 10, 10)


def test_mediation_is_calendar_days_and_extension(rules):
    assert due(rules, "in_progress", date(2020, 6, 16), category="medical") == date(2020, 7, 16)
    assert due(rules, "in_progress", date(2020, 6, 16), category="medical",
               extension_days=30) == date(2020, 8, 15)
    # the start day is not counted, whatever its time of day
    assert due(rules, "in_progress", datetime(2020, 6, 16, 23, 59), category="medical") == date(2020, 7, 16)
    # labour: 15 days from registration, no extension (tests/deadlines/test_labour.py)
    assert due(rules, "in_progress", date(2020, 6, 22), category="labor",
               registered_at=datetime(2020, 6, 15, 9)) == date(2020, 6, 30)


def test_follow_up_after_settled_or_unsettled(rules):
    d = current_deadline(rules, state="settled", stage_at=date(2020, 7, 1))
    assert (d.stage, d.due, d.limit, d.days) == ("follow_up", date(2020, 7, 15), 10, "working")
    assert due(rules, "unsettled", date(2020, 7, 1)) == date(2020, 7, 15)


@pytest.mark.parametrize("state", [*FINAL_STATES, "served"])
def test_no_deadline_in_a_final_state_or_once_served(rules, state):
    assert current_deadline(rules, state=state, stage_at=date(2020, 7, 1)) is None


def test_every_state_is_covered():
    assert set(STAGE_OF_STATE) | set(FINAL_STATES) | {"served"} == set(STATES)


def test_a_year_before_the_calendar_is_an_error_one_after_it_is_provisional(rules):
    with pytest.raises(CalendarError, match="2003"):
        current_deadline(rules, state="registered", stage_at=date(2003, 6, 1))
    d = current_deadline(rules, state="registered", stage_at=date(2099, 6, 1))  # a Monday
    assert (d.due, d.provisional_years) == (date(2099, 6, 4), (2099,))


def test_overdue_is_any_day_after(rules):
    d = current_deadline(rules, state="registered", stage_at=date(2020, 9, 25))
    assert not d.overdue(date(2020, 9, 29)) and d.overdue(date(2020, 9, 30))


def test_from_a_row_and_the_judicial_confirmation_reminder(rules):
    row = {"state": "settled", "stage_at": datetime(2020, 7, 1, 9), "category": "medical",
           "destination": "room.medical", "extension_days": 0, "agreement_form": "written"}
    assert deadline_of(row, rules).due == date(2020, 7, 15)
    assert judicial_confirmation_due(rules, row) == date(2020, 7, 31)
    assert judicial_confirmation_due(rules, {**row, "agreement_form": "oral"}) is None
    assert judicial_confirmation_due(rules, {**row, "state": "closed"}) is None


# ----------------------------------------------------------------------- 2027 and beyond


def test_2027_is_provisional_until_the_calendar_file_adds_it(rules):
    # Wednesday 30 December 2026 + 3 working days runs into 2027, which the package does not know:
    # Monday to Friday, so Friday 1 January counts, and the deadline is marked provisional.
    d = current_deadline(rules, state="registered", stage_at=date(2026, 12, 30))
    assert (d.due, d.provisional, d.provisional_years) == (date(2027, 1, 4), True, (2027,))
    # Once rules/calendar.yaml has the year (here: only New Year's Day off), it is final.
    from mediation.rules.model import CalendarSpec, YearSchedule

    year = YearSchedule(2027, "test notice", holidays=frozenset({date(2027, 1, 1)}))

    class With2027:  # the shipped limits, and a calendar file that adds 2027
        time_limits = rules.time_limits
        calendar_spec = CalendarSpec(years={2027: year})

    with_2027 = With2027()
    # 31 December (Thursday), 1 January off, 4 and 5 January
    final = current_deadline(with_2027, state="registered", stage_at=date(2026, 12, 30))
    assert (final.due, final.provisional) == (date(2027, 1, 5), False)


def test_a_limit_in_calendar_days_needs_no_working_day_calendar(rules):
    # Mediation counts calendar days: a December 2026 start ends in 2027 without knowing its holidays.
    d = current_deadline(rules, state="in_progress", stage_at=date(2026, 12, 20), category="medical")
    assert (d.due, d.provisional) == (date(2027, 1, 19), False)
    d = current_deadline(rules, state="in_progress", stage_at=date(2026, 12, 22), category="labor",
                         registered_at=date(2026, 12, 20))
    assert (d.due, d.provisional) == (date(2027, 1, 4), False)
    d = current_deadline(rules, state="settled", stage_at=date(2026, 12, 20))  # 10 working days
    assert (d.due, d.provisional) == (date(2027, 1, 1), True)  # 21-25, 28-31 Dec, then Friday 1 January


def test_an_extension_lengthens_the_mediation_stage_only(rules):
    assert due(rules, "diverted", date(2020, 9, 28), extension_days=30) == date(2020, 9, 30)


def test_the_limits_are_those_of_design_section_3(rules):
    limits = {stage: (t.limit, t.days) for stage, t in rules.time_limits.items()}
    assert limits == {"review": (3, "working"), "take_up": (2, "working"), "mediation": (30, "calendar"),
                      "follow_up": (10, "working"), "judicial_confirmation": (30, "calendar")}
    assert rules.time_limits["mediation"].limit_for(category="labor") == 15
    assert rules.time_limits["mediation"].extension_days == 30
    assert rules.escalation_level_2_after == 5
