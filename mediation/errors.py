"""Typed errors. Each carries what a person needs to fix the input.

The CLI turns a :class:`MediationError` into one line on stderr and its
``exit_code``: 2 for bad input or a refused action, 1 for anything else.
"""

from __future__ import annotations


class MediationError(Exception):
    """A failure reported to the user as one line."""

    exit_code = 1


class InputError(MediationError):
    """Bad input: says what is wrong, where (file, line, item, field), and a hint.

    ``str(err)`` reads ``"<message> in <file>:<line> (<item>, field <field>): <hint>"``,
    leaving out the parts that are not known.
    """

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        item: str | None = None,
        field: str | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.item = item
        self.field = field
        self.hint = hint

    def located(self, **where: object) -> InputError:
        """A copy with location parts filled in where this error has none."""
        kw = {k: getattr(self, k) for k in ("file", "line", "item", "field", "hint")}
        for key, value in where.items():
            if kw.get(key) is None:
                kw[key] = value
        return type(self)(self.message, **kw)  # type: ignore[arg-type]

    def __str__(self) -> str:
        text = self.message
        if self.file:
            text += f" in {self.file}:{self.line}" if self.line else f" in {self.file}"
        ctx = [p for p in (self.item, f"field {self.field}" if self.field else None) if p]
        if ctx:
            text += f" ({', '.join(ctx)})"
        if self.hint:
            text += f": {self.hint}"
        return text

    def __reduce__(self):  # picklable across worker processes
        kw = {k: getattr(self, k) for k in ("file", "line", "item", "field", "hint")}
        return (_rebuild, (type(self), self.message, kw))


def _rebuild(cls, message, kw):
    return cls(message, **kw)


class RuleError(InputError):
    """A rule file is malformed or refers to something that does not exist."""


class CaseError(InputError):
    """A case (from JSON, CSV or flags) is malformed."""


class AmbiguousLabel(CaseError):
    """A label that names more than one entry (``综合调解``: a room and a window).

    ``choices`` holds the ids it may mean, so that a person at a terminal can pick one.
    """

    def __init__(self, message: str, *, choices: tuple[str, ...] = (), **where: str | int | None) -> None:
        super().__init__(message, **where)  # type: ignore[arg-type]
        self.choices = tuple(choices)

    def located(self, **where: object) -> AmbiguousLabel:
        copy = super().located(**where)
        copy.choices = self.choices  # type: ignore[attr-defined]
        return copy  # type: ignore[return-value]

    def __reduce__(self):
        kw = {k: getattr(self, k) for k in ("file", "line", "item", "field", "hint")}
        return (_rebuild, (type(self), self.message, {**kw, "choices": self.choices}))


class NotFound(InputError):
    """A case number, operator or other id does not exist."""


class Refused(InputError):
    """An action that is well-formed but not allowed now."""


class InvalidTransition(Refused):
    """A trigger that the case's current state (or its place) does not allow.

    ``state``, ``destination`` and ``trigger`` name them when known; ``moves`` are the
    triggers that do apply to the case, in lifecycle order (what a person may do instead).
    """

    def __init__(self, message: str, *, state: str | None = None, trigger: str | None = None,
                 destination: str | None = None, moves: tuple[str, ...] = (), **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.state, self.trigger, self.destination, self.moves = state, trigger, destination, tuple(moves)


class ConcurrentUpdate(Refused):
    """The case changed since it was read (optimistic version check)."""


class PermissionDenied(Refused):
    """The operator's role does not allow the action."""


class CalendarError(MediationError):
    """A date outside every year the working-day calendar knows."""


class Unauthenticated(Refused):
    """No credentials, or credentials nobody holds (an unknown or revoked token)."""
