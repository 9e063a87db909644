"""Running a conversion over several inputs, and writing incidents out as they close.

:func:`convert_inputs` chains the readers of several inputs into one record stream (so records of
one source spread over several files still group), feeds the family's grouper and yields each
Incident as soon as its window closes. :class:`DocumentWriter` writes one IODEF document
incrementally: the root's start tag, each Incident as it comes, the end tag; memory stays flat.
"""

from __future__ import annotations

from collections import Counter as _Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from ..errors import RecordError
from ..model import Incident
from ..model._binding import model_to_element
from ..xml import IODEF_NS
from . import rat, spam, vms
from ._building import text_item, xml_safe
from ._identity import Pseudonymizer, UniqueIds
from ._options import ConvertOptions
from .readers import READERS, OnError
from .readers.columns import ReadOptions

__all__ = ["DocumentWriter", "Input", "Stats", "convert_inputs", "incident_xml"]

_FAMILIES: dict[str, Any] = {"spam": spam, "rat": rat, "vms": vms}
INCIDENT_TAG = f"{{{IODEF_NS}}}Incident"


@dataclass
class Input:
    """One input: its display name, an open binary stream, and the reader's format name."""

    name: str
    stream: IO[bytes]
    format: str


@dataclass
class Stats:
    """What a run read and produced (the CLI's summary)."""

    records: int = 0
    bad_records: int = 0
    incidents: int = 0
    skipped_groups: int = 0
    skipped_records: int = 0
    skipped_events: _Counter[str] = field(default_factory=_Counter)
    incident_ids: list[str] = field(default_factory=list)
    errors: list[RecordError] = field(default_factory=list)
    max_errors_kept: int = 1000


def convert_inputs(
    family: str,
    inputs: Iterable[Input],
    options: ConvertOptions,
    stats: Stats,
    on_error: OnError | None = None,
    on_record: Callable[[int], None] | None = None,
    read_options: ReadOptions | None = None,
) -> Iterator[Incident]:
    """Read *inputs* with their readers and yield the Incidents of *family*, updating *stats*.

    *read_options* (a column mapping, time format and zone) go to the readers that take them;
    when they change how times are read, every Incident says so in an AdditionalData.
    """
    time_note = read_options.note() if read_options is not None else None
    module = _FAMILIES[family]
    grouper = module.grouper(options)
    build = module.build
    pseudo = Pseudonymizer(options.pseudonymize_key)

    def report(error: RecordError) -> None:
        stats.bad_records += 1
        if len(stats.errors) < stats.max_errors_kept:
            stats.errors.append(error)
        if on_error is not None:
            on_error(error)

    unique = UniqueIds()

    def finish(inc: Incident) -> Incident:
        # input text may hold control characters XML 1.0 cannot carry (in a user name, a host name,
        # a URL ...): escaped here, once per incident, so every incident a caller gets can be written
        xml_safe(inc)
        unique(inc)
        if time_note:
            inc.additional_data_list.append(text_item(time_note, meaning="time-zone"))
        stats.incidents += 1
        stats.incident_ids.append(inc.incident_id.value)
        return inc

    n = 0
    for inp in inputs:
        spec = READERS[family][inp.format]
        # a reader that can hands over light rows: the grouper makes typed records only of those
        # an incident keeps
        add = grouper.add_row if spec.rows else grouper.add
        reader = spec.bound(read_options, rows=True)
        for record in reader(inp.stream, inp.name, report):
            n += 1
            closed = add(record)
            if closed:
                for g in closed:
                    yield finish(build(g, options, pseudo))
            if on_record is not None and not n & 0x3FFF:
                on_record(n)
    for g in grouper.flush():
        yield finish(build(g, options, pseudo))
    stats.records = grouper.records
    stats.skipped_groups = grouper.skipped_groups
    stats.skipped_records = grouper.skipped_records
    stats.skipped_events = _Counter(
        {k: v for k, v in grouper.skipped_events.items() if not k.startswith("#")}
    )


_NS_DECL = b' xmlns:iodef="' + IODEF_NS.encode() + b'"'


def incident_xml(incident: Incident, *, pretty: bool = False) -> bytes:
    """One Incident as a standalone ``iodef:Incident`` element (UTF-8, no XML declaration)."""
    try:
        el = model_to_element(incident, INCIDENT_TAG, pretty=pretty, level=1)
    except ValueError:  # a string lxml refuses (control characters): escape and retry
        el = model_to_element(xml_safe(incident), INCIDENT_TAG, pretty=pretty, level=1)
    data: bytes = etree.tostring(el, encoding="UTF-8", xml_declaration=False)
    # the document element already declares the prefix: drop the copy on the Incident start tag
    data = data.replace(_NS_DECL, b"", 1)
    return b"  " + data + b"\n" if pretty else data


class DocumentWriter:
    """Writes one IODEF-Document to *out* incident by incident; ``close()`` ends it.

    Nothing is written until the first incident arrives, so an input without incidents leaves
    *out* untouched (an IODEF-Document needs at least one Incident, RFC 7970 §3.1).
    """

    def __init__(self, out: IO[bytes], *, pretty: bool = False) -> None:
        self._out = out
        self._pretty = pretty
        self.count = 0

    def write(self, incident: Incident) -> None:
        if self.count == 0:
            self._out.write(
                b"<?xml version='1.0' encoding='UTF-8'?>\n"
                b'<iodef:IODEF-Document xmlns:iodef="'
                + IODEF_NS.encode()
                + b'" version="2.00" xml:lang="en">\n'
            )
        self._out.write(incident_xml(incident, pretty=self._pretty))
        if not self._pretty:
            self._out.write(b"\n")
        self.count += 1

    def close(self) -> None:
        if self.count:
            self._out.write(b"</iodef:IODEF-Document>\n")
        self._out.flush()
