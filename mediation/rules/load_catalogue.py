"""Loading the catalogue sections: units, departments, categories, destinations, labels."""

from __future__ import annotations

from typing import Any

from mediation.domain import (
    AGREEMENT_FORMS,
    ENUMS,
    MEDIATION_TYPES,
    OUTCOMES,
    REVIEW_OUTCOMES,
    ROUTES,
)
from mediation.rules.catalogue import Catalogue, FieldLabel, LabelIndex
from mediation.rules.model import Category, Department, Destination, Source, SplitUnit, Unit
from mediation.rules.schema import DEST_ID, Collect, Ctx, Section, unique
from mediation.rules.yamlfile import YMap
from mediation.text import did_you_mean, normalize_label

#: Enumerations whose ids the code fixes; the files give their labels.
FIXED_ENUMS = {
    **ENUMS,
    "mediation_type": MEDIATION_TYPES,
    "review_outcome": REVIEW_OUTCOMES,
    "outcome": OUTCOMES,
    "agreement_form": AGREEMENT_FORMS,
    "route": ROUTES,
}

_ENTRY = ("id", "name", "aliases", "valid_from", "valid_until")


def _code(ctx: Ctx, node: dict, key: str, line: int, item: str) -> str | None:
    """A division code (统计用区划代码): 6 digits (a county) or 9 (a township), as text."""
    value = node.get(key)
    if value is None:
        return None
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or len(text) not in (6, 9):
        raise ctx.err(f"{key}: {value!r} is not a division code of 6 or 9 digits", ctx.line(node, key, line), item,
                      key, 'write it as text, e.g. "340603011"')
    return text


def _shared(ctx: Ctx, node: dict, line: int, item: str) -> tuple[str, ...]:
    value = node.get("shared_aliases")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ctx.err("shared_aliases is a list of names", ctx.line(node, "shared_aliases", line), item,
                      "shared_aliases")
    return tuple(v.strip() for v in value)


def load_catalogue(s: dict[str, Section]) -> Catalogue:
    units, splits, departments, categories, destinations = [], [], [], [], []
    collect = Collect()

    ctx = Ctx(s["departments"])
    seen: dict[str, int] = {}
    for node, line in ctx.items():
        with collect.each():  # every entry's error, not only the first
            ctx.mapping(node, line, _ENTRY, ("id", "name"), None)
            id_ = ctx.ident(node, line)
            item = f"department {id_}"
            unique(ctx, seen, id_, line, item)
            departments.append(
                Department(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                           validity=ctx.validity(node, line, item), source=Source(ctx.file, line))
            )
    collect.done()  # the rest names departments
    dept_index = LabelIndex("department")
    for d in departments:
        dept_index.add(d.id, d.name, d.aliases, str(d.source))

    def known_department(c: Ctx, node: dict, key: str, line: int, item: str) -> str:
        value = c.text(node, key, line, item)
        found = dept_index.get(value)
        if found is None:
            raise c.err(f"unknown department {value!r}", c.line(node, key, line), item, key,
                        dept_index.suggest(value))
        return found

    ctx = Ctx(s["units"])
    seen = {}
    for node, line in ctx.items():
        with collect.each():  # every entry's error, not only the first
            ctx.mapping(node, line, (*_ENTRY, "code", "former_codes", "judicial_office", "outside"), ("id", "name"),
                        None)
            id_ = ctx.ident(node, line)
            item = f"unit {id_}"
            unique(ctx, seen, id_, line, item)
            code = _code(ctx, node, "code", line, item)
            former = node.get("former_codes") or []
            if not isinstance(former, list):
                raise ctx.err("former_codes is a list of division codes", ctx.line(node, "former_codes", line), item,
                              "former_codes")
            former_codes = tuple(_code(ctx, {"former_codes": c}, "former_codes", line, item) for c in former)
            outside = node.get("outside", False)
            if not isinstance(outside, bool):
                raise ctx.err("outside must be true or false", ctx.line(node, "outside", line), item, "outside")
            office = ctx.text(node, "judicial_office", line, item, required=False)
            if office and outside:
                raise ctx.err("a unit outside the district has no judicial office of ours", line, item, "judicial_office")
            units.append(
                Unit(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                     validity=ctx.validity(node, line, item), source=Source(ctx.file, line),
                     code=code, former_codes=former_codes, judicial_office=office, outside=outside)
            )
    unit_ids = {u.id for u in units}

    if "split_units" in s and not collect.errors:  # (with a unit refused, its splits would only repeat it)
        ctx = Ctx(s["split_units"])
        for node, line in ctx.items():
            ctx.mapping(node, line, ("name", "code", "by_community", "note"), ("name", "by_community"), None)
            name = ctx.text(node, "name", line, None)
            item = f"split unit {name}"
            split_code = _code(ctx, node, "code", line, item)
            pairs = node["by_community"]
            if not isinstance(pairs, dict) or not pairs:
                raise ctx.err("by_community maps community names to unit ids", line, item, "by_community")
            for community, unit in pairs.items():
                if unit not in unit_ids:
                    hint = did_you_mean(str(unit), unit_ids)
                    raise ctx.err(f"unknown unit {unit!r}", ctx.line(pairs, community, line), item, "by_community", hint)
            splits.append(SplitUnit(name=name, by_community=tuple((str(k), v) for k, v in pairs.items()),
                                    code=split_code, source=Source(ctx.file, line)))

    ctx = Ctx(s["categories"])
    seen = {}
    for node, line in ctx.items():
        with collect.each():  # every entry's error, not only the first
            ctx.mapping(node, line, (*_ENTRY, "department", "note"), ("id", "name", "department"), None)
            id_ = ctx.ident(node, line)
            item = f"category {id_}"
            unique(ctx, seen, id_, line, item)
            categories.append(
                Category(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                         validity=ctx.validity(node, line, item), source=Source(ctx.file, line),
                         department=known_department(ctx, node, "department", line, item),
                         note=ctx.text(node, "note", line, item, required=False))
            )

    ctx = Ctx(s["destinations"])
    seen = {}
    for node, line in ctx.items():
        with collect.each():  # every entry's error, not only the first
            ctx.mapping(node, line, (*_ENTRY, "host", "mediation_type", "responsible", "note", "shared_aliases"),
                        ("id", "name", "host", "mediation_type"), None)
            id_ = ctx.ident(node, line, DEST_ID, "destination id")
            item = f"destination {id_}"
            unique(ctx, seen, id_, line, item)
            mtype = node["mediation_type"]
            if mtype not in MEDIATION_TYPES:
                raise ctx.err(f"unknown mediation type {mtype!r}", ctx.line(node, "mediation_type", line), item,
                              "mediation_type", did_you_mean(str(mtype), MEDIATION_TYPES))
            default = "category" if id_.startswith("room.") else "host"
            responsible = node.get("responsible", default)
            if responsible not in ("category", "host"):
                raise ctx.err("responsible is 'category' or 'host'", ctx.line(node, "responsible", line), item, "responsible")
            destinations.append(
                Destination(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                            validity=ctx.validity(node, line, item), source=Source(ctx.file, line),
                            host=known_department(ctx, node, "host", line, item), mediation_type=mtype,
                            responsible=responsible, note=ctx.text(node, "note", line, item, required=False),
                            shared_aliases=_shared(ctx, node, line, item))
            )

    collect.done()
    fields, enums, booleans = _labels(s)
    district = {}
    if "district" in s:
        ctx = Ctx(s["district"])
        node = ctx.mapping(s["district"].data, s["district"].line, ("id", "name", "code"), ("id", "name"), "district")
        district = {k: str(v) for k, v in node.items()}
    where = {k: s[k].file for k in ("units", "departments", "categories", "destinations", "fields", "enums") if k in s}
    return Catalogue(district=district, units=units, split_units=splits, departments=departments,
                         categories=categories, destinations=destinations, fields=fields, enums=enums,
                         booleans=booleans, where={**where, "unit": where.get("units"),
                                                   "department": where.get("departments"),
                                                   "category": where.get("categories"),
                                                   "destination": where.get("destinations")})


def _labels(s: dict[str, Section]):
    ctx = Ctx(s["fields"])
    fields = []
    for key, node in s["fields"].data.items():
        line = s["fields"].data.line_of(key)
        name, aliases = _label(ctx, node, line, f"field {key}")
        fields.append(FieldLabel(str(key), name, aliases))

    ctx = Ctx(s["enums"])
    enums: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {}
    data = s["enums"].data
    for enum, values in data.items():
        line = data.line_of(enum)
        if not isinstance(values, dict):
            raise ctx.err("an enum maps each id to its label", line, f"enum {enum}")
        labelled = {}
        for id_, node in values.items():
            vline = values.line_of(id_) if isinstance(values, YMap) else line
            labelled[str(id_)] = _label(ctx, node, vline, f"enum {enum}")
        fixed = FIXED_ENUMS.get(enum)
        if fixed is not None:
            for id_ in labelled:
                if id_ not in fixed:
                    raise ctx.err(f"unknown {enum} {id_!r}", values.line_of(id_), f"enum {enum}", None,
                                  did_you_mean(id_, fixed))
            missing = [i for i in fixed if i not in labelled]
            if missing:
                raise ctx.err(f"no label for {enum} {', '.join(missing)}", line, f"enum {enum}")
        enums[str(enum)] = labelled
    for enum in ENUMS:
        if enum not in enums:
            raise ctx.err(f"no labels for enum {enum!r}", s["enums"].line, "enums")

    true_words = frozenset({"true", "1", "yes"})
    false_words = frozenset({"false", "0", "no"})
    if "booleans" in s:
        ctx = Ctx(s["booleans"])
        data = s["booleans"].data
        for key in data:
            if key not in (True, False):
                raise ctx.err(f"booleans has keys true and false, not {key!r}", data.line_of(key), "booleans")
            words = data[key]
            if not isinstance(words, list):
                raise ctx.err("a list of words", data.line_of(key), "booleans")
            normalised = frozenset(normalize_label(str(w)) for w in words)
            if key:
                true_words = true_words | normalised
            else:
                false_words = false_words | normalised
        clash = true_words & false_words
        if clash:
            raise ctx.err(f"words mean both true and false: {', '.join(sorted(clash))}", s["booleans"].line, "booleans")
    return fields, enums, (true_words, false_words)


def _label(ctx: Ctx, node: Any, line: int, item: str) -> tuple[str, tuple[str, ...]]:
    if isinstance(node, (str, int)) and not isinstance(node, bool):
        return str(node), ()
    if isinstance(node, dict):
        ctx.mapping(node, line, ("name", "aliases"), ("name",), item)
        return ctx.text(node, "name", line, item), ctx.aliases(node, line, item)
    raise ctx.err("a label is a name or {name: ..., aliases: [...]}", line, item)

