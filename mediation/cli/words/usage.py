"""A command typed wrong at the desk (click's usage errors), told as one Chinese line.

::

    没有命令 'lisst'（mediation case）：是 list 吗？下一步: mediation case --help
    没有选项 '--pag'（mediation case list）：是 --page 吗？
    缺少 DEST（mediation queue DEST）：要写明调解室或窗口。下一步: mediation queue --help
    --form 需要一个值：形式是 口头 (oral)、书面 (written) 之一
    'x' 不是整数（--page：1 以上）
    多余的参数 'XS-2026-00001'：mediation escalate 不接受参数。下一步: mediation escalate --help

Click raises these before a command runs (a command or option that does not exist, a value
missing or of the wrong type, an argument too many); :class:`mediation.cli.RootGroup` asks
:func:`usage_line` for the line, and only for the desk's commands (:data:`~mediation.cli.words.DESK`)
and a command mistyped after ``mediation`` itself; the others keep click's English. Click
keeps the value typed only in its message, so the value is read back from there (the leading
``repr``); a message these words do not know is shown in a Chinese frame.
"""

from __future__ import annotations

import ast
import difflib
import errno
import os
import re
from datetime import datetime

import click
from click.exceptions import (
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchCommand,
    NoSuchOption,
)

from mediation.cli import ARGS_META
from mediation.cli.complete import Labels
from mediation.cli.words import DESK, default_rules
from mediation.cli.words.inputs import kind_text, named, one_of
from mediation.cli.words.refusals import ROLES
from mediation.text import has_cjk, quoted

#: Choices listed in a line at most; a longer list is left to ``--help`` and completion.
MAX_CHOICES = 8

#: Options whose click.Choice the desk names: parameter name -> (what it is, id -> name).
CHOICE_NAMES: dict[str, tuple[str, dict[str, str]]] = {"role": ("角色", ROLES)}

#: Why a file cannot be opened (click.File gives the system's words), by errno.
FILE_ERRORS = {os.strerror(errno.ENOENT): "没有这个文件", os.strerror(errno.EACCES): "没有权限读取",
               os.strerror(errno.EISDIR): "这是个文件夹"}

#: click.Path's refusals: what its message says -> the desk's words ({what}: the path).
PATH_ERRORS = {"does not exist": "{what} 不存在", "is a file": "{what} 是文件，不是文件夹",
               "is a directory": "{what} 是文件夹，不是文件", "is not readable": "没有权限读取 {what}",
               "is not writable": "没有权限写入 {what}", "is not executable": "没有权限执行 {what}"}

#: A moment click.DateTime's formats are shown with.
_SAMPLE = datetime(2020, 6, 15, 9, 30)

_EXTRA = re.compile(r"Got unexpected extra arguments? \((.*)\)", re.S)
_EXCLUSIVE = re.compile(r"(--[\w-]+) and (--[\w-]+) exclude each other")
_OUT_OF_RANGE = re.compile(r"(.+) is not in the range ", re.S)
_PATH = re.compile(r"\w+ ('.*'|\".*\") (" + "|".join(PATH_ERRORS) + r")\.", re.S)
_FILE = re.compile(r"('.*'|\".*\"): (.*)", re.S)


def usage_line(exc: click.UsageError, root: click.Context) -> str | None:
    """The desk's line for a usage error under ``root`` (the ``mediation`` command's context), or
    None where click's own message stays: a command that is not the desk's, a group run without
    arguments (its help), or an error these words cannot tell."""
    if isinstance(exc, NoArgsIsHelpError):
        return None
    ctx = exc.ctx or typed_command(root)
    command = root.invoked_subcommand
    if not (command in DESK or (command is None and ctx is root and isinstance(exc, NoSuchCommand))):
        return None
    try:
        return usage_text(exc, ctx)
    except Exception:  # an error is never lost for want of its words: click's stays
        return None


def typed_command(root: click.Context) -> click.Context:
    """A context of the command the arguments name (``mediation case register --form``: of
    ``case register``), for an error click raised before it made that command's own."""
    ctx, name = root, root.invoked_subcommand
    args = list(root.meta.get(ARGS_META, ()))
    while name is not None and isinstance(ctx.command, click.Group):
        command = ctx.command.get_command(ctx, name)
        if command is None:
            break
        args = args[args.index(name) + 1:] if name in args else []
        ctx = click.Context(command, info_name=name, parent=ctx)
        name = next((a for a in args if not a.startswith("-")), None)
    return ctx


def usage_text(exc: click.UsageError, ctx: click.Context) -> str:
    """A usage error in the desk's words (``ctx``: the context of the command it is about)."""
    if isinstance(exc, NoSuchCommand):
        return no_command(exc, ctx)
    if isinstance(exc, NoSuchOption):
        return no_option(exc, ctx)
    if isinstance(exc, MissingParameter) and exc.param is not None:
        return missing(exc.param, ctx)
    if isinstance(exc, BadParameter) and not isinstance(exc, MissingParameter) and exc.param is not None:
        return bad_value(exc, exc.param, ctx)
    if isinstance(exc, BadOptionUsage):
        return option_usage(exc, ctx)
    return other(exc, ctx)


def command_path(ctx: click.Context) -> str:
    """``mediation case list``: the command as typed, whatever name the program was run by."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(["mediation", *reversed(names)])


def help_step(ctx: click.Context) -> str:
    return f"下一步: {command_path(ctx)} --help"


def perhaps(near: list[str]) -> str:
    """``是 X 吗？``, ``是 X 还是 Y？``."""
    return f"是 {near[0]} 吗？" if len(near) == 1 else "是 " + " 还是 ".join(near) + "？"


# --------------------------------------------------------------------- what does not exist


def no_command(exc: NoSuchCommand, ctx: click.Context) -> str:
    """A command the group does not have, with the ones it may have meant."""
    group = ctx.command
    typed = exc.command_name
    names = group.list_commands(ctx) if isinstance(group, click.Group) else []
    line = f"没有命令 {quoted(typed)}（{command_path(ctx)}）"
    near = near_commands(typed, names, getattr(group, "lazy", {}))
    return line + (f"：{perhaps(near)}" if near else "。") + help_step(ctx)


def near_commands(typed: str, names: list[str], lazy: dict[str, tuple[str, str]]) -> list[str]:
    """The commands ``typed`` may mean: the ones it begins (``reg``: register), those its Chinese
    name is (``登记``: register, as the help says ``登记: register a new case``), else the
    closest spellings."""
    key = typed.strip().lower()
    if not key:
        return []
    begun = [n for n in names if n.startswith(key)]
    if begun:
        return begun[:3]
    called = [n for n in names if n in lazy and has_cjk(typed) and lazy[n][1].split(":")[0] == typed.strip()]
    return called or difflib.get_close_matches(key, names, n=3, cutoff=0.7)


def no_option(exc: NoSuchOption, ctx: click.Context) -> str:
    """An option the command does not have, with the ones it may have meant."""
    typed = exc.option_name
    flags = [flag for param in ctx.command.get_params(ctx) for flag in (*param.opts, *param.secondary_opts)]
    begun = [f for f in flags if f.startswith("--") and len(typed) > 3 and f.startswith(typed)]
    near = begun if len(begun) == 1 else (exc.possibilities or [])
    line = f"没有选项 {quoted(typed)}（{command_path(ctx)}）"
    return line + (f"：{perhaps(list(near))}" if near else "。" + help_step(ctx))


# --------------------------------------------------------------------- what is missing


def flag(param: click.Parameter) -> str:
    """``--page``: how an option is named (its longest name), or an argument's metavar."""
    if isinstance(param, click.Option) and param.opts:
        return max(param.opts, key=len)
    return param.human_readable_name.upper() if param.metavar is None else param.metavar


def usage_of(ctx: click.Context) -> str:
    """``mediation queue DEST``: the command with its arguments, as its usage line names them."""
    pieces = [p.make_metavar(ctx) for p in ctx.command.get_params(ctx) if isinstance(p, click.Argument)]
    return " ".join([command_path(ctx), *pieces])


def missing(param: click.Parameter, ctx: click.Context) -> str:
    """An argument or a required option not given: named as the usage line names it."""
    if isinstance(param, click.Argument):
        line = f"缺少 {param.make_metavar(ctx)}（{usage_of(ctx)}）"
    else:
        line = f"缺少 {flag(param)}（{command_path(ctx)}）"
    choices = choices_text(param)
    if choices:
        return f"{line}：{choices}"
    what = what_of(param)
    return line + (f"：要写明{what}。" if what else "。") + help_step(ctx)


def option_usage(exc: BadOptionUsage, ctx: click.Context) -> str:
    """An option without its value, or a flag given one (``--json=yes``)."""
    name = exc.option_name
    param = next((p for p in ctx.command.get_params(ctx) if name in (*p.opts, *p.secondary_opts)), None)
    if param is None:
        return other(exc, ctx)
    if isinstance(param, click.Option) and (param.is_flag or param.count):
        return f"{name} 不带值：只写 {name}"
    if param.nargs > 1:
        return f"{name} 需要 {param.nargs} 个值。" + help_step(ctx)
    choices = choices_text(param)
    if choices:
        return f"{name} 需要一个值：{choices}"
    form = value_form(param.type)
    if form:
        return f"{name} 需要一个值（{form}）"
    what = what_of(param)
    return f"{name} 需要一个值" + (f"（{what}）" if what else "") + "。" + help_step(ctx)


# --------------------------------------------------------------------- what cannot be used


def bad_value(exc: BadParameter, param: click.Parameter, ctx: click.Context) -> str:
    """A value of the wrong type: per type, in the desk's words."""
    kind, message, where = param.type, exc.message, flag(param)
    typed = leading_value(message)
    if isinstance(kind, click.Choice) and typed is not None:
        return not_a_choice(typed, param)
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        bound = range_text(kind)
        at = f"（{where}：{bound}）" if bound else f"（{where}）"
        out = _OUT_OF_RANGE.match(message)
        if out:
            return f"{out.group(1)} 超出范围{at}"
        if typed is not None:
            number = "整数" if isinstance(kind, click.types.IntParamType) else "数"
            return f"{quoted(typed)} 不是{number}{at}"
    if isinstance(kind, click.DateTime) and typed is not None:
        return f"{quoted(typed)} 不是{moment_kind(kind)}（{where}）：请写成 {formats_text(kind)}"
    if isinstance(kind, click.Path):
        found = _PATH.match(message)
        if found:
            return PATH_ERRORS[found.group(2)].format(what=f"'{_literal(found.group(1))}'") + f"（{where}）"
    if isinstance(kind, click.File):
        found = _FILE.match(message)
        if found:
            why = FILE_ERRORS.get(found.group(2).strip(), found.group(2).strip())
            return f"读不了 '{_literal(found.group(1))}'（{where}）：{why}"
    return f"{where} 的值不能用（{command_path(ctx)}）：{message}"


def not_a_choice(typed: str, param: click.Parameter) -> str:
    """A value not among a click.Choice's: what it may have meant, else the choices."""
    choices = [str(c) for c in param.type.choices]
    what, names = CHOICE_NAMES.get(param.name or "", ("", {}))
    near = difflib.get_close_matches(typed.lower(), choices, n=2, cutoff=0.6)
    shown = [f"{names[c]} ({c})" if c in names else c for c in near]
    head = f"没有这个{what} {quoted(typed)}（{flag(param)}）" if what else f"{quoted(typed)} 不是可选的值（{flag(param)}）"
    return head + (f"：{perhaps(shown)}" if shown else f"：{choices_text(param)}")


def range_text(kind: click.ParamType) -> str:
    """``1 以上``, ``1 到 1000``: the bounds of an IntRange or FloatRange, or ``""``."""
    low, high = getattr(kind, "min", None), getattr(kind, "max", None)
    low_open, high_open = getattr(kind, "min_open", False), getattr(kind, "max_open", False)
    if low is not None and high is not None and not (low_open or high_open):
        return f"{low} 到 {high}"
    parts = []
    if low is not None:
        parts.append(f"大于 {low}" if low_open else f"{low} 以上")
    if high is not None:
        parts.append(f"小于 {high}" if high_open else f"{high} 以下")
    return "、".join(parts)


def moment_kind(kind: click.DateTime) -> str:
    return "日期" if all("%H" not in f for f in kind.formats) else "日期或时刻"


def formats_text(kind: click.DateTime) -> str:
    """``2020-06-15 或 2020-06-15T09:30:00``: each format shown by an example."""
    return one_of(list(dict.fromkeys(_SAMPLE.strftime(f) for f in kind.formats)))


def value_form(kind: click.ParamType) -> str:
    """What a value of a type looks like, for an option given none: ``1 以上的整数``."""
    if isinstance(kind, (click.types.IntParamType, click.types.FloatParamType)):
        bound = range_text(kind)
        number = "整数" if isinstance(kind, click.types.IntParamType) else "数"
        return f"{bound}{' ' if bound[-1:].isdigit() else ''}的{number}" if bound else number
    if isinstance(kind, click.DateTime):
        return f"{moment_kind(kind)}，如 {formats_text(kind)}"
    if isinstance(kind, click.Path):
        return {"directory": "文件夹的路径", "file": "文件的路径"}.get(kind.name, "路径")
    if isinstance(kind, click.File):
        return "文件的路径，或 - 表示标准输入"
    return ""


# --------------------------------------------------------------------- choices


def choices_text(param: click.Parameter) -> str:
    """``形式是 口头 (oral)、书面 (written) 之一``: the values an option takes, named as the desk
    names them (a click.Choice, or the labels of the rule set it completes), or ``""`` when they
    are not known or too many to list."""
    if isinstance(param.type, click.Choice):
        choices = [str(c) for c in param.type.choices]
        what, names = CHOICE_NAMES.get(param.name or "", ("", {}))
        shown = [f"{names[c]} ({c})" if c in names else c for c in choices]
        return f"{what}是 {'、'.join(shown)} 之一" if what else f"可选 {one_of(shown)}"
    kind = label_kind(param)
    if kind is None:
        return ""
    rules = default_rules()
    if rules is None or kind not in rules.catalogue.index:
        return ""
    ids = list(rules.catalogue.index[kind].names)
    if not ids or len(ids) > MAX_CHOICES:
        return ""
    return f"{kind_text(rules, kind)}是 " + "、".join(named(rules, kind, i) for i in ids) + " 之一"


def what_of(param: click.Parameter) -> str:
    """``调解室或窗口``: what kind of label a parameter takes, or ``""``."""
    kind = label_kind(param)
    return kind_text(default_rules(), kind) if kind else ""


def label_kind(param: click.Parameter) -> str | None:
    """The kind of label a parameter takes, as its completer knows it (:class:`Labels`)."""
    completer = getattr(param, "_custom_shell_complete", None)
    return completer.kind if isinstance(completer, Labels) else None


# --------------------------------------------------------------------- the rest


def other(exc: click.UsageError, ctx: click.Context) -> str:
    """Extra arguments, a missing command, options that exclude each other; else click's message
    in a Chinese frame."""
    message = exc.message
    extra = _EXTRA.fullmatch(message)
    if extra:
        pieces = [p.make_metavar(ctx) for p in ctx.command.get_params(ctx) if isinstance(p, click.Argument)]
        takes = f"只接受 {' '.join(pieces)}" if pieces else "不接受参数"
        return f"多余的参数 {quoted(extra.group(1))}：{command_path(ctx)} {takes}。" + help_step(ctx)
    if message == "Missing command.":
        return f"缺少命令（{command_path(ctx)}）。" + help_step(ctx)
    exclusive = _EXCLUSIVE.fullmatch(message)
    if exclusive:
        return f"{exclusive.group(1)} 和 {exclusive.group(2)} 不能同时写：只留一个"
    return f"用法有误（{command_path(ctx)}）：{message}。" + help_step(ctx)


def leading_value(message: str) -> str | None:
    """The value a type's message begins with (``'x' is not a valid integer.``), or None."""
    found = re.match(r"('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", message)
    return _literal(found.group(1)) if found else None


def _literal(text: str) -> str:
    value = ast.literal_eval(text)
    return value if isinstance(value, str) else text
