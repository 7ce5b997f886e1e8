"""``mediation rules diff``: two rule sets over the same cases."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from mediation.cases import parse_case
from mediation.cli import cli
from mediation.replay.diff import INVALID, diff_rules
from mediation.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "examples" / "history-2020.csv"
MALFORMED = ROOT / "examples" / "history-malformed.csv"
PROPOSAL = ROOT / "examples" / "rules-mass-lawyer"
REPLAY_COLUMNS = ("actual_destination", "taken_at", "outcome", "agreement_form", "closed_at")


@pytest.fixture(scope="module")
def old():
    return load_rules(ROOT / "rules")


@pytest.fixture(scope="module")
def new():
    return load_rules(PROPOSAL)


def expected_movers(rules) -> list[str]:
    """The cases the proposal moves, by docs/design.md §3 read by hand: accepted mediation
    requests that no earlier rule claims (not administrative, not referred by the
    court, not a petition) with 10 or more parties go from room.general to room.lawyer."""
    movers = []
    with open(HISTORY, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            c = parse_case({k: v for k, v in row.items() if k not in REPLAY_COLUMNS}, rules)
            if c.request != "mediation":
                continue  # windows by request (petition requests included)
            if c.street in rules.catalogue.outside_units or c.criminal or c.party_refuses:
                continue  # referred out or rejected
            if c.litigation_pending and c.referred_by != "court":
                continue  # rejected
            if c.category == "administrative" or c.referred_by == "court" or c.petition:
                continue
            if c.parties >= 10:
                movers.append(c.case_no)
    return movers


def test_the_mass_dispute_proposal_moves_exactly_the_mass_disputes(old, new):
    movers = expected_movers(old)
    assert movers, "the example history must have mass disputes"
    result = diff_rules(old, new, HISTORY, samples=3)
    assert result.read == 1847 and result.rejected == 0
    assert result.moves == [{"from": "room.general", "to": "room.lawyer", "count": len(movers),
                             "samples": movers[:3]}]
    # unchanged cases stay on the diagonal of the matrix
    total = sum(n for row in result.matrix.values() for n in row.values())
    assert total == 1847
    assert result.matrix["room.general"]["room.lawyer"] == len(movers)
    off_diagonal = sum(n for f, row in result.matrix.items() for t, n in row.items() if f != t)
    assert off_diagonal == len(movers)
    changes = {(r["stage"], r["rule"]): r for r in result.rules}
    assert changes[("routing", "mass_lawyer")] == {"stage": "routing", "rule": "mass_lawyer", "in": "new",
                                                   "old": 0, "new": len(movers), "change": len(movers)}
    assert changes[("routing", "major")]["change"] == -len(movers)
    assert all(r["change"] == 0 for k, r in changes.items() if k[1] not in ("mass_lawyer", "major"))


def test_a_rule_set_against_itself_moves_nothing(old):
    result = diff_rules(old, old, HISTORY)
    assert result.moves == [] and result.moved == 0
    assert all(set(row) == {f} for f, row in result.matrix.items())
    assert "rejected" in result.matrix and any(k.startswith("referred_out:") for k in result.matrix)


def test_unreadable_rows_are_counted_not_moved(tmp_path, old, new):
    src = tmp_path / "m.csv"
    shutil.copy(MALFORMED, src)
    result = diff_rules(old, new, src)
    # the diff reads rows as a dry run does: line 12's unknown outcome rejects it here too
    assert (result.read, result.rejected, result.compared) == (16, 11, 5)
    assert [r["line"] for r in result.rejects] == [3, 4, 6, 7, 8, 9, 12, 14, 15, 17, 19]
    assert INVALID not in result.matrix


def test_cli_text(old):
    result = CliRunner().invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(PROPOSAL), "--cases", str(HISTORY)])
    assert result.exit_code == 0, result.output
    movers = expected_movers(old)
    assert f"{len(movers)} 件改变去向 move" in result.output
    assert "综合调解室 (room.general)" in result.output and "律师调解室 (room.lawyer)" in result.output
    assert movers[0] in result.output and "mass_lawyer (added)" in result.output


def test_cli_json(old):
    result = CliRunner().invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(PROPOSAL), "--cases", str(HISTORY),
                                      "--json", "--samples", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == {"old", "new", "input", "as_of", "read", "compared", "rejected", "moved", "unchanged",
                         "moves", "matrix", "rules", "rejects"}
    assert data["moved"] + data["unchanged"] == data["compared"] == 1847
    assert len(data["moves"][0]["samples"]) == 2
    assert data["new"]["digest"] != data["old"]["digest"]


def test_cli_errors_are_one_line(tmp_path):
    runner = CliRunner()
    missing = runner.invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(PROPOSAL), "--cases", "nope.csv"])
    assert missing.exit_code == 2 and missing.output.startswith("mediation: error: cannot read nope.csv")
    assert missing.output.count("\n") == 1
    bad = runner.invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(tmp_path), "--cases", str(HISTORY)])
    assert bad.exit_code == 2 and "no rule files" in bad.output


def test_jsonl_cases(tmp_path, old, new):
    src = tmp_path / "h.jsonl"
    with open(HISTORY, encoding="utf-8", newline="") as f, open(src, "w", encoding="utf-8") as out:
        for row in csv.DictReader(f):
            out.write(json.dumps({k: v for k, v in row.items() if v}, ensure_ascii=False) + "\n")
    a, b = diff_rules(old, new, HISTORY), diff_rules(old, new, src)
    assert a.moves == b.moves and a.matrix == b.matrix and a.rules == b.rules


def test_exit_code_as_git_diff(tmp_path):
    runner = CliRunner()
    moved = runner.invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(PROPOSAL), "--cases", str(HISTORY),
                                "--json", "--exit-code"])
    assert moved.exit_code == 1 and json.loads(moved.output)["moved"] > 0
    same = runner.invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(ROOT / "rules"), "--cases", str(HISTORY),
                               "--exit-code"])
    assert same.exit_code == 0 and "0 件改变去向 move" in same.output
    without = runner.invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(PROPOSAL), "--cases", str(HISTORY)])
    assert without.exit_code == 0
    src = tmp_path / "cases.txt"
    src.write_bytes(HISTORY.read_bytes())
    named = runner.invoke(cli, ["rules", "diff", str(ROOT / "rules"), str(ROOT / "rules"), "--cases", str(src),
                                "--input-format", "csv", "--json"])
    assert named.exit_code == 0 and json.loads(named.output)["compared"] == 1847
