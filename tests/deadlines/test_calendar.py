"""The working-day calendar: official holidays, the calendar file, deadline arithmetic."""

from __future__ import annotations

import pickle
import textwrap
from datetime import date, datetime, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mediation.deadlines.calendar import PACKAGE_YEARS, WorkCalendar, load_calendar
from mediation.errors import CalendarError, RuleError
from mediation.rules.load_calendar import read_calendar
from mediation.rules.schema import Section
from mediation.rules.yamlfile import load_yaml_text

RULES = Path(__file__).resolve().parents[2] / "rules"
FILE = "rules/calendar.yaml"

D = date


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    """The calendar as shipped."""
    return load_calendar(RULES, display=FILE)


def from_yaml(text: str) -> WorkCalendar:
    """A calendar from the text of a calendar file, as the rule-set loader builds it."""
    data = load_yaml_text(textwrap.dedent(text), FILE)
    return WorkCalendar.of(read_calendar(Section("calendar", data["calendar"], FILE, data.line_of("calendar"))))


def rule_error(text: str) -> RuleError:
    with pytest.raises(RuleError) as info:
        from_yaml(text)
    return info.value


# -- the 2020 National Day holiday (docs/design.md §3) ---------------------------------


@pytest.mark.parametrize("day", range(1, 9))
def test_national_day_2020_is_off(cal, day):
    assert not cal.is_workday(D(2020, 10, day))


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (D(2020, 9, 26), False),  # Saturday
        (D(2020, 9, 27), True),  # Sunday, make-up workday
        (D(2020, 9, 30), True),
        (D(2020, 10, 9), True),
        (D(2020, 10, 10), True),  # Saturday, make-up workday
        (D(2020, 10, 11), False),  # Sunday
        (D(2020, 10, 12), True),
    ],
)
def test_days_around_national_day_2020(cal, d, expected):
    assert cal.is_workday(d) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # 30 Sep, then 1–8 Oct off, 9 Oct, 10 Oct (Saturday, make-up).
        (D(2020, 9, 29), 3, D(2020, 10, 10)),
        (D(2020, 9, 30), 1, D(2020, 10, 9)),
        (D(2020, 9, 30), 2, D(2020, 10, 10)),
        (D(2020, 9, 30), 3, D(2020, 10, 12)),  # Sunday 11 Oct is off
        (D(2020, 9, 25), 1, D(2020, 9, 27)),  # Friday → the make-up Sunday
        (D(2020, 9, 26), 2, D(2020, 9, 28)),  # from a day off: 27, 28 Sep
        (D(2020, 10, 3), 1, D(2020, 10, 9)),  # registered during the holiday
        (D(2020, 10, 3), 10, D(2020, 10, 21)),  # 9, 10, 12–16, 19–21 Oct
        (D(2020, 9, 29), 0, D(2020, 9, 29)),
        (D(2020, 10, 4), 0, D(2020, 10, 4)),  # 0 keeps even a day off
    ],
)
def test_add_working_days_over_national_day_2020(cal, start, n, expected):
    assert cal.add_working_days(start, n) == expected


def test_working_days_between_over_national_day_2020(cal):
    # A review deadline of 30 Sep escalated on 12 Oct: overdue on 9, 10, 12 Oct.
    assert cal.working_days_between(D(2020, 9, 30), D(2020, 10, 12)) == 3
    # More than 5 working days overdue (level 2) first on 15 Oct: 9, 10, 12–15.
    assert cal.working_days_between(D(2020, 9, 30), D(2020, 10, 14)) == 5
    assert cal.working_days_between(D(2020, 9, 30), D(2020, 10, 15)) == 6
    assert cal.working_days_between(D(2020, 9, 30), D(2020, 10, 8)) == 0
    assert cal.working_days_between(D(2020, 10, 12), D(2020, 9, 30)) == 0
    assert cal.working_days_between(D(2020, 10, 12), D(2020, 10, 12)) == 0


def test_calendar_days_ignore_holidays(cal):
    assert cal.add_calendar_days(D(2020, 9, 15), 30) == D(2020, 10, 15)
    assert cal.add_calendar_days(D(2020, 9, 30), 0) == D(2020, 9, 30)


def test_datetimes_count_by_their_date(cal):
    at = datetime(2020, 9, 29, 17, 45)
    assert cal.add_working_days(at, 3) == D(2020, 10, 10)
    assert type(cal.add_working_days(at, 3)) is date
    assert cal.is_workday(datetime(2020, 10, 10, 9, 0))
    assert cal.working_days_between(at, datetime(2020, 10, 12, 8, 0)) == 4  # 30 Sep, 9, 10, 12 Oct
    assert cal.add_calendar_days(at, 1) == D(2020, 9, 30)


def test_negative_count_is_refused(cal):
    with pytest.raises(ValueError, match="n >= 0"):
        cal.add_working_days(D(2020, 9, 29), -1)


def test_counting_crosses_a_year_end(cal):
    # 2020-12-31 Thursday; 1–3 Jan 2021 off; 4 Jan Monday.
    assert cal.add_working_days(D(2020, 12, 31), 1) == D(2021, 1, 4)
    assert cal.working_days_between(D(2020, 12, 30), D(2021, 1, 4)) == 2
    # The 2019 notice made Saturday 29 Dec 2018 a workday and 30–31 Dec days off.
    assert cal.is_workday(D(2018, 12, 29))
    assert cal.add_working_days(D(2018, 12, 28), 1) == D(2018, 12, 29)
    assert cal.add_working_days(D(2018, 12, 29), 1) == D(2019, 1, 2)


# -- unknown years -------------------------------------------------------------


def test_shipped_file_covers_exactly_the_package_years(cal):
    assert cal.known_years == PACKAGE_YEARS
    assert min(cal.known_years) == 2004
    assert max(cal.known_years) == 2026


def test_2027_is_provisional_monday_to_friday(cal):
    # DESIGN §3: a year nobody has entered, after the known ones, counts Monday to Friday.
    assert cal.is_provisional(2027) and not cal.is_provisional(2026) and not cal.is_provisional(2003)
    assert cal.is_workday(D(2027, 1, 1))  # a Friday: New Year's Day is not known yet
    assert not cal.is_workday(D(2027, 1, 2))  # Saturday
    assert cal.source_of(2027) == "provisional" and cal.source_of(2020) == "package"


def test_counting_into_2027_is_provisional(cal):
    # After Monday 28 Dec 2026 come 29, 30, 31 Dec; the 4th working day is Friday 1 January 2027.
    assert cal.add_working_days(D(2026, 12, 28), 3) == D(2026, 12, 31)
    assert cal.provisional_years(D(2026, 12, 28), D(2026, 12, 31)) == ()
    assert cal.add_working_days(D(2026, 12, 28), 4) == D(2027, 1, 1)
    assert cal.provisional_years(D(2026, 12, 28), D(2027, 1, 1)) == (2027,)
    assert cal.working_days_between(D(2026, 12, 31), D(2028, 1, 3)) == 261 + 1
    assert cal.provisional_years(D(2026, 12, 31), D(2028, 1, 3)) == (2027, 2028)


def test_2003_is_an_explicit_error_saying_how_to_add_it(cal):
    with pytest.raises(CalendarError) as info:
        cal.is_workday(D(2003, 12, 31))
    message = str(info.value)
    assert "\n" not in message
    assert "no working-day calendar for 2003" in message
    assert "2003-12-31" in message
    assert "under `years: 2003:` in rules/calendar.yaml" in message
    assert "2004–2026" in message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.working_days_between(D(2003, 12, 1), D(2004, 1, 15)),
        lambda c: c.is_workday(D(2003, 12, 31)),
        lambda c: c.add_working_days(D(2003, 12, 30), 1),
        lambda c: c.source_of(2003),
    ],
)
def test_every_query_touching_a_year_before_the_calendar_fails(cal, call):
    with pytest.raises(CalendarError, match="no working-day calendar for 2003"):
        call(cal)


def test_the_error_names_the_file_the_calendar_came_from(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text("calendar:\n  years: {}\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=f"in {path}$"):
        load_calendar(path).is_workday(D(2003, 1, 6))


# -- the calendar file ---------------------------------------------------------

# Made-up dates: they exercise the format and are not the official schedule.
YEAR_2027 = """\
    calendar:
      years:
        2027:
          source: test fixture, not an official notice
          holidays:
            - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
            - {name: 测试, date: 2027-03-03}
          workdays:
            - {name: 测试调休, date: 2027-01-09}
"""


def test_a_year_added_in_the_file_works():
    c = from_yaml(YEAR_2027)
    assert 2027 in c.known_years
    assert not c.is_workday(D(2027, 1, 1))  # Friday, holiday
    assert c.is_workday(D(2027, 1, 4))  # plain Monday
    assert c.is_workday(D(2027, 1, 9))  # Saturday, make-up
    assert not c.is_workday(D(2027, 1, 10))  # plain Sunday
    assert not c.is_workday(D(2027, 3, 3))
    # 29–31 Dec 2026, then Monday 4 Jan 2027: the count now crosses the year.
    assert c.add_working_days(D(2026, 12, 28), 4) == D(2027, 1, 4)
    assert c.working_days_between(D(2026, 12, 31), D(2027, 1, 11)) == 7
    assert c.provisional_years(D(2026, 12, 31), D(2027, 1, 11)) == ()  # entered: final
    assert c.source_of(2027) == FILE and c.is_provisional(2028)


def test_a_year_in_the_file_replaces_the_package_year():
    c = from_yaml(
        """\
        calendar:
          years:
            2020:
              source: test fixture
              holidays:
                - {from: 2020-10-05, to: 2020-10-06}
              workdays: []
        """
    )
    assert chinese_calendar.is_workday(D(2020, 10, 1)) is False
    assert c.is_workday(D(2020, 10, 1))  # the package's holiday is gone
    assert not c.is_workday(D(2020, 9, 27))  # and so is its make-up Sunday
    assert not c.is_workday(D(2020, 10, 5))
    assert c.add_working_days(D(2020, 10, 2), 1) == D(2020, 10, 7)
    assert c.is_workday(D(2021, 10, 8)) == chinese_calendar.is_workday(D(2021, 10, 8))


def test_a_notice_may_move_days_at_the_end_of_the_previous_year():
    c = from_yaml(
        """\
        calendar:
          years:
            2027:
              source: test fixture
              holidays:
                - {name: 元旦, from: 2026-12-31, to: 2027-01-01}
              workdays:
                - {name: 元旦调休, date: 2026-12-27}
        """
    )
    assert c.is_workday(D(2026, 12, 27))  # Sunday
    assert not c.is_workday(D(2026, 12, 31))  # Thursday
    assert c.is_workday(D(2026, 12, 30))
    assert c.is_workday(D(2026, 10, 9)) == chinese_calendar.is_workday(D(2026, 10, 9))
    assert c.add_working_days(D(2026, 12, 30), 1) == D(2027, 1, 4)


def test_local_days_off_and_on():
    c = from_yaml(
        """\
        calendar:
          local:
            days_off:
              - {name: 中心搬迁, date: 2020-09-30}
              - {name: 设备检修, from: 2020-11-02, to: 2020-11-03}
            workdays:
              - {name: 周六值班, date: 2020-10-11}
        """
    )
    assert not c.is_workday(D(2020, 9, 30))
    assert c.is_workday(D(2020, 10, 11))  # Sunday
    assert not c.is_workday(D(2020, 11, 3))
    assert c.add_working_days(D(2020, 9, 29), 3) == D(2020, 10, 11)
    assert c.working_days_between(D(2020, 10, 30), D(2020, 11, 4)) == 1


def test_local_days_do_not_make_a_year_known():
    c = from_yaml(
        """\
        calendar:
          local:
            days_off:
              - {name: 区庆, date: 2027-05-20}
        """
    )
    assert 2027 not in c.known_years and c.is_provisional(2027)
    assert not c.is_workday(D(2027, 5, 20))  # a Thursday, off by the district's own day
    assert c.is_workday(D(2027, 5, 21))  # provisional Monday to Friday otherwise


def test_an_empty_section_means_the_package_alone():
    assert from_yaml("calendar:\n").known_years == PACKAGE_YEARS
    assert from_yaml("calendar:\n  years:\n  local:\n").is_workday(D(2020, 10, 10))


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (  # an impossible date, quoted so that YAML keeps it as text
            """\
            calendar:
              local:
                days_off:
                  - {name: x, date: "2027-02-30"}
            """,
            4,
            "not a valid date: '2027-02-30'",
        ),
        (
            """\
            calendar:
              local:
                days_off:
                  - {name: x, date: 2027/01/05}
            """,
            4,
            "not a valid date",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  source: s
                  holidays:
                    - name: 春节
                      from: 2027-02-10
                      to: 2027-02-04
                  workdays: []
            """,
            8,
            "range ends (2027-02-04) before it starts (2027-02-10)",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  source: s
                  holiday:
                    - {date: 2027-01-01}
                  workdays: []
            """,
            5,
            "unknown key 'holiday'",
        ),
        (
            """\
            calendar:
              yeras: {}
            """,
            2,
            "unknown key 'yeras'",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  holidays: []
                  workdays: []
            """,
            3,
            "has no `source:`",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  source: s
                  holidays:
                    - {date: 2026-06-01}
                  workdays: []
            """,
            6,
            "2026-06-01 does not belong under `years: 2027:`",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  source: s
                  holidays: []
                  workdays:
                    - {date: 2027-01-04}
            """,
            7,
            "make-up workday 2027-01-04 is a Monday",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  source: s
                  holidays:
                    - {from: 2027-01-01, to: 2027-01-03}
                  workdays:
                    - {date: 2027-01-02}
            """,
            8,
            "2027-01-02 is both a holiday (line 6) and a workday",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  source: s
                  holidays:
                    - {from: 2027-01-01, to: 2027-10-03}
                  workdays: []
            """,
            6,
            "is 276 days long",
        ),
        (
            """\
            calendar:
              years:
                2027:
                  source: s
                  holidays:
                    - {from: 2027-01-01, to: 2027-01-03}
                    - {date: 2027-01-03}
                  workdays: []
            """,
            7,
            "2027-01-03 is listed twice",
        ),
        (
            """\
            calendar:
              local:
                days_off:
                  - {date: 2020-09-30}
            """,
            4,
            "has no `name:`",
        ),
        (
            """\
            calendar:
              local:
                workdays:
                  - {name: x, from: 2020-10-10, to: 2020-10-11}
            """,
            4,
            "unknown key 'from'",
        ),
        (
            """\
            calendar:
              years:
                twenty:
                  source: s
            """,
            3,
            "is not a year",
        ),
        (
            """\
            calendar:
              local:
                days_off:
                  - 2020-09-30
            """,
            4,
            "must be a mapping",
        ),
    ],
)
def test_validation_errors_name_the_file_and_line(text, line, words):
    err = rule_error(text)
    assert words in str(err)
    assert err.file == FILE
    assert err.line == line
    assert f"in {FILE}:{line}" in str(err)


def test_misspelt_keys_get_a_suggestion():
    err = rule_error("calendar:\n  local:\n    day_off: []\n")
    assert err.hint == "did you mean 'days_off'?"


def test_load_calendar_takes_the_directory_or_the_file(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text(textwrap.dedent(YEAR_2027), encoding="utf-8")
    assert load_calendar(tmp_path) == load_calendar(path)
    assert 2027 in load_calendar(tmp_path).known_years


def test_load_calendar_reports_an_unquoted_impossible_date_with_its_line(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text(
        "calendar:\n  local:\n    days_off:\n      - {name: x, date: 2027-02-30}\n",
        encoding="utf-8",
    )
    with pytest.raises(RuleError) as info:
        load_calendar(path)
    assert info.value.line == 4
    assert "invalid date" in str(info.value)


def test_load_calendar_needs_the_calendar_key(tmp_path):
    path = tmp_path / "calendar.yaml"
    path.write_text("calender:\n  years: {}\n", encoding="utf-8")
    with pytest.raises(RuleError, match="unknown key 'calender'.*did you mean 'calendar'"):
        load_calendar(path)


def test_a_calendar_survives_pickling_for_worker_processes(cal):
    cal.is_workday(D(2020, 10, 10))  # with a compiled year in the cache
    copy = pickle.loads(pickle.dumps(cal))
    assert copy.add_working_days(D(2020, 9, 29), 3) == D(2020, 10, 10)


# -- properties ----------------------------------------------------------------

# Starts and counts chosen so that every count stays inside the package's years.
starts = st.dates(min_value=D(2004, 1, 1), max_value=D(2025, 12, 31))
counts = st.integers(min_value=0, max_value=250)


@given(starts, counts)
def test_adding_then_counting_gives_back_n(a, n):
    cal = WorkCalendar()
    assert cal.working_days_between(a, cal.add_working_days(a, n)) == n


@given(starts, st.integers(min_value=1, max_value=250))
def test_add_working_days_lands_on_the_first_day_with_that_count(a, n):
    cal = WorkCalendar()
    end = cal.add_working_days(a, n)
    assert end > a
    assert cal.is_workday(end)
    assert cal.working_days_between(a, end - timedelta(days=1)) == n - 1


@given(starts, st.integers(min_value=0, max_value=60))
def test_working_days_between_agrees_with_the_package_day_by_day(a, span):
    cal = WorkCalendar()
    b = a + timedelta(days=span)
    expected = sum(chinese_calendar.is_workday(a + timedelta(days=i)) for i in range(1, span + 1))
    assert cal.working_days_between(a, b) == expected


@given(st.dates(min_value=D(2004, 1, 1), max_value=D(2026, 12, 31)))
def test_is_workday_agrees_with_the_package(d):
    assert WorkCalendar().is_workday(d) == chinese_calendar.is_workday(d)


@given(
    st.dates(min_value=D(2004, 1, 1), max_value=D(2024, 10, 1)),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_counting_is_additive(a, i, j):
    cal = WorkCalendar()
    b = a + timedelta(days=i)
    c = b + timedelta(days=j)
    assert cal.working_days_between(a, c) == (
        cal.working_days_between(a, b) + cal.working_days_between(b, c)
    )
