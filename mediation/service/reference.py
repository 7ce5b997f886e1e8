"""``GET /docs``: the API reference, rendered on the server from the OpenAPI description.

The page is what ``GET /openapi.json`` serves, made readable: the title,
version and description; each tag with its operations (method, path, summary,
description, parameters, request body fields and JSON schema, examples,
responses); the schemas the operations refer to. It is plain HTML with inline
CSS: no script, nothing loaded from another host (the hall's network has no
internet, and a page that runs a CDN's script is a supply-chain risk), so it
is sent with a Content-Security-Policy that allows inline styles and nothing
else. Every text of the description is escaped: it is the authors', but the
page treats it as untrusted. FastAPI's own ``/docs`` and ``/redoc`` (Swagger
UI and ReDoc from cdn.jsdelivr.net) are turned off in :func:`create_app`.
"""

from __future__ import annotations

import hashlib
import json
import re
from html import escape
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

router = APIRouter()

#: Inline styles only; no script, no image, no font, no frame, no form.
CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff",
           # the page changes with the program only: revalidate (cheap, by ETag) rather than guess an age
           "Cache-Control": "no-cache"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF = "#/components/schemas/"

CSS = """
* { box-sizing: border-box; }
body { margin: 0 auto; padding: 1rem; max-width: 60rem; color: #1b1f24; background: #fff; line-height: 1.55;
       font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
h1 { font-size: 1.6rem; margin: .5rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.3rem; margin: 2rem 0 .5rem; padding-bottom: .2rem; border-bottom: 2px solid #d0d7de; }
h3 { font-size: 1.05rem; margin: 0 0 .4rem; overflow-wrap: anywhere; }
h4 { font-size: .95rem; margin: .9rem 0 .3rem; color: #57606a; }
a { color: #0a58ca; }
code, pre { font-family: "Noto Sans Mono CJK SC", "DejaVu Sans Mono", Consolas, monospace; font-size: .9em; }
code { background: #f3f4f6; padding: 0 .2em; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 4px; padding: .6rem;
      white-space: pre-wrap; overflow-wrap: anywhere; margin: .3rem 0; }
pre code { background: none; padding: 0; }
.meta { color: #57606a; }
nav ul { padding-left: 1.2rem; }
article { border: 1px solid #d0d7de; border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }
.method { display: inline-block; min-width: 4.2em; text-align: center; color: #fff; border-radius: 3px;
          padding: 0 .4em; margin-right: .4em; font-family: monospace; background: #57606a; }
.get { background: #0969da; } .post { background: #1a7f37; } .put, .patch { background: #9a6700; }
.delete { background: #cf222e; }
.path { font-size: 1em; background: none; padding: 0; }
dl { margin: .2rem 0; }
dt { margin-top: .4rem; overflow-wrap: anywhere; }
dd { margin: 0 0 0 1.2rem; overflow-wrap: anywhere; }
.type { color: #8250df; }
.req { color: #cf222e; font-size: .85em; }
details { margin: .3rem 0; }
summary { cursor: pointer; color: #57606a; }
"""


def reference_page(spec: dict[str, Any], openapi_url: str = "/openapi.json") -> str:
    """The HTML of the reference for the OpenAPI description ``spec`` (everything in it escaped)."""
    info = spec.get("info", {})
    title = _t(info.get("title", "API"))
    version = _t(info.get("version", ""))
    groups = _operations_by_tag(spec)
    nav = "".join(
        f'<li><a href="#{_anchor("tag", name)}">{_t(name)}</a>'
        + (f" · {_inline(tag['description'])}" if tag.get("description") else "")
        + "<ul>" + "".join(f'<li><a href="#{_anchor("op", op_id)}">{_t(method.upper())} '
                           f'<code>{_t(path)}</code></a> {_t(op.get("summary", ""))}</li>'
                           for method, path, op, op_id in ops)
        + "</ul></li>"
        for name, tag, ops in groups)
    sections = "".join(_tag_section(name, tag, ops) for name, tag, ops in groups)
    schemas = spec.get("components", {}).get("schemas", {})
    components = ""
    if schemas:
        components = ('<section id="schemas"><h2>数据结构 · Schemas</h2>'
                      + "".join(f'<article id="{_anchor("schema", name)}"><h3>{_t(name)}</h3>'
                                f"{_schema_block(schema)}</article>" for name, schema in schemas.items())
                      + "</section>")
    link = f'<a href="{_t(openapi_url)}">{_t(openapi_url)}</a>'
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · 接口文档</title><style>{CSS}</style></head>
<body><header><h1>{title}</h1>
<p class="meta">版本 version {version} · OpenAPI {_t(spec.get("openapi", ""))} · 机器可读的描述 (machine-readable): {link}</p>
</header>
<section id="description">{_markdown(info.get("description", ""))}</section>
<nav><h2>目录 · Contents</h2><ul>{nav}</ul></nav>
<main>{sections}{components}</main>
</body></html>
"""


@router.get("/docs", include_in_schema=False)
async def docs(request: Request) -> Response:
    """The API reference page (no script; revalidated by ETag)."""
    app = request.app
    openapi_url = request.scope.get("root_path", "") + (app.openapi_url or "/openapi.json")
    # the description is built once per app: so is its page (kept by the URL it links to)
    kept = getattr(app.state, "reference", None)
    if kept is None or kept[0] != openapi_url:
        page = reference_page(app.openapi(), openapi_url).encode("utf-8")
        kept = app.state.reference = (openapi_url, page, '"' + hashlib.sha256(page).hexdigest()[:32] + '"')
    _, page, etag = kept
    headers = {**HEADERS, "ETag": etag}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return HTMLResponse(page, headers=headers)


# ------------------------------------------------------------------ operations

def _operations_by_tag(spec: dict) -> list[tuple[str, dict, list[tuple[str, str, dict, str]]]]:
    """(tag name, tag object, [(method, path, operation, id)]) in the order of the spec's tags, then
    tags only operations name, then the untagged operations (under "其他 other")."""
    declared = {t["name"]: t for t in spec.get("tags", []) if "name" in t}
    groups: dict[str, list] = {name: [] for name in declared}
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_id = op.get("operationId") or f"{method}-{path}"
            for name in op.get("tags") or ["其他 other"]:
                groups.setdefault(name, []).append((method, path, op, op_id))
    return [(name, declared.get(name, {}), ops) for name, ops in groups.items() if ops]


def _tag_section(name: str, tag: dict, ops: list) -> str:
    head = f'<section id="{_anchor("tag", name)}"><h2>{_t(name)}</h2>'
    if tag.get("description"):
        head += _markdown(tag["description"])
    return head + "".join(_operation(method, path, op, op_id) for method, path, op, op_id in ops) + "</section>"


def _operation(method: str, path: str, op: dict, op_id: str) -> str:
    parts = [f'<article id="{_anchor("op", op_id)}"><h3><span class="method {_t(method)}">{_t(method.upper())}'
             f'</span><code class="path">{_t(path)}</code></h3>']
    if op.get("summary"):
        parts.append(f'<p class="summary"><strong>{_t(op["summary"])}</strong></p>')
    if op.get("description"):
        parts.append(_markdown(op["description"]))
    if op.get("deprecated"):
        parts.append("<p><strong>已弃用 (deprecated)</strong></p>")
    if op.get("parameters"):
        parts.append("<h4>参数 · Parameters</h4><dl>" + "".join(_parameter(p) for p in op["parameters"]) + "</dl>")
    if op.get("requestBody"):
        parts.append(_request_body(op["requestBody"]))
    if op.get("responses"):
        parts.append("<h4>响应 · Responses</h4><dl>"
                     + "".join(_response(status, r) for status, r in op["responses"].items()) + "</dl>")
    parts.append("</article>")
    return "".join(parts)


def _parameter(p: dict) -> str:
    schema = p.get("schema", {})
    description = p.get("description") or schema.get("description", "")
    where = f' <span class="meta">(in {_t(p.get("in", "?"))})</span>'
    return (f"<dt><code>{_t(p.get('name', '?'))}</code>{where} <span class=\"type\">{_t(_type(schema))}</span>"
            f"{_required(p.get('required'))}</dt><dd>{_inline(description)}</dd>")


def _request_body(body: dict) -> str:
    parts = ["<h4>请求体 · Request body" + (_required(True) if body.get("required") else "") + "</h4>"]
    if body.get("description"):
        parts.append(_markdown(body["description"]))
    for media, content in body.get("content", {}).items():
        parts.append(f"<p>Content-Type: <code>{_t(media)}</code></p>")
        if content.get("schema"):
            parts.append(_schema_block(content["schema"]))
        parts.append(_examples(content))
    return "".join(parts)


def _response(status: str, response: dict) -> str:
    parts = [f"<dt><strong>{_t(status)}</strong> {_inline(response.get('description', ''))}</dt><dd>"]
    for media, content in response.get("content", {}).items():
        schema = content.get("schema")
        shape = f' <span class="type">{_t(_type(schema))}</span>' if schema else ""
        parts.append(f"<p><code>{_t(media)}</code>{shape}</p>{_examples(content)}")
    return "".join(parts) + "</dd>"


def _examples(content: dict) -> str:
    parts = []
    if "example" in content:
        parts.append(f"<p>示例 · Example</p>{_json(content['example'])}")
    for name, example in content.get("examples", {}).items():
        label = f"示例 · Example: <strong>{_t(name)}</strong>"
        if isinstance(example, dict) and example.get("summary"):
            label += f" — {_t(example['summary'])}"
        value = example.get("value") if isinstance(example, dict) else example
        parts.append(f"<p>{label}</p>{_json(value)}")
    return "".join(parts)


# ------------------------------------------------------------------ schemas

def _schema_block(schema: dict) -> str:
    """A schema as lists of fields (one per object, alternatives one by one), then its JSON."""
    return _shape(schema, []) + f"<details><summary>JSON schema</summary>{_json(schema)}</details>"


def _shape(schema: Any, seen: list) -> str:
    if not isinstance(schema, dict):
        return ""
    for key in ("oneOf", "anyOf"):
        if key in schema and any(_object_like(s) for s in schema[key]):
            word = "以下之一 · one of" if key == "oneOf" else "以下任一 · any of"
            items = "".join(f"<li><span class=\"type\">{_t(_type(s))}</span>{_shape(s, seen)}</li>"
                            for s in schema[key])
            return f"<p>{word}:</p><ol>{items}</ol>"
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        items = schema["items"]
        if items in seen:
            return " <span class=\"meta\">（每项为上面的对象 · each item is the object above）</span>"
        return _shape(items, seen)
    if _object_like(schema):
        seen.append(schema)
        required = set(schema.get("required", []))
        rows = "".join(_field(name, prop, name in required) for name, prop in schema.get("properties", {}).items())
        extra = ""
        if schema.get("additionalProperties") is False:
            extra = "<p class=\"meta\">不接受其他字段 · no other fields</p>"
        return f"<dl>{rows}</dl>{extra}"
    return ""


def _field(name: str, prop: Any, required: bool, prefix: str = "") -> str:
    prop = prop if isinstance(prop, dict) else {}
    row = (f"<dt><code>{_t(prefix + name)}</code> <span class=\"type\">{_t(_type(prop))}</span>"
           f"{_required(required)}</dt><dd>{_inline(prop.get('description', ''))}"
           + (f" 可选值 (one of): {', '.join(f'<code>{_t(json.dumps(v, ensure_ascii=False))}</code>' for v in prop['enum'])}"
              if isinstance(prop.get("enum"), list) else "") + "</dd>")
    items = prop.get("items") if prop.get("type") == "array" else None
    nested = items if isinstance(items, dict) and items.get("properties") else (
        prop if prop.get("properties") else None)
    if nested is not None:
        deeper = prefix + name + ("[]." if nested is items else ".")
        inner = set(nested.get("required", []))
        row += "".join(_field(n, p, n in inner, deeper) for n, p in nested["properties"].items())
    return row


def _object_like(schema: Any) -> bool:
    return isinstance(schema, dict) and (schema.get("type") == "object" or "properties" in schema)


def _type(schema: Any) -> str:
    """A schema's type in a few words: ``string``, ``integer | string``, ``array of object``."""
    if not isinstance(schema, dict) or not schema:
        return "any"
    if "$ref" in schema:
        ref = str(schema["$ref"])
        return ref[len(_REF):] if ref.startswith(_REF) else ref
    for key in ("oneOf", "anyOf"):
        if key in schema:
            return " | ".join(_type(s) for s in schema[key])
    kind = schema.get("type")
    if isinstance(kind, list):
        return " | ".join(str(k) for k in kind)
    if kind == "array":
        return f"array of {_type(schema.get('items'))}"
    if kind:
        return str(kind) + (f" ({schema['format']})" if schema.get("format") else "")
    if "enum" in schema:
        return "enum"
    return "object" if "properties" in schema else "any"


# ------------------------------------------------------------------ text

def _t(value: Any) -> str:
    """Any text of the description, escaped for HTML (element content and quoted attributes)."""
    return escape(str(value), quote=True)


def _json(value: Any) -> str:
    """Pretty-printed JSON, Chinese as is, escaped."""
    return f"<pre><code>{_t(json.dumps(value, ensure_ascii=False, indent=2))}</code></pre>"


def _anchor(kind: str, name: str) -> str:
    """A fragment id: the name's letters, digits, ``-`` and ``_`` (and CJK), the rest as ``-``."""
    return _t(kind + "-" + re.sub(r"[^\w-]+", "-", str(name)).strip("-"))


def _required(required: Any) -> str:
    return ' <span class="req">必填 required</span>' if required else ""


_CODE = re.compile(r"`([^`]+)`")
_STRONG = re.compile(r"\*\*(.+?)\*\*")


def _inline(text: Any) -> str:
    """Escaped text with Markdown's ``code`` and **strong** (applied after escaping, so safe)."""
    return _STRONG.sub(r"<strong>\1</strong>", _CODE.sub(r"<code>\1</code>", _t(text)))


def _markdown(text: Any) -> str:
    """The little Markdown descriptions use: paragraphs, ``- `` lists (with indented continuation
    lines), ``code`` and **strong**. Anything else stays text."""
    blocks = []
    for block in re.split(r"\n\s*\n", str(text or "").strip()):
        lines = block.splitlines()
        if lines and lines[0].lstrip().startswith(("- ", "* ")):
            items: list[str] = []
            for line in lines:
                stripped = line.strip()
                if stripped.startswith(("- ", "* ")):
                    items.append(stripped[2:])
                elif items:
                    items[-1] = _join(items[-1], stripped)
            blocks.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
        elif block.strip():
            joined = ""
            for line in lines:
                joined = _join(joined, line.strip())
            blocks.append(f"<p>{_inline(joined)}</p>")
    return "".join(blocks)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _join(before: str, line: str) -> str:
    """Two lines of one paragraph: a space between them, none where Chinese meets Chinese."""
    if not before or not line:
        return before + line
    cjk = _CJK.match(before[-1]) and _CJK.match(line[0])
    return before + ("" if cjk else " ") + line
