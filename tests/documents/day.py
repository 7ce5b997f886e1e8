"""Cases taken through the clerk's day, with named parties, for the documents' tests (and the CLI's)."""

from __future__ import annotations

from datetime import datetime

import pytest

from mediation import desk
from mediation.personal import id_check_char

APPLICANT_ID = "34060319900101123" + id_check_char("34060319900101123")
RESPONDENT_ID = "34060319851231456" + id_check_char("34060319851231456")
PARTIES = {
    "applicants": [{"name": "张甲", "id_number": APPLICANT_ID, "phone": "13800001234"}],
    "respondents": [{"name": "李乙", "id_number": RESPONDENT_ID, "phone": "13900005678"},
                    {"name": "王丙", "phone": "13700009999"}],
}
CASE = {"form": "书面", "category": "医疗", "street": "相南街道", "community": "相南社区",
        "summary": "术后并发症赔偿争议（合成示例）", "parties": 3, "amount": "86000", **PARTIES}
AGREEMENT = {
    "facts": "申请人于医院手术后出现并发症，双方就赔偿数额发生争议；医方对诊疗过失负主要责任。",
    "terms": ["被申请人一次性赔偿申请人医疗费、误工费等共计人民币壹万贰仟元。",
              "申请人不再就本次诊疗向被申请人主张其他权利。"],
    "performance": "被申请人于2020年7月10日前通过银行转账一次付清。",
    "amount": "12000",
}


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2020, 6, day, hour, minute)


@pytest.fixture
def day(db, rules):
    return make_day(db, rules)


def make_day(db, rules) -> dict[str, str]:
    """Case numbers by where they are: settled (written agreement), unsettled, referred out,
    registered, settled with an oral agreement."""
    def reg(data, when):
        return desk.register(db, rules, data, operator="clerk01", at=when).case_no

    settled = reg(CASE, at(15, 9, 30))
    desk.review(db, rules, settled, operator="clerk01", at=at(15, 9, 40))
    desk.divert(db, rules, settled, operator="clerk01", at=at(15, 9, 45))
    desk.take(db, rules, settled, operator="med_medical", at=at(16))
    desk.settle(db, rules, settled, agreement_form="written", agreement=AGREEMENT,
                operator="med_medical", at=datetime(2020, 7, 3, 15))
    failed = reg({**CASE, "category": "劳动争议", "summary": "欠薪争议（合成示例）"}, at(15, 10))
    desk.review(db, rules, failed, operator="clerk01", at=at(15, 10, 5))
    desk.divert(db, rules, failed, operator="clerk01", at=at(15, 10, 10))
    desk.take(db, rules, failed, operator="med_labor", at=at(16))
    desk.fail(db, rules, failed, routes=["arbitration", "litigation"], operator="med_labor",
              at=at(20), reason="被申请人不同意赔偿数额")
    referred = reg({**CASE, "street": "杜集区"}, at(15, 11))
    desk.review(db, rules, referred, operator="clerk01", at=at(15, 11, 5))
    fresh = reg(CASE, at(15, 12))
    oral = reg(CASE, at(15, 13))
    desk.review(db, rules, oral, operator="clerk01", at=at(15, 13, 5))
    desk.divert(db, rules, oral, operator="clerk01", at=at(15, 13, 10))
    desk.take(db, rules, oral, operator="med_medical", at=at(16))
    desk.settle(db, rules, oral, agreement_form="oral", operator="med_medical", at=at(17))
    return {"settled": settled, "unsettled": failed, "referred_out": referred, "registered": fresh,
            "oral": oral}
