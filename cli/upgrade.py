"""``iodef upgrade``: IODEF v1 (RFC 5070) documents rewritten as IODEF v2 (RFC 7970), with notes.

With one input and no ``--output``, the v2 document goes to standard output and the notes to
standard error. With ``--output DIR`` each document is written there (``<name>.v2.xml``, or
``.json``) and the notes go to standard output. Notes are ``file: path: what: 'old' -> 'new'``
lines, or JSON Lines with ``--notes-format json``.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from iodef.errors import IODEFError, ParseError

from ._console import Quiet
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE, app

__all__ = ["upgrade_command"]


class NotesFormat(StrEnum):
    text = "text"
    json = "json"


class Target(StrEnum):
    xml = "xml"
    json = "json"


@app.command("upgrade")
def upgrade_command(
    sources: Annotated[
        list[str], typer.Argument(help="IODEF v1 documents, or '-' for standard input.", metavar="SOURCE")
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="A directory to write the v2 documents into.")
    ] = None,
    to: Annotated[Target, typer.Option("--to", help="Write the v2 documents as XML or JSON.")] = Target.xml,
    notes_format: Annotated[
        NotesFormat, typer.Option("--notes-format", help="The notes as text lines or JSON Lines.")
    ] = NotesFormat.text,
    quiet: Quiet = False,
) -> None:
    """Upgrade IODEF v1 (RFC 5070) documents to IODEF v2 (RFC 7970), naming every change.

    Nothing is dropped: what has no v2 place goes into AdditionalData or a Description and is named
    in the notes. The result validates under the rfc7970 profile.
    """
    from iodef.v1 import upgrade
    from iodef.xml import dumps

    if output is None and len(sources) > 1:
        typer.echo("iodef upgrade: several inputs need --output DIR", err=True)
        raise typer.Exit(EXIT_USAGE)
    if output is not None and not output.is_dir():
        typer.echo(f"iodef upgrade: --output {output} is not a directory", err=True)
        raise typer.Exit(EXIT_USAGE)
    status = EXIT_OK
    notes_out = sys.stdout if output is not None else sys.stderr
    for source in sources:
        name = "<stdin>" if source == "-" else source
        try:
            data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
            doc, notes = upgrade(data)
        except OSError as exc:
            unreadable = ParseError(f"cannot read file: {exc.strerror or exc}", source=name)
            typer.echo(f"iodef upgrade: {unreadable}", err=True)
            status = max(status, EXIT_IO)
            continue
        except IODEFError as exc:
            exc.source = name
            typer.echo(f"iodef upgrade: {exc}", err=True)
            status = max(status, EXIT_INVALID)
            continue
        if to is Target.json:
            from iodef.json import dumps_json

            body = dumps_json(doc, pretty=True, allow_loss=True)
        else:
            body = dumps(doc, pretty=True)
        for note in notes:
            if notes_format is NotesFormat.json:
                notes_out.write(json.dumps({"file": name, **note.as_dict()}) + "\n")
            else:
                notes_out.write(f"{name}: {note}\n")
        notes_out.flush()
        if output is None:
            sys.stdout.buffer.write(body)
            sys.stdout.buffer.flush()
            continue
        target = output / (Path(name).stem + (".v2.xml" if to is Target.xml else ".v2.json"))
        try:
            target.write_bytes(body)
        except OSError as exc:
            typer.echo(f"iodef upgrade: cannot write {target}: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_IO) from None
    if status:
        raise typer.Exit(status)
