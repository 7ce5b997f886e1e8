"""Hostile input at the desk and in replayed files: stored verbatim, or refused in one line, never a crash.

(Rule files and case JSON are covered by ``test_hostile_rules.py`` and
``test_hostile_cases.py``; the replay's row conversion by ``test_replay.py``.)

- SQL-looking text (quotes, comments, ``%``/``_`` wildcards, placeholders) is
  stored and shown back exactly as given, on SQLite and PostgreSQL, and the
  tables are all still there.
- Hostile case numbers find nothing; invalid ID numbers, control characters
  and over-long text given to ``mediation case register`` are refused in one
  line with exit code 2, write nothing, and never echo the ID number.
- Whole CSV files that are broken (mixed encodings, NUL bytes, 10,000 columns,
  a 300,000-character field, an unclosed quote, a BOM mid-file, CR line ends,
  wrong types, missing fields, random bytes) go through ``mediation replay``:
  each bad row lands in the rejects file with its line and reason and the run
  goes on (``read = routed + rejected``), or the whole file is refused in one
  line; never a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given
from hypothesis import strategies as st

from mediation import desk
from mediation.cases import parse_case
from mediation.cli import COMMANDS, _module_exists, cli
from mediation.errors import CaseError
from mediation.personal import id_check_char
from tests.crash_support import ROOT, database_problems, table_rows
from tests.support import examples

#: A guarantee test: run by the full suite, left out by `pytest -m "not slow"`.
pytestmark = pytest.mark.slow

RULES = str(ROOT / "rules")
AT = "2020-06-15T09:30"
BASE = {"form": "口头", "category": "邻里", "street": "东街道", "summary": "漏水（合成示例）"}

SQLISH = [
    "'; DROP TABLE cases; --", "Robert'); DROP TABLE events;--", "1' OR '1'='1", "\" OR \"\"=\"",
    "%", "_", "%%", "XS-2020-%", "\\", "\\'", "';\\x00", "$$; DROP FUNCTION x(); $$", ":name", ":1", "?",
    "%s %d %(name)s", "{0}{1}", "/* */ UNION SELECT name, id_number FROM parties --", "{{7*7}}",
    "${jndi:ldap://example.invalid/a}", "<script>alert(1)</script>", "NULL", "null", "None", "0x00",
    "E'\\\\x41'", "'; COMMIT; DELETE FROM events; --", "调解'); DROP TABLE case_numbers; --纠纷",
]


def invoke(url: str, *args: str, operator: str | None = "clerk01"):
    env = {"MEDIATION_DB": url, "MEDIATION_ON_BEHALF_OF": operator, "MEDIATION_RULES": RULES}
    return CliRunner().invoke(cli, list(args), env=env)


def one_line_refusal(result) -> str:
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("mediation: error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr


# ----------------------------------------------------------------------- SQL-looking text


def test_sql_looking_text_is_stored_and_shown_verbatim(db, rules):
    for n, text in enumerate(SQLISH):
        data = dict(BASE, summary=f"纠纷 {text}", community=text[:100], applicant_name=f"O'{n}{text[:20]}")
        no = desk.register(db, rules, data, operator="clerk01").case_no
        view = json.loads(invoke(db.url, "case", "show", no, "--json").stdout)
        assert view["summary"] == f"纠纷 {text}" and view["community"] == text[:100]
        revealed = desk.case_view(desk.reveal(db, rules, no, operator="clerk01"), rules)
        assert revealed["applicants"][0]["name"] == f"O'{n}{text[:20]}"
    # through the CLI's flags as well
    for text in SQLISH[:8]:
        result = invoke(db.url, "case", "register", "--form", "口头", "--category", "邻里", "--street", "东街道",
                        "--summary", text, "--community", text, "--at", AT, "--json")
        assert result.exit_code == 0, result.output
        view = json.loads(result.stdout)
        assert (view["summary"], view["community"]) == (text, text)
    assert len(table_rows(db)["cases"]) == len(SQLISH) + 8
    assert database_problems(db) == []


texts = st.one_of(st.sampled_from(SQLISH),
                  st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=80))


@examples("few", suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(summary=texts, community=texts)
def test_any_accepted_text_comes_back_exactly_as_parsed(db, rules, summary, community):
    data = dict(BASE, summary=summary, community=community)
    try:
        case = parse_case(data, rules)
    except CaseError:
        return  # refused before the database (control characters, too long, blank)
    record = desk.register(db, rules, data, operator="clerk01")
    stored = desk.show(db, record.case_no).row
    assert (stored["summary"], stored["community"]) == (case.summary, case.community)


# ----------------------------------------------------------------------- case numbers


@pytest.mark.parametrize("number", ["XS-2020-0000%", "XS-2020-_____", "' OR 1=1 --", "XS-2020-00001' --",
                                    "XS-2020-00001;DELETE FROM events", "%", "", " ", "XS-2020-000001",
                                    "x" * 10_000, "XS-2020-00001\n", "XS-2020-00001\x1b[2J"])
def test_hostile_case_numbers_find_nothing(db, rules, number):
    desk.register(db, rules, BASE, operator="clerk01")
    before = table_rows(db)
    for args in (["case", "show", number], ["case", "review", number], ["case", "show", number, "--json"]):
        one_line_refusal(invoke(db.url, *args))
    assert table_rows(db) == before


def test_a_case_number_with_a_nul_byte_is_not_found(db, rules):
    # (not reachable from a shell: argv cannot hold NUL; it is from the library and CliRunner)
    from mediation.errors import NotFound

    no = desk.register(db, rules, BASE, operator="clerk01").case_no
    with pytest.raises(NotFound):
        desk.show(db, no + "\x00")
    with pytest.raises(NotFound):
        desk.review(db, rules, no + "\x00", operator="clerk01")


def test_hostile_filters_are_refused_in_one_line(db):
    for args in (["case", "list", "--street", "'; DROP TABLE cases; --"], ["case", "list", "--state", "%"],
                 ["case", "list", "--category", "_"], ["queue", "room.%"], ["case", "list", "--from", "2020-13-45"]):
        one_line_refusal(invoke(db.url, *args))


# ----------------------------------------------------------------------- register: IDs, control characters, length


def _id(first17: str) -> str:
    return first17 + id_check_char(first17)


GOOD_ID = _id("34060319850315123")
BAD_IDS = [
    GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1"),   # checksum
    _id("34060319850230123"),                               # 30 February
    _id("34060320990101123"),                               # born in the future
    _id("34060318000101123"),                               # born before 1900
    GOOD_ID[:17], GOOD_ID + "1", "3406031985031512XX", "34060319850315123Y", "ABCDEFGHIJKLMNOPQR",
    "'; DROP TABLE parties; --", "340603 1985 0315 123", "0" * 18,
]
#: A valid number typed in full-width mode (issue 13, point 5: read after NFKC, stored in ASCII).
FULL_WIDTH_ID = "".join(chr(ord(c) + 0xFEE0) for c in GOOD_ID)


def register_args(**over: str) -> list[str]:
    fields = {"form": "口头", "category": "邻里", "street": "东街道", "summary": "漏水（合成示例）",
              "applicant-name": "测试甲", "respondent-name": "测试乙"}
    fields.update(over)
    args = ["case", "register", "--at", AT]
    for key, value in fields.items():
        args += [f"--{key}", value]
    return args


def test_a_full_width_id_number_is_stored_in_ascii(db):
    result = invoke(db.url, *register_args(**{"applicant-id": FULL_WIDTH_ID}), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["applicants"][0]["id_number"] == GOOD_ID[:6] + "********" + GOOD_ID[-4:]


@pytest.mark.parametrize("number", BAD_IDS)
def test_invalid_id_numbers_are_refused_without_being_echoed(db, number):
    before = table_rows(db)
    for flag in ("applicant-id", "respondent-id"):
        message = one_line_refusal(invoke(db.url, *register_args(**{flag: number})))
        assert "身份证号" in message and number not in message and number.strip() not in message
    assert table_rows(db) == before


CONTROL = ["\x00", "\x01", "\x07", "\x08", "\x1b[31m", "\x1b]0;pwned\x07", "\r", "\x7f", "\x85", "\x9b"]


@pytest.mark.parametrize("char", CONTROL, ids=[f"U+{ord(c[0]):04X}" for c in CONTROL])
def test_control_characters_are_refused_in_every_text_field(db, char):
    before = table_rows(db)
    for field in ("summary", "community", "applicant-name", "respondent-name"):
        message = one_line_refusal(invoke(db.url, *register_args(**{field: f"a{char}b"})))
        assert "控制字符" in message and "\x1b" not in message
    assert table_rows(db) == before


@pytest.mark.parametrize("field, length, words", [
    ("summary", 2001, "纠纷概要（--summary）最多 2000 字"), ("summary", 1_000_000, "最多 2000 字"),
    ("community", 101, "社区（--community）最多"), ("applicant-name", 51, "申请人姓名（--applicant-name）最多 50 字"),
    ("respondent-name", 5000, "最多"), ("case-no", 5000, "案号"),
    ("applicant-phone", 200, "申请人电话"), ("amount", 400, "涉及金额"), ("parties", 300, "当事人数"),
    ("category", 5000, "没有这个纠纷类型"), ("received-at", 5000, "登记时间"),
])
def test_over_long_text_is_refused_in_one_line(db, field, length, words):
    before = table_rows(db)
    value = ("9" if field in ("applicant-phone", "amount", "parties") else "长") * length
    message = one_line_refusal(invoke(db.url, *register_args(**{field: value})))
    assert words in message
    assert table_rows(db) == before


@pytest.mark.parametrize("field", ["case-no", "category", "form", "received-at", "parties"])
def test_an_error_line_quotes_at_most_a_little_of_the_input(db, field):
    message = one_line_refusal(invoke(db.url, *register_args(**{field: "长" * 5000})))
    assert len(message) < 500


def test_newlines_and_tabs_in_a_summary_are_kept_and_shown_without_raw_controls(db):
    result = invoke(db.url, *register_args(summary="第一行\n第二行\t制表"), "--json")
    no = json.loads(result.stdout)["case_no"]
    assert json.loads(invoke(db.url, "case", "show", no, "--json").stdout)["summary"] == "第一行\n第二行\t制表"
    shown = invoke(db.url, "case", "show", no).stdout
    assert "第一行" in shown and "第二行" in shown and "\x1b" not in shown


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\u200f"])
def test_bidirectional_overrides_are_refused(db, char):
    one_line_refusal(invoke(db.url, *register_args(**{"applicant-name": f"张{char}三"})))


# ----------------------------------------------------------------------- whole CSV files through replay

needs_replay = pytest.mark.skipif(not _module_exists(COMMANDS["replay"][0].split(":")[0]),
                                  reason="mediation replay is not there yet")

HEADER = "received_at,form,category,street,summary,applicant_name,applicant_id\n"
GOOD = "2020-05-01,口头,邻里,东街道,漏水（合成示例）,测试甲,\n"
TYPES = HEADER.rstrip("\n") + ",parties,amount,petition\n"

#: name -> (file bytes, (read, routed, rejected) or an error fragment, the lines rejected)
FILES = {
    "gb18030 row after 1 MiB of utf-8": (
        HEADER.encode() + GOOD.encode() * 20_000 + "2020-05-02,口头,邻里,东街道,漏水纠纷,测试乙,\n".encode("gb18030")
        + GOOD.encode(), (20_002, 20_001, 1), [20_002]),
    "gb18030 row early (encoding cannot be told)": (
        HEADER.encode() + GOOD.encode() + "2020-05-02,口头,邻里,东街道,漏水纠纷,测试乙,\n".encode("gb18030"),
        "cannot tell the encoding", []),
    "NUL byte": (HEADER.encode() + b"2020-05-01,oral,neighbor,dongjie,a\x00b,x,\n" + GOOD.encode(), (2, 1, 1), [2]),
    "10,000 columns": (HEADER.encode() + (GOOD.rstrip("\n") + "," * 10_000 + "\n").encode() + GOOD.encode(),
                       (2, 1, 1), [2]),
    "300,000-character field": (
        HEADER.encode() + ("2020-05-01,口头,邻里,东街道," + "长" * 300_000 + ",x,\n").encode() + GOOD.encode(),
        (2, 1, 1), [2]),
    "unclosed quote": (HEADER.encode() + b'2020-05-01,oral,neighbor,dongjie,"open ,x,\n' + GOOD.encode() * 3,
                       (1, 0, 1), [2]),
    "BOM mid-file": (HEADER.encode() + GOOD.encode() + b"\xef\xbb\xbf" + GOOD.encode(), (2, 1, 1), [3]),
    "CR line ends": ((HEADER + GOOD + GOOD).replace("\n", "\r").encode(), (2, 2, 0), []),
    "CRLF line ends": ((HEADER + GOOD + GOOD).replace("\n", "\r\n").encode(), (2, 2, 0), []),
    "wrong types and missing fields": ((
        TYPES + "2020-05-01,口头,邻里,东街道,x,甲,,abc,-5,maybe\n" + "not a date,口头,邻里,东街道,x,甲,,2,0,否\n"
        + "2020-05-01,,,,,,,,,\n" + "2020-05-01,口头,邻里,东街道,x,甲,123,2,0,否\n"
        + "2020-05-01,口头,邻里,东街道,x,甲,,2,0,否\n").encode(), (5, 1, 4), [2, 3, 4, 5]),
    "SQL in every cell": ((HEADER + "".join(
        f"2020-05-01,口头,邻里,东街道,\"{s.replace(chr(34), chr(34) * 2)}\",\"{s[:40].replace(chr(34), chr(34) * 2)}\",\n"
        for s in SQLISH)).encode(), (len(SQLISH), None, None), None),
    "SQL in a heading": ((HEADER.replace("summary", "\"summary'); DROP TABLE cases;--\"") + GOOD).encode(),
                         "unknown column", []),
    "empty": (b"", "is empty", []),
    "header only": (HEADER.encode(), (0, 0, 0), []),
    "utf-16": ((HEADER + GOOD).encode("utf-16"), "cannot tell the encoding", []),
    "random bytes": (random.Random(7).randbytes(4000), "cannot tell the encoding", []),
}


@needs_replay
@pytest.mark.parametrize("name", sorted(FILES))
def test_broken_csv_files_are_refused_row_by_row_or_in_one_line(tmp_path, name):
    data, expected, rejected_lines = FILES[name]
    source = tmp_path / "in.csv"
    source.write_bytes(data)
    rejects = tmp_path / "rejects.csv"
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(cli, ["replay", str(source), "--json", "--out", str(out), "--rejects", str(rejects),
                                      "--rules", RULES])
    assert "Traceback" not in result.output
    if isinstance(expected, str):
        assert result.exit_code == 2 and expected in result.stderr and result.stderr.count("\n") == 1, result.output
        return
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    read, routed, rejected = expected
    assert summary["read"] == read == summary["routed"] + summary["rejected"]
    assert routed is None or (summary["routed"], summary["rejected"]) == (routed, rejected)
    limit = csv.field_size_limit(1 << 24)  # the rejects file keeps a huge field as it was
    try:
        with open(rejects, encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
            rows = list(csv.reader(f))
    finally:
        csv.field_size_limit(limit)
    assert rows[0][:2] == ["line", "reason"] and all(r[1] for r in rows[1:])
    if rejected_lines is not None:
        assert [int(r[0]) for r in rows[1:]] == rejected_lines
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(results) == summary["routed"]


HOSTILE_CELLS = st.one_of(
    st.sampled_from(SQLISH + ["", " ", "\x00", "\r\n", "\n", '"', '""', ",", "\ufeff", "\u202e", "長" * 3000,
                              "2020-02-30", "-1", "1e400", "NaN", "是", "oral", "相南街道", "醫療"]),
    st.text(max_size=20),
)
COLUMNS = ["received_at", "form", "category", "street", "summary", "parties", "amount", "applicant_name",
           "applicant_id", "applicant_phone", "actual_destination"]


@needs_replay
@examples("few", suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(HOSTILE_CELLS, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=6),
       st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]))
def test_random_hostile_rows_are_each_routed_or_rejected(tmp_path_factory, rows, encoding):
    from mediation.replay.dry import dry_run
    from mediation.rules import load_rules

    rules = load_rules(ROOT / "rules")
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    folder = tmp_path_factory.mktemp("rows")
    source = folder / "rows.csv"
    try:
        source.write_bytes(text.getvalue().encode(encoding))
    except UnicodeEncodeError:
        source.write_bytes(text.getvalue().encode("utf-8"))
    try:
        summary = dry_run(source, rules, rejects=folder / "rejects.csv", out=folder / "out.jsonl")
    except Exception as exc:  # only a whole-file refusal, in one line, is allowed
        from mediation.errors import InputError

        assert isinstance(exc, InputError) and "\n" not in str(exc), repr(exc)
        return
    assert summary.read == summary.routed + summary.rejected
    with open(folder / "rejects.csv", encoding="utf-8-sig", errors="surrogateescape", newline="") as f:
        assert len(list(csv.reader(f))) - 1 == summary.rejected
    assert len((folder / "out.jsonl").read_text(encoding="utf-8").splitlines()) == summary.routed
    os.remove(source)
