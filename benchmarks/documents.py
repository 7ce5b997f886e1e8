"""Time of writing documents (issue 14): a day's agreements as a batch, and one as a new process.

    .venv/bin/python benchmarks/documents.py [--cases N] [--runs R]

Builds N cases settled with a written agreement (default 200) in a SQLite
file in a temp directory, writes the agreement of each with
:func:`mediation.documents.write_documents` (each a reveal in its own
transaction: render, digest, event, atomic file), and prints documents per
second; then the median of R runs (default 5) of ``mediation case document
CASE_NO agreement`` as a new process. Synthetic case data only.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    from mediation import desk
    from mediation.documents import write_documents
    from mediation.documents.sample import AGREEMENT, CASE
    from mediation.rules import load_rules
    from mediation.store.database import open_database
    from mediation.store.migrate import upgrade

    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    rules = load_rules(ROOT / "rules")
    with tempfile.TemporaryDirectory() as work:
        url = f"sqlite:///{work}/bench.db"
        db = open_database(url, check=False, create=True)
        upgrade(db)
        start = datetime(2020, 6, 1, 9)
        numbers = []
        for n in range(args.cases):
            t = start + timedelta(minutes=n)
            no = desk.register(db, rules, CASE, operator="clerk01", at=t).case_no
            desk.review(db, rules, no, operator="clerk01", at=t)
            desk.divert(db, rules, no, operator="clerk01", at=t)
            desk.take(db, rules, no, operator="med_medical", at=t + timedelta(days=1))
            desk.settle(db, rules, no, agreement_form="written", agreement=AGREEMENT, operator="med_medical",
                        at=t + timedelta(days=20))
            numbers.append(no)
        folder = Path(work, "papers")
        folder.mkdir()
        began = time.perf_counter()
        batch = write_documents(db, rules, "agreement", numbers, folder, operator="clerk01")
        took = time.perf_counter() - began
        print(f"batch: {len(batch.written)} agreements in {took:.2f} s: {len(batch.written) / took:,.0f} documents/s")
        times = []
        for r in range(args.runs):
            began = time.perf_counter()
            subprocess.run([str(ROOT / ".venv/bin/mediation"), "case", "document", numbers[0], "agreement",
                            "--out", str(Path(work, f"one-{r}.docx")), "--db", url, "--operator", "clerk01"],
                           check=True, capture_output=True)
            times.append(time.perf_counter() - began)
        print(f"`mediation case document CASE_NO agreement` as a new process: median {statistics.median(times) * 1000:.0f} ms")
        db.dispose()


if __name__ == "__main__":
    main()
