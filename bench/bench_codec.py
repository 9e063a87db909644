"""Codec benchmark (issue 2): typed parse + serialize against the lxml floor.

Run:  pip install -e '.[bench]' && python bench/bench_codec.py
For documents of about 50, 500 and 5,000 elements it measures, in one run and on the same bytes:
  floor        lxml parse + serialize (etree.fromstring + etree.tostring)
  iodef        iodef.parse + iodef.dumps
  iodef parse  iodef.parse alone
  pydantic-xml a straightforward pydantic-xml binding (bench/_pxml_subset.py), parse + serialize
and the tracemalloc peak while iodef parses the 5,000-element document, against its size.

JSON (RFC 8727, issue 13), on the JSON of the same documents (goal: <= 15x the floor):
  floor        json.loads + json.dumps of the same bytes
  iodef        iodef.parse_json + iodef.dumps_json
  iodef parse  iodef.parse_json alone
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))

import iodef


def make_document(events: int) -> bytes:
    """An incident with *events* EventData blocks, each a flow of two systems (about 25 elements each)."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        '<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">\n',
        ' <Incident purpose="reporting" restriction="green">\n',
        '  <IncidentID name="csirt.example.org">BENCH-1</IncidentID>\n',
        "  <GenerationTime>2026-11-20T07:05:12Z</GenerationTime>\n",
        "  <Description>Generated for the codec benchmark</Description>\n",
        '  <Contact role="creator" type="organization"><ContactName>Example CSIRT</ContactName>',
        "<Email><EmailTo>incidents@csirt.example.org</EmailTo></Email></Contact>\n",
    ]
    for i in range(events):
        a, b = i % 250 + 1, i // 250 % 250 + 1
        parts.append(
            "  <EventData>\n"
            f"   <Description>Connection attempt {i}</Description>\n"
            f"   <StartTime>2026-11-19T20:{i % 60:02d}:00Z</StartTime>\n"
            f"   <EndTime>2026-11-19T21:{i % 60:02d}:30Z</EndTime>\n"
            "   <Flow>\n"
            '    <System category="source">'
            f'<Node><Address category="ipv4-addr">203.0.{b}.{a}</Address></Node>'
            f'<Service ip-protocol="6"><Port>{40000 + i % 20000}</Port></Service>'
            f'<Counter type="counter" unit="packet">{i * 3 + 7}</Counter></System>\n'
            f'    <System category="target"><Node><Address category="ipv4-addr">192.0.2.{a}</Address></Node>'
            '<Service ip-protocol="6"><Port>3389</Port></Service>'
            "<Description>Remote desktop gateway</Description></System>\n"
            "   </Flow>\n"
            f'   <AdditionalData dtype="string" meaning="sensor">ids-{i % 7}</AdditionalData>\n'
            "  </EventData>\n"
        )
    parts.append(" </Incident>\n</IODEF-Document>\n")
    return "".join(parts).encode("utf-8")


SIZES = (2, 27, 275)  # about 50, 500 and 5,000 elements


def element_count(data: bytes) -> int:
    return sum(1 for _ in etree.fromstring(data).iter())


def best_of(fn: Callable[[], object], repeat: int, number: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.process_time()
        for _ in range(number):
            fn()
        times.append((time.process_time() - start) / number)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-pydantic-xml", action="store_true", help="skip the pydantic-xml comparison")
    parser.add_argument("--json-only", action="store_true", help="only the RFC 8727 JSON table")
    args = parser.parse_args()
    if args.json_only:
        json_table(args.repeat)
        return

    pxml = None
    if not args.no_pydantic_xml:
        try:
            import _pxml_subset as pxml
        except ImportError:
            print("pydantic-xml is not installed (pip install -e '.[bench]'); skipping that column")

    print(f"python {sys.version.split()[0]}, lxml {etree.__version__}")
    header = (
        f"{'elements':>9} {'bytes':>9} {'floor µs':>10} {'iodef µs':>10} {'ratio':>6}"
        f" {'parse µs':>9} {'ratio':>6}"
    )
    if pxml:
        header += f" {'pyd-xml µs':>11} {'ratio':>6}"
    print(header)
    for events in SIZES:
        data = make_document(events)
        doc = iodef.parse(data)
        assert iodef.parse(iodef.dumps(doc)) == doc
        number = max(1, 2000 // (events * 25))
        floor = best_of(lambda d=data: etree.tostring(etree.fromstring(d)), args.repeat, number * 5)
        full = best_of(lambda d=data: iodef.dumps(iodef.parse(d)), args.repeat, number)
        parse_only = best_of(lambda d=data: iodef.parse(d), args.repeat, number)
        line = (
            f"{element_count(data):>9} {len(data):>9} {floor * 1e6:>10.0f} {full * 1e6:>10.0f}"
            f" {full / floor:>6.1f}"
            f" {parse_only * 1e6:>9.0f} {parse_only / floor:>6.1f}"
        )
        if pxml:
            model = pxml.IODEFDocument.from_xml(data)
            px = best_of(lambda d=data: pxml.IODEFDocument.from_xml(d).to_xml(), args.repeat, number)
            assert model.incidents[0].event_data_list or events == 0
            line += f" {px * 1e6:>11.0f} {px / floor:>6.1f}"
        print(line)

    data = make_document(SIZES[-1])
    gc.collect()
    tracemalloc.start()
    doc = iodef.parse(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"memory: parsing {element_count(data)} elements ({len(data):,} bytes) peaked at {peak:,} bytes "
        f"= {peak / len(data):.1f}x the document size"
    )
    del doc
    print(f"(process CPU time, best of {args.repeat} runs; ratios to the lxml floor on the same bytes)")
    json_table(args.repeat)


def json_table(repeat: int) -> None:
    """RFC 8727 JSON: typed parse + serialize against json.loads + json.dumps of the same bytes."""
    import json

    print("\nRFC 8727 JSON")
    print(
        f"{'elements':>9} {'bytes':>9} {'floor µs':>10} {'iodef µs':>10} {'ratio':>6}"
        f" {'parse µs':>9} {'ratio':>6}"
    )
    for events in SIZES:
        xml = make_document(events)
        data = iodef.dumps_json(iodef.parse(xml))
        assert iodef.parse_json(data) == iodef.parse(xml)
        number = max(1, 2000 // (events * 25))
        floor = best_of(lambda d=data: json.dumps(json.loads(d)), repeat, number * 5)
        full = best_of(lambda d=data: iodef.dumps_json(iodef.parse_json(d)), repeat, number)
        parse_only = best_of(lambda d=data: iodef.parse_json(d), repeat, number)
        print(
            f"{element_count(xml):>9} {len(data):>9} {floor * 1e6:>10.0f} {full * 1e6:>10.0f}"
            f" {full / floor:>6.1f} {parse_only * 1e6:>9.0f} {parse_only / floor:>6.1f}"
        )
    print(f"(process CPU time, best of {repeat} runs; ratios to json.loads + json.dumps on the same bytes)")


if __name__ == "__main__":
    main()
