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

    For scripts and the desk's words (:mod:`mediation.cli.words`), when known: ``why``, what
    is wrong as an id (``no_time``, ``future``, ``needs_reason``, ...: each raise site names
    its own), ``option``, the command-line option it was given to (``--at``) where that is
    not its ``field``, ``value``, the input as given, and ``bound``, what it is measured
    against (the limit it crosses, the example to follow, the other option it contradicts).
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
        why: str | None = None,
        option: str | None = None,
        value: object = None,
        bound: object = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line
        self.item = item
        self.field = field
        self.hint = hint
        self.why, self.option, self.value, self.bound = why, option, value, bound

    #: What a subclass carries beyond the location, by keyword (kept by :meth:`located` and pickling).
    facts: tuple[str, ...] = ()

    def _kwargs(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in ("file", "line", "item", "field", "hint", "why", "option", "value", "bound",
                                              *self.facts)}

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


class UnknownLabel(CaseError):
    """A label (or id) that names nothing of its ``kind`` (``category``, ``form``, ``destination``,
    ``unit``, ...); ``value`` is the text as given.

    What the hint says, as facts: ``near``, the ids it may have meant (pinyin, homophones,
    misspellings); ``other``, ``(kind, id)`` when it names something of another kind (电话 is
    a channel, not a form); ``choices``, every id of the kind when there are few.
    """

    facts = ("kind", "near", "other", "choices")

    def __init__(self, message: str, *, kind: str | None = None, near: tuple[str, ...] = (),
                 other: tuple[str, str] | None = None, choices: tuple[str, ...] = (), **where) -> None:
        super().__init__(message, **where)
        self.kind, self.near, self.other = kind, tuple(near or ()), (tuple(other) if other else None)
        self.choices = tuple(choices or ())


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
    """The case changed since it was read (optimistic version check).

    ``case_no``; ``seen``, the version read (or given by ``--if-version``); ``current``, the
    version it is at now; ``why``: ``changed`` (since the person looked at it) or ``raced``
    (by another desk while this one acted).
    """

    facts = ("case_no", "seen", "current")

    def __init__(self, message: str, *, case_no: str | None = None, seen: int | None = None,
                 current: int | None = None, **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.case_no, self.seen, self.current = case_no, seen, current


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

    facts = ("who", "role", "places", "action", "case_no", "place", "may", "login", "other", "transfers")

    def __init__(self, message: str, *, who: str | None = None, role: str | None = None,
                 places: tuple[str, ...] = (), action: str | None = None, case_no: str | None = None,
                 place: str | None = None, may: tuple[str, ...] = (),
                 login: str | None = None, other: str | None = None, transfers: int | None = None,
                 **kwargs) -> None:
        super().__init__(message, **kwargs)
        self.who, self.role, self.places, self.action = who, role, tuple(places or ()), action
        self.case_no, self.place, self.may = case_no, place, tuple(may or ())
        self.login, self.other, self.transfers = login, other, transfers


class CalendarError(MediationError):
    """A date outside every year the working-day calendar knows."""


class Unauthenticated(Refused):
    """No credentials, or credentials nobody holds (an unknown or revoked token)."""
