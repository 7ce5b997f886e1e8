"""Helpers shared by the tests: the shipped rule set and a case builder."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from hypothesis import settings

from mediation.cases import parse_case
from mediation.domain import Case, Decision, Review
from mediation.replay.pipeline import RouteStep, run
from mediation.replay.readers import Table
from mediation.replay.values import History
from mediation.rules import RuleSet, load_rules
from mediation.store.bulk import CaseInsert, insert_cases
from mediation.store.records import case_row, event_row, party_rows

ROOT = Path(__file__).resolve().parents[1]
RULES_DIR = ROOT / "rules"
EXAMPLES = ROOT / "examples"
NOW = datetime(2020, 6, 1, 9, 0)


@lru_cache(maxsize=1)
def shipped_rules() -> RuleSet:
    return load_rules(RULES_DIR)


def make_case(rules: RuleSet | None = None, **fields):
    """A valid case with sensible defaults, overridden by ``fields``."""
    data = {"form": "written", "category": "other", "street": "xiangnan", "summary": "测试纠纷",
            "received_at": "2020-06-01T09:00:00"}
    data.update(fields)
    return parse_case(data, rules or shipped_rules(), now=NOW)


@dataclass(frozen=True, slots=True)
class Routed:
    """A replayed row read as a case and routed (what the replay loop hands its sink)."""

    line: int
    case: Case
    review: Review
    decision: Decision | None
    history: History | None
    refusal: str | None


@dataclass(frozen=True, slots=True)
class Rejected:
    """A replayed row that could not be read as a case."""

    line: int
    reason: str
    values: Any


def replay_rows(table: Table, rules: RuleSet, *, now: datetime | None = None,
                parties: bool = True) -> list[Routed | Rejected]:
    """Every row of ``table`` as the replay loop sees it, in file order (the loop itself, collecting)."""
    out: list[Routed | Rejected] = []

    class Collect:
        def accepted(self, line: int, values: Any, routed: tuple) -> None:
            out.append(Routed(line, *routed))

        def rejected(self, line: int, reason: str, values: Any) -> None:
            out.append(Rejected(line, reason, values))

    run(table, RouteStep(table, rules, now=now, parties=parties), Collect())
    return out


#: How many examples a property test of each weight tries, relative to the profile's "normal"
#: (tests/conftest.py: HYPOTHESIS_PROFILE=ci|dev|thorough).
WEIGHTS = {"many": 3.0, "normal": 1.0, "few": 0.2, "costly": 0.05}


def examples(weight: str, **kwargs: Any) -> settings:
    """Hypothesis settings for a property test of ``weight`` under the loaded profile."""
    return settings(max_examples=max(3, round(settings.default.max_examples * WEIGHTS[weight])), **kwargs)


# ----------------------------------------------------------------------- the example history in a database

HISTORY = ROOT / "examples" / "history-2020.csv"
HISTORY_COLUMNS = ("actual_destination", "taken_at", "outcome", "agreement_form", "closed_at")
OUTCOME_TRIGGER = {"settled": ("settle", "settled"), "unsettled": ("fail", "unsettled"),
                   "served": ("serve", "served"), "withdrawn": ("withdraw", "withdrawn")}


def history_rows(path: Path = HISTORY) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def history_case(rules, data: dict):
    """A :class:`CaseInsert` for one history row: the case and the events of what happened to it."""
    data = dict(data)
    hist = {k: data.pop(k) or None for k in HISTORY_COLUMNS}
    case = parse_case(data, rules)
    at = case.received_at
    events = [event_row("register", None, "registered", at=at, operator="clerk01")]
    life = {"state": "registered"}

    def step(trigger, to_state, when, **kw):
        events.append(event_row(trigger, life["state"], to_state, at=when, operator="clerk01", **kw))
        life["state"] = to_state

    dest = hist["actual_destination"] or ""
    step("review", "under_review", at, details={"outcome": "accepted" if ":" not in dest and dest != "rejected"
                                                 else dest.split(":")[0]})
    lifecycle: dict = {"stage_at": at}
    if dest == "rejected":
        step("reject", "rejected", at)
    elif dest.startswith("referred_out"):
        step("refer_out", "referred_out", at, details={"to": dest.split(":")[1]})
    else:
        step("divert", "diverted", at, destination=dest)
        lifecycle.update(destination=dest, stage_at=at)
        taken, closed, outcome = hist["taken_at"], hist["closed_at"], hist["outcome"]
        if taken:
            taken = datetime.fromisoformat(taken)
            step("take", "in_progress", taken, destination=dest)
            lifecycle["stage_at"] = taken
        if outcome:
            closed = datetime.fromisoformat(closed)
            trigger, state = OUTCOME_TRIGGER[outcome]
            step(trigger, state, closed, destination=dest)
            lifecycle.update(outcome=outcome, stage_at=closed, agreement_form=hist["agreement_form"])
            if outcome != "withdrawn":
                step("close", "closed", closed, destination=dest)
    lifecycle["state"] = life["state"]
    row = case_row(case, case_no=case.case_no, at=at, rules_digest=rules.digest, **lifecycle)
    return CaseInsert(row, party_rows(case, case.case_no), events)


def load_history(db, rules, path: Path = HISTORY) -> int:
    """Store every case of the history file as a whole case with its events (a test's own
    oracle, independent of the persisted replay); returns how many."""
    batch = [history_case(rules, data) for data in history_rows(path)]
    with db.write() as conn:
        return insert_cases(conn, batch)


#: The contents of a written agreement (人民调解法 art. 29), for tests that settle a case with one.
AGREEMENT = {"facts": "双方就赔偿数额发生争议（合成示例）", "terms": ["一次性赔偿（合成示例）"],
             "performance": "协议签订之日起十日内付清"}
#: The same as ``case settle`` flags.
AGREEMENT_FLAGS = ["--facts", AGREEMENT["facts"], "--terms", AGREEMENT["terms"][0],
                   "--performance", AGREEMENT["performance"]]


def pg_schema_url(base: str, prefix: str = "test") -> Iterator[str]:
    """A PostgreSQL URL whose connections work in a new schema ``<prefix>_...``; yields it, drops it after."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
