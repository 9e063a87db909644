"""``iodef convert spam|rat|vms INPUT...``: real inputs -> IODEF v2 documents.

Records are read incrementally; incidents are written as their windows close, so memory stays
flat whatever the input size. Unreadable records are reported on stderr as ``file:line: message``
and skipped; the exit code is then 1 unless ``--skip-bad`` is given.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import os
import re
import sys
import tempfile
import zlib
from collections.abc import Iterator
from datetime import timedelta
from enum import StrEnum
from pathlib import Path
from typing import IO, Annotated, Any

import typer

from iodef.convert._options import ConvertOptions, event_table, restriction_value
from iodef.convert._run import DocumentWriter, Input, Stats, convert_inputs, incident_xml
from iodef.convert._times import parse_time
from iodef.convert.readers import READERS, detect, peek_head
from iodef.convert.readers.columns import parse_columns
from iodef.errors import ConvertError, RecordError

from ._choices import Restriction
from ._console import Quiet, info, progress_wanted
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE, app

MAX_PRINTED_ERRORS = 50
PLACEHOLDER_NAME = "iodef.invalid"
GZIP_MAGIC = b"\x1f\x8b"


class Family(StrEnum):
    spam = "spam"
    rat = "rat"
    vms = "vms"


class OutputFormat(StrEnum):
    xml = "xml"
    json_summary = "json-summary"


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION_HINT = "write a number and a unit: s, m, h or d (e.g. 90s, 30m, 2h, 1d)"


def parse_duration(text: str) -> timedelta:
    """``90s``, ``30m``, ``2h``, ``1d`` -> timedelta; a bare number is refused (seconds or minutes?)."""
    m = _DURATION.match(text)
    if m is None or float(m.group(1)) <= 0:
        raise ValueError(f"--window {text!r} is not a duration; {_DURATION_HINT}")
    if not m.group(2):
        raise ValueError(f"--window {text!r} has no unit; {_DURATION_HINT}")
    return timedelta(seconds=float(m.group(1)) * _UNITS[m.group(2)])


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(f"iodef convert: {message}", err=True)
    return typer.Exit(code)


def _events_of(family: str) -> list[tuple[str, str, str]]:
    from iodef.convert import FAMILIES

    return event_table(FAMILIES[family].__doc__)


def _incident_table(family: str, items: list[str]) -> dict[str, bool]:
    known = [e for e, _, _ in _events_of(family)]
    table: dict[str, bool] = {}
    for item in items:
        event, sep, value = item.partition("=")
        v = value.strip().lower()
        if not sep or not event.strip() or v not in ("yes", "no", "true", "false"):
            raise ValueError(f"--incident {item!r}: write EVENT=yes or EVENT=no")
        if event.strip() not in known and event.strip() != "*":
            raise ValueError(
                f"--incident {item!r}: {family} has no event {event.strip()!r}; "
                f"its events are {', '.join(known)} (see iodef convert {family} --events)"
            )
        table[event.strip()] = v in ("yes", "true")
    return table


def _print_events(family: str) -> None:
    rows = _events_of(family)
    width = max(len(e) for e, _, _ in rows)
    typer.echo(f"{'event':<{width}}  incident  meaning")
    for event, incident, meaning in rows:
        typer.echo(f"{event:<{width}}  {incident:<8}  {meaning}")


def _node_roles(items: list[str]) -> list[str]:
    from iodef.model.enums import NodeRoleCategory

    allowed = {c.value for c in NodeRoleCategory} - {"ext-value"}
    for item in items:
        if item not in allowed:
            raise ValueError(f"--target-role {item!r} is not an RFC 7970 NodeRole category")
    return items


class _Progress:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, total: int) -> None:
        self.enabled = progress_wanted()
        self.total = total
        self.done_bytes = 0
        self.current: IO[bytes] | None = None

    def finished(self, size: int) -> None:
        self.done_bytes += size

    def __call__(self, records: int) -> None:
        if not self.enabled:
            return
        done = self.done_bytes
        if self.current is not None:
            with contextlib.suppress(OSError, ValueError):
                done += self.current.tell()
        if self.total:
            width = 30
            share = min(done / self.total, 1.0)
            filled = int(width * share)
            bar = "#" * filled + "-" * (width - filled)
            sys.stderr.write(f"\r[{bar}] {100 * share:5.1f}%  {records:,} records")
        else:
            sys.stderr.write(f"\r{records:,} records")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 70 + "\r")
            sys.stderr.flush()


_FROM_HELP = "The input format (default: detected per input). " + "; ".join(
    f"{family}: {', '.join(formats)}" for family, formats in READERS.items()
)


@app.command("convert")
def convert(
    family: Annotated[Family, typer.Argument(help="Which converter: spam, rat or vms.", metavar="FAMILY")],
    inputs: Annotated[
        list[str] | None,
        typer.Argument(help="Input files, or '-' for standard input (gzip is read too).", metavar="INPUT"),
    ] = None,
    from_: Annotated[
        str | None,
        typer.Option("--from", metavar="FORMAT", help=_FROM_HELP),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file (or directory with --split); default stdout."
        ),
    ] = None,
    split: Annotated[
        bool, typer.Option("--split", help="One file per incident in the -o directory.")
    ] = False,
    name: Annotated[
        str,
        typer.Option("--name", metavar="NAME", help="Your CSIRT's name for IncidentID@name (a domain name)."),
    ] = "iodef.invalid",
    restriction: Annotated[
        Restriction, typer.Option("--restriction", help="Incident restriction (RFC 7970 §3.3.1).")
    ] = Restriction.amber,
    pseudonymize_key: Annotated[
        str | None,
        typer.Option(
            "--pseudonymize-key",
            metavar="KEY",
            envvar="IODEF_PSEUDONYMIZE_KEY",
            help="Replace recipients, user names and bodies by keyed hashes under this key.",
        ),
    ] = None,
    window: Annotated[
        str,
        typer.Option(
            "--window",
            metavar="DURATION",
            help="Records of one key closer than this are one incident: a number and a unit, "
            "s, m, h or d (90s, 30m, 2h, 1d).",
        ),
    ] = "1h",
    keys: Annotated[
        str | None,
        typer.Option(
            "--keys", metavar="FIELDS", help="Grouping key fields, comma-separated (family default)."
        ),
    ] = None,
    incident: Annotated[
        list[str] | None,
        typer.Option("--incident", metavar="EVENT=yes|no", help="Override the incident table (repeatable)."),
    ] = None,
    target_role: Annotated[
        list[str] | None,
        typer.Option(
            "--target-role",
            metavar="ROLE",
            help="An extra NodeRole for the target systems (rat): scada, scada-supervisory… (repeatable).",
        ),
    ] = None,
    output_format: Annotated[
        OutputFormat, typer.Option("--format", help="xml: the documents; json-summary: counts and IDs.")
    ] = OutputFormat.xml,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Exit 0 even when some records could not be read.")
    ] = False,
    generation_time: Annotated[
        str | None,
        typer.Option("--generation-time", metavar="TIME", help="GenerationTime to write (default: now)."),
    ] = None,
    pretty: Annotated[bool, typer.Option("--pretty", help="Indent the XML.")] = False,
    quiet: Quiet = False,
    columns: Annotated[
        str | None,
        typer.Option(
            "--columns",
            metavar="MAPPING",
            help="CSV readers: FIELD=COLUMN,... (a header name, or a 1-based position; N+ joins the "
            "rest) or a TOML file with a [columns] table.",
        ),
    ] = None,
    time_format: Annotated[
        str | None,
        typer.Option(
            "--time-format", metavar="FORMAT", help="CSV readers: a strptime format for the time columns."
        ),
    ] = None,
    timezone: Annotated[
        str | None,
        typer.Option(
            "--timezone",
            metavar="ZONE",
            help="The zone of times written without one (IANA name; default UTC).",
        ),
    ] = None,
    events: Annotated[
        bool,
        typer.Option(
            "--events", help="Print the family's incident table (event, incident, meaning) and exit."
        ),
    ] = False,
) -> None:
    """Convert spam, RAT-misuse or VMS records into IODEF v2 incidents.

    Records are grouped into incidents (same key, within --window); event types that are not
    incidents (see each family's table) are counted and skipped. Unreadable records are reported
    as file:line and skipped.

    Exit status: 0 converted, 1 some records were unreadable (0 with --skip-bad), 2 usage error or
    an input of no known format, 3 an input could not be read or the output not written.
    """
    fam = family.value
    if events:
        _print_events(fam)
        raise typer.Exit(EXIT_OK)
    if not inputs:
        raise _fail("name at least one input file, or '-' for standard input", EXIT_USAGE)
    formats = READERS[fam]
    if from_ is not None and from_ not in formats:
        raise _fail(f"unknown --from {from_!r} for {fam}; use one of {', '.join(formats)}", EXIT_USAGE)
    try:
        options = ConvertOptions(
            name=name,
            window=parse_duration(window),
            keys=tuple(k.strip() for k in keys.split(",") if k.strip()) if keys else None,
            incident_table=_incident_table(fam, incident or []) or None,
            restriction=restriction_value(restriction).value,
            pseudonymize_key=pseudonymize_key.encode("utf-8") if pseudonymize_key else None,
            generation_time=parse_time(generation_time) if generation_time else None,
            target_roles=tuple(_node_roles(target_role or [])),
        )
        read_options = parse_columns(columns, time_format, timezone)
        _check_keys(fam, options)
    except ValueError as exc:
        raise _fail(str(exc), EXIT_USAGE) from None
    if split and output is None:
        raise _fail("--split needs -o DIRECTORY", EXIT_USAGE)
    if not split and output is not None and output.is_dir():
        raise _fail(f"{output} is a directory; add --split to write one file per incident", EXIT_USAGE)
    if inputs.count("-") > 1:
        raise _fail("standard input ('-') can be named only once", EXIT_USAGE)
    if name == PLACEHOLDER_NAME:
        info(  # a hint for people: --quiet silences it like the summary
            f"iodef convert: no --name given: IncidentIDs carry the placeholder {PLACEHOLDER_NAME}; "
            "give your CSIRT's domain name with --name before sending the documents"
        )

    stats = Stats()
    opener = _Opener(inputs, fam, from_)
    progress = opener.progress
    incidents = convert_inputs(fam, opener.open(), options, stats, _ErrorPrinter(), progress, read_options)
    try:
        _write_out(incidents, output, split, pretty, output_format is OutputFormat.xml or output is not None)
    except OSError as exc:
        raise _fail(f"cannot write {output or 'standard output'}: {exc.strerror or exc}", EXIT_IO) from None
    finally:
        progress.done()

    _summary(fam, inputs, stats, output_format)
    if opener.failed["io"]:
        raise typer.Exit(EXIT_IO)
    if opener.failed["format"]:
        raise typer.Exit(EXIT_USAGE)
    if stats.bad_records and not skip_bad:
        raise typer.Exit(EXIT_INVALID)
    raise typer.Exit(EXIT_OK)


def _check_keys(family: str, options: ConvertOptions) -> None:
    """Check the grouping keys now rather than at the first record."""
    from iodef.convert import FAMILIES

    FAMILIES[family].grouper(options)


class _ErrorPrinter:
    """Prints the first unreadable records as ``file:line: why``; the summary counts the rest."""

    def __init__(self) -> None:
        self.printed = 0

    def __call__(self, error: RecordError) -> None:
        if self.printed < MAX_PRINTED_ERRORS:
            typer.echo(f"iodef convert: {error}", err=True)
        elif self.printed == MAX_PRINTED_ERRORS:
            typer.echo("iodef convert: more unreadable records; see the summary", err=True)
        self.printed += 1


class _Opener:
    """Opens and recognises the inputs one at a time (a batch of thousands needs no more files
    open), gzip-compressed ones included; counts those it could not read or recognise."""

    def __init__(self, inputs: list[str], family: str, from_: str | None) -> None:
        self.inputs = inputs
        self.family = family
        self.from_ = from_
        self.failed = {"io": 0, "format": 0}
        self.sizes = {p: _size(p) for p in inputs if p != "-"}
        self.progress = _Progress(sum(self.sizes.values()))

    def _cannot_read(self, path: str, exc: BaseException) -> None:
        typer.echo(f"iodef convert: cannot read {path}: {getattr(exc, 'strerror', None) or exc}", err=True)
        self.failed["io"] += 1

    def open(self) -> Iterator[Input]:
        for path in self.inputs:
            try:
                raw: IO[bytes] = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
            except OSError as exc:
                self._cannot_read(path, exc)
                continue
            label = "<stdin>" if path == "-" else path
            try:
                head, stream = peek_head(raw)
                if head[:2] == GZIP_MAGIC:  # rotated logs (rdp.log.gz), on stdin as well
                    stream = gzip.GzipFile(fileobj=stream, mode="rb")  # type: ignore[assignment]
                    head, stream = peek_head(stream, seek=False)
                fmt = self.from_ or detect(self.family, head, label.removesuffix(".gz"))
                self.progress.current = raw
                yield Input(label, stream, fmt)
                self.progress.finished(self.sizes.get(path, 0))
            except ConvertError as exc:
                typer.echo(f"iodef convert: {exc}", err=True)
                self.failed["format"] += 1
            except (OSError, EOFError, zlib.error) as exc:
                self._cannot_read(path, exc)
            finally:
                self.progress.current = None
                if path != "-":
                    raw.close()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _write_out(incidents: Any, output: Path | None, split: bool, pretty: bool, want_xml: bool) -> None:
    """Write the incidents as they come: to stdout, a file, or one file each (--split)."""
    if not want_xml:
        for _ in incidents:
            pass
    elif split:
        assert output is not None
        _write_split(incidents, output, pretty)
    elif output is None:
        writer = DocumentWriter(sys.stdout.buffer, pretty=pretty)
        for inc in incidents:
            writer.write(inc)
        writer.close()
    else:
        _write_file(incidents, output, pretty)


def _write_file(incidents: Any, output: Path, pretty: bool) -> None:
    if output.exists() and not output.is_file():
        # a device or a pipe (/dev/null, /dev/stdout, a FIFO): write into it, never replace it
        with output.open("wb") as fh:
            writer = DocumentWriter(fh, pretty=pretty)
            for inc in incidents:
                writer.write(inc)
            writer.close()
        return
    directory = output.parent if str(output.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            writer = DocumentWriter(fh, pretty=pretty)
            for inc in incidents:
                writer.write(inc)
            writer.close()
        if writer.count:
            os.replace(tmp, output)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _write_split(incidents: Any, directory: Path, pretty: bool) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for inc in incidents:
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", inc.incident_id.value)
        target = directory / f"{safe}.xml"
        tmp = directory / f".{safe}.xml.part"
        with open(tmp, "wb") as fh:
            writer = DocumentWriter(fh, pretty=pretty)
            writer.write(inc)
            writer.close()
        os.replace(tmp, target)


def _summary(family: str, inputs: list[str], stats: Stats, output_format: OutputFormat) -> None:
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(stats.skipped_events.items()))
    info(
        f"iodef convert: {stats.records} record(s) read from {len(inputs)} input(s); "
        f"{stats.incidents} incident(s); {stats.bad_records} unreadable record(s) skipped; "
        f"{stats.skipped_groups} group(s) of {stats.skipped_records} record(s) not incidents"
        + (f" ({skipped})" if skipped else "")
        + (
            "; to count them as incidents: "
            + " ".join(f"--incident {k}=yes" for k in sorted(stats.skipped_events))
            if stats.skipped_events
            else ""
        ),
    )
    if output_format is OutputFormat.json_summary:
        summary = {
            "family": family,
            "inputs": inputs,
            "records": stats.records,
            "bad_records": stats.bad_records,
            "incidents": stats.incidents,
            "incident_ids": stats.incident_ids,
            "not_incidents": {
                "groups": stats.skipped_groups,
                "records": stats.skipped_records,
                "events": dict(sorted(stats.skipped_events.items())),
            },
            "errors": [{"source": e.source, "line": e.line, "message": e.message} for e in stats.errors],
        }
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        sys.stdout.flush()


__all__ = ["convert", "incident_xml", "parse_duration"]
