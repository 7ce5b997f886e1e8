"""The report's chart: cases per destination and month, as a stacked bar chart (PNG or SVG).

matplotlib is optional (``pip install matplotlib``; in a checkout, the ``chart`` extra); this
module imports it only inside :func:`draw_chart`, and :func:`require_matplotlib`
turns its absence into one clear error.

Chinese text needs a font with CJK glyphs, and many machines have none. The
package ships a small subset of Noto Sans CJK SC (``mediation/fonts``, SIL
Open Font License) holding every character of the shipped rule files. The
font is chosen in this order (:func:`resolve_font`):

1. ``$MEDIATION_CJK_FONT`` (a .otf/.ttf/.ttc file), if set;
2. the shipped subset;
3. an installed CJK font found by matplotlib's font manager (Noto Sans CJK,
   Source Han Sans, WenQuanYi, SimHei, Microsoft YaHei, PingFang).

The first that has every character of the chart's labels is used. If none
has them all (say, a local rule set names a room with characters the subset
lacks, and no CJK font is installed), the one that covers most is used and
each label it cannot draw is shown by its id (``room.medical``) instead of
empty boxes, with one warning saying how to fix it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mediation.errors import InputError, MediationError
from mediation.report.render import period_text

FONT_ENV = "MEDIATION_CJK_FONT"
SHIPPED_FONT = Path(__file__).resolve().parent / "fonts" / "MediationCJK-Regular.otf"
#: Installed families tried, in order (a name matches a family that starts with it).
SYSTEM_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                   "Noto Sans CJK", "Source Han Sans", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei",
                   "SimHei", "Microsoft YaHei", "PingFang SC", "PingFang")
CHART_SUFFIXES = (".png", ".svg")
#: Size of the chart in inches at DPI dots per inch: 1400 x 700 pixels.
FIGSIZE = (14.0, 7.0)
DPI = 100
#: Not ``pip install 'mediation[chart]'``: outside this checkout that installs whatever the
#: package index calls "mediation".
EXTRA_HINT = "pip install matplotlib"


class ChartError(MediationError):
    """The chart cannot be drawn (matplotlib missing, file not writable)."""


def require_matplotlib():
    """The matplotlib module, or :class:`ChartError` naming the extra to install."""
    try:
        import matplotlib
    except ImportError:
        raise ChartError(f"--chart needs matplotlib, which is not installed: {EXTRA_HINT}") from None
    return matplotlib


def check_chart_path(path: Path) -> None:
    """Refuse, before any work, a chart file of another kind or in a missing directory."""
    if path.suffix.lower() not in CHART_SUFFIXES:
        raise InputError(f"--chart {path}: the chart is written as PNG or SVG: name a .png or .svg file")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise InputError(f"--chart {path}: no directory {parent}")


# --------------------------------------------------------------------- fonts


@dataclass(frozen=True)
class FontChoice:
    """The font for the chart's text: ``path`` (None: no CJK font at all), where it came
    from (``env``, ``shipped``, ``system``, ``none``), and the characters it lacks."""

    path: Path | None
    source: str
    missing: frozenset[str] = frozenset()
    notes: tuple[str, ...] = field(default=())

    def can_draw(self, text: str) -> bool:
        return not any(ch in self.missing for ch in text)


def _needed(texts: Iterable[str]) -> frozenset[str]:
    return frozenset(ch for t in texts for ch in t if ord(ch) > 0x7E)


def charmap_of(path: Path) -> frozenset[str]:
    """The characters a font file has glyphs for (via matplotlib's FreeType wrapper)."""
    from matplotlib.ft2font import FT2Font

    return frozenset(chr(code) for code in FT2Font(str(path)).get_charmap())


def system_cjk_fonts() -> list[Path]:
    """Installed font files of the families in :data:`SYSTEM_FAMILIES`, in that order."""
    from matplotlib import font_manager

    entries = font_manager.fontManager.ttflist
    found: list[Path] = []
    for family in SYSTEM_FAMILIES:
        for entry in entries:
            if entry.name.lower().startswith(family.lower()) and Path(entry.fname) not in found:
                found.append(Path(entry.fname))
    return found


def resolve_font(texts: Iterable[str], *, env: dict | None = None, shipped: Path = SHIPPED_FONT,
                 system_fonts: Callable[[], list[Path]] = system_cjk_fonts,
                 charmap: Callable[[Path], frozenset[str]] = charmap_of) -> FontChoice:
    """The font that can draw ``texts`` (see the module docstring for the order)."""
    env = os.environ if env is None else env
    needed = _needed(texts)
    notes: list[str] = []
    candidates: list[tuple[str, Path]] = []
    given = env.get(FONT_ENV)
    if given:
        if Path(given).is_file():
            candidates.append(("env", Path(given)))
        else:
            notes.append(f"{FONT_ENV}={given} is not a font file; ignored")
    if shipped.is_file():
        candidates.append(("shipped", shipped))
    best: FontChoice | None = None

    def consider(source: str, path: Path) -> FontChoice | None:
        nonlocal best
        try:
            missing = needed - charmap(path)
        except (OSError, RuntimeError, ValueError) as exc:
            notes.append(f"cannot read the font {path}: {exc}")
            return None
        choice = FontChoice(path, source, frozenset(missing), tuple(notes))
        if best is None or len(missing) < len(best.missing):
            best = choice
        return choice if not missing else None

    for source, path in candidates:
        if (done := consider(source, path)) is not None:
            return done
    if needed:  # only then is it worth asking the font manager
        for path in system_fonts():
            if (done := consider("system", path)) is not None:
                return done
    if best is not None:
        return FontChoice(best.path, best.source, best.missing, tuple(notes))
    return FontChoice(None, "none", needed, tuple(notes))


# --------------------------------------------------------------------- drawing


def draw_chart(report, rules, path: Path) -> list[str]:
    """Draw ``report.by_month`` as stacked bars (one colour per destination) into ``path``.

    Returns warnings to show (at most one about fonts). Raises :class:`ChartError`
    if matplotlib is missing or the file cannot be written.
    """
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties


    label = rules.catalogue.label
    dests = list(report.by_month)
    names = {d: label("destination", d) for d in dests}
    months = [_month_label(m, single_year=len({m[:4] for m in report.months}) == 1) for m in report.months]
    title = f"{period_text(report)}各分流去向每月纠纷件数"
    words = ["件数", "分流去向", "无分流案件"]
    choice = resolve_font([*names.values(), *months, title, *words])
    warnings = list(choice.notes[:1])
    fallback = [d for d in dests if not choice.can_draw(names[d])]
    if fallback:
        warnings.append(
            f"no font has the Chinese characters of {len(fallback)} label(s) ({', '.join(fallback[:3])}"
            f"{', ...' if len(fallback) > 3 else ''}); they are shown as ids: set {FONT_ENV}="
            "/path/to/a CJK font (.otf/.ttf), or install one (e.g. fonts-noto-cjk)")

    def text(chinese: str, ascii_text: str) -> str:
        return chinese if choice.can_draw(chinese) else ascii_text

    font = FontProperties(fname=str(choice.path)) if choice.path else FontProperties()
    fig = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.06, 0.1, 0.68, 0.8))
    colours = _colours(len(dests))
    bottoms = [0] * len(months)
    xs = list(range(len(months)))
    for dest, colour in zip(dests, colours, strict=True):
        counts = report.by_month[dest]
        name = names[dest] if choice.can_draw(names[dest]) else dest
        ax.bar(xs, counts, bottom=bottoms, color=colour, label=name, width=0.7)
        bottoms = [b + n for b, n in zip(bottoms, counts, strict=True)]
    ax.set_xticks(xs)
    ax.set_xticklabels([text(m, a) for m, a in zip(months, report.months, strict=True)],
                       fontproperties=font)
    ax.set_ylabel(text("件数", "cases"), fontproperties=font)
    big = font.copy()
    big.set_size(14)
    ax.set_title(text(title, f"Cases per destination and month, {report.start} to {report.end}"),
                 fontproperties=big, pad=12)
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    if dests:
        small = font.copy()
        small.set_size(9)
        handles, labels = ax.get_legend_handles_labels()
        # top of the legend = top of the stack
        legend = ax.legend(handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.02, 1.0),
                           prop=small, frameon=False, title=text("分流去向", "destination"))
        legend.get_title().set_fontproperties(font)
    else:
        ax.text(0.5, 0.5, text("无分流案件", "no diverted cases"), ha="center", va="center",
                transform=ax.transAxes, fontproperties=font)
    try:
        fig.savefig(path, dpi=DPI, format=path.suffix.lower().lstrip("."))
    except OSError as exc:
        raise ChartError(f"cannot write the chart {path}: {exc.strerror or exc}") from None
    return warnings


def _month_label(month: str, *, single_year: bool) -> str:
    y, m = month.split("-")
    return f"{int(m)}月" if single_year else f"{y}年{int(m)}月"


def _colours(n: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab20"]
    return [cmap(i % 20) for i in range(n)]
