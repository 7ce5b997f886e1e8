"""``mediation case``: register cases and move them through their lifecycle.

Each verb lives in a small module imported only when it runs, so that a
command pays only for what it uses (SQLAlchemy, rich, the rules).
"""

from __future__ import annotations

import click

from mediation.cli import LazyGroup

_MOVES = "mediation.cli.case.moves"

#: verb -> (module:attribute, one-line help)
VERBS: dict[str, tuple[str, str]] = {
    "register": ("mediation.cli.case.register:register", "登记: register a new case."),
    "review": (f"{_MOVES}:review", "审查: review a registered case by the rules."),
    "divert": (f"{_MOVES}:divert", "分流: route a reviewed case to a room or window."),
    "take": (f"{_MOVES}:take", "承办: take a diverted case up (mediators)."),
    "settle": (f"{_MOVES}:settle", "调解成功: record an agreement (rooms)."),
    "fail": (f"{_MOVES}:fail", "调解不成: record a failed mediation (rooms)."),
    "serve": (f"{_MOVES}:serve", "办结: record a window's service as done."),
    "transfer": (f"{_MOVES}:transfer", "转办: move a case to another room or window."),
    "extend": (f"{_MOVES}:extend", "延期: extend the mediation limit once, with consent."),
    "withdraw": (f"{_MOVES}:withdraw", "撤回: the applicant withdraws."),
    "close": (f"{_MOVES}:close", "结案: close a case after the follow-up visit."),
    "show": ("mediation.cli.case.show:show", "A case with its deadline and timeline."),
    "list": ("mediation.cli.case.list:list_cases", "List cases by state, place, category, date."),
    "document": ("mediation.cli.case.document:document", "文书: write one of a case's documents (.docx)."),
    "documents": ("mediation.cli.case.document:documents_batch",
                  "文书: write one kind of document for many cases into a folder."),
}


class _Verbs(LazyGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in VERBS if name in self._available()]  # lifecycle order


@click.group(cls=_Verbs, lazy=VERBS)
def case() -> None:
    """Register cases and move them through their lifecycle.

    \b
    A day at the desk:
      mediation case register --form 口头 --category 邻里 --street 相南街道 --summary "..."
      mediation case review XS-2020-00001      (受理审查)
      mediation case divert XS-2020-00001      (分流 by the rules)
      mediation case show XS-2020-00001        (the case, its deadline and timeline)

    Every state-changing command acts as the member of staff your login is
    (--operator ID may confirm it); a supervisor enters another's paper record
    with --on-behalf-of ID and --at DATETIME. The
    database is --db PATH|URL, else $MEDIATION_DB, else ./mediation.db.
    """
