"""Issue 12, point 7: the judicial confirmation (司法确认) reminder, 人民调解法 (2010) art. 33.

"自调解协议生效之日起三十日内共同向人民法院申请司法确认": the reminder falls 30 calendar days after
a case is settled with a written agreement (调解协议书, art. 29), and is not given for an oral
agreement (art. 28: recorded by the mediator; art. 30: effective when reached), because the
application submits the agreement itself (法释〔2011〕5号 art. 3), which an oral agreement is not.
Why, with the articles: docs/law.md, section 1.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mediation import desk
from mediation.deadlines import judicial_confirmation_due
from tests.support import AGREEMENT, ROOT


@pytest.fixture
def settle(db, rules):
    def run(form: str):
        data = {"form": "书面", "category": "医疗", "street": "相南街道", "summary": "医疗纠纷（合成示例）"}
        no = desk.register(db, rules, data, operator="clerk01", at=datetime(2020, 6, 15, 9)).case_no
        desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 10))
        desk.divert(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 11))
        desk.take(db, rules, no, operator="med_medical", at=datetime(2020, 6, 16, 9))
        rec = desk.settle(db, rules, no, agreement_form=form, operator="med_medical", at=datetime(2020, 7, 3, 15),
                          agreement=AGREEMENT if form == "written" else None)
        return rec
    return run


def test_a_written_agreement_gets_the_reminder_30_days_after_art_33(settle, rules):
    rec = settle("written")
    assert judicial_confirmation_due(rules, rec.row) == date(2020, 8, 2)
    assert desk.case_view(rec, rules)["judicial_confirmation"] == "2020-08-02"


def test_an_oral_agreement_gets_none_arts_28_30(settle, rules):
    rec = settle("oral")
    assert judicial_confirmation_due(rules, rec.row) is None
    assert "judicial_confirmation" not in desk.case_view(rec, rules)


def test_the_docs_say_why_with_the_articles():
    text = (ROOT / "docs" / "law.md").read_text(encoding="utf-8")
    section = text.split("### Why only a written agreement gets the judicial confirmation reminder", 1)[1]
    section = section.split("\n## ", 1)[0]
    for needle in ("Art. 33", "art. 28", "art. 29", "art. 30", "法释〔2011〕5号", "art. 3", "调解协议书"):
        assert needle in section, needle
