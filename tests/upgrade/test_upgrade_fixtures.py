"""IODEF v1 -> v2: every v1 fixture upgrades to the v2 document and the notes beside it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import iodef
from iodef.v1 import IMPACT_TYPES, upgrade
from tests.conftest import FIXTURES, ROOT, canonical

V1_FIXTURES = sorted(p for p in (FIXTURES / "v1").glob("*.xml") if not p.name.endswith(".v2.xml"))


@pytest.mark.parametrize("path", V1_FIXTURES, ids=lambda p: p.stem)
def test_upgrade_gives_the_expected_v2_document_and_notes(path: Path) -> None:
    doc, notes = upgrade(path)
    expected = path.with_name(path.stem + ".v2.xml")
    assert canonical(iodef.dumps(doc)) == canonical(expected.read_bytes())
    assert [str(n) for n in notes] == path.with_name(path.stem + ".notes.txt").read_text().splitlines()


@pytest.mark.parametrize("path", V1_FIXTURES, ids=lambda p: p.stem)
def test_the_upgraded_document_validates_under_rfc7970(path: Path) -> None:
    doc, _ = upgrade(path)
    errors = [
        i for i in iodef.validate.iter_issues(iodef.dumps(doc), profile="rfc7970") if i.severity == "error"
    ]
    assert errors == []


@pytest.mark.parametrize("path", V1_FIXTURES, ids=lambda p: p.stem)
def test_the_v1_fixture_is_valid_v1(path: Path) -> None:
    assert iodef.validate.is_valid(path.read_bytes())


def test_the_fixtures_use_every_v1_class() -> None:
    xsd = (ROOT / "schemas" / "iodef-1.0.xsd").read_text()
    classes = set(re.findall(r'<xs:element name="([^"]+)"', xsd))
    used = set()
    for path in V1_FIXTURES:
        used |= set(re.findall(r"<([A-Za-z-]+)[\s>/]", path.read_text()))
    assert classes - used == set()
    assert len(classes) > 50


def test_every_v1_impact_type_is_mapped() -> None:
    xsd = (ROOT / "schemas" / "iodef-1.0.xsd").read_text()
    impact = xsd[xsd.index('<xs:element name="Impact">') : xsd.index('<xs:element name="TimeImpact">')]
    assert set(re.findall(r'<xs:enumeration value="([^"]+)"', impact)) - {"failed", "succeeded"} <= set(
        IMPACT_TYPES
    )


def test_nothing_of_the_v1_text_is_lost() -> None:
    """Every text and attribute value of the v1 document appears in the v2 one (moved, not dropped)."""
    from lxml import etree

    source = FIXTURES / "v1" / "every-class.xml"
    v1 = etree.parse(str(source)).getroot()
    doc, _ = upgrade(source)
    v2 = iodef.dumps(doc).decode()
    for el in v1.iter():
        if not isinstance(el.tag, str):
            continue
        if el.text and el.text.strip():
            assert el.text.strip() in v2, el.tag
        for key, value in el.attrib.items():
            if key not in ("version", "swid", "configid") and not (
                key == "type" and el.tag.endswith("Impact")
            ):
                assert value in v2, (el.tag, key)


def test_a_v2_document_is_not_upgraded() -> None:
    with pytest.raises(iodef.ParseError, match="not an IODEF v1 document"):
        upgrade(FIXTURES / "valid" / "minimal.xml")


def test_a_v1_document_with_a_doctype_is_refused() -> None:
    with pytest.raises(iodef.ForbiddenXMLError):
        upgrade(b'<!DOCTYPE x [<!ENTITY e "e">]><IODEF-Document xmlns="urn:ietf:params:xml:ns:iodef-1.0"/>')


def test_a_v1_document_without_report_time_gets_the_upgrade_time() -> None:
    from datetime import UTC, datetime

    text = (
        (FIXTURES / "v1" / "minimal.xml")
        .read_bytes()
        .replace(b"<ReportTime>2026-11-01T10:00:00Z</ReportTime>", b"")
    )
    doc, notes = upgrade(text, now=datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert doc.incidents[0].generation_time == datetime(2027, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert any("upgrade time" in n.what for n in notes)
