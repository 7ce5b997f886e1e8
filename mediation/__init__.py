"""mediation: the case routing engine of a district dispute mediation centre (多元化解纠纷调解中心).

The library a script imports; the ``mediation`` command is a thin layer over it::

    import mediation

    rules = mediation.load_rules("rules")
    case = mediation.parse_case({"form": "口头", "category": "医疗", "street": "相南街道",
                                 "summary": "医疗费用纠纷（示例）", "received_at": "2020-06-15T09:30"}, rules)
    mediation.route(case, rules).destination          # 'room.medical'
    mediation.explain(case, rules).steps              # every rule tried, and why
    mediation.route_result(case, rules)               # the JSON of `mediation route --json`

    db = mediation.open_database("mediation.db")      # `mediation init` creates it
    record = mediation.desk.register(db, rules, {...}, operator="clerk01")
    mediation.desk.review(db, rules, record.case_no, operator="clerk01")

    summary = mediation.dry_run("examples/history-2020.csv", rules)    # replay, nothing stored
    moves = mediation.diff_rules(rules, mediation.load_rules("examples/rules-mass-lawyer"),
                                 "examples/history-2020.csv")
    report = mediation.build_report(db, rules, *mediation.report_period(2020))

Every name below is resolved on first use: the package's root is imported by
every command, and a command that routes a JSON file must not pay for the
database layer's import (PEP 562 module ``__getattr__``).
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (a script's start-up)

__version__ = "0.1.0"

#: The public library API: name -> the module that defines it (a module itself when the name is one).
_API: dict[str, str] = {
    # rules: load, review and route (pure: no database, no clock)
    "load_rules": "mediation.rules", "RuleSet": "mediation.rules", "review": "mediation.rules",
    "route": "mediation.rules", "explain": "mediation.rules", "route_result": "mediation.rules.results",
    "lint": "mediation.rules.lint", "run_rule_tests": "mediation.rules.testing",
    # cases
    "parse_case": "mediation.cases", "Case": "mediation.domain", "Party": "mediation.domain",
    "Review": "mediation.domain", "Decision": "mediation.domain",
    # the database and the desk's use cases (mediation.desk.register, .review, .divert, ...)
    "open_database": "mediation.store.database", "desk": "mediation.desk", "escalate": "mediation.desk",
    # history and analysis
    "dry_run": "mediation.replay", "persist": "mediation.replay", "diff_rules": "mediation.replay",
    "build_report": "mediation.report", "report_period": "mediation.report",
    # documents (文书)
    "write_document": "mediation.documents", "chinese_date": "mediation.documents",
    "amount_in_capitals": "mediation.documents",
    # deadlines
    "calendar_of": "mediation.deadlines", "current_deadline": "mediation.deadlines",
    "next_routes": "mediation.deadlines", "year_calendar": "mediation.deadlines.year",
    # errors
    "MediationError": "mediation.errors", "InputError": "mediation.errors", "CaseError": "mediation.errors",
    "RuleError": "mediation.errors", "Refused": "mediation.errors", "NotFound": "mediation.errors",
    "ConcurrentUpdate": "mediation.errors", "PermissionDenied": "mediation.errors",
    "AmbiguousLabel": "mediation.errors",
}
#: Names exported under another name in their module.
_RENAMED = {"report_period": "period"}

__all__ = [
    "AmbiguousLabel", "Case", "CaseError", "ConcurrentUpdate", "Decision", "InputError", "MediationError", "NotFound", "Party",
    "PermissionDenied", "Refused", "Review", "RuleError", "RuleSet", "__version__", "build_report", "calendar_of",
    "current_deadline", "desk", "diff_rules", "dry_run", "escalate", "explain", "lint", "load_rules",
    "next_routes", "open_database", "parse_case", "persist", "report_period", "review", "route", "route_result",
    "run_rule_tests", "year_calendar",
    "amount_in_capitals", "chinese_date", "write_document",
]


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'mediation' has no attribute {name!r}")
    found = importlib.import_module(module)
    if not (name == "desk" and module == "mediation.desk"):
        found = getattr(found, _RENAMED.get(name, name))
    globals()[name] = found
    return found


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:  # for type checkers and editors: the same names, imported eagerly
    from typing import Any

    from mediation import desk
    from mediation.cases import parse_case
    from mediation.deadlines import calendar_of, current_deadline, next_routes
    from mediation.deadlines.year import year_calendar
    from mediation.desk import escalate
    from mediation.documents import amount_in_capitals, chinese_date, write_document
    from mediation.domain import Case, Decision, Party, Review
    from mediation.errors import (
        AmbiguousLabel,
        CaseError,
        ConcurrentUpdate,
        InputError,
        MediationError,
        NotFound,
        PermissionDenied,
        Refused,
        RuleError,
    )
    from mediation.replay import diff_rules, dry_run, persist
    from mediation.report import build_report
    from mediation.report import period as report_period
    from mediation.rules import RuleSet, explain, load_rules, review, route
    from mediation.rules.lint import lint
    from mediation.rules.results import route_result
    from mediation.rules.testing import run_rule_tests
    from mediation.store.database import open_database
