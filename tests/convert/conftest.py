"""Shared helpers of the converter tests.

``assert_valid_document`` is the one place that checks produced documents: with
``iodef.validate.iter_issues`` (XSD and RFC 7970 rules), plus the converter's own invariants.
"""

from __future__ import annotations

import io
import ipaddress
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import iodef
from iodef.convert import ConvertOptions
from iodef.convert._run import DocumentWriter, Input, Stats, convert_inputs
from iodef.convert.readers import READERS
from iodef.convert.readers.vmsfeeds import syslog_reader
from iodef.errors import RecordError
from iodef.validate import iter_issues
from iodef.validate.schema import lxml_schema

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "convert"
#: the real inputs written by third-party tools: shared data beside the repository, not in it
SHARED_SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
NS = {"i": "urn:ietf:params:xml:ns:iodef-2.0"}
GENERATION_TIME = datetime(2025, 6, 1, tzinfo=UTC)


def require_samples(folder: Path) -> None:
    """Skip the test when *folder* of the shared samples is absent; fail instead under ``CI=true``,
    where the samples must be present."""
    if not folder.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{folder} is missing (the shared samples must be present under CI)")
        pytest.skip(f"{folder} is absent: the real samples are shared data outside the repository")


_MAC = re.compile(r"[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}")


def _address_ok(category: str, text: str) -> bool:
    try:
        if category == "ipv4-addr":
            return ipaddress.ip_address(text).version == 4
        if category == "ipv6-addr":
            return ipaddress.ip_address(text).version == 6
    except ValueError:
        return False
    if category == "e-mail":
        return re.fullmatch(r"[^@\s]+@[^@\s]+", text) is not None
    if category == "mac":
        return _MAC.fullmatch(text) is not None
    if category == "site-uri":
        return re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", text) is not None
    if category == "asn":
        return text.isdigit()
    return True


def assert_valid_document(doc: iodef.IODEFDocument | bytes) -> None:
    """Fail unless *doc* is valid: the XSD and the RFC 7970 rules of ``iodef validate``.

    Warnings fail too: a converter has no excuse for an implausible value. The converter's own
    invariants (Address text matching its category, StartTime before EndTime, unique IDs) are
    checked here as well, in case a rule of the validator is ever relaxed.
    """
    data = iodef.dumps(doc) if isinstance(doc, iodef.IODEFDocument) else doc
    issues = [i.format("<converted>") for i in iter_issues(data)]
    assert not issues, issues
    root = etree.fromstring(data)
    lxml_schema("iodef-2.0.xsd").assertValid(root)
    assert root.get("version") == "2.00"
    # RFC 7970 §5.1.1: ext-value always with its ext-* attribute, ext-* only then.
    for el in root.iter():
        for attr, value in el.attrib.items():
            if value == "ext-value":
                assert el.get(f"ext-{attr}"), f"{el.tag}@{attr}=ext-value without ext-{attr}"
            if attr.startswith("ext-"):
                assert el.get(attr[4:]) == "ext-value", f"{el.tag}@{attr} without {attr[4:]}=ext-value"
    # §3.18.1: Address text matches its category.
    for addr in root.iterfind(".//i:Address", NS):
        cat = addr.get("category", "ipv4-addr")
        assert _address_ok(cat, addr.text or ""), f"Address {addr.text!r} is not a {cat}"
    # Start before end; IncidentIDs unique; observable references resolve.
    for el in root.iter():
        start = el.find("i:StartTime", NS)
        end = el.find("i:EndTime", NS)
        if start is not None and end is not None:
            assert datetime.fromisoformat(start.text or "") <= datetime.fromisoformat(end.text or "")
    ids = [(e.get("name"), e.text) for e in root.iterfind("i:Incident/i:IncidentID", NS)]
    assert len(ids) == len(set(ids)), "IncidentIDs are not unique"
    declared = {e.get("observable-id") for e in root.iter() if e.get("observable-id")}
    for ref in root.iterfind(".//i:ObservableReference", NS):
        assert ref.get("uid-ref") in declared


def fixture_options(path: Path) -> dict[str, Any]:
    side = path.with_name(path.name + ".options.json")
    return json.loads(side.read_text()) if side.exists() else {}


def run_reader(
    family: str, fmt: str, data: bytes, name: str = "input", extra: dict[str, Any] | None = None
) -> tuple[list[Any], list[RecordError]]:
    """All records a reader yields from *data*, and the errors it reported."""
    errors: list[RecordError] = []
    read = READERS[family][fmt].read
    if fmt == "syslog" and extra and "syslog_year" in extra:
        read = syslog_reader(int(extra["syslog_year"]))
    records = list(read(io.BytesIO(data), name, errors.append))
    return records, errors


def convert_bytes(
    family: str, fmt: str, data: bytes, name: str = "input", **options: Any
) -> tuple[bytes, Stats]:
    """Convert *data* as the CLI does (streaming writer) and return the document bytes."""
    extra = options.pop("extra", None) or {}
    opts = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, **options)
    stats = Stats()
    if fmt == "syslog" and "syslog_year" in extra:
        # the year of RFC 3164 dates is an input property: read with a fixed reference year
        saved = READERS[family][fmt]
        from dataclasses import replace

        READERS[family][fmt] = replace(saved, read=syslog_reader(int(extra["syslog_year"])))
        try:
            return _convert(family, fmt, data, name, opts, stats), stats
        finally:
            READERS[family][fmt] = saved
    return _convert(family, fmt, data, name, opts, stats), stats


def _convert(family: str, fmt: str, data: bytes, name: str, opts: ConvertOptions, stats: Stats) -> bytes:
    out = io.BytesIO()
    writer = DocumentWriter(out)
    for inc in convert_inputs(family, [Input(name, io.BytesIO(data), fmt)], opts, stats):
        writer.write(inc)
    writer.close()
    return out.getvalue()


def canonical(data: bytes) -> str:
    """C14N 2.0 of *data*, ignoring whitespace-only text (pretty printing)."""
    text: str = etree.canonicalize(etree.fromstring(data), strip_text=True)
    return text
