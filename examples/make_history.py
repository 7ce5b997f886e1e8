"""Write the example history: 1847 synthetic cases of 相山区's centre in 2020.

    python examples/make_history.py        # writes history-2020.csv and history-malformed.csv here

The cases are synthetic (fixed seed, so the files are the same every time):
1292 oral and 555 written, across categories, territorial units (a few
outside the district), channels and requests in plausible proportions,
registered mostly on working days of the official 2020 calendar. Parties are
obviously fake (测试甲0001, phones 1380000xxxx, ID numbers with the unused
sequence code 000: valid per GB 11643 yet nobody's).

Each case has where it actually went (``actual_destination``: the destination
today's rules give, except about 5% deliberately different, for ``replay
--compare``; ``rejected`` or ``referred_out:<unit>`` for cases review did not
accept) and what happened there (``taken_at``, ``outcome``, ``agreement_form``,
``closed_at``), within the time limits of rules/sla.yaml: taken up within 2
working days, mediation within 30 calendar days (labour: 15), closed within 10
working days of the result.

Some headings are Chinese labels (案件编号, 登记时间, 形式, 纠纷类型, 街道, 社区)
and the rest field ids; categories, units, forms and flags are written as
Chinese labels, the other values as ids. ``history-malformed.csv`` has the
same columns and a handful of malformed rows between good ones.
"""

from __future__ import annotations

import csv
import io
import random
import sys
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from mediation.deadlines import calendar_of
from mediation.domain import Case
from mediation.personal import id_check_char
from mediation.rules import load_rules

HERE = Path(__file__).resolve().parent
RULES = HERE.parent / "rules"
SEED = 2020
TOTAL, ORAL = 1847, 1292

#: (field id, heading): Chinese labels for some columns, ids for the others.
COLUMNS = (
    ("case_no", "案件编号"), ("received_at", "登记时间"), ("request", "request"), ("channel", "channel"),
    ("referred_by", "referred_by"), ("form", "形式"), ("category", "纠纷类型"), ("street", "街道"),
    ("community", "社区"), ("summary", "summary"), ("parties", "parties"), ("amount", "amount"),
    ("petition", "petition"), ("litigation_pending", "litigation_pending"), ("criminal", "criminal"),
    ("party_refuses", "party_refuses"), ("risk", "risk"), ("applicant_name", "applicant_name"),
    ("applicant_id", "applicant_id"), ("applicant_phone", "applicant_phone"),
    ("respondent_name", "respondent_name"), ("respondent_phone", "respondent_phone"),
    ("actual_destination", "actual_destination"), ("taken_at", "taken_at"), ("outcome", "outcome"),
    ("agreement_form", "agreement_form"), ("closed_at", "closed_at"),
)
HEADINGS = [h for _, h in COLUMNS]

CATEGORIES = {
    "neighbor": 18, "marriage_family": 14, "damages": 11, "contract": 9, "property": 8, "labor": 8,
    "housing_land": 7, "traffic": 6, "consumer": 5, "medical": 3, "business": 3, "other": 3.5,
    "demolition": 2, "environment": 1.5, "forest_land": 0.5, "administrative": 0.5,
}
REQUESTS = {"mediation": 86, "consultation": 5, "legal_aid": 3, "petition": 2, "legal_service": 1.5,
            "filing": 1.5, "reconsideration": 1}
CHANNELS = {"walk_in": 55, "phone": 12, "referral": 15, "hotline_12345": 10, "online": 8}
REFERRERS = {"court": 35, "police": 25, "petition_bureau": 20, "housing_construction": 10, "trade_union": 10}
UNITS = {"xiangnan": 13, "dongjie": 12, "xijie": 11, "renwei": 11, "dongshan": 10, "nanli": 10, "quyang": 10,
         "sandikou": 9, "qugou": 7, "kaifaqu": 4, "duji": 1, "suixi": 0.8, "lieshan": 0.7, "elsewhere": 0.5}
MONTHS = (8, 3, 8, 9, 9, 9, 9, 9, 8, 7, 9, 8)  # fewer in February 2020 (the epidemic)
# (low, high) yuan in dispute and the share with none
AMOUNTS = {
    "neighbor": (200, 5000, 0.5), "marriage_family": (5000, 200000, 0.4), "damages": (1000, 120000, 0.05),
    "contract": (2000, 900000, 0.02), "business": (10000, 1200000, 0.0), "labor": (3000, 80000, 0.0),
    "consumer": (100, 20000, 0.0), "traffic": (2000, 300000, 0.0), "medical": (10000, 500000, 0.0),
    "property": (500, 20000, 0.1), "housing_land": (10000, 500000, 0.1), "forest_land": (10000, 300000, 0.1),
    "demolition": (20000, 800000, 0.0), "environment": (0, 50000, 0.5), "other": (0, 10000, 0.5),
    "administrative": (0, 0, 1.0),
}
SUMMARIES = {
    "neighbor": ("邻里之间因{}发生纠纷", ("排水", "噪音", "通行", "楼道堆物", "漏水")),
    "marriage_family": ("家庭成员之间因{}发生纠纷", ("赡养", "抚养费", "离婚财产分割", "探视")),
    "damages": ("因{}造成损害，双方就赔偿发生争议", ("宠物伤人", "高空坠物", "装修损坏", "打架受伤")),
    "contract": ("双方就{}的履行发生争议", ("民间借贷", "买卖合同", "租赁合同", "承揽合同")),
    "business": ("经营者之间因{}发生纠纷", ("货款结算", "合伙经营", "供货质量")),
    "labor": ("劳动者与用人单位因{}发生争议", ("拖欠工资", "解除劳动合同", "工伤待遇", "加班费")),
    "consumer": ("消费者因{}与商家发生纠纷", ("预付卡退费", "商品质量", "服务收费")),
    "traffic": ("道路交通事故后双方就{}发生争议", ("医疗费", "车辆维修费", "误工费")),
    "medical": ("患者家属对{}有争议", ("手术并发症的赔偿", "诊疗过程", "医疗费用")),
    "property": ("业主与物业公司因{}发生纠纷", ("物业费", "停车管理", "公共维修")),
    "housing_land": ("因{}发生纠纷", ("宅基地界址", "房屋买卖过户", "房屋继承")),
    "forest_land": ("因{}发生纠纷", ("承包地边界", "林地使用")),
    "demolition": ("因{}发生纠纷", ("拆迁补偿", "安置房分配")),
    "environment": ("因{}发生纠纷", ("餐饮油烟", "施工噪声", "污水排放")),
    "other": ("因{}发生纠纷", ("琐事", "财物归属")),
    "administrative": ("对{}不服", ("行政处罚决定", "行政许可决定")),
}
NUMERALS = "一二三"


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _moment(day: date, rng: random.Random, earliest: time = time(8, 30), latest: time = time(17, 30)) -> datetime:
    lo = earliest.hour * 60 + earliest.minute
    hi = latest.hour * 60 + latest.minute
    minutes = rng.randint(lo, max(lo, hi))
    return datetime.combine(day, time(minutes // 60, minutes % 60))


def _stamp(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else ""


def _id_number(rng: random.Random) -> str:
    born = date(1950, 1, 1) + timedelta(days=rng.randint(0, 365 * 50))
    first17 = f"340603{born:%Y%m%d}000"
    return first17 + id_check_char(first17)


def _days(rules, year: int) -> tuple[list[list[date]], list[list[date]]]:
    """The year's working days and days off, by month."""
    work: list[list[date]] = [[] for _ in range(12)]
    off: list[list[date]] = [[] for _ in range(12)]
    day = date(year, 1, 1)
    while day.year == year:
        (work if calendar_of(rules).is_workday(day) else off)[day.month - 1].append(day)
        day += timedelta(days=1)
    return work, off


def generate(rules=None, *, count: int = TOTAL, oral: int = ORAL, year: int = 2020, seed: int = SEED,
             first: int = 1) -> list[list[str]]:
    """``count`` synthetic cases of ``year`` as CSV rows (cells in :data:`HEADINGS` order), by date."""
    rules = rules or load_rules(RULES)
    rng = random.Random(f"{seed}-{year}")
    cat = rules.catalogue
    work, off = _days(rules, year)
    forms = ["oral"] * oral + ["written"] * (count - oral)
    rng.shuffle(forms)
    moments = []
    for _ in range(count):
        month = rng.choices(range(12), weights=MONTHS)[0]
        days = work[month] if rng.random() < 0.97 or not off[month] else off[month]  # a few on duty days
        moments.append(_moment(rng.choice(days), rng))
    moments.sort()
    rows = []
    for n, (received_at, form) in enumerate(zip(moments, forms, strict=True), first):
        rows.append(_case(rng, rules, cat, n, year, received_at, form))
    return rows


def _case(rng: random.Random, rules, cat, n: int, year: int, received_at: datetime, form: str) -> list[str]:
    category = _pick(rng, CATEGORIES)
    request = _pick(rng, REQUESTS)
    channel = _pick(rng, CHANNELS)
    referred_by = _pick(rng, REFERRERS) if channel == "referral" else None
    street = _pick(rng, UNITS)
    unit = cat.label("unit", street)
    community = "" if cat.units[street].outside or rng.random() < 0.3 else \
        f"{unit.removesuffix('街道').removesuffix('镇').removesuffix('经济开发区')}第{rng.choice(NUMERALS)}社区"
    roll = rng.random()
    parties = (1 if roll < 0.08 else 2 if roll < 0.78 else 3 if roll < 0.88 else 4 if roll < 0.93
               else rng.randint(5, 9) if roll < 0.97 else rng.randint(10, 40))
    low, high, none = AMOUNTS[category]
    amount = 0 if rng.random() < none else round(rng.randint(low, high), -2)
    if form == "oral":
        amount = min(amount, 20000) if rng.random() < 0.8 else amount
    petition = request == "petition" or rng.random() < 0.04
    litigation = rng.random() < 0.015
    criminal = rng.random() < 0.01
    refuses = rng.random() < 0.015
    risk = rng.choices(("low", "medium", "high"), weights=(86, 10, 4))[0]
    text, topics = SUMMARIES[category]
    summary = text.format(rng.choice(topics)) + "（合成示例）"
    case = Case(form=form, category=category, street=street, summary=summary, received_at=received_at,
                case_no=f"XS-{year}-{n:05d}", request=request, channel=channel, referred_by=referred_by,
                community=community or None, parties=parties, amount=Decimal(amount), petition=petition,
                litigation_pending=litigation, criminal=criminal, party_refuses=refuses, risk=risk)
    review, decision = rules.evaluate(case)
    flag = {True: "是", False: "否"}
    applicant = [f"测试甲{n:04d}", _id_number(rng) if rng.random() < 0.3 else "",
                 f"1380000{rng.randint(0, 9999):04d}" if rng.random() < 0.9 else ""]
    respondent = ["", ""]
    if rng.random() < 0.85:
        respondent = [f"测试乙{n:04d}", f"1380000{rng.randint(0, 9999):04d}" if rng.random() < 0.5 else ""]
    history = _history(rng, rules, case, review, decision)
    return [
        case.case_no, _stamp(received_at), request, channel, referred_by or "", cat.label("form", form),
        cat.label("category", category), unit, community, summary, str(parties), str(amount), flag[petition],
        flag[litigation], flag[criminal], flag[refuses], risk, *applicant, *respondent, *history,
    ]


def _history(rng: random.Random, rules, case: Case, review, decision) -> list[str]:
    """actual_destination, taken_at, outcome, agreement_form, closed_at, consistent with the limits."""
    if decision is None:
        actual = "rejected" if review.outcome == "rejected" else f"referred_out:{review.to}"
        return [actual, "", "", "", ""]
    actual = decision.destination
    if rng.random() < 0.05:  # deliberately not where today's rules send it
        actual = "room.general" if actual != "room.general" else "window.mediation"
    calendar = calendar_of(rules)
    day = case.received_at.date()
    if rng.random() < 0.02:  # withdrawn before anyone took it up
        withdrawn = calendar.add_working_days(day, rng.randint(0, 1))
        return [actual, "", "withdrawn", "", _stamp(_moment(withdrawn, rng, earliest=case.received_at.time())
                                                      if withdrawn == day else _moment(withdrawn, rng))]
    if actual.startswith("window."):
        taken = case.received_at + timedelta(minutes=rng.randint(0, 30))
        if rng.random() < 0.05:
            return [actual, _stamp(taken), "withdrawn", "", _stamp(taken + timedelta(minutes=rng.randint(5, 60)))]
        closed = taken + timedelta(minutes=rng.randint(10, 90))
        return [actual, _stamp(taken), "served", "", _stamp(closed)]
    wait = rng.choices((0, 1, 2), weights=(6, 3, 1))[0]
    taken_day = calendar.add_working_days(day, wait)
    taken = (case.received_at + timedelta(minutes=rng.randint(10, 120))) if wait == 0 else \
        _moment(taken_day, rng, time(9, 0), time(11, 0))
    limit = rules.time_limits["mediation"].limit_for(category=case.category, destination=actual)
    result_day = taken.date() + timedelta(days=rng.randint(1, max(1, limit - 1)))
    roll = rng.random()
    if roll < 0.08:
        return [actual, _stamp(taken), "withdrawn", "", _stamp(_moment(result_day, rng))]
    outcome = "settled" if roll < 0.86 else "unsettled"
    agreement = ""
    if outcome == "settled":
        agreement = "written" if rng.random() < (0.85 if case.amount >= 10000 else 0.4) else "oral"
    closed = calendar.add_working_days(result_day, rng.randint(1, 10))
    return [actual, _stamp(taken), outcome, agreement, _stamp(_moment(closed, rng))]


def malformed(rows: list[list[str]]) -> str:
    """The malformed example: good rows with a handful of bad ones between them, as CSV text."""
    col = {f: i for i, (f, _) in enumerate(COLUMNS)}
    good = iter(rows)

    def bad(change: dict) -> list[str]:
        row = list(next(good))
        for f, v in change.items():
            row[col[f]] = v
        return row

    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(HEADINGS)
    w.writerow(next(good))
    w.writerow(bad({"category": "宠物饲养"}))                       # unknown category
    w.writerow(bad({"received_at": "2020-02-30 09:00"}))            # no such day
    w.writerow(next(good))
    w.writerow(bad({"amount": "-500"}))                              # negative amount
    w.writerow(bad({"street": ""}))                                  # missing street
    w.writerow(bad({"applicant_id": "340603198001010001"}))          # ID checksum fails
    w.writerow(next(good)[:10])                                      # a short row
    w.writerow(bad({"summary": "第一行\n第二行：多行的纠纷概要（合成示例）"}))  # good: a quoted multi-line field
    w.writerow(bad({"outcome": "调解中"}))                           # unknown outcome
    out.write("\n")                                                  # a blank line (skipped)
    w.writerow(bad({"channel": "referral", "referred_by": ""}))      # a referral without a referrer
    w.writerow(bad({"parties": "0"}))                                # no parties
    w.writerow(next(good))
    w.writerow(bad({"applicant_phone": "12345"}))                    # not a phone number
    w.writerow(next(good))
    text = out.getvalue()
    last = ",".join(next(good)[:9]) + ',"未闭合的引号，直到文件结束（合成示例）\n'  # an unclosed quote
    return text + last


def write_csv(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADINGS)
        w.writerows(rows)


def main(argv: list[str] | None = None) -> None:
    out = Path(argv[0]) if argv else HERE
    rules = load_rules(RULES)
    rows = generate(rules)
    write_csv(out / "history-2020.csv", rows)
    rng = random.Random(f"{SEED}-malformed")
    extra = generate(rules, count=20, oral=14, seed=rng.randint(0, 10**6), first=9001)
    (out / "history-malformed.csv").write_text(malformed(extra), encoding="utf-8", newline="")
    print(f"wrote {out / 'history-2020.csv'} ({len(rows)} cases) and {out / 'history-malformed.csv'}")


if __name__ == "__main__":
    main(sys.argv[1:])
