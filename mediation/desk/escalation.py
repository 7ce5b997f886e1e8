"""督办: recording escalations of overdue cases (a supervisor's act).

:func:`escalate` records, for every open case whose due level
(:func:`mediation.deadlines.overdue.lateness`) is above its recorded
``escalation``, an ``escalate`` event (from == to == its state; details:
level, previous level, stage, deadline, days overdue) and raises the recorded
level. Levels only rise; a case that moves to a new stage starts again at 0
(the desk resets the level when the deadline changes). So running it twice
changes nothing, and two supervisors running it at the same moment record
each rise once: each case is changed in a transaction of its own, re-read
inside it, and written with the optimistic version check.

A case whose deadline the calendar cannot compute is reported as not
checkable, never guessed; when only level 2 cannot be judged, level 1 is
recorded and the case is reported too. A level judged through a provisional
year (no holiday notice entered: Monday to Friday, docs/design.md §3) is recorded with
``"provisional": true`` and the years in the event's details, and the run
names those years; the event stays as written once the notice is entered
(levels only rise: the record says on what calendar it was judged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import func, select

from mediation.clock import now
from mediation.deadlines.overdue import DEADLINE_STATES, lateness
from mediation.desk.roles import authorise, entering
from mediation.errors import ConcurrentUpdate, Refused
from mediation.store.records import append, event_row, get_case
from mediation.store.schema import cases

#: When a past day's escalation is recorded unless told otherwise.
END_OF_DAY = time(23, 59, 59)

#: The levels as the timeline names them.
LEVEL_NAMES = {1: "一级", 2: "二级"}

#: How often a case changed by another desk meanwhile is re-read before giving up.
RETRIES = 5


@dataclass(frozen=True, slots=True)
class Raised:
    """One case whose level was raised: from ``previous`` to ``level``."""

    case_no: str
    state: str
    destination: str | None
    stage: str
    deadline: date
    days_overdue: int
    working_days_overdue: int | None
    previous: int
    level: int
    provisional: bool = False  # judged through a provisional year (deadline or working days overdue)
    deadline_provisional: bool = False  # the deadline itself counted through one


@dataclass(frozen=True, slots=True)
class Unchecked:
    """An open case whose level could not be judged (fully), and why: ``reason`` in English,
    ``why`` as an id: ``calendar`` (its deadline cannot be computed), ``level_2`` (overdue, but
    the working days since cannot be counted), ``later`` (its last event, at ``last_event``,
    lies after the time of escalation) or ``busy`` (changed by other desks :data:`RETRIES`
    times while it was being escalated)."""

    case_no: str
    state: str
    destination: str | None
    reason: str
    level: int | None = None  # the level recorded for it, if any
    why: str = "calendar"
    last_event: datetime | None = None


@dataclass(slots=True)
class EscalationRun:
    """What one :func:`escalate` run found and did."""

    as_of: date
    at: datetime
    operator: str
    checked: int = 0  # open cases in a state with a time limit
    overdue: int = 0  # of them, overdue on as_of (level 1 or 2 due)
    raised: list[Raised] = field(default_factory=list)
    unchanged: int = 0  # overdue cases already at the level they are due
    not_checkable: list[Unchecked] = field(default_factory=list)
    #: Provisional years the overdue cases' judgements ran through (raised or not).
    provisional_years: set[int] = field(default_factory=set)

    def as_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(), "at": self.at.isoformat(timespec="seconds"),
            "operator": self.operator, "checked": self.checked, "overdue": self.overdue,
            "raised": [dict(asdict(r), deadline=r.deadline.isoformat()) for r in self.raised],
            "unchanged": self.unchanged,
            "not_checkable": [asdict(u) for u in self.not_checkable],
            "provisional_years": sorted(self.provisional_years),
        }


def escalate(db, rules, *, operator: str, as_of: date | None = None,
             at: datetime | None = None, entered_by: str | None = None) -> EscalationRun:
    """督办: raise the recorded level of every open case to the level it is due on ``as_of``.

    ``as_of`` is the day lateness is judged on, ``at`` when the escalations are
    recorded (never in the future; ``as_of`` not after its day). Defaults: now
    and today; with only a past ``as_of``, the end of that day (the escalation
    of that day entered after the fact, so that the paper records of the days
    after it can still follow). The operator must be a supervisor. One
    transaction per case changed; a case changed meanwhile by another desk is
    re-read and judged again. A case whose last event lies after ``at`` is left
    alone and reported as not checkable. Returns what was found and done.
    """
    with db.read() as conn:
        entering(conn, entered_by, operator)
        op = authorise(conn, operator, "escalate")
    current = now()
    if at is None:
        at = current if as_of is None or as_of >= current.date() else datetime.combine(as_of, END_OF_DAY)
    if at > current:
        raise Refused(f"--at {at.isoformat()} lies in the future", why="future", option="--at", value=at,
                      bound=current)
    as_of = as_of or at.date()
    if as_of > at.date():
        raise Refused(f"--as-of {as_of.isoformat()} lies after the time of escalation "
                      f"({at.isoformat(timespec='minutes')}): lateness cannot be judged ahead",
                      why="as_of_after", option="--as-of", value=as_of, bound=at)
    run = EscalationRun(as_of=as_of, at=at, operator=op.id)
    c = cases.c
    # Only a stage that began before as_of can be overdue on it (a deadline is never before its start).
    stmt = (select(*(c[name] for name in _COLUMNS))
            .where(c.state.in_(DEADLINE_STATES), c.stage_at < datetime.combine(as_of, time.min))
            .order_by(c.case_no))
    with db.read() as conn:
        candidates = [dict(r) for r in conn.execute(stmt).mappings()]
        run.checked = conn.execute(
            select(func.count()).select_from(cases).where(c.state.in_(DEADLINE_STATES))).scalar_one()
    for row in candidates:
        late = lateness(row, rules, as_of)
        if late.level is None:
            run.not_checkable.append(_unchecked(row, late.error))
            continue
        if not late.level:
            continue
        run.overdue += 1
        run.provisional_years.update(late.provisional_years)
        if late.error:
            run.not_checkable.append(_unchecked(row, late.error, "level_2"))
        if late.level > row["escalation"]:
            _raise(db, rules, row["case_no"], op, at, as_of, run, entered_by)
        else:
            run.unchanged += 1
    return run


_COLUMNS = ("case_no", "state", "destination", "category", "stage_at", "registered_at",
            "extension_days", "escalation", "version", "updated_at")


def _unchecked(row: Mapping[str, Any], reason: str | None, why: str = "calendar",
               last_event: datetime | None = None) -> Unchecked:
    return Unchecked(row["case_no"], row["state"], row["destination"], reason or "", row["escalation"], why,
                     last_event)


def _raise(db, rules, case_no: str, op, at: datetime, as_of: date, run: EscalationRun,
           entered_by: str | None) -> None:
    """Raise one case's level in a transaction of its own, judging it again as it is now."""
    for _attempt in range(RETRIES):
        try:
            with db.write() as conn:
                row = dict(get_case(conn, case_no))
                late = lateness(row, rules, as_of)
                if not late.level or late.level <= row["escalation"]:
                    run.unchanged += bool(late.level)  # escalated by someone else meanwhile
                    return  # (or moved on to a new stage)
                if row["updated_at"] > at:
                    run.not_checkable.append(_unchecked(
                        row, f"its last event ({row['updated_at'].isoformat()}) lies after the time of "
                             f"escalation ({at.isoformat()})", "later", row["updated_at"]))
                    return
                d = late.deadline
                details = {"level": late.level, "previous": row["escalation"], "stage": d.stage,
                           "deadline": d.due.isoformat(), "as_of": as_of.isoformat(),
                           "days_overdue": late.days, "working_days_overdue": late.working_days,
                           "provisional": late.provisional}
                if late.provisional:
                    details["provisional_years"] = list(late.provisional_years)
                reason = f"{LEVEL_NAMES[late.level]}督办：{d.label}逾期{late.days}天"
                if late.provisional:
                    reason += "（暂定工作日历）"
                ev = event_row("escalate", row["state"], row["state"], at=at, operator=op.id,
                               destination=row["destination"], rules_digest=rules.digest,
                               reason=reason, details=details, entered_by=entered_by)
                append(conn, case_no, row["version"], {"escalation": late.level}, [ev])
                run.raised.append(Raised(case_no, row["state"], row["destination"], d.stage, d.due,
                                         late.days, late.working_days, row["escalation"], late.level,
                                         late.provisional, d.provisional))
                run.provisional_years.update(late.provisional_years)
                return
        except ConcurrentUpdate:
            continue
    run.not_checkable.append(Unchecked(case_no, "", None, f"changed by other desks {RETRIES} times "
                                                            "while it was being escalated: run again",
                                       why="busy"))
