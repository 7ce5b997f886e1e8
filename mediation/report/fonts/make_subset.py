"""Build ``MediationCJK-Regular.otf``: a subset of Noto Sans CJK SC for the report chart.

A build tool, run by hand when the labels in ``rules/*.yaml`` gain characters;
the subset it writes is committed. It needs fontTools, which is *not* a
dependency of the package (use a throwaway virtual environment), and the
Noto Sans CJK collection (Debian/Ubuntu: ``apt-get install fonts-noto-cjk``)::

    python3 -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools
    /tmp/ft/bin/python mediation/fonts/make_subset.py \\
        [--source /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc]

The subset holds every character of the rule files (labels, aliases and
comments), the chart's own words (the string literals of
``mediation/report_chart.py``), printable ASCII and common full-width
punctuation. It is renamed (family "Mediation CJK") because "Noto" is a
trademark of Google and the Open Font License asks that modified versions
not carry the original's name; the licence (``OFL.txt``) comes with it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX_NAME = "Noto Sans CJK SC"
OUT = HERE / "MediationCJK-Regular.otf"
FAMILY = "Mediation CJK"

EXTRA = "0123456789年月日至截件数去向合计未分流其他（）、：，。；·—％%"


def characters() -> str:
    """The characters the subset must hold, sorted."""
    chars: set[str] = set(chr(c) for c in range(0x20, 0x7F))
    chars.update(EXTRA)
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        chars.update(path.read_text(encoding="utf-8"))
    chart = (ROOT / "mediation" / "report_chart.py").read_text(encoding="utf-8")
    for literal in re.findall(r'"([^"\n]*)"', chart):
        chars.update(literal)
    return "".join(sorted(c for c in chars if c.isprintable()))


def main(argv: list[str] | None = None) -> int:
    from fontTools import subset
    from fontTools.ttLib import TTCollection

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="NotoSansCJK-Regular.ttc")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    fonts = TTCollection(str(args.source)).fonts
    number = next(i for i, f in enumerate(fonts) if f["name"].getDebugName(1) == SC_INDEX_NAME)
    text = characters()
    options = subset.Options()
    options.font_number = number
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.desubroutinize = False
    font = subset.load_font(str(args.source), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    _rename(font)
    subset.save_font(font, str(args.out), options)
    print(f"{args.out}: {len(text)} characters, {args.out.stat().st_size} bytes", file=sys.stderr)
    return 0


def _rename(font) -> None:
    """A new family name (OFL: a modified version does not carry the original's name)."""
    name = font["name"]
    postscript = FAMILY.replace(" ", "") + "-Regular"
    for rec in list(name.names):
        if rec.nameID in (1, 16):
            name.setName(FAMILY, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 4:
            name.setName(f"{FAMILY} Regular", 4, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID in (3, 6):
            name.setName(postscript, rec.nameID, rec.platformID, rec.platEncID, rec.langID)
        elif rec.nameID == 5:
            name.setName(rec.toUnicode() + "; subset for mediation", 5, rec.platformID,
                         rec.platEncID, rec.langID)
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FullName = f"{FAMILY} Regular"
    top.FamilyName = FAMILY


if __name__ == "__main__":
    sys.exit(main())
