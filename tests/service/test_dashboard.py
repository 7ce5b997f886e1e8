"""The hall's dashboard through a real server and a real browser (headless Chromium).

The screenshot at 1920×1080 goes to docs/dashboard.png. The page must show
the figures and never an error or anything personal (names, phones, ID
numbers of the parties registered below).
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, datetime, timedelta

import pytest

from mediation import clock, desk
from mediation.store.database import open_database
from tests.service.conftest import add_partners, chromium
from tests.service.server import ROOT

PEOPLE = [("欧阳娜娜", "13711112222", "11010519491231002X"), ("司马光明", "13633334444", None),
          ("诸葛亮亮", "13555556666", None)]
PERSONAL = [x for p in PEOPLE for x in p if x]
#: What a page showing an error would say.
ERROR_WORDS = ("error", "Error", "Traceback", "错误", "异常", "Internal", "不可用", "problem")


def page_problems(text: str) -> list[str]:
    """What is wrong with a page's text: an error shown, or personal data."""
    found = [f"error shown: {w!r}" for w in ERROR_WORDS if w in text]
    found += [f"personal data shown: {p!r}" for p in PERSONAL if p in text]
    # a masked phone or name is still too much for a hall's screen
    found += [f"masked personal data: {m!r}" for m in re.findall(r"1\d{2}\*{4}\d{4}", text)]
    return found


@pytest.fixture(scope="module")
def seeded(sqlite_db_url, rules_m):
    """Cases of this year at rooms and windows, some overdue and escalated; a partner's case today."""
    today = clock.today()
    start = datetime.combine(max(today - timedelta(days=20), date(today.year, 1, 1)), datetime.min.time())
    start = start.replace(hour=9)
    with open_database(sqlite_db_url) as db:
        for n, (name, phone, id_number) in enumerate(PEOPLE):
            data = {"form": "书面", "category": ("医疗", "物业", "邻里")[n], "street": "相南街道",
                    "summary": f"{name}与邻居的纠纷（示例）", "received_at": start.isoformat(),
                    "applicants": [{"name": name, "phone": phone, "id_number": id_number}]}
            record = desk.register(db, rules_m, data, operator="clerk01", at=start)
            desk.review(db, rules_m, record.case_no, operator="clerk01", at=start + timedelta(minutes=5))
            desk.divert(db, rules_m, record.case_no, operator="clerk01", at=start + timedelta(minutes=10))
        desk.escalate(db, rules_m, operator="sup01")
    token = add_partners(sqlite_db_url, rules_m, ("screen", "court"))["screen"]
    return token


def test_the_page_shows_the_figures_and_nothing_personal(server, seeded):
    c = server.client(seeded)
    assert c.post("/v1/cases", {"form": "书面", "category": "合同", "street": "东街道",
                                "summary": "欧阳娜娜委托的借款纠纷", "applicants": [{"name": "欧阳娜娜"}]}).status == 201
    page = c.get("/dashboard", token="")
    assert page.status == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert page_problems(text) == []
    assert "今日受理 1 件" in text and "医疗纠纷调解室" in text and "诉讼服务窗口" in text
    assert '<meta http-equiv="refresh"' in text and 'name="viewport"' in text
    assert "<svg" in text  # the year's chart


def test_the_checker_sees_errors_and_personal_data():
    assert page_problems("Internal error") and page_problems("申请人 欧阳娜娜") and page_problems("137****2222")
    assert page_problems("今日受理 3 件") == []


def run_chromium(*args: str) -> str:
    browser = chromium()
    out = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                          "--no-first-run", "--disable-dev-shm-usage", *args],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.skipif(chromium() is None, reason="headless Chromium is not installed "
                    "(apt-get install -y chromium): the browser test of the dashboard needs it")
def test_the_page_renders_in_a_real_browser(server, seeded, tmp_path):
    url = f"http://127.0.0.1:{server.port}/dashboard"
    dom = run_chromium("--dump-dom", url)
    assert "调解室" in dom and "今日受理" in dom
    assert page_problems(dom) == []
    shot = ROOT / "docs" / "dashboard.png"
    run_chromium("--window-size=1920,1080", f"--screenshot={shot}", url)
    assert shot.stat().st_size > 10_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    phone = tmp_path / "phone.png"
    run_chromium("--window-size=390,844", f"--screenshot={phone}", url)
    assert phone.stat().st_size > 5_000
