"""Load a rule set: YAML files -> validated, typed model -> compiled :class:`RuleSet`.

A rule set is a directory of ``*.yaml`` files. Each file holds one or more
top-level sections (``units``, ``routing``, ...); a section may appear in one
file only. A directory may ``extends: <other dir>`` to take every section it
does not define from another rule set (how a proposed policy change is kept
small). Every error names the file, the line, the rule and the field.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

from mediation.domain import (
    AGREEMENT_FORMS,
    ENUMS,
    MEDIATION_TYPES,
    OUTCOMES,
    REVIEW_OUTCOMES,
)
from mediation.errors import RuleError
from mediation.rules.catalogue import Catalogue, FieldLabel
from mediation.rules.conditions import ConditionParser, _nearest
from mediation.rules.model import (
    DAY_KINDS,
    ROLES,
    Category,
    Department,
    Destination,
    Operator,
    ReviewRule,
    RoutingRule,
    Source,
    SplitUnit,
    TimeLimit,
    Unit,
    Validity,
)
from mediation.rules.yamlfile import YList, YMap, load_yaml
from mediation.text import normalize_label

SECTIONS = {
    "extends": str,
    "district": dict,
    "units": list,
    "split_units": list,
    "departments": list,
    "categories": list,
    "destinations": list,
    "fields": dict,
    "enums": dict,
    "booleans": dict,
    "review": list,
    "routing": list,
    "sla": dict,
    "escalation": dict,
    "staff": list,
    "calendar": dict,
}
REQUIRED = ("units", "departments", "categories", "destinations", "fields", "enums", "review", "routing")

#: Enumerations whose ids the code fixes; the files give their labels.
FIXED_ENUMS = {
    **ENUMS,
    "mediation_type": MEDIATION_TYPES,
    "review_outcome": REVIEW_OUTCOMES,
    "outcome": OUTCOMES,
    "agreement_form": AGREEMENT_FORMS,
}

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_DEST_ID = re.compile(r"^(room|window)\.[a-z][a-z0-9_]*$")


def display_path(path: Path) -> str:
    """A path as people should see it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


class Section:
    """A loaded top-level section and where it came from."""

    __slots__ = ("name", "data", "file", "line")

    def __init__(self, name: str, data: Any, file: str, line: int) -> None:
        self.name, self.data, self.file, self.line = name, data, file, line


def read_sections(directory: str | Path, _seen: tuple[Path, ...] = ()) -> dict[str, Section]:
    """Every section of a rule directory, after following ``extends``."""
    root = Path(directory)
    if not root.is_dir():
        raise RuleError(f"rule set directory not found: {display_path(root)}")
    real = root.resolve()
    if real in _seen:
        chain = " -> ".join(display_path(p) for p in (*_seen, real))
        raise RuleError(f"rule sets extend each other in a cycle: {chain}")
    files = sorted([*root.glob("*.yaml"), *root.glob("*.yml")])
    if not files:
        raise RuleError(f"no rule files (*.yaml) in {display_path(root)}")
    own: dict[str, Section] = {}
    base: tuple[Path, str, int] | None = None
    for path in files:
        name = display_path(path)
        data = load_yaml(path, name)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise RuleError("a rule file is a mapping of sections (units:, routing:, ...)", file=name, line=1)
        for key, value in data.items():
            line = data.line_of(key)
            if key not in SECTIONS:
                raise RuleError(f"unknown section {key!r}", file=name, line=line, hint=_nearest(str(key), SECTIONS))
            if key in own:
                first = own[key]
                raise RuleError(
                    f"section {key!r} is defined twice", file=name, line=line, hint=f"also in {first.file}:{first.line}"
                )
            if not isinstance(value, SECTIONS[key]):
                kind = {list: "a list", dict: "a mapping", str: "a path"}[SECTIONS[key]]
                raise RuleError(f"section {key!r} must be {kind}", file=name, line=line)
            if key == "extends":
                base = (path.parent / value, name, line)
            else:
                own[key] = Section(key, value, name, line)
    if base is None:
        return own
    target, name, line = base
    if not target.is_dir():
        raise RuleError(f"extends a rule set that does not exist: {value_of(target)}", file=name, line=line)
    sections = read_sections(target, (*_seen, real))
    sections.update(own)
    return sections


def value_of(path: Path) -> str:
    return display_path(path)


def digest_of(sections: dict[str, Section]) -> str:
    """A digest of the rule set's meaning: the same rules in other words or files hash alike."""
    payload = {k: s.data for k, s in sorted(sections.items())}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- helpers


class _Ctx:
    """Error helpers for one section."""

    def __init__(self, section: Section) -> None:
        self.file = section.file
        self.section = section

    def err(self, message: str, line: int, item: str | None = None, field: str | None = None, hint: str | None = None):
        return RuleError(message, file=self.file, line=line, item=item, field=field, hint=hint)

    def items(self) -> list[tuple[Any, int]]:
        data = self.section.data
        if isinstance(data, YList):
            return [(v, data.line_of(i)) for i, v in enumerate(data)]
        return [(v, self.section.line) for v in data]

    def mapping(self, node: Any, line: int, allowed: tuple[str, ...], required: tuple[str, ...], item: str | None):
        if not isinstance(node, dict):
            raise self.err("expected a mapping", line, item)
        for key in node:
            if key not in allowed:
                kl = node.line_of(key) if isinstance(node, YMap) else line
                raise self.err(f"unknown key {key!r}", kl, item, str(key), _nearest(str(key), allowed))
        for key in required:
            if key not in node or node[key] in (None, ""):
                raise self.err(f"missing {key!r}", line, item, key)
        return node

    def line(self, node: Any, key: str, default: int) -> int:
        return node.line_of(key) if isinstance(node, YMap) and key in node else default

    def text(self, node: dict, key: str, line: int, item: str | None, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None and not required:
            return None
        if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
            raise self.err(f"{key} must be text", self.line(node, key, line), item, key)
        return str(value).strip()

    def ident(self, node: dict, line: int, pattern: re.Pattern = _ID, what: str = "id") -> str:
        value = node.get("id")
        if not isinstance(value, str) or not pattern.match(value):
            raise self.err(
                f"invalid {what} {value!r}",
                self.line(node, "id", line),
                None,
                "id",
                "ids are lower-case ASCII words joined by _ (rooms and windows: room.x / window.x)",
            )
        return value

    def aliases(self, node: dict, line: int, item: str) -> tuple[str, ...]:
        value = node.get("aliases", [])
        if not isinstance(value, list) or not all(isinstance(a, (str, int)) and not isinstance(a, bool) for a in value):
            raise self.err("aliases must be a list of names", self.line(node, "aliases", line), item, "aliases")
        return tuple(str(a) for a in value)

    def validity(self, node: dict, line: int, item: str) -> Validity:
        bounds = []
        for key in ("valid_from", "valid_until"):
            value = node.get(key)
            if value is None:
                bounds.append(None)
                continue
            if isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    value = None
            if not isinstance(value, date):
                raise self.err(f"{key} must be a date (YYYY-MM-DD)", self.line(node, key, line), item, key)
            bounds.append(value)
        if bounds[0] and bounds[1] and bounds[1] < bounds[0]:
            raise self.err("valid_until is before valid_from", self.line(node, "valid_until", line), item, "valid_until")
        return Validity(valid_from=bounds[0], valid_until=bounds[1])

    def positive_int(self, node: dict, key: str, line: int, item: str | None, minimum: int = 1) -> int:
        value = node.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.err(f"{key} must be a whole number ≥ {minimum}", self.line(node, key, line), item, key)
        return value


def _unique(ctx: _Ctx, seen: dict[str, int], id_: str, line: int, item: str) -> None:
    if id_ in seen:
        raise ctx.err(f"duplicate id {id_!r}", line, item, "id", f"first defined on line {seen[id_]}")
    seen[id_] = line


# ---------------------------------------------------------------- catalogue


_ENTRY = ("id", "name", "aliases", "valid_from", "valid_until")


def _catalogue(s: dict[str, Section]) -> Catalogue:
    units, splits, departments, categories, destinations = [], [], [], [], []

    ctx = _Ctx(s["departments"])
    seen: dict[str, int] = {}
    for node, line in ctx.items():
        ctx.mapping(node, line, _ENTRY, ("id", "name"), None)
        id_ = ctx.ident(node, line)
        item = f"department {id_}"
        _unique(ctx, seen, id_, line, item)
        departments.append(
            Department(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                       validity=ctx.validity(node, line, item), source=Source(ctx.file, line))
        )
    dept_ids = {d.id: d for d in departments}

    def known_department(c: _Ctx, node: dict, key: str, line: int, item: str) -> str:
        value = c.text(node, key, line, item)
        if value in dept_ids:
            return value
        from mediation.rules.catalogue import LabelIndex

        ix = LabelIndex("department")
        for d in departments:
            ix.add(d.id, d.name, d.aliases)
        found = ix.get(value)
        if found:
            return found
        raise c.err(f"unknown department {value!r}", c.line(node, key, line), item, key, ix.suggest(value))

    ctx = _Ctx(s["units"])
    seen = {}
    for node, line in ctx.items():
        ctx.mapping(node, line, (*_ENTRY, "code", "judicial_office", "outside"), ("id", "name"), None)
        id_ = ctx.ident(node, line)
        item = f"unit {id_}"
        _unique(ctx, seen, id_, line, item)
        outside = node.get("outside", False)
        if not isinstance(outside, bool):
            raise ctx.err("outside must be true or false", ctx.line(node, "outside", line), item, "outside")
        office = ctx.text(node, "judicial_office", line, item, required=False)
        if office and outside:
            raise ctx.err("a unit outside the district has no judicial office of ours", line, item, "judicial_office")
        units.append(
            Unit(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                 validity=ctx.validity(node, line, item), source=Source(ctx.file, line),
                 code=ctx.text(node, "code", line, item, required=False), judicial_office=office, outside=outside)
        )
    unit_ids = {u.id for u in units}

    if "split_units" in s:
        ctx = _Ctx(s["split_units"])
        for node, line in ctx.items():
            ctx.mapping(node, line, ("name", "by_community", "note"), ("name", "by_community"), None)
            name = ctx.text(node, "name", line, None)
            item = f"split unit {name}"
            pairs = node["by_community"]
            if not isinstance(pairs, dict) or not pairs:
                raise ctx.err("by_community maps community names to unit ids", line, item, "by_community")
            for community, unit in pairs.items():
                if unit not in unit_ids:
                    hint = _nearest(str(unit), unit_ids)
                    raise ctx.err(f"unknown unit {unit!r}", ctx.line(pairs, community, line), item, "by_community", hint)
            splits.append(SplitUnit(name=name, by_community=tuple((str(k), v) for k, v in pairs.items()),
                                    source=Source(ctx.file, line)))

    ctx = _Ctx(s["categories"])
    seen = {}
    for node, line in ctx.items():
        ctx.mapping(node, line, (*_ENTRY, "department", "note"), ("id", "name", "department"), None)
        id_ = ctx.ident(node, line)
        item = f"category {id_}"
        _unique(ctx, seen, id_, line, item)
        categories.append(
            Category(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                     validity=ctx.validity(node, line, item), source=Source(ctx.file, line),
                     department=known_department(ctx, node, "department", line, item),
                     note=ctx.text(node, "note", line, item, required=False))
        )

    ctx = _Ctx(s["destinations"])
    seen = {}
    for node, line in ctx.items():
        ctx.mapping(node, line, (*_ENTRY, "host", "mediation_type", "responsible", "note"),
                    ("id", "name", "host", "mediation_type"), None)
        id_ = ctx.ident(node, line, _DEST_ID, "destination id")
        item = f"destination {id_}"
        _unique(ctx, seen, id_, line, item)
        mtype = node["mediation_type"]
        if mtype not in MEDIATION_TYPES:
            raise ctx.err(f"unknown mediation type {mtype!r}", ctx.line(node, "mediation_type", line), item,
                          "mediation_type", _nearest(str(mtype), MEDIATION_TYPES))
        default = "category" if id_.startswith("room.") else "host"
        responsible = node.get("responsible", default)
        if responsible not in ("category", "host"):
            raise ctx.err("responsible is 'category' or 'host'", ctx.line(node, "responsible", line), item, "responsible")
        destinations.append(
            Destination(id=id_, name=ctx.text(node, "name", line, item), aliases=ctx.aliases(node, line, item),
                        validity=ctx.validity(node, line, item), source=Source(ctx.file, line),
                        host=known_department(ctx, node, "host", line, item), mediation_type=mtype,
                        responsible=responsible, note=ctx.text(node, "note", line, item, required=False))
        )

    fields, enums, booleans = _labels(s)
    district = {}
    if "district" in s:
        ctx = _Ctx(s["district"])
        node = ctx.mapping(s["district"].data, s["district"].line, ("id", "name", "code"), ("id", "name"), "district")
        district = {k: str(v) for k, v in node.items()}
    where = {k: s[k].file for k in ("units", "departments", "categories", "destinations", "fields", "enums") if k in s}
    try:
        return Catalogue(district=district, units=units, split_units=splits, departments=departments,
                         categories=categories, destinations=destinations, fields=fields, enums=enums,
                         booleans=booleans, where={**where, "unit": where.get("units"),
                                                   "department": where.get("departments"),
                                                   "category": where.get("categories"),
                                                   "destination": where.get("destinations")})
    except RuleError:
        raise


def _labels(s: dict[str, Section]):
    ctx = _Ctx(s["fields"])
    fields = []
    for key, node in s["fields"].data.items():
        line = s["fields"].data.line_of(key)
        name, aliases = _label(ctx, node, line, f"field {key}")
        fields.append(FieldLabel(str(key), name, aliases))

    ctx = _Ctx(s["enums"])
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
                                  _nearest(id_, fixed))
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
        ctx = _Ctx(s["booleans"])
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


def _label(ctx: _Ctx, node: Any, line: int, item: str) -> tuple[str, tuple[str, ...]]:
    if isinstance(node, (str, int)) and not isinstance(node, bool):
        return str(node), ()
    if isinstance(node, dict):
        ctx.mapping(node, line, ("name", "aliases"), ("name",), item)
        return ctx.text(node, "name", line, item), ctx.aliases(node, line, item)
    raise ctx.err("a label is a name or {name: ..., aliases: [...]}", line, item)


# ---------------------------------------------------------------- policies


def _rules(s: dict[str, Section], section: str, cat: Catalogue) -> list:
    ctx = _Ctx(s[section])
    review = section == "review"
    keys = ("id", "label", "when", "valid_from", "valid_until", "to")
    keys += ("outcome", "reason") if review else ()
    out: list = []
    seen: dict[str, int] = {}
    entries = ctx.items()
    if not entries:
        raise ctx.err(f"the {section} policy has no rules", s[section].line, section)
    for pos, (node, line) in enumerate(entries):
        if not isinstance(node, dict):
            raise ctx.err("a rule is a mapping (id, when, to, ...)", line, None)
        rid = node.get("id")
        item = f"rule {rid}" if isinstance(rid, str) else None
        ctx.mapping(node, line, keys, ("id", "outcome") if review else ("id", "to"), item)
        rid = ctx.ident(node, line)
        _unique(ctx, seen, rid, line, item)
        parser = ConditionParser(cat, ctx.file, rid)
        when = node.get("when")
        cond = None if when is None else parser.parse(when, ctx.line(node, "when", line))
        validity = ctx.validity(node, line, item)
        label = ctx.text(node, "label", line, item, required=False)
        last = pos == len(entries) - 1
        if cond is None and not last:
            raise ctx.err("only the last rule may be the fallback (a rule without 'when')", line, item, "when",
                          "add a 'when' or move the rule to the end")
        if last and (cond is not None or validity.dated):
            raise ctx.err(f"the {section} policy must end with an undated fallback rule (no 'when')", line, item,
                          "when")
        if review:
            out.append(_review_rule(ctx, cat, node, line, rid, item, cond, validity, label))
        else:
            to = node["to"]
            dest = cat.index["destination"].get(to) if isinstance(to, str) else None
            if dest is None:
                raise ctx.err(f"unknown destination {to!r}", ctx.line(node, "to", line), item, "to",
                              cat.index["destination"].suggest(str(to)))
            out.append(RoutingRule(id=rid, label=label, when=cond, validity=validity, source=Source(ctx.file, line),
                                   to=dest))
    return out


def _review_rule(ctx, cat, node, line, rid, item, cond, validity, label) -> ReviewRule:
    outcome = node["outcome"]
    if outcome not in REVIEW_OUTCOMES:
        raise ctx.err(f"unknown outcome {outcome!r}", ctx.line(node, "outcome", line), item, "outcome",
                      _nearest(str(outcome), REVIEW_OUTCOMES))
    to = node.get("to")
    to_id = to_field = None
    if outcome == "referred_out":
        if to is None:
            raise ctx.err("a referral names where it goes ('to')", line, item, "to",
                          "a department id, or {field: street} for the unit where the dispute arose")
        if isinstance(to, dict):
            if set(to) != {"field"} or to["field"] != "street":
                raise ctx.err("'to' may name the field street only: {field: street}", ctx.line(node, "to", line),
                              item, "to")
            to_field = "street"
        else:
            to_id = cat.index["department"].get(to) if isinstance(to, str) else None
            to_id = to_id or (cat.index["unit"].get(to) if isinstance(to, str) else None)
            if to_id is None:
                raise ctx.err(f"unknown department or unit {to!r}", ctx.line(node, "to", line), item, "to",
                              cat.index["department"].suggest(str(to)))
    elif to is not None:
        raise ctx.err(f"'to' is only for referred_out, not {outcome}", ctx.line(node, "to", line), item, "to")
    reason = ctx.text(node, "reason", line, item, required=False) or label or rid
    return ReviewRule(id=rid, label=label, when=cond, validity=validity, source=Source(ctx.file, line),
                      outcome=outcome, reason=reason, to=to_id, to_field=to_field)


def _sla(s: dict[str, Section], cat: Catalogue) -> tuple[dict[str, TimeLimit], int]:
    limits: dict[str, TimeLimit] = {}
    if "sla" in s:
        ctx = _Ctx(s["sla"])
        data = s["sla"].data
        for stage, node in data.items():
            line = data.line_of(stage)
            item = f"stage {stage}"
            ctx.mapping(node, line, ("label", "limit", "days", "from", "by_category", "by_destination", "extension"),
                        ("limit", "days"), item)
            if node["days"] not in DAY_KINDS:
                raise ctx.err("days is 'working' or 'calendar'", ctx.line(node, "days", line), item, "days")
            overrides = {}
            for key, kind in (("by_category", "category"), ("by_destination", "destination")):
                table = node.get(key) or {}
                if not isinstance(table, dict):
                    raise ctx.err(f"{key} maps {kind} ids to limits", ctx.line(node, key, line), item, key)
                pairs = []
                for k, v in table.items():
                    found = cat.index[kind].get(str(k))
                    kl = table.line_of(k) if isinstance(table, YMap) else line
                    if found is None:
                        raise ctx.err(f"unknown {kind} {k!r}", kl, item, key, cat.index[kind].suggest(str(k)))
                    if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                        raise ctx.err("a limit is a whole number of days ≥ 1", kl, item, key)
                    pairs.append((found, v))
                overrides[key] = tuple(pairs)
            ext_days = ext_times = 0
            if "extension" in node:
                ext = node["extension"]
                eline = ctx.line(node, "extension", line)
                ctx.mapping(ext, eline, ("days", "times"), ("days",), item)
                ext_days = ctx.positive_int(ext, "days", eline, item)
                ext_times = ctx.positive_int(ext, "times", eline, item) if "times" in ext else 1
            limits[str(stage)] = TimeLimit(
                stage=str(stage), label=ctx.text(node, "label", line, item, required=False) or str(stage),
                limit=ctx.positive_int(node, "limit", line, item), days=node["days"],
                by_category=overrides["by_category"], by_destination=overrides["by_destination"],
                extension_days=ext_days, extension_times=ext_times, source=Source(ctx.file, line))
    level_2_after = 5
    if "escalation" in s:
        ctx = _Ctx(s["escalation"])
        node = ctx.mapping(s["escalation"].data, s["escalation"].line, ("level_2_after",), (), "escalation")
        if "level_2_after" in node:
            level_2_after = ctx.positive_int(node, "level_2_after", s["escalation"].line, "escalation")
    return limits, level_2_after


def _staff(s: dict[str, Section], cat: Catalogue) -> dict[str, Operator]:
    staff: dict[str, Operator] = {}
    if "staff" not in s:
        return staff
    ctx = _Ctx(s["staff"])
    seen: dict[str, int] = {}
    for node, line in ctx.items():
        ctx.mapping(node, line, ("id", "name", "role", "destinations"), ("id", "name", "role"), None)
        id_ = ctx.ident(node, line)
        item = f"operator {id_}"
        _unique(ctx, seen, id_, line, item)
        role = node["role"]
        if role not in ROLES:
            raise ctx.err(f"unknown role {role!r}", ctx.line(node, "role", line), item, "role", _nearest(str(role), ROLES))
        dests = node.get("destinations", [])
        if not isinstance(dests, list):
            raise ctx.err("destinations is a list of room/window ids", ctx.line(node, "destinations", line), item,
                          "destinations")
        resolved = []
        for d in dests:
            found = cat.index["destination"].get(d) if isinstance(d, str) else None
            if found is None:
                raise ctx.err(f"unknown destination {d!r}", ctx.line(node, "destinations", line), item,
                              "destinations", cat.index["destination"].suggest(str(d)))
            resolved.append(found)
        if role == "mediator" and not resolved:
            raise ctx.err("a mediator works at one or more rooms or windows", line, item, "destinations")
        staff[id_] = Operator(id=id_, name=ctx.text(node, "name", line, item), role=role,
                              destinations=tuple(resolved), source=Source(ctx.file, line))
    return staff


def load_rules(directory: str | Path = "rules"):
    """Load, validate and compile the rule set in ``directory``.

    Raises :class:`RuleError` naming file, line, rule and field for any problem.
    """
    from mediation.rules.engine import RuleSet

    sections = read_sections(directory)
    missing = [k for k in REQUIRED if k not in sections]
    if missing:
        raise RuleError(f"rule set lacks section(s) {', '.join(missing)}", file=display_path(Path(directory)))
    cat = _catalogue(sections)
    review = _rules(sections, "review", cat)
    routing = _rules(sections, "routing", cat)
    limits, level_2_after = _sla(sections, cat)
    staff = _staff(sections, cat)
    calendar = sections.get("calendar")
    return RuleSet(
        path=Path(directory),
        catalogue=cat,
        review_rules=tuple(review),
        routing_rules=tuple(routing),
        time_limits=limits,
        escalation_level_2_after=level_2_after,
        staff=staff,
        calendar_section=(calendar.data, calendar.file) if calendar else None,
        digest=digest_of(sections),
    )
