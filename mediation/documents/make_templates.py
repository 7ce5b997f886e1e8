"""Write the shipped document templates, ``rules/templates/*.docx`` (python-docx).

The templates are what the centre edits in Word or WPS (letterhead, wording);
this script is how the shipped ones were made, so that they can be made again
the same way::

    python -m mediation.documents.make_templates rules/templates

Each placeholder sits in one run (docxtpl needs a tag whole in one run); the
placeholders are the names of :mod:`mediation.documents.context`. The files
are written deterministically (fixed core properties and zip times), so running the script
again on an unchanged version gives the same documents.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from mediation.documents.render import fixed_zip_times

CENTRE = "淮北市相山区多元化解纠纷调解中心"
COURT = "淮北市相山区人民法院"
SONG, HEI = "宋体", "黑体"

APPLICANTS = "{{ applicant_names }}"
PARTY_NAMES = "{{ party_names }}"


def _person(p: str) -> str:
    return (f"{{{{ {p}.name }}}}，身份证号码：{{{{ {p}.id_number or '—' }}}}，"
            f"联系电话：{{{{ {p}.phone or '—' }}}}")


def _people(items: str) -> str:
    """Every party of ``items`` on one line, in one run."""
    return (f"{{% for p in {items} %}}{{{{ p.name }}}}（身份证号码 {{{{ p.id_number or '—' }}}}，"
            f"电话 {{{{ p.phone or '—' }}}}）{{% if not loop.last %}}；{{% endif %}}{{% else %}}—{{% endfor %}}")


class Page:
    """One document being written: a title, paragraphs, tables, a date line."""

    def __init__(self) -> None:
        self.doc = Document()
        section = self.doc.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21.0)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.6)
        style = self.doc.styles["Normal"]
        style.font.name = SONG
        style.font.size = Pt(12)
        style.element.rPr.rFonts.set(qn("w:eastAsia"), SONG)
        props = self.doc.core_properties
        props.author = props.last_modified_by = "mediation"
        props.created = props.modified = datetime(2026, 11, 29)
        props.revision = 1

    def para(self, text: str = "", *, bold: bool = False, size: float | None = None,
             align: str = "left", font: str = SONG, indent: bool = False, space: float = 4):
        p = self.doc.add_paragraph()
        p.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                       "right": WD_ALIGN_PARAGRAPH.RIGHT, "justify": WD_ALIGN_PARAGRAPH.JUSTIFY}[align]
        p.paragraph_format.space_after = Pt(space)
        if indent:
            p.paragraph_format.first_line_indent = Pt(24)
        if text:
            run = p.add_run(text)
            run.bold = bold
            run.font.name = font
            run.element.rPr.rFonts.set(qn("w:eastAsia"), font)
            if size:
                run.font.size = Pt(size)
        return p

    def head(self, title: str, number: bool = True) -> None:
        self.para(CENTRE, size=14, align="center", font=HEI, space=2)
        self.para(title, bold=True, size=20, align="center", font=HEI, space=10)
        if number:
            self.para("编号：{{ case.case_no }}", align="right", size=11)

    def table(self, rows: Iterable[tuple[str, str]]) -> None:
        rows = list(rows)
        t = self.doc.add_table(rows=len(rows), cols=2)
        t.style = "Table Grid"
        t.alignment = WD_TABLE_ALIGNMENT.CENTER
        t.autofit = False
        t.columns[0].width, t.columns[1].width = Cm(3.6), Cm(12.2)  # the grid LibreOffice reads
        for row, (label, value) in zip(t.rows, rows, strict=True):
            row.cells[0].width, row.cells[1].width = Cm(3.6), Cm(12.2)
            row.cells[0].paragraphs[0].add_run(label).bold = True
            row.cells[1].paragraphs[0].add_run(value)
        self.para(space=2)

    def signed(self, *lines: str) -> None:
        self.para(space=12)
        for line in lines:
            self.para(line, align="right")
        self.para("{{ document.date }}", align="right")

    def save(self, path: Path) -> None:
        out = io.BytesIO()
        self.doc.save(out)
        path.write_bytes(fixed_zip_times(out.getvalue()))


def registration() -> Page:
    page = Page()
    page.head("矛盾纠纷受理登记表")
    page.table([
        ("案件编号", "{{ case.case_no }}"),
        ("收到时间", "{{ case.received_date }} {{ case.received_time }}"),
        ("来源渠道", "{{ case.channel }}{% if case.referred_by %}（{{ case.referred_by }}委托移送）{% endif %}"),
        ("申请事项", "{{ case.request }}"),
        ("纠纷形式", "{{ case.form }}"),
        ("纠纷类型", "{{ case.category }}"),
        ("纠纷发生地", "{{ case.street }}{% if case.community %} {{ case.community }}{% endif %}"),
        ("当事人数", "{{ case.parties }} 人"),
        ("涉及金额", "{{ case.amount.figures }} 元（{{ case.amount.capitals }}）"),
        ("申请人", _people("applicants")),
        ("被申请人", _people("respondents")),
        ("纠纷概要", "{{ case.summary }}"),
        ("特别情形", "{{ case.flags or '无' }}"),
        ("登记人", "{{ clerk.name }}（{{ clerk.id }}）"),
    ])
    page.para("以上登记内容属实。", indent=True)
    page.signed("申请人（签名）：____________", "登记人（签名）：____________")
    return page


def acceptance() -> Page:
    page = Page()
    page.head("受理通知书")
    page.para(f"{APPLICANTS}：")
    page.para("你（们）于{{ case.received_date }}申请调解的{{ case.category }}纠纷，经审查，"
              "符合受理条件，本中心决定予以受理，并分流至{{ decision.destination }}办理。", indent=True)
    page.table([
        ("承办场所", "{{ decision.destination }}"),
        ("责任部门", "{{ decision.department }}（谁主管、谁负责）"),
        ("属地单位", "{{ decision.unit }}{% if decision.judicial_office %}，{{ decision.judicial_office }}协办{% endif %}（属地管理）"),
        ("调解类型", "{{ decision.mediation_type }}"),
        ("承办期限", "{{ decision.take_up_by }}前承办"),
        ("调解期限", "{{ decision.mediation_limit }}"),
    ])
    page.para("请保持联系方式畅通，按通知参加调解。调解遵循自愿、平等原则，当事人可以要求终止调解。",
              indent=True)
    page.signed(f"{CENTRE}（盖章）")
    return page


def rejection() -> Page:
    page = Page()
    page.para(CENTRE, size=14, align="center", font=HEI, space=2)
    page.para("{% if review.outcome == 'referred_out' %}移交告知书{% else %}不予受理告知书{% endif %}",
              bold=True, size=20, align="center", font=HEI, space=10)
    page.para("编号：{{ case.case_no }}", align="right", size=11)
    page.para(f"{APPLICANTS}：")
    page.para("你（们）于{{ case.received_date }}申请调解的{{ case.category }}纠纷，经审查，"
              "{{ review.reason }}。", indent=True)
    page.para("{% if review.outcome == 'referred_out' %}根据属地管理、谁主管谁负责的原则，本中心不予受理，"
              "已将该纠纷移交{{ review.to }}，请你（们）向{{ review.to }}反映并申请处理。"
              "{% else %}本中心决定不予受理。{% endif %}", indent=True)
    page.para("依据：{{ review.label }}（审查规则 {{ review.rule }}）；《中华人民共和国人民调解法》。",
              indent=True)
    page.signed(f"{CENTRE}（盖章）")
    return page


def dispatch() -> Page:
    page = Page()
    page.head("分流指派单")
    page.para("{{ decision.destination }}（{{ decision.department }}）：")
    page.para("现将下列纠纷分流至你处办理，请于{{ decision.take_up_by }}前承办。", indent=True)
    page.table([
        ("案件编号", "{{ case.case_no }}"),
        ("纠纷类型", "{{ case.category }}（{{ case.form }}，{{ case.request }}）"),
        ("当事人", f"申请人 {_people('applicants')}；被申请人 {_people('respondents')}"),
        ("纠纷概要", "{{ case.summary }}"),
        ("涉及金额", "{{ case.amount.figures }} 元（{{ case.amount.capitals }}）"),
        ("属地", "{{ decision.unit }}{% if decision.judicial_office %}，{{ decision.judicial_office }}{% endif %}"),
        ("分流依据", "规则 {{ decision.rule }}：{{ decision.rule_label }}"),
        ("调解类型", "{{ decision.mediation_type }}"),
        ("分流时间", "{{ decision.date }}"),
        ("承办期限", "{{ decision.take_up_by }}"),
        ("分流人", "{{ decision.operator }}"),
    ])
    page.signed(f"{CENTRE}（盖章）")
    return page


def agreement() -> Page:
    page = Page()
    page.head("人民调解协议书")
    page.para("当事人", bold=True)
    page.para("{%p for p in applicants %}")
    page.para("申请人：" + _person("p"))
    page.para("{%p endfor %}")
    page.para("{%p for p in respondents %}")
    page.para("被申请人：" + _person("p"))
    page.para("{%p endfor %}")
    page.para("纠纷主要事实、争议事项及各方责任", bold=True)
    page.para("{{ agreement.facts }}", indent=True)
    page.para("经{{ decision.destination }}主持调解，当事人自愿达成如下协议", bold=True)
    page.para("{%p for t in agreement.terms %}")
    page.para("{{ t.number }}、{{ t.text }}", indent=True)
    page.para("{%p endfor %}")
    page.para("{%p if agreement.amount %}")
    page.para("协议金额：{{ agreement.amount.capitals }}（¥{{ agreement.amount.figures }}）。", indent=True)
    page.para("{%p endif %}")
    page.para("履行方式、时限", bold=True)
    page.para("{{ agreement.performance }}", indent=True)
    page.para("本协议书自各方当事人签名、盖章或者按指印，人民调解员签名并加盖人民调解委员会印章之日起生效。"
              "本协议书一式{{ agreement.copies_cn }}份，当事人各执一份，人民调解委员会留存一份。", indent=True)
    page.para(space=8)
    page.para("{%p for p in parties %}")
    page.para("当事人（签名、盖章或按指印）：{{ p.name }} ____________")
    page.para("{%p endfor %}")
    page.para("人民调解员（签名）：{{ mediator.name }} ____________")
    page.para("人民调解委员会（印章）", align="right")
    page.para("{{ agreement.date }}", align="right")
    return page


def failure_notice() -> Page:
    page = Page()
    page.head("调解终止告知书")
    page.para(f"{PARTY_NAMES}：")
    page.para("你（们）之间的{{ case.category }}纠纷，经{{ decision.destination }}调解，未能达成协议，"
              "本次调解于{{ failure.date }}终止。{% if failure.reason %}（{{ failure.reason }}）{% endif %}",
              indent=True)
    page.para("根据《中华人民共和国人民调解法》第二十六条，你（们）可以依法通过"
              "{{ failure.routes_text }}等途径维护自己的权利：", indent=True)
    page.para("{%p for r in failure.routes %}")
    page.para("{{ r.number }}、{{ r.name }}", indent=True)
    page.para("{%p endfor %}")
    page.signed("人民调解员：{{ mediator.name }}", f"{CENTRE}（盖章）")
    return page


def judicial_confirmation() -> Page:
    page = Page()
    page.head("司法确认申请书")
    page.para("{%p for p in applicants %}")
    page.para("申请人：" + _person("p"))
    page.para("{%p endfor %}")
    page.para("{%p for p in respondents %}")
    page.para("申请人：" + _person("p"))
    page.para("{%p endfor %}")
    page.para("请求事项", bold=True)
    page.para("请求确认申请人于{{ agreement.date }}经{{ decision.destination }}主持调解达成的人民调解协议"
              "（案件编号 {{ case.case_no }}）有效。", indent=True)
    page.para("事实和理由", bold=True)
    page.para("申请人之间的{{ case.category }}纠纷经人民调解委员会调解，于{{ agreement.date }}"
              "达成调解协议。依据《中华人民共和国人民调解法》第三十三条，申请人自调解协议生效之日起"
              "三十日内（{{ confirmation.due }}前）共同向人民法院申请司法确认。", indent=True)
    page.para("申请人承诺：出于解决纠纷的目的自愿达成协议，没有恶意串通、规避法律的行为；"
              "如因虚假陈述导致损害的，愿承担相应的法律责任。", indent=True)
    page.para("此致")
    page.para(COURT)
    page.para(space=8)
    page.para("{%p for p in parties %}")
    page.para("申请人（签名）：{{ p.name }} ____________")
    page.para("{%p endfor %}")
    page.para("{{ document.date }}", align="right")
    return page


#: kind -> the function that lays out its template.
TEMPLATES = {
    "registration": registration, "acceptance": acceptance, "rejection": rejection,
    "dispatch": dispatch, "agreement": agreement, "failure_notice": failure_notice,
    "judicial_confirmation": judicial_confirmation,
}


def write_templates(folder: Path) -> list[Path]:
    """Write every shipped template into ``folder``; the paths written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, layout in TEMPLATES.items():
        path = folder / f"{kind}.docx"
        layout().save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_templates(Path(sys.argv[1] if len(sys.argv) > 1 else "rules/templates")):
        print(written_path)
