"""The HTTP service through a real server on a loopback port: health, OpenAPI, decisions, partners'
cases, idempotency (also under racing retries), errors as problem details, bounds."""

from __future__ import annotations

import json
import re
import threading

import pytest
from click.testing import CliRunner

from mediation.cli import cli
from mediation.errors import ConcurrentUpdate, NotFound, PermissionDenied, Refused, Unauthenticated
from mediation.service.limits import RateLimiter
from mediation.service.problems import Problem, status_of
from tests.service.conftest import add_partners
from tests.service.server import Server

CASE = {"form": "书面", "category": "邻里", "street": "东街道", "summary": "楼上漏水（委托示例）",
        "amount": 3000, "applicants": [{"name": "刘晓梅", "phone": "13912345678"}],
        "respondents": [{"name": "陈建国"}]}
PERSONAL = ("刘晓梅", "13912345678", "陈建国")
PROBLEM = "application/problem+json"


def is_problem(answer, status: int) -> dict:
    assert answer.status == status, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM)
    body = answer.json
    assert body["status"] == status and body["detail"] and "Traceback" not in answer.text
    return body


@pytest.fixture(scope="module")
def tokens(sqlite_db_url, rules_m):
    return add_partners(sqlite_db_url, rules_m, ("court1", "court"), ("police1", "police"))


def test_health_openapi_and_docs(server):
    c = server.client()
    health = c.get("/healthz")
    assert health.status == 200 and health.json["status"] == "ok"
    spec = c.get("/openapi.json").json
    assert {"/v1/decisions", "/v1/cases", "/v1/cases/{case_no}", "/dashboard", "/healthz"} <= set(spec["paths"])
    examples = spec["paths"]["/v1/cases"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert "法院诉前委托" in examples and "漏水" in json.dumps(examples, ensure_ascii=False)
    assert "Idempotency-Key" in json.dumps(spec["paths"]["/v1/cases"]["post"]["parameters"])
    assert c.get("/docs").status == 200


def test_decisions_answer_the_route_json_shape_and_store_nothing(server):
    c = server.client()
    one = c.post("/v1/decisions", {"form": "口头", "category": "醫療", "street": "相南街道", "summary": "x"})
    assert one.status == 200
    assert one.json["decision"]["destination"] == "room.medical"
    assert set(one.json) == {"case_no", "review", "decision"}
    many = c.post("/v1/decisions", [CASE, {**CASE, "street": "杜集区"}])
    assert [r["review"]["outcome"] for r in many.json] == ["accepted", "referred_out"]
    assert not any(p in many.text for p in PERSONAL)
    bad = is_problem(c.post("/v1/decisions", [CASE, {"form": "口头"}]), 422)
    assert bad["detail"] == "missing required field category (case 2, field category)"
    assert bad["errors"][0]["item"] == "case 2"


def test_bad_bodies(server):
    c = server.client()
    assert is_problem(c.post("/v1/decisions", raw=b'{"form": '), 400)["detail"].startswith(
        "the request body is not valid JSON")
    assert is_problem(c.post("/v1/decisions", raw=b""), 400)
    assert is_problem(c.post("/v1/decisions", raw=b"x" * (1 << 20 + 1)), 413)
    assert is_problem(c.post("/v1/decisions", CASE, headers={"Content-Type": "text/plain"}), 415)
    assert is_problem(c.get("/v2/nothing"), 404)
    assert is_problem(c.request("DELETE", "/v1/decisions"), 405)


def test_the_partner_flow(server, tokens, sqlite_db_url):
    court = server.client(tokens["court1"])
    police = server.client(tokens["police1"])
    made = court.post("/v1/cases", {**CASE, "channel": "walk_in", "referred_by": "police"})
    assert made.status == 201, made.text
    case = made.json
    assert (case["channel"], case["referred_by"], case["state"]) == ("referral", "court", "registered")
    assert made.headers["location"] == f"/v1/cases/{case['case_no']}"
    assert case["events"][0]["operator"] == "partner:court1"
    assert not any(p in made.text for p in PERSONAL)  # masked
    seen = court.get(f"/v1/cases/{case['case_no']}")
    assert seen.status == 200 and seen.json["case_no"] == case["case_no"]
    assert not any(p in seen.text for p in PERSONAL)
    # a clerk moves it on; the partner follows it
    runner = CliRunner()
    out = runner.invoke(cli, ["case", "review", case["case_no"], "--on-behalf-of", "clerk01", "--db", sqlite_db_url])
    assert out.exit_code == 0, out.output
    assert court.get(f"/v1/cases/{case['case_no']}").json["state"] == "under_review"
    # another partner's case, a missing case
    assert is_problem(police.get(f"/v1/cases/{case['case_no']}"), 403)["detail"] == (
        f"case {case['case_no']} was not submitted by partner police1")
    assert is_problem(court.get("/v1/cases/XS-2026-99999"), 404)


def test_every_bad_field_is_named(server, tokens):
    c = server.client(tokens["court1"])
    bad = is_problem(c.post("/v1/cases", {"form": "x", "category": "邻", "street": "東街道", "summary": "",
                                          "parties": 0}), 422)
    fields = [e["field"] for e in bad["errors"]]
    assert {"form", "summary", "parties"} <= set(fields), fields
    assert is_problem(c.post("/v1/cases", {**CASE, "case_no": "XS-2026-00001"}), 422)["errors"][0][
        "field"] == "case_no"
    assert is_problem(c.post("/v1/cases", [CASE]), 422)


def test_authentication_failures(server, tokens, sqlite_db_url, rules_m):
    c = server.client()
    no = is_problem(c.post("/v1/cases", CASE), 401)
    assert "bearer token" in no["detail"]
    assert is_problem(c.post("/v1/cases", CASE, token="mdp_not-a-token"), 401)["detail"] == (
        "the bearer token is not valid")
    assert is_problem(c.post("/v1/cases", CASE, headers={"Authorization": "Basic eDp5"}), 401)
    assert c.post("/v1/cases", CASE, token="mdp_x").headers["www-authenticate"].startswith("Bearer")
    assert is_problem(c.get("/v1/cases/XS-2026-00001"), 401)
    revoked = add_partners(sqlite_db_url, rules_m, ("gone", "petition_bureau"))["gone"]
    assert c.post("/v1/cases", CASE, token=revoked).status == 201
    out = CliRunner().invoke(cli, ["partner", "revoke", "gone", "--operator", "sup01", "--db", sqlite_db_url])
    assert out.exit_code == 0, out.output
    assert is_problem(c.post("/v1/cases", CASE, token=revoked), 401)["detail"] == (
        "the bearer token of partner gone was revoked")


def test_a_retry_gets_the_first_answer(server, tokens):
    c = server.client(tokens["police1"])
    first = c.post("/v1/cases", CASE, headers={"Idempotency-Key": "retry-1"})
    again = c.post("/v1/cases", CASE, headers={"Idempotency-Key": "retry-1"})
    assert first.status == again.status == 201
    assert again.json == first.json and again.headers["idempotent-replayed"] == "true"
    other = c.post("/v1/cases", CASE, headers={"Idempotency-Key": "retry-2"})
    assert other.json["case_no"] != first.json["case_no"]
    # the same key from another partner is another request
    court = server.client(tokens["court1"]).post("/v1/cases", CASE, headers={"Idempotency-Key": "retry-1"})
    assert court.json["case_no"] != first.json["case_no"]
    bad_key = is_problem(c.post("/v1/cases", CASE, headers={"Idempotency-Key": "a key"}), 422)
    assert bad_key["errors"][0]["field"] == "Idempotency-Key"


def test_racing_retries_register_one_case(server, tokens):
    barrier = threading.Barrier(12)
    answers = []

    def submit():
        c = server.client(tokens["court1"])
        barrier.wait()
        answers.append(c.post("/v1/cases", CASE, headers={"Idempotency-Key": "race-7"}))
        c.close()

    threads = [threading.Thread(target=submit) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [a.status for a in answers] == [201] * 12
    assert len({a.text for a in answers}) == 1
    assert sorted(a.headers["idempotent-replayed"] for a in answers) == ["false"] + ["true"] * 11


def test_partners_are_managed_by_supervisors_on_the_cli(sqlite_db_url):
    runner = CliRunner()
    refused = runner.invoke(cli, ["partner", "add", "hotline", "--department", "petition_bureau",
                                  "--on-behalf-of", "clerk01", "--db", sqlite_db_url])
    assert refused.exit_code == 2 and "clerk01（登记员）不能管理合作单位 (partner)：只有督办员可以" in refused.output
    added = runner.invoke(cli, ["partner", "add", "hotline", "--department", "petition_bureau",
                                "--operator", "sup01", "--db", sqlite_db_url, "--json"])
    assert added.exit_code == 0, added.output
    token = json.loads(added.output)["token"]
    listed = runner.invoke(cli, ["partner", "list", "--db", sqlite_db_url])
    assert "hotline\tpetition_bureau" in listed.output and token not in listed.output


def test_the_rate_limit_per_token(sqlite_db_url, rules_m, tmp_path):
    token = add_partners(sqlite_db_url, rules_m, ("busy", "court"))["busy"]
    s = Server(sqlite_db_url, "--quiet", "--rate-limit", "3", log=tmp_path / "serve.log")
    try:
        c = s.client(token)
        assert [c.get("/v1/cases/XS-2026-99999").status for _ in range(3)] == [404] * 3
        limited = is_problem(c.get("/v1/cases/XS-2026-99999"), 429)
        assert re.fullmatch(r"more than 3 requests a minute with this token: try again in \d+ s",
                            limited["detail"])
        assert int(c.get("/v1/cases/XS-2026-99999").headers["retry-after"]) >= 1
    finally:
        assert s.stop() == 0


def test_errors_map_to_statuses_and_hide_internals():
    assert status_of(Unauthenticated("x")) == 401
    assert status_of(PermissionDenied("x")) == 403
    assert status_of(NotFound("x")) == 404
    assert status_of(ConcurrentUpdate("x")) == status_of(Refused("x")) == 409
    clock = iter([0.0, 0.0, 0.0, 30.0]).__next__
    limiter = RateLimiter(2, clock=clock)
    limiter.check("k")
    limiter.check("k")
    with pytest.raises(Problem) as exc:
        limiter.check("k")
    assert exc.value.status == 429
    limiter.check("k")  # 30 s later: one request's worth is back


def test_an_unexpected_error_is_a_bare_500():
    import asyncio

    from mediation.service.common import call

    def broken():
        raise RuntimeError("SELECT ... WHERE phone = '13912345678'")

    with pytest.raises(Problem) as exc:
        asyncio.run(call(broken))
    assert exc.value.status == 500 and "13912345678" not in exc.value.detail
