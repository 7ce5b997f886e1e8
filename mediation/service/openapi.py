"""The OpenAPI description's words: the schema of a case (from its definition), examples in Chinese."""

from __future__ import annotations

import json

from mediation.domain import CASE_FIELDS, REQUIRED
from mediation.service.problems import TITLES

DESCRIPTION = """\
相山区多元化解纠纷调解中心的 HTTP 接口 (docs/design.md §10)。

- **决策接口** `POST /v1/decisions`：审查与分流一件或多件纠纷，不保存任何数据。
- **委托移送** `POST /v1/cases`：合作单位（法院诉调对接、公安警调对接、信访局访调对接、12345热线）
  凭令牌（`Authorization: Bearer ...`）提交委托案件；`channel` 恒为 `referral`，`referred_by`
  取令牌所属部门。带 `Idempotency-Key` 重试只会得到第一次的答复，绝不重复登记。
- **查询** `GET /v1/cases/{case_no}`：合作单位只能查看本单位提交的案件，个人信息已遮蔽。
- **大厅屏幕** `GET /dashboard`：今日受理、各调解室与窗口在办、逾期、督办，本年统计。

错误以 RFC 9457 problem details (`application/problem+json`) 返回，`detail` 与命令行的一行错误相同。
"""

TAGS = [
    {"name": "decisions", "description": "审查与分流（不保存）"},
    {"name": "cases", "description": "合作单位委托移送案件"},
    {"name": "dashboard", "description": "大厅屏幕"},
    {"name": "service", "description": "运行状态"},
]

_JSON_TYPES = {"flag": {"type": ["boolean", "string"]}, "count": {"type": ["integer", "string"]},
               "money": {"type": ["number", "string"]}}
_PARTY = {"type": "object", "properties": {"name": {"type": "string", "description": "姓名"},
                                           "id_number": {"type": "string", "description": "身份证号"},
                                           "phone": {"type": "string", "description": "电话"}},
          "required": ["name"], "additionalProperties": False}


def case_schema(*, partner: bool = False) -> dict:
    """The JSON schema of a case (docs/design.md §2), from the fields' own definitions."""
    props = {}
    for name, spec in CASE_FIELDS.items():
        if partner and name in ("case_no", "channel", "referred_by"):
            continue
        if spec.kind == "parties":
            prop = {"type": "array", "items": _PARTY}
        else:
            prop = dict(_JSON_TYPES.get(spec.kind, {"type": "string"}))
        prop["description"] = spec.help
        props[name] = prop
    return {"type": "object", "properties": props, "required": list(REQUIRED)}


CASE_EXAMPLE = {
    "form": "书面", "category": "医疗", "street": "相南街道", "community": "黎苑社区",
    "summary": "患者家属对手术后遗症赔偿有异议（示例）", "parties": 3, "amount": 80000,
    "applicants": [{"name": "王小明", "phone": "13800000000"}],
    "respondents": [{"name": "某某医院"}],
}
REFERRAL_EXAMPLE = {
    "form": "书面", "category": "邻里", "street": "东街道",
    "summary": "楼上漏水致楼下墙面受损，双方就维修费用协商未果（法院诉前委托，示例）",
    "amount": 3000, "applicants": [{"name": "刘某", "phone": "13900000000"}],
    "respondents": [{"name": "陈某"}],
}


def body(schema: dict, examples: dict) -> dict:
    """``openapi_extra`` for a route that reads its JSON body itself."""
    return {"requestBody": {"required": True, "content": {"application/json": {
        "schema": schema, "examples": examples}}}}


def problem(status: int, example_detail: str) -> dict:
    """A response's problem detail with an example (``type``, ``title`` as the service answers)."""
    slug, title = TITLES[status]
    return {"content": {"application/problem+json": {"example": {
        "type": f"/problems/{slug}", "title": title, "status": status,
        "detail": example_detail}}}}



def problems_for_validation(schema: dict) -> dict:
    """``schema`` with FastAPI's own 422 (``HTTPValidationError`` as ``application/json``, which
    it lists for every operation with parameters) as the service answers it: left out where no
    request can fail validation (its parameters any string: a wrong case number is a 404),
    else a problem detail (the app turns every validation error into one)."""
    own = {"$ref": "#/components/schemas/HTTPValidationError"}
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.get("responses", {})
            response = responses.get("422")
            if not response or response.get("content", {}).get("application/json", {}).get("schema") != own:
                continue
            parameters = operation.get("parameters", [])
            if "requestBody" not in operation and all(_any_string(p) for p in parameters):
                del responses["422"]
            else:
                names = ", ".join(p["name"] for p in parameters) or "body"
                responses["422"] = {"description": "Unprocessable Entity",
                                    **problem(422, f"{names}: a value of the wrong type")}
    if "HTTPValidationError" not in json.dumps(schema.get("paths", {})):
        schemas = schema.get("components", {}).get("schemas", {})
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
    return schema


def _any_string(parameter: dict) -> bool:
    """Whether every string is a valid value of ``parameter`` (no length, pattern or format)."""
    schema = parameter.get("schema", {})
    return schema.get("type") == "string" and not set(schema) - {"type", "title", "description"}
