"""Normalisation of Chinese text input."""

from __future__ import annotations

from pathlib import Path

from mediation.text import normalize_label, normalize_text, spreadsheet_cell, strip_pinyin

SEED = Path("/work/shared/seed")


def test_traditional_to_simplified():
    assert normalize_text("醫療糾紛調解室") == "医疗纠纷调解室"


def test_pinyin_annotations_are_removed():
    assert strip_pinyin("我區(qū)法治政府建設(shè)") == "我區法治政府建設"
    assert normalize_text("物業(yè)糾紛") == "物业纠纷"
    assert normalize_text("區(qu1)") == "区"


def test_parentheses_that_are_not_pinyin_stay():
    assert normalize_text("《綱要(2015-2020)》") == "《纲要(2015-2020)》"
    assert normalize_text("附件(a)") == "附件(a)"
    assert normalize_text("A(qu)") == "A(qu)"  # not after a character


def test_full_width_forms():
    assert normalize_label("ＲＯＯＭ．ｍｅｄｉｃａｌ") == "room.medical"
    assert normalize_text("（合成）１２３４５") == "(合成)12345"


def test_labels_lose_spaces_and_case():
    assert normalize_label("  相南 街道 ") == "相南街道"
    assert normalize_label("Room.Medical") == "room.medical"


def test_the_seed_document_normalises():
    files = list(SEED.glob("*.txt")) if SEED.exists() else []
    if not files:
        return
    text = normalize_text(files[0].read_text(encoding="utf-8"))
    assert "多元化解纠纷调解中心" in text
    assert "共调处矛盾纠纷1847件,其中口头纠纷1292件,书面纠纷555件" in text
    assert "(qū)" not in text and "(yè)" not in text


def test_spreadsheet_cells_never_run_as_formulas():
    for cell in ("=cmd|'/c calc'!A1", '=HYPERLINK("http://example.invalid","x")', "+1+1", "-1+2", "@SUM(A1)",
                 "\tx", "\rx", "-", "=1"):
        assert spreadsheet_cell(cell) == "'" + cell
    for cell in ("-5", "+1.5", "12.5%", "1e3", "", "纠纷", "a=b", 7, 2.5, None):
        assert spreadsheet_cell(cell) == cell
