"""The pages in docs/documents/ show what the shipped templates produce today."""

from __future__ import annotations

import json
import shutil
import struct

import pytest

from mediation.documents import KINDS
from mediation.documents.sample import MANIFEST, write_samples
from tests.support import ROOT

PAGES = ROOT / "docs" / "documents"
REMAKE = "run: python -m mediation.documents.sample docs/documents (needs LibreOffice and pdftoppm)"


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_every_kind_has_a_page_made_from_the_current_template_and_text(tmp_path):
    committed = json.loads((PAGES / MANIFEST).read_text(encoding="utf-8"))
    now = write_samples(tmp_path, pages=False)
    assert set(now) == set(KINDS)
    stale = [kind for kind in KINDS if committed.get(kind) != now[kind]]
    assert not stale, f"pages {', '.join(stale)} in docs/documents/ are stale: {REMAKE}"
    for kind in KINDS:
        width, height = png_size((PAGES / f"{kind}.png").read_bytes())
        assert height > width  # an A4 page, upright


@pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftoppm")),
                    reason="making the pages needs LibreOffice (soffice) and poppler's pdftoppm: "
                           "apt-get install libreoffice-writer-nogui poppler-utils")
def test_the_pages_are_made_again_as_committed(tmp_path):
    digests = write_samples(tmp_path)
    assert digests == json.loads((PAGES / MANIFEST).read_text(encoding="utf-8")), REMAKE
    for kind in KINDS:
        assert png_size((tmp_path / f"{kind}.png").read_bytes()) == png_size((PAGES / f"{kind}.png").read_bytes())
