"""Render a .docx template (docxtpl) in a sandbox: it reads the context, it never runs code.

The template environment is Jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment`
with :class:`~jinja2.StrictUndefined`: a placeholder the context lacks is an
error, not an empty string, and ``{{ ''.__class__.__mro__ }}`` is refused.
Every failure is one :class:`TemplateError` line naming the template, the
placeholder and where it is (the paragraph, or the table cell, and its text).
Values are XML-escaped (autoescape), so a party's ``<`` or ``&`` cannot break
the document.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from mediation.documents.context import filters
from mediation.errors import InputError

#: How far into a paragraph's text a message quotes it.
QUOTE = 60
_TAG = re.compile(r"\{[{%].*?[%}]\}")


class TemplateError(InputError):
    """A template that cannot be rendered: one line naming the template, the placeholder and where."""


#: The longest text or list a template may make by multiplying (``'x' * n``).
MAX_PRODUCT = 100_000


def environment():
    """The sandboxed environment templates are rendered in (with the document filters).

    Besides Jinja2's sandbox (no private or unsafe attributes, no callables
    but the context's), it refuses ``**`` and a ``*`` that would make a text
    or list longer than :data:`MAX_PRODUCT`: a template cannot exhaust memory.
    """
    from jinja2 import StrictUndefined
    from jinja2.exceptions import SecurityError
    from jinja2.sandbox import SandboxedEnvironment

    class Sandbox(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**"})

        def call_binop(self, context, operator, left, right):
            if operator == "**":
                raise SecurityError("the power operator (**) is not allowed in a template")
            sizes = [len(x) for x in (left, right) if isinstance(x, str | list | tuple)]
            counts = [x for x in (left, right) if isinstance(x, int) and not isinstance(x, bool)]
            if sizes and counts and sizes[0] * counts[0] > MAX_PRODUCT:
                raise SecurityError(f"a text or list longer than {MAX_PRODUCT:,} is not allowed in a template")
            return super().call_binop(context, operator, left, right)

    env = Sandbox(undefined=StrictUndefined, autoescape=True)
    env.filters.update(filters())
    return env


def _places(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) of every paragraph of the template: body, tables, headers and footers."""
    from docx import Document

    doc = Document(str(path))
    for n, p in enumerate(doc.paragraphs, 1):
        yield f"paragraph {n}", p.text
    for t, table in enumerate(doc.tables, 1):
        for r, row in enumerate(table.rows, 1):
            for c, cell in enumerate(row.cells, 1):
                yield f"table {t} row {r} cell {c}", cell.text
    for s, section in enumerate(doc.sections, 1):
        for part, name in ((section.header, "header"), (section.footer, "footer")):
            for n, p in enumerate(part.paragraphs, 1):
                yield f"{name} of section {s}, paragraph {n}", p.text


def _where(path: Path, needle: str | None) -> str:
    """Where ``needle`` first appears inside a template tag (``paragraph 7: “…”``), or ''."""
    if not needle:
        return ""
    try:
        for where, text in _places(path):
            if any(needle in tag for tag in _TAG.findall(text)):
                shown = text if len(text) <= QUOTE else text[:QUOTE] + "…"
                return f"{where}: “{shown}”"
    except Exception:  # a template python-docx cannot read: say what we know
        return ""
    return ""


def _syntax_place(path: Path, env, message: str) -> str:
    """The first paragraph that, parsed alone, fails with ``message``."""
    try:
        for where, text in _places(path):
            if "{" not in text:
                continue
            try:
                env.parse(text)
            except Exception as exc:  # noqa: BLE001 - any parse failure of a fragment
                if getattr(exc, "message", None) == message:
                    shown = text if len(text) <= QUOTE else text[:QUOTE] + "…"
                    return f"{where}: “{shown}”"
    except Exception:
        return ""
    return ""


def _placeholder(message: str) -> str | None:
    """The name an undefined-error or security message is about."""
    for pattern in (r"'([^']+)' is undefined", r"has no attribute '([^']+)'",
                    r"access to attribute '([^']+)'", r"no attribute or item '([^']+)'"):
        m = re.search(pattern, message)
        if m:
            return m.group(1)
    return None


def render_template(path: Path, context: Mapping[str, Any]) -> bytes:
    """The .docx at ``path`` rendered with ``context``; :class:`TemplateError` on any failure."""
    from docx.opc.exceptions import PackageNotFoundError
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    name = path.name
    if not path.is_file():
        raise TemplateError(f"template {path} not found")
    env = environment()
    try:
        tpl = DocxTemplate(str(path))
        tpl.render(dict(context), jinja_env=env, autoescape=True)
    except TemplateSyntaxError as exc:
        where = _syntax_place(path, env, exc.message or "")
        raise TemplateError(f"template {name}: syntax error: {exc.message}"
                            + (f" ({where})" if where else "")) from None
    except SecurityError as exc:
        found = _placeholder(str(exc))
        where = _where(path, found)
        raise TemplateError(f"template {name}: refused: {exc}" + (f" ({where})" if where else "")) from None
    except UndefinedError as exc:
        found = _placeholder(str(exc))
        where = _where(path, found)
        what = f"unknown placeholder {found!r}" if found else str(exc)
        raise TemplateError(f"template {name}: {what}" + (f" ({where})" if where else "")) from None
    except (zipfile.BadZipFile, PackageNotFoundError):
        raise TemplateError(f"template {name}: not a .docx file") from None
    except Exception as exc:  # noqa: BLE001 - a template is the centre's file: one line, whatever it did
        first = (str(exc).splitlines() or [""])[0][:200]
        raise TemplateError(f"template {name}: {type(exc).__name__}: {first}") from None
    out = io.BytesIO()
    tpl.save(out)
    return fixed_zip_times(out.getvalue())


def fixed_zip_times(data: bytes) -> bytes:
    """The .docx (a zip) with every entry's time fixed, so that the same document has the same
    bytes, and so the same digest, whenever it is written."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type, fixed.external_attr = zipfile.ZIP_DEFLATED, info.external_attr
            target.writestr(fixed, source.read(info.filename))
    return out.getvalue()
