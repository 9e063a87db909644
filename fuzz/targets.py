"""The fuzz targets: each runs one input through the API and raises a Finding when an oracle fails."""

from __future__ import annotations

import io
import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import iodef
from iodef.validate import check

from .mutators import mutate_document, mutate_text
from .oracles import Finding, _TooLargeToJudge, canonical, guarded, timed, verdict

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SAMPLES = ROOT.parent / "shared" / "samples"
MAX_SEED_BYTES = 256 * 1024


@dataclass
class Target:
    """One fuzz target: its seeds (input bytes with a label), a mutator, and the oracle run."""

    name: str
    run: Callable[[bytes, str], None]
    mutate: Callable[[random.Random, bytes], bytes]
    seeds: list[tuple[str, bytes]] = field(default_factory=list)


# --------------------------------------------------------------------------- documents


def run_document(data: bytes, label: str = "") -> None:
    """parse, dumps, check: only IODEFError escapes; round trips are re-readable, idempotent, lossless."""
    try:
        _run_document(data)
    except _TooLargeToJudge:
        return  # a large input that ran out of its time budget: nothing to judge


def _run_document(data: bytes) -> None:
    size = len(data)
    try:
        doc = timed("parse", lambda: guarded("parse", lambda: iodef.parse(data)), size)
    except iodef.IODEFError:
        doc = None
    try:
        report = timed("check", lambda: guarded("check", lambda: check(data)), size)
    except iodef.IODEFError:
        report = None
    if report is not None and not report.valid:
        _explained_as_xmlschema_explains(data)
    if doc is None:
        return
    out = timed("dumps", lambda: guarded("dumps", lambda: iodef.dumps(doc)), size)
    try:
        again = iodef.parse(out)
    except iodef.IODEFError as exc:
        raise Finding("dumps(parse(x)) is not re-readable", str(exc)[:300]) from exc
    if iodef.dumps(again) != out:
        raise Finding("dumps(parse(x)) is not idempotent", "a second round trip wrote other bytes")
    if canonical(out) != canonical(data):
        raise Finding("the round trip changed the data", _first_difference(canonical(data), canonical(out)))
    pretty = guarded("dumps(pretty=True)", lambda: iodef.dumps(doc, pretty=True))
    # compared as XML, not as models: a NaN is not equal to itself
    if canonical(iodef.dumps(iodef.parse(pretty))) != canonical(out):
        raise Finding(
            "the pretty round trip changed the data", "parse(dumps(doc, pretty=True)) lost something"
        )
    if report is not None and _declares_utf8(data):
        second = guarded("check(dumps(parse(x)))", lambda: check(out))
        if verdict(second) != verdict(report):
            raise Finding(
                "check(x) and check(dumps(parse(x))) disagree",
                f"x: {_summary(report)}; dumps: {_summary(second)}",
            )


def _explained_as_xmlschema_explains(data: bytes) -> None:
    """Where the quick explainer answers for a document libxml2 rejects, it says what xmlschema says."""
    from iodef.safexml import parse_xml
    from iodef.validate._paths import ElementPaths
    from iodef.validate.decider import decider_schema
    from iodef.validate.explain import explain
    from iodef.validate.xsd import _xmlschema_issues

    root = parse_xml(data)
    for profile in ("rfc7970", "rfc7970-errata"):
        schema = decider_schema(profile)
        if schema.validate(root):
            continue
        log = schema.error_log
        quick = guarded("explain", lambda p=profile, lg=log: explain(root, p, lg, ElementPaths()))
        if quick is None:
            continue
        slow = _xmlschema_issues(root, profile, log, ElementPaths())
        if quick != slow:
            raise Finding(
                "the quick explanation differs from xmlschema's",
                f"[{profile}] quick: {[i.message for i in quick]}; xmlschema: {[i.message for i in slow]}"[
                    :400
                ],
            )


def _declares_utf8(data: bytes) -> bool:
    head = data[:100].lower()
    return head.startswith(b"<?xml") and (b'encoding="utf-8"' in head or b"encoding='utf-8'" in head)


def _summary(report: iodef.validate.Report) -> str:
    return "valid" if report.valid else "; ".join(f"{i.rule} {i.path}" for i in report.errors)[:300]


def _first_difference(a: str, b: str) -> str:
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
    return f"at {i}: {a[max(0, i - 60) : i + 60]!r} became {b[max(0, i - 60) : i + 60]!r}"


def document_seeds() -> list[tuple[str, bytes]]:
    seeds = []
    for folder in ("valid", "lossless", "validate", "invalid", "hostile", "convert", "fuzz/document"):
        for path in sorted((FIXTURES / folder).rglob("*.xml")):
            data = path.read_bytes()
            if b"IODEF-Document" in data and len(data) <= MAX_SEED_BYTES:
                seeds.append((str(path.relative_to(ROOT)), data))
    return seeds


# --------------------------------------------------------------------------- converters


def run_converter(family: str) -> Callable[[bytes, str], None]:
    def run(data: bytes, label: str) -> None:
        from iodef.convert import ConvertOptions
        from iodef.convert._run import Input, Stats, convert_inputs
        from iodef.convert.readers import detect

        fmt = label.rpartition("@")[2] if "@" in label else ""
        name = "input"
        size = len(data)

        def convert() -> list[iodef.Incident]:
            chosen = fmt or detect(family, data[:4096], name)
            options = ConvertOptions(name="fuzz.example")
            stream = io.BytesIO(data)
            return list(convert_inputs(family, [Input(name, stream, chosen)], options, Stats()))

        try:
            found = timed(f"convert {family}", lambda: guarded(f"convert {family}", convert), size)
        except (iodef.IODEFError, _TooLargeToJudge):
            return
        if not found:
            return
        ids = [inc.incident_id.value for inc in found]
        if len(set(ids)) != len(ids):
            raise Finding(
                f"convert {family} repeats an IncidentID", f"{len(ids)} incidents, {len(set(ids))} ids"
            )
        doc = iodef.IODEFDocument(lang="en", incidents=found)
        try:
            xml = guarded(f"convert {family}: dumps", lambda: iodef.dumps(doc))
        except iodef.IODEFError as exc:  # the converter built a model no XML can carry
            raise Finding(
                f"convert {family} builds a document that cannot be written", str(exc)[:300]
            ) from exc
        report = guarded(f"convert {family}: check", lambda: check(xml))
        if not report.valid:
            first = report.errors[0]
            raise Finding(
                f"convert {family} writes an invalid document ({first.rule} at {_shape(first.path)})",
                first.message[:300],
            )

    return run


def _shape(path: str) -> str:
    """An element path without indexes: one kind of finding per place, not per position."""
    return re.sub(r"\[\d+\]", "", path)


_SAMPLE_FORMATS = {
    "zeek-tsv": "zeek-tsv",
    "zeek-json": "zeek-json",
    "windows-evtx-json": "winevt-json",
    "windows-evtx-xml": "winevt-xml",
    "winlogbeat-json": "winevt-json",
    "suricata-eve": "suricata",
    "teamviewer": "teamviewer",
    "anydesk": "anydesk",
    "arf": "arf",
    "xarf": "xarf",
    "xmpp": "xmpp-report",
    "hikvision-isapi": "hikvision",
    "onvif": "onvif",
}


def converter_seeds(family: str) -> list[tuple[str, bytes]]:
    from iodef.convert.readers import READERS

    known = READERS[family]
    seeds = []
    for path in sorted((FIXTURES / "convert" / family).rglob("*")):
        fmt = path.parent.name
        # the inputs, not the expected IODEF beside them (NAME.iodef.xml)
        if path.is_file() and fmt in known and ".iodef." not in path.name:
            data = path.read_bytes()
            if len(data) <= MAX_SEED_BYTES:
                seeds.append((f"{path.relative_to(ROOT)}@{fmt}", data))
    if SAMPLES.is_dir():
        for path in sorted((SAMPLES / family).rglob("*")):
            fmt = _SAMPLE_FORMATS.get(path.parent.name, "")
            if path.is_file() and fmt in known:
                data = path.read_bytes()
                if len(data) <= MAX_SEED_BYTES:
                    seeds.append((f"samples/{path.relative_to(SAMPLES)}@{fmt}", data))
    return seeds


def all_targets(with_seeds: bool = True) -> dict[str, Target]:
    targets = {"document": Target("document", run_document, mutate_document)}
    for family in ("spam", "rat", "vms"):
        targets[f"convert-{family}"] = Target(f"convert-{family}", run_converter(family), mutate_text)
    if with_seeds:
        targets["document"].seeds = document_seeds()
        for family in ("spam", "rat", "vms"):
            targets[f"convert-{family}"].seeds = converter_seeds(family)
    return targets
