"""The seven documents (DESIGN §9) and when a case allows each (pure: a case's row and events).

A kind is allowed once the case has been where it needs to be: a registration
form for any registered case, an acceptance notice and a dispatch slip once it
was diverted, a rejection (or referral) notice when review refused it, the
agreement and the application for judicial confirmation once it was settled
with a written agreement whose contents were recorded, a failure notice once
its mediation failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mediation.errors import Refused


@dataclass(frozen=True, slots=True)
class Kind:
    """A document kind: its id, its Chinese title, and what the case must have been through."""

    id: str
    title: str
    #: The states the case must have reached (any one of them, ever).
    reached: tuple[str, ...]
    #: What a refusal says is needed.
    needs: str


KINDS: dict[str, Kind] = {k.id: k for k in (
    Kind("registration", "矛盾纠纷受理登记表", ("registered",), "a registered case"),
    Kind("acceptance", "受理通知书", ("diverted",), "a case that has been diverted (已分流)"),
    Kind("rejection", "不予受理告知书 / 移交告知书", ("rejected", "referred_out"),
         "a case rejected (不予受理) or referred out (已移交) by review"),
    Kind("dispatch", "分流指派单", ("diverted",), "a case that has been diverted (已分流)"),
    Kind("agreement", "人民调解协议书", ("settled",),
         "a case settled with a written agreement (书面协议)"),
    Kind("failure_notice", "调解终止告知书", ("unsettled",),
         "a case whose mediation failed (调解不成)"),
    Kind("judicial_confirmation", "司法确认申请书", ("settled",),
         "a case settled with a written agreement (书面协议)"),
)}

WRITTEN_AGREEMENT = ("agreement", "judicial_confirmation")


def kind_of(kind: str) -> Kind:
    """The :class:`Kind` named ``kind``, or a one-line refusal listing the kinds."""
    found = KINDS.get(kind.strip().lower().replace("-", "_")) if isinstance(kind, str) else None
    if found is None:
        raise Refused(f"unknown document kind {kind!r}: the kinds are {', '.join(KINDS)}", why="document_kind",
                      value=kind, bound=tuple(KINDS))
    return found


def last_event(events: Sequence[Mapping], trigger: str) -> Mapping | None:
    """The case's last event with ``trigger``, or None."""
    for e in reversed(events):
        if e["trigger"] == trigger:
            return e
    return None


def refusal(kind: Kind, row: Mapping, events: Sequence[Mapping], state_label: str = "") -> str | None:
    """Why ``row``'s case cannot have a ``kind`` document now (one line), or None if it can."""
    reason = refusal_reason(kind, row, events)
    case_no, state = row["case_no"], row["state"]
    now = f"{state_label} ({state})" if state_label else state
    if reason == "state":
        return f"{case_no} is {now}: the {kind.id} document needs {kind.needs}"
    if reason == "oral":
        return (f"{case_no} was settled with an oral agreement: the {kind.id} document needs "
                f"{kind.needs}")
    if reason == "no_contents":
        return (f"{case_no} was settled without the agreement's contents recorded: the {kind.id} "
                "document needs them (case settle --facts --terms --performance)")
    return None


def refusal_reason(kind: Kind, row: Mapping, events: Sequence[Mapping]) -> str | None:
    """Why a case cannot have a ``kind`` document now, as an id: ``state`` (it has not been where
    the document needs), ``oral`` (settled with an oral agreement), ``no_contents`` (a written
    agreement without its contents recorded); None if it can."""
    reached = {e["to_state"] for e in events}
    if not reached.intersection(kind.reached):
        return "state"
    if kind.id in WRITTEN_AGREEMENT:
        if row["agreement_form"] != "written":
            return "oral"
        settle = last_event(events, "settle")
        if settle is None or not (settle["details"] or {}).get("agreement"):
            return "no_contents"
    return None


def allowed(row: Mapping, events: Sequence[Mapping]) -> list[str]:
    """The kinds the case allows now, in the table's order."""
    return [k for k, kind in KINDS.items() if refusal(kind, row, events) is None]
