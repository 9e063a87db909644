"""The hand-tuned hot paths of the converters give what the plain code they replaced gave."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import Enum

import pytest

from iodef import Address, Counter, NodeRole
from iodef.convert._building import mk
from iodef.convert._grouping import field_key
from iodef.convert._times import from_epoch
from iodef.convert.rat import RatRecord
from iodef.convert.readers import READERS, peek_head
from iodef.convert.spam import SpamRecord

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def reference_epoch(text: str) -> datetime:
    """Unix time as datetime arithmetic on exact decimals (microseconds truncated)."""
    value = Decimal(text)
    whole = int(value.to_integral_value(rounding="ROUND_FLOOR")) if value >= 0 else int(text.split(".")[0])
    frac = text.partition(".")[2]
    us = int(frac[:6].ljust(6, "0")) if frac else 0
    return EPOCH + timedelta(seconds=whole) + timedelta(microseconds=us)


@pytest.mark.parametrize(
    "text",
    [
        "0",
        "0.5",
        "1740787200",
        "1740787200.500000",
        "1740787200.5",
        "1740787200.000001",
        "1740787200.1234567",  # more than six digits: truncated
        "1740787199.999999",
        "951782400.25",  # 2000-02-29
        "4102444800.000000",  # 2100-01-01
        "253402300799.999999",  # the last microsecond datetime holds
        "-5.25",  # before 1970: the fraction counts forward from the whole second, as Zeek's reader did
        "-86401",
        "1740787200.\uff1500000",  # digits fromisoformat does not read: the slower path reads them
        "17407872\uff109.500000",
        "1740787209.500000",  # the last second of a ten-second span
        "1740787210.000000",  # the first of the next (and of a minute)
        "1740787199.500000",  # the last of an hour
    ],
)
def test_from_epoch_matches_datetime_arithmetic(text: str) -> None:
    got = from_epoch(text)
    assert got == reference_epoch(text)
    assert got.tzinfo is UTC


@pytest.mark.parametrize(
    "text",
    [
        *("", "-", ".5", "x", "1.x", "1.-5", "+5", " 5", "1_000", "1740787200.5a"),
        *("174078720+.500000", "1740787200,500000", "1740787200.50000Z", "1740787200.+00000"),
    ],
)
def test_from_epoch_refuses_what_is_not_a_timestamp(text: str) -> None:
    with pytest.raises(ValueError, match="not a Unix timestamp"):
        from_epoch(text)


def test_from_epoch_beyond_datetime_is_a_value_error() -> None:
    # issue 9: callers catch ValueError; an OverflowError escaped as a traceback
    with pytest.raises(ValueError, match="out of the range"):
        from_epoch("253402300800")
    with pytest.raises(ValueError, match="out of the range"):
        from_epoch("-99999999999999")


def test_builder_accepts_both_sides_of_an_ext_pair_and_refuses_each_half() -> None:
    addr = mk(Address, category="ext-value", ext_category="e164", value="+447700900999")
    assert addr.ext_category == "e164"
    assert mk(Address, category="ipv4-addr", value="192.0.2.1").ext_category is None
    with pytest.raises(ValueError, match=r"category='ext-value' needs the ext-category attribute"):
        mk(Address, category="ext-value", value="+447700900999")
    with pytest.raises(ValueError, match=r"ext-category is set but category is not 'ext-value'"):
        mk(Address, category="ipv4-addr", ext_category="e164", value="192.0.2.1")
    with pytest.raises(ValueError, match=r"ext-unit is set but unit is not 'ext-value'"):
        mk(Counter, type="counter", unit="event", ext_unit="recipient", value=3)


def test_builder_gives_enum_members() -> None:
    role = mk(NodeRole, category="camera")
    assert isinstance(role.category, Enum)
    assert role.category.value == "camera"
    assert mk(NodeRole, category=role.category).category is role.category
    with pytest.raises(ValueError, match="'plc' is not a NodeRoleCategory value"):
        mk(NodeRole, category="plc")


class _Kind(str, Enum):  # noqa: UP042 - str() of this kind spells the member, not its value
    SMS = "sms"


class _Rec:
    def __init__(self, a: object, b: object) -> None:
        self.a, self.b = a, b


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("sms", "+447700900999", ("sms", "+447700900999")),
        (None, "x", ("-", "x")),
        ("sms", 5, ("sms", "5")),
        (_Kind.SMS, "x", (str(_Kind.SMS), "x")),  # a str subclass is spelled by str(), as before
    ],
)
def test_grouping_keys_are_spelled_as_strings(a: object, b: object, expected: tuple[str, ...]) -> None:
    assert field_key(("a", "b"))(_Rec(a, b)) == expected
    assert field_key(("a",))(_Rec(a, b)) == expected[:1]


def test_peek_head_of_a_file_and_of_a_pipe(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = b"".join(b"line %d\n" % i for i in range(5000))
    path = tmp_path / "in.txt"
    path.write_bytes(data)
    with open(path, "rb") as fh:
        fh.read(3)  # a stream not at its start comes back where it was
        head, stream = peek_head(fh)
        assert head == data[3 : 3 + 8192]
        assert stream.read() == data[3:]

    class Pipe(io.RawIOBase):
        def __init__(self) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
            chunk = self._data.read(min(len(buffer), 1000))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    head, stream = peek_head(io.BufferedReader(Pipe()))
    assert head == data[:8192]
    assert stream.read() == data


ZEEK_HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\trdp\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\tsecurity_protocol\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\n"
)


def test_zeek_records_are_whole_and_independent() -> None:
    data = (
        ZEEK_HEADER
        + "1740787200.5\tC1\t203.0.113.9\t50000\t10.20.0.5\t3389\tadmin\tSuccess\tRDP\n"
        + "1740787201.000000\tC2\t203.0.113.9\t-\t10.20.0.5\t3389\t(empty)\t-\t\\x48YBRID\n"
    ).encode()
    a, b = READERS["rat"]["zeek-tsv"].read(io.BytesIO(data), "rdp.log", pytest.fail)
    assert list(a.__dict__) == list(RatRecord.model_fields)
    assert a.model_fields_set == set(RatRecord.model_fields)
    assert a.model_fields_set is not b.model_fields_set
    assert (a.event, a.user, a.source_port, a.auth_method, a.time) == (
        "login-success",
        "admin",
        50000,
        "RDP",
        datetime(2025, 3, 1, 0, 0, 0, 500000, tzinfo=UTC),
    )
    assert (b.event, b.user, b.source_port, b.auth_method, b.source_name) == (
        "session",
        None,
        None,
        "HYBRID",
        None,
    )
    assert a == RatRecord.model_validate(a.model_dump())


def test_sms_records_are_whole_and_independent() -> None:
    data = (
        b"report_id,reported_at,reporter_msisdn,reporter_operator,spam_sender,spam_text,received_at\r\n"
        b'R1,2025-03-04T09:10:00Z,+447700901200,ExampleMobile,+447700900999,"Pay at https://x.example",'
        b"2025-03-04T09:00:30Z\r\n"
        b"R2,2025-03-04T09:11:00Z,+447700901201,,+447700900999,,\r\n"
    )
    a, b = READERS["spam"]["sms-csv"].read(io.BytesIO(data), "feed.csv", pytest.fail)
    assert list(a.__dict__) == list(SpamRecord.model_fields)
    assert a.urls is not b.urls
    a.urls.append("https://x.example")
    assert b.urls == []
    assert (b.operator, b.body, b.time) == (None, None, datetime(2025, 3, 4, 9, 11, tzinfo=UTC))
    assert a == SpamRecord.model_validate(a.model_dump())


def test_zeek_times_are_from_epochs_text() -> None:
    """The Zeek reader's inline epoch path (ten-second ISO prefixes and fromisoformat) reads what
    from_epoch() reads, and refuses what it refuses, however the ten seconds were first met."""
    texts = [
        "1740787213.500000",
        "1740787213.000001",
        "1740787219.999999",
        "1740787220.000000",
        "1740787213.\uff1500000",
        "17407872\uff113.500000",
        "1740787213,500000",
        "1740787213.5000+0",
        "174078721+.500000",
        "1740787213.5",
        "9999999999.999999",
    ]
    head = "#separator \\x09\n#path\trdp\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n"
    for order in (texts, texts[::-1]):
        data = head + "".join(f"{t}\t192.0.2.1\t5\t192.0.2.2\t3389\n" for t in order)
        errors: list[object] = []
        rows = READERS["rat"]["zeek-tsv"].read(io.BytesIO(data.encode()), "rdp.log", errors.append)
        got = {r.line - 3: r.time for r in rows}
        for i, text in enumerate(order, 1):
            try:
                expected = from_epoch(text)
            except ValueError:
                assert i not in got
            else:
                assert got[i] == expected
                assert got[i].tzinfo is UTC
        assert len(got) + len(errors) == len(order)
