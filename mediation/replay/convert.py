"""Rows of a case table -> :class:`Case`, fast, with :func:`parse_case` as the reference.

A replay reads millions of rows of the same few columns. The cells of the
labelled fields (request, form, category, risk; channel and referrer; street
and community; parties and the flags) repeat from row to row, so each
distinct combination of a group's cells is converted once, by ``parse_case``
itself, and remembered; the other cells (case number, date, summary, amount,
the parties' details) are checked per row or per distinct value. Whatever
the fast path is not sure of (a party list, an unresolvable label, a bad
value) goes to :func:`mediation.cases.parse_case`, which builds the case or
raises the exact :class:`CaseError`. So the fast path accepts exactly what
``parse_case`` accepts and builds the same case; ``tests/test_replay.py``
checks this on generated rows.

The replay columns (``actual_destination``, ``taken_at``, ``outcome``,
``agreement_form``, ``closed_at``) are read into a :class:`History`.
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Any

from mediation import clock
from mediation.cases import parse_case, parser_for
from mediation.domain import (
    CASE_FIELDS,
    CASE_NO,
    DEFAULTS,
    ENUMS,
    FLAT_PARTY_FIELDS,
    GROUPS,
    REQUIRED,
    Case,
    Party,
)
from mediation.errors import CaseError
from mediation.personal import MAX_NAME, validate_name, validate_phone
from mediation.replay.codegen import compile_converter
from mediation.replay.values import Bail, History, IdNumbers, label, moment, resolve_destination
from mediation.text import CONTROL

#: Replay columns: what happened to a historical case (docs/design.md §7).
HISTORY_FIELDS = ("actual_destination", "taken_at", "outcome", "agreement_form", "closed_at")

_PARTY_CELLS = tuple(FLAT_PARTY_FIELDS)
_GROUPS = tuple(GROUPS.values())
_SEP = "\x00"
_MOBILE = re.compile(r"1[3-9][0-9]{9}").fullmatch  # validate_phone returns such a number as it is
_MEMO_LIMIT = 50_000
_ZERO = Decimal(0)
_fromisoformat = datetime.fromisoformat


class CaseConverter:
    """Converts the rows of one column layout to cases for one rule set.

    ``columns`` has the field id of each position (None: ignored), ``headings``
    the keys ``parse_case`` gets for them. Rows are passed *padded*: the cells
    in column order plus one empty cell at the end (see :func:`padded`), which
    stands for every absent column.

    :meth:`case` returns the case or raises :class:`CaseError`; :attr:`fast`
    returns it, or None when only ``parse_case`` can tell. ``now`` fills a
    missing ``received_at`` as ``parse_case`` would (fixed, so that runs repeat).
    With ``parties=False`` applicants and respondents are checked but not kept:
    a dry run needs no personal data. ``texts=True`` promises that every cell
    is a ``str`` (CSV), which allows cheaper checks.
    """

    def __init__(self, rules, columns: list[str | None], *, headings: list[str] | None = None,
                 now: datetime | None = None, parties: bool = True, texts: bool = False) -> None:
        self.rules = rules
        self.columns = list(columns)
        self.keys = list(headings) if headings is not None else [c or "" for c in columns]
        self.now = (now or clock.now()).replace(microsecond=0)
        self.keep_parties = parties
        self.fallbacks = 0
        self.width = width = len(columns)
        at = {f: i for i, f in enumerate(columns) if f is not None}
        self._keep = [i for i, f in enumerate(columns) if f is not None]
        self._history = itemgetter(*(at.get(f, width) for f in HISTORY_FIELDS))
        self.has_history = any(f in at for f in HISTORY_FIELDS)
        self._groups: list[dict[Any, tuple]] = [{} for _ in _GROUPS]
        cat = rules.catalogue
        # valid values for the required fields a group lacks when it is read on its own
        self._stand_ins = {name: _stand_in(cat, CASE_FIELDS[name]) for name in REQUIRED}
        self._id_number = IdNumbers()
        self._destinations = _Memo(lambda v: resolve_destination(rules, v))
        self._outcomes = _Memo(lambda v: label(cat, "outcome", v))
        self._agreements = _Memo(lambda v: label(cat, "agreement_form", v))
        self.fast = self._build_fast(at, width, texts)

    # ------------------------------------------------------------ conversion

    def case(self, row: list | tuple) -> Case:
        """The case of a padded row; :class:`CaseError` if it is not valid."""
        found = self.fast(row)
        if found is not None:
            return found
        self.fallbacks += 1
        case = parse_case(self.mapping(row), self.rules, now=self.now, ignore=HISTORY_FIELDS)
        if not self.keep_parties:
            case.applicants = case.respondents = ()
        return case

    def mapping(self, row: list | tuple) -> dict:
        """The row as the mapping ``parse_case`` takes (ignored columns left out)."""
        keys = self.keys
        return {keys[i]: row[i] for i in self._keep}

    def _build_fast(self, at: dict[str, int], width: int, texts: bool):
        """The fast conversion for this layout, generated from the definition of a case (:mod:`.codegen`)."""
        p = parser_for(self.rules)
        memos = {f"m_{group}": memo.get for group, memo in zip(GROUPS, self._groups, strict=True)}
        return compile_converter(at, texts=texts, dated=p._dated, keep=self.keep_parties, names={
            **memos, "part": self._part, "join": _SEP.join, "fromiso": _fromisoformat, "now": self.now,
            "number_ok": CASE_NO.match, "control": CONTROL.search, "amounts": _Memo(p.money), "ZERO": _ZERO,
            "new_case": Case, "person": self._person, "mobile": _MOBILE, "MAX_NAME": MAX_NAME,
            "cat": self.rules.catalogue, "Bail": Bail, "CaseError": CaseError, "BLANK": ("", None),
            "DEFAULTS": DEFAULTS})

    def _part(self, index: int, cells: tuple) -> tuple:
        """A group's values for these cells, as parse_case reads them; raises Bail if it refuses.

        Remembered under :func:`_key` (a refusal as an empty tuple).
        """
        group, memo = _GROUPS[index], self._groups[index]
        key = _key(cells)
        found = memo.get(key) if key is not None else None
        if found is None:
            found = self._group(group, cells) or ()
            if key is not None and len(memo) < _MEMO_LIMIT:
                memo[key] = found
        if not found:
            raise Bail
        return found

    def _group(self, group: tuple[str, ...], cells: tuple) -> tuple | None:
        """One group's fields as parse_case reads them (other required fields stand in); None if refused."""
        data = {f: v for f, v in zip(group, cells, strict=True) if not (v is None or v == "")}
        for f, stand_in in self._stand_ins.items():
            if f not in group:
                data[f] = stand_in
        try:
            case = parse_case(data, self.rules, now=self.now)
        except CaseError:
            return None
        return tuple(getattr(case, f) for f in group)

    def _person(self, role: str, name: str | None, id_number: str | None, phone: str | None,
                received_at: datetime) -> tuple:
        """One role's (name, ID, phone) cells, checked as parse_case checks them -> (Party,) or ()."""
        if not name:
            raise Bail  # an ID or phone without a name
        if not (len(name) <= MAX_NAME and name.isprintable() and " " not in name):
            # printable without spaces: text() and validate_name() would return it as it is
            name = validate_name(parser_for(self.rules).text(name, role, 200), field=f"{role}.name")
        ident = None
        if id_number:
            ident, born = self._id_number(id_number)
            if born > received_at:  # born after the case's day
                raise Bail
        if phone and not _MOBILE(phone):
            phone = validate_phone(phone, field=f"{role}.phone")
        if not self.keep_parties:
            return ()
        return (Party(name, ident, phone or None),)

    # ------------------------------------------------------------ history columns

    def history(self, row: list | tuple) -> History | None:
        """The replay columns of a padded row, checked; None if it has none. Raises :class:`CaseError`."""
        if not self.has_history:
            return None
        dest, taken, outcome, agreement, closed = self._history(row)
        # moment(), its common case inline (this runs for every row of a replay)
        if taken is None or taken == "":
            taken = None
        else:
            try:
                when = _fromisoformat(taken)
            except (TypeError, ValueError):
                when = None
            taken = when if when is not None and when.tzinfo is None else moment(taken, "taken_at")
        if closed is None or closed == "":
            closed = None
        else:
            try:
                when = _fromisoformat(closed)
            except (TypeError, ValueError):
                when = None
            closed = when if when is not None and when.tzinfo is None else moment(closed, "closed_at")
        return _new_history((  # History's fields in order, without its __new__'s frame
            None if dest is None or dest == "" else self._destinations[dest],
            taken,
            None if outcome is None or outcome == "" else self._outcomes[outcome],
            None if agreement is None or agreement == "" else self._agreements[agreement],
            closed,
        ))


_new_history = partial(tuple.__new__, History)


def _stand_in(cat, spec) -> str:
    """Some valid value of a required field (an id of its enum or catalogue kind, or text)."""
    if spec.kind == "enum":
        return ENUMS[spec.of][0]
    if spec.kind == "ref":
        return next(iter(cat.index[spec.of].ids()))
    return "-"


def padded(values: list | tuple | dict) -> list:
    """A row as the converter takes it: its cells (an object's values) and one empty cell."""
    if isinstance(values, dict):
        return [*values.values(), ""]
    return [*values, ""]


class _Memo(dict):
    """Values -> converted values; a miss converts (or raises) and remembers it under :func:`_key`."""

    __slots__ = ("convert",)

    def __init__(self, convert) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, value: Any) -> Any:
        key = _key(value)
        if key is not None and key is not value and key in self:
            return self[key]
        result = self.convert(value)
        if key is not None and len(self) < _MEMO_LIMIT:
            self[key] = result
        return result


def _key(value: Any) -> Any:
    """How a converted value is remembered: a string as itself; a tuple of strings without
    NUL joined by NUL (one string per tuple: cheap to hash, never ambiguous); a tuple of
    other values as (type, value) pairs, so that JSON's 1, True and 1.0 stay apart;
    anything else not at all (None)."""
    if value.__class__ is str:
        return value
    if value.__class__ is not tuple:
        return None
    if all(v.__class__ is str for v in value):
        joined = _SEP.join(value)
        if joined.count(_SEP) == len(value) - 1:
            return joined
        return None
    try:
        key = tuple((v.__class__, v) for v in value)
        hash(key)
    except TypeError:
        return None
    return key
