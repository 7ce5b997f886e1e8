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

    #: What a subclass carries beyond the location, by keyword (kept by :meth:`located` and pickling).
    facts: tuple[str, ...] = ()

    def _kwargs(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in ("file", "line", "item", "field", "hint", *self.facts)}

    def located(self, **where: object) -> InputError:
        """A copy with location parts (or facts) filled in where this error has none
        (facts this kind of error does not carry are left out)."""
        kw = self._kwargs()
        for key, value in where.items():
            if key in kw and kw[key] in (None, ()):
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
        return (_rebuild, (type(self), self.message, self._kwargs()))


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

    facts = ("choices",)

    def __init__(self, message: str, *, choices: tuple[str, ...] = (), **where: str | int | None) -> None:
        super().__init__(message, **where)  # type: ignore[arg-type]
        self.choices = tuple(choices)


class NotFound(InputError):
    """A case number, operator or other id does not exist.

    When known: ``what`` was looked for (``case``, ``operator``: a member of staff), ``key``
    (the id asked for, as given) and ``near`` (the nearest id there is), for scripts and
    for the CLI, which tells the desk in its own words.
    """

    facts = ("what", "key", "near")

    def __init__(self, message: str, *, what: str | None = None, key: str | None = None,
                 near: str | None = None, **where) -> None:
        super().__init__(message, **where)
        self.what, self.key, self.near = what, key, near


class Refused(InputError):
    """An action that is well-formed but not allowed now."""


class InvalidTransition(Refused):
    """A trigger that the case's current state (or its place) does not allow.

    ``case_no``, ``state``, ``destination`` and ``trigger`` name them when known; ``moves``
    are the triggers that do apply to the case, in lifecycle order (what a person may do instead).
    """

    facts = ("case_no", "state", "trigger", "destination", "moves")

    def __init__(self, message: str, *, case_no: str | None = None, state: str | None = None,
                 trigger: str | None = None, destination: str | None = None, moves: tuple[str, ...] = (),
                 **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.case_no, self.state, self.trigger = case_no, state, trigger
        self.destination, self.moves = destination, tuple(moves)


class ConcurrentUpdate(Refused):
    """The case changed since it was read (optimistic version check)."""


class PermissionDenied(Refused):
    """The operator's role does not allow the action (or who acts is not established).

    What a script or the CLI needs, when known (None otherwise):

    - ``who``: the staff id refused; ``role``: theirs; ``places``: a mediator's own
      rooms and windows;
    - ``action``: what they may not do: a lifecycle trigger, ``register``, ``override``,
      ``reveal``, ``escalate``, or ``act`` (anything), ``on_behalf_of`` (enter another's
      record), ``staff`` (see or change the staff), ``partners``, ``replay`` (load a history);
    - ``case_no`` and ``place``: the case and where it is;
    - ``may``: the roles that may (``clerk``, ``supervisor``; ``mediator``: those of the case's place);
    - ``why``: ``role`` (only other roles may), ``place`` (a mediator's case elsewhere),
      ``transfers`` (a third transfer needs a supervisor; ``transfers``: how many were
      done), ``inactive`` (``who`` no longer active), ``not_staff`` (``login`` is nobody's),
      ``not_you`` (``other``, the ``--operator`` claimed, is not ``who``, the login's
      member); ``other`` is also the member an ``on_behalf_of`` is for.
    """

    facts = ("who", "role", "places", "action", "case_no", "place", "may", "why", "login", "other", "transfers")

    def __init__(self, message: str, *, who: str | None = None, role: str | None = None,
                 places: tuple[str, ...] = (), action: str | None = None, case_no: str | None = None,
                 place: str | None = None, may: tuple[str, ...] = (), why: str | None = None,
                 login: str | None = None, other: str | None = None, transfers: int | None = None,
                 **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.who, self.role, self.places, self.action = who, role, tuple(places or ()), action
        self.case_no, self.place, self.may, self.why = case_no, place, tuple(may or ()), why
        self.login, self.other, self.transfers = login, other, transfers


class CalendarError(MediationError):
    """A date outside every year the working-day calendar knows."""


class Unauthenticated(Refused):
    """No credentials, or credentials nobody holds (an unknown or revoked token)."""
