"""Schema checking helpers shared by the rule-file loaders: typed reads with located errors."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from mediation.errors import RuleError
from mediation.rules.model import Validity
from mediation.rules.yamlfile import YList, YMap
from mediation.text import did_you_mean

ID = re.compile(r"^[a-z][a-z0-9_]*$")
DEST_ID = re.compile(r"^(room|window)\.[a-z][a-z0-9_]*$")


def display_path(path: Path) -> str:
    """A path as people should see it: relative to the working directory when inside it."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(path) if rel.startswith("..") else rel


class RuleErrors(RuleError):
    """Several schema errors of a rule set at once (``opa check`` style), in the order found.

    Its own fields are the first error's; ``str()`` is the first error and how
    many more there are (one line, for commands that only need to refuse);
    :attr:`errors` has them all (``mediation rules check`` prints each).
    """

    def __init__(self, errors: list[RuleError]) -> None:
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, item=first.item, field=first.field,
                         hint=first.hint)
        self.errors = list(errors)

    def __str__(self) -> str:
        more = len(self.errors) - 1
        return str(self.errors[0]) + (f" (and {more} more error{'s' * (more != 1)}: `mediation rules check` "
                                      "lists them all)" if more else "")

    def located(self, **where: object) -> RuleErrors:
        return RuleErrors([e.located(**where) for e in self.errors])  # type: ignore[misc]

    def __reduce__(self):
        return (RuleErrors, (self.errors,))


class Collect:
    """Gathers the rule errors of independent parts (rules, files) so that all are reported at once."""

    def __init__(self) -> None:
        self.errors: list[RuleError] = []

    @contextmanager
    def each(self) -> Iterator[None]:
        """Run one independent part: its error is kept, and the next part goes on."""
        try:
            yield
        except RuleErrors as exc:
            self.errors.extend(exc.errors)
        except RuleError as exc:
            self.errors.append(exc)

    def done(self) -> None:
        """Raise what was gathered: the error itself if one, :class:`RuleErrors` if several."""
        if len(self.errors) == 1:
            raise self.errors[0]
        if self.errors:
            raise RuleErrors(self.errors)


class Section:
    """A loaded top-level section and where it came from."""

    __slots__ = ("name", "data", "file", "line")

    def __init__(self, name: str, data: Any, file: str, line: int) -> None:
        self.name, self.data, self.file, self.line = name, data, file, line


class Ctx:
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

    def at(self, index: int) -> Ctx:
        """The context of item ``index``: this one, or that of the file a proposal's change came from."""
        files = getattr(self.section.data, "files", None)
        file = files[index] if files and index < len(files) and files[index] else self.file
        if file == self.file:
            return self
        return Ctx(Section(self.section.name, self.section.data, file, self.section.line))

    def mapping(self, node: Any, line: int, allowed: tuple[str, ...], required: tuple[str, ...], item: str | None):
        if not isinstance(node, dict):
            raise self.err("expected a mapping", line, item)
        for key in node:
            if key not in allowed:
                kl = node.line_of(key) if isinstance(node, YMap) else line
                raise self.err(f"unknown key {key!r}", kl, item, str(key), did_you_mean(str(key), allowed))
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

    def ident(self, node: dict, line: int, pattern: re.Pattern = ID, what: str = "id") -> str:
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


def unique(ctx: Ctx, seen: dict[str, int], id_: str, line: int, item: str) -> None:
    if id_ in seen:
        raise ctx.err(f"duplicate id {id_!r}", line, item, "id", f"first defined on line {seen[id_]}")
    seen[id_] = line

