"""Safe YAML with line numbers, for rule files.

Only plain data comes out: mappings, lists, strings, numbers, booleans, dates,
null. Python tags, aliases (and so alias bombs), duplicate keys and oversized
files are refused with an error naming the file and line. Mappings and lists
remember the line of every key and item, so later stages can point at them.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediation.errors import RuleError

if TYPE_CHECKING:  # PyYAML is imported when a rule file is read (start-up stays light)
    import yaml

#: Rule files are small; anything larger is a mistake or an attack.
MAX_BYTES = 4 * 1024 * 1024

class YMap(dict):
    """A mapping that knows its own line and the line of each key (1-based)."""

    __slots__ = ("line", "lines")

    def __init__(self, *args: Any, line: int = 0, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.line = line
        self.lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.lines.get(key, self.line)


class YList(list):
    """A list that knows its own line and the line of each item (1-based), and, for a list put together
    from several files (a proposal's rule changes), the file of each item (``files``; None: one file)."""

    __slots__ = ("files", "line", "lines")

    def __init__(self, *args: Any, line: int = 0) -> None:
        super().__init__(*args)
        self.line = line
        self.lines: list[int] = []
        self.files: list[str | None] | None = None

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def line_of(value: Any, default: int = 0) -> int:
    """The line a loaded mapping or list started on, or ``default``."""
    return getattr(value, "line", default) or default


@functools.cache
def _loader_class() -> type:
    """The YAML loader of rule files, built on first use: a desk command that finds its rule
    set in the cache (:mod:`mediation.rules.cache`) never imports PyYAML."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _Loader(base):  # type: ignore[misc, valid-type]
        filename = "<yaml>"

        def construct_object(self, node, deep=False):
            if node in self.constructed_objects or node in self.recursive_objects:
                raise RuleError(
                    "YAML anchors and aliases (&name, *name) are not allowed in rule files",
                    file=self.filename,
                    line=node.start_mark.line + 1,
                    hint="write the value out in full",
                )
            return super().construct_object(node, deep=deep)

        def construct_undefined(self, node):
            raise RuleError(
                f"YAML tag {node.tag!r} is not allowed in rule files",
                file=self.filename,
                line=node.start_mark.line + 1,
                hint="rule files hold plain data only",
            )

        def construct_yaml_timestamp(self, node):
            try:
                return super().construct_yaml_timestamp(node)
            except ValueError as exc:  # 2027-02-30: well-formed, impossible
                raise RuleError(f"invalid date {node.value!r}: {exc}", file=self.filename,
                                line=node.start_mark.line + 1) from None

        def construct_yaml_map(self, node):
            data = YMap(line=node.start_mark.line + 1)
            yield data
            if not isinstance(node, yaml.MappingNode):  # pragma: no cover - guarded by yaml
                return
            self.flatten_mapping(node)
            for key_node, value_node in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    hash(key)
                except TypeError:
                    raise RuleError(
                        "a mapping key must be a plain value", file=self.filename, line=line
                    ) from None
                if key in data:
                    raise RuleError(
                        f"duplicate key {key!r}",
                        file=self.filename,
                        line=line,
                        hint=f"first given on line {data.lines[key]}",
                    )
                data[key] = self.construct_object(value_node, deep=True)
                data.lines[key] = line

        def construct_yaml_seq(self, node):
            data = YList(line=node.start_mark.line + 1)
            yield data
            for child in node.value:
                data.append(self.construct_object(child, deep=True))
                data.lines.append(child.start_mark.line + 1)

    _Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)
    _Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_yaml_seq)
    _Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
    _Loader.add_constructor(None, _Loader.construct_undefined)
    return _Loader


def plain_yaml_error(exc: yaml.MarkedYAMLError, text: str = "") -> str:
    """What PyYAML's error means, in plain words, with lines and columns (1-based).

    PyYAML says ``did not find expected key`` or ``expected <block end>, but
    found '<block mapping start>'`` for what is nearly always a line indented
    differently from the lines it belongs with.
    """
    raw = str(exc.problem or "")
    problem = " ".join(raw.split())
    context = " ".join(str(exc.context or "").split())
    p, c = exc.problem_mark, exc.context_mark
    at = f"line {p.line + 1}, column {p.column + 1}" if p else "here"
    lines = text.splitlines()
    here = lines[p.line] if p and p.line < len(lines) else ""
    if "\t" in raw or "'\\t'" in raw or (p and here[p.column:p.column + 1] == "\t"):
        return f"a tab character at {at}: indent with spaces only"
    indentation = ("expected <block end>" in problem or "did not find expected key" in problem
                   or "did not find expected '-'" in problem)
    if indentation and p and c:
        if "collection" in context or "sequence" in context:
            start = lines[c.line] if c.line < len(lines) else ""
            rest = start[c.column + 1:]
            keys = c.column + 2 + len(rest) - len(rest.lstrip(" ")) if rest.strip() else None
            where = f"items ('- ') start at column {c.column + 1}" + (
                f" and their keys at column {keys}" if keys else "")
            kind = "list"
        else:
            where, kind = f"keys start at column {c.column + 1}", "mapping"
        if kind == "list" and p.column == c.column:
            return (f"line {p.line + 1} starts in the column of the items of the list from line {c.line + 1}, "
                    f"but without '- ': a new item needs '- '" + (f"; a key of the item above belongs at column "
                                                                   f"{keys}" if keys else ""))
        if kind == "mapping" and here[p.column:p.column + 2] == "- ":
            return (f"line {p.line + 1} is a list item ('- ') among the keys of the mapping from line "
                    f"{c.line + 1} ({where}): line it up with the list it belongs to, or put it under a key")
        if p.column != c.column:
            return (f"line {p.line + 1} is indented to column {p.column + 1}, which lines up with nothing above "
                    f"it: in the {kind} from line {c.line + 1}, {where}. Indent line {p.line + 1} to one of "
                    "those columns")
        return (f"line {p.line + 1} does not fit the {kind} from line {c.line + 1} ({where}): check that the "
                "line above it is complete ('key: value', or a list item '- ')")
    if "mapping values are not allowed" in problem:
        return (f"a ':' YAML cannot place at {at}: text holding ': ' must be quoted (label: \"a: b\"), or "
                "the line is indented under a value instead of a key")
    if "could not find expected ':'" in problem:
        return f"a key without ':' near {at} (or a line that continues the one above by mistake)"
    if "flow mapping" in context or "flow sequence" in context:
        opener, closer = ("{", "}") if "mapping" in context else ("[", "]")
        begun = f" on line {c.line + 1}" if c else ""
        return f"the '{opener}' begun{begun} is not closed by '{closer}' where expected ({at})"
    if "unexpected end of stream" in problem:
        return f"the file ends inside a quoted text or a bracket ({context or 'unclosed'}, {at})"
    return f"{problem or context} ({at})"


def load_yaml_text(text: str, filename: str = "<yaml>") -> Any:
    """Parse YAML text into plain data with line numbers (see module doc)."""
    if len(text) > MAX_BYTES:
        raise RuleError(
            f"file is too large ({len(text)} characters, at most {MAX_BYTES})", file=filename
        )
    import yaml

    loader = _loader_class()(text)
    loader.filename = filename
    try:
        data = loader.get_single_data()
    except RuleError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise RuleError(f"invalid YAML: {plain_yaml_error(exc, text)}", file=filename, line=line) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1 if exc.position is not None else None
        raise RuleError(f"invalid YAML: character U+{exc.character:04X} is not allowed" if isinstance(
            exc.character, int) else "invalid YAML: unreadable character", file=filename, line=line) from None
    except yaml.YAMLError as exc:
        raise RuleError("invalid YAML: " + " ".join(str(exc).split()), file=filename) from None
    except RecursionError:
        raise RuleError("invalid YAML: nested too deeply", file=filename) from None
    finally:
        loader.dispose()
    return data


def load_yaml(path: str | Path, display: str | None = None) -> Any:
    """Read and parse a YAML file; errors name ``display`` (default: the path)."""
    path = Path(path)
    name = display or str(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise RuleError(f"file is too large ({size} bytes, at most {MAX_BYTES})", file=name)
        raw = path.read_bytes()
    except OSError as exc:
        raise RuleError(f"cannot read file: {exc.strerror}", file=name) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RuleError("file is not valid UTF-8", file=name, line=line) from None
    return load_yaml_text(text, name)
