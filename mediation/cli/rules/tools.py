"""``mediation rules test`` and ``mediation rules check``: the rule author's tools."""

from __future__ import annotations

import math
from pathlib import Path

import click

from mediation.cli.common import echo_json
from mediation.cli.options import load, rules_option
from mediation.cli.tables import output_width
from mediation.errors import InputError
from mediation.rules.lint import lint
from mediation.rules.locate import default_rules_dir
from mediation.rules.schema import RuleErrors
from mediation.rules.testing import format_failure, run_rule_tests


def _rule_set_dir(directory: Path | None, rules_dir: Path | None) -> Path:
    if directory and rules_dir and directory.resolve() != rules_dir.resolve():
        raise click.UsageError("give the rule set once: as DIR or as --rules")
    return directory or rules_dir or default_rules_dir()


class Percent(click.FloatRange):
    """A percentage 0-100: click's FloatRange lets NaN through (every comparison with it is false)."""

    name = "percentage"

    def convert(self, value, param, ctx):
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number from 0 to 100", param, ctx)
        return number


@click.command()
@click.argument("directory", required=False, metavar="[DIR]", type=click.Path(file_okay=False, path_type=Path))
@rules_option
@click.option("--tests", "tests_path", type=click.Path(path_type=Path), metavar="PATH",
              help="A test file or directory (default: DIR/tests).")
@click.option("--min-coverage", type=Percent(0, 100), metavar="PCT",
              help="Fail when fewer than PCT % of the review and routing rules are reached.")
@click.option("-k", "match", metavar="TEXT", help="Run only the tests whose name contains TEXT.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for CI).")
def test(directory: Path | None, rules_dir: Path | None, tests_path: Path | None, min_coverage: float | None,
         match: str | None, as_json: bool) -> None:
    """Run the rule tests of the rule set DIR, with rule coverage.

    Each test is a case and the review and routing it should get (see
    "Rule tests" in docs/rules.md). A failure prints the trace of its case: which
    rule fired instead, and why the expected one did not. Exit code 1 when a
    test fails or coverage is below --min-coverage, 2 when a test file is
    malformed.
    """
    rules = load(_rule_set_dir(directory, rules_dir))
    run, errors = run_rule_tests(rules, tests_path, match=match)
    if errors:
        if as_json:
            echo_json({"ok": False, "errors": [str(e) for e in errors]})
        for e in errors:
            click.echo(f"mediation: error: {e}", err=True)
        raise click.exceptions.Exit(2)
    cov = run.coverage
    low = min_coverage is not None and cov.percent < min_coverage
    if as_json:
        echo_json({"ok": not run.failed and not low, **run.as_dict(min_coverage)})
    else:
        _print_run(run, min_coverage, low, match)
    if run.failed or low:
        raise click.exceptions.Exit(1)


def _print_run(run, min_coverage: float | None, low: bool, match: str | None = None) -> None:
    for result in run.failures():
        click.echo(format_failure(result, run.rules))
        click.echo()
    cov = run.coverage
    click.echo(f"rule coverage: {cov.reached} of {cov.total} rules reached ({cov.percent:.1f}%)")
    shown = output_width()  # the lines fit the terminal, and at most 99 columns elsewhere
    width = 88 if shown is None else max(20, min(88, shown - 11))
    for stage in ("review", "routing"):
        items = [f"{rule} {n}" for (s, rule), n in cov.hits.items() if s == stage]
        for i, line in enumerate(_wrap(items, width)):
            click.echo(f"  {stage + ':' if i == 0 else '':<9}{line}")
    unreached = cov.unreached()
    if match is not None and unreached:  # a selection of tests: what it does not reach is no news
        click.echo(f"  ({len(unreached)} rules not reached by the tests matching -k {match!r}: run without -k "
                   "to list the rules no test reaches)")
    else:
        for stage, rule in unreached:
            click.echo(f"  not reached: {stage} rule {rule.id}" + (f" ({rule.source})" if rule.source else ""))
    if low:
        click.echo(f"coverage {cov.percent:.1f}% is below --min-coverage {min_coverage:g}%")
    click.echo(run.summary())


def _wrap(items: list[str], width: int) -> list[str]:
    """Items joined by " · " into lines of at most ``width`` characters, never splitting an item."""
    lines: list[str] = []
    for item in items:
        if lines and len(lines[-1]) + 3 + len(item) <= width:
            lines[-1] += " · " + item
        else:
            lines.append(item)
    return lines


@click.command()
@click.argument("directory", required=False, metavar="[DIR]", type=click.Path(file_okay=False, path_type=Path))
@rules_option
@click.option("--strict", is_flag=True, help="Warnings fail the check too.")
@click.option("--verbose", "-v", is_flag=True, help="List every info finding (overlaps where order decides).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for CI).")
def check(directory: Path | None, rules_dir: Path | None, strict: bool, verbose: bool, as_json: bool) -> None:
    """Validate the rule set DIR and lint it for mistakes.

    Schema errors come first, every one of them (exit code 2). Then each finding, with file:line,
    rule, severity and code: unknown ids, rules that can never fire, rules
    whose overlap makes order decide, gaps that reach only the fallback,
    destinations no rule reaches, dates outside the catalogue's. Exit code 1
    when there are errors (or, with --strict, warnings).
    """
    path = _rule_set_dir(directory, rules_dir)
    try:
        rules = load(path)
    except InputError as exc:
        errors = exc.errors if isinstance(exc, RuleErrors) else [exc]
        if as_json:
            echo_json({"ok": False, "path": str(path), "schema_errors": [_error_dict(e) for e in errors],
                       "findings": []})
        elif len(errors) == 1:
            raise
        else:  # every schema error, one line each
            for e in errors:
                click.echo(f"mediation: error: {e}", err=True)
        raise click.exceptions.Exit(2) from None
    report = lint(rules)
    fails = report.fails(strict)
    if as_json:
        echo_json({"ok": not fails, "strict": strict, **report.as_dict()})
    else:
        for line in report.lines(verbose=verbose):
            click.echo(line)
    if fails:
        raise click.exceptions.Exit(1)


def _error_dict(exc) -> dict:
    return {"message": exc.message, "file": exc.file, "line": exc.line, "item": exc.item, "field": exc.field,
            "hint": exc.hint, "text": str(exc)}
