"""Helpers shared by the tests: the shipped rule set and a case builder."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from mediation.cases import parse_case
from mediation.domain import Case, Decision, Review
from mediation.replay.pipeline import RouteStep, run
from mediation.replay.readers import Table
from mediation.replay.values import History
from mediation.rules import RuleSet, load_rules

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
