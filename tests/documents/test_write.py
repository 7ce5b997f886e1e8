"""Writing each document: read back with python-docx, every field checked; refusals, reveals, files."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document

from mediation import desk
from mediation.documents import KINDS, TemplateError, allowed_kinds, write_document
from mediation.documents.kinds import kind_of, refusal
from mediation.errors import InputError, PermissionDenied, Refused
from tests.documents.day import AGREEMENT, APPLICANT_ID, RESPONDENT_ID

WHEN = datetime(2020, 10, 9, 10, 0)


def text_of(path: Path) -> str:
    """Every paragraph and table cell of a .docx, one per line."""
    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            lines.append(" | ".join(c.text for c in row.cells))
    return "\n".join(lines)


def cells(path: Path) -> dict[str, str]:
    """The label -> value rows of a document's first table."""
    return {r.cells[0].text: r.cells[1].text for r in Document(str(path)).tables[0].rows}


def write(db, rules, case_no, kind, tmp_path, operator="clerk01", **kw):
    return write_document(db, rules, case_no, kind, operator=operator, out=folder(tmp_path) / f"{kind}.docx",
                          at=WHEN, **kw)


def folder(tmp_path: Path) -> Path:
    """Where the documents go (the SQLite file lives in tmp_path itself)."""
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    return out


def assert_no_placeholders(text: str) -> None:
    assert "{{" not in text and "{%" not in text and "None" not in text


PARTIES_FULL = ["张甲", APPLICANT_ID, "13800001234", "李乙", RESPONDENT_ID, "13900005678", "王丙", "13700009999"]


def test_registration_form(db, rules, day, tmp_path):
    w = write(db, rules, day["registered"], "registration", tmp_path)
    c = cells(w.path)
    assert c["案件编号"] == day["registered"]
    assert c["收到时间"] == "二〇二〇年六月十五日 12:00"
    assert (c["来源渠道"], c["申请事项"], c["纠纷形式"], c["纠纷类型"]) == ("来访", "调解", "书面", "医疗")
    assert c["纠纷发生地"] == "相南街道 相南社区"
    assert c["当事人数"] == "3 人"
    assert c["涉及金额"] == "86,000.00 元（人民币捌万陆仟元整）"
    assert c["申请人"] == f"张甲（身份证号码 {APPLICANT_ID}，电话 13800001234）"
    assert c["被申请人"] == (f"李乙（身份证号码 {RESPONDENT_ID}，电话 13900005678）；"
                          "王丙（身份证号码 —，电话 13700009999）")
    assert c["纠纷概要"] == "术后并发症赔偿争议（合成示例）"
    assert c["特别情形"] == "无"
    assert c["登记人"] == "登记员甲（clerk01）"
    text = text_of(w.path)
    assert "矛盾纠纷受理登记表" in text and f"编号：{day['registered']}" in text
    assert "二〇二〇年十月九日" in text
    assert_no_placeholders(text)


def test_acceptance_notice(db, rules, day, tmp_path):
    w = write(db, rules, day["settled"], "acceptance", tmp_path)
    c = cells(w.path)
    assert c == {"承办场所": "医疗纠纷调解室", "责任部门": "区卫健委（谁主管、谁负责）",
                 "属地单位": "相南街道，相南司法所协办（属地管理）", "调解类型": "人民调解",
                 "承办期限": "二〇二〇年六月十七日前承办", "调解期限": "自承办之日起30日内调结"}
    text = text_of(w.path)
    assert "受理通知书" in text and "张甲：" in text
    assert "你（们）于二〇二〇年六月十五日申请调解的医疗纠纷" in text and "分流至医疗纠纷调解室办理" in text
    assert_no_placeholders(text)


def test_rejection_notice_of_a_referral(db, rules, day, tmp_path):
    text = text_of(write(db, rules, day["referred_out"], "rejection", tmp_path).path)
    assert "移交告知书" in text and "不予受理告知书" not in text
    assert "纠纷发生地不在本区，按属地管理原则移交所在地处理" in text
    assert "已将该纠纷移交杜集区，请你（们）向杜集区反映并申请处理" in text
    assert "依据：属地管理，移交属地（审查规则 outside_district）" in text
    assert_no_placeholders(text)


def test_rejection_notice_of_a_rejection(db, rules, tmp_path):
    no = desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道", "summary": "噪音（合成示例）",
                                   "party_refuses": True, "applicant_name": "赵丁"},
                       operator="clerk01", at=datetime(2020, 6, 15, 9)).case_no
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 9, 5))
    text = text_of(write(db, rules, no, "rejection", tmp_path).path)
    assert "不予受理告知书" in text and "移交告知书" not in text and "赵丁：" in text
    assert "本中心决定不予受理。" in text and "人民调解法第十七条" in text
    assert "审查规则 party_refuses" in text


def test_dispatch_slip(db, rules, day, tmp_path):
    w = write(db, rules, day["settled"], "dispatch", tmp_path)
    c = cells(w.path)
    assert c["案件编号"] == day["settled"]
    assert c["纠纷类型"] == "医疗（书面，调解）"
    assert c["当事人"].startswith(f"申请人 张甲（身份证号码 {APPLICANT_ID}")
    assert c["属地"] == "相南街道，相南司法所"
    assert c["分流依据"].startswith("规则 medical：")
    assert (c["分流时间"], c["承办期限"], c["分流人"]) == ("二〇二〇年六月十五日", "二〇二〇年六月十七日", "登记员甲")
    text = text_of(w.path)
    assert "医疗纠纷调解室（区卫健委）：" in text and "请于二〇二〇年六月十七日前承办" in text


def test_agreement(db, rules, day, tmp_path):
    text = text_of(write(db, rules, day["settled"], "agreement", tmp_path).path)
    lines = text.splitlines()
    assert "人民调解协议书" in lines
    assert f"申请人：张甲，身份证号码：{APPLICANT_ID}，联系电话：13800001234" in lines
    assert f"被申请人：李乙，身份证号码：{RESPONDENT_ID}，联系电话：13900005678" in lines
    assert "被申请人：王丙，身份证号码：—，联系电话：13700009999" in lines
    assert AGREEMENT["facts"] in lines
    assert f"一、{AGREEMENT['terms'][0]}" in lines and f"二、{AGREEMENT['terms'][1]}" in lines
    assert "协议金额：人民币壹万贰仟元整（¥12,000.00）。" in lines
    assert AGREEMENT["performance"] in lines
    assert "一式四份" in text  # three named parties and the committee
    for name in ("张甲", "李乙", "王丙"):
        assert f"当事人（签名、盖章或按指印）：{name} ____________" in lines
    assert "人民调解员（签名）：医调委调解员 ____________" in lines
    assert lines[-1] == "二〇二〇年七月三日"  # the agreement's date, not the day it is printed
    assert "经医疗纠纷调解室主持调解" in text
    assert_no_placeholders(text)


def test_failure_notice(db, rules, day, tmp_path):
    text = text_of(write(db, rules, day["unsettled"], "failure_notice", tmp_path).path)
    lines = text.splitlines()
    assert "调解终止告知书" in lines and "张甲、李乙、王丙：" in lines
    assert any("经劳动争议调解室调解，未能达成协议，本次调解于二〇二〇年六月二十日终止。（被申请人不同意赔偿数额）"
               in line for line in lines)
    assert any("可以依法通过仲裁、诉讼等途径维护自己的权利" in line for line in lines)
    assert [x for x in lines if x in ("一、仲裁", "二、诉讼")] == ["一、仲裁", "二、诉讼"]
    assert "人民调解员：劳动争议调解员" in lines
    assert_no_placeholders(text)


def test_judicial_confirmation(db, rules, day, tmp_path):
    text = text_of(write(db, rules, day["settled"], "judicial_confirmation", tmp_path).path)
    lines = text.splitlines()
    assert "司法确认申请书" in lines
    assert sum(line.startswith("申请人：") for line in lines) == 3
    assert "请求确认申请人于二〇二〇年七月三日经医疗纠纷调解室主持调解达成的人民调解协议" in text
    assert "三十日内（二〇二〇年八月二日前）共同向人民法院申请司法确认" in text
    assert "淮北市相山区人民法院" in lines and lines[-1] == "二〇二〇年十月九日"
    assert_no_placeholders(text)


def test_each_document_is_a_reveal_in_the_timeline(db, rules, day, tmp_path):
    w = write(db, rules, day["settled"], "agreement", tmp_path, operator="med_medical")
    last = desk.show(db, day["settled"]).events[-1]
    assert (last["trigger"], last["operator"], last["at"]) == ("reveal", "med_medical", WHEN)
    assert last["from_state"] == last["to_state"] == "settled"
    assert last["details"] == {"document": "agreement", "sha256": w.sha256}
    assert hashlib.sha256(w.path.read_bytes()).hexdigest() == w.sha256
    assert "人民调解协议书" in last["reason"]
    assert w.record.revealed and w.record.events[-1]["seq"] == last["seq"]


def test_allowed_kinds(db, rules, day):
    assert allowed_kinds(db, day["registered"]) == ["registration"]
    assert allowed_kinds(db, day["settled"]) == ["registration", "acceptance", "dispatch", "agreement",
                                                 "judicial_confirmation"]
    assert allowed_kinds(db, day["unsettled"]) == ["registration", "acceptance", "dispatch", "failure_notice"]
    assert allowed_kinds(db, day["referred_out"]) == ["registration", "rejection"]
    assert allowed_kinds(db, day["oral"]) == ["registration", "acceptance", "dispatch"]


@pytest.mark.parametrize(("case", "kind", "needs"), [
    ("registered", "acceptance", "is 已登记 (registered): the acceptance document needs a case that has been diverted"),
    ("registered", "agreement", "needs a case settled with a written agreement"),
    ("settled", "rejection", "needs a case rejected (不予受理) or referred out"),
    ("oral", "agreement", "was settled with an oral agreement"),
    ("settled", "failure_notice", "needs a case whose mediation failed"),
])
def test_a_refused_kind_is_one_line_and_writes_nothing(db, rules, day, tmp_path, case, kind, needs):
    before = len(desk.show(db, day[case]).events)
    with pytest.raises(Refused) as exc:
        write(db, rules, day[case], kind, tmp_path)
    assert needs in str(exc.value) and "\n" not in str(exc.value)
    assert exc.value.exit_code == 2
    assert list(folder(tmp_path).iterdir()) == []
    assert len(desk.show(db, day[case]).events) == before


def test_an_agreement_settled_without_its_contents_is_refused():
    row = {"case_no": "XS-2020-00009", "state": "settled", "agreement_form": "written"}
    events = [{"trigger": "settle", "to_state": "settled", "details": {"agreement_form": "written"}}]
    why = refusal(kind_of("agreement"), row, events)
    assert why == ("XS-2020-00009 was settled without the agreement's contents recorded: the agreement "
                   "document needs them (case settle --facts --terms --performance)")


def test_unknown_kind(db, rules, day, tmp_path):
    with pytest.raises(Refused, match="unknown document kind 'contract': the kinds are registration, "):
        write(db, rules, day["settled"], "contract", tmp_path)


def test_the_reveal_permission_of_the_roles(db, rules, day, tmp_path):
    with pytest.raises(PermissionDenied, match="med_labor .* may not reveal"):
        write(db, rules, day["settled"], "agreement", tmp_path, operator="med_labor")
    with pytest.raises(InputError, match="needs an operator"):
        write(db, rules, day["settled"], "agreement", tmp_path, operator=None)
    assert list(folder(tmp_path).iterdir()) == []


def test_never_replaces_a_non_regular_file(db, rules, day, tmp_path):
    (folder(tmp_path) / "agreement.docx").mkdir()
    with pytest.raises(Refused, match="is a folder: a document replaces only a regular file"):
        write(db, rules, day["settled"], "agreement", tmp_path)
    target = tmp_path / "elsewhere.docx"
    target.write_bytes(b"keep")
    link = tmp_path / "link.docx"
    link.symlink_to(target)
    with pytest.raises(Refused, match="is a link"):
        write_document(db, rules, day["settled"], "agreement", operator="clerk01", out=link, at=WHEN)
    assert target.read_bytes() == b"keep"
    before = len(desk.show(db, day["settled"]).events)
    assert before == len(desk.show(db, day["settled"]).events)


def test_replaces_a_regular_file_atomically_leaving_no_temporary_file(db, rules, day, tmp_path):
    out = folder(tmp_path) / "agreement.docx"
    out.write_bytes(b"old")
    w = write(db, rules, day["settled"], "agreement", tmp_path)
    assert out.read_bytes()[:2] == b"PK" and os.listdir(out.parent) == ["agreement.docx"]
    assert w.path == out


def test_a_failed_render_leaves_no_file_and_no_event(db, rules, day, tmp_path, monkeypatch):
    import mediation.documents.write as write_module

    def broken(path, context):
        raise TemplateError("template agreement.docx: unknown placeholder 'x'")

    monkeypatch.setattr(write_module, "render_template", broken)
    before = len(desk.show(db, day["settled"]).events)
    with pytest.raises(TemplateError):
        write(db, rules, day["settled"], "agreement", tmp_path)
    assert list(folder(tmp_path).iterdir()) == [] and len(desk.show(db, day["settled"]).events) == before


def test_every_kind_has_a_shipped_template(rules):
    from mediation.documents import template_path

    for kind in KINDS:
        assert template_path(rules, kind).is_file()


def test_a_case_without_named_parties(db, rules, tmp_path):
    no = desk.register(db, rules, {"form": "口头", "category": "邻里", "street": "东街道", "summary": "噪音（合成示例）",
                                   "party_refuses": True}, operator="clerk01", at=datetime(2020, 6, 15, 9)).case_no
    desk.review(db, rules, no, operator="clerk01", at=datetime(2020, 6, 15, 9, 5))
    text = text_of(write(db, rules, no, "rejection", tmp_path).path)
    assert "申请人：" in text.splitlines()
    c = cells(write(db, rules, no, "registration", tmp_path).path)
    assert (c["申请人"], c["被申请人"]) == ("—", "—")


def test_a_batch_writes_each_allowed_case_reports_progress_and_skips_the_rest(db, rules, day, tmp_path):
    from mediation.documents import select_cases, write_documents

    numbers = select_cases(db, received_from=datetime(2020, 6, 15).date(), received_to=datetime(2020, 6, 15).date())
    assert numbers == sorted(day.values())
    seen: list[str] = []
    batch = write_documents(db, rules, "agreement", numbers, folder(tmp_path), operator="clerk01", at=WHEN,
                            progress=seen.append)
    assert seen == numbers
    assert [w.case_no for w in batch.written] == [day["settled"]]
    assert [s.case_no for s in batch.skipped] == sorted(n for k, n in day.items() if k != "settled")
    assert [p.name for p in folder(tmp_path).iterdir()] == [f"{day['settled']}-agreement.docx"]
    assert select_cases(db, state="settled") == sorted([day["settled"], day["oral"]])
