"""``mediation rules fmt``: rule files rewritten in one canonical form, comments kept.

The canonical form is what a careful author writes by hand (the shipped
rules are in it):

- block mappings indented by 2, list items ``- `` indented by 2 under their key;
- the keys of a review or routing rule in the order ``id, label, when,
  outcome, to, reason, valid_from, valid_until`` (and the changes of a
  proposal: ``insert/replace/remove, before/after``);
- flow collections (``{category: medical}``, ``[a, b]``) kept as flow, and
  wrapped after a ``,`` when a line would be wider than :data:`WIDTH` display
  columns (a Chinese character counts two), the next line aligned after the
  opening bracket;
- quotes as written, comments and blank lines as written, no trailing
  spaces, one newline at the end.

The data are never changed: a file whose canonical form would load to other
data is refused (it cannot happen but is checked), so formatting never
changes a rule set's digest. ruamel.yaml does the round trip.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from mediation.errors import RuleError
from mediation.rules.schema import display_path
from mediation.rules.yamlfile import load_yaml_text

#: Lines wider than this (display columns) have their flow collections wrapped.
WIDTH = 110
RULE_KEYS = ("id", "label", "when", "outcome", "to", "reason", "valid_from", "valid_until")
CHANGE_KEYS = ("insert", "replace", "remove", "before", "after")
POLICIES = ("review", "routing")


@dataclass(frozen=True)
class Formatted:
    """A rule file and its canonical text."""

    path: Path
    old: str
    new: str

    @property
    def changed(self) -> bool:
        return self.old != self.new


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 1 << 16  # wrapping is ours (flow collections only), not ruamel's
    y.indent(mapping=2, sequence=4, offset=2)
    y.brace_single_entry_mapping_in_flow_sequence = True  # [{risk: high}], as written, not [risk: high]
    return y


def format_text(text: str, name: str = "<yaml>") -> str:
    """The canonical form of a rule file's text; :class:`RuleError` if it is not valid YAML."""
    before = load_yaml_text(text, name)  # our errors, in plain words, first
    y = _yaml()
    try:
        data = y.load(text)
    except YAMLError as exc:  # pragma: no cover - load_yaml_text refuses it first
        raise RuleError(f"invalid YAML: {exc}", file=name) from None
    if isinstance(data, CommentedMap):
        for key in POLICIES:
            _order_items(data.get(key), RULE_KEYS)
        for key in ("review_changes", "routing_changes"):
            changes = data.get(key)
            _order_items(changes, CHANGE_KEYS)
            if isinstance(changes, CommentedSeq):
                for change in changes:
                    if isinstance(change, CommentedMap):
                        for verb in ("insert", "replace"):
                            _order(change.get(verb), RULE_KEYS)
    out = io.StringIO()
    y.dump(data, out)
    lines = [_wrap(line.rstrip()) for line in out.getvalue().splitlines()]
    new = "\n".join(lines).rstrip("\n") + "\n" if data is not None else text
    if load_yaml_text(new, name) != before:  # pragma: no cover - a guard: formatting never changes data
        raise RuleError("formatting would change the data of this file: left as it is", file=name)
    return new


def _order_items(items, keys: tuple[str, ...]) -> None:
    if isinstance(items, CommentedSeq):
        for item in items:
            _order(item, keys)


def _order(node, keys: tuple[str, ...]) -> None:
    """Put the known keys of a mapping in canonical order (others after them, as they were)."""
    if not isinstance(node, CommentedMap):
        return
    present = [k for k in node if k in keys]
    wanted = sorted(present, key=keys.index)
    if present == wanted:
        return
    rest = [k for k in node if k not in keys]
    for k in [*wanted, *rest]:
        node.move_to_end(k)


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrap(line: str) -> str:
    """A line holding a flow collection, wrapped after commas to fit :data:`WIDTH` (else as it is)."""
    if display_width(line) <= WIDTH:
        return line
    start = _flow_start(line)
    if start is None:
        return line
    parts = _split_top(line[start + 1:])
    if parts is None or len(parts) < 2:
        return line
    indent = " " * display_width(line[:start + 1])
    out = [line[:start + 1] + parts[0]]
    for part in parts[1:]:
        candidate = out[-1] + " " + part
        if display_width(candidate) <= WIDTH:
            out[-1] = candidate
        else:
            out.append(indent + part)
    return "\n".join(out)


def _flow_start(line: str) -> int | None:
    """The index of the ``{`` or ``[`` opening a flow collection that is the value of the line's key."""
    body = line.lstrip(" ")
    if body.startswith("- "):
        body = body[2:]
    head = len(line) - len(body)
    quote = None
    for i, ch in enumerate(body):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return None
        elif ch in "{[":
            return head + i if i == 0 or body[:i].rstrip().endswith(":") else None
    return None


def _split_top(rest: str) -> list[str] | None:
    """``a, b: {c, d}, e]`` -> ``["a,", "b: {c, d},", "e]"]``: the top-level items, each with its comma
    (the last with the closing bracket); None when the collection does not close on this line."""
    parts, depth, quote, cur = [], 0, None, ""
    for i, ch in enumerate(rest):
        cur += ch
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch in "{[":
            depth += 1
        elif ch in "}]":
            if depth == 0:
                if rest[i + 1:].strip() and not rest[i + 1:].strip().startswith("#"):
                    return None
                tail = rest[i + 1:].strip()  # a comment after the collection: one space before it, as
                parts.append(cur.strip() + (" " + tail if tail else ""))  # ruamel writes it once wrapped
                return parts
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(cur.strip())
            cur = ""
    return None


def rule_files(directory: str | Path) -> list[Path]:
    """The YAML files of a rule set directory and of its ``tests/`` folder."""
    root = Path(directory)
    if not root.is_dir():
        raise RuleError(f"rule set directory not found: {display_path(root)}")
    found: list[Path] = []
    for folder in (root, root / "tests"):
        if folder.is_dir():
            found += sorted(p for p in [*folder.glob("*.yaml"), *folder.glob("*.yml")] if p.is_file())
    return found


def format_files(paths: Iterable[Path]) -> list[Formatted]:
    """Each file and its canonical text (nothing written)."""
    out = []
    for path in paths:
        name = display_path(path)
        try:
            old = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuleError(f"cannot read file: {getattr(exc, 'strerror', None) or exc}", file=name) from None
        out.append(Formatted(path, old, format_text(old, name)))
    return out


def write(formatted: Formatted) -> None:
    """Replace a file by its canonical text (written beside it, then renamed over it)."""
    tmp = formatted.path.with_name(f".{formatted.path.name}.fmt.tmp")
    tmp.write_text(formatted.new, encoding="utf-8")
    tmp.replace(formatted.path)
