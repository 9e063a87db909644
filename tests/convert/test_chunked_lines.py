"""Lines and times as the faster readers see them: the same as line by line, at any chunk size.

``text_lines`` splits a large decoded chunk at a time; these tests hold it to what reading line by
line gives (line numbers, CRLF, a last line without a newline, a BOM, a line that is not UTF-8)
with chunks so small that lines and characters straddle them. The time parsers keep caches; a
cached answer must equal a fresh one, and a refused text must be refused every time.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from iodef.convert import _times
from iodef.convert.readers import _base
from iodef.errors import RecordError


def _lines_by_line(data: bytes) -> tuple[list[tuple[int, str]], list[int]]:
    """What the readers saw before: the text wrapper's own line iteration."""
    out: list[tuple[int, str]] = []
    bad: list[int] = []
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", errors="surrogateescape", newline="\n")
    for number, line in enumerate(text, 1):
        try:
            line.encode("utf-8")
        except UnicodeEncodeError:
            bad.append(number)
            continue
        if number == 1 and line.startswith("\ufeff"):
            line = line[1:]
        if line.endswith("\n"):
            line = line[:-2] if line.endswith("\r\n") else line[:-1]
        out.append((number, line))
    return out, bad


SAMPLES = [
    b"",
    b"one",
    b"one\n",
    b"one\r\ntwo\r\n",
    b"one\rstill one\ntwo",
    b"\xef\xbb\xbfheader\nrow\n",
    b"ok\nbad \xff byte\n\xc3\xa9t\xc3\xa9\nlast \r",
    b"\n\n\nthree blank lines before\n",
    b"x" * 1000 + b"\n" + b"y" * 10,
    "caf\u00e9 \u20ac\n".encode() * 50,
]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 18])
@pytest.mark.parametrize("data", SAMPLES)
def test_chunked_lines_match_line_by_line(data: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_base, "_CHUNK", chunk)
    errors: list[RecordError] = []
    got = list(_base.text_lines(io.BytesIO(data), "in.log", errors.append))
    want, bad = _lines_by_line(data)
    assert got == want
    assert [e.line for e in errors] == bad


def test_utf16_cut_inside_a_character_is_reported_not_raised() -> None:
    data = "\ufeffone\ntwo\n".encode("utf-16-le") + b"x"  # one byte of a next character
    errors: list[RecordError] = []
    list(_base.text_lines(io.BytesIO(data), "trace.txt", errors.append))
    assert len(errors) == 1
    assert "ends inside a character" in errors[0].message


def test_utf16_lines_are_read() -> None:
    data = "\ufeffone\r\ntwo\nthree".encode("utf-16-le")
    got = list(_base.text_lines(io.BytesIO(data), "trace.txt", _base.raise_error))
    assert got == [(1, "one"), (2, "two"), (3, "three")]


@pytest.mark.parametrize(
    "text",
    ["1740787200.500000", "1740787200", "1740787200.5", "-86400.25", "0.000001", "253402300799.999999"],
)
def test_epoch_times_are_the_same_from_the_cache(text: str) -> None:
    _times._SECONDS.clear()
    fresh = _times.from_epoch(text)
    cached = _times.from_epoch(text)
    assert fresh == cached
    assert fresh.tzinfo is UTC
    secs, _, frac = text.partition(".")
    expected = datetime.fromtimestamp(int(secs), UTC).replace(microsecond=int(frac.ljust(6, "0")[:6] or 0))
    assert fresh == expected


@pytest.mark.parametrize("text", ["17407872OO", "1740787200.5x", "253402300800", "1.2.3", ""])
def test_bad_epoch_times_are_refused_every_time(text: str) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match=r"Unix timestamp|range of dates"):
            _times.from_epoch(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01T00:00:00.500000Z", datetime(2025, 3, 1, 0, 0, 0, 500000, UTC)),
        ("2025-03-01T00:00:00.500Z", datetime(2025, 3, 1, 0, 0, 0, 500000, UTC)),
        ("2025-03-01T00:00:00Z", datetime(2025, 3, 1, tzinfo=UTC)),
        ("2025-03-01T01:00:00+01:00", datetime(2025, 3, 1, tzinfo=UTC)),
    ],
)
def test_iso_times_are_the_same_from_the_cache(text: str, expected: datetime) -> None:
    _times._PARSED.clear()
    assert _times.parse_time(text) == expected
    assert _times.parse_time(text) == expected


@pytest.mark.parametrize("text", ["2025-02-30T00:00:00.500Z", "2025-03-01T00:00:00.5x0Z", "yesterday"])
def test_bad_iso_times_are_refused_every_time(text: str) -> None:
    for _ in range(2):
        with pytest.raises(ValueError, match=r"ISO 8601|out of range"):
            _times.parse_time(text)
