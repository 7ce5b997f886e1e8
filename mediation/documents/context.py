"""What a template can read: the case's fields and the catalogue's names, as plain values.

:func:`document_context` builds one dict of plain strings, numbers, lists
and dicts (nothing callable) from a case record, with personal data in full:
a document is a reveal. The names a template may use:

- ``document``: ``kind``, ``title``, ``date`` (二〇二〇年十月九日), ``date_iso``, ``operator``;
- ``case``: ``case_no``, ``received_date``, ``received_time``, ``channel``, ``referred_by``,
  ``request``, ``form``, ``category``, ``street``, ``community``, ``summary``, ``parties``,
  ``amount`` (``figures``, ``capitals``), ``risk``, ``flags``, ``state``;
- ``applicants``, ``respondents``, ``parties`` (both): each ``name``, ``id_number``, ``phone``;
  ``party_names`` (all of them, 、 between; 当事人 if none is named), ``applicant_names`` (申请人 if none);
- ``clerk`` (who registered): ``id``, ``name``; ``mediator`` (who settled or ended it): ``id``, ``name``;
- ``review``: ``outcome``, ``rule``, ``label``, ``reason``, ``to`` (a place's name), ``to_id``;
- ``decision``: ``destination``, ``department``, ``unit``, ``judicial_office``,
  ``mediation_type``, ``rule``, ``rule_label``, ``date``, ``operator``, ``take_up_by``,
  ``mediation_limit``;
- ``agreement``: ``facts``, ``terms`` (each ``number`` 一, 二 … and ``text``), ``performance``,
  ``copies``, ``copies_cn``, ``amount`` (``figures``, ``capitals``; or None), ``date``;
- ``failure``: ``routes`` (each ``number``, ``id``, ``name``), ``routes_text``, ``reason``, ``date``;
- ``confirmation``: ``due`` (30 days after the agreement, 人民调解法 art. 33), ``due_iso``.

Filters: ``cn_date`` (an ISO date -> 二〇二〇年十月九日), ``capitals`` and ``figures`` (yuan).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from mediation.deadlines.limits import stage_deadline
from mediation.documents.chinese import amount_in_capitals, amount_in_figures, chinese_date
from mediation.documents.kinds import KINDS, last_event
from mediation.domain import FLAGS

#: 人民调解法 art. 33: within 30 days of the agreement's taking effect.
CONFIRMATION_DAYS = 30
_NUMBERS = "一二三四五六七八九十"


def number(n: int) -> str:
    """1 -> 一 … 10 -> 十, 11 -> 十一, 21 -> 二十一 (n < 100)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _NUMBERS[ones - 1]
    head = "" if tens == 1 else _NUMBERS[tens - 1]
    return head + "十" + (_NUMBERS[ones - 1] if ones else "")


def _day(value: date | datetime | None) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def _money(value) -> dict:
    return {"figures": amount_in_figures(value), "capitals": amount_in_capitals(value)}


def _staff(rules, operator_id: str | None) -> dict:
    op = rules.staff.get(operator_id) if operator_id else None
    return {"id": operator_id or "", "name": op.name if op else (operator_id or "")}


def _person(p: Mapping) -> dict:
    return {"name": p["name"], "id_number": p["id_number"] or "", "phone": p["phone"] or ""}


def document_context(record: Any, rules: Any, kind: str, *, operator: str, at: datetime) -> dict:
    """Everything a ``kind`` template may read of the case in ``record`` (a
    :class:`~mediation.desk.read.CaseRecord`), written by ``operator`` at ``at``."""
    cat = rules.catalogue
    row, events = record.row, record.events

    def label(k: str, id_: str | None) -> str:
        return cat.label(k, id_) if id_ else ""

    applicants = [_person(p) for p in record.parties if p["role"] == "applicant"]
    respondents = [_person(p) for p in record.parties if p["role"] == "respondent"]
    received = row["received_at"]
    ctx: dict[str, Any] = {
        "document": {"kind": kind, "title": KINDS[kind].title, "date": chinese_date(at.date()),
                     "date_iso": at.date().isoformat(), "operator": _staff(rules, operator)},
        "case": {
            "case_no": row["case_no"], "received_date": chinese_date(received.date()),
            "received_time": received.strftime("%H:%M"), "channel": label("channel", row["channel"]),
            "referred_by": label("department", row["referred_by"]), "request": label("request", row["request"]),
            "form": label("form", row["form"]), "category": label("category", row["category"]),
            "street": label("unit", row["street"]), "community": row["community"] or "",
            "summary": row["summary"], "parties": row["parties"], "amount": _money(row["amount"]),
            "risk": label("risk", row["risk"]), "state": label("state", row["state"]),
            "flags": "、".join(label("field", f) for f in FLAGS if row[f]),
        },
        "applicants": applicants, "respondents": respondents, "parties": applicants + respondents,
        "party_names": "、".join(p["name"] for p in applicants + respondents) or "当事人",
        "applicant_names": "、".join(p["name"] for p in applicants) or "申请人",
        "clerk": _staff(rules, events[0]["operator"] if events else None),
        "review": None, "decision": None, "agreement": None, "failure": None, "confirmation": None,
        "mediator": {"id": "", "name": ""},
    }
    ctx["review"] = _review(rules, events, label)
    ctx["decision"] = _decision(rules, row, events, label)
    for trigger in ("settle", "fail"):
        e = last_event(events, trigger)
        if e is not None:
            ctx["mediator"] = _staff(rules, e["operator"])
            if trigger == "settle":
                ctx["agreement"], ctx["confirmation"] = _agreement(e)
            else:
                ctx["failure"] = _failure(e, label)
    return ctx


def _review(rules, events, label) -> dict | None:
    e = last_event(events, "review")
    if e is None:
        return None
    outcome = (e["details"] or {}).get("outcome")
    to = (e["details"] or {}).get("to")
    rule = next((r for r in rules.review_rules if r.id == e["rule"]), None)
    return {"outcome": outcome, "outcome_label": label("review_outcome", outcome), "rule": e["rule"],
            "label": (rule.label if rule and rule.label else e["rule"]) or "", "reason": e["reason"] or "",
            "to": rules.catalogue.place(to) if to else "", "to_id": to or ""}


def _decision(rules, row, events, label) -> dict | None:
    moves = [e for e in events if e["trigger"] in ("divert", "transfer")]
    if not moves:
        return None
    last = moves[-1]
    routed = next((e for e in reversed(events) if e["trigger"] == "divert"), last)
    decision = (routed["details"] or {}).get("decision") or {}
    destination = last["destination"] or row["destination"]
    dest = rules.catalogue.destinations.get(destination)
    # the responsible department of the current destination (谁主管): the rules' decision for the
    # routed destination, the destination's host after a transfer or an override elsewhere
    department = decision.get("department") if decision.get("destination") == destination else None
    if department is None and dest is not None:
        department = dest.host
    unit = decision.get("unit") or row["street"]
    rule = next((r for r in rules.routing_rules if r.id == routed["rule"]), None)
    moved = _day(last["at"])
    take_up = stage_deadline(rules, "take_up", moved, category=row["category"], destination=destination,
                             registered_at=row["registered_at"]) if "take_up" in rules.time_limits else None
    limit = rules.time_limits.get("mediation")
    terms = limit.terms_for(category=row["category"], destination=destination) if limit else None
    mediation_limit = ""
    if terms is not None:
        since = "自受理（登记）之日起" if terms.counted_from == "registration" else "自承办之日起"
        unit_word = "个工作日" if terms.days == "working" else "日"
        mediation_limit = f"{since}{terms.limit}{unit_word}内调结" + (
            "" if terms.extendable else "，不得延期")
    return {
        "destination": label("destination", destination), "destination_id": destination,
        "department": label("department", department), "unit": label("unit", unit),
        "judicial_office": decision.get("judicial_office") or rules.catalogue.judicial_office(unit) or "",
        "mediation_type": label("mediation_type", dest.mediation_type if dest else None),
        "rule": routed["rule"] or "", "rule_label": (rule.label if rule and rule.label else "") or "",
        "date": chinese_date(moved), "operator": _staff(rules, last["operator"])["name"],
        "take_up_by": chinese_date(take_up.due) if take_up else "", "mediation_limit": mediation_limit,
    }


def _agreement(e) -> tuple[dict | None, dict | None]:
    agreed = (e["details"] or {}).get("agreement")
    if not agreed:
        return None, None
    settled = _day(e["at"])
    due = settled + timedelta(days=CONFIRMATION_DAYS)
    amount = agreed.get("amount")
    return ({"facts": agreed["facts"],
             "terms": [{"number": number(n), "text": t} for n, t in enumerate(agreed["terms"], 1)],
             "performance": agreed["performance"], "copies": agreed["copies"],
             "copies_cn": number(agreed["copies"]), "amount": _money(amount) if amount else None,
             "date": chinese_date(settled), "date_iso": settled.isoformat()},
            {"due": chinese_date(due), "due_iso": due.isoformat()})


def _failure(e, label) -> dict:
    routes = list((e["details"] or {}).get("routes") or ())
    names = [label("route", r) for r in routes]
    return {"routes": [{"number": number(n), "id": r, "name": name}
                       for n, (r, name) in enumerate(zip(routes, names, strict=True), 1)],
            "routes_text": "、".join(names), "reason": e["reason"] or "", "date": chinese_date(_day(e["at"]))}


def filters() -> dict:
    """The template filters: ``cn_date``, ``capitals``, ``figures``."""
    return {"cn_date": lambda v: chinese_date(date.fromisoformat(str(v)[:10])),
            "capitals": amount_in_capitals, "figures": amount_in_figures}
