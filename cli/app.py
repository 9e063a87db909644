"""The Typer app behind ``iodef``, its exit codes and the small ``fmt`` command.

Command groups live in their own modules (``validate``, ``convert``, ``exchange``) and register
on :data:`app` when imported; :mod:`iodef.cli.main` decides which to import.
Exit codes (ARCHITECTURE.md): 0 ok, 1 some input invalid or refused, 2 usage, 3 I/O failure.
Machine output goes to stdout, messages for people to stderr.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from iodef import DEFAULT_MAX_BYTES, IODEFError, dumps, parse

app = typer.Typer(
    name="iodef",
    help="IODEF v2 (RFC 7970) toolkit: read, check, convert and exchange incident documents.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    # docstrings are wrapped for the source; let the help join their lines into paragraphs
    rich_markup_mode="markdown",
)


@app.callback()
def _root() -> None:
    """IODEF v2 (RFC 7970) toolkit: read, check, convert and exchange incident documents."""


EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_IO = 3


@app.command("fmt")
def fmt(
    source: Annotated[str, typer.Argument(help="An IODEF v2 document, or '-' for standard input.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    compact: Annotated[bool, typer.Option("--compact", help="No indentation.")] = False,
    max_bytes: Annotated[
        int,
        typer.Option("--max-bytes", min=1, help="Refuse documents larger than this (default 32 MiB)."),
    ] = DEFAULT_MAX_BYTES,
) -> None:
    """Read a document into the typed model and write it back, indented.

    Nothing is lost on the way: the output equals the input under XML canonicalisation.
    """
    try:
        doc = parse(sys.stdin.buffer if source == "-" else Path(source), max_bytes=max_bytes)
    except IODEFError as exc:
        typer.echo(f"iodef fmt: {exc}", err=True)
        raise typer.Exit(EXIT_INVALID) from None
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
