"""Regression tests for what the fuzzing harness found in reading and writing (issue 9), one per class.

Each failed before its fix: the reader dropped the thing, or raised something other than ParseError.
"""

from __future__ import annotations

import pytest

import iodef
from fuzz.oracles import canonical
from iodef.validate import check
from tests.conftest import FIXTURES

MINIMAL = (FIXTURES / "valid" / "minimal.xml").read_bytes()


def _round_trip_keeps(data: bytes) -> bytes:
    out = iodef.dumps(iodef.parse(data))
    assert canonical(out) == canonical(data)
    assert iodef.dumps(iodef.parse(out)) == out
    return out


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<EmailTo>incidents", b"<EmailTo><!--who-->incidents<?route a?>"),
        (b"<GenerationTime>2026", b"<GenerationTime><!--generated-->2026"),
        (b"2026-0001</IncidentID>", b"2026-0001<!--n--></IncidentID>"),
    ],
    ids=["EmailTo", "GenerationTime", "IncidentID"],
)
def test_comments_and_pis_inside_simple_values_are_kept(old: bytes, new: bytes) -> None:
    data = MINIMAL.replace(old, new)
    assert data != MINIMAL
    out = _round_trip_keeps(data)
    assert b"<!--" in out.split(b"<IODEF-Document", 1)[1]


def test_a_repeated_simple_value_keeps_its_comments_and_spelling() -> None:
    data = MINIMAL.replace(
        b"</Description>",
        b"</Description><Discovery><Description>a</Description></Discovery>",
    ).replace(b"<Description>Phishing", b"<Description><!--x-->Phishing")
    _round_trip_keeps(data)


@pytest.mark.parametrize("space", ["\u00a0", "\u3000", "\u0085", "\u2028"])
def test_unicode_spaces_between_elements_are_refused_not_dropped(space: str) -> None:
    data = MINIMAL.replace(b"</Contact>", ("</Contact>" + space).encode())
    with pytest.raises(iodef.ParseError, match=r"is not allowed in Incident"):
        iodef.parse(data)
    assert not check(data).valid  # and the validator agrees: it is not white space


def test_white_space_inside_an_empty_element_is_kept() -> None:
    data = MINIMAL.replace(
        b'type="organization">', b'type="organization"><Email><EmailTo>a@b.example</EmailTo></Email>'
    ).replace(
        b"</Incident>",
        b'<EventData><Flow><System category="source"><Node><Address category="ipv4-addr">192.0.2.1</Address>'
        b'</Node></System></Flow><Expectation action="nothing"> </Expectation></EventData></Incident>',
    )
    out = _round_trip_keeps(data)
    assert b"> </" in out


def test_the_documents_namespace_spelling_is_kept() -> None:
    out = iodef.dumps(iodef.parse(MINIMAL))
    assert b'<IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-2.0"' in out  # default stays default
    from lxml import etree

    root = etree.fromstring(MINIMAL)
    prefixed = etree.Element(
        "{urn:ietf:params:xml:ns:iodef-2.0}IODEF-Document",
        dict(root.attrib),
        nsmap={"x": "urn:ietf:params:xml:ns:iodef-2.0"},
    )
    prefixed.extend(root)
    data = etree.tostring(prefixed, xml_declaration=True, encoding="UTF-8")
    assert b"<x:Incident" in data
    assert b"<x:Incident" in iodef.dumps(iodef.parse(data))  # a chosen prefix stays too


def test_a_new_document_is_written_with_the_iodef_prefix() -> None:
    doc = iodef.parse(MINIMAL).model_copy()
    fresh = iodef.IODEFDocument(lang="en", incidents=doc.incidents)
    assert b"<iodef:IODEF-Document" in iodef.dumps(fresh)


def test_pretty_output_puts_a_leading_comment_on_its_own_line() -> None:
    out = iodef.dumps(iodef.parse(MINIMAL), pretty=True)
    assert b"-->\n<IODEF-Document" in out


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("<IODEF-Document>\ud800</IODEF-Document>", "lone surrogate"),
        ("incident\x00.xml", "NUL"),
        ("incident\ud800.xml", r"U\+D800, which no file name can"),
    ],
    ids=["lone-surrogate", "nul-in-path", "surrogate-in-path"],
)
def test_strings_no_xml_can_hold_are_refused_as_parse_errors(source: str, message: str) -> None:
    with pytest.raises(iodef.ParseError, match=message):
        iodef.parse(source)


def test_a_zone_offset_xml_schema_cannot_write_is_written_in_utc() -> None:
    # a converter kept a device's "+14:01" (Python allows offsets up to a day, and in seconds);
    # xs:dateTime allows whole minutes within -14:00..+14:00: the same instant is written in UTC
    from datetime import datetime, timedelta, timezone

    from iodef.validate import check

    cases = {
        timedelta(hours=14, minutes=1): "2026-01-01T00:00:00+14:01",
        -timedelta(hours=15): "2026-01-01T00:00:00-15:00",
        timedelta(hours=5, minutes=30, seconds=15): "2026-01-01T00:00:00+05:30:15",
    }
    for offset, spelled in cases.items():
        when = datetime(2026, 1, 1, tzinfo=timezone(offset))
        assert when.isoformat() == spelled
        doc = iodef.IODEFDocument(
            lang="en",
            incidents=[
                iodef.Incident(
                    purpose="reporting",
                    incident_id=iodef.IncidentID(name="csirt.example", value="1"),
                    generation_time=when,
                    contacts=[iodef.Contact(role="creator", type="organization", contact_names=["x"])],
                )
            ],
        )
        xml = iodef.dumps(doc)
        assert spelled.encode() not in xml
        assert check(xml).valid, spelled
        assert iodef.parse(xml).incidents[0].generation_time == when  # the same instant
    # in range, the offset is kept as given
    kept = datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=14)))
    doc.incidents[0].generation_time = kept
    assert b"2026-01-01T00:00:00+14:00" in iodef.dumps(doc)


def test_an_offset_whose_utc_time_leaves_the_calendar_cannot_be_written() -> None:
    from datetime import datetime, timedelta, timezone

    when = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=15)))
    doc = iodef.IODEFDocument(
        lang="en",
        incidents=[
            iodef.Incident(
                purpose="reporting",
                incident_id=iodef.IncidentID(name="csirt.example", value="1"),
                generation_time=when,
                contacts=[iodef.Contact(role="creator", type="organization", contact_names=["x"])],
            )
        ],
    )
    with pytest.raises(iodef.IODEFError, match="zone offset"):
        iodef.dumps(doc)
