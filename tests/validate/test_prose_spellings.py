"""RFC 7970's prose spellings: read liberally, written back as they came, new documents conservative."""

from __future__ import annotations

from iodef.cli.main import app
from lxml import etree
from typer.testing import CliRunner

import iodef
from iodef.model import Key
from iodef.model._binding import model_to_element
from iodef.validate import check
from tests.conftest import FIXTURES, canonical

PROSE = FIXTURES / "validate" / "prose-spelling" / "fail.xml"
SCHEMA = FIXTURES / "validate" / "prose-spelling" / "pass.xml"
NS = {"i": iodef.IODEF_NS}


def _keys(data: bytes) -> list[str]:
    root = etree.fromstring(data)
    return [etree.QName(el).localname for el in root.xpath("//i:Key/*", namespaces=NS)]


def test_the_prose_spelling_reads_and_writes_back_as_it_came() -> None:
    data = PROSE.read_bytes()
    doc = iodef.parse(data)
    out = iodef.dumps(doc)
    assert canonical(out) == canonical(data)
    assert _keys(out) == ["KeyName", "KeyValue"]
    record = doc.incidents[0].event_data_list[0].record
    assert record is not None
    key = record.record_data_list[0].windows_registry_keys_modified_list[0].keys[0]
    assert key.value == '"updater"="c:\\\\tmp\\\\u.exe"'
    key.value = "changed"  # the document came with KeyValue: it keeps it
    assert _keys(iodef.dumps(doc)) == ["KeyName", "KeyValue"]


def test_the_schema_spelling_reads_and_writes_back_as_it_came() -> None:
    data = SCHEMA.read_bytes()
    assert canonical(iodef.dumps(iodef.parse(data))) == canonical(data)


def test_a_new_key_is_written_with_the_published_schema_spelling() -> None:
    key = Key(key_name="HKLM\\Software\\X", value="v")
    written = model_to_element(key, f"{{{iodef.IODEF_NS}}}Key")
    assert [etree.QName(c).localname for c in written] == ["KeyName", "Value"]


def test_fmt_keeps_the_spelling_of_the_document() -> None:
    result = CliRunner().invoke(app, ["fmt", str(PROSE)])
    assert result.exit_code == 0, result.stderr
    assert _keys(result.stdout_bytes) == ["KeyName", "KeyValue"]


def test_errata_accepts_both_spellings_and_warns_on_the_prose_one() -> None:
    prose = check(PROSE, profile="rfc7970-errata")
    assert prose.valid
    assert {i.rule for i in prose.warnings} == {
        "RFC7970 §3.9",
        "RFC7970 §3.18.3",
        "RFC7970 §3.23.1",
        "RFC7970 §3.29.3.1",
    }
    assert all("published schema" in i.message for i in prose.warnings)
    assert check(SCHEMA, profile="rfc7970-errata").issues == ()
    assert not check(PROSE, profile="rfc7970").valid


def test_an_attack_phase_without_url_reads_and_validates_under_the_errata() -> None:
    """§3.29.8: zero or more URL. The published schema needs one; rfc7970-errata does not."""
    prose = SCHEMA.read_bytes().replace(
        b"</Observable>",
        b"</Observable>\n        <AttackPhase><AttackPhaseID>initial-access</AttackPhaseID></AttackPhase>",
    )
    assert prose != SCHEMA.read_bytes()
    assert canonical(iodef.dumps(iodef.parse(prose))) == canonical(prose)
    assert check(prose, profile="rfc7970-errata").valid
    published = check(prose, profile="rfc7970")
    assert [i.path.rsplit("/", 1)[-1] for i in published.errors] == ["AttackPhase"]
