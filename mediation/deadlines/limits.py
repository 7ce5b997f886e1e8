"""The time limit of a case's current stage (docs/design.md §3, ``rules/sla.yaml``).

A pure function of where the case is (its state and when its current stage
started), its category and destination, any extension, and the rule set's
time limits and working-day calendar:

=================================  ===========  ==========================
state                              stage        counted from
=================================  ===========  ==========================
registered, under_review           review       registration
diverted                           take_up      diversion (or the last transfer)
in_progress                        mediation    taking up (+ an extension's days);
                                                labour: registration, no extension
settled, unsettled                 follow_up    settlement / failure
served                             none         (a window's service is done; only closing is left)
rejected, referred_out, withdrawn,
closed                             none         (final)
=================================  ===========  ==========================

A limit of N working days ends on the Nth working day after the start date
(the start day not counted); N calendar days end on start + N. A case is
overdue on any day after its deadline.

The start is the day the stage began, unless the limit's terms say
``counted_from: registration``: the labour limit runs 15 days from the day the
centre received the application (劳动争议调解仲裁法 art. 14), whatever
happened since, and allows no extension. Deadlines are never stored: they are
computed again from the case row (``stage_at``, ``registered_at``,
``extension_days``) each time, so a change of the rules applies to the cases
already open.

A working-day count through a provisional year (one whose holidays nobody has
entered, :mod:`.calendar`) gives a deadline marked ``provisional``. A date
before every known year raises :class:`~mediation.errors.CalendarError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from mediation.deadlines.calendar import calendar_of
from mediation.rules.model import LimitTerms

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
MEDIATION = "mediation"


@dataclass(frozen=True, slots=True)
class Deadline:
    """The current stage's limit: ``due`` is the last day the stage may take.

    ``provisional_years``: the provisional years the count ran through (empty:
    the deadline is final). ``counted_from``: ``stage`` or ``registration``;
    ``basis`` and ``then``: the legal source and the route open once it passed
    (from the limit's terms in ``rules/sla.yaml``).
    """

    stage: str
    label: str
    start: date
    due: date
    limit: int  # days, extension included
    days: str  # "working" or "calendar"
    provisional_years: tuple[int, ...] = ()
    counted_from: str = "stage"
    basis: str | None = None
    then: str | None = None

    @property
    def provisional(self) -> bool:
        """Whether the deadline was counted through a provisional year (暂定)."""
        return bool(self.provisional_years)

    def overdue(self, today: date) -> bool:
        """Whether the case is overdue on ``today`` (any day after ``due``)."""
        return today > self.due

    def as_dict(self) -> dict:
        return {"stage": self.stage, "label": self.label, "start": self.start.isoformat(),
                "due": self.due.isoformat(), "limit": self.limit, "days": self.days,
                "provisional": self.provisional, "counted_from": self.counted_from,
                "basis": self.basis, "then": self.then}


def _day(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def stage_deadline(rules: Any, stage: str, start: date | datetime, *, category: str | None = None,
                   destination: str | None = None, extra_days: int = 0,
                   registered_at: date | datetime | None = None) -> Deadline:
    """The deadline of ``stage`` begun on ``start`` for a case of ``category`` at ``destination``.

    ``extra_days`` (an extension) count only where the terms allow an
    extension. Terms counted from registration need ``registered_at``.
    """
    limit = rules.time_limits[stage]
    terms = limit.terms_for(category=category, destination=destination)
    if terms.counted_from == "registration":
        if registered_at is None:
            raise ValueError(f"the {stage} limit of a {category} case counts from registration: "
                             "registered_at is needed")
        start = registered_at
    start = _day(start)
    n = terms.limit + (extra_days if terms.extendable else 0)
    calendar = calendar_of(rules)
    provisional: tuple[int, ...] = ()
    if terms.days == "working":
        due = calendar.add_working_days(start, n)
        provisional = calendar.provisional_years(start, due)
    else:
        due = calendar.add_calendar_days(start, n)
    return Deadline(stage=stage, label=limit.label, start=start, due=due, limit=n, days=terms.days,
                    provisional_years=provisional, counted_from=terms.counted_from, basis=terms.basis,
                    then=terms.then)


def current_deadline(rules: Any, *, state: str, stage_at: date | datetime, category: str | None = None,
                     destination: str | None = None, extension_days: int = 0,
                     registered_at: date | datetime | None = None) -> Deadline | None:
    """The deadline of the stage ``state`` is in, begun at ``stage_at``; None if no limit runs.

    ``extension_days`` (from an ``extend``) lengthens the mediation stage only,
    and only where its terms allow an extension (never a labour case's).
    """
    stage = STAGE_OF_STATE.get(state)
    if stage is None or stage not in rules.time_limits:
        return None
    extra = extension_days if stage == MEDIATION else 0
    return stage_deadline(rules, stage, stage_at, category=category, destination=destination,
                          extra_days=extra, registered_at=registered_at)


def deadline_of(row: Mapping[str, Any], rules: Any) -> Deadline | None:
    """:func:`current_deadline` of a stored case row (a ``cases`` row mapping)."""
    return current_deadline(
        rules, state=row["state"], stage_at=row["stage_at"], category=row["category"],
        destination=row["destination"], extension_days=row["extension_days"] or 0,
        registered_at=row.get("registered_at"),
    )


def mediation_terms(rules: Any, category: str | None, destination: str | None = None) -> LimitTerms | None:
    """The mediation limit's terms for a case (None if the rule set has no mediation limit).

    What a notice or a refusal quotes: ``limit`` days ``counted_from``,
    ``extendable``, the legal ``basis``, and ``then``: the route open to the
    parties once the limit passed without an agreement (labour: arbitration).
    """
    limit = rules.time_limits.get(MEDIATION)
    return limit.terms_for(category=category, destination=destination) if limit is not None else None


def next_routes(rules: Any, category: str | None, destination: str | None = None) -> tuple[str, ...]:
    """The routes the rules name for a case whose mediation failed or ran out (``then``), or ().

    For a labour dispute: ``("arbitration",)`` (劳动争议调解仲裁法 art. 14;
    ``rules/sla.yaml``), the route a failure notice (调解终止告知书) must name.
    Other categories name none here: the mediator says which routes the
    parties were told of (``case fail --route``), as 人民调解法 art. 26 asks.
    """
    terms = mediation_terms(rules, category, destination)
    return (terms.then,) if terms is not None and terms.then else ()


def judicial_confirmation_due(rules: Any, row: Mapping[str, Any]) -> date | None:
    """The 司法确认 reminder date of a case settled with a written agreement, else None.

    Counted from the settlement (``stage_at`` while the case is ``settled``).
    Only a written agreement (调解协议书, 人民调解法 art. 29) gets it: an
    application for confirmation (art. 33) submits the agreement itself, which
    an oral agreement (art. 28: recorded by the mediator) is not; see docs/law.md.
    """
    if row["state"] != "settled" or row["agreement_form"] != "written":
        return None
    if JUDICIAL_CONFIRMATION not in rules.time_limits:
        return None
    return stage_deadline(rules, JUDICIAL_CONFIRMATION, row["stage_at"],
                          category=row["category"], destination=row["destination"]).due
