"""Readers for case tables: CSV and JSON Lines, streamed, with physical line numbers.

A CSV file has one header row; its headings are docs/design.md §2 field ids or their
Chinese labels (the rule set's ``fields``: 登记时间, 纠纷类型, 街道, 形式 ...), plus
the replay columns ``actual_destination``, ``taken_at``, ``outcome``,
``agreement_form`` and ``closed_at``. The encoding is UTF-8, UTF-8 with a BOM
or GB18030, told apart from the first MiB, or given. A JSON Lines file holds
one case object per line, keyed the same way.

Rows come one at a time as ``(line, values, error)``: ``line`` is the 1-based
physical line where the row starts (the header is line 1; a quoted field with
newlines makes a row span several lines); ``values`` is the list of cells (CSV)
or the object (JSONL); ``error`` is None, or why the row cannot be read (then
``values`` holds what is left of it: the cells, or the raw text). Reading never
stops at a bad row, and memory does not grow with the file.

Headings that are no field are refused before any row is read, with a
suggestion, except the ignorable extras :data:`IGNORABLE` (an empty heading, a
row number 序号 or #, remarks 备注) and those the caller names in ``ignore``.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mediation.cases import parser_for
from mediation.errors import InputError
from mediation.replay.jsonline import load_json_line

#: Headings accepted and ignored without being asked: spreadsheet exports carry them.
IGNORABLE = frozenset({"", "序号", "#", "备注", "note", "notes"})
#: Codecs Python counts as text encodings that cannot read a file (host names; the always-failing one).
NOT_FOR_FILES = frozenset({"idna", "punycode", "undefined"})
#: How much of a file decides its encoding.
SAMPLE = 1 << 20
#: Longest CSV field accepted; a longer one is nearly always an unclosed quote.
FIELD_LIMIT = 1 << 17
FORMATS = ("csv", "jsonl")

_ERRORS = "mediation-replay"
_decode_errors = [0]


def _escape(exc: UnicodeError) -> tuple[str, int]:
    # Bytes that do not decode become lone surrogates (as surrogateescape does),
    # so the row can be refused and written back to the rejects file unchanged.
    _decode_errors[0] += 1
    return codecs.lookup_error("surrogateescape")(exc)


codecs.register_error(_ERRORS, _escape)


def has_undecodable(text: str) -> bool:
    """Whether ``text`` holds bytes that did not decode (as lone surrogates)."""
    return any("\udc80" <= ch <= "\udcff" for ch in text)


@dataclass
class Table:
    """An input file, opened and checked: its format, encoding and columns.

    ``columns`` has, per CSV column, the field id its heading stands for, or
    None for an ignored column. Iterate :meth:`rows` once; :meth:`position` is
    the byte offset read so far (for a progress bar).
    """

    path: Path
    name: str
    format: str
    encoding: str
    size: int
    headings: list[str] = field(default_factory=list)
    columns: list[str | None] = field(default_factory=list)
    data_start: int = 0  # byte offset of the first data row
    fields: Any = None  # the FieldNames that checked the headings
    _raw: Any = None
    _others: list = field(default_factory=list)

    # ------------------------------------------------------------ rows

    def rows(self, start: int | None = None, end: int | None = None,
             first_line: int | None = None) -> Iterator[tuple[int, Any, str | None]]:
        """The rows as ``(line, values, error)``; optionally only the byte range [start, end).

        A range must begin where a row begins and ``first_line`` must be its
        line number (default: the first data row's, 2 for CSV, 1 for JSON Lines). When ``end`` is given, the range is checked to end where a
        row ends: if it does not, the last item is ``(0, None, SPLIT)``.
        """
        start = self.data_start if start is None else start
        if first_line is None:
            first_line = 2 if self.format == "csv" else 1
        if self.format == "jsonl":
            return self._jsonl_rows(start, end, first_line)
        return self._csv_rows(start, end, first_line)

    def position(self) -> int:
        """Bytes of the file read so far (approximate: buffered)."""
        raw = self._raw
        try:
            return raw.tell() if raw is not None and not raw.closed else self.size
        except (OSError, ValueError):
            return self.size

    def close(self) -> None:
        for f in (self._raw, *self._others):
            if f is not None:
                f.close()
        self._others.clear()

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open_range(self, start: int, end: int | None):
        raw = open(self.path, "rb")  # noqa: SIM115 - closed by close()
        self.close()
        self._raw = raw
        raw.seek(start)
        if end is None:
            return raw
        return io.BufferedReader(_Limited(raw, end - start), buffer_size=1 << 16)

    def _csv_rows(self, start: int, end: int | None, first_line: int):
        encoding = self.encoding if start == 0 else _no_bom(self.encoding)
        stream = io.TextIOWrapper(self._open_range(start, end), encoding=encoding, errors=_ERRORS,
                                  newline="")
        lines = stream if end is None else _Sentinel(stream)
        csv.field_size_limit(FIELD_LIMIT)  # the module's limit is process-wide: say ours, whoever set it
        reader = csv.reader(lines, strict=True)
        width = len(self.headings)
        errors = _decode_errors  # a local: read once per row
        decode_errors = errors[0]
        offset = first_line - 1  # reader.line_num counts from the start of the range
        last = offset
        raw_lines = _RawLines(self, start, end, first_line, encoding)
        ranged = end is not None
        while True:
            try:
                # a for loop is cheaper than next() per row; a csv.Error leaves it and comes back
                for row in reader:
                    line, last = last + 1, reader.line_num + offset
                    if ranged and lines.seen:
                        if row != [_SENTINEL]:
                            yield 0, None, SPLIT
                        return
                    if len(row) != width:
                        if row:  # else a blank line
                            yield line, row, f"row has {len(row)} fields, the header has {width}"
                        continue
                    if errors[0] != decode_errors and any(map(has_undecodable, row)):
                        yield line, row, f"not valid {self.encoding} text (pass --encoding if the file has another)"
                        continue
                    if last > line:  # a quoted field spans lines: a stray quote may have swallowed rows
                        swallowed = rows_inside(row, width)
                        if swallowed:
                            yield line, row, (f"lines {line}-{last} were read as one row: a quoted field opened "
                                              f"on line {line} closes only on line {last}, and {swallowed} "
                                              "line(s) inside it look like rows of their own (a stray quote?)")
                            continue
                    yield line, row, None
                return
            except csv.Error as exc:
                if ranged and lines.seen:
                    yield 0, None, SPLIT  # the sentinel fell into an open quoted field
                    return
                line, last = last + 1, reader.line_num + offset
                yield line, [raw_lines.text(line, last)], f"not valid CSV: {exc}"

    def _jsonl_rows(self, start: int, end: int | None, first_line: int):
        raw = self._open_range(start, end)
        first = self.encoding if start == 0 else _no_bom(self.encoding)
        rest = _no_bom(self.encoding)
        line = first_line - 1
        for chunk in raw:
            line += 1
            text = chunk.decode(first if line == first_line else rest, _ERRORS)
            if not text.strip():
                continue
            if has_undecodable(text):
                yield line, text.rstrip("\r\n"), f"not valid {self.encoding} text"
                continue
            try:
                value = load_json_line(text)
            except ValueError as exc:
                yield line, text.rstrip("\r\n"), f"not valid JSON: {getattr(exc, 'msg', exc)}"
                continue
            if not isinstance(value, dict):
                yield line, text.rstrip("\r\n"), f"a line holds one case object, not {type(value).__name__}"
                continue
            yield line, value, None


def rows_inside(row: list[str], width: int) -> int:
    """How many whole lines inside the cells of ``row`` read as rows of ``width`` fields on their own.

    A field that spans lines legitimately (a summary of two paragraphs) has
    none; one that a stray quote opened has swallowed the rows that follow.
    The first and last line of a cell are left out: they hold parts of the
    rows the field starts and ends in. (With fewer than 3 columns any line
    looks like a row, so nothing is said.)
    """
    if width < 3:
        return 0
    found = 0
    for cell in row:
        if "\n" not in cell and "\r" not in cell:
            continue
        for text in cell.splitlines()[1:-1]:
            try:
                cells = next(csv.reader([text]), [])
            except csv.Error:
                continue
            if len(cells) == width:
                found += 1
    return found


#: The item :meth:`Table.rows` ends with when a byte range did not end where a row ends.
SPLIT = "range does not end at a row boundary"
_SENTINEL = "\x00mediation-range-end\x00"


class _Sentinel:
    """The lines of a range, then one sentinel line.

    Read by the CSV parser, the sentinel comes back as a row of its own only if
    the range ended where a row ended; inside an open quoted field it is
    swallowed into that field.
    """

    def __init__(self, stream) -> None:
        self.stream = stream
        self.seen = False

    def __iter__(self):
        yield from self.stream
        self.seen = True
        yield _SENTINEL + "\n"


class _Limited(io.RawIOBase):
    """The first ``limit`` bytes of a binary file, from where it stands."""

    def __init__(self, raw, limit: int) -> None:
        self.raw = raw
        self.left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.left <= 0:
            return 0
        view = memoryview(buffer).cast("B")[: self.left]
        n = self.raw.readinto(view) or 0
        self.left -= n
        return n


class _RawLines:
    """The physical lines of a file by number, read only when a row is not valid CSV.

    Rows that the CSV parser refuses have no cells to show, so the rejects file
    gets their text instead. Requests come in increasing line order, so one
    forward pass serves them all, and a file without such rows is never re-read.
    """

    def __init__(self, table: Table, start: int, end: int | None, first_line: int, encoding: str) -> None:
        self.table, self.start, self.end, self.encoding = table, start, end, encoding
        self.next_line = first_line
        self.lines: Iterator[str] | None = None

    def text(self, first: int, last: int) -> str:
        if self.lines is None:
            raw = open(self.table.path, "rb")  # noqa: SIM115 - closed with the table
            self.table._others.append(raw)
            raw.seek(self.start)
            stream = raw if self.end is None else io.BufferedReader(_Limited(raw, self.end - self.start))
            self.lines = iter(io.TextIOWrapper(stream, encoding=self.encoding, errors=_ERRORS, newline=""))
        out = []
        for text in self.lines:
            n = self.next_line
            self.next_line += 1
            if n >= first:
                out.append(text)
            if n >= last:
                break
        return "".join(out).rstrip("\r\n")


def _no_bom(encoding: str) -> str:
    return "utf-8" if encoding == "utf-8-sig" else encoding


# ------------------------------------------------------------ opening


def detect_encoding(sample: bytes) -> str | None:
    """``utf-8-sig`` (a BOM), ``utf-8`` or ``gb18030``, from a file's first bytes; None if neither."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def detect_format(path: Path, sample: bytes) -> str:
    """``jsonl`` for ``*.jsonl``/``*.ndjson`` or a file starting with ``{``; otherwise ``csv``."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        return "jsonl"
    if suffix in (".csv", ".tsv", ".txt"):
        return "csv"
    return "jsonl" if sample.lstrip(codecs.BOM_UTF8 + b" \t\r\n").startswith(b"{") else "csv"


def open_table(path: str | Path, rules, *, encoding: str | None = None, format: str | None = None,
               ignore: Iterable[str] = (), required: Iterable[str] = ()) -> Table:
    """Open a case table and check its columns against the rule set's field labels.

    Raises :class:`InputError` (one line naming the file and, for a column,
    line 1 and a suggestion) when the file cannot be read, its encoding is
    neither UTF-8 nor GB18030 (and none is given), a heading is unknown or two
    headings mean the same field, or a field in ``required`` has no column.
    For JSON Lines the first object's keys are checked the same way; later
    objects are checked row by row.
    """
    if str(path) == "-":
        raise InputError("a replay reads a file, not standard input (it reads the file more than once)",
                         hint="save the cases to a file first")
    path = Path(path)
    name = str(path)
    try:
        st = os.stat(path)
        if stat.S_ISDIR(st.st_mode):
            raise IsADirectoryError
        if not stat.S_ISREG(st.st_mode):
            # a pipe would hang the run (and cannot be read twice), a device never ends
            raise InputError(f"{name} is not a regular file (a pipe, device or socket)",
                             hint="save the cases to a file first")
        size = st.st_size
        with open(path, "rb") as f:
            sample = f.read(SAMPLE)
    except IsADirectoryError:
        raise InputError(f"{name} is a directory, not a file of cases") from None
    except OSError as exc:
        raise InputError(f"cannot read {name}: {exc.strerror or exc}") from None
    if format is None:
        format = detect_format(path, sample)
    elif format not in FORMATS:
        raise InputError(f"unknown format {format!r}", hint="csv or jsonl")
    if encoding is None:
        encoding = detect_encoding(sample)
        if encoding is None:
            raise InputError(f"cannot tell the encoding of {name}: it is neither UTF-8 nor GB18030",
                             hint="pass --encoding")
    else:
        try:
            info = codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", hint="e.g. utf-8, gb18030") from None
        # bytes-to-bytes and str-to-str codecs (hex, base64, rot13) are no text encodings, and
        # idna and punycode encode host names: none of them can read a file of cases
        if not getattr(info, "_is_text_encoding", True) or info.name in NOT_FOR_FILES:
            raise InputError(f"{encoding!r} is not a text encoding of files", hint="e.g. utf-8, gb18030")
        encoding = info.name
        if encoding == "utf-8" and sample.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
    table = Table(path=path, name=name, format=format, encoding=encoding, size=size)
    table.fields = fields = FieldNames(rules, ignore)
    if format == "csv":
        headings, data_start = _header(path, sample, encoding, name)
        table.headings = headings
        table.columns = fields.columns(headings, name)
        table.data_start = data_start
        present = table.columns
    else:
        present = _first_keys(sample, encoding, name, fields)
    for field_id in required:
        if present is not None and field_id not in present:
            label = rules.catalogue.label("field", field_id)
            raise InputError(f"{name} has no {field_id} ({label}) column", file=name, line=1,
                             hint=f"a replay needs {field_id} for every case")
    return table


class FieldNames:
    """Column headings (or JSON keys) -> field ids for one rule set.

    :meth:`field` gives the field id, None for a heading to ignore, or raises
    :class:`InputError` for an unknown one; :meth:`columns` also refuses two
    headings that mean the same field.
    """

    def __init__(self, rules, ignore: Iterable[str] = ()) -> None:
        self.parser = parser_for(rules)
        self.index = rules.catalogue.index["field"]
        skip = {str(i).strip() for i in ignore}
        self.ignored_fields = frozenset(f for f in (self.parser.column_of(i) for i in skip) if f)
        self.ignored = frozenset(skip | IGNORABLE)

    def field(self, heading: str, name: str | None = None) -> str | None:
        text = heading.strip() if heading.__class__ is str else str(heading)
        if text in self.ignored:
            return None
        field_id = self.parser.column_of(text)
        if field_id in self.ignored_fields:
            return None
        if field_id is None:
            hint = self.index.suggest(text)
            raise InputError(f"unknown column {heading!r}", file=name, line=1 if name else None,
                             hint=(hint + " " if hint else "") + "(or pass --ignore to skip it)")
        return field_id

    def columns(self, headings: Iterable[str], name: str | None = None) -> list[str | None]:
        seen: dict[str, str] = {}
        out = []
        for heading in headings:
            field_id = self.field(heading, name)
            if field_id is not None:
                if field_id in seen:
                    raise InputError(f"columns {seen[field_id]!r} and {heading!r} both mean {field_id}",
                                     file=name, line=1 if name else None, hint="keep one of them")
                seen[field_id] = heading
            out.append(field_id)
        return out


def _header(path: Path, sample: bytes, encoding: str, name: str) -> tuple[list[str], int]:
    """The header row's cells and the byte offset just after it."""
    text = sample.decode(encoding, _ERRORS)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        headings = next(reader)
    except StopIteration:
        raise InputError(f"{name} is empty: a CSV file starts with a header row") from None
    except csv.Error as exc:
        raise InputError(f"the header row is not valid CSV: {exc}", file=name, line=1) from None
    if reader.line_num != 1:
        raise InputError("the header row spans several lines", file=name, line=1)
    if not any(h.strip() for h in headings):
        raise InputError("the first line is not a header row (it is empty)", file=name, line=1,
                         hint="a CSV file starts with the column headings")
    if any(has_undecodable(h) for h in headings):
        raise InputError(f"the header row is not valid {encoding} text", file=name, line=1,
                         hint="pass --encoding")
    end = sample.find(b"\n")
    cr = sample.find(b"\r")
    if end < 0 and cr < 0:
        end = len(sample)
        if len(sample) == SAMPLE:
            raise InputError("the header row is longer than 1 MiB", file=name, line=1)
    elif end < 0 or 0 <= cr < end - 1:
        end = cr  # a lone CR ends the line
    return headings, end + 1


def _first_keys(sample: bytes, encoding: str, name: str, fields: FieldNames) -> list[str | None] | None:
    """The fields of the first object's keys; None when the first row is no object (it is refused when read)."""
    for number, raw in enumerate(sample.split(b"\n"), 1):
        text = raw.decode(encoding if number == 1 else _no_bom(encoding), "replace").strip()
        if not text:
            continue
        try:
            value = load_json_line(text)
        except ValueError:
            return None
        if not isinstance(value, dict):
            return None
        return fields.columns(value, name)
    return []
