"""What a replay counts (:class:`Counts`, mergeable across processes) and reports (:class:`Summary`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mediation.domain import REVIEW_OUTCOMES


@dataclass
class Counts:
    """Plain counts keyed by ids, picklable, summed with :meth:`merge`.

    ``routed`` is keyed by (review outcome, review rule, referred to,
    destination, routing rule, territorial unit); ``confusion`` by (actual,
    predicted) for the cases whose actual destination disagrees.
    """

    read: int = 0
    rejected: int = 0
    routed: dict[tuple, int] = field(default_factory=dict)
    agreed: int = 0
    not_compared: int = 0
    confusion: dict[tuple[str, str], int] = field(default_factory=dict)
    refused: int = 0  # routed rows whose history is impossible (not stored by a persisted replay)
    fallbacks: int = 0  # rows the fast conversion left to parse_case (a diagnostic)

    def add(self, review, decision, street: str, n: int = 1) -> None:
        key = (review.outcome, review.rule, review.to, decision.destination if decision else None,
               decision.rule if decision else None, street)
        self.routed[key] = self.routed.get(key, 0) + n

    def compare(self, actual: str | None, review, decision) -> None:
        """Count one case's history (``actual_destination``) against the rules' decision."""
        if actual is None:
            self.not_compared += 1
            return
        predicted = disagreement(actual, review, decision)
        if predicted is None:
            self.agreed += 1
        else:
            pair = (actual, predicted)
            self.confusion[pair] = self.confusion.get(pair, 0) + 1

    def merge(self, other: Counts) -> None:
        self.read += other.read
        self.rejected += other.rejected
        self.refused += other.refused
        self.agreed += other.agreed
        self.not_compared += other.not_compared
        self.fallbacks += other.fallbacks
        for key, n in other.routed.items():
            self.routed[key] = self.routed.get(key, 0) + n
        for key, n in other.confusion.items():
            self.confusion[key] = self.confusion.get(key, 0) + n


def _pseudo(review) -> str:
    """A review outcome as a pseudo-destination: ``rejected`` or ``referred_out:<to>``."""
    if review.outcome == "referred_out":
        return f"referred_out:{review.to}"
    return review.outcome


def outcome_key(review, decision) -> str:
    """Where a case ends up: its destination, or its review outcome as a pseudo-destination."""
    return decision.destination if decision is not None else _pseudo(review)


def disagreement(actual: str, review, decision) -> str | None:
    """None when history (``actual_destination``) agrees with the rules, else where the rules send it.

    A bare ``referred_out`` in the file agrees with a referral to anyone.
    """
    predicted = outcome_key(review, decision)
    if actual == predicted or (actual == "referred_out" and decision is None and review.outcome == "referred_out"):
        return None
    return predicted


def _ranked(counter: dict[Any, int]) -> dict[Any, int]:
    """Most frequent first; ties by key, so that the order never depends on reading order."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0]))))


def _bump(counter: dict, key: Any, n: int) -> None:
    counter[key] = counter.get(key, 0) + n


@dataclass
class Summary:
    """The result of a dry run; :meth:`as_dict` is the ``--json`` output."""

    input: dict
    rules: dict
    as_of: date | None
    read: int
    routed: int
    rejected: int
    refused: int
    review: dict[str, int]
    destinations: dict[str, int]
    referred_to: dict[str, int]
    review_rules: dict[str, int]
    routing_rules: dict[str, int]
    units: dict[str, int]
    compare: dict | None
    files: dict
    workers: int
    seconds: float

    @classmethod
    def build(cls, table, rules, counts: Counts, *, as_of: date | None, compare: bool, files: dict,
              workers: int, seconds: float) -> Summary:
        review = dict.fromkeys(REVIEW_OUTCOMES, 0)
        destinations: dict[str, int] = {}
        referred: dict[str, int] = {}
        units: dict[str, int] = {}
        review_rules = {r.id: 0 for r in rules.review_rules}
        routing_rules = {r.id: 0 for r in rules.routing_rules}
        for (outcome, review_rule, to, destination, routing_rule, unit), n in counts.routed.items():
            _bump(review, outcome, n)
            _bump(review_rules, review_rule, n)
            _bump(units, unit, n)
            if destination is not None:
                _bump(destinations, destination, n)
                _bump(routing_rules, routing_rule, n)
            if outcome == "referred_out":
                _bump(referred, to, n)
        routed = sum(review.values())
        if counts.read != routed + counts.rejected:  # pragma: no cover - the loop's invariant
            raise AssertionError(f"replay accounting: read {counts.read} != routed {routed} + "
                                 f"rejected {counts.rejected}")
        comparison = None
        if compare:
            compared = routed - counts.not_compared
            disagreed = compared - counts.agreed
            comparison = {
                "compared": compared,
                "agreed": counts.agreed,
                "disagreed": disagreed,
                "not_compared": counts.not_compared,
                "agreement": round(counts.agreed / compared, 4) if compared else None,
                "disagreements": [{"actual": a, "predicted": p, "count": n}
                                  for (a, p), n in _ranked(counts.confusion).items()],
            }
        return cls(
            input={"file": table.name, "format": table.format, "encoding": table.encoding},
            rules={"path": str(rules.path), "digest": rules.digest},
            as_of=as_of, read=counts.read, routed=routed, rejected=counts.rejected, refused=counts.refused,
            review=review,
            destinations=_ranked(destinations), referred_to=_ranked(referred), review_rules=review_rules,
            routing_rules=routing_rules, units=_ranked(units), compare=comparison, files=files,
            workers=workers, seconds=seconds,
        )

    def as_dict(self) -> dict:
        return {
            "input": self.input,
            "rules": self.rules,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "read": self.read,
            "routed": self.routed,
            "rejected": self.rejected,
            "refused": self.refused,
            "review": self.review,
            "destinations": self.destinations,
            "referred_to": self.referred_to,
            "rules_hit": {"review": self.review_rules, "routing": self.routing_rules},
            "units": self.units,
            "compare": self.compare,
            "files": self.files,
            "workers": self.workers,
            "seconds": round(self.seconds, 3),
            "cases_per_second": round(self.read / self.seconds) if self.seconds > 0 else None,
        }
