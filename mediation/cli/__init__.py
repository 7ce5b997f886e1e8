"""The ``mediation`` command: noun-verb subcommands, each a thin layer over the library.

Subcommands are imported only when run, so ``mediation --help`` and each
command start quickly. Every :class:`~mediation.errors.MediationError` becomes
one line on stderr and its exit code (2: bad input or a refused action,
3: a committed change whose output could not be written, 1: anything else);
the errors a clerk meets at the desk (a refused move or permission, no such case
or member of staff) in the desk's words (:func:`told`); a traceback is shown only
with ``MEDIATION_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import io
import os
import re
import sys

import click

from mediation.cli.version import version_option
from mediation.errors import MediationError
from mediation.text import quoted

#: name -> (module:attribute, one-line help). The help is here so that
#: ``mediation --help`` need not import every command.
COMMANDS: dict[str, tuple[str, str]] = {
    "route": ("mediation.cli.route:route", "Review and route cases from a JSON file (no database)."),
    "rules": ("mediation.cli.rules:rules", "Show, test, check and diff rule sets."),
    "init": ("mediation.cli.init:init", "Create or upgrade the database."),
    "case": ("mediation.cli.case:case", "Register cases and move them through their lifecycle."),
    "queue": ("mediation.cli.queue:queue", "A room's or window's open cases, oldest first."),
    "replay": ("mediation.cli.replay:replay", "Replay historical cases through the rules."),
    "escalate": ("mediation.cli.escalate:escalate", "Record 督办 escalations for overdue cases."),
    "report": ("mediation.cli.report:report", "The centre's statistics for a year or a period."),
    "calendar": ("mediation.cli.calendar:calendar",
                 "A year's days off and make-up workdays, each with its source (or 暂定)."),
    "flow": ("mediation.cli.flow:flow", "Draw the case lifecycle (Mermaid or Graphviz)."),
    "staff": ("mediation.cli.staff:staff", "Who works here, their roles and logins (supervisors change them)."),
    "serve": ("mediation.cli.serve:serve", "Serve the HTTP API and the hall's dashboard."),
    "partner": ("mediation.cli.partner:partner", "Add, list and revoke partners submitting cases over HTTP."),
    "server": ("mediation.cli.server:server", "The command server that keeps desk commands quick."),
    "completion": ("mediation.cli.completion:completion",
                   "Print the shell completion script (bash, zsh, fish)."),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def __init__(self, *args, lazy: dict[str, tuple[str, str]] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._available()})

    def _available(self) -> list[str]:
        return [name for name, (target, _) in self.lazy.items() if _module_exists(target.split(":")[0])]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.commands:
            return self.commands[name]
        if name not in self.lazy or not _module_exists(self.lazy[name][0].split(":")[0]):
            return None
        module, attr = self.lazy[name][0].split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, self.lazy[name][1]) for name in self.list_commands(ctx) if name in self.lazy]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def _module_exists(module: str) -> bool:
    from importlib.util import find_spec

    try:
        return find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class Failure(click.ClickException):
    """A library error shown as one line: ``mediation: error: ...``."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"mediation: error: {self.format_message()}", err=True)


#: Where :class:`RootGroup` keeps the arguments it was given (in ``ctx.meta``).
ARGS_META = "mediation.args"


class Misuse(click.UsageError):
    """A command typed wrong at the desk (click's usage error) shown as one line:
    ``mediation: error: ...`` in the desk's words (:func:`misused`), exit 2."""

    def show(self, file=None) -> None:
        click.echo(f"mediation: error: {self.format_message()}", err=True)


class RootGroup(LazyGroup):
    """The top-level group: turns errors from any subcommand into :class:`Failure`, and the
    desk's usage errors (a command or option mistyped or missing) into :class:`Misuse`."""

    def main(self, args=None, *rest, **kwargs):
        # Bytes that are not UTF-8 reach Python as lone surrogates, which nothing can print or
        # store: such an argument (or MEDIATION_* variable) is refused before anything runs.
        problem = undecodable_argument(sys.argv[1:] if args is None else args, os.environ)
        if problem is not None:
            click.echo(f"mediation: error: {problem}", err=True)
            sys.exit(2)
        return super().main(args, *rest, **kwargs)

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        typed = list(args)
        ctx = super().make_context(info_name, args, parent, **extra)
        # the words of a usage error find the command it is about from what was typed (click
        # raises some, an option without its value, before the command's context is made)
        ctx.meta[ARGS_META] = typed
        return ctx

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except MediationError as exc:
            if os.environ.get("MEDIATION_DEBUG"):
                raise
            raise Failure(told(exc, ctx), exc.exit_code) from None
        except click.UsageError as exc:
            # MEDIATION_DEBUG keeps click's own message, as it keeps the library's error
            line = None if os.environ.get("MEDIATION_DEBUG") or isinstance(exc, Misuse) else misused(exc, ctx)
            if line is None:
                raise
            raise Misuse(line, exc.ctx) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort, KeyboardInterrupt):
            raise
        except BrokenPipeError:
            sys.stderr.close()
            raise click.exceptions.Exit(1) from None
        except Exception as exc:  # never a traceback for the user
            if os.environ.get("MEDIATION_DEBUG"):
                raise
            # The first line only: a database driver's further lines (DETAIL, the
            # statement's parameters) may repeat the row, personal data included.
            lines = str(exc).strip().splitlines() or [""]
            raise Failure(f"internal error: {type(exc).__name__}: {lines[0][:300]} "
                          "(run with MEDIATION_DEBUG=1 for details)", 1) from None


@click.group(
    cls=RootGroup,
    lazy=COMMANDS,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@version_option
def cli() -> None:
    """Case routing for the district dispute mediation centre (多元化解纠纷调解中心).

    Register, review and divert disputes to the centre's 11 mediation rooms
    and 7 service windows by declarative rules (属地管理, 谁主管、谁负责).
    """


#: Where the desk's words for errors live (:mod:`mediation.cli.words`), imported only when an
#: error is told, as subcommands are imported only when run: no command pays for them to start.
WORDS = "mediation.cli.words:told"
#: The words of a command typed wrong (:mod:`mediation.cli.words.usage`), imported as :data:`WORDS` is.
USAGE_WORDS = "mediation.cli.words.usage:usage_line"


def told(exc: MediationError, ctx: click.Context) -> str:
    """An error's line: in the desk's words (Chinese, labels of the command's rule set) for the
    errors a clerk meets at the desk, else its own."""
    module, attr = WORDS.split(":")
    return getattr(importlib.import_module(module), attr)(exc, ctx)


def misused(exc: click.UsageError, ctx: click.Context) -> str | None:
    """A usage error's line in the desk's words, or None where click's own message stays (the
    commands that are not the desk's, a group run without arguments, which shows its help)."""
    module, attr = USAGE_WORDS.split(":")
    return getattr(importlib.import_module(module), attr)(exc, ctx)


def undecodable_argument(args, environ) -> str | None:
    """Why an argument or a ``MEDIATION_*`` variable cannot be used (it is not valid UTF-8), or None."""
    for n, arg in enumerate(args, 1):
        if isinstance(arg, str) and _SURROGATE.search(arg):
            return f"argument {n} {quoted(arg)} is not valid UTF-8 text"
    for name, value in environ.items():
        if name.startswith("MEDIATION_") and _SURROGATE.search(value):
            return f"${name} {quoted(value)} is not valid UTF-8 text"
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


#: What a command server (mediation.launch) imports once, before it forks a child per command:
#: the desk's commands and the libraries they import on first use (``pkg.*``: with every module
#: of the package).
WARM = (
    "mediation.cli.case.*", "mediation.cli.queue", "mediation.cli.escalate", "mediation.cli.staff",
    "mediation.cli.route", "mediation.cli.calendar", "mediation.cli.complete", "mediation.cli.tables",
    "mediation.cli.common", "mediation.cli.options", "mediation.cli.server", "mediation.cli.version",
    "mediation.cli.words.*",
    "mediation.desk.*", "mediation.store.*", "mediation.rules.*", "mediation.deadlines.*",
    "mediation.lifecycle.*", "mediation.documents",
    "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql", "psycopg", "sqlite3",
    "rich.console", "rich.table", "rich.cells", "rich.progress", "yaml", "opencc", "pypinyin", "jinja2",
    "hmac", "secrets", "encodings.utf_8_sig",
)


def warm() -> None:
    """Make a command server's process ready to fork commands: import :data:`WARM`, draw a
    table (rich loads its tables of emoji and character widths on first use) and keep the
    rule set a command from here would load. Nothing here opens a database or a thread."""
    import pkgutil  # only here: every command imports this module

    for name in WARM:
        try:
            module = importlib.import_module(name.removesuffix(".*"))
        except ImportError:  # an optional library (psycopg) not installed
            continue
        if name.endswith(".*"):
            for found in pkgutil.walk_packages(module.__path__, module.__name__ + "."):
                if ".migrations" not in found.name and not found.name.endswith(("__main__", "make_templates")):
                    importlib.import_module(found.name)
    from rich.console import Console
    from rich.table import Table

    table = Table("案件编号", "状态")
    table.add_row("XS-2026-00001", "已登记 ✓")
    Console(file=io.StringIO(), width=80).print(table)
    with contextlib.suppress(MediationError):
        importlib.import_module("mediation.rules.cache").keep(
            importlib.import_module("mediation.rules.locate").default_rules_dir())


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``mediation`` console script."""
    # A desk command lives a fraction of a second and allocates nothing cyclic to
    # speak of; collecting while SQLAlchemy and rich import costs ~20 ms of its
    # start-up. Long-running commands (replay) turn collection back on.
    gc.disable()
    cli.main(args=argv, prog_name="mediation")
