"""Shell completion of values: labels of the rule set (destinations, categories, streets ...)
and operators. Case numbers, which come from the database, are completed by
:func:`mediation.cli.case.common.complete_case_no`.

A completer runs inside the shell's completion request: it never fails (a rule
set that does not load completes nothing) and offers both the id and the
Chinese name, each with the other as its description (zsh and fish show it).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.shell_completion import CompletionItem

from mediation.rules import load_rules
from mediation.rules.locate import default_rules_dir
from mediation.rules.suggest import pinyin_of, typed_pinyin
from mediation.text import has_cjk, normalize_label

Completer = Callable[[click.Context, click.Parameter, str], list[CompletionItem]]


def rules_of(ctx: click.Context):
    """The rule set the command line names so far (``--rules`` if already given), or None."""
    rules_dir = ctx.params.get("rules_dir")
    try:
        return load_rules(Path(rules_dir) if rules_dir else default_rules_dir())
    except Exception:  # a completion never fails: it offers nothing
        return None


def _matching(pairs: list[tuple[str, str]], incomplete: str) -> list[CompletionItem]:
    """Items whose value starts with what is typed (compared as labels are: case, full-width, 繁體);
    failing that, Chinese values whose pinyin or initials start with it (``yil`` -> 医疗)."""
    typed = normalize_label(incomplete) if incomplete else ""
    found = [CompletionItem(value, help=text) for value, text in pairs
             if not typed or normalize_label(value).startswith(typed)]
    sound = typed_pinyin(typed) if typed and typed.isascii() else None
    if found or not sound:
        return found
    return [CompletionItem(value, help=text) for value, text in pairs
            if has_cjk(value) and any(p.startswith(sound) for p in pinyin_of(value))]


class Labels:
    """A completer of one kind of label (``destination``, ``category``, ``unit``, ``form`` ...);
    its :attr:`kind` also tells an error's words which labels an option takes."""

    def __init__(self, kind: str, *, outside: bool = True) -> None:
        self.kind = kind
        self.outside = outside

    def __call__(self, ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        rules = rules_of(ctx)
        if rules is None:
            return []
        cat = rules.catalogue
        names = cat.index[self.kind].names
        pairs: list[tuple[str, str]] = []
        for id_, name in names.items():
            if not self.outside and self.kind == "unit" and id_ in cat.outside_units:
                continue
            pairs.append((id_, name))
            if name != id_:
                pairs.append((name, id_))
        return _matching(pairs, incomplete)


def labels(kind: str, *, outside: bool = True) -> Completer:
    """A completer of one kind of label (:class:`Labels`)."""
    return Labels(kind, outside=outside)


def operators(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The staff ids of the rule set, each with its role."""
    rules = rules_of(ctx)
    if rules is None:
        return []
    return _matching([(op.id, op.role) for op in rules.staff.values()], incomplete)
