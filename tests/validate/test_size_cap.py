"""One size cap (32 MiB, ``iodef.DEFAULT_MAX_BYTES``) for parse, validate, fmt and serve.

Documents between libxml2's own limit without XML_PARSE_HUGE (10,000,000 bytes) and the cap are
read and validated, not refused as "Buffer size limit exceeded"; the 256-level depth limit holds
for them too.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from iodef.cli.main import app
from lxml import etree
from typer.testing import CliRunner

import iodef
from iodef.exchange.client import DEFAULT_MAX_BYTES as CLIENT_CAP
from iodef.exchange.server import DEFAULT_MAX_BYTES as SERVER_CAP
from iodef.safexml import HUGE_FROM, parse_xml
from iodef.validate import check
from tests.conftest import FIXTURES

_BASE = (FIXTURES / "validate" / "address" / "pass.xml").read_text("utf-8")
_EVENT_AT = _BASE.index("    <EventData>")
_INCIDENT_END = _BASE.index("  </Incident>")


def canonical(xml: bytes) -> str:
    """C14N 2.0, parsed with huge_tree (tests/conftest.canonical's parser stops at 10 MB of text)."""
    parser = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    for el in root.iter():
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.canonicalize(root.getroottree(), with_comments=True, rewrite_prefixes=True)


def _with(body: str) -> bytes:
    return (_BASE[:_EVENT_AT] + body + _BASE[_INCIDENT_END:]).encode()


@pytest.fixture(scope="module")
def many_elements(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~12 MB of EventData: what 'iodef validate' used to call unreadable."""
    event = _BASE[_EVENT_AT:_INCIDENT_END]
    path = tmp_path_factory.mktemp("big") / "many.xml"
    path.write_bytes(_with(event * (12_000_000 // len(event) + 1)))
    assert HUGE_FROM < path.stat().st_size < iodef.DEFAULT_MAX_BYTES
    return path


@pytest.fixture(scope="module")
def long_text(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~12 MB in one text node (above libxml2's XML_MAX_TEXT_LENGTH without XML_PARSE_HUGE)."""
    path = tmp_path_factory.mktemp("big") / "text.xml"
    path.write_bytes(_with('    <AdditionalData dtype="string">' + "x" * 12_000_000 + "</AdditionalData>\n"))
    return path


def test_one_cap_everywhere() -> None:
    assert iodef.DEFAULT_MAX_BYTES == 32 * 1024 * 1024
    assert SERVER_CAP == CLIENT_CAP == iodef.DEFAULT_MAX_BYTES


def test_check_validates_a_12_mb_document(many_elements: Path) -> None:
    report = check(many_elements)
    assert report.valid, report.issues[:3]
    assert check(many_elements.read_bytes()).valid


def test_a_12_mb_text_node_is_read_validated_and_written_back(long_text: Path) -> None:
    assert check(long_text).valid
    data = long_text.read_bytes()
    doc = iodef.parse(data)
    assert canonical(iodef.dumps(doc)) == canonical(data)


def test_validate_cli_reads_a_12_mb_document(many_elements: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--format", "json", str(many_elements)])
    assert result.exit_code == 0, result.output
    first, summary = (json.loads(line) for line in result.stdout.splitlines())
    assert first["status"] == "valid"
    assert summary["summary"]["valid"] == 1


def test_max_bytes_lowers_the_cap_for_validate_and_fmt(long_text: Path) -> None:
    runner = CliRunner()
    refused = runner.invoke(app, ["validate", "--max-bytes", "1000000", str(long_text)])
    assert refused.exit_code == 1
    assert "too large" in refused.stdout
    assert "1,000,000 bytes" in refused.stdout
    with pytest.raises(iodef.DocumentTooLargeError):
        check(long_text, max_bytes=1_000_000)
    fmt = runner.invoke(app, ["fmt", "--max-bytes", "1000000", str(long_text)])
    assert fmt.exit_code == 1
    assert "too large" in fmt.stderr
    ok = runner.invoke(app, ["fmt", "--compact", str(long_text)])
    assert ok.exit_code == 0
    assert canonical(ok.stdout_bytes) == canonical(long_text.read_bytes())


def test_above_the_cap_is_refused_before_parsing() -> None:
    data = _with("<!--" + "x" * iodef.DEFAULT_MAX_BYTES + "-->")
    with pytest.raises(iodef.DocumentTooLargeError):
        check(data)
    with pytest.raises(iodef.DocumentTooLargeError):
        iodef.parse(data)


@pytest.mark.parametrize("depth", [257, 3000])
def test_the_depth_limit_holds_for_large_documents(depth: int) -> None:
    nested = "<x:a xmlns:x='urn:example:x'>" * depth + "</x:a>" * depth
    data = _with(
        f'    <AdditionalData dtype="xml">{nested}</AdditionalData>\n'
        f'    <AdditionalData dtype="string">{"x" * HUGE_FROM}</AdditionalData>\n'
    )
    with pytest.raises(iodef.ForbiddenXMLError, match="deeper than 256"):
        parse_xml(data)
    with pytest.raises(iodef.ForbiddenXMLError, match="deeper than 256"):
        check(data)


def test_256_levels_still_pass_in_a_large_document() -> None:
    depth = 256 - 3  # IODEF-Document/Incident/AdditionalData above
    nested = "<x:a xmlns:x='urn:example:x'>" * depth + "</x:a>" * depth
    data = _with(
        f'    <AdditionalData dtype="xml">{nested}</AdditionalData>\n'
        f'    <AdditionalData dtype="string">{"x" * HUGE_FROM}</AdditionalData>\n'
    )
    assert parse_xml(data) is not None
