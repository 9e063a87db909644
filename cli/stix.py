"""``iodef stix export|import``: IODEF v2 documents to STIX 2.1 bundles and back."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from iodef import IODEFError, dumps, parse
from iodef.stix import EXTENSION_ID, from_stix, to_stix

from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE, app

stix_app = typer.Typer(help="STIX 2.1 bundles from IODEF documents, and back.", no_args_is_help=True)
app.add_typer(stix_app, name="stix")

FilesArg = Annotated[
    list[str], typer.Argument(help="Input files, or '-' for standard input.", metavar="FILE")
]
OutDirOpt = Annotated[
    Path | None,
    typer.Option("--output-dir", "-o", help="Write one file per input here instead of standard output."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Do not list what has no counterpart.")]


def _read(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read()
    return Path(source).read_bytes()


def _write(out_dir: Path, name: str, data: bytes) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / name).write_bytes(data)


def _run(verb: str, files: list[str], out_dir: Path | None, quiet: bool) -> None:
    if out_dir is None and len(files) > 1 and verb == "import":
        typer.echo("iodef stix import: give --output-dir for more than one bundle", err=True)
        raise typer.Exit(EXIT_USAGE)
    status = EXIT_OK
    for source in files:
        shown = "<stdin>" if source == "-" else source
        unmapped: list[str] = []
        try:
            raw = _read(source)
        except OSError as exc:
            typer.echo(f"iodef stix {verb}: cannot read {shown}: {exc.strerror or exc}", err=True)
            status = max(status, EXIT_IO)
            continue
        try:
            if verb == "export":
                bundle = to_stix(parse(raw), unmapped=unmapped)
                pretty = out_dir is not None or len(files) == 1
                data = (bundle.serialize(pretty=pretty) + "\n").encode("utf-8")
                suffix = ".stix.json"
            else:
                # a bundle of ours keeps the layout of the original; any other is indented
                data = dumps(from_stix(raw, unmapped=unmapped), pretty=EXTENSION_ID.encode() not in raw)
                suffix = ".iodef.xml"
        except IODEFError as exc:
            if exc.source in (None, "<bytes>", "<bundle>"):
                exc.source = shown
            typer.echo(f"iodef stix {verb}: {exc}", err=True)
            status = max(status, EXIT_INVALID)
            continue
        if not quiet:
            for sentence in unmapped:
                typer.echo(f"{shown}: not mapped: {sentence}", err=True)
        try:
            if out_dir is None:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
            else:
                _write(out_dir, Path(shown).name + suffix, data)
        except OSError as exc:
            typer.echo(f"iodef stix {verb}: cannot write: {exc.strerror or exc}", err=True)
            raise typer.Exit(EXIT_IO) from None
    raise typer.Exit(status)


@stix_app.command("export")
def export(files: FilesArg, output_dir: OutDirOpt = None, quiet: QuietOpt = False) -> None:
    """Write IODEF documents as STIX 2.1 bundles (JSON).

    One input: one indented bundle on standard output. Several: one bundle per line, or one
    FILE.stix.json each under --output-dir. What STIX has no object for is listed on standard
    error; it still travels in the x-iodef extension, so 'iodef stix import' gives the document back.
    """
    _run("export", files, output_dir, quiet)


@stix_app.command("import")
def import_(files: FilesArg, output_dir: OutDirOpt = None, quiet: QuietOpt = False) -> None:
    """Read STIX 2.1 bundles (JSON) as IODEF v2 documents.

    A bundle made by 'iodef stix export' gives the original document back; any other bundle is
    mapped object by object, and objects IODEF has no place for are listed on standard error.
    """
    _run("import", files, output_dir, quiet)
