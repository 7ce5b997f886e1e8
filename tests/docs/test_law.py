"""docs/law.md lists every legal source the product follows (issue 12): each `basis:` of the time
limits is there, and every test the table names exists."""

from __future__ import annotations

import re

from tests.support import ROOT

LAW = (ROOT / "docs" / "law.md").read_text(encoding="utf-8")


def test_every_basis_of_a_time_limit_is_listed(rules):
    bases = {t.basis for limit in rules.time_limits.values()
             for t in [limit.terms, *(terms for _, terms in (*limit.by_category, *limit.by_destination))]
             if t.basis}
    assert bases, "rules/sla.yaml names no legal basis"
    for basis in bases:
        statute = basis.split()[0]
        assert statute in LAW, f"{statute} (rules/sla.yaml) is not in docs/law.md"


def test_every_test_the_table_names_exists():
    named = set(re.findall(r"`((?:tests|rules/tests)/[\w/.-]+\.(?:py|yaml))`", LAW))
    assert named
    missing = sorted(p for p in named if not (ROOT / p).exists())
    assert missing == []
