"""``POST /v1/decisions``: review and route one case or a list, as ``mediation route --json`` does.

Nothing is stored and nothing of the parties is echoed: the answer is the
shape of docs/design.md §7. Requests are rate-limited per client address.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request

from mediation.cases import parse_case
from mediation.clock import now
from mediation.errors import CaseError
from mediation.rules.results import route_result
from mediation.service.common import call
from mediation.service.limits import read_json
from mediation.service.openapi import CASE_EXAMPLE, body, case_schema, problem
from mediation.service.problems import Problem, field_error

router = APIRouter(tags=["decisions"])

#: Cases one request may hold.
MAX_CASES = 1000


def decide(data, rules) -> dict | list[dict]:
    """The ``route --json`` answer for one case (a mapping) or a list of them."""
    is_list = isinstance(data, list)
    items = data if is_list else [data]
    if len(items) > MAX_CASES:
        raise Problem(413, f"{len(items)} cases in one request; at most {MAX_CASES} are accepted")
    at = now()
    results, errors = [], []
    for n, item in enumerate(items, 1):
        try:
            results.append(route_result(parse_case(item, rules, now=at), rules))
        except CaseError as exc:
            errors.append(field_error(exc.located(item=f"case {n}") if is_list else exc))
    if errors:
        raise Problem(422, errors[0]["detail"], errors=errors)
    return results if is_list else results[0]


@router.post("/v1/decisions", summary="审查与分流（不保存）",
             openapi_extra=body({"oneOf": [case_schema(), {"type": "array", "items": case_schema()}]},
                                {"医疗纠纷": {"summary": "一件医疗纠纷", "value": CASE_EXAMPLE},
                                 "两件": {"summary": "一组纠纷", "value": [
                                     CASE_EXAMPLE, {"form": "口头", "category": "邻里",
                                                    "street": "杜集区", "summary": "邻里噪音（示例）"}]}}),
             responses={200: {"description": "docs/design.md §7 的 `route --json` 形状", "content": {
                 "application/json": {"example": {
                     "case_no": None,
                     "review": {"outcome": "accepted", "rule": "accept", "reason": "受理", "to": None},
                     "decision": {"destination": "room.medical", "department": "health",
                                  "unit": "xiangnan", "judicial_office": "相南司法所",
                                  "mediation_type": "people", "rule": "medical",
                                  "rules_digest": "sha256:..."}}}}},
                        422: problem(422, "unknown category '医' (field category)")})
async def decisions(request: Request):
    """One case (an object) or a list of cases in; the review and routing of each out."""
    state = request.app.state
    state.limiter.check("client:" + (request.client.host if request.client else "?"))
    data = await read_json(request, state.settings.max_body)
    if not isinstance(data, dict | list):
        raise Problem(422, "send one case (a JSON object) or a list of cases")
    return await call(decide, data, state.rules)
