"""Deadlines (docs/design.md §3): the working-day calendar, each stage's time limit, how late a case is.

- :mod:`.calendar`: which days are working days (the official holidays and
  make-up workdays, plus ``rules/calendar.yaml``; Monday to Friday in a
  provisional year), and counting over them;
- :mod:`.year`: one year's days off and make-up workdays, each with its source;
- :mod:`.limits`: the deadline of the stage a case is in;
- :mod:`.overdue`: how late a case is on a day, and the 督办 level it is due.

All pure: the day is always a parameter.
"""

from mediation.deadlines.calendar import WorkCalendar, calendar_of, load_calendar
from mediation.deadlines.limits import (
    STAGE_OF_STATE,
    Deadline,
    current_deadline,
    deadline_of,
    judicial_confirmation_due,
    mediation_terms,
    next_routes,
    stage_deadline,
)
from mediation.deadlines.overdue import (
    DEADLINE_STATES,
    CalendarGap,
    Lateness,
    calendar_gap,
    calendar_warning,
    lateness,
    lateness_view,
    provisional_warning,
    provisional_years_through,
)

__all__ = [
    "DEADLINE_STATES", "STAGE_OF_STATE", "CalendarGap", "Deadline", "Lateness", "WorkCalendar",
    "calendar_gap", "calendar_of", "calendar_warning", "current_deadline", "deadline_of",
    "judicial_confirmation_due", "lateness", "lateness_view", "load_calendar", "mediation_terms",
    "next_routes", "provisional_warning", "provisional_years_through", "stage_deadline",
]
