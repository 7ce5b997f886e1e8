"""``GET /docs``: the API reference rendered on the server, through a real server (and an app of
its own for text that tries to be HTML). No script, nothing from another host, the Chinese
examples readable, everything of the description escaped."""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser

from fastapi import FastAPI

from mediation.service import reference
from mediation.service.openapi import problems_for_validation

PATHS = {"/v1/decisions", "/v1/cases", "/v1/cases/{case_no}", "/dashboard", "/healthz"}
URL_ATTRIBUTES = ("src", "href", "action", "formaction", "srcset", "data", "poster", "background")
#: Elements that load or run something.
ACTIVE = ("script", "iframe", "frame", "object", "embed", "link", "img", "base", "form", "svg", "math")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


class Page(HTMLParser):
    """A page's visible text (styles left out) and every element's attributes."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self._in_style = False
        self.feed(html)
        self.close()
        self.text = "".join(self.parts)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if not self._in_style:
            self.parts.append(data)

    def links(self) -> list[str]:
        """Every URL an attribute names (src, href, action, ...)."""
        return [value or "" for _, attrs in self.elements for name, value in attrs.items()
                if name in URL_ATTRIBUTES]


def operations(spec: dict) -> list[dict]:
    return [op for item in spec["paths"].values() for method, op in item.items() if method in METHODS]


def test_docs_is_a_page_of_every_operation_with_a_strict_policy(server):
    c = server.client()
    spec = c.get("/openapi.json").json
    answer = c.get("/docs")
    assert answer.status == 200 and answer.headers["content-type"] == "text/html; charset=utf-8"
    policy = answer.headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'unsafe-inline'") and "script-src" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-cache" and answer.headers["etag"]
    page = Page(answer.text)
    assert spec["info"]["title"] in page.text and spec["info"]["version"] in page.text
    assert "相山区多元化解纠纷调解中心的 HTTP 接口" in page.text  # the description
    for path in spec["paths"]:
        assert path in page.text, path
    for op in operations(spec):
        assert op["summary"] in page.text and op["description"].split("`")[0] in page.text
    for tag in spec["tags"]:
        assert tag["name"] in page.text and tag["description"] in page.text
    assert "Idempotency-Key" in page.text and "重试键" in page.text  # a parameter, described
    assert "applicants[].phone" in page.text  # a request body's nested field
    for status in ("201", "401", "403", "404", "409", "413", "422", "429"):
        assert status in page.text
    assert "/openapi.json" in page.links()


def test_the_page_runs_no_script_and_loads_nothing_from_another_host(server):
    text = server.client().get("/docs").text
    page = Page(text)
    assert "<script" not in text.lower()
    assert not [tag for tag, _ in page.elements if tag in ACTIVE]
    assert not [name for _, attrs in page.elements for name in attrs if name.startswith("on")]
    for url in page.links():
        assert url.startswith(("#", "/")) and not url.startswith("//"), url
    assert "url(" not in text and "@import" not in text


def test_the_chinese_examples_read_as_chinese(server):
    page = Page(server.client().get("/docs").text)
    # the examples of POST /v1/cases and POST /v1/decisions, pretty-printed as UTF-8
    assert '"category": "邻里"' in page.text and '"category": "医疗"' in page.text
    assert "楼上漏水致楼下墙面受损，双方就维修费用协商未果（法院诉前委托，示例）" in page.text
    assert "法院诉前委托" in page.text and "一件医疗纠纷" in page.text  # the examples' names, summaries
    assert "\\u" not in page.text


def test_an_unchanged_page_is_not_sent_again(server):
    c = server.client()
    first = c.get("/docs")
    again = c.get("/docs", headers={"If-None-Match": first.headers["etag"]})
    assert again.status == 304 and again.text == "" and again.headers["etag"] == first.headers["etag"]
    assert c.get("/docs", headers={"If-None-Match": '"other"'}).status == 200


def test_redoc_and_swagger_are_gone_and_openapi_json_stays(server):
    c = server.client()
    for path in ("/redoc", "/docs/oauth2-redirect"):
        gone = c.get(path)
        assert gone.status == 404 and gone.headers["content-type"].startswith("application/problem+json")
    spec = c.get("/openapi.json")
    assert spec.status == 200 and spec.headers["content-type"].startswith("application/json")
    assert set(spec.json["paths"]) == PATHS  # /docs is not an operation of the API


# ------------------------------------------------------------------ text that tries to be HTML

EVIL = "<script>alert('x')</script>"


def hostile_app() -> FastAPI:
    app = FastAPI(title=f"T {EVIL}", version='1" onmouseover="x', description=f"**{EVIL}** `<img src=x>`",
                  openapi_tags=[{"name": f"tag{EVIL}", "description": "<iframe src=https://evil.example>"}],
                  docs_url=None, redoc_url=None)

    @app.post("/items/{name}", tags=[f"tag{EVIL}"], summary=f"Make {EVIL}", responses={
        418: {"description": f"</dd>{EVIL}", "content": {"application/json": {"example": {"x": EVIL}}}}},
        openapi_extra={"requestBody": {"content": {"application/json": {
            "schema": {"type": "object", "properties": {f"f{EVIL}": {"type": "string", "description": EVIL}}},
            "examples": {f"e{EVIL}": {"summary": EVIL, "value": {"v": f"</code></pre>{EVIL}"}}}}}}})
    async def make(name: str) -> dict:
        """Described as <a href="https://evil.example">a link</a>."""
        return {}

    app.include_router(reference.router)
    return app


def asgi_get(app, path: str) -> tuple[int, dict[str, str], str]:
    """One GET through the ASGI interface (no HTTP client needed)."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"host", b"testserver")], "client": ("127.0.0.1", 1), "server": ("testserver", 80)}
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, body.decode("utf-8")


def test_everything_of_the_description_is_escaped():
    status, headers, text = asgi_get(hostile_app(), "/docs")
    assert status == 200 and headers["content-security-policy"].startswith("default-src 'none'")
    page = Page(text)
    assert "<script" not in text.lower() and "&lt;script&gt;" in text
    assert not [tag for tag, _ in page.elements if tag in ACTIVE]
    assert all(url.startswith(("#", "/")) for url in page.links())  # the author's link is text, not a link
    assert not [name for _, attrs in page.elements for name in attrs if name.startswith("on")]
    # shown as the text it is, in each place it appears
    for shown in (f"T {EVIL}", f"Make {EVIL}", f"f{EVIL}", f"e{EVIL}", f"</dd>{EVIL}", "<img src=x>",
                  '<a href="https://evil.example">a link</a>', '"v": "</code></pre>' + EVIL,
                  "<iframe src=https://evil.example>", '1" onmouseover="x'):
        assert shown in page.text, shown


def test_each_problem_example_has_the_status_it_is_listed_under(server):
    spec = server.client().get("/openapi.json").json
    examples = [(status, response["content"]["application/problem+json"]["example"])
                for op in operations(spec) for status, response in op["responses"].items()
                if "application/problem+json" in response.get("content", {})]
    assert len(examples) >= 8
    for status, example in examples:
        assert example["status"] == int(status) and example["type"] != "/problems/invalid" or status == "422", example


def test_every_error_is_described_as_the_problem_detail_the_service_answers(server):
    spec = server.client().get("/openapi.json").json
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if int(status) >= 400:
                    assert list(response.get("content", {})) == ["application/problem+json"], (method, path, status)
    assert "HTTPValidationError" not in str(spec)
    # a partner's read needs its token and counts against its rate, as its writes do
    assert {"401", "403", "404", "429"} <= set(spec["paths"]["/v1/cases/{case_no}"]["get"]["responses"])


def test_fastapis_own_422_is_left_out_where_no_request_can_fail_and_a_problem_elsewhere():
    own = {"description": "Validation Error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/HTTPValidationError"}}}}
    spec = {"paths": {
        "/a/{x}": {"get": {"parameters": [{"name": "x", "in": "path", "schema": {"type": "string", "title": "X"}}],
                           "responses": {"200": {}, "422": own}}},
        "/b": {"get": {"parameters": [{"name": "n", "in": "query", "schema": {"type": "integer"}}],
                       "responses": {"200": {}, "422": own}}}},
        "components": {"schemas": {"HTTPValidationError": {}, "ValidationError": {}}}}
    tidy = problems_for_validation(spec)
    assert set(tidy["paths"]["/a/{x}"]["get"]["responses"]) == {"200"}
    example = tidy["paths"]["/b"]["get"]["responses"]["422"]["content"]["application/problem+json"]["example"]
    assert example["status"] == 422 and example["detail"].startswith("n:")
    assert tidy["components"]["schemas"] == {}
