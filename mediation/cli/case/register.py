"""``mediation case register``: 登记 a new case from flags and/or a JSON file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mediation import desk
from mediation.case_files import json_items, read_text
from mediation.cases import KEYS, one_error, parse_case, parser_for
from mediation.cli import common, told
from mediation.cli.case.common import echo_change
from mediation.cli.common import desk_words
from mediation.cli.complete import labels
from mediation.cli.options import (
    at_option,
    db_option,
    json_option,
    load,
    operator_option,
    parse_at,
    rules_option,
)
from mediation.desk.identity import identify
from mediation.desk.transaction import when as moment
from mediation.domain import CASE_FIELDS, FLAT_PARTY_FIELDS, REQUIRED
from mediation.errors import CaseError, InputError, Refused
from mediation.personal import is_old_id_number, upgrade_id_number
from mediation.store.database import open_database
from mediation.store.numbers import FAR_AHEAD

_PERSON = {"name": "name", "id": "ID number (GB 11643)", "phone": "phone"}
#: What the metavar of each kind of field says.
_METAVARS = {"count": "INTEGER", "money": "DECIMAL", "moment": "DATETIME", "case_no": "XS-YYYY-NNNNN"}


#: Fields whose values the shell completes, and the kind of label they are.
_COMPLETE = {"form": "form", "category": "category", "street": "unit", "request": "request",
             "channel": "channel", "risk": "risk", "referred_by": "department"}


def _options(f):
    """A flag for every field of a case (from its definition), and for one applicant and respondent."""
    for flat in reversed(FLAT_PARTY_FIELDS):
        role, _, part = flat.partition("_")
        f = click.option(f"--{flat.replace('_', '-')}", flat, metavar="TEXT", default=None,
                         help=f"The {role}'s {_PERSON[part]} (personal data: visible in `ps` and the "
                              "shell's history; prefer --from-json or the prompts).")(f)
    for name, spec in reversed(CASE_FIELDS.items()):
        option = name.replace("_", "-")
        if spec.kind == "parties":
            continue  # lists of people: --from-json, or the flat options below
        if spec.kind == "flag":
            f = click.option(f"--{option}/--no-{option}", name, default=None, help=spec.help)(f)
            continue
        help_text = spec.help.replace("(default: now)", "(default: --at)")
        kind = _COMPLETE.get(name)
        # values are checked by the library (one line naming the field), not by click
        f = click.option(f"--{option}", name, metavar=_METAVARS.get(spec.kind, "TEXT"), default=None,
                         help=help_text, shell_complete=labels(kind) if kind else None)(f)
    return f


@click.command()
@_options
@click.option("--from-json", "from_json", metavar="FILE",
              help="Read the case from a JSON object in FILE (- for stdin); flags override it.")
@click.option("--request-id", "request_id", metavar="KEY", default=None,
              help="Register at most once under KEY: run again with the same KEY (a script's retry), "
                   "it prints the first answer and registers nothing.")
@operator_option
@at_option
@json_option
@db_option
@rules_option
def register(from_json: str | None, request_id: str | None, operator: str | None, on_behalf_of: str | None,
             at: str | None,
             as_json: bool, db: str | None, rules_dir: Path | None, **fields) -> None:
    """登记: register a new case and print its number.

    Give the fields as flags, or as a JSON object with --from-json (the shape
    `mediation route` reads). Labels may be ids or Chinese names, in simplified
    or traditional characters. At a terminal, missing required fields are asked
    for (and then the parties' particulars), and a bad value is asked for again
    with its choices; a script gets every missing or bad field in one line.

    Personal data (names, ID numbers, phones) belongs in --from-json FILE (or -
    for stdin) or the prompts, not in arguments, which `ps` and the shell's
    history show.

    A paper record keeps its own number (--case-no), which never moves the
    desk's numbers: they skip it when they reach it. One more than 100 beyond
    the highest number of its year so far (a likely typo) is asked about at a
    terminal and warned about otherwise. Exit code 3: the case WAS registered
    but its output could not be written (do not register it again).
    """
    rules = load(rules_dir)
    when = parse_at(at)
    data: dict = {}
    source = None
    if from_json:
        text, source = read_text(from_json)
        items, is_list = json_items(text, source)
        if is_list or not isinstance(items[0][1], dict):
            raise InputError("--from-json needs one case object", file=source,
                             hint="register a list of cases with `mediation replay`", why="one_case",
                             option="--from-json")
        data = dict(items[0][1])
    data.update({k: v for k, v in fields.items() if v is not None})
    _offer_new_id_numbers(data)
    if at_terminal():
        _ask_until_valid(data, rules, now=when)
    else:  # a script: every missing or bad field in one line
        problems = parser_for(rules).problems(data, now=when)
        if problems:
            error = one_error(problems)
            raise (error.located(file=source) if source else error)
    with open_database(db) as database:
        acting = identify(database, operator, on_behalf_of)
        try:
            case = parse_case(data, rules, now=moment(when))
            _check_number(database, case)
            record = desk.register(database, rules, case, operator=acting.operator,
                                   entered_by=acting.entered_by, at=when, request_key=request_id)
        except CaseError as exc:
            raise (exc.located(file=source) if source else exc) from None
    if record.replayed:
        if as_json:
            common.echo_json(record.answer)
        else:
            click.echo(f"{record.case_no}  已按 --request-id {request_id} 登记过（未再写入）")
        return
    echo_change(record, rules, as_json)


def _check_number(database, case) -> None:
    """A paper number far beyond the desk's counter is likely a typo (00500 for 00050):
    asked about at a terminal (declined: nothing is stored, exit 2), warned about otherwise."""
    ahead = desk.number_ahead(database, case)
    if ahead <= FAR_AHEAD:
        return
    words = desk_words()
    if at_terminal():
        if not click.confirm(words.number_ahead_question(case.case_no, ahead), default=False, err=True):
            raise Refused(f"not registered: {case.case_no} declined", why="declined", value=case.case_no)
    else:
        words.warn(words.number_ahead(case.case_no, ahead))


def at_terminal() -> bool:
    """Whether a person is typing (prompts only then; a script gets an error instead)."""
    return common.at_terminal()


#: Kinds of label whose choices are listed when one is asked for again.
_CHOICES = {"request": "request", "channel": "channel", "form": "form", "risk": "risk",
            "category": "category", "street": "unit", "referred_by": "department"}


def _ask_until_valid(data: dict, rules, *, now) -> None:
    """At a terminal: ask for each missing required field, then again for each bad one only,
    showing what was wrong and the valid choices, until the case parses. A problem that no
    single field can fix (or an unknown field) is raised as it is."""
    parser = parser_for(rules)
    given = {parser.field_of(k) for k in data if isinstance(k, str)}
    missing = [field for field in REQUIRED if field not in given]
    for field in missing:
        _ask(field, data, rules, problem=None)
    if missing:  # a registration typed at the prompts: the parties' particulars are asked too,
        # so that nobody types them as arguments (visible in `ps` and the shell's history)
        for role in ("applicant", "respondent"):
            if not given & {f"{role}_name", f"{role}s"} and _ask(f"{role}_name", data, rules, problem=None):
                _ask(f"{role}_id", data, rules, problem=None)
                _ask(f"{role}_phone", data, rules, problem=None)
    for _ in range(20):  # each round fixes one field at least; a person stops long before
        problems = parser.problems(data, now=now)
        if not problems:
            return
        for problem in problems:
            if problem.field is None or problem.field not in KEYS:
                raise problem
            _ask(problem.field, data, rules, problem=problem)
    raise one_error(parser.problems(data, now=now))


def _ask(field: str, data: dict, rules, *, problem: CaseError | None) -> bool:
    """Ask for one field until its value is valid on its own; whether a value was given (an
    optional field may be left empty, and is at the end of input)."""
    parser = parser_for(rules)
    cat = rules.catalogue
    if problem is not None:
        _explain(problem, field, rules)
    heading = cat.label("field", field)
    required = field in REQUIRED
    for key in [k for k in data if isinstance(k, str) and parser.field_of(k) == field]:
        del data[key]
    question = f"{heading} ({field})" if required or problem else f"{heading} ({field}，可留空)"
    while True:
        try:
            # on stderr, as the messages are: stdout holds only the result (--json stays parseable)
            value = click.prompt(question, default=None if required else "", show_default=False,
                                 err=True).strip()
        except click.Abort:  # end of input (Ctrl-D) or Ctrl-C: nothing stored, the problem reported
            click.echo(err=True)
            if not required and problem is None:
                return False
            raise problem or CaseError(f"missing required field {field}", field=field) from None
        if not value and not required:
            return False  # left out
        problem = parser.field_problem(field, value, {parser.field_of(k) or k: v for k, v in data.items()})
        if problem is None:
            data[field] = value
            return True
        _explain(problem, field, rules)


def _explain(problem: CaseError, field: str, rules) -> None:
    """What was wrong, and the valid choices of a label unless a near one is already suggested."""
    click.echo(f"  {told(problem, click.get_current_context())}", err=True)
    cat = rules.catalogue
    kind = _CHOICES.get(field)
    if kind is None or getattr(problem, "near", ()) or getattr(problem, "choices", ()) \
            or len(cat.index[kind].names) > 30:
        return
    listed = "、".join(f"{name} ({id_})" for id_, name in cat.index[kind].names.items()
                      if kind != "unit" or id_ not in cat.outside_units)
    click.echo(f"  可选：{listed}", err=True)


_ROLES = {"applicant": "申请人", "respondent": "被申请人"}


def _offer_new_id_numbers(data: dict) -> None:
    """At a terminal, offer the 18-digit form of a first-generation 15-digit ID number.

    The number is shown only here, in a prompt on the clerk's own screen (both
    stdin and stderr a terminal), where they have just typed it; errors never
    repeat it (see :mod:`mediation.personal`). Declined, the number stays as
    typed and registration refuses it.
    """
    if not (at_terminal() and prompt_is_private()):
        return
    slots: list[tuple[str, dict, str]] = []
    for role, heading in _ROLES.items():
        if f"{role}_id" in data:
            slots.append((heading, data, f"{role}_id"))
        for party in data.get(role + "s") or []:
            if isinstance(party, dict) and "id_number" in party:
                slots.append((heading, party, "id_number"))
    for heading, holder, key in slots:
        value = holder[key]
        if not isinstance(value, (str, int)) or not is_old_id_number(value):
            continue
        try:
            new = upgrade_id_number(str(value))
        except CaseError:
            continue  # the registration's own error says why
        question = (f"{heading}身份证号为15位第一代号码（2013年1月1日起停止使用）。"
                    f"按 GB 11643-1999 换算为18位：{new}，使用该号码？")
        if click.confirm(question, default=False, err=True):
            holder[key] = new


def prompt_is_private() -> bool:
    """Whether a prompt on stderr reaches a person's screen, not a log file."""
    return sys.stderr.isatty()
