"""Case input: a dict (from JSON, a CSV row or CLI flags) -> a validated :class:`Case`.

Keys are the field ids of docs/design.md §2 or their Chinese labels; labels in values
are accepted as ids, Chinese names or aliases, in simplified or traditional
characters, full-width, or pinyin-annotated. Every problem is a
:class:`CaseError` naming the field and suggesting the nearest valid value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from mediation import clock
from mediation.clock import to_centre
from mediation.domain import (
    CASE_FIELDS,
    CASE_NO,
    DEFAULTS,
    FLAT_PARTY_FIELDS,
    REQUIRED,
    Case,
    Party,
    normalize_case_no,
)
from mediation.errors import CaseError, UnknownLabel
from mediation.personal import validate_id_number, validate_name, validate_phone
from mediation.text import CONTROL, control_message, normalize_label, quoted

MAX_PARTIES = 100_000
MAX_AMOUNT = Decimal("1e12")
MAX_PARTY_LIST = 50
#: Keys a case may have: its fields, and the flat forms of one applicant and respondent.
KEYS: tuple[str, ...] = (*CASE_FIELDS, *FLAT_PARTY_FIELDS)
#: The date forms a person or a file writes: 2020-06-15, 2020-6-15, 2020/6/15, 2020.6.15 and
#: 2020年6月15日, each optionally followed by a time (T or spaces, then 9:30 or 09:30:00, or 9时30分).
_MOMENT = (
    r"(?P<y>\d{4})(?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})|年(?P<cm>\d{1,2})月(?P<cd>\d{1,2})[日号]?)"
    r"(?:(?:T|\s+|(?<=[日号]))(?P<H>\d{1,2})(?:[:：](?P<M>\d{2})(?:[:：](?P<S>\d{2}))?|时(?:(?P<cM>\d{1,2})分)?))?"
)
MOMENT_FORMS = "2020-06-15T09:30, 2020-6-15 9:30, 2020/6/15 9:30 or 2020年6月15日 9:30"


def parse_moment(value: Any, *, field: str = "received_at") -> tuple[datetime, bool]:
    """A moment and whether it names a time of day: the one date parser of the program.

    Accepts ISO 8601 (an offset is converted to the centre's time) and the
    forms of :data:`MOMENT_FORMS` (full-width digits too); a date alone is
    midnight, reported by the second value being False. Raises :class:`CaseError`.
    """
    if isinstance(value, datetime):
        return (value if value.tzinfo is None else to_centre(value)), True
    if isinstance(value, date):
        return datetime.combine(value, time.min), False
    if not isinstance(value, str):
        raise CaseError(f"{field} must be a date or date-time, not {type(value).__name__}", field=field)
    text = unicodedata.normalize("NFKC", value).strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        pass
    else:
        timed = len(text) > 10 and not text[8:].isdigit()
        return (parsed if parsed.tzinfo is None else to_centre(parsed)), timed
    found = re.fullmatch(_MOMENT, text)  # compiled on first use (re caches it), not at start-up
    if found is not None:
        g = found.groupdict()
        try:
            moment = datetime(int(g["y"]), int(g["m"] or g["cm"]), int(g["d"] or g["cd"]),
                              int(g["H"] or 0), int(g["M"] or g["cM"] or 0), int(g["S"] or 0))
        except ValueError:
            pass
        else:
            return moment, g["H"] is not None
    raise CaseError(f"{field} is not a date: {quoted(value)}", field=field,
                    hint=f"write it as {MOMENT_FORMS}", why="not_date", value=value, bound=MOMENT_FORMS)


def parse_datetime(value: Any, *, field: str = "received_at") -> datetime:
    """A moment as :func:`parse_moment` reads it; a date alone means midnight."""
    return parse_moment(value, field=field)[0]


def parse_date(value: Any, *, field: str = "date") -> date:
    """A calendar day in any form :func:`parse_moment` reads; a time of day is refused."""
    moment, timed = parse_moment(value, field=field)
    if timed:
        raise CaseError(f"{field} is a day, not a moment: {quoted(value)}", field=field,
                        hint="leave the time out (2020-06-15)")
    return moment.date()


class CaseParser:
    """Parses cases for one rule set's catalogue. Get it from :func:`parser_for`."""

    def __init__(self, rules) -> None:
        self.rules = rules
        self.cat = rules.catalogue
        self.enum_ix = {name: self.cat.index[name] for name in ("request", "channel", "form", "risk")}
        self._keys: dict[str, str | None] = {}
        self._bools: dict[Any, bool | None] = {True: True, False: False}  # 1 and 0 hash alike
        self._dated = any(
            e.validity.dated
            for table in (self.cat.units, self.cat.categories, self.cat.departments)
            for e in table.values()
        )
        self.allowed = frozenset(KEYS)
        self._party_keys = frozenset(n for n, s in CASE_FIELDS.items() if s.kind == "parties") | set(FLAT_PARTY_FIELDS)
        # exact-spelling fast paths; anything else goes through normalisation
        self._enum = {name: _Memo(self.cat.index[name]) for name in ("request", "channel", "form", "risk")}
        self._category = _Memo(self.cat.index["category"])
        self._unit = _Memo(self.cat.index["unit"])
        self._steps = [(name, self._converter(name, spec), DEFAULTS.get(name))
                       for name, spec in CASE_FIELDS.items() if spec.kind != "parties"]
        self._index = {name: i for i, name in enumerate(CASE_FIELDS)}

    def _converter(self, name: str, spec) -> Callable[[Any, Mapping], Any]:
        """How a given value of field ``name`` becomes what the case holds (raising :class:`CaseError`)."""
        kind = spec.kind
        if kind == "enum":
            memo, slow = self._enum[spec.of].get, self.enum
            return lambda x, v: memo(x) or slow(name, x)
        if kind == "ref":
            if spec.of == "category":
                memo, slow = self._category.get, self.ref
                return lambda x, v: memo(x) or slow("category", x, name)
            if spec.of == "unit":
                memo, street = self._unit.get, self._street
                return lambda x, v: memo(x) or street(x, v.get("community"))
            ref = self.ref
            return lambda x, v: ref(spec.of, x, name)
        if kind == "text":
            text, width, required = self.text, spec.width, spec.required

            def convert(x, v):
                if x.__class__ is not str or len(x) > width or CONTROL.search(x):
                    x = text(x, name, width)
                x = x.strip()
                if not x:
                    if required:
                        raise CaseError(f"{name} is empty", field=name)
                    return None
                return x

            return convert
        if kind == "flag":
            flag = self.flag
            return lambda x, v: x if x.__class__ is bool else flag(x, name)
        if kind == "count":
            count = self.count
            return lambda x, v: x if x.__class__ is int and 0 < x <= MAX_PARTIES else count(x)
        if kind == "money":
            money = self.money
            return lambda x, v: money(x)
        if kind == "moment":
            moment = self._datetime
            return lambda x, v: moment(x)
        if kind == "case_no":
            case_no = self._case_no
            return lambda x, v: x if x.__class__ is str and CASE_NO.match(x) else case_no(x)
        raise AssertionError(f"no converter for {kind} fields ({name})")  # pragma: no cover - a new kind

    # ------------------------------------------------------------ keys

    def field_of(self, key: str) -> str | None:
        """The field id a key (id or Chinese heading) stands for, or None."""
        try:
            return self._keys[key]
        except KeyError:
            pass
        found = self.column_of(key)
        if found not in self.allowed:  # a replay column (outcome ...) is not part of a case
            found = None
        if len(self._keys) < 10_000:  # unknown keys from a long file must not grow memory
            self._keys[key] = found
        return found

    def column_of(self, key: str) -> str | None:
        """The labelled field a heading stands for: a case field or a replay column (outcome ...)."""
        return key if key in self.allowed else self.cat.index["field"].get(key)

    def unknown_key(self, key: str) -> CaseError:
        known = self.column_of(key)
        if known is not None:
            return CaseError(f"{quoted(key)} ({known}) is a replay column, not a field of a case",
                             why="replay_column", value=key, bound=known)
        ix = self.cat.index["field"]
        return UnknownLabel(f"unknown field {quoted(key)}", hint=ix.suggest(str(key)), kind="field", value=key,
                            near=tuple(ix.nearest(str(key))))

    # ------------------------------------------------------------ values

    def flag(self, value: Any, field: str) -> bool:
        try:
            found = self._bools.get(value)
        except TypeError:
            found = None
        if found is None:
            if isinstance(value, str):
                key = normalize_label(value)
                if key in self.cat.true_words:
                    found = True
                elif key in self.cat.false_words:
                    found = False
                if found is not None and len(self._bools) < 1000:
                    self._bools[value] = found
            if found is None:
                raise CaseError(f"{field} must be true or false (是/否), not {quoted(value)}", field=field,
                                why="flag", value=value)
        return found

    def enum(self, name: str, value: Any) -> str:
        if not isinstance(value, str):
            raise CaseError(f"{name} must be a label, not {quoted(value)}", field=name)
        found = self.enum_ix[name].get(value)
        if found is None:
            raise self.cat.unknown(name, value, field=name)
        self._enum[name].learn(value, found)
        return found

    def ref(self, kind: str, value: Any, field: str) -> str:
        if not isinstance(value, str):
            raise CaseError(f"{field} must be a label, not {quoted(value)}", field=field)
        found = self.cat.resolve(kind, value, field=field)
        if kind == "category":
            self._category.learn(value, found)
        return found

    @staticmethod
    def text(value: Any, field: str, limit: int) -> str:
        if not isinstance(value, str):
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
                value = str(value)
            else:
                raise CaseError(f"{field} must be text, not {type(value).__name__}", field=field)
        value = value.strip()
        if len(value) > limit:
            raise CaseError(f"{field} is longer than {limit} characters ({len(value)})", field=field, why="too_long",
                            value=len(value), bound=limit)
        bad = CONTROL.search(value)
        if bad:
            raise CaseError(control_message(field, bad.group()), field=field, why="control", value=bad.group())
        return value

    @staticmethod
    def count(value: Any) -> int:
        if isinstance(value, bool):
            raise CaseError("parties must be a whole number ≥ 1, not a yes/no", field="parties", why="parties",
                            value=value)
        if isinstance(value, str):
            try:
                value = int(unicodedata.normalize("NFKC", value).strip())
            except ValueError:
                raise CaseError(f"parties must be a whole number ≥ 1, not {quoted(value)}", field="parties",
                                why="parties", value=value) from None
        elif isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or value < 1:
            raise CaseError(f"parties must be a whole number ≥ 1, not {quoted(value)}", field="parties", why="parties",
                            value=value)
        if value > MAX_PARTIES:
            raise CaseError(f"parties is implausibly large ({value})", field="parties", why="too_large", value=value)
        return value

    @staticmethod
    def money(value: Any) -> Decimal:
        if value.__class__ is str:
            try:
                number = Decimal(value)
            except InvalidOperation:
                number = None
            if number is not None and number.is_finite() and 0 <= number <= MAX_AMOUNT:
                return number
        if isinstance(value, bool):
            raise CaseError("amount must be a number of yuan ≥ 0", field="amount", why="amount", value=value)
        try:
            if isinstance(value, str):
                text = unicodedata.normalize("NFKC", value).strip().replace(",", "").removesuffix("元")
                number = Decimal(text)
            elif isinstance(value, (int, Decimal)):
                number = Decimal(value)
            elif isinstance(value, float):
                number = Decimal(repr(value))
            else:
                raise InvalidOperation
        except InvalidOperation:
            raise CaseError(f"amount must be a number of yuan ≥ 0, not {quoted(value)}", field="amount",
                            why="amount", value=value) from None
        if not number.is_finite() or number < 0:
            raise CaseError(f"amount must be a number of yuan ≥ 0, not {quoted(value)}", field="amount", why="amount",
                            value=value)
        if number > MAX_AMOUNT:
            raise CaseError(f"amount is implausibly large ({value})", field="amount", why="too_large", value=value)
        return number

    def party(self, value: Any, field: str, today: date | None) -> Party:
        if not isinstance(value, Mapping):
            raise CaseError(f"each of {field} is an object {{name, id_number, phone}}", field=field)
        unknown = set(value) - {"name", "id_number", "phone"}
        if unknown:
            raise CaseError(f"unknown key {quoted(sorted(unknown)[0])} in {field}", field=field,
                            hint="a party has name, id_number and phone")
        if not value.get("name"):
            raise CaseError(f"a party in {field} has no name", field=field)
        return Party(
            name=validate_name(self.text(value["name"], field, 200), field=f"{field}.name"),
            id_number=validate_id_number(value["id_number"], field=f"{field}.id_number", today=today)
            if value.get("id_number") else None,
            phone=validate_phone(value["phone"], field=f"{field}.phone") if value.get("phone") else None,
        )

    # ------------------------------------------------------------ the case

    def parse(self, data: Mapping[str, Any], *, now: datetime | None = None,
              ignore: Iterable[str] = ()) -> Case:
        """A validated case from a mapping; see the module docstring."""
        if not isinstance(data, Mapping):
            raise CaseError(f"a case is an object of fields, not {type(data).__name__}")
        values = data.values()
        if self.allowed.issuperset(data) and "" not in values and None not in values:
            v = data  # keys are field ids and nothing is empty: no need to copy
        else:
            v = self._fields(data, ignore)
        get = v.get
        for name in REQUIRED:
            if get(name) is None:
                raise CaseError(f"missing required field {name}", field=name, why="missing")
        try:
            args = [default if (x := get(name)) is None else convert(x, v) for name, convert, default in self._steps]
        except TypeError:  # an unhashable value (a list, a mapping) where a label belongs
            raise self._wrong_type(v) from None
        ix = self._index
        if args[ix["received_at"]] is None:
            args[ix["received_at"]] = (now or clock.now()).replace(microsecond=0)
        channel, referred_by = args[ix["channel"]], args[ix["referred_by"]]
        if referred_by is not None and get("channel") is None:
            channel = args[ix["channel"]] = "referral"
        if channel == "referral" and referred_by is None:
            raise CaseError("a referral names who referred it", field="referred_by",
                            hint="give referred_by (e.g. court, police, petition_bureau)", why="missing")
        if referred_by is not None and channel != "referral":
            raise CaseError(f"referred_by is only for referrals, but channel is {channel}", field="referred_by",
                            hint="set channel to referral, or leave referred_by out", why="not_referral",
                            value=channel)
        case = Case(*args)
        if not self._party_keys.isdisjoint(v):
            today = case.received_at.date()
            case.applicants = self._parties(v, "applicant", today)
            case.respondents = self._parties(v, "respondent", today)
        if self._dated:
            day = case.received_at.date()
            self.cat.check_valid("unit", case.street, day, field="street")
            self.cat.check_valid("category", case.category, day, field="category")
            if referred_by:
                self.cat.check_valid("department", referred_by, day, field="referred_by")
        return case

    def field_problem(self, field: str, value: Any, data: Mapping[str, Any] | None = None) -> CaseError | None:
        """What is wrong with ``value`` as field ``field`` (an id) on its own, or None.

        ``data`` holds the other fields by id where one depends on another (a
        split street's community). A field of several (a referral without
        ``referred_by``) is for :meth:`problems` to find.
        """
        others = data or {}
        try:
            if field in FLAT_PARTY_FIELDS:
                self._flat_party(field, value)
                return None
            for name, convert, _default in self._steps:
                if name == field:
                    convert(value, others)
                    return None
        except CaseError as exc:
            return exc if exc.field else exc.located(field=field)
        except TypeError:
            return CaseError(f"{field} must be a label, not {quoted(value)}", field=field)
        return None

    def problems(self, data: Mapping[str, Any], *, now: datetime | None = None) -> list[CaseError]:
        """Every problem of a case at once: each missing required field and each bad value,
        then (when each field is fine alone) what is wrong between fields. [] if it parses."""
        if not isinstance(data, Mapping):
            return [CaseError(f"a case is an object of fields, not {type(data).__name__}")]
        found: list[CaseError] = []
        v: dict[str, Any] = {}
        for key, value in data.items():
            if value is None or value == "":
                continue
            field = self.field_of(key) if isinstance(key, str) else None
            if field is None:
                found.append(self.unknown_key(str(key)))
            elif field in v:
                found.append(CaseError(f"field {field} is given twice (as {quoted(key)})", field=field, why="twice",
                                       value=key))
            else:
                v[field] = value
        found += [CaseError(f"missing required field {name}", field=name, why="missing")
                  for name in REQUIRED if name not in v]
        for name, value in v.items():
            problem = self.field_problem(name, value, v)
            if problem is not None:
                found.append(problem)
        if not found:
            try:
                self.parse(data, now=now)
            except CaseError as exc:
                found.append(exc)
        return found

    def _flat_party(self, field: str, value: Any) -> None:
        part = field.partition("_")[2]
        if part == "name":
            validate_name(self.text(value, field, 200), field=field)
        elif part == "id":
            validate_id_number(value, field=field)
        else:
            validate_phone(value, field=field)

    def _fields(self, data: Mapping[str, Any], ignore: Iterable[str]) -> dict[str, Any]:
        """The non-empty values of ``data`` keyed by field id (keys may be Chinese headings)."""
        v: dict[str, Any] = {}
        keys = self._keys
        for key, value in data.items():
            if value is None or value == "":
                continue
            field = keys.get(key) if key.__class__ is str else None
            if field is None:
                field = self.field_of(key) if isinstance(key, str) else None
                if field is None:
                    if self._ignored(key, ignore):
                        continue
                    raise self.unknown_key(str(key))
            if field in v:
                raise CaseError(f"field {field} is given twice (as {quoted(key)})", field=field, why="twice",
                                value=key)
            v[field] = value
        return v

    def _wrong_type(self, v: dict) -> CaseError:
        """The error for the first field holding a value of the wrong type."""
        for name, convert, _default in self._steps:
            if name in v:
                try:
                    convert(v[name], v)
                except CaseError as exc:
                    return exc
                except TypeError:
                    return CaseError(f"{name} must be a label, not {quoted(v[name])}", field=name, why="not_label",
                                     value=v[name])
        return CaseError("a field holds a value of the wrong type")

    def _ignored(self, key: Any, ignore: Iterable[str]) -> bool:
        if not ignore or not isinstance(key, str):
            return False
        skip = set(ignore)
        return key in skip or self.cat.index["field"].get(key) in skip

    def _datetime(self, value: Any) -> datetime:
        if value.__class__ is str:
            try:
                parsed = datetime.fromisoformat(value)
            except ValueError:
                return parse_datetime(value)
            return parsed if parsed.tzinfo is None else to_centre(parsed)
        return parse_datetime(value)

    @staticmethod
    def _case_no(value: Any) -> str:
        case_no = normalize_case_no(str(value))
        if not CASE_NO.match(case_no):
            raise CaseError(f"case_no {quoted(value)} is not of the form XS-YYYY-NNNNN", field="case_no",
                            why="case_no_form", value=value)
        return case_no

    def _street(self, value: Any, community: str | None) -> str:
        if isinstance(value, int) and not isinstance(value, bool):  # a division code given as a JSON number
            value = str(value)
        if not isinstance(value, str):
            raise CaseError(f"street must be a label, not {quoted(value)}", field="street")
        return self.cat.resolve_street(value, community)

    def _parties(self, v: dict, role: str, today: date) -> tuple[Party, ...]:
        plural = role + "s"
        out: list[Party] = []
        if plural in v:
            items = v[plural]
            if not isinstance(items, list):
                raise CaseError(f"{plural} is a list of {{name, id_number, phone}}", field=plural)
            if len(items) > MAX_PARTY_LIST:
                raise CaseError(f"{plural} lists more than {MAX_PARTY_LIST} people", field=plural)
            out.extend(self.party(p, plural, today) for p in items)
        flat = {k: v[f"{role}_{k2}"] for k, k2 in (("name", "name"), ("id_number", "id"), ("phone", "phone"))
                if f"{role}_{k2}" in v}
        if flat:
            if "name" not in flat:
                raise CaseError(f"{role}_id or {role}_phone given without {role}_name", field=f"{role}_name",
                                why="missing")
            try:
                out.append(self.party(flat, plural, today))
            except CaseError as exc:
                raise CaseError(exc.message, field=_flat_field(exc.field or "", role), hint=exc.hint, why=exc.why,
                                value=exc.value, bound=exc.bound) from None
        return tuple(out)


_ZERO = Decimal(0)


class _Memo(dict):
    """Exact spellings seen before -> id; a miss returns None (callers then resolve slowly)."""

    def __init__(self, index) -> None:
        super().__init__((id_, id_) for id_ in index.ids())
        self.update((name, id_) for id_, name in index.names.items())

    def __missing__(self, key):
        return None

    def learn(self, spelling: str, id_: str) -> None:
        if len(self) < 10_000:
            self[spelling] = id_


def _flat_field(field: str, role: str) -> str:
    tail = field.rsplit(".", 1)[-1]
    return {"name": f"{role}_name", "id_number": f"{role}_id", "phone": f"{role}_phone"}.get(tail, field)


def parser_for(rules) -> CaseParser:
    """The (cached) case parser of a rule set."""
    parser = rules.__dict__.get("_case_parser")
    if parser is None:
        parser = rules.__dict__["_case_parser"] = CaseParser(rules)
    return parser


def one_error(problems: list[CaseError]) -> CaseError:
    """The problems of a case as one error (one line): the problem itself when there is one."""
    if len(problems) == 1:
        return problems[0]
    return CaseError(f"{len(problems)} problems: " + "; ".join(str(p) for p in problems), why="problems",
                     value=tuple(problems))


def parse_case(data: Mapping[str, Any], rules, *, now: datetime | None = None,
               ignore: Iterable[str] = ()) -> Case:
    """A validated, normalised case from a mapping (JSON object, CSV row, flags).

    ``now`` fills ``received_at`` when it is absent (default: the clock).
    Keys in ``ignore`` (ids or labels) are skipped instead of refused.
    """
    return parser_for(rules).parse(data, now=now, ignore=ignore)


