"""Safe YAML with line numbers, for rule files.

Only plain data comes out: mappings, lists, strings, numbers, booleans, dates,
null. Python tags, aliases (and so alias bombs), duplicate keys and oversized
files are refused with an error naming the file and line. Mappings and lists
remember the line of every key and item, so later stages can point at them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

from mediation.errors import RuleError

#: Rule files are small; anything larger is a mistake or an attack.
MAX_BYTES = 4 * 1024 * 1024

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
    """A list that knows its own line and the line of each item (1-based)."""

    __slots__ = ("line", "lines")

    def __init__(self, *args: Any, line: int = 0) -> None:
        super().__init__(*args)
        self.line = line
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


def line_of(value: Any, default: int = 0) -> int:
    """The line a loaded mapping or list started on, or ``default``."""
    return getattr(value, "line", default) or default


class _Loader(_Base):  # type: ignore[misc, valid-type]
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


def load_yaml_text(text: str, filename: str = "<yaml>") -> Any:
    """Parse YAML text into plain data with line numbers (see module doc)."""
    if len(text) > MAX_BYTES:
        raise RuleError(
            f"file is too large ({len(text)} characters, at most {MAX_BYTES})", file=filename
        )
    loader = _Loader(text)
    loader.filename = filename
    try:
        data = loader.get_single_data()
    except RuleError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(str(exc.problem or exc.context).split())
        raise RuleError(f"invalid YAML: {what}", file=filename, line=line) from None
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
    raw = read_rule_file(path, name)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RuleError("file is not valid UTF-8", file=name, line=line) from None
    return load_yaml_text(text, name)


def read_rule_file(path: Path, name: str, limit: int = MAX_BYTES) -> bytes:
    """A rule file's bytes, read only if it is a regular file of its own directory, and at most ``limit`` of them.

    A device (a link to ``/dev/zero``), a pipe (a FIFO named ``*.yaml``: opened
    without waiting for a writer) or a socket is refused, as is a link to a file
    outside the directory (``/etc/shadow``): its content would be echoed by the
    errors a rule file gets.
    """
    not_regular = RuleError("not a regular file (a directory, device, pipe or socket): a rule file is a regular file",
                            file=name)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise not_regular
    except OSError as exc:
        raise RuleError(f"cannot read file: {exc.strerror}", file=name) from None
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise RuleError("cannot read file: a broken link, or links in a loop", file=name) from None
        if not target.is_relative_to(path.parent.resolve()):
            raise RuleError("is a link to a file outside its directory: rule files are read from the rule set only",
                            file=name, hint="copy the file into the rule set")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise RuleError(f"cannot read file: {exc.strerror}", file=name) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # replaced since it was looked at
        os.close(fd)
        raise not_regular
    with os.fdopen(fd, "rb") as f:
        try:
            raw = f.read(limit + 1)
        except OSError as exc:
            raise RuleError(f"cannot read file: {exc.strerror}", file=name) from None
    if len(raw) > limit:
        raise RuleError(f"file is too large (more than {limit} bytes)", file=name)
    return raw
