"""What the fuzzing harness found in the converters after the merges, one regression test each."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

import iodef
from iodef.convert import ConvertOptions
from iodef.convert._addresses import address_for
from iodef.convert._building import text_item
from iodef.convert._run import Input, Stats, convert_inputs
from iodef.validate import check
from tests.conftest import FIXTURES


def _convert(family: str, name: str, data: bytes, fmt: str) -> list[iodef.Incident]:
    """The incidents convert_inputs makes of *data* read as *fmt*."""
    options = ConvertOptions(name="csirt.example")
    return list(convert_inputs(family, [Input(name, io.BytesIO(data), fmt)], options, Stats()))


def test_a_field_said_to_be_a_url_that_is_none_is_not_written_as_site_uri() -> None:
    # an ARF report's "URL" of 999.1.1.1 made an Address category="site-uri" the rules refuse
    address = address_for("999.1.1.1", kind="site-uri")
    assert address.category != "site-uri"
    assert address_for("https://phish.example/x", kind="site-uri").category == "site-uri"


def test_control_characters_of_the_input_are_escaped_in_record_items() -> None:
    item = text_item("user\x01name\x00", meaning="raw-record")
    assert "\x01" not in item.value
    assert "\x00" not in item.value
    doc = iodef.IODEFDocument(
        lang="en",
        incidents=[
            iodef.Incident(
                purpose="reporting",
                incident_id=iodef.IncidentID(name="csirt.example", value="1"),
                generation_time=datetime(2026, 1, 1, tzinfo=UTC),
                contacts=[iodef.Contact(role="creator", type="organization", contact_names=["x"])],
                additional_data_list=[item],
            )
        ],
    )
    assert check(iodef.dumps(doc)).valid  # writable, and valid


def test_a_url_with_white_space_in_it_is_not_a_uri() -> None:
    # a link cut from a folded mail header, CRLF and all
    folded = "http://earn-fast.example/join\r\n     by mx1.mail.example.net"
    assert address_for(folded, kind="site-uri").category != "site-uri"
    assert address_for(folded).category != "site-uri"


def test_control_characters_anywhere_in_the_input_leave_every_incident_writable() -> None:

    data = (FIXTURES / "convert" / "vms" / "vms-audit-json" / "audit.jsonl").read_bytes()
    data = data.replace(b'"nvr-02"', b'"nvr\\u0001-02"')  # a server name with a control character
    found = _convert("vms", "audit.jsonl", data, "vms-audit-json")
    assert found
    xml = iodef.dumps(iodef.IODEFDocument(lang="en", incidents=found))
    assert check(xml).valid


def test_a_bar_inside_a_device_name_or_vendor_survives_grouping() -> None:
    # a camera named "cam|lobby" broke the device key (name|ip|mac|kind): ValueError on unpacking

    from iodef.convert._building import join_fields, split_fields

    for fields in (["a", "b", "c"], ["cam|lobby", "192.0.2.1", "", "camera"], ["a\\b|", "", "|", "k"]):
        assert split_fields(join_fields(*fields)) == fields
    data = (FIXTURES / "convert" / "vms" / "jsonl" / "vms.jsonl").read_bytes()
    data = data.replace(b'"cam-lobby-03"', b'"cam|lobby\\\\03"').replace(b'"Axis"', b'"Ax|is"')
    found = _convert("vms", "vms.jsonl", data, "jsonl")
    xml = iodef.dumps(iodef.IODEFDocument(lang="en", incidents=found))
    assert b"cam|lobby\\03" in xml
    assert check(xml).valid


def test_a_charset_no_codec_can_have_is_read_as_utf8() -> None:
    # charset="utf-8\0" made codecs raise ValueError ("embedded null character"), not LookupError

    data = (FIXTURES / "convert" / "spam" / "arf" / "with-original.eml").read_bytes()
    for charset in (b"utf-8\x00", b"no-such-codec", b"utf-8\x00\xff"):
        mutated = data.replace(b'charset="utf-8"', b'charset="' + charset + b'"')
        assert mutated != data
        found = _convert("spam", "with-original.eml", mutated, "arf")
        assert found, charset
        assert check(iodef.dumps(iodef.IODEFDocument(lang="en", incidents=found))).valid


def test_a_mail_date_no_datetime_can_hold_is_no_date() -> None:
    # "Date: ... 99999999999 ..." made email.utils raise OverflowError out of the ARF reader

    from iodef.exchange.client import _retry_after

    data = (FIXTURES / "convert" / "spam" / "arf" / "with-original.eml").read_bytes()
    for date in (b"Thu, 06 Mar 99999999999 10:15:00 +0000", b"Thu, 06 Mar -99999999999 10:15:00 +0000"):
        mutated = data.replace(b"Thu, 06 Mar 2025 10:15:00 +0000", date)
        assert mutated != data
        found = _convert("spam", "with-original.eml", mutated, "arf")
        assert found
        assert check(iodef.dumps(iodef.IODEFDocument(lang="en", incidents=found))).valid
    # the client reads a server's Retry-After date with the same function
    assert _retry_after("Thu, 06 Mar 99999999999 10:15:00 GMT") is None


@pytest.mark.parametrize("field", ["ts", "auth_attempts", "id.orig_p"])
@pytest.mark.parametrize("number", ["9" * 400, "-" + "9" * 400, "1e400"])
def test_numbers_no_double_can_hold_are_bad_records(field: str, number: str) -> None:
    # a 400-digit ts or auth_attempts raised OverflowError out of the Zeek JSON reader, or reached
    # a Counter that iodef.dumps could not write (found by the fuzz run, seed 51)
    import json

    lines = (FIXTURES / "convert" / "rat" / "zeek-json" / "conn-mix.json").read_bytes().splitlines()
    mutated = []
    for line in lines:
        obj = json.loads(line)
        if field in obj:
            obj[field] = "@@"
        mutated.append(json.dumps(obj).replace('"@@"', number).encode())
    found = _convert("rat", "conn-mix.json", b"\n".join(mutated), "zeek-json")
    if found:
        assert check(iodef.dumps(iodef.IODEFDocument(lang="en", incidents=found))).valid


def test_a_count_from_the_input_is_bounded() -> None:
    from iodef.convert.readers._base import MAX_COUNT, count_of

    assert count_of(" 12 ", "n") == 12
    assert count_of(MAX_COUNT, "n") == MAX_COUNT
    for bad in (MAX_COUNT + 1, -1, float("inf"), "9" * 400, "x"):
        with pytest.raises(ValueError, match=r"^n "):
            count_of(bad, "n")
