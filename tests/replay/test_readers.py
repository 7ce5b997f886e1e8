"""Case tables: encodings, headings, line numbers, bad rows, byte ranges."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from mediation.errors import InputError
from mediation.replay import readers
from mediation.replay.readers import SPLIT, detect_encoding, detect_format, open_table
from mediation.rules import load_rules

ROOT = Path(__file__).resolve().parents[2]
HISTORY = ROOT / "examples" / "history-2020.csv"
HEADER = "案件编号,登记时间,形式,纠纷类型,街道,summary\n"
ROWS = "XS-2020-00001,2020-05-06 09:00,口头,邻里,相南街道,邻居漏水\nXS-2020-00002,2020-05-07,书面,合同,东街道,借款\n"


@pytest.fixture(scope="module")
def rules():
    return load_rules(ROOT / "rules")


def write(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "cases.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(table, *args) -> list:
    return list(table.rows(*args))


@pytest.mark.parametrize("encoding, expected", [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"),
                                                ("gb18030", "gb18030")])
def test_encodings_are_detected(tmp_path, rules, encoding, expected):
    table = open_table(write(tmp_path, HEADER + ROWS, encoding), rules)
    assert table.encoding == expected
    assert table.headings[0] == "案件编号"  # no BOM left on the first heading
    assert table.columns == ["case_no", "received_at", "form", "category", "street", "summary"]
    got = rows(table)
    assert [line for line, _, _ in got] == [2, 3]
    assert got[0][1] == ["XS-2020-00001", "2020-05-06 09:00", "口头", "邻里", "相南街道", "邻居漏水"]
    assert all(error is None for _, _, error in got)


def test_gbk_bytes_are_not_taken_for_utf8():
    assert detect_encoding("纠纷类型".encode("gb18030")) == "gb18030"
    assert detect_encoding("纠纷类型".encode()) == "utf-8"
    assert detect_encoding(codecs.BOM_UTF8 + b"a") == "utf-8-sig"
    # a sample cut in the middle of a character is still UTF-8
    assert detect_encoding("纠纷类型".encode()[:-1]) == "utf-8"


def test_encoding_can_be_given(tmp_path, rules):
    path = write(tmp_path, HEADER + ROWS, "gb18030")
    table = open_table(path, rules, encoding="GB18030")
    assert table.encoding == "gb18030" and rows(table)[1][1][3] == "合同"
    with pytest.raises(InputError, match="unknown encoding"):
        open_table(path, rules, encoding="klingon")


def test_undetectable_encoding_is_one_clear_error(tmp_path, rules):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x30" * 10)
    with pytest.raises(InputError, match="neither UTF-8 nor GB18030"):
        open_table(path, rules)


def test_bytes_that_do_not_decode_later_reject_the_row_only(tmp_path, rules, monkeypatch):
    monkeypatch.setattr(readers, "SAMPLE", 200)  # the encoding is told from the first 200 bytes
    text = HEADER + ROWS + "XS-2020-00003,2020-05-08,口头,邻里,相南街道,"
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode() + "坏".encode("gb18030") + b"\n" + "XS-2020-00004,2020-05-08,口头,邻里,西街道,好\n"
                     .encode())
    got = rows(open_table(path, rules))
    assert [(line, error is None) for line, _, error in got] == [(2, True), (3, True), (4, False), (5, True)]
    assert "not valid utf-8" in got[2][2]


def test_chinese_headings_aliases_and_traditional_forms(tmp_path, rules):
    header = "編號,登记日期,纠纷形式,類型,属地,案情,人数,标的额,是否涉访,风险,实际去向,办结时间\n"
    path = write(tmp_path, header + "XS-2020-00001,2020-05-06,口头,邻里,相南,x,2,0,否,低,综合调解室,2020-05-09\n")
    table = open_table(path, rules)
    assert table.columns == ["case_no", "received_at", "form", "category", "street", "summary", "parties", "amount",
                             "petition", "risk", "actual_destination", "closed_at"]


def test_unknown_column_is_refused_before_any_row_with_a_suggestion(tmp_path, rules):
    path = write(tmp_path, "登记时间,形式,纠纷类形,街道,summary\n2020-05-06,口头,邻里,相南,x\n")
    with pytest.raises(InputError) as err:
        open_table(path, rules)
    text = str(err.value)
    assert "unknown column '纠纷类形'" in text and ":1" in text and "category" in text and "\n" not in text


def test_two_headings_for_one_field_are_refused(tmp_path, rules):
    path = write(tmp_path, "登记时间,形式,纠纷类型,街道,street,summary\n")
    with pytest.raises(InputError, match="both mean street"):
        open_table(path, rules)


def test_ignorable_and_ignored_columns(tmp_path, rules):
    path = write(tmp_path, "序号,登记时间,形式,纠纷类型,街道,summary,备注,经办人,\n1,2020-05-06,口头,邻里,相南,x,,李,\n")
    with pytest.raises(InputError, match="经办人"):
        open_table(path, rules)
    table = open_table(path, rules, ignore=["经办人"])
    assert table.columns == [None, "received_at", "form", "category", "street", "summary", None, None, None]


def test_required_columns(tmp_path, rules):
    path = write(tmp_path, "形式,纠纷类型,街道,summary\n口头,邻里,相南,x\n")
    with pytest.raises(InputError, match="no received_at .登记时间. column"):
        open_table(path, rules, required=["received_at"])


def test_line_numbers_count_physical_lines_of_quoted_fields(tmp_path, rules):
    text = (HEADER
            + 'XS-2020-00001,2020-05-06,口头,邻里,相南街道,"第一行\n第二行\n第三行"\n'
            + "\n"
            + "XS-2020-00002,2020-05-07,书面,合同,东街道,x\r\n"
            + 'XS-2020-00003,2020-05-07,书面,合同,东街道,"a ""quoted"" word"\n')
    got = rows(open_table(write(tmp_path, text), rules))
    assert [line for line, _, _ in got] == [2, 6, 7]
    assert got[0][1][5] == "第一行\n第二行\n第三行"
    assert got[2][1][5] == 'a "quoted" word'


def test_bad_csv_rows_are_reported_with_their_text_and_reading_goes_on(tmp_path, rules):
    text = (HEADER
            + "XS-2020-00001,2020-05-06,口头,邻里\n"                      # too few fields
            + 'XS-2020-00002,2020-05-07,书面,合同,东街道,"x"y\n'          # text after a closing quote
            + "XS-2020-00003,2020-05-07,书面,合同,东街道,fine\n"
            + 'XS-2020-00004,2020-05-07,书面,合同,东街道,"never closed\nat all\n')
    got = rows(open_table(write(tmp_path, text), rules))
    assert [(line, error is None) for line, _, error in got] == [(2, False), (3, False), (4, True), (5, False)]
    assert "4 fields" in got[0][2] and got[0][1] == ["XS-2020-00001", "2020-05-06", "口头", "邻里"]
    assert "not valid CSV" in got[1][2] and got[1][1] == ['XS-2020-00002,2020-05-07,书面,合同,东街道,"x"y']
    assert "unexpected end of data" in got[3][2]
    assert got[3][1] == ['XS-2020-00004,2020-05-07,书面,合同,东街道,"never closed\nat all']


def test_jsonl(tmp_path, rules):
    lines = [
        json.dumps({"案件编号": "XS-2020-00001", "登记时间": "2020-05-06", "form": "oral", "category": "邻里",
                    "street": "相南", "summary": "x", "parties": 3, "petition": False}, ensure_ascii=False),
        "",
        "{not json",
        "[1, 2]",
        json.dumps({"received_at": "2020-05-07", "form": "书面", "category": "合同", "street": "东街道",
                    "summary": "y"}, ensure_ascii=False),
    ]
    path = write(tmp_path, "\n".join(lines) + "\n", name="cases.jsonl")
    table = open_table(path, rules)
    assert table.format == "jsonl"
    got = rows(table)
    assert [(line, error is None) for line, _, error in got] == [(1, True), (3, False), (4, False), (5, True)]
    assert got[0][1]["parties"] == 3
    assert "not valid JSON" in got[1][2] and got[1][1] == "{not json"
    assert "one case object" in got[2][2]


def test_jsonl_first_object_keys_are_checked(tmp_path, rules):
    path = write(tmp_path, json.dumps({"登记时间": "2020-05-06", "catgory": "x"}) + "\n", name="c.jsonl")
    with pytest.raises(InputError, match="unknown column 'catgory'"):
        open_table(path, rules)


def test_format_by_name_or_content(tmp_path, rules):
    assert detect_format(Path("c.txt"), b'{"summary": "x"}') == "csv"
    assert detect_format(Path("c.ndjson"), b"") == "jsonl"
    assert open_table(write(tmp_path, '{"summary": "x"}\n', name="c.data"), rules).format == "jsonl"
    assert open_table(write(tmp_path, HEADER, name="c.data"), rules).format == "csv"


def test_empty_file_or_header(tmp_path, rules):
    with pytest.raises(InputError, match="is empty"):
        open_table(write(tmp_path, ""), rules)
    with pytest.raises(InputError, match="not a header row"):
        open_table(write(tmp_path, "\n" + HEADER + ROWS), rules)


def test_missing_file_and_directory(tmp_path, rules):
    with pytest.raises(InputError, match="cannot read .*nope.csv"):
        open_table(tmp_path / "nope.csv", rules)
    with pytest.raises(InputError, match="is a directory"):
        open_table(tmp_path, rules)


def test_byte_ranges_read_the_same_rows(rules):
    table = open_table(HISTORY, rules)
    whole = rows(table)
    data = HISTORY.read_bytes()
    cut = data.index(b"\n", len(data) // 2) + 1
    first_line = data[:cut].count(b"\n") + 1
    parts = rows(table, table.data_start, cut, 2) + rows(table, cut, table.size, first_line)
    assert parts == whole


def test_a_range_ending_inside_a_quoted_field_is_detected(tmp_path, rules):
    text = HEADER + 'XS-2020-00001,2020-05-06,口头,邻里,相南街道,"one\ntwo"\nXS-2020-00002,2020-05-07,书面,合同,东街道,z\n'
    path = write(tmp_path, text)
    table = open_table(path, rules)
    data = path.read_bytes()
    inside = data.index(b"one\n") + 4  # just after the newline inside the quotes
    got = rows(table, table.data_start, inside, 2)
    assert got[-1] == (0, None, SPLIT)
    clean = data.index(b'two"\n') + 5
    assert all(error is None for _, _, error in rows(table, table.data_start, clean, 2))
