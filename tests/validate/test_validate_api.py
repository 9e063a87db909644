"""The library face of iodef.validate: sources, exceptions, profiles, offline schemas."""

from __future__ import annotations

import dataclasses
import io
import socket
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

import iodef
from iodef.validate import PROFILES, Issue, check, is_valid, iter_issues, validate
from iodef.validate import profiles as _profiles
from iodef.xml import parse_xml
from tests.conftest import FIXTURES

V = FIXTURES / "validate"
GOOD = V / "version" / "pass.xml"
SCHEMA_BAD = V / "xsd" / "unexpected-element.xml"
RULE_BAD = V / "address" / "fail.xml"


def test_public_names() -> None:
    assert PROFILES == ("rfc7970", "rfc7970-errata")
    assert iodef.Issue is Issue
    assert issubclass(iodef.SchemaValidationError, iodef.DocumentInvalidError)
    assert issubclass(iodef.RuleViolation, iodef.DocumentInvalidError)
    assert issubclass(iodef.DocumentInvalidError, iodef.IODEFError)
    issue = Issue("error", "/IODEF-Document", 3, None, "RFC7970 §3.2", "x")
    with pytest.raises(dataclasses.FrozenInstanceError):
        issue.line = 4  # type: ignore[misc]


@pytest.mark.parametrize(
    "make",
    [
        lambda p: p,
        lambda p: str(p),
        lambda p: p.read_bytes(),
        lambda p: p.read_text("utf-8"),
        lambda p: io.BytesIO(p.read_bytes()),
        lambda p: parse_xml(p.read_bytes()),
        lambda p: iodef.parse(p),
    ],
    ids=["path", "str-path", "bytes", "str-xml", "binary-file", "lxml-root", "model"],
)
def test_every_kind_of_source(make: object) -> None:
    assert is_valid(make(GOOD))  # type: ignore[operator]
    rules = [i.rule for i in iter_issues(make(RULE_BAD))]  # type: ignore[operator]
    assert rules
    assert set(rules) == {"RFC7970 §3.18.1"}


def test_model_built_in_code_validates() -> None:
    doc = iodef.IODEFDocument(
        lang="en",
        incidents=[
            iodef.Incident(
                purpose="reporting",
                incident_id=iodef.IncidentID(name="csirt.example.org", value="2026-7"),
                generation_time=datetime(2026, 11, 20, tzinfo=UTC),
                contacts=[iodef.Contact(role="creator", type="organization", contact_names=["Example"])],
            )
        ],
    )
    assert [i.format() for i in iter_issues(doc)] == []


def test_validate_raises_schema_error_then_rule_violation() -> None:
    validate(GOOD)
    with pytest.raises(iodef.SchemaValidationError) as schema_err:
        validate(SCHEMA_BAD, profile="rfc7970-errata")
    assert schema_err.value.profile == "rfc7970-errata"
    assert schema_err.value.issues[0].rule == "xsd:cvc-complex-type.2.4"
    assert "profile rfc7970-errata" in str(schema_err.value)
    with pytest.raises(iodef.RuleViolation) as rule_err:
        validate(RULE_BAD)
    assert len(rule_err.value.issues) == 5
    assert rule_err.value.line == 15


def test_warnings_alone_pass() -> None:
    path = V / "encoding" / "latin1.xml"
    assert [i.severity for i in iter_issues(path)] == ["warning"]
    assert is_valid(path)
    validate(path)


def test_rules_false_checks_the_schema_only() -> None:
    assert list(iter_issues(RULE_BAD, rules=False)) == []


def test_iodef_v1_is_checked_against_the_v1_schema() -> None:
    report = check(V / "iodef-v1" / "valid-v1.xml", profile="rfc7970-errata")
    assert (report.profile, report.version, report.valid) == ("iodef-v1", "1.0", True)
    assert "IODEF v1" in report.schema
    with pytest.raises(iodef.SchemaValidationError) as info:
        validate(V / "iodef-v1" / "invalid-v1.xml")
    assert "IODEF v1" in str(info.value)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00\xff junk", b"not xml", b"<a><b></a>", b'<!DOCTYPE x [<!ENTITY e "e">]><x>&e;</x>'],
    ids=["empty", "binary", "text", "malformed", "doctype"],
)
def test_unreadable_input_raises_parse_error(data: bytes) -> None:
    with pytest.raises(iodef.ParseError):
        list(iter_issues(data))
    with pytest.raises(iodef.ParseError):
        is_valid(data)


def test_missing_file_raises_parse_error(tmp_path: Path) -> None:
    with pytest.raises(iodef.ParseError, match="cannot read"):
        check(tmp_path / "gone.xml")


def test_unknown_profile() -> None:
    with pytest.raises(ValueError, match="rfc7970-errata"):
        check(GOOD, profile="rfc5070")


def test_not_iodef_is_a_schema_error() -> None:
    issues = list(iter_issues(b'<?xml version="1.0" encoding="UTF-8"?><report/>'))
    assert [(i.rule, i.path) for i in issues] == [("xsd:cvc-elt.1", "/report")]


def test_no_network_even_with_a_remote_schema_location(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("validation tried to open a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    _profiles._xmlschema_cache.clear()
    _profiles.lxml_schema_for.cache_clear()
    for profile in PROFILES:
        assert is_valid(V / "xsd" / "remote-schema-location.xml", profile=profile)
        assert not is_valid(SCHEMA_BAD, profile=profile)  # runs xmlschema, built here without network


def test_errata_patches_apply_to_the_published_schema_only() -> None:
    published = _profiles.schema_document("rfc7970").getroot()
    errata = _profiles.schema_document("rfc7970-errata").getroot()
    assert etree.tostring(published) != etree.tostring(errata)
    # each patch refuses a schema that no longer reads as published
    for _what, patch in _profiles.errata_patches():
        with pytest.raises(_profiles.SchemaPatchError):
            patch(errata)


def test_literal_erratum_5543_would_reject_an_empty_confidence() -> None:
    """Why the errata profile uses float-or-empty rather than the erratum's bare xs:float."""
    tree = _profiles.schema_document("rfc7970-errata")
    ext = tree.getroot().find(
        ".//{http://www.w3.org/2001/XMLSchema}extension[@base='iodef:ConfidenceValueType']"
    )
    assert ext is not None
    ext.set("base", "xs:float")
    tree.docinfo.URL = str(_profiles.schema_dir() / "iodef-2.0.xsd")
    literal = etree.XMLSchema(tree)
    root = parse_xml((V / "confidence" / "pass.xml").read_bytes())
    assert not literal.validate(root)
    assert _profiles.lxml_schema_for("rfc7970-errata").validate(root)


def test_xmlschema_is_built_once_per_profile() -> None:
    first = _profiles.xmlschema_for("rfc7970")
    assert _profiles.xmlschema_for("rfc7970") is first
