"""``iodef fmt``: read a document into the typed model and write it back, indented."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from iodef import IODEFError, dumps, parse

from ._console import Quiet
from .app import EXIT_INVALID, EXIT_IO, app

__all__ = ["fmt"]


@app.command("fmt")
def fmt(
    source: Annotated[
        str, typer.Argument(help="An IODEF v2 document, or '-' for standard input.", metavar="SOURCE")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    compact: Annotated[bool, typer.Option("--compact", help="No indentation.")] = False,
    quiet: Quiet = False,
) -> None:
    """Read a document into the typed model and write it back, indented.

    Nothing is lost on the way: the output equals the input under XML canonicalisation.
    Exit status: 0 written, 1 the document cannot be read as IODEF v2, 2 usage error,
    3 the file cannot be read or the output cannot be written.
    """
    try:
        doc = parse(sys.stdin.buffer if source == "-" else Path(source))
    except IODEFError as exc:
        typer.echo(f"iodef fmt: {exc}", err=True)
        raise typer.Exit(EXIT_IO if isinstance(exc.__cause__, OSError) else EXIT_INVALID) from None
    data = dumps(doc, pretty=not compact)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        typer.echo(f"iodef fmt: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_IO) from None
