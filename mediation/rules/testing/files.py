"""Rule test files: finding them, reading them, and building validated :class:`RuleTest` s.

The format is described in :mod:`mediation.rules.testing.run`. Every problem is a
:class:`~mediation.errors.RuleError` or :class:`~mediation.errors.CaseError`
naming the file, line, test and field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from mediation.cases import parse_case, parser_for
from mediation.errors import CaseError, InputError, RuleError
from mediation.rules.conditions import format_value
from mediation.rules.schema import display_path
from mediation.rules.yamlfile import YList, YMap, load_yaml
from mediation.text import did_you_mean

DEFAULT_RECEIVED_AT = datetime(2020, 6, 1, 9, 0)
#: Expectation keys, in the order they are checked and shown.
EXPECT_KEYS = ("outcome", "to", "review_rule", "destination", "rule", "department", "unit", "mediation_type")
_RESOLVE = {"destination": "destination", "outcome": "review_outcome", "department": "department",
            "unit": "unit", "mediation_type": "mediation_type"}
_FILE_KEYS = ("tests", "defaults", "rules")
_TEST_KEYS = ("name", "case", "expect", "as_of")
_GROUP_KEYS = ("group", "defaults", "tests", "columns", "rows")
NOT_ACCEPTED = ("rejected", "referred_out")


# ---------------------------------------------------------------- the model



@dataclass(frozen=True, slots=True)
class RuleTest:
    """One named case with its expectation, and where it was written."""

    __test__ = False  # not a pytest class

    name: str
    group: str | None
    file: str
    line: int
    case: Any  # mediation.domain.Case
    expect: dict[str, str]  # EXPECT_KEYS -> id; "outcome" always present
    as_of: date | None = None

    @property
    def title(self) -> str:
        return f"{self.group} › {self.name}" if self.group else self.name


# ---------------------------------------------------------------- finding files


_TOP = re.compile(r"^(routing|review|extends)\s*:", re.MULTILINE)


@lru_cache(maxsize=256)
def is_rule_set_dir(directory: Path) -> bool:
    """Whether ``directory`` holds a rule set (a YAML file with a review, routing or extends section)."""
    try:
        for path in directory.iterdir():
            if path.suffix in (".yaml", ".yml") and path.is_file() and _TOP.search(_head(path)):
                return True
    except OSError:
        return False
    return False


def _head(path: Path, limit: int = 1 << 20) -> str:
    try:
        with path.open("rb") as f:
            return f.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


def rules_dir_of(path: Path) -> Path | None:
    """The rule set a test file in ``<rule set>/tests/`` belongs to."""
    parent = path.parent
    if parent.name == "tests" and is_rule_set_dir(parent.parent.resolve()):
        return parent.parent
    return None


def is_rule_test_file(path: Path) -> bool:
    """A YAML file in ``<rule set>/tests/``, or any YAML file with top-level ``tests:`` and ``rules:``."""
    if path.suffix not in (".yaml", ".yml"):
        return False
    if rules_dir_of(path) is not None:
        return True
    head = _head(path)
    return bool(re.search(r"^tests\s*:", head, re.MULTILINE) and re.search(r"^rules\s*:", head, re.MULTILINE))


def find_test_files(path: str | Path) -> list[Path]:
    """The test files at ``path``: the file itself, or a directory's ``*.yaml``/``*.yml``, sorted."""
    p = Path(path)
    if p.is_file():
        return [p]
    if not p.is_dir():
        raise RuleError(f"no rule tests at {display_path(p)}", hint="give a test file or directory with --tests")
    return sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml") and f.is_file())


def read_test_file(path: str | Path) -> tuple[YMap, Path | None]:
    """A test file's data and the rule set it names (``rules:``) or lives in."""
    p = Path(path)
    name = display_path(p)
    data = load_yaml(p, name)
    if not isinstance(data, YMap) or "tests" not in data:
        raise RuleError("a rule test file is a mapping with a 'tests:' list", file=name, line=1)
    rules = data.get("rules")
    if rules is not None:
        if not isinstance(rules, str):
            raise RuleError("rules: names a rule set directory", file=name, line=data.line_of("rules"), field="rules")
        return data, p.parent / rules
    return data, rules_dir_of(p)


# ---------------------------------------------------------------- loading


class _Reader:
    """Builds the tests of one file, with located errors."""

    def __init__(self, rules, file: str) -> None:
        self.rules = rules
        self.cat = rules.catalogue
        self.file = file
        self.parser = parser_for(rules)
        self.names: dict[tuple[str | None, str], int] = {}

    def err(self, message: str, line: int, item: str | None = None, field: str | None = None,
            hint: str | None = None) -> RuleError:
        return RuleError(message, file=self.file, line=line, item=item, field=field, hint=hint)

    def keys(self, node: Any, line: int, allowed: Sequence[str], item: str | None, what: str) -> YMap:
        if not isinstance(node, dict):
            raise self.err(f"{what} is a mapping", line, item)
        for key in node:
            if key not in allowed:
                raise self.err(f"unknown key {key!r} in {what}", _line(node, key, line), item, str(key),
                               did_you_mean(str(key), allowed))
        return node

    def base_defaults(self) -> dict[str, Any]:
        inside = [u for u in self.cat.units.values() if not u.outside]
        street = "xiangnan" if "xiangnan" in self.cat.units else (inside[0].id if inside else None)
        category = "other" if "other" in self.cat.categories else next(iter(self.cat.categories), None)
        return {"form": "oral", "category": category, "street": street, "summary": "测试",
                "received_at": DEFAULT_RECEIVED_AT}

    def fields(self, node: Any, line: int, item: str | None, what: str) -> dict[str, tuple[Any, int]]:
        """Case fields keyed by field id, each with its line."""
        if node is None:
            return {}
        if not isinstance(node, dict):
            raise self.err(f"{what} is a mapping of case fields", line, item, what)
        out: dict[str, tuple[Any, int]] = {}
        for key, value in node.items():
            kline = _line(node, key, line)
            fid = self.parser.field_of(key) if isinstance(key, str) else None
            if fid is None:
                raise self.err(f"unknown case field {key!r}", kline, item, str(key),
                               self.cat.index["field"].suggest(str(key)))
            if fid in out:
                raise self.err(f"field {fid} is given twice (as {key!r})", kline, item, fid)
            out[fid] = (value, kline)
        return out

    def load(self, data: YMap) -> list[RuleTest]:
        self.keys(data, 1, _FILE_KEYS, None, "a rule test file")
        defaults = {k: (v, 0) for k, v in self.base_defaults().items()}
        defaults.update(self.fields(data.get("defaults"), _line(data, "defaults", 1), None, "defaults"))
        entries = data["tests"]
        if not isinstance(entries, list):
            raise self.err("tests: is a list of tests and groups", _line(data, "tests", 1), None, "tests")
        out: list[RuleTest] = []
        for i, entry in enumerate(entries):
            line = _line(entries, i, _line(data, "tests", 1))
            if isinstance(entry, dict) and "group" in entry:
                out.extend(self.group(entry, line, defaults))
            else:
                out.append(self.test(entry, line, None, defaults))
        return out

    def group(self, node: YMap, line: int, defaults: dict) -> list[RuleTest]:
        name = node.get("group")
        if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
            raise self.err("a group has a name", _line(node, "group", line), None, "group")
        name = str(name).strip()
        item = f"group {name!r}"
        self.keys(node, line, _GROUP_KEYS, item, "a group")
        self._unique(None, name, line, item)
        own = dict(defaults)
        own.update(self.fields(node.get("defaults"), _line(node, "defaults", line), item, "defaults"))
        if "tests" not in node and "rows" not in node:
            raise self.err("a group has tests: or columns: and rows:", line, item)
        out = []
        tests = node.get("tests", [])
        if not isinstance(tests, list):
            raise self.err("tests: is a list of tests", _line(node, "tests", line), item, "tests")
        for i, entry in enumerate(tests):
            tline = _line(tests, i, line)
            if isinstance(entry, dict) and "group" in entry:
                raise self.err("groups do not nest", tline, item, "group")
            out.append(self.test(entry, tline, name, own))
        if "rows" in node or "columns" in node:
            out.extend(self.table(node, line, name, own))
        return out

    def table(self, node: YMap, line: int, group: str, defaults: dict) -> list[RuleTest]:
        item = f"group {group!r}"
        columns, rows = node.get("columns"), node.get("rows")
        cline = _line(node, "columns", line)
        if not isinstance(columns, list) or not columns or not all(isinstance(c, str) for c in columns):
            raise self.err("columns: is a list of column names", cline, item, "columns")
        if len(set(columns)) != len(columns):
            raise self.err("a column is named twice", cline, item, "columns")
        if not isinstance(rows, list):
            raise self.err("rows: is a list of rows, one list of values per test", _line(node, "rows", line), item,
                           "rows")
        out = []
        for i, row in enumerate(rows):
            rline = _line(rows, i, line)
            if not isinstance(row, list) or len(row) != len(columns):
                raise self.err(f"row {i + 1} has {len(row) if isinstance(row, list) else 'no'} values for "
                               f"{len(columns)} columns", rline, item, "rows")
            entry = YMap(line=rline)
            case, expect = YMap(line=rline), YMap(line=rline)
            for col, value in zip(columns, row, strict=True):
                if value is None:
                    continue
                target = entry if col in ("name", "as_of") else expect if col in EXPECT_KEYS else case
                target[col] = value
                target.lines[col] = _line(row, columns.index(col), rline)
            if "name" not in entry:
                shown = ", ".join(f"{k}={format_value(v)}" for k, v in case.items())
                entry["name"] = f"row {i + 1}" + (f": {shown}" if shown else "")
            entry["case"], entry["expect"] = case, expect
            out.append(self.test(entry, rline, group, defaults))
        return out

    def test(self, node: Any, line: int, group: str | None, defaults: dict) -> RuleTest:
        if not isinstance(node, dict) or "name" not in node:
            raise self.err("a test is a mapping with name:, case: and expect:", line,
                           f"group {group!r}" if group else None)
        name = node["name"]
        if not isinstance(name, (str, int)) or isinstance(name, bool) or not str(name).strip():
            raise self.err("a test's name is text", _line(node, "name", line), None, "name")
        name = str(name).strip()
        if "::" in name:
            raise self.err("a test's name may not contain '::'", _line(node, "name", line), f"test {name!r}", "name")
        item = f"test {name!r}"
        self.keys(node, line, _TEST_KEYS, item, "a test")
        self._unique(group, name, line, item)
        if "expect" not in node:
            raise self.err("a test has an expect:", line, item, "expect")
        fields = dict(defaults)
        fields.update(self.fields(node.get("case"), _line(node, "case", line), item, "case"))
        data = {k: v for k, (v, _) in fields.items()}
        try:
            case = parse_case(data, self.rules, now=DEFAULT_RECEIVED_AT)
        except CaseError as exc:
            where = fields.get(exc.field or "", (None, 0))[1] or _line(node, "case", line)
            raise exc.located(file=self.file, line=where, item=item) from None
        as_of = None
        if node.get("as_of") is not None:
            as_of = _day(node["as_of"])
            if as_of is None:
                raise self.err("as_of is a date YYYY-MM-DD", _line(node, "as_of", line), item, "as_of")
        expect = self.expectation(node["expect"], _line(node, "expect", line), item)
        return RuleTest(name=name, group=group, file=self.file, line=line, case=case, expect=expect, as_of=as_of)

    def expectation(self, node: Any, line: int, item: str) -> dict[str, str]:
        if isinstance(node, str):  # shorthand: a destination or an outcome
            outcome = self.cat.index["review_outcome"].get(node)
            node = YMap({"outcome" if outcome else "destination": node}, line=line)
        self.keys(node, line, EXPECT_KEYS, item, "expect")
        out: dict[str, str] = {}
        for key, value in node.items():
            kline = _line(node, key, line)
            if not isinstance(value, str) or not value.strip():
                raise self.err(f"expect {key} is an id or label", kline, item, key)
            out[key] = self.resolve(key, value.strip(), kline, item, out.get("outcome"))
        outcome = out.setdefault("outcome", "accepted")
        if outcome in NOT_ACCEPTED:
            extra = [k for k in ("destination", "department", "unit", "mediation_type") if k in out]
            if extra:
                raise self.err(f"a case that is {outcome} has no {extra[0]}", _line(node, extra[0], line), item,
                               extra[0], "expect the destination of accepted cases only")
        elif "destination" not in out:
            raise self.err("expect a destination (or an outcome rejected/referred_out)", line, item, "destination")
        if "to" in out and outcome != "referred_out":
            raise self.err("to: is where a referred_out case goes", _line(node, "to", line), item, "to")
        if "rule" in out:  # the deciding rule: review if not accepted, else routing
            stage = "review" if outcome in NOT_ACCEPTED else "routing"
            self.known_rule(stage, out["rule"], _line(node, "rule", line), item, "rule")
        return out

    def resolve(self, key: str, value: str, line: int, item: str, outcome: str | None) -> str:
        if key == "review_rule":
            self.known_rule("review", value, line, item, key)
            return value
        if key == "rule":
            return value  # checked once the outcome is known
        if key == "to":
            found = self.cat.index["department"].get(value) or self.cat.index["unit"].get(value)
            hint = self.cat.index["department"].suggest(value) or self.cat.index["unit"].suggest(value)
        else:
            ix = self.cat.index[_RESOLVE[key]]
            found, hint = ix.get(value), ix.suggest(value)
        if found is None:
            raise self.err(f"unknown {key.replace('_', ' ')} {value!r}", line, item, key, hint)
        return found

    def known_rule(self, stage: str, rule_id: str, line: int, item: str, key: str) -> None:
        """Nothing to refuse: a rule that does not exist (yet) makes a failing test, not a malformed file
        (so that the test can be written first); the failure names it, with the nearest ids."""

    def _unique(self, group: str | None, name: str, line: int, item: str) -> None:
        key = (group, name)
        if key in self.names:
            raise self.err("a test or group of this name already exists here", line, item, "name",
                           f"first on line {self.names[key]}")
        self.names[key] = line


def _line(node: Any, key: Any, default: int) -> int:
    if isinstance(node, (YMap, YList)):
        return node.line_of(key) or default
    return default



def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def load_test_file(path: str | Path, rules) -> list[RuleTest]:
    """The tests in one file, validated against ``rules``; raises InputError naming file, line, test, field."""
    data, _ = read_test_file(path)
    return _Reader(rules, display_path(Path(path))).load(data)


def load_tests(paths: Iterable[str | Path], rules) -> tuple[list[RuleTest], list[InputError]]:
    """The tests of every file, and one error per malformed file."""
    tests: list[RuleTest] = []
    errors: list[InputError] = []
    for path in paths:
        try:
            tests.extend(load_test_file(path, rules))
        except InputError as exc:
            errors.append(exc)
    return tests, errors
