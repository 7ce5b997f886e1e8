"""``mediation case document|documents`` and the agreement's contents at ``case settle``, through the CLI."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from docx import Document

from mediation import desk as library
from tests.cli.test_case import REGISTER, Desk
from tests.documents.day import AGREEMENT, make_day
from tests.support import ROOT

AT = ["--at", "2020-10-09T10:00"]


@pytest.fixture
def day(db, rules):
    return make_day(db, rules)


@pytest.fixture
def desk(db_url, db, day):
    return Desk(db_url)


def test_write_one_list_and_the_reveal_in_the_timeline(desk, day, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    no = day["settled"]
    listed = desk("case", "document", no, "--list").stdout.splitlines()
    assert listed == ["registration  矛盾纠纷受理登记表", "acceptance  受理通知书", "dispatch  分流指派单",
                      "agreement  人民调解协议书", "judicial_confirmation  司法确认申请书"]
    out = desk("case", "document", no, "agreement", *AT).stdout
    assert out == f"{no}  人民调解协议书 (agreement)  → {no}-agreement.docx\n"
    again = desk.json("case", "document", no, "agreement", "--out", "again.docx", *AT)
    assert again["sha256"] == hashlib.sha256((tmp_path / "again.docx").read_bytes()).hexdigest()
    first = hashlib.sha256((tmp_path / f"{no}-agreement.docx").read_bytes()).hexdigest()
    assert again["sha256"] == first  # the same document, the same bytes
    assert desk.json("case", "document", no, "--list")[0] == {"kind": "registration", "title": "矛盾纠纷受理登记表"}
    paragraphs = [p.text for p in Document(str(tmp_path / f"{no}-agreement.docx")).paragraphs]
    assert AGREEMENT["facts"] in paragraphs
    show = desk("case", "show", no).stdout
    assert "查看个人信息" in show and "文书 人民调解协议书" in show
    assert "张甲" not in show  # the timeline names the document; the names stay in it
    view = desk.json("case", "show", no)
    assert view["events"][-1]["details"]["document"] == "agreement"
    settle = next(e for e in view["events"] if e["trigger"] == "settle")
    assert settle["details"]["agreement"] == {"terms": 2, "copies": 4, "masked": True}
    assert AGREEMENT["facts"] not in json.dumps(view, ensure_ascii=False)


def test_refusals_are_one_line_and_exit_2(desk, day, tmp_path, monkeypatch):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    err = desk("case", "document", day["registered"], "acceptance", code=2).stderr
    assert "是 已登记 (registered)：受理通知书 (acceptance) 只给经过 已分流 (diverted) 的案件。" in err
    assert err.endswith(f"下一步: mediation case document {day['registered']} --list\n")
    err = desk("case", "document", day["oral"], "agreement", code=2).stderr
    assert "是以口头协议调解成功的：人民调解协议书 (agreement) 要书面协议" in err
    err = desk("case", "document", day["settled"], "contract", code=2).stderr
    assert "没有这种文书 'contract'：文书是 矛盾纠纷受理登记表 (registration)、" in err
    err = desk("case", "document", day["settled"], code=2).stderr
    assert "请写明哪种文书，或加 --list 看这件案件可出的文书" in err
    err = desk("case", "document", day["settled"], "agreement", operator="med_labor", code=2).stderr
    assert "med_labor（调解员，劳动争议调解室 room.labor）不能查看个人信息" in err
    assert list(here.iterdir()) == []


def hostile_rules(tmp_path: Path, text: str) -> Path:
    rules = tmp_path / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("tests"))
    doc = Document()
    doc.add_paragraph("人民调解协议书 {{ case.case_no }}")
    doc.add_paragraph(text)
    doc.save(str(rules / "templates" / "agreement.docx"))
    return rules


@pytest.mark.parametrize(("text", "said"), [
    ("{{ ''.__class__.__mro__ }}", "template agreement.docx: refused: access to attribute '__class__' of 'str' "
                                   "object is unsafe. (paragraph 2: “{{ ''.__class__.__mro__ }}”)"),
    ("{{ agreement.signature }}", "template agreement.docx: unknown placeholder 'signature' "
                                  "(paragraph 2: “{{ agreement.signature }}”)"),
])
def test_a_hostile_or_broken_template(desk, day, tmp_path, text, said):
    rules = hostile_rules(tmp_path, text)
    out = tmp_path / "a.docx"
    err = desk("case", "document", day["settled"], "agreement", "--rules", str(rules), "--out", str(out),
               code=2).stderr
    assert err == f"mediation: error: {said}\n"
    assert not out.exists()


def test_pdf_without_libreoffice_says_how_to_get_it_and_writes_nothing(desk, day, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tmp_path / "a.docx"
    before = len(library.show(desk_db(desk), day["settled"]).events)
    err = desk("case", "document", day["settled"], "agreement", "--out", str(out), "--pdf", code=1).stderr
    assert "--pdf needs LibreOffice (soffice) on PATH" in err and "apt-get install libreoffice-writer-nogui" in err
    assert not out.exists()
    assert len(library.show(desk_db(desk), day["settled"]).events) == before


def desk_db(desk):
    from mediation.store.database import open_database

    return open_database(desk.url)


@pytest.mark.skipif(not shutil.which("soffice"), reason="--pdf needs LibreOffice (soffice): "
                    "apt-get install libreoffice-writer-nogui")
def test_pdf_with_libreoffice(desk, day, tmp_path):
    out = tmp_path / "协议书.docx"
    line = desk("case", "document", day["settled"], "agreement", "--out", str(out), "--pdf", *AT).stdout
    assert f"+ {out.with_suffix('.pdf')}" in line
    assert out.with_suffix(".pdf").read_bytes()[:5] == b"%PDF-"


def test_a_batch_into_a_folder(desk, day, tmp_path):
    folder = tmp_path / "today"
    result = desk("case", "documents", "acceptance", "--from", "2020-06-15", "--to", "2020-06-15",
                  "--dir", str(folder), *AT)
    written = sorted(p.name for p in folder.iterdir())
    assert written == sorted(f"{day[k]}-acceptance.docx" for k in ("settled", "unsettled", "oral"))
    assert len(result.stdout.splitlines()) == 3
    assert f"mediation: warning: 跳过 {day['registered']}：{day['registered']} 是 已登记 (registered)：" in result.stderr
    assert f"已写 3 份到 {folder}，跳过 2 件，共选中 5 件" in result.stderr
    only = desk("case", "documents", "agreement", "--state", "调解成功", "--destination", "医疗纠纷调解室",
                "--dir", str(tmp_path / "s"), *AT)
    assert only.stdout.count("人民调解协议书") == 1 and "跳过 1 件" in only.stderr  # the oral agreement
    assert "是以口头协议调解成功的：人民调解协议书 (agreement) 要书面协议" in only.stderr
    err = desk("case", "documents", "agreement", "--state", "setled", "--dir", str(tmp_path / "s"), code=2).stderr
    assert "没有这个状态 'setled'（--state）：是 调解成功 (settled) 还是 调解不成 (unsettled)？" in err


# ------------------------------------------------------------------ the agreement's contents at settle


@pytest.fixture
def taken(db_url):
    d = Desk(db_url)
    d("init")
    d(*REGISTER, "--at", "2020-06-15T09:30")
    d("case", "review", "XS-2020-00001", "--at", "2020-06-15T09:40")
    d("case", "divert", "XS-2020-00001", "--at", "2020-06-15T09:45")
    d("case", "take", "XS-2020-00001", "--at", "2020-06-16T09:00", operator="med_medical")
    return d


SETTLE = ["case", "settle", "XS-2020-00001", "--agreement", "书面", "--at", "2020-07-03T15:00"]


def test_a_written_agreement_needs_its_contents(taken):
    err = taken(*SETTLE, "--facts", "事实", operator="med_medical", code=2).stderr
    assert "书面协议要写明内容：缺少 --terms 或 --performance（或用 --from-json 文件）" in err
    err = taken(*SETTLE, "--facts", "事实", "--terms", "条款", "--performance", "\x07", operator="med_medical",
                code=2).stderr
    assert "履行方式（--performance）含有控制字符 (U+0007)" in err
    err = taken(*SETTLE, "--facts", "x" * 2001, "--terms", "条款", "--performance", "付清", operator="med_medical",
                code=2).stderr
    assert "协议的纠纷事实（--facts）最多 2000 字，现有 2001 字" in err
    err = taken(*SETTLE, *sum((["--terms", "t"] for _ in range(1)), []), "--facts", "f", "--performance", "p",
                "--copies", "1", operator="med_medical", code=2).stderr
    assert "协议份数（--copies）须是 2 到 20 的整数，不能是 1" in err
    assert taken.json("case", "show", "XS-2020-00001")["state"] == "in_progress"


def test_settle_with_flags_from_json_and_at_a_terminal(taken, tmp_path, monkeypatch):
    path = tmp_path / "agreement.json"
    path.write_text(json.dumps({**AGREEMENT, "copies": 5}, ensure_ascii=False), encoding="utf-8")
    view = taken.json(*SETTLE, "--from-json", str(path), operator="med_medical")
    assert view["state"] == "settled"
    stored = library.show(desk_db(taken), "XS-2020-00001").events[-1]["details"]["agreement"]
    assert stored == {"facts": AGREEMENT["facts"], "terms": AGREEMENT["terms"],
                      "performance": AGREEMENT["performance"], "copies": 5, "amount": "12000.00"}


def test_settle_prompts_at_a_terminal(taken, monkeypatch):
    import mediation.cli.case.moves as moves

    monkeypatch.setattr(moves, "at_terminal", lambda: True)
    taken(*SETTLE, operator="med_medical", stdin="主要事实\n赔偿一万元\n十日内付清\n")
    stored = library.show(desk_db(taken), "XS-2020-00001").events[-1]["details"]["agreement"]
    assert (stored["facts"], stored["terms"], stored["performance"]) == ("主要事实", ["赔偿一万元"], "十日内付清")
    assert stored["copies"] == 3


def test_an_oral_agreement_needs_no_contents(taken):
    view = taken.json("case", "settle", "XS-2020-00001", "--agreement", "口头", "--at", "2020-07-03T15:00",
                      operator="med_medical")
    assert view["agreement_form"] == "oral" and view["events"][-1]["details"] == {"agreement_form": "oral"}
