"""The time limit of a case's current stage (docs/design.md §3, ``rules/sla.yaml``).

A pure function of where the case is (its state and when its current stage
started), its category and destination, any extension, and the rule set's
time limits and working-day calendar:

=================================  ===========  ==========================
state                              stage        counted from
=================================  ===========  ==========================
registered, under_review           review       registration
diverted                           take_up      diversion (or the last transfer)
in_progress                        mediation    taking up (+ an extension's days)
settled, unsettled                 follow_up    settlement / failure
served                             none         (a window's service is done; only closing is left)
rejected, referred_out, withdrawn,
closed                             none         (final)
=================================  ===========  ==========================

A limit of N working days ends on the Nth working day after the start date
(the start day not counted); N calendar days end on start + N. A case is
overdue on any day after its deadline. A date outside the calendar's known
years raises :class:`~mediation.errors.CalendarError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mediation.deadlines.calendar import calendar_of

#: The stage (a key of ``rules.time_limits``) whose limit runs in each state.
STAGE_OF_STATE: dict[str, str] = {
    "registered": "review",
    "under_review": "review",
    "diverted": "take_up",
    "in_progress": "mediation",
    "settled": "follow_up",
    "unsettled": "follow_up",
}
JUDICIAL_CONFIRMATION = "judicial_confirmation"


@dataclass(frozen=True, slots=True)
class Deadline:
    """The current stage's limit: ``due`` is the last day the stage may take."""

    stage: str
    label: str
    start: date
    due: date
    limit: int  # days, extension included
    days: str  # "working" or "calendar"

    def overdue(self, today: date) -> bool:
        """Whether the case is overdue on ``today`` (any day after ``due``)."""
        return today > self.due

    def as_dict(self) -> dict:
        return {"stage": self.stage, "label": self.label, "start": self.start.isoformat(),
                "due": self.due.isoformat(), "limit": self.limit, "days": self.days}


def stage_deadline(rules: Any, stage: str, start: date | datetime, *, category: str | None = None,
                   destination: str | None = None, extra_days: int = 0) -> Deadline:
    """The deadline of ``stage`` started on ``start`` for a case of ``category`` at ``destination``."""
    limit = rules.time_limits[stage]
    if isinstance(start, datetime):
        start = start.date()
    n = limit.limit_for(category=category, destination=destination) + extra_days
    calendar = calendar_of(rules)
    if limit.days == "working":
        due = calendar.add_working_days(start, n)
    else:
        due = calendar.add_calendar_days(start, n)
    return Deadline(stage=stage, label=limit.label, start=start, due=due, limit=n, days=limit.days)


def current_deadline(rules: Any, *, state: str, stage_at: date | datetime, category: str | None = None,
                     destination: str | None = None, extension_days: int = 0) -> Deadline | None:
    """The deadline of the stage ``state`` is in, begun at ``stage_at``; None if no limit runs.

    ``extension_days`` (from an ``extend``) lengthens the mediation stage only.
    """
    stage = STAGE_OF_STATE.get(state)
    if stage is None or stage not in rules.time_limits:
        return None
    extra = extension_days if stage == "mediation" else 0
    return stage_deadline(rules, stage, stage_at, category=category, destination=destination,
                          extra_days=extra)


def deadline_of(row: Mapping[str, Any], rules: Any) -> Deadline | None:
    """:func:`current_deadline` of a stored case row (a ``cases`` row mapping)."""
    return current_deadline(
        rules, state=row["state"], stage_at=row["stage_at"], category=row["category"],
        destination=row["destination"], extension_days=row["extension_days"] or 0,
    )


def judicial_confirmation_due(rules: Any, row: Mapping[str, Any]) -> date | None:
    """The 司法确认 reminder date of a case settled with a written agreement, else None.

    Counted from the settlement (``stage_at`` while the case is ``settled``).
    """
    if row["state"] != "settled" or row["agreement_form"] != "written":
        return None
    if JUDICIAL_CONFIRMATION not in rules.time_limits:
        return None
    return stage_deadline(rules, JUDICIAL_CONFIRMATION, row["stage_at"],
                          category=row["category"], destination=row["destination"]).due
