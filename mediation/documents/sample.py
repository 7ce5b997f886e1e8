"""The pages shown in ``docs/documents/``: one synthetic clerk's day, each kind rendered to PNG.

::

    python -m mediation.documents.sample docs/documents

builds the day in a temporary SQLite database with the shipped rules (three
cases: settled with a written agreement, unsettled, referred out), writes
each kind of document at a fixed moment, converts each to PDF (LibreOffice)
and its first page to PNG (poppler's ``pdftoppm``), and records in
``pages.json`` a digest of each page's template and text, by which
``tests/documents/test_pages.py`` knows a page is current. All names and
numbers are synthetic.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from docx import Document

from mediation.desk.moves import divert, fail, review, settle, take
from mediation.desk.registration import register
from mediation.desk.staff import set_up
from mediation.documents.kinds import KINDS
from mediation.documents.write import soffice, template_path, write_document
from mediation.personal import id_check_char
from mediation.rules import load_rules
from mediation.rules.locate import SHIPPED
from mediation.store.database import open_database
from mediation.store.migrate import upgrade

#: When every sample document is written.
WRITTEN_AT = datetime(2020, 10, 9, 10, 0)
MANIFEST = "pages.json"
RESOLUTION = 60  # dots per inch of the PNG pages


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


CASE = {
    "form": "书面", "category": "医疗", "street": "相南街道", "community": "相南社区",
    "summary": "术后并发症赔偿争议（合成示例）", "parties": 3, "amount": "86000",
    "applicants": [{"name": "张甲", "id_number": _id("34060319900101123"), "phone": "13800001234"}],
    "respondents": [{"name": "李乙", "id_number": _id("34060319851231456"), "phone": "13900005678"}],
}
AGREEMENT = {
    "facts": "申请人于二〇二〇年五月在被申请人处行手术后出现并发症，双方就赔偿数额发生争议。"
             "经查，被申请人在术后观察中存在疏漏，对损害后果负主要责任；申请人未遵医嘱复诊，负次要责任。",
    "terms": ["被申请人一次性赔偿申请人医疗费、误工费、护理费等共计人民币壹万贰仟元。",
              "申请人收到上述款项后，不再就本次诊疗向被申请人主张其他权利。",
              "双方对本协议内容保密。"],
    "performance": "被申请人于二〇二〇年七月十日前将上述款项一次性转入申请人指定的银行账户。",
    "amount": "12000",
}


def sample_day(db, rules) -> dict[str, str]:
    """Register and move the sample cases; case numbers by the kinds they are shown for."""
    def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
        return datetime(2020, month, day, hour, minute)

    settled = register(db, rules, CASE, operator="clerk01", at=at(6, 15, 9, 30)).case_no
    review(db, rules, settled, operator="clerk01", at=at(6, 15, 9, 40))
    divert(db, rules, settled, operator="clerk01", at=at(6, 15, 9, 45))
    take(db, rules, settled, operator="med_medical", at=at(6, 16, 9))
    settle(db, rules, settled, agreement_form="written", agreement=AGREEMENT, operator="med_medical",
           at=at(7, 3, 15))
    failed = register(db, rules, {**CASE, "category": "劳动争议", "summary": "拖欠工资争议（合成示例）"},
                      operator="clerk01", at=at(6, 15, 10)).case_no
    review(db, rules, failed, operator="clerk01", at=at(6, 15, 10, 5))
    divert(db, rules, failed, operator="clerk01", at=at(6, 15, 10, 10))
    take(db, rules, failed, operator="med_labor", at=at(6, 16, 9))
    fail(db, rules, failed, routes=["arbitration", "litigation"], operator="med_labor", at=at(6, 24, 9),
         reason="双方对欠薪数额分歧较大")
    referred = register(db, rules, {**CASE, "street": "杜集区", "summary": "邻里漏水纠纷（合成示例）",
                                    "category": "邻里"}, operator="clerk01", at=at(6, 15, 11)).case_no
    review(db, rules, referred, operator="clerk01", at=at(6, 15, 11, 5))
    return {kind: {"rejection": referred, "failure_notice": failed}.get(kind, settled) for kind in KINDS}


def page_text(path: Path) -> str:
    """The visible text of a .docx: its paragraphs, then its tables' cells."""
    doc = Document(str(path))
    lines = [p.text for p in doc.paragraphs]
    lines += [" | ".join(c.text for c in row.cells) for t in doc.tables for row in t.rows]
    return "\n".join(lines)


def page_digest(template: Path, docx: Path) -> str:
    """What a page shows: its template's bytes and the text rendered from it."""
    h = hashlib.sha256(template.read_bytes())
    h.update(page_text(docx).encode("utf-8"))
    return h.hexdigest()


def write_samples(folder: Path, *, pages: bool = True) -> dict[str, str]:
    """The sample documents (.docx) in ``folder``, and with ``pages`` their first pages as PNG;
    returns (and with ``pages`` writes to ``pages.json``) each kind's digest."""
    folder.mkdir(parents=True, exist_ok=True)
    rules = load_rules(SHIPPED)
    digests: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="mediation-sample-") as work:
        db = open_database(f"sqlite:///{work}/sample.db", check=False, create=True)
        try:
            upgrade(db)
            set_up(db, rules)  # the staff, as `mediation init` seeds them
            cases = sample_day(db, rules)
            made = []
            for kind, case_no in cases.items():
                docx = Path(work) / f"{kind}.docx"
                write_document(db, rules, case_no, kind, operator="clerk01", out=docx, at=WRITTEN_AT)
                digests[kind] = page_digest(template_path(rules, kind), docx)
                made.append(docx)
            if pages:
                for pdf in _pdfs(made, Path(work) / "pdf"):
                    _png(pdf, folder / f"{pdf.stem}.png")
        finally:
            db.dispose()
    if pages:
        (folder / MANIFEST).write_text(json.dumps(digests, indent=2) + "\n", encoding="utf-8")
    return digests


def _pdfs(docs: list[Path], outdir: Path) -> list[Path]:
    """Every document converted to PDF by one LibreOffice run (its start-up is most of the time)."""
    profile = (outdir / "profile").as_uri()
    subprocess.run([soffice(), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(outdir), *map(str, docs)], check=True, capture_output=True, timeout=300)
    return [outdir / f"{d.stem}.pdf" for d in docs]


def _png(pdf: Path, target: Path) -> None:
    """The first page of ``pdf`` as a PNG at ``target``."""
    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(RESOLUTION), "-f", "1", "-l", "1", "-singlefile",
                    str(pdf), str(stem)], check=True, capture_output=True, timeout=120)
    shutil.move(str(stem.with_suffix(".png")), target)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/documents")
    for name, digest in write_samples(out).items():
        print(f"{out / (name + '.png')}  {digest[:16]}")
