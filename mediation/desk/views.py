"""What is shown of a case: the JSON of ``case show`` (docs/design.md §7), list lines, deadlines.

Personal data is masked unless the record was revealed (:func:`mediation.desk.moves.reveal`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from mediation import clock
from mediation.deadlines.limits import deadline_of, judicial_confirmation_due
from mediation.deadlines.overdue import lateness, lateness_view
from mediation.desk.read import CaseRecord
from mediation.domain import CASE_FIELDS, Party
from mediation.errors import CalendarError
from mediation.personal import party_view
from mediation.store.keys import shown_details
from mediation.store.records import CASE_COLUMNS


def deadline_view(row: Mapping[str, Any], rules) -> dict:
    """``deadline`` (ISO date or None), ``stage``, ``deadline_provisional`` (counted through a
    provisional year: 暂定) and, if the calendar cannot say, ``deadline_error``."""
    out: dict[str, Any] = {"deadline": None, "stage": None, "deadline_provisional": False}
    try:
        d = deadline_of(row, rules)
        if d is not None:
            out.update(deadline=d.due.isoformat(), stage=d.stage, deadline_provisional=d.provisional)
        reminder = judicial_confirmation_due(rules, row)
        if reminder is not None:
            out["judicial_confirmation"] = reminder.isoformat()
    except CalendarError as exc:
        out["deadline_error"] = str(exc)
    return out


def summary_view(row: Mapping[str, Any], rules, as_of: date | None = None) -> dict:
    """A case as one line of a list or queue (no personal data).

    Besides the deadline and the recorded 督办 level (``escalation``), it says how
    late the case is on ``as_of`` (default today): ``overdue_days`` (calendar
    days after the deadline) and ``overdue_working_days``; both None when the
    case is not overdue (or its deadline is unknown); ``overdue_provisional``
    when that was counted through a provisional year.
    """
    out = {
        "case_no": row["case_no"], "received_at": row["received_at"], "state": row["state"],
        "destination": row["destination"], "category": row["category"], "street": row["street"],
        "form": row["form"], "request": row["request"],
    }
    out.update(deadline_view(row, rules))
    out["escalation"] = row["escalation"]
    out.update(lateness_view(lateness(row, rules, as_of or clock.today())))
    out["updated_at"] = row["updated_at"]
    return out


def event_view(e: Mapping[str, Any], revealed: bool = False) -> dict:
    """An event as ``case show --json`` prints it. An agreement's texts (facts, terms,
    performance: they name the parties) are shown only in a revealed record;
    otherwise how many terms and copies it has. ``entered_by`` only when a
    supervisor entered the event for its operator."""
    details = shown_details(e["trigger"], e["details"])
    if not revealed and isinstance(details, Mapping) and isinstance(details.get("agreement"), Mapping):
        agreed = details["agreement"]
        details = {**details, "agreement": {"terms": len(agreed.get("terms") or ()),
                                            "copies": agreed.get("copies"), "masked": True}}
    out = {
        "seq": e["seq"], "at": e["at"], "trigger": e["trigger"], "from": e["from_state"],
        "to": e["to_state"], "operator": e["operator"], "destination": e["destination"],
        "rule": e["rule"], "rules_digest": e["rules_digest"], "reason": e["reason"],
        "details": details,
    }
    if e.get("entered_by"):
        out["entered_by"] = e["entered_by"]
    return out


def parties_view(parties: Sequence[Mapping[str, Any]], revealed: bool) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {"applicants": [], "respondents": []}
    for p in parties:
        person = Party(name=p["name"], id_number=p["id_number"], phone=p["phone"])
        out[p["role"] + "s"].append(party_view(person, reveal=revealed))
    return out


def case_view(record: CaseRecord, rules) -> dict:
    """The JSON object of ``mediation case show --json`` (and of every state change with --json)."""
    row = record.row
    out: dict[str, Any] = {"case_no": row["case_no"], "state": row["state"],
                           "destination": row["destination"]}
    out.update(deadline_view(row, rules))
    out["escalation"] = row["escalation"]
    out["version"] = row["version"]
    for name in CASE_COLUMNS:
        out[name] = bool(row[name]) if CASE_FIELDS[name].kind == "flag" else row[name]
    out.update(parties_view(record.parties, record.revealed))
    out["revealed"] = record.revealed
    for name in ("transfers", "extension_days", "agreement_form", "outcome", "registered_at",
                 "updated_at", "rules_digest"):
        out[name] = row[name]
    out["extended"] = bool(row["extended"])
    out["events"] = [event_view(e, record.revealed) for e in record.events]
    return out
