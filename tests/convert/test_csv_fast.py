"""The compiled CSV row split (``_ccsv``) reads what csv.reader reads, or declines.

The CSV feeds (SMS, X.1247) try ``_ccsv.split`` on each line and hand the rows it declines to
``csv.reader``. Here the split is held against csv.reader line by line (pinned odd lines and
generated ones), and the readers are run both ways on the real samples and on generated and
mutated files: the rows and the errors must be the same. Under ``CI=true`` the module must be built.
"""

from __future__ import annotations

import csv
import io
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iodef.convert.readers import spamfeeds
from iodef.convert.readers.columns import ReadOptions, parse_columns
from iodef.errors import RecordError

from .conftest import SHARED_SAMPLES, require_samples

SAMPLES = SHARED_SAMPLES / "spam" / "sms"
SPLIT = spamfeeds._COMPILED_SPLIT  # built, whether IODEF_PURE_PYTHON turns it off for the readers or not
LIMIT = csv.field_size_limit()


@pytest.fixture(autouse=True)
def _built() -> None:
    if SPLIT is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the C accelerator _ccsv is not built (setup.py builds it on install)")
        pytest.skip("the C accelerator _ccsv is not built (no Cython or C compiler at install)")


def csv_fields(line: str) -> list[str] | str:
    """What csv.reader reads from *line* as one line of a file, or its error."""
    try:
        return next(csv.reader([line + "\n"]))
    except csv.Error as exc:
        return f"error: {exc}"


def agrees(line: str) -> list[str] | None:
    assert SPLIT is not None
    got = SPLIT(line, LIMIT)
    if got is not None:
        assert got == csv_fields(line), line
    return got


@pytest.mark.parametrize(
    ("line", "fields"),
    [
        ("a,b,c", ["a", "b", "c"]),
        ('R1,"plain, body",x', ["R1", "plain, body", "x"]),
        ('"a""b""",c', ['a"b"', "c"]),
        ('"",', ["", ""]),
        ("a,", ["a", ""]),
        (",", ["", ""]),
        ('mid"quote,x', ['mid"quote', "x"]),
        ("  spaced , x ", ["  spaced ", " x "]),
        ('"caf\u00e9 \U0001f600 \u0416",\u20ac', ["caf\u00e9 \U0001f600 \u0416", "\u20ac"]),
        ('a,"b"', ["a", "b"]),
        # declined: csv.reader decides (an error, a row that goes on, its lenient rules)
        ("", None),
        ('"open quote', None),
        ('a,"open, then ""doubled""', None),
        ('"after"quote,x', None),
        ("bare\rcr,x", None),
        ('"quoted\rcr",x', None),
        ("nul\x00,x", None),
        ("x" * (LIMIT + 1), None),
    ],
)
def test_pinned_lines(line: str, fields: list[str] | None) -> None:
    assert agrees(line) == fields


def test_the_field_size_limit_is_the_callers() -> None:
    assert SPLIT is not None
    assert SPLIT("abcd,e", 6) == ["abcd", "e"]
    assert SPLIT("abcd,e", 5) is None


_PIECES = st.sampled_from(
    ['"', '""', ",", ",,", '",', ',"', "a", "b c", " ", "\r", "\x00", "\u00e9", "\U0001f600"]
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=14).map("".join))
def test_generated_lines_split_as_csv_reads_them(line: str) -> None:
    agrees(line)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\n"), max_size=6), max_size=6)
)
def test_written_rows_come_back(fields: list[str]) -> None:
    """A row as csv.writer writes it (quoted where it must be) is split back into its fields,
    unless it spans lines or holds a CR or NUL."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    line = out.getvalue()
    got = agrees(line)
    if got is None:
        assert not line or "\r" in line or "\x00" in line


def read(
    data: bytes, reader: str, fast: bool, options: ReadOptions | None = None
) -> tuple[list[Any], list[str]]:
    """The rows (records' fields) and errors of a CSV feed reader, with or without ``_ccsv``."""
    errors: list[str] = []

    def on_error(e: RecordError) -> None:
        errors.append(str(e))

    saved = spamfeeds._SPLIT
    spamfeeds._SPLIT = SPLIT if fast else None
    try:
        if reader == "sms":
            rows = list(spamfeeds.read_sms_csv(io.BytesIO(data), "x.csv", on_error, options, rows=True))
        else:
            rows = [
                r.__dict__ for r in spamfeeds.read_x1247_csv(io.BytesIO(data), "x.csv", on_error, options)
            ]
    finally:
        spamfeeds._SPLIT = saved
    return rows, errors


def same_both_ways(data: bytes, reader: str = "sms", options: ReadOptions | None = None) -> None:
    assert read(data, reader, True, options) == read(data, reader, False, options)


def test_real_samples_read_the_same_both_ways() -> None:
    require_samples(SAMPLES)
    from tests.convert.test_real_samples import EXPECTED

    files = sorted(SAMPLES.glob("*.csv"))
    assert files
    for path in files:
        want = EXPECTED[f"spam/sms/{path.name}"]
        options = parse_columns(want.columns, want.time_format)
        same_both_ways(path.read_bytes(), "sms", options)


SMS_HEADER = b"report_id,reported_at,reporter_msisdn,reporter_operator,spam_sender,spam_text,received_at\r\n"
SMS_ROW = b'R1,2025-03-01T00:00:01Z,+447700000001,Op,+447700900001,"Parcel held, pay at https://x.example",2025-03-01T00:00:00Z'
X1247_HEADER = b"reporter_msisdn,reported_number,channel,event_start,free_text\n"
X1247_ROW = b'+447700000001,+447700900001,sms,2025-03-01T00:00:00Z,"said ""stop"", twice"'
_BYTES = st.sampled_from(
    [b'"', b'""', b",", b"\r", b"\n", b"\r\n", b"\x00", b"\xff", b"\xc3\xa9", b"x", b" "]
)


@st.composite
def _mutated(draw: st.DrawFn, header: bytes, row: bytes) -> bytes:
    """A feed of a few rows, some bytes of them replaced, dropped or added."""
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        line = bytearray(row)
        for _ in range(draw(st.integers(0, 3))):
            at = draw(st.integers(0, len(line)))
            what = draw(st.integers(0, 2))
            if what == 0:
                line[at:at] = draw(_BYTES)
            elif what == 1:
                del line[at : at + draw(st.integers(1, 4))]
            else:
                line[at : at + 1] = draw(_BYTES)
        rows.append(bytes(line))
    end = draw(st.sampled_from([b"\r\n", b"\n"]))
    return header + end.join(rows) + draw(st.sampled_from([b"", end]))


@settings(max_examples=400, deadline=None)
@given(_mutated(SMS_HEADER, SMS_ROW))
def test_mutated_sms_feeds_read_the_same_both_ways(data: bytes) -> None:
    same_both_ways(data)


@settings(max_examples=200, deadline=None)
@given(_mutated(X1247_HEADER, X1247_ROW))
def test_mutated_x1247_feeds_read_the_same_both_ways(data: bytes) -> None:
    same_both_ways(data, "x1247")


def test_rows_spanning_lines_and_errors_read_the_same_both_ways() -> None:
    lines = [
        SMS_ROW,
        SMS_ROW.replace(b"Parcel held", b"multi\nline\n\nbody"),
        SMS_ROW.replace(b"Parcel held", b"bad\rcr"),
        SMS_ROW.replace(b"Parcel held", b'"after"quote'),
        SMS_ROW.replace(b'"Parcel', b"bare\rcr"),
        SMS_ROW.replace(b"Op", b"x" * (LIMIT + 5)),
        b"",
        b"   ",
        SMS_ROW + b",extra",
        SMS_ROW.replace(b'held, pay at https://x.example"', b"never closed"),
    ]
    data = SMS_HEADER + b"\r\n".join(lines)
    fast = read(data, "sms", True)
    assert fast == read(data, "sms", False)
    rows, errors = fast
    # a CR inside quotes is text; outside them an error
    assert [r[spamfeeds._SMS_ORDER.index("line")] for r in rows] == [2, 3, 7]
    assert [e.split(":")[1] for e in errors] == ["8", "9", "10", "13", "14"]


def test_a_feed_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """The split reads the usual row: csv.reader is made only for the header row and the odd row."""
    made: list[object] = []
    real = csv.reader

    def counting(*args: Any, **kwargs: Any) -> Any:
        made.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(spamfeeds.csv, "reader", counting)
    data = SMS_HEADER + b"\r\n".join([SMS_ROW] * 50 + [b'R2,"multi\nline",x'] + [SMS_ROW] * 50)
    rows, errors = read(data, "sms", True)
    assert (len(rows), len(errors)) == (100, 1)
    assert len(made) == 1
