"""The Typer app behind ``iodef`` and its exit codes (``fmt`` lives in :mod:`iodef.cli.fmt`).

Command groups live in their own modules (``validate``, ``convert``, ``exchange``) and register
on :data:`app` when imported; :mod:`iodef.cli.main` decides which to import.
Exit codes (ARCHITECTURE.md): 0 ok, 1 some input invalid or refused, 2 usage, 3 I/O failure.
Machine output goes to stdout, messages for people to stderr.
"""

from __future__ import annotations

import typer

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
