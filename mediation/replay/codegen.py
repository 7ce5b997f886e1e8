"""The fast conversion of rows to cases, generated from the definition of a case's fields.

:class:`~mediation.replay.convert.CaseConverter` converts millions of rows of
one layout. For each layout (a CSV file's columns, a JSON Lines file's keys)
the conversion is written out as Python source from the definition of a case
(:data:`mediation.domain.CASE_FIELDS`): each cell read by its index, absent
columns left out, the fields of a *group* looked up together in a memo, the
other fields checked by their *kind*, and the :class:`~mediation.domain.Case`
built positionally in its field order. So a field added to the definition is
converted here without a change, and the code for a layout can be read
(``compiled_source``).

The generated function does the checks ``parse_case`` does and returns the
case, or None when only ``parse_case`` can tell (then the caller asks it,
and gets the exact error or the case). The property tests in
``tests/replay/test_convert.py`` compare the two on generated rows of several
layouts, for CSV text cells and for JSON values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mediation.domain import CASE_FIELDS, GROUPS

_TEMPLATE = '''\
def fast(row):
    try:
{groups}{per_row}        case = new_case({args})
{parties}{dated}        return case
    except (Bail, CaseError, ValueError, TypeError, ArithmeticError):
        return None
'''

# Parties kept in the case: person() checks and builds them.
_KEEP_PERSON = '''\
        name, ident, phone = {name}, {ident}, {phone}
{types}        if {any_cell}:
            case.{role} = person("{role}", name, ident, phone, received_at)
'''
# Parties only checked: a plain name (printable, no space, not too long) and an
# 11-digit mobile are what validate_name/validate_phone keep as they are, so
# they are checked here; anything else (an ID number too) goes to person().
_CHECK_PERSON = '''\
        name, ident, phone = {name}, {ident}, {phone}
{types}        if {any_cell}:
            if {has_ident}not name or len(name) > MAX_NAME or " " in name or not (
                    name.isprintable() and (not phone or mobile(phone))):
                person("{role}", name, ident, phone, received_at)
'''
# JSON values may be numbers or booleans where text belongs: parse_case judges those.
_TEXT_ONLY = '''\
        if not all(v is None or v.__class__ is str for v in (name, ident, phone)):
            return None
'''


def _cell(at: dict[str, int], field: str) -> str:
    return f"row[{at[field]}]" if field in at else '""'


def _per_row(name: str, kind: str, at: dict[str, int], texts: bool) -> str:
    """The lines reading a field that belongs to no group into a local of its name."""
    cell = _cell(at, name)
    spec = CASE_FIELDS[name]
    if name not in at:
        if spec.required:
            return f"        return None  # no {name} column: parse_case says what is missing\n"
        default = {"moment": "now", "money": "ZERO"}.get(kind, f"DEFAULTS[{name!r}]")
        return f"        {name} = {default}\n"
    if kind == "case_no":
        check = "" if texts else f"{name}.__class__ is not str or "
        return (f"        {name} = {cell}\n"
                f"        if {name} in BLANK:\n            {name} = None\n"
                f"        elif {check}not number_ok({name}):\n            return None\n")
    if kind == "moment":
        return (f"        {name} = {cell}\n"
                f"        if {name} in BLANK:\n            {name} = now\n"
                + ("" if texts else f"        elif {name}.__class__ is not str:\n            return None\n")
                + f"        else:\n            {name} = fromiso({name})\n"
                f"            if {name}.tzinfo is not None:\n                return None\n")
    if kind == "text":
        empty = "return None" if spec.required else f"{name} = None"
        return (f"        {name} = {cell}\n"
                f"        if {name} in BLANK:\n            {empty}\n"
                f"        else:\n"
                f"            if {name}.__class__ is not str or len({name}) > {spec.width} or (\n"
                f"                    not {name}.isprintable() and control({name})):\n"
                f"                return None\n"
                f"            {name} = {name}.strip()\n"
                f"            if not {name}:\n                {empty}\n")
    if kind == "money":
        return f"        {name} = ZERO if {cell} in BLANK else amounts[{cell}]\n"
    # any other kind outside a group: parse_case reads it when it is given
    return (f"        {name} = {cell}\n"
            f"        if {name} not in BLANK:\n            return None\n"
            f"        {name} = DEFAULTS[{name!r}]\n")


def compiled_source(at: dict[str, int], *, texts: bool, dated: bool, keep: bool) -> str:
    """The source of the converter for a layout (``at``: field id -> column index).

    ``texts``: every cell is text (CSV), so a group's cells are joined into one
    memo key; ``keep``: the case keeps its applicants and respondents.
    """
    groups = ""
    for i, (group, names) in enumerate(GROUPS.items()):
        cells = ", ".join(_cell(at, f) for f in names)
        if not any(f in at for f in names):  # no column of the group: its values are the same for every row
            groups += f"        g_{group} = G_{group}\n"
        elif texts:
            groups += f"        g_{group} = m_{group}(join(({cells},))) or part({i}, ({cells},))\n"
        else:
            groups += f"        g_{group} = part({i}, ({cells},))\n"
    per_row = ""
    args = []
    for name, spec in CASE_FIELDS.items():
        if spec.group:
            args.append(f"g_{spec.group}[{GROUPS[spec.group].index(name)}]")
        elif spec.kind == "parties":
            args.append("()")
            if name in at:
                per_row += f"        if {_cell(at, name)} not in BLANK:\n            return None  # a list: parse_case\n"
        else:
            per_row += _per_row(name, spec.kind, at, texts)
            args.append(name)
    parties = ""
    for role, prefix in (("applicants", "applicant"), ("respondents", "respondent")):
        cells = [f"{prefix}_name", f"{prefix}_id", f"{prefix}_phone"]
        present = [c for c in cells if c in at]
        if not present:
            continue
        parties += (_KEEP_PERSON if keep else _CHECK_PERSON).format(
            role=role, name=_cell(at, cells[0]), ident=_cell(at, cells[1]), phone=_cell(at, cells[2]),
            any_cell=" or ".join(("name", "ident", "phone")[cells.index(c)] for c in present),
            has_ident="ident or " if cells[1] in at else "", types="" if texts else _TEXT_ONLY,
        )
    dated_checks = ""
    if dated:
        dated_checks = ("        day = received_at.date()\n"
                        "        cat.check_valid('unit', case.street, day)\n"
                        "        cat.check_valid('category', case.category, day)\n"
                        "        if case.referred_by is not None:\n"
                        "            cat.check_valid('department', case.referred_by, day)\n")
    return _TEMPLATE.format(groups=groups, per_row=per_row, args=", ".join(args), parties=parties,
                            dated=dated_checks)


def compile_converter(at: dict[str, int], *, texts: bool, dated: bool, keep: bool,
                      names: dict[str, Any]) -> Callable[[list], Any]:
    """The converter function for a layout; ``names`` are the memos and helpers its code uses.

    A group none of whose fields has a column is converted once, here (``part(i, cells)``);
    when that refuses, every row is refused alike (``parse_case`` then says why).
    """
    source = compiled_source(at, texts=texts, dated=dated, keep=keep)
    namespace = dict(names)
    for i, (group, fields) in enumerate(GROUPS.items()):
        if not any(f in at for f in fields):
            try:
                namespace[f"G_{group}"] = names["part"](i, ("",) * len(fields))
            except names["Bail"]:
                source = source.replace(f"        g_{group} = G_{group}\n", "        return None\n")
    exec(compile(source, "<mediation.replay.codegen>", "exec"), namespace)  # noqa: S102 - our own template
    fast = namespace["fast"]
    fast.source = source
    return fast
