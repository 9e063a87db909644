"""Light rows: the hot readers hand the grouper their records' fields, and the incidents are the
same as from the typed records the readers give every other caller."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from lxml import etree

from iodef.convert import ConvertOptions, rat, spam
from iodef.convert._grouping import field_key, row_key
from iodef.convert._run import Input, Stats, convert_inputs, incident_xml
from iodef.convert.rat import RatRecord
from iodef.convert.readers import READERS
from iodef.convert.readers import _base as base
from iodef.convert.spam import SpamRecord

from .conftest import GENERATION_TIME

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "convert"
HOT = [
    ("rat", "zeek-tsv", "rdp.log", RatRecord),
    ("rat", "zeek-tsv", "ssh.log", RatRecord),
    ("rat", "winevt-json", "evtx_dump.jsonl", RatRecord),
    ("rat", "winevt-json", "winlogbeat.jsonl", RatRecord),
    ("spam", "sms-csv", "7726-feed.csv", SpamRecord),
]
FAMILIES = {"rat": rat, "spam": spam}


def _canonical(incidents: list[object]) -> list[str]:
    return [etree.canonicalize(incident_xml(inc).decode()) for inc in incidents]  # type: ignore[arg-type]


def _by_rows(family: str, fmt: str, data: bytes, options: ConvertOptions) -> list[str]:
    stats = Stats()
    found = convert_inputs(family, [Input("in", io.BytesIO(data), fmt)], options, stats)
    return _canonical(list(found))


def _by_records(family: str, fmt: str, data: bytes, options: ConvertOptions) -> list[str]:
    records = list(READERS[family][fmt].read(io.BytesIO(data), "in", pytest.fail))
    return _canonical(list(FAMILIES[family].incidents(records, options)))


#: the default key, properties of the record (origin, target) and plain fields, with a number
KEYS = {
    "rat": [None, ("origin", "user"), ("target",), ("source_ip", "target_port")],
    "spam": [None, ("sender", "reporter"), ("channel",)],
}


@pytest.mark.parametrize(
    ("family", "fmt", "name", "keys"),
    [(f, fmt, n, k) for f, fmt, n, _ in HOT for k in KEYS[f]],
)
def test_rows_give_the_incidents_records_give(
    family: str, fmt: str, name: str, keys: tuple[str, ...] | None
) -> None:
    data = (FIXTURES / family / fmt / name).read_bytes()
    options = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, keys=keys)
    by_rows = _by_rows(family, fmt, data, options)
    assert by_rows, "the fixture makes incidents"
    assert by_rows == _by_records(family, fmt, data, options)


@pytest.mark.parametrize(("family", "fmt", "name", "model"), HOT)
def test_a_row_is_the_fields_of_the_record(family: str, fmt: str, name: str, model: type) -> None:
    data = (FIXTURES / family / fmt / name).read_bytes()
    spec = READERS[family][fmt]
    assert spec.rows
    rows = list(spec.bound(None, rows=True)(io.BytesIO(data), "in", pytest.fail))
    records = list(spec.read(io.BytesIO(data), "in", pytest.fail))
    assert rows
    names = list(model.model_fields)
    if family == "spam":  # the spam Grouper is positional: a row is the record's values in order
        assert all(type(r) is tuple for r in rows)
        rows = [dict(zip(names, r, strict=True)) for r in rows]
    assert all(type(r) is dict and list(r) == names for r in rows)
    assert rows == [r.__dict__ for r in records]
    assert all(model.model_validate(r) == rec for r, rec in zip(rows, records, strict=True))


def test_positional_rows_are_keyed_by_fields_only() -> None:
    """A positional row holds a record's values alone: no property (origin) can be worked out."""
    key = row_key(("channel", "sender"), SpamRecord, positional=True)
    record = SpamRecord(time="2025-03-04T03:00:00Z", event="spam", channel="sms", sender="+447700900999")
    assert key(tuple(record.__dict__.values())) == ("sms", "+447700900999")
    with pytest.raises(TypeError, match="property"):
        row_key(("origin",), RatRecord, positional=True)


def test_a_grouper_without_a_record_type_refuses_rows() -> None:
    from datetime import timedelta

    from iodef.convert._grouping import Grouper

    grouper: Grouper[RatRecord] = Grouper(
        lambda r: (r["source_ip"],),
        lambda r: True,
        lambda g, r: None,
        window=timedelta(hours=1),
        max_span=timedelta(days=1),
        max_samples=10,
    )
    record = RatRecord(time="2025-03-04T03:00:00Z", event="session", source_ip="203.0.113.9")
    assert grouper.add(record) == []  # a record is its own sample
    with pytest.raises(TypeError, match="record_type"):
        grouper.add_row(dict(record.__dict__, source_ip="198.51.100.7"))


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 8, 64, 1 << 18])
@pytest.mark.parametrize(
    "data",
    [
        b"a\r\nb\r\n\r\nc",
        b"a\r\nb\rc\r\n",
        b"x\n\xff\ny\r\n\xc3\xa9\r\nlast\r",
        b"\xef\xbb\xbfhead\r\nrow\n",
        b"\r\n\r\n",
    ],
)
def test_blocks_give_the_lines_a_line_splitter_gives(
    data: bytes, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CRLF cut between two chunks, a bad line, a BOM and a last line without its ending come
    out of text_lines (built on text_blocks) as one line at a time would give them."""
    monkeypatch.setattr(base, "_CHUNK", chunk)
    errors: list[str] = []
    got = list(base.text_lines(io.BytesIO(data), "f", lambda e: errors.append(str(e))))
    expected = []
    parts = data.split(b"\n")
    for number, part in enumerate(parts, 1):
        last = number == len(parts)
        if last and not part:
            break
        if number == 1 and part.startswith(b"\xef\xbb\xbf"):
            part = part[3:]
        if not last and part.endswith(b"\r"):
            part = part[:-1]
        try:
            expected.append((number, part.decode("utf-8")))
        except UnicodeDecodeError:
            continue
    assert got == expected
    assert len(errors) == sum(b"\xff" in p for p in parts)


@pytest.mark.parametrize(("family", "fmt", "name", "model"), HOT)
def test_row_keys_are_the_keys_of_records(family: str, fmt: str, name: str, model: type) -> None:
    """A key read from a row (properties such as ``origin`` included) is the key field_key reads
    from the record."""
    records = list(
        READERS[family][fmt].read(
            io.BytesIO((FIXTURES / family / fmt / name).read_bytes()), "in", pytest.fail
        )
    )
    for keys in KEYS[family][1:]:
        assert keys is not None
        by_row, by_record = row_key(keys, model), field_key(keys)
        assert [by_row(r.__dict__) for r in records] == [by_record(r) for r in records]
