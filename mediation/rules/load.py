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
from dataclasses import replace
from pathlib import Path
from typing import Any

from mediation.domain import REVIEW_OUTCOMES, ROUTES
from mediation.errors import RuleError
from mediation.rules.catalogue import Catalogue
from mediation.rules.conditions import ConditionParser
from mediation.rules.engine import RuleSet
from mediation.rules.load_calendar import read_calendar
from mediation.rules.load_catalogue import load_catalogue
from mediation.rules.model import (
    COUNTED_FROM,
    DAY_KINDS,
    ROLES,
    CalendarSpec,
    LimitTerms,
    Operator,
    ReviewRule,
    RoutingRule,
    Source,
    TimeLimit,
)
from mediation.rules.schema import Collect, Ctx, Section, display_path, unique
from mediation.rules.yamlfile import YList, YMap, line_of, load_yaml
from mediation.text import did_you_mean

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
    "review_changes": list,
    "routing_changes": list,
}
#: A proposal's changes to a policy it extends: section -> the policy it changes.
CHANGES = {"review_changes": "review", "routing_changes": "routing"}
REQUIRED = ("units", "departments", "categories", "destinations", "fields", "enums", "review", "routing")

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
    collect = Collect()  # every file's errors, not only the first file's
    for path in files:
        name = display_path(path)
        data = None
        with collect.each():
            data = load_yaml(path, name)
            if data is not None and not isinstance(data, dict):
                raise RuleError("a rule file is a mapping of sections (units:, routing:, ...)", file=name, line=1)
        if not data:
            continue
        for key, value in data.items():
            line = data.line_of(key)
            with collect.each():
                if key not in SECTIONS:
                    raise RuleError(f"unknown section {key!r}", file=name, line=line,
                                    hint=did_you_mean(str(key), SECTIONS))
                if key in own:
                    first = own[key]
                    raise RuleError(f"section {key!r} is defined twice", file=name, line=line,
                                    hint=f"also in {first.file}:{first.line}")
                if not isinstance(value, SECTIONS[key]):
                    kind = {list: "a list", dict: "a mapping", str: "a path"}[SECTIONS[key]]
                    raise RuleError(f"section {key!r} must be {kind}", file=name, line=line)
                if key == "extends":
                    base = (path.parent / value, name, line)
                else:
                    own[key] = Section(key, value, name, line)
    collect.done()
    if base is None:
        return own
    target, name, line = base
    if not target.is_dir():
        raise RuleError(f"extends a rule set that does not exist: {display_path(target)}", file=name, line=line)
    sections = read_sections(target, (*_seen, real))
    changes = {k: own.pop(k) for k in CHANGES if k in own}
    sections.update(own)
    for key, change in changes.items():
        policy = CHANGES[key]
        if policy in own:
            first = own[policy]
            raise RuleError(f"{key} changes the {policy} policy this rule set extends, but it defines its own "
                            f"in {first.file}:{first.line}", file=change.file, line=change.line,
                            hint=f"give either {policy} or {key}")
        sections[policy] = apply_changes(sections[policy], change)
    return sections


def apply_changes(policy: Section, change: Section) -> Section:
    """A policy with a proposal's changes applied in order: each inserts, replaces or removes one rule by id.

    ::

        routing_changes:
          - insert: {id: mass_lawyer, when: {parties: {">=": 10}}, to: room.lawyer}
            before: major            # or after: ID
          - replace: {id: major, when: {risk: high}, to: room.general}
          - remove: consultation
    """
    base = policy.data
    items = list(base)
    lines = [base.line_of(i) if isinstance(base, YList) else policy.line for i in range(len(base))]
    files: list[str | None] = [policy.file] * len(items)
    ctx = Ctx(change)
    collect = Collect()

    def index_of(rule_id: Any, line: int, field: str) -> int:
        ids = [r.get("id") if isinstance(r, dict) else None for r in items]
        if rule_id not in ids:
            shown = [i for i in ids if isinstance(i, str)]
            raise ctx.err(f"no {policy.name} rule {rule_id!r} to {field}", line, None, field,
                          did_you_mean(str(rule_id), shown))
        return ids.index(rule_id)

    for node, line in ctx.items():
        with collect.each():
            if not isinstance(node, dict):
                raise ctx.err("a change is insert (with before or after), replace or remove", line)
            verbs = [k for k in ("insert", "replace", "remove") if k in node]
            if len(verbs) != 1:
                raise ctx.err("a change does one thing: insert, replace or remove", line, None, None,
                              "e.g. {remove: consultation}, {replace: {id: ..., ...}}, "
                              "{insert: {id: ..., ...}, before: major}")
            verb = verbs[0]
            allowed = ("insert", "before", "after") if verb == "insert" else (verb,)
            ctx.mapping(node, line, allowed, (), None)
            vline = ctx.line(node, verb, line)
            if verb == "remove":
                del_at = index_of(node["remove"], vline, "remove")
                del items[del_at], lines[del_at], files[del_at]
                continue
            rule = node[verb]
            if not isinstance(rule, dict) or not isinstance(rule.get("id"), str):
                raise ctx.err(f"{verb} takes a whole rule, with its id", vline, None, verb)
            item = f"rule {rule['id']}"
            vline = line_of(rule, vline)  # where the rule itself starts: its source, for every later message
            if verb == "replace":
                at = index_of(rule["id"], vline, "replace")
                items[at], lines[at], files[at] = rule, vline, change.file
                continue
            if rule["id"] in [r.get("id") if isinstance(r, dict) else None for r in items]:
                raise ctx.err(f"there is already a {policy.name} rule {rule['id']!r}", vline, item, "insert",
                              "replace it instead")
            places = [k for k in ("before", "after") if k in node]
            if len(places) != 1:
                raise ctx.err("insert says where: before: ID or after: ID", vline, item, "insert")
            at = index_of(node[places[0]], ctx.line(node, places[0], line), places[0])
            at += places[0] == "after"
            items.insert(at, rule)
            lines.insert(at, vline)
            files.insert(at, change.file)
    collect.done()
    data = YList(items, line=policy.line)
    data.lines = lines
    data.files = files
    return Section(policy.name, data, policy.file, policy.line)


def digest_of(sections: dict[str, Section]) -> str:
    """A digest of the rule set's meaning: the same rules in other words or files hash alike."""
    payload = {k: s.data for k, s in sorted(sections.items())}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()

# ---------------------------------------------------------------- policies


def _rules(s: dict[str, Section], section: str, cat: Catalogue) -> list:
    ctx = Ctx(s[section])
    review = section == "review"
    keys = ("id", "label", "when", "valid_from", "valid_until", "to")
    keys += ("outcome", "reason") if review else ()
    out: list = []
    seen: dict[str, int] = {}
    entries = ctx.items()
    if not entries:
        raise ctx.err(f"the {section} policy has no rules", s[section].line, section)
    collect = Collect()  # one error per rule, every rule
    for pos, (node, line) in enumerate(entries):
        with collect.each():
            _rule(ctx.at(pos), cat, section, review, keys, seen, out, node, line, last=pos == len(entries) - 1)
    collect.done()
    return out


def _rule(ctx: Ctx, cat: Catalogue, section: str, review: bool, keys: tuple[str, ...], seen: dict[str, int],
          out: list, node, line: int, *, last: bool) -> None:
    if not isinstance(node, dict):
        raise ctx.err("a rule is a mapping (id, when, to, ...)", line, None)
    rid = node.get("id")
    item = f"rule {rid}" if isinstance(rid, str) else None
    ctx.mapping(node, line, keys, ("id", "outcome") if review else ("id", "to"), item)
    rid = ctx.ident(node, line)
    unique(ctx, seen, rid, line, item)
    parser = ConditionParser(cat, ctx.file, rid)
    when = node.get("when")
    cond = None if when is None else parser.parse(when, ctx.line(node, "when", line))
    validity = ctx.validity(node, line, item)
    label = ctx.text(node, "label", line, item, required=False)
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


def _review_rule(ctx, cat, node, line, rid, item, cond, validity, label) -> ReviewRule:
    outcome = node["outcome"]
    if outcome not in REVIEW_OUTCOMES:
        raise ctx.err(f"unknown outcome {outcome!r}", ctx.line(node, "outcome", line), item, "outcome",
                      did_you_mean(str(outcome), REVIEW_OUTCOMES))
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


_STAGE_KEYS = ("label", "limit", "days", "from", "counted_from", "by_category", "by_destination",
               "extension", "basis", "then")
_TERMS_KEYS = ("limit", "counted_from", "extension", "basis", "then")


def _sla(s: dict[str, Section], cat: Catalogue) -> tuple[dict[str, TimeLimit], int]:
    limits: dict[str, TimeLimit] = {}
    if "sla" in s:
        ctx = Ctx(s["sla"])
        data = s["sla"].data
        for stage, node in data.items():
            line = data.line_of(stage)
            item = f"stage {stage}"
            ctx.mapping(node, line, _STAGE_KEYS, ("limit", "days"), item)
            if node["days"] not in DAY_KINDS:
                raise ctx.err("days is 'working' or 'calendar'", ctx.line(node, "days", line), item, "days")
            own = _terms(ctx, node, line, item, None, days=node["days"])
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
                    if isinstance(v, dict):
                        ctx.mapping(v, kl, _TERMS_KEYS, ("limit",), f"{item}, {key} {k}")
                        pairs.append((found, _terms(ctx, v, kl, f"{item}, {key} {k}", own, days=own.days)))
                    elif isinstance(v, bool) or not isinstance(v, int) or v < 1:
                        raise ctx.err("a limit is a whole number of days ≥ 1, or a mapping with `limit:`",
                                      kl, item, key)
                    else:
                        pairs.append((found, replace(own, limit=v)))
                overrides[key] = tuple(pairs)
            limits[str(stage)] = TimeLimit(
                stage=str(stage), label=ctx.text(node, "label", line, item, required=False) or str(stage),
                limit=own.limit, days=own.days, by_category=overrides["by_category"],
                by_destination=overrides["by_destination"], extension_days=own.extension_days,
                extension_times=own.extension_times, counted_from=own.counted_from, basis=own.basis,
                then=own.then, source=Source(ctx.file, line))
    level_2_after = 5
    if "escalation" in s:
        ctx = Ctx(s["escalation"])
        node = ctx.mapping(s["escalation"].data, s["escalation"].line, ("level_2_after",), (), "escalation")
        if "level_2_after" in node:
            level_2_after = ctx.positive_int(node, "level_2_after", s["escalation"].line, "escalation")
    return limits, level_2_after


def _terms(ctx: Ctx, node: dict, line: int, item: str, base: LimitTerms | None, *, days: str) -> LimitTerms:
    """A stage's terms (``base`` None) or an override's, which takes what it does not say from ``base``."""
    limit = ctx.positive_int(node, "limit", line, item)
    counted_from = base.counted_from if base else "stage"
    if "counted_from" in node:
        counted_from = node["counted_from"]
        if counted_from not in COUNTED_FROM:
            raise ctx.err(f"counted_from is {' or '.join(map(repr, COUNTED_FROM))}, not {counted_from!r}",
                          ctx.line(node, "counted_from", line), item, "counted_from")
    ext_days, ext_times = (base.extension_days, base.extension_times) if base else (0, 0)
    if "extension" in node:
        ext = node["extension"]
        eline = ctx.line(node, "extension", line)
        if ext == "none":  # an override that allows no extension where the stage does
            ext_days = ext_times = 0
        else:
            if not isinstance(ext, dict):
                raise ctx.err("extension is {days: N, times: N} or `none`", eline, item, "extension")
            ctx.mapping(ext, eline, ("days", "times"), ("days",), item)
            ext_days = ctx.positive_int(ext, "days", eline, item)
            ext_times = ctx.positive_int(ext, "times", eline, item) if "times" in ext else 1
    basis = ctx.text(node, "basis", line, item, required=False)
    then = ctx.text(node, "then", line, item, required=False)
    if then is not None and then not in ROUTES:
        raise ctx.err(f"then names a route ({', '.join(ROUTES)}), not {then!r}", ctx.line(node, "then", line),
                      item, "then", did_you_mean(then, ROUTES))
    if base is not None:
        basis = basis if basis is not None else base.basis
        then = then if "then" in node else base.then
    return LimitTerms(limit=limit, days=days, counted_from=counted_from, extension_days=ext_days,
                      extension_times=ext_times, basis=basis, then=then)


def _staff(s: dict[str, Section], cat: Catalogue) -> dict[str, Operator]:
    staff: dict[str, Operator] = {}
    if "staff" not in s:
        return staff
    ctx = Ctx(s["staff"])
    seen: dict[str, int] = {}
    collect = Collect()
    for node, line in ctx.items():
        with collect.each():
            ctx.mapping(node, line, ("id", "name", "role", "destinations"), ("id", "name", "role"), None)
            id_ = ctx.ident(node, line)
            item = f"operator {id_}"
            unique(ctx, seen, id_, line, item)
            role = node["role"]
            if role not in ROLES:
                raise ctx.err(f"unknown role {role!r}", ctx.line(node, "role", line), item, "role", did_you_mean(str(role), ROLES))
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
    collect.done()
    return staff


def load_rules(directory: str | Path = "rules") -> RuleSet:
    """Load, validate and compile the rule set in ``directory``.

    Raises :class:`RuleError` naming file, line, rule and field for any problem.
    """
    sections = read_sections(directory)
    missing = [k for k in REQUIRED if k not in sections]
    if missing:
        raise RuleError(f"rule set lacks section(s) {', '.join(missing)}", file=display_path(Path(directory)))
    cat = load_catalogue(sections)
    collect = Collect()  # the policies, time limits and staff are independent: report all their errors
    review = routing = []
    limits, level_2_after, staff = {}, 5, {}
    with collect.each():
        review = _rules(sections, "review", cat)
    with collect.each():
        routing = _rules(sections, "routing", cat)
    with collect.each():
        limits, level_2_after = _sla(sections, cat)
    with collect.each():
        staff = _staff(sections, cat)
    collect.done()
    return RuleSet(
        path=Path(directory),
        catalogue=cat,
        review_rules=tuple(review),
        routing_rules=tuple(routing),
        time_limits=limits,
        escalation_level_2_after=level_2_after,
        staff=staff,
        calendar_spec=read_calendar(sections["calendar"]) if "calendar" in sections else CalendarSpec(),
        digest=digest_of(sections),
    )
