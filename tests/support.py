"""Helpers shared by the tests: the shipped rule set and a case builder."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from pathlib import Path

from mediation.cases import parse_case
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
