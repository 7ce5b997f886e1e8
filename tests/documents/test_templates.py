"""The shipped templates are what their script makes, and every placeholder in them is known."""

from __future__ import annotations

from mediation.documents import KINDS
from mediation.documents.make_templates import TEMPLATES, write_templates
from tests.support import ROOT

SHIPPED = ROOT / "rules" / "templates"


def test_the_shipped_templates_are_made_by_the_script(tmp_path):
    assert set(TEMPLATES) == set(KINDS)
    made = write_templates(tmp_path)
    for path in made:
        assert path.read_bytes() == (SHIPPED / path.name).read_bytes(), (
            f"rules/templates/{path.name} differs from what mediation/documents/make_templates.py makes: "
            "run python -m mediation.documents.make_templates rules/templates")
    assert sorted(p.name for p in SHIPPED.glob("*.docx")) == sorted(f"{k}.docx" for k in KINDS)
