"""``POST /v1/cases`` and ``GET /v1/cases/{case_no}``: partners' entrusted cases (委托移送).

A partner authenticates with its bearer token; the case it submits is a
``referral`` by the token's department whatever the body says, registered
through :func:`mediation.desk.entrust` with the event's operator
``partner:ID`` and, with an ``Idempotency-Key``, at most once per key: a retry
gets the first answer (the same 201 and body), also when retries race. A
partner reads only the cases it submitted, personal data masked.
"""

from __future__ import annotations

from contextlib import nullcontext
from typing import Any

from fastapi import APIRouter, Header
from starlette.requests import Request

from mediation.cases import parse_case
from mediation.desk import answered, case_view, entrust, show
from mediation.desk.registration import REQUEST_KEY, entrusted
from mediation.errors import CaseError, PermissionDenied
from mediation.service.common import JSON, call, partner_of
from mediation.service.limits import read_json
from mediation.service.openapi import REFERRAL_EXAMPLE, body, case_schema, problem
from mediation.service.problems import Problem, field_error

router = APIRouter(tags=["cases"])

NO_LOCK = nullcontext()
#: The most distinct bad fields one answer lists.
MAX_FIELD_ERRORS = 30
#: Valid values standing in for bad required fields while the others are checked.
STAND_INS = {"form": "oral", "category": "other", "street": "xiangnan", "summary": "-"}


def field_errors(data: dict, rules) -> list[dict]:
    """Every bad field of a partner's case, each with its own line (not only the first)."""
    data = dict(data)
    errors: list[dict] = []
    named: set[str] = set()
    for _ in range(MAX_FIELD_ERRORS):
        try:
            parse_case(data, rules)
            break
        except CaseError as exc:
            if exc.field in named:
                break
            errors.append(field_error(exc))
            named.add(exc.field)
            if exc.field in STAND_INS:  # a required field: a valid stand-in, to read on
                data[exc.field] = STAND_INS[exc.field]
            elif exc.field in data:
                del data[exc.field]
            else:
                break  # a field given under a label: cannot be left out by its id
    return errors


def submit(db, rules, data: Any, partner, key: str | None, lock=NO_LOCK) -> tuple[dict, bool]:
    """(the answer, whether it was given before) for a partner's submission."""
    if key is not None and not REQUEST_KEY.fullmatch(key):
        line = "Idempotency-Key must be 1 to 100 visible ASCII characters (a UUID fits)"
        raise Problem(422, line, errors=[{"field": "Idempotency-Key", "detail": line}])
    if key is not None:  # a retry is answered as before, whatever its body
        earlier = answered(db, partner.operator, key)
        if earlier is not None:
            return earlier, True
    if not isinstance(data, dict):
        raise Problem(422, f"a case is a JSON object of fields, not {type(data).__name__}")
    errors = field_errors(entrusted(data, rules, partner), rules)
    if errors:
        raise Problem(422, errors[0]["detail"], errors=errors)
    with lock:
        record = entrust(db, rules, data, partner=partner, request_key=key)
    answer = record.answer if record.answer is not None else case_view(record, rules)
    return answer, record.replayed


@router.post("/v1/cases", status_code=201, summary="合作单位委托移送案件",
             openapi_extra=body(case_schema(partner=True), {
                 "法院诉前委托": {"summary": "一件邻里纠纷", "value": REFERRAL_EXAMPLE}}),
             responses={201: {"description": "登记的案件（`case show --json` 的对象，个人信息已遮蔽）"},
                        401: problem(401, "the bearer token is not valid"),
                        409: problem(409, "case XS-2026-00001 already exists"),
                        413: problem(413, "the request body is larger than 1048576 bytes"),
                        422: problem(422, "missing required field summary (field summary)"),
                        429: problem(429, "more than 600 requests a minute with this token: try again in 1 s")})
async def create_case(request: Request,
                      idempotency_key: str | None = Header(
                          None, alias="Idempotency-Key",
                          description="重试键：同一键的重试返回第一次的答复，不会重复登记（如 UUID）")):
    """登记一件委托案件。`channel` 为 `referral`，`referred_by` 为令牌所属部门。"""
    partner = await partner_of(request)
    state = request.app.state
    data = await read_json(request, state.settings.max_body)
    answer, replayed = await call(submit, state.db, state.rules, data, partner, idempotency_key,
                                  state.write_lock)
    headers = {"Location": f"/v1/cases/{answer['case_no']}"}
    if idempotency_key is not None:
        headers["Idempotent-Replayed"] = "true" if replayed else "false"
    return JSON(answer, status_code=201, headers=headers)


def own_case(db, rules, case_no: str, partner) -> dict:
    """The ``case show --json`` object of a case ``partner`` submitted (masked), else 403/404."""
    record = show(db, case_no)
    submitted_by = record.events[0]["operator"] if record.events else None
    if submitted_by != partner.operator:
        raise PermissionDenied(f"case {case_no} was not submitted by partner {partner.id}")
    return case_view(record, rules)


@router.get("/v1/cases/{case_no}", summary="查看本单位提交的案件（个人信息已遮蔽）",
            responses={401: problem(401, "the bearer token is not valid"),
                       403: problem(403, "case XS-2026-00007 was not submitted by partner court1"),
                       404: problem(404, "no case 'XS-2026-09999'"),
                       429: problem(429, "more than 600 requests a minute with this token: try again in 1 s")})
async def get_case(request: Request, case_no: str):
    """本单位提交的一件案件：状态、去向、期限、督办与全部事件。"""
    partner = await partner_of(request)
    state = request.app.state
    return await call(own_case, state.db, state.rules, case_no, partner)
