"""Hostile rows in replayed files (issue 11): each is that row's reject, in the dry run and with ``--db`` alike.

- A lone surrogate (``"\\ud800"``), a key given twice, ``NaN``/``Infinity`` or
  a number too large for a float, and nesting ~990 or 100,000 deep on one
  JSON Lines line: the row is rejected with its line, the others are routed
  (and stored), and the rejects file is valid JSON (or CSV), never an
  internal error.
- A row refused for two reasons at once still gets into the rejects file.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from mediation.errors import InputError
from mediation.replay.dry import dry_run
from mediation.replay.jsonline import load_json_line
from mediation.replay.output import json_line
from mediation.replay.persisted import persist

GOOD = {"case_no": "XS-2020-00001", "received_at": "2020-03-02 09:00", "form": "oral", "category": "neighbor",
        "street": "xiangnan", "summary": "邻里噪音（合成示例）"}


def good(n: int) -> str:
    return json.dumps(dict(GOOD, case_no=f"XS-2020-{n:05d}"), ensure_ascii=False)


#: name -> the text of line 2 of a three-line file
HOSTILE = {
    "lone surrogate": good(2).replace("邻里噪音", "\\ud800"),
    "lone surrogate and a bad category": good(2).replace("邻里噪音", "\\udc80").replace("neighbor", "宠物饲养"),
    "lone surrogate in a key": good(2)[:-1] + ', "\\ud800": 1}',
    "lone surrogate in an ignored column": good(2)[:-1] + ', "备注": "\\ud800"}',
    "duplicate key": good(2)[:-1] + ', "summary": "另一个概要"}',
    "duplicate key in a party": good(2)[:-1] + ', "applicants": [{"name": "测试甲", "name": "测试乙"}]}',
    "NaN": good(2)[:-1] + ', "amount": NaN}',
    "Infinity": good(2)[:-1] + ', "amount": -Infinity}',
    "1e400": good(2)[:-1] + ', "amount": 1e400}',
    "990 nested arrays": good(2)[:-1] + ', "备注": ' + "[" * 990 + "]" * 990 + "}",
    "990 nested arrays alone": "[" * 990 + "]" * 990,
    "100000 open arrays": "[" * 100_000,
    "100000 nested objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
}
REASONS = {"lone surrogate": "lone surrogate", "duplicate key": "given twice", "NaN": "not a JSON number",
           "Infinity": "not a JSON number", "1e400": "too large", "nested": "levels deep", "open": "levels deep"}


def reason_for(name: str) -> str:
    return next(reason for key, reason in REASONS.items() if key in name)


def source(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join([good(1), HOSTILE[name], good(3)]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_json_line_is_that_rows_reject_in_the_dry_run(tmp_path, rules, name):
    for rejects in ("rejects.jsonl", "rejects.csv"):
        summary = dry_run(source(tmp_path, name), rules, rejects=tmp_path / rejects)
        assert (summary.read, summary.routed, summary.rejected) == (3, 2, 1)
        text = (tmp_path / rejects).read_bytes().decode("utf-8")  # valid UTF-8
        if rejects.endswith(".jsonl"):
            (record,) = [json.loads(line, parse_constant=pytest.fail) for line in text.splitlines()]
            assert record["line"] == 2 and reason_for(name) in record["reason"], record["reason"]
        else:
            limit = csv.field_size_limit(1 << 24)  # the rejects file keeps a huge line as it was
            try:
                (_, row) = list(csv.reader(text.splitlines()))
            finally:
                csv.field_size_limit(limit)
            assert row[0] == "2" and reason_for(name) in row[1]


@pytest.mark.parametrize("name", ["lone surrogate", "lone surrogate and a bad category",
                                  "lone surrogate in an ignored column", "duplicate key", "NaN",
                                  "990 nested arrays"])
def test_a_hostile_json_line_is_that_rows_reject_when_stored(tmp_path, rules, db, name):
    rejects = tmp_path / "rejects.jsonl"
    stored = persist(source(tmp_path, name), rules, db, operator="sup01", rejects=rejects)
    assert (stored.summary.read, stored.summary.routed, stored.summary.rejected) == (3, 2, 1)
    assert stored.stored.stored == 2
    (record,) = [json.loads(line) for line in rejects.read_text(encoding="utf-8").splitlines()]
    assert record["line"] == 2 and reason_for(name) in record["reason"]


def test_plain_json_is_read_as_json_reads_it():
    text = '{"a": "\\ud83d\\ude00 \\\\ud800", "b": [1, 2.5, {"c": null}], "d": "[[[[[[[[[[[[[[[[[[[[[["}'
    assert load_json_line(text) == json.loads(text)


def test_the_jsonl_rejects_of_a_csv_with_bad_bytes_are_valid_utf8_json(tmp_path, rules):
    path = tmp_path / "in.csv"
    header = "received_at,form,category,street,summary\n"
    path.write_bytes(header.encode() + b"2020-05-01,oral,neighbor,xiangnan,a\xff\xfeb\n"
                     + "2020-05-01,oral,neighbor,xiangnan,好\n".encode() * 3)
    summary = dry_run(path, rules, rejects=tmp_path / "rejects.jsonl", encoding="utf-8")
    assert (summary.read, summary.rejected) == (4, 1)
    (record,) = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_bytes().decode().splitlines()]
    assert record["line"] == 2 and record["record"][-1] == "a\udcff\udcfeb"  # the bytes, recoverable


def test_json_lines_written_are_valid_json_whatever_they_hold():
    for value, back in [({"a": float("nan"), "b": [float("inf"), -float("inf")]}, {"a": "nan", "b": ["inf", "-inf"]}),
                        ({"a": "x\ud800y"}, {"a": "x\ud800y"}), ({"a": "好"}, {"a": "好"})]:
        text = json_line(value)
        text.encode("utf-8")  # no raw surrogate
        assert json.loads(text, parse_constant=pytest.fail) == back
    assert json_line({"a": "好"}) == '{"a": "好"}'  # readable when it can be


def test_a_fifo_or_a_device_as_input_is_refused_without_waiting(tmp_path, rules):
    fifo = tmp_path / "cases.csv"
    os.mkfifo(fifo)  # opened for reading, this waited for a writer for ever
    device = tmp_path / "zero.csv"
    device.symlink_to("/dev/zero")
    for path in (fifo, device):
        with pytest.raises(InputError, match="not a regular file") as caught:
            dry_run(path, rules)
        assert "\n" not in str(caught.value)
    with pytest.raises(InputError, match="not standard input"):
        dry_run("-", rules)


def stray_quote_file(tmp_path: Path) -> Path:
    """50 cases; a stray quote opens row 3's summary and another closes row 6's: rows 4 and 5 fall inside."""
    lines = ["received_at,form,category,street,summary,applicant_name,applicant_phone"]
    for n in range(1, 51):
        summary = "邻里噪音（合成示例）"
        if n == 3:
            summary = '"' + summary
        if n == 6:
            summary = summary + '"'
        lines.append(f"2020-05-01,oral,neighbor,xiangnan,{summary},测试甲{n:02d},1380000{n:04d}")
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_stray_quote_that_swallows_rows_is_rejected_with_its_lines(tmp_path, rules):
    summary = dry_run(stray_quote_file(tmp_path), rules, rejects=tmp_path / "rejects.csv")
    assert (summary.read, summary.routed, summary.rejected) == (47, 46, 1)  # was 47 routed, 0 rejected
    with open(tmp_path / "rejects.csv", encoding="utf-8-sig", newline="") as f:
        (_, reject) = list(csv.reader(f))
    assert reject[0] == "4" and "lines 4-7 were read as one row" in reject[1] and "2 line(s)" in reject[1]


def test_a_summary_of_several_lines_is_not_taken_for_a_stray_quote(tmp_path, rules):
    path = tmp_path / "ok.csv"
    path.write_text('received_at,form,category,street,summary\n'
                    '2020-05-01,oral,neighbor,xiangnan,"第一段, 有逗号\n第二段, 也有\n第三段"\n'
                    '2020-05-01,oral,neighbor,xiangnan,好\n', encoding="utf-8")
    summary = dry_run(path, rules)
    assert (summary.read, summary.routed, summary.rejected) == (2, 2, 0)


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', '{ "a" : 1 , "a" : 2 }', '{"a": "x\\":y", "a": 1}',
                                  '{"b": [{"c": 1}, {"c": 2, "c": 3}]}', '{"b": {"c": {"d": 1, "d": 1}}}'])
def test_a_key_given_twice_is_found_wherever_it_is(text):
    with pytest.raises(ValueError, match="given twice"):
        load_json_line(text)


@pytest.mark.parametrize("text", ['{"a": "x\\":y"}', '{"a": "\\":\\":"}', '{"b": [{"c": 1}, {"c": 2}], "c": 3}'])
def test_keys_alike_in_different_objects_or_in_strings_are_no_duplicates(text):
    assert load_json_line(text) == json.loads(text)


@pytest.mark.parametrize("column", ["outcome", "agreement_form", "actual_destination"])
@pytest.mark.parametrize("value", [["settled"], {"a": 1}, 5])
def test_a_list_or_object_in_a_history_column_is_that_rows_reject(tmp_path, rules, column, value):
    path = tmp_path / "in.jsonl"  # was: internal error: TypeError: unhashable type
    bad = json.dumps(dict(GOOD, case_no="XS-2020-00002", **{column: value}), ensure_ascii=False)
    path.write_text("\n".join([good(1), bad, good(3)]) + "\n", encoding="utf-8")
    summary = dry_run(path, rules, rejects=tmp_path / "rejects.jsonl")
    assert (summary.read, summary.routed, summary.rejected) == (3, 2, 1)
    (record,) = [json.loads(x) for x in (tmp_path / "rejects.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["line"] == 2 and column in record["reason"]
