"""The sandbox: a template reads the context and nothing else; each mistake is one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from mediation.documents.render import TemplateError, render_template

CONTEXT = {"case": {"case_no": "XS-2020-00001", "summary": "a < b & c"}, "applicants": [{"name": "张甲"}]}


def template(tmp_path: Path, *paragraphs: str, name: str = "agreement.docx") -> Path:
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    path = tmp_path / name
    doc.save(str(path))
    return path


def rendered_text(data: bytes, tmp_path: Path) -> list[str]:
    out = tmp_path / "out.docx"
    out.write_bytes(data)
    return [p.text for p in Document(str(out)).paragraphs]


def test_renders_fields_escaped_and_paragraph_loops(tmp_path):
    path = template(tmp_path, "编号：{{ case.case_no }}", "{{ case.summary }}", "{%p for p in applicants %}",
                    "申请人：{{ p.name }}", "{%p endfor %}", "{{ '2020-10-09' | cn_date }}",
                    "{{ 12000 | capitals }}")
    assert rendered_text(render_template(path, CONTEXT), tmp_path) == [
        "编号：XS-2020-00001", "a < b & c", "申请人：张甲", "二〇二〇年十月九日", "人民币壹万贰仟元整"]


@pytest.mark.parametrize(("paragraph", "message"), [
    ("{{ ''.__class__.__mro__ }}",
     "template agreement.docx: refused: access to attribute '__class__' of 'str' object is unsafe. "
     "(paragraph 2: “{{ ''.__class__.__mro__ }}”)"),
    ("{{ case.__class__.__init__.__globals__ }}",
     "template agreement.docx: refused: access to attribute '__init__' of 'StrictUndefined' object is unsafe. "
     "(paragraph 2: “{{ case.__class__.__init__.__globals__ }}”)"),
    ("{{ 'x' * 1000000000 }}", "template agreement.docx: refused: a text or list longer than 100,000 is not "
                               "allowed in a template"),
    ("{{ 9 ** 9 ** 9 }}", "template agreement.docx: refused: the power operator (**) is not allowed in a template"),
    ("{{ nosuch }}", "template agreement.docx: unknown placeholder 'nosuch' (paragraph 2: “{{ nosuch }}”)"),
    ("见 {{ case.nosuch }} 处", "template agreement.docx: unknown placeholder 'nosuch' "
                              "(paragraph 2: “见 {{ case.nosuch }} 处”)"),
    ("{{ case.case_no }", "template agreement.docx: syntax error: unexpected '}' "
                          "(paragraph 2: “{{ case.case_no }”)"),
    ("{% if %}x{% endif %}", "template agreement.docx: syntax error: Expected an expression, got 'end of "
                             "statement block' (paragraph 2: “{% if %}x{% endif %}”)"),
])
def test_a_hostile_or_broken_template_is_one_line_naming_the_template_the_placeholder_and_where(
        tmp_path, paragraph, message):
    path = template(tmp_path, "编号：{{ case.case_no }}", paragraph)
    with pytest.raises(TemplateError) as exc:
        render_template(path, CONTEXT)
    assert str(exc.value) == message
    assert exc.value.exit_code == 2


def test_a_placeholder_in_a_table_cell_is_found_there(tmp_path):
    doc = Document()
    doc.add_paragraph("{{ case.case_no }}")
    table = doc.add_table(rows=1, cols=2)
    table.rows[0].cells[1].text = "{{ case.missing }}"
    path = tmp_path / "registration.docx"
    doc.save(str(path))
    with pytest.raises(TemplateError, match=r"unknown placeholder 'missing' \(table 1 row 1 cell 2: "):
        render_template(path, CONTEXT)


def test_not_a_docx_and_a_missing_template(tmp_path):
    bad = tmp_path / "agreement.docx"
    bad.write_text("not a zip")
    with pytest.raises(TemplateError, match=r"^template agreement.docx: not a .docx file$"):
        render_template(bad, CONTEXT)
    with pytest.raises(TemplateError, match="not found"):
        render_template(tmp_path / "none.docx", CONTEXT)
