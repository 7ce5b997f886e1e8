"""The catalogue: units, departments, categories, destinations, enum labels.

It resolves what a person or a file writes (an id, a Chinese name, an alias;
simplified or traditional, full-width or not, pinyin-annotated) to an id, and
suggests the nearest valid one when nothing matches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from mediation.errors import AmbiguousLabel, CaseError, RuleError, UnknownLabel
from mediation.rules.model import Category, Department, Destination, Entry, SplitUnit, Unit
from mediation.rules.suggest import Suggester
from mediation.text import normalize_label, quoted

#: What each kind of label is called in messages.
KIND_NAMES = {
    "unit": "territorial unit",
    "department": "department",
    "category": "category",
    "destination": "destination",
    "field": "field",
}


def division_code(text: object) -> str | None:
    """The 9-digit (township) or 6-digit (county) division code ``text`` is, or None if it is not one.

    Full-width digits and spaces are allowed; a 12-digit code (统计用区划代码 of a
    community or village) gives its township's 9 digits.
    """
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        return None
    key = normalize_label(str(text))
    if not key.isdigit() or not key.isascii():
        return None
    if len(key) == 12:
        return key[:9]
    return key if len(key) in (6, 9) else None


class LabelIndex:
    """Maps every accepted spelling of a label to its id.

    Lookups first try the text as given (a dict hit for ids and common names),
    then its normalised form; results are memoised, so resolving the same
    label again costs one dict lookup.
    """

    __slots__ = ("kind", "names", "_keys", "_memo", "_shared", "_suggester")

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.names: dict[str, str] = {}  # id -> display name
        self._keys: dict[str, str] = {}  # normalised key -> id
        self._memo: dict[str, str | None] = {}
        self._shared: dict[str, list[str]] = {}  # normalised key -> the ids sharing it (ambiguous)
        self._suggester: Suggester | None = None

    def add(self, id_: str, name: str, aliases: Iterable[str] = (), where: str | None = None) -> None:
        self.names[id_] = name
        for spelling in (id_, name, *aliases):
            key = normalize_label(str(spelling))
            other = self._keys.get(key)
            if key in self._shared:
                raise RuleError(f"{self.kind} label {spelling!r} is shared by {', '.join(self._shared[key])} "
                                f"and cannot also name {id_!r} alone", file=where,
                                hint="a shared alias must be nobody's own name or alias")
            if other is not None and other != id_:
                raise RuleError(
                    f"{self.kind} label {spelling!r} is used by both {other!r} and {id_!r}",
                    file=where,
                    hint="each name or alias may belong to one entry only",
                )
            self._keys[key] = id_

    def add_shared(self, id_: str, spelling: str, where: str | None = None) -> None:
        """A spelling ``id_`` shares with other entries: looking it up gives no id, only the candidates."""
        key = normalize_label(spelling)
        if key in self._keys:
            raise RuleError(f"{self.kind} label {spelling!r} is {self._keys[key]!r}'s own and cannot be shared",
                            file=where, hint="a shared alias must be nobody's own name or alias")
        ids = self._shared.setdefault(key, [])
        if id_ not in ids:
            ids.append(id_)

    def check_shared(self, where: str | None = None) -> None:
        """Every shared spelling must be shared by two entries at least."""
        for key, ids in self._shared.items():
            if len(ids) < 2:
                raise RuleError(f"{self.kind} label {key!r} is a shared alias of {ids[0]!r} alone", file=where,
                                hint="list it under `aliases:` instead, or under `shared_aliases:` of the other "
                                     "entries it may mean")

    def candidates(self, text: str) -> tuple[str, ...]:
        """The ids an ambiguous (shared) spelling may mean; () if it is not one."""
        if not isinstance(text, str):
            return ()
        return tuple(self._shared.get(normalize_label(text), ()))

    def containing(self, text: str) -> tuple[str, ...]:
        """The ids one of whose names or aliases contains ``text`` (normalised), in catalogue order."""
        key = normalize_label(text) if isinstance(text, str) else ""
        if not key:
            return ()
        found = {id_ for spelling, id_ in self._keys.items() if key in spelling}
        return tuple(id_ for id_ in self.names if id_ in found)

    def add_key(self, spelling: str, id_: str) -> None:
        """An extra accepted spelling that must not override an existing one."""
        self._keys.setdefault(normalize_label(spelling), id_)

    def get(self, text: str) -> str | None:
        """The id for ``text``, or None."""
        try:
            return self._memo[text]
        except KeyError:
            pass
        found = self._keys.get(normalize_label(text)) if isinstance(text, str) else None
        if len(self._memo) < 100_000:
            self._memo[text] = found
        return found

    def __contains__(self, id_: str) -> bool:
        return id_ in self.names

    def ids(self) -> list[str]:
        return list(self.names)

    def nearest(self, text: str) -> list[str]:
        """The ids a label that resolves to none may have meant (see :mod:`.suggest`), best first."""
        if self._suggester is None:
            self._suggester = Suggester(self._keys)
        return self._suggester.candidates(normalize_label(str(text)))

    def suggest(self, text: str) -> str | None:
        """``did you mean 'room.medical' (医疗纠纷调解室)?`` for a near miss, else None.

        Pinyin (``yiliao``, ``yl``) and homophones (口投 for 口头) count as near;
        Chinese labels that merely share characters do not (see :mod:`.suggest`).
        """
        ids = self.nearest(text)
        if not ids:
            return None
        return "did you mean " + " or ".join(self.named(id_) for id_ in ids) + "?"

    def named(self, id_: str) -> str:
        """``'room.medical' (医疗纠纷调解室)``, or ``'x'`` for an entry without a name of its own."""
        name = self.names.get(id_)
        return f"{id_!r} ({name})" if name and name != id_ else repr(id_)


@dataclass(frozen=True, slots=True)
class FieldLabel:
    id: str
    name: str
    aliases: tuple[str, ...] = ()


class Catalogue:
    """All labelled things of a rule set, with lookups in both directions."""

    def __init__(
        self,
        *,
        district: Mapping[str, str],
        units: Iterable[Unit],
        split_units: Iterable[SplitUnit],
        departments: Iterable[Department],
        categories: Iterable[Category],
        destinations: Iterable[Destination],
        fields: Iterable[FieldLabel],
        enums: Mapping[str, Mapping[str, tuple[str, tuple[str, ...]]]],
        booleans: tuple[frozenset[str], frozenset[str]],
        where: Mapping[str, str] | None = None,
    ) -> None:
        where = where or {}
        self.district = dict(district)
        self.units: dict[str, Unit] = {u.id: u for u in units}
        self.split_units: tuple[SplitUnit, ...] = tuple(split_units)
        self.departments: dict[str, Department] = {d.id: d for d in departments}
        self.categories: dict[str, Category] = {c.id: c for c in categories}
        self.destinations: dict[str, Destination] = {d.id: d for d in destinations}
        self.fields: dict[str, FieldLabel] = {f.id: f for f in fields}
        self.enums = {k: dict(v) for k, v in enums.items()}
        self.true_words, self.false_words = booleans

        self.index: dict[str, LabelIndex] = {}
        for kind, entries in (
            ("unit", self.units.values()),
            ("department", self.departments.values()),
            ("category", self.categories.values()),
            ("destination", self.destinations.values()),
        ):
            ix = LabelIndex(kind)
            for e in entries:
                ix.add(e.id, e.name, e.aliases, str(e.source) if e.source else where.get(kind))
            for e in entries:
                for spelling in getattr(e, "shared_aliases", ()):
                    ix.add_shared(e.id, spelling, str(e.source) if e.source else where.get(kind))
            ix.check_shared(where.get(kind))
            self.index[kind] = ix
        for c in self.categories.values():  # "医疗纠纷" for 医疗, without listing it
            for spelling in (c.name, *c.aliases):
                if not spelling.endswith("纠纷"):
                    self.index["category"].add_key(spelling + "纠纷", c.id)
        for enum, values in self.enums.items():
            ix = LabelIndex(enum)
            for id_, (name, aliases) in values.items():
                ix.add(id_, name, aliases, where.get("enums"))
            self.index[enum] = ix
        fx = LabelIndex("field")
        for f in self.fields.values():
            fx.add(f.id, f.name, f.aliases, where.get("fields"))
        self.index["field"] = fx
        self._split = {normalize_label(s.name): s for s in self.split_units}
        self.outside_units = frozenset(u.id for u in self.units.values() if u.outside)
        # Division codes (统计用区划代码), current and former, where a record gives one instead of a name.
        self.unit_codes: dict[str, str] = {}
        self.split_codes: dict[str, SplitUnit] = {}
        for u in self.units.values():
            for code in (u.code, *u.former_codes):
                if code:
                    self._claim_code(code, u.id, where.get("unit"))
                    self.unit_codes[code] = u.id
        for split in self.split_units:
            if split.code:
                self._claim_code(split.code, split.name, where.get("unit"))
                self.split_codes[split.code] = split

    def _claim_code(self, code: str, owner: str, where: str | None) -> None:
        other = self.unit_codes.get(code) or (self.split_codes[code].name if code in self.split_codes else None)
        if other is not None and other != owner:
            raise RuleError(f"division code {code} is given to both {other!r} and {owner!r}", file=where,
                            hint="a code names one unit (former codes included)")

    # ------------------------------------------------------------ lookups

    def label(self, kind: str, id_: str | None) -> str:
        """The Chinese name of an id (the id itself if it has none)."""
        if id_ is None:
            return ""
        ix = self.index.get(kind)
        return ix.names.get(id_, id_) if ix else id_

    def place(self, id_: str | None) -> str:
        """The name of a unit or a department (where a case is referred to), or the id itself."""
        if id_ is None:
            return ""
        return self.label("unit" if id_ in self.units else "department", id_)

    #: Where a label of one kind is looked for when it names none of its own kind: the
    #: kinds a person confuses (a phone call is a channel, not a form; 调解中 is a state).
    ELSEWHERE = ("request", "channel", "form", "risk", "category", "outcome", "agreement_form",
                 "review_outcome", "state")

    def hint(self, kind: str, text: str) -> str | None:
        """What to say about ``text``, which names no ``kind``: the labels it may have meant
        (pinyin, homophones, misspelt ids), else the other kind of thing it names and, for a
        short list, every valid choice. Never a guess that would record a different fact."""
        near, other, choices = self.hint_facts(kind, text)
        ix = self.index[kind]
        if near:
            return "did you mean " + " or ".join(ix.named(id_) for id_ in near) + "?"
        parts = []
        what = self.kind_name(kind)
        if other is not None:
            article = "an" if what[0] in "aeiou" else "a"
            parts.append(f"{quoted(text)} names the {self.kind_name(other[0])} "
                         f"{self.index[other[0]].named(other[1])}, not {article} {what}")
            if kind == "outcome" and other[0] == "state":
                parts.append("a case still open has no outcome yet: leave it empty")
        if choices:
            parts.append(f"{what} is one of " + ", ".join(ix.named(id_) for id_ in choices))
        return "; ".join(parts) or None

    def hint_facts(self, kind: str, text: str) -> tuple[tuple[str, ...], tuple[str, str] | None, tuple[str, ...]]:
        """What :meth:`hint` says, as ids: (the ids ``text`` may have meant; (the other kind, its
        id) when it names something else and nothing is near; every id of ``kind`` when there
        are few and nothing is near)."""
        ix = self.index[kind]
        near = tuple(ix.nearest(text))
        if near:
            return near, None, ()
        other = None
        for kind_ in self.ELSEWHERE:
            found = self.index[kind_].get(text) if kind_ != kind and kind_ in self.index else None
            if found is not None:
                other = (kind_, found)
                break
        return (), other, (tuple(ix.names) if len(ix.names) <= 8 else ())

    def unknown(self, kind: str, text: str, message: str | None = None, **where) -> UnknownLabel:
        """:class:`UnknownLabel` for ``text``, which names no ``kind``: ``unknown <kind> '<text>'``
        (or ``message``) with :meth:`hint`'s words and facts."""
        near, other, choices = self.hint_facts(kind, text)
        return UnknownLabel(message or f"unknown {KIND_NAMES.get(kind, kind)} {quoted(text)}", kind=kind,
                            value=text, near=near, other=other, choices=choices,
                            hint=self.hint(kind, text), **where)

    @staticmethod
    def kind_name(kind: str) -> str:
        """``channel``, ``agreement form``: a kind of label as messages name it."""
        return KIND_NAMES.get(kind, kind.replace("_", " "))

    def resolve(self, kind: str, text: str, *, field: str | None = None, partial: bool = False) -> str:
        """The id for ``text`` among ``kind``, or :class:`CaseError` with a suggestion.

        A unit may also be given by its division code (see :meth:`resolve_street`).
        With ``partial``, a part of a name that only one entry's names contain
        names it too (``物业`` for 物业纠纷调解室); a part several contain is
        :class:`AmbiguousLabel` listing them.
        """
        if kind == "unit" and division_code(text) is not None:
            return self.resolve_street(text, None, field=field or "street")
        ix = self.index[kind]
        found = ix.get(text)
        if found is None:
            what = KIND_NAMES.get(kind, kind)
            choices = ix.candidates(text)
            if choices:
                named = " or ".join(f"{c} ({ix.names.get(c, c)})" for c in choices)
                raise AmbiguousLabel(f"{what} {quoted(text)} is ambiguous: {named}", field=field,
                                     hint="give the id or the full name", choices=choices, value=text)
            within = ix.containing(text) if partial else ()
            if len(within) == 1:
                return within[0]
            if within:
                named = " or ".join(f"{c} ({ix.names.get(c, c)})" for c in within)
                raise AmbiguousLabel(f"{what} {quoted(text)} may be {named}", field=field,
                                     hint="give the id or the full name", choices=within, value=text)
            raise self.unknown(kind, text, field=field)
        return found

    def resolve_street(self, text: str, community: str | None = None, *, field: str = "street") -> str:
        """The unit for a street label or division code; a split former unit resolves by community.

        Codes (统计用区划代码) are accepted where a record gives one: a unit's
        9-digit code, its former codes (before 2017: 340603004 三堤口 and
        340603007 刘桥, now 三堤口 340603011), a county's 6-digit code for the
        units outside the district, and the 12-digit form (its first 9 digits
        name the township). A split former unit's code (340603006 人民路)
        needs the community, as its name does.
        """
        code = division_code(text)
        if code is not None:
            found = self.unit_codes.get(code)
            if found is not None:
                return found
            split = self.split_codes.get(code)
            if split is None:
                raise CaseError(f"unknown division code {quoted(text)}", field=field,
                                hint=f"the district's codes are {self._code_list()}; or give the name",
                                why="division_code", value=text, bound=self._code_list())
        else:
            found = self.index["unit"].get(text)
            if found is not None:
                return found
            split = self._split.get(normalize_label(text))
        if split is None:
            raise self.unknown("unit", text, field=field)
        known = "、".join(name for name, _ in split.by_community)
        if community:
            key = normalize_label(community)
            for name, unit in split.by_community:
                if normalize_label(name) in key:
                    return unit
            raise CaseError(
                f"{split.name} was split and community {quoted(community)} is not one of its communities",
                field="community",
                hint=f"give the street directly, or one of {known}",
                why="split_community", value=community, bound=split.name,
            )
        raise CaseError(
            f"{split.name} was split: the community decides the unit",
            field="community",
            hint=f"give the community ({known}) or the street directly",
            why="split", value=text, bound=split.name,
        )

    def _code_list(self) -> str:
        district = self.district.get("code", "")
        codes = sorted(c for c in self.unit_codes if len(c) == 9 and c.startswith(district))
        return f"{codes[0]}–{codes[-1]} (统计用区划代码)" if codes else "none"

    def check_valid(self, kind: str, id_: str, day: date, *, field: str | None = None) -> None:
        """Refuse an entry used outside its effective period."""
        table = {"unit": self.units, "category": self.categories, "destination": self.destinations,
                 "department": self.departments}[kind]
        entry: Entry | None = table.get(id_)
        if entry is None or entry.validity.covers(day):
            return
        v = entry.validity
        period = f"{v.valid_from or '…'} to {v.valid_until or '…'}"
        raise CaseError(
            f"{KIND_NAMES[kind]} {id_!r} ({entry.name}) is not in force on {day}",
            field=field,
            hint=f"it is valid from {period}",
            why="not_in_force", value=id_, bound=(kind, v.valid_from, v.valid_until, day),
        )

    def judicial_office(self, unit: str) -> str | None:
        u = self.units.get(unit)
        return u.judicial_office if u else None
