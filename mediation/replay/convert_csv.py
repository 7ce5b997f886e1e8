"""The fast conversion of CSV rows, generated for one file's columns.

:class:`~mediation.replay.convert.CaseConverter` converts rows with a general
closure that works for any layout and any JSON value. A CSV file has one
layout and only text cells, so for it the same steps are written out as
Python source for exactly its columns: each cell read by its index, absent
columns left out, no branch for what cannot happen. It does the same checks
as the closure (and so as ``parse_case``), about a fifth faster; the property
tests in ``tests/test_replay.py`` compare it with ``parse_case`` on generated
rows of several layouts. ``compiled_source`` shows the code for a layout.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TEMPLATE = '''\
def fast(row):
    try:
        c = m_case(join(({case_cells},))) or part(0, g_case(row))
        w = m_place(join(({place_cells},))) or part(1, g_place(row))
        n = m_people(join(({people_cells},))) or part(2, g_people(row))
{received}{case_no}{summary}{amount}        case = new_case(c[1], c[2], w[0], summary, received_at, case_no, c[0], c[4], c[5], w[1], n[0],
                        amount, n[1], n[2], n[3], n[4], c[3])
{lists}{parties}{dated}        return case
    except (Bail, CaseError, ValueError, TypeError, ArithmeticError):
        return None
'''

# Parties kept in the case: person() checks and builds them.
_KEEP_PERSON = '''\
        name, ident, phone = {name}, {ident}, {phone}
        if {any_cell}:
            case.{role} = person("{role}", name, ident, phone, received_at)
'''
# Parties only checked: a plain name (printable, no space, not too long) and an
# 11-digit mobile are what validate_name/validate_phone keep as they are, so
# they are checked here; anything else (an ID number too) goes to person().
_CHECK_PERSON = '''\
        name, ident, phone = {name}, {ident}, {phone}
        if {any_cell}:
            if {has_ident}not name or len(name) > MAX_NAME or " " in name or not (
                    name.isprintable() and (not phone or mobile(phone))):
                person("{role}", name, ident, phone, received_at)
'''


def _cell(at: dict[str, int], field: str) -> str:
    return f"row[{at[field]}]" if field in at else '""'


def compiled_source(at: dict[str, int], *, groups: tuple[tuple[str, ...], ...], dated: bool,
                    keep: bool) -> str:
    """The source of the converter for a layout (``at``: field id -> column index).

    ``keep``: whether the case keeps its applicants and respondents.
    """
    case_cells, place_cells, people_cells = (", ".join(_cell(at, f) for f in group) for group in groups)
    if "received_at" in at:
        received = (f"        received_at = row[{at['received_at']}]\n"
                    "        received_at = fromiso(received_at) if received_at else now\n"
                    "        if received_at.tzinfo is not None:\n"
                    "            return None\n")
    else:
        received = "        received_at = now\n"
    case_no = "        case_no = None\n"
    if "case_no" in at:
        case_no = (f"        case_no = row[{at['case_no']}] or None\n"
                   "        if case_no is not None and not number_ok(case_no):\n"
                   "            return None\n")
    if "summary" in at:
        summary = (f"        summary = row[{at['summary']}]\n"
                   "        if len(summary) > MAX_SUMMARY or (not summary.isprintable() and control(summary)):\n"
                   "            return None\n"
                   "        summary = summary.strip()\n"
                   "        if not summary:\n"
                   "            return None\n")
    else:
        summary = "        return None  # no summary column: parse_case says what is missing\n"
    amount = f"        amount = amounts[row[{at['amount']}]] if row[{at['amount']}] else ZERO\n" if "amount" in at \
        else "        amount = ZERO\n"
    lists = "".join(f"        if row[{at[f]}]:\n            return None  # a party list: parse_case reads it\n"
                    for f in ("applicants", "respondents") if f in at)
    parties = ""
    for role, prefix in (("applicants", "applicant"), ("respondents", "respondent")):
        cells = [f"{prefix}_name", f"{prefix}_id", f"{prefix}_phone"]
        present = [c for c in cells if c in at]
        if not present:
            continue
        parties += (_KEEP_PERSON if keep else _CHECK_PERSON).format(
            role=role, name=_cell(at, cells[0]), ident=_cell(at, cells[1]), phone=_cell(at, cells[2]),
            any_cell=" or ".join(("name", "ident", "phone")[cells.index(c)] for c in present),
            has_ident="ident or " if cells[1] in at else "",
        )
    dated_checks = ""
    if dated:
        dated_checks = ("        day = received_at.date()\n"
                        "        cat.check_valid('unit', case.street, day)\n"
                        "        cat.check_valid('category', case.category, day)\n"
                        "        if case.referred_by is not None:\n"
                        "            cat.check_valid('department', case.referred_by, day)\n")
    return _TEMPLATE.format(case_cells=case_cells, place_cells=place_cells, people_cells=people_cells,
                            received=received, case_no=case_no, summary=summary, amount=amount, lists=lists,
                            parties=parties, dated=dated_checks)


def compile_converter(at: dict[str, int], *, groups: tuple[tuple[str, ...], ...], dated: bool, keep: bool,
                      names: dict[str, Any]) -> Callable[[list], Any]:
    """The converter function for a layout; ``names`` are the memos and helpers its code uses."""
    source = compiled_source(at, groups=groups, dated=dated, keep=keep)
    namespace = dict(names)
    exec(compile(source, "<mediation.replay.convert_csv>", "exec"), namespace)  # noqa: S102 - our own template
    fast = namespace["fast"]
    fast.source = source
    return fast
