"""``GET /dashboard``: the page for the screen in the centre's hall.

Today's intake by channel, each room's and window's open, overdue and
escalated (督办) cases, cases awaiting review or diversion, and the year's
figures with a bar chart (inline SVG, no library). Only counts and the
catalogue's labels are shown: no case's summary, party or number, so nothing
personal can reach the hall. The page reloads itself (``<meta refresh>``),
and its layout fits a 1920×1080 screen and a phone alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from html import escape

from fastapi import APIRouter
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import HTMLResponse

from mediation import clock
from mediation.deadlines.overdue import lateness
from mediation.desk.read import QUEUE_STATES
from mediation.report import Report, build_report, period
from mediation.report.render import headline, summary
from mediation.service.common import call
from mediation.store.schema import cases

router = APIRouter(tags=["dashboard"])


@dataclass(slots=True)
class Desk:
    """One room or window on the screen."""

    id: str
    label: str
    open: int = 0
    overdue: int = 0
    escalated: int = 0


@dataclass(slots=True)
class Hall:
    """What the hall's screen shows on ``day`` (counts only)."""

    day: date
    at: datetime
    intake: dict[str, int] = field(default_factory=dict)  # channel label -> cases received today
    awaiting: dict[str, int] = field(default_factory=dict)  # 待审查, 待分流
    desks: list[Desk] = field(default_factory=list)
    year: Report | None = None

    @property
    def intake_total(self) -> int:
        return sum(self.intake.values())


def hall(db, rules, day: date | None = None) -> Hall:
    """The hall's figures on ``day`` (default today): three small queries and the year's report."""
    day = day or clock.today()
    cat = rules.catalogue
    out = Hall(day=day, at=clock.now())
    c = cases.c
    start = datetime.combine(day, time.min)
    with db.read() as conn:
        today = dict(conn.execute(select(c.channel, func.count()).where(
            c.received_at >= start, c.received_at < start + timedelta(days=1)).group_by(c.channel)).all())
        waiting = dict(conn.execute(select(c.state, func.count()).where(
            c.state.in_(("registered", "under_review"))).group_by(c.state)).all())
        open_rows = conn.execute(select(cases).where(c.state.in_(QUEUE_STATES))).mappings().all()
    out.intake = {cat.label("channel", ch): today.get(ch, 0)
                  for ch in ("walk_in", "phone", "hotline_12345", "online", "referral")}
    out.awaiting = {"待审查": waiting.get("registered", 0), "审查中": waiting.get("under_review", 0)}
    opened, late, escalated = Counter(), Counter(), Counter()
    for r in open_rows:
        opened[r["destination"]] += 1
        if r["escalation"]:
            escalated[r["destination"]] += 1
        if lateness(r, rules, day).overdue:
            late[r["destination"]] += 1
    out.desks = [Desk(d, cat.label("destination", d), opened[d], late[d], escalated[d])
                 for d in cat.destinations]
    out.year = build_report(db, rules, *period(day.year), as_of=day)
    return out


# ------------------------------------------------------------------ the page

CSS = """
:root { color-scheme: dark; --fg:#f2f5f9; --dim:#9fb0c3; --bg:#0d1b2a; --card:#16283d; --line:#26405f;
        --accent:#4fc3f7; --warn:#ffb74d; --bad:#ef5350; }
* { box-sizing: border-box; }
html { font-size: clamp(14px, 0.95vw, 24px); }
body { margin: 0; padding: 1rem 1.5rem; background: var(--bg); color: var(--fg);
       font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
header { display: flex; flex-wrap: wrap; justify-content: space-between; align-items: baseline; gap: .5rem; }
h1 { font-size: 2rem; margin: 0 0 .5rem; }
h2 { font-size: 1.3rem; margin: 0 0 .6rem; color: var(--accent); }
.time { color: var(--dim); font-size: 1.1rem; }
main { display: grid; gap: 1rem; grid-template-columns: 1fr; }
@media (min-width: 1100px) { main { grid-template-columns: 1fr 1.1fr 1.1fr; } }
.col { display: flex; flex-direction: column; gap: 1rem; min-width: 0; }
section { background: var(--card); border-radius: .6rem; padding: .8rem 1.2rem; }
.big { display: flex; flex-wrap: wrap; gap: .8rem 1.6rem; }
.big div { min-width: 5.5rem; }
.big b { display: block; font-size: 2.4rem; line-height: 1.1; }
.big span { color: var(--dim); }
table { width: 100%; border-collapse: collapse; font-size: 1.05rem; }
th, td { padding: .3rem .4rem; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
th { color: var(--dim); font-weight: normal; }
td.late { color: var(--warn); font-weight: bold; }
td.esc { color: var(--bad); font-weight: bold; }
p { margin: .3rem 0; line-height: 1.5; }
svg { width: 100%; height: auto; }
svg text { fill: var(--fg); font-size: 19px; }
"""


def _cells(d: Desk) -> str:
    late = ' class="late"' if d.overdue else ""
    esc = ' class="esc"' if d.escalated else ""
    return (f"<tr><td>{escape(d.label)}</td><td>{d.open}</td><td{late}>{d.overdue}</td>"
            f"<td{esc}>{d.escalated}</td></tr>")


def _desk_table(title: str, desks: list[Desk]) -> str:
    rows = "".join(_cells(d) for d in desks)
    total = Desk("", "合计", sum(d.open for d in desks), sum(d.overdue for d in desks),
                 sum(d.escalated for d in desks))
    return (f'<section><h2>{title}</h2><table><thead><tr><th>名称</th><th>在办</th><th>逾期</th>'
            f"<th>督办</th></tr></thead><tbody>{rows}{_cells(total)}</tbody></table></section>")


def chart_svg(counts: dict[str, int], labels: dict[str, str]) -> str:
    """Horizontal bars, one per destination with cases (inline SVG: no library, no file)."""
    items = [(labels.get(k, k), n) for k, n in counts.items() if n]
    if not items:
        return "<p>本年尚无分流案件。</p>"
    top = max(n for _, n in items)
    row, left, width = 34, 230, 400
    parts = []
    for i, (label, n) in enumerate(items):
        y = i * row
        w = max(2, round(width * n / top))
        parts.append(f'<text x="{left - 8}" y="{y + 23}" text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{left}" y="{y + 4}" width="{w}" height="{row - 8}" rx="3" fill="#4fc3f7"/>'
                     f'<text x="{left + w + 6}" y="{y + 23}">{n}</text>')
    height = len(items) * row
    return (f'<svg viewBox="0 0 {left + width + 60} {height}" role="img" '
            f'aria-label="本年各调解室、窗口分流件数">{"".join(parts)}</svg>')


def render(h: Hall, rules, refresh: int) -> str:
    """The page's HTML (Chinese, counts only)."""
    cat = rules.catalogue
    intake = "".join(f"<div><b>{n}</b><span>{escape(label)}</span></div>" for label, n in h.intake.items())
    awaiting = "".join(f"<div><b>{n}</b><span>{escape(label)}</span></div>" for label, n in h.awaiting.items())
    rooms = [d for d in h.desks if d.id.startswith("room.")]
    windows = [d for d in h.desks if d.id.startswith("window.")]
    year = h.year
    figures = ""
    chart = ""
    if year is not None:
        sentences = [headline(year), *summary(year)]
        figures = "".join(f"<p>{escape(s)}</p>" for s in sentences)
        labels = {d: cat.label("destination", d) for d in cat.destinations}
        chart = chart_svg(year.destinations, labels)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{refresh}">
<title>调解中心大厅 · {h.day.isoformat()}</title><style>{CSS}</style></head>
<body><header><h1>相山区多元化解纠纷调解中心</h1>
<div class="time">{h.day.year}年{h.day.month}月{h.day.day}日 · 更新于 {h.at:%H:%M:%S} · 每{refresh}秒刷新</div>
</header><main>
<div class="col"><section><h2>今日受理 {h.intake_total} 件</h2><div class="big">{intake}</div></section>
<section><h2>待审查、分流</h2><div class="big">{awaiting}</div></section>
<section id="year"><h2>{h.day.year}年统计</h2>{figures}</section></div>
<div class="col">{_desk_table("调解室", rooms)}</div>
<div class="col">{_desk_table("窗口", windows)}
<section><h2>{h.day.year}年各去向分流件数</h2>{chart}</section></div>
</main></body></html>"""


@router.get("/dashboard", response_class=HTMLResponse, summary="大厅屏幕（每分钟自动刷新，无个人信息）")
async def dashboard(request: Request) -> HTMLResponse:
    """今日受理（按渠道）、各调解室与窗口的在办、逾期、督办件数，本年统计与图表。"""
    state = request.app.state
    figures = await call(hall, state.db, state.rules)
    page = render(figures, state.rules, state.settings.refresh)
    return HTMLResponse(page, headers={"Cache-Control": "no-store",
                                       "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'"})
