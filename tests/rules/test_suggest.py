"""Issue 13, point 4: suggestions by pinyin, homophone and everyday word, and never one that
would record a different fact."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from mediation.rules.suggest import typed_pinyin

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("kind", "typed", "meant"), [
    ("category", "yiliao", "'medical' (医疗)"),           # pinyin, input method off
    ("category", "YiLiao", "'medical' (医疗)"),
    ("category", "yī liáo", "'medical' (医疗)"),
    ("category", "hunyin", "'marriage_family' (婚姻家庭)"),  # the pinyin of an alias (婚姻)
    ("category", "linli", "'neighbor' (邻里)"),
    ("category", "hyjt", "'marriage_family' (婚姻家庭)"),    # initials
    ("category", "jiaotong", "'traffic' (道路交通事故)"),     # the start of a name's pinyin
    ("category", "医僚", "'medical' (医疗)"),               # a homophone, input method on
    ("form", "口投", "'oral' (口头)"),
    ("destination", "yiliao", "'room.medical' (医疗纠纷调解室)"),
    ("category", "labour", "'labor' (劳动争议)"),            # an id misspelt
])
def test_a_near_miss_is_suggested(rules, kind, typed, meant):
    assert rules.catalogue.hint(kind, typed) == f"did you mean {meant}?"


def test_yiliao_no_longer_suggests_labor(rules):
    assert "labor" not in rules.catalogue.hint("category", "yiliao")


def test_a_word_of_another_field_says_which_field(rules):
    hint = rules.catalogue.hint("form", "电话")
    assert hint == ("'电话' names the channel 'phone' (来电), not a form; "
                    "form is one of 'oral' (口头), 'written' (书面)")


def test_an_open_case_is_never_suggested_settled(rules):
    # 调解中 shares 调解 with 调解成功 (settled) and 调解不成 (unsettled): both would record a fact
    # that did not happen
    hint = rules.catalogue.hint("outcome", "调解中")
    assert hint.startswith("'调解中' names the state 'in_progress' (调解中), not an outcome; "
                           "a case still open has no outcome yet: leave it empty")
    assert "did you mean" not in hint


@pytest.mark.parametrize(("kind", "typed"), [("outcome", "进行中"), ("category", "调解"), ("category", "xyz")])
def test_shared_characters_are_no_suggestion(rules, kind, typed):
    assert "did you mean" not in (rules.catalogue.hint(kind, typed) or "")


def test_what_counts_as_typed_pinyin():
    assert typed_pinyin("Yi-liao2") == "yiliao"
    assert typed_pinyin("口投") == "koutou"
    assert typed_pinyin("room.medical") is None
    assert typed_pinyin("医疗x") is None


def test_a_label_that_resolves_does_not_import_pypinyin():
    code = ("import sys; from mediation.rules import load_rules; from mediation.cases import parse_case; "
            "r = load_rules('rules'); parse_case({'form': '口头', 'category': '医疗', 'street': '东街道', "
            "'summary': 'x'}, r); print('pypinyin' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == "False"
