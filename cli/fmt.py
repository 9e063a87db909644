"""``iodef fmt``: read documents (XML, RFC 8727 JSON or CBOR, detected by content) and write them
back in the binding asked for (``--to xml|json|cbor``), indented unless ``--compact``.

XML to XML loses nothing (the output equals the input under XML canonicalisation); JSON and CBOR
carry what RFC 8727 can, and a document holding something it cannot is refused by name unless
``--allow-loss`` is given. Several inputs go to ``--output DIR`` (one file each) or, without it,
one after another to standard output.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from iodef.errors import IODEFError, UnsupportedVersionError
from iodef.safexml import DEFAULT_MAX_BYTES

from ._console import Quiet
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, app

if TYPE_CHECKING:
    from iodef.model import IODEFDocument

__all__ = ["fmt"]


class Binding(StrEnum):
    xml = "xml"
    json = "json"
    cbor = "cbor"


SUFFIX = {Binding.xml: ".xml", Binding.json: ".json", Binding.cbor: ".cbor"}


def read_any(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> IODEFDocument:
    """A document in any of the three bindings, detected by content."""
    from iodef.json import detect_format

    kind = detect_format(data)
    if kind == "xml":
        from iodef.xml import parse

        return (
            parse(data, max_bytes=max_bytes) if name == "<stdin>" else parse(Path(name), max_bytes=max_bytes)
        )
    from iodef.jsonbind import document_from_data

    if kind == "json":
        from iodef.json import loads_json_data

        return document_from_data(loads_json_data(data, name), name)  # type: ignore[no-any-return]
    from iodef.cbor import loads_cbor_data

    return document_from_data(loads_cbor_data(data, name), name)  # type: ignore[no-any-return]


def write_as(doc: IODEFDocument, to: Binding, *, compact: bool, allow_loss: bool) -> bytes:
    if to is Binding.json:
        from iodef.json import dumps_json

        return dumps_json(doc, pretty=not compact, allow_loss=allow_loss)
    if to is Binding.cbor:
        from iodef.cbor import dumps_cbor

        return dumps_cbor(doc, allow_loss=allow_loss)
    from iodef.xml import dumps

    return dumps(doc, pretty=not compact)


def _load(source: str, max_bytes: int) -> tuple[str, bytes]:
    """The bytes of *source*, refused (ParseError) past *max_bytes* or when they cannot be read."""
    from iodef.safexml import _chunks

    if source == "-":
        return "<stdin>", b"".join(_chunks(sys.stdin.buffer, "<stdin>", max_bytes))
    return source, b"".join(_chunks(Path(source), source, max_bytes))


@app.command("fmt")
def fmt(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="IODEF documents (XML, JSON or CBOR), or '-' for standard input.", metavar="SOURCE"
        ),
    ],
    to: Annotated[Binding, typer.Option("--to", help="The binding to write.")] = Binding.xml,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write here (a file; a directory for several inputs)."),
    ] = None,
    compact: Annotated[bool, typer.Option("--compact", help="No indentation.")] = False,
    allow_loss: Annotated[
        bool, typer.Option("--allow-loss", help="Write JSON/CBOR even where RFC 8727 cannot carry all.")
    ] = False,
    max_bytes: Annotated[
        int,
        typer.Option("--max-bytes", min=1, help="Refuse documents larger than this (default 32 MiB)."),
    ] = DEFAULT_MAX_BYTES,
    quiet: Quiet = False,
) -> None:
    """Read documents into the typed model and write them back, indented, as XML, JSON or CBOR.

    XML to XML loses nothing: the output equals the input under XML canonicalisation.
    Exit status: 0 written, 1 a document cannot be read as IODEF v2, 2 usage error,
    3 a file cannot be read or the output cannot be written.
    """
    status = EXIT_OK
    many = len(sources) > 1
    for source in sources:
        try:
            name, data = _load(source, max_bytes)
            out = write_as(read_any(data, name, max_bytes), to, compact=compact, allow_loss=allow_loss)
        except UnsupportedVersionError as exc:
            typer.echo(f"iodef fmt: {exc}; 'iodef upgrade' rewrites it as IODEF v2", err=True)
            status = max(status, EXIT_INVALID)
            continue
        except IODEFError as exc:
            if exc.source is None:
                exc.source = source if source != "-" else "<stdin>"
            typer.echo(f"iodef fmt: {exc}", err=True)
            status = max(status, EXIT_IO if isinstance(exc.__cause__, OSError) else EXIT_INVALID)
            continue
        target = output
        if output is not None and (many or output.is_dir()):
            target = output / (Path(name).stem + SUFFIX[to])
        if target is None:
            sys.stdout.buffer.write(out if out.endswith(b"\n") or to is Binding.cbor else out + b"\n")
            sys.stdout.buffer.flush()
            continue
        try:
            target.write_bytes(out)
        except OSError as exc:
            typer.echo(f"iodef fmt: cannot write {target}: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_IO) from None
    if status:
        raise typer.Exit(status)
