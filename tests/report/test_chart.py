"""The report chart (mediation.report.chart): a real PNG, and how the CJK font is chosen."""

from __future__ import annotations

import struct
from datetime import date
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="the chart needs matplotlib: pip install matplotlib")

from mediation.report import chart as report_chart  # noqa: E402
from mediation.report.chart import (  # noqa: E402
    DPI,
    FIGSIZE,
    FONT_ENV,
    SHIPPED_FONT,
    FontChoice,
    draw_chart,
    resolve_font,
)
from mediation.report.figures import Report  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def sample_report() -> Report:
    months = [f"2020-{m:02d}" for m in range(1, 13)]
    return Report(start=date(2020, 1, 1), end=date(2020, 12, 31), as_of=date(2021, 1, 1), total=60,
                  months=months, destinations={"room.medical": 24, "window.mediation": 36},
                  by_month={"room.medical": [2] * 12, "window.mediation": [3] * 12})


def test_the_chart_is_a_png_of_the_expected_size(tmp_path, rules):
    out = tmp_path / "chart.png"
    assert draw_chart(sample_report(), rules, out) == []
    assert png_size(out) == (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI)) == (1400, 700)


def test_an_empty_period_still_draws(tmp_path, rules):
    report = Report(start=date(2019, 1, 1), end=date(2019, 12, 31), as_of=date(2020, 1, 1),
                    months=[f"2019-{m:02d}" for m in range(1, 13)])
    out = tmp_path / "empty.svg"
    assert draw_chart(report, rules, out) == []
    assert out.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_the_shipped_subset_has_every_label_of_the_shipped_rules(rules):
    cat = rules.catalogue
    labels = [d.name for d in cat.destinations.values()] + ["2020年各分流去向每月纠纷件数", "件数", "分流去向",
                                                           "12月", "2026年（截至11月27日）"]
    choice = resolve_font(labels, env={}, system_fonts=lambda: pytest.fail("not needed"))
    assert (choice.source, choice.path, choice.missing) == ("shipped", SHIPPED_FONT, frozenset())
    assert SHIPPED_FONT.stat().st_size < 1_000_000
    assert (SHIPPED_FONT.parent / "OFL.txt").read_text(encoding="utf-8").count("SIL OPEN FONT LICENSE") == 1


# ----------------------------------------------------------------------- font resolution, mocked


FONTS = {
    Path("/shipped.otf"): frozenset("医疗调解室窗口件数"),
    Path("/env.otf"): frozenset("医疗调解室窗口件数新"),
    Path("/noto.ttc"): frozenset("医疗调解室窗口件数新奇"),
    Path("/partial.ttf"): frozenset("医疗"),
}


def resolve(texts, *, env=None, system=(), shipped=Path("/shipped.otf")):
    return resolve_font(texts, env=env or {}, shipped=shipped, system_fonts=lambda: list(system),
                        charmap=lambda path: FONTS[path])


@pytest.fixture(autouse=True)
def _files_exist(monkeypatch):
    real = Path.is_file
    monkeypatch.setattr(Path, "is_file", lambda self: self in FONTS or real(self))


def test_the_shipped_subset_when_it_has_every_character():
    assert resolve(["医疗调解室"], system=[Path("/noto.ttc")]).source == "shipped"


def test_the_environment_variable_comes_first():
    choice = resolve(["医疗调解室"], env={FONT_ENV: "/env.otf"})
    assert (choice.source, choice.path) == ("env", Path("/env.otf"))
    missing = resolve(["医疗"], env={FONT_ENV: "/nowhere.otf"})
    assert missing.source == "shipped" and f"{FONT_ENV}=/nowhere.otf is not a font file" in missing.notes[0]


def test_a_system_font_when_the_subset_lacks_a_character():
    choice = resolve(["新奇调解室"], system=[Path("/partial.ttf"), Path("/noto.ttc")])
    assert (choice.source, choice.path, choice.missing) == ("system", Path("/noto.ttc"), frozenset())


def test_no_font_with_every_character_keeps_the_best_and_says_what_is_missing():
    choice = resolve(["新奇调解室", "医疗"], env={FONT_ENV: "/env.otf"}, system=[Path("/partial.ttf")])
    assert (choice.source, choice.missing) == ("env", frozenset("奇"))
    assert choice.can_draw("医疗") and not choice.can_draw("新奇调解室")
    none = resolve(["医疗"], shipped=Path("/absent.otf"))
    assert (none.path, none.source, none.missing) == (None, "none", frozenset("医疗"))


def test_labels_no_font_can_draw_fall_back_to_ids_with_one_warning(tmp_path, rules, monkeypatch):
    monkeypatch.setattr(report_chart, "resolve_font",
                        lambda texts: FontChoice(None, "none", frozenset(ch for t in texts for ch in t
                                                                         if ord(ch) > 0x7E)))
    out = tmp_path / "ids.png"
    warnings = draw_chart(sample_report(), rules, out)
    assert len(warnings) == 1
    assert "2 label(s) (room.medical, window.mediation)" in warnings[0] and f"{FONT_ENV}=" in warnings[0]
    assert png_size(out) == (1400, 700)


def test_an_unwritable_chart_is_one_error(tmp_path, rules):
    from mediation.report.chart import ChartError

    with pytest.raises(ChartError, match="cannot write the chart"):
        draw_chart(sample_report(), rules, tmp_path / "no" / "such" / "dir.png")
