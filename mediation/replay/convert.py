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
from dataclasses import fields as dataclass_fields
from datetime import datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any

from mediation import clock
from mediation.cases import MAX_SUMMARY, parse_case, parser_for
from mediation.domain import CASE_NO, Case, Party
from mediation.errors import CaseError
from mediation.personal import MAX_NAME, validate_name, validate_phone
from mediation.replay.convert_csv import compile_converter
from mediation.replay.values import Bail, History, IdNumbers, label, moment, resolve_destination
from mediation.text import CONTROL

#: Replay columns: what happened to a historical case (DESIGN §7).
HISTORY_FIELDS = ("actual_destination", "taken_at", "outcome", "agreement_form", "closed_at")

# The fast path passes Case's fields positionally, in this order.
_CASE_ORDER = ("form", "category", "street", "summary", "received_at", "case_no", "request", "channel",
               "referred_by", "community", "parties", "amount", "petition", "litigation_pending", "criminal",
               "party_refuses", "risk", "applicants", "respondents")
if tuple(f.name for f in dataclass_fields(Case)) != _CASE_ORDER:  # pragma: no cover - guards a refactor
    raise ImportError("mediation.domain.Case changed its fields: update mediation.replay.convert")

# Fields whose cells repeat, converted once per distinct combination of a group's cells.
_LABELLED = ("request", "channel", "referred_by", "form", "category", "street", "community", "parties",
             "petition", "litigation_pending", "criminal", "party_refuses", "risk")
# The labelled fields parse_case reads together (a referral names its referrer;
# a split former unit needs the community); each group is independent of the
# others, so a combination of cells is accepted when each group's part is.
_GROUPS = (("request", "form", "category", "risk", "channel", "referred_by"), ("street", "community"),
           ("parties", "petition", "litigation_pending", "criminal", "party_refuses"))
if sorted(f for g in _GROUPS for f in g) != sorted(_LABELLED):  # pragma: no cover - guards an edit
    raise ImportError("every labelled field belongs to exactly one group")
# Fields checked row by row.
_PER_ROW = ("case_no", "received_at", "summary", "amount", "applicants", "respondents")
_PARTY_CELLS = ("applicant_name", "applicant_id", "applicant_phone", "respondent_name", "respondent_id",
                "respondent_phone")
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
        self._stand_ins = {"form": "oral", "category": next(iter(cat.categories)), "street": next(iter(cat.units)),
                           "summary": "-"}
        self._id_number = IdNumbers()
        self._destinations = _Memo(lambda v: resolve_destination(rules, v))
        self._outcomes = _Memo(lambda v: label(cat, "outcome", v))
        self._agreements = _Memo(lambda v: label(cat, "agreement_form", v))
        self._labels = _Memo(self._history_labels)
        self.fast = self._build_fast(at, width, texts)
        #: Checks the replay columns of a padded row as :meth:`history` does and
        #: returns only the actual destination (None if not given).
        self.actual = self._build_actual() if self.has_history else _nothing

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
        """The fast conversion as a closure: everything it touches is a local."""
        p = parser_for(self.rules)
        # one getter and one memo per group of labelled fields (see _GROUPS)
        g_case, g_place, g_people = (itemgetter(*(at.get(f, width) for f in group)) for group in _GROUPS)
        m_case, m_place, m_people = (memo.get for memo in self._groups)
        part = self._part
        cells = itemgetter(*(at.get(f, width) for f in _PER_ROW))
        party_cells = itemgetter(*(at.get(f, width) for f in _PARTY_CELLS))
        has_parties = any(f in at for f in (*_PARTY_CELLS, "applicants", "respondents"))
        amounts = _Memo(p.money)
        person = self._person
        now, keep = self.now, self.keep_parties
        dated, cat = p._dated, self.rules.catalogue
        new_case, fromiso, number_ok, control = Case, _fromisoformat, CASE_NO.match, CONTROL.search
        join, mobile = _SEP.join, _MOBILE
        blank = ("", None)
        if texts:  # CSV: the same steps, generated for exactly these columns
            return compile_converter(at, groups=_GROUPS, dated=dated, keep=keep, names={
                "m_case": m_case, "m_place": m_place, "m_people": m_people, "part": part, "g_case": g_case,
                "g_place": g_place, "g_people": g_people, "join": join, "fromiso": fromiso, "now": now,
                "number_ok": number_ok, "MAX_SUMMARY": MAX_SUMMARY, "control": control, "amounts": amounts,
                "ZERO": _ZERO, "new_case": new_case, "person": person, "mobile": mobile,
                "MAX_NAME": MAX_NAME, "cat": cat, "Bail": Bail, "CaseError": CaseError})

        def fast(row: list | tuple) -> Case | None:
            try:
                # CSV cells are text: one joined string is a cheaper key than a tuple.
                # A part missing or refused (an empty tuple) is settled by part().
                if texts:
                    c = m_case(join(g_case(row))) or part(0, g_case(row))
                    w = m_place(join(g_place(row))) or part(1, g_place(row))
                    n = m_people(join(g_people(row))) or part(2, g_people(row))
                else:
                    c, w, n = part(0, g_case(row)), part(1, g_place(row)), part(2, g_people(row))
                case_no, received, summary, amount, a_list, r_list = cells(row)
                if received and received.__class__ is str:
                    received_at = fromiso(received)
                    if received_at.tzinfo is not None:
                        return None
                elif received in blank:
                    received_at = now
                else:
                    return None
                if case_no in blank:
                    case_no = None
                elif case_no.__class__ is not str or not number_ok(case_no):
                    return None
                if summary.__class__ is not str or len(summary) > MAX_SUMMARY or (
                        not summary.isprintable() and control(summary)):
                    return None
                summary = summary.strip()
                if not summary:
                    return None
                amount = _ZERO if amount in blank else amounts[amount]
                case = new_case(c[1], c[2], w[0], summary, received_at, case_no, c[0], c[4], c[5], w[1], n[0],
                                amount, n[1], n[2], n[3], n[4], c[3])
                if has_parties:
                    if not (a_list in blank and r_list in blank):
                        return None  # party lists: parse_case reads them
                    a_name, a_id, a_phone, r_name, r_id, r_phone = party_cells(row)
                    if not texts and not all(v is None or v.__class__ is str
                                             for v in (a_name, a_id, a_phone, r_name, r_id, r_phone)):
                        return None  # a 0 or false: parse_case judges it
                    # The common case, a plain name and a mobile number, is checked here:
                    # printable without spaces, text() and validate_name() keep a name as
                    # it is, and validate_phone() keeps such a number as it is.
                    if (a_name or a_id or a_phone) and (
                            keep or a_id or not a_name or len(a_name) > MAX_NAME or " " in a_name or not (
                                a_name.isprintable() and (not a_phone or mobile(a_phone)))):
                        applicants = person("applicants", a_name, a_id, a_phone, received_at)
                        if keep:
                            case.applicants = applicants
                    if (r_name or r_id or r_phone) and (
                            keep or r_id or not r_name or len(r_name) > MAX_NAME or " " in r_name or not (
                                r_name.isprintable() and (not r_phone or mobile(r_phone)))):
                        respondents = person("respondents", r_name, r_id, r_phone, received_at)
                        if keep:
                            case.respondents = respondents
                if dated:
                    day = received_at.date()
                    cat.check_valid("unit", case.street, day)
                    cat.check_valid("category", case.category, day)
                    if case.referred_by is not None:
                        cat.check_valid("department", case.referred_by, day)
                return case
            except (Bail, CaseError, ValueError, TypeError, ArithmeticError):
                return None

        return fast

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
        return History(
            actual_destination=None if dest is None or dest == "" else self._destinations[dest],
            taken_at=None if taken is None or taken == "" else moment(taken, "taken_at"),
            outcome=None if outcome is None or outcome == "" else self._outcomes[outcome],
            agreement_form=None if agreement is None or agreement == "" else self._agreements[agreement],
            closed_at=None if closed is None or closed == "" else moment(closed, "closed_at"),
        )

    def _build_actual(self):
        """:meth:`actual` as a closure (it runs once per row)."""
        history, labels, join, fromiso = self._history, self._labels, _SEP.join, _fromisoformat
        labels_get = labels.get

        def actual(row: list | tuple) -> str | None:
            dest, taken, outcome, agreement, closed = history(row)
            if taken:
                try:
                    if fromiso(taken).tzinfo is not None:
                        raise ValueError
                except (ValueError, TypeError):
                    moment(taken, "taken_at")
            if closed:
                try:
                    if fromiso(closed).tzinfo is not None:
                        raise ValueError
                except (ValueError, TypeError):
                    moment(closed, "closed_at")
            cells = (dest, outcome, agreement)
            try:
                found = labels_get(join(cells), labels)
            except TypeError:  # not all text (JSON)
                found = labels
            return labels[cells] if found is labels else found

        return actual

    def _history_labels(self, cells: tuple) -> str | None:
        dest, outcome, agreement = cells
        if not (outcome is None or outcome == ""):
            self._outcomes[outcome]
        if not (agreement is None or agreement == ""):
            self._agreements[agreement]
        return None if dest is None or dest == "" else self._destinations[dest]


def _nothing(row: Any) -> None:
    return None


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
