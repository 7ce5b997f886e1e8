"""The public library API (mediation.__all__): what a script imports, and the example of its docstring."""

from __future__ import annotations

import subprocess
import sys

import mediation
from tests.support import ROOT


def test_every_public_name_resolves():
    assert set(mediation.__all__) == {"__version__", *mediation._API}
    for name in mediation.__all__:
        assert getattr(mediation, name) is not None, name
    assert set(dir(mediation)) == set(mediation.__all__)


def test_an_unknown_name_is_an_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        mediation.nothing  # noqa: B018


def test_the_docstring_example_runs(tmp_path):
    rules = mediation.load_rules(ROOT / "rules")
    case = mediation.parse_case({"form": "口头", "category": "医疗", "street": "相南街道",
                                 "summary": "医疗费用纠纷（示例）", "received_at": "2020-06-15T09:30"}, rules)
    assert mediation.route(case, rules).destination == "room.medical"
    assert [s.rule for s in mediation.explain(case, rules).steps][-1] == "medical"
    assert mediation.route_result(case, rules)["decision"]["destination"] == "room.medical"
    url = f"sqlite:///{tmp_path / 'm.db'}"
    from mediation.desk.staff import set_up
    from mediation.store.migrate import upgrade

    created = mediation.open_database(url, check=False, create=True)
    upgrade(created)
    set_up(created, rules)  # `mediation init`: the staff, from staff.yaml
    db = mediation.open_database(url)
    record = mediation.desk.register(db, rules, {"form": "口头", "category": "医疗", "street": "相南街道",
                                                 "summary": "医疗费用纠纷（示例）"}, operator="clerk01")
    assert mediation.desk.review(db, rules, record.case_no, operator="clerk01").state == "under_review"
    summary = mediation.dry_run(ROOT / "examples" / "history-2020.csv", rules, rejects=tmp_path / "r.csv")
    assert summary.read == 1847
    moves = mediation.diff_rules(rules, mediation.load_rules(ROOT / "examples" / "rules-mass-lawyer"),
                                 ROOT / "examples" / "history-2020.csv")
    assert moves.moved > 0
    report = mediation.build_report(db, rules, *mediation.report_period(record.row["received_at"].year))
    assert report.total == 1


def test_importing_the_package_loads_no_database_layer():
    # the root is imported by every command: `mediation route` must not pay for SQLAlchemy
    code = "import sys, mediation, mediation.cli; print('sqlalchemy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "False"
