"""The Typer app behind ``iodef``, its exit codes and the list of its commands.

Each command lives in its own module and registers on :data:`app` when imported
(``@app.command("pull")``, or ``app.add_typer(outbox_app, name="outbox")``). :data:`COMMANDS`
says which module holds which word, with the one line ``iodef --help`` shows for it, so that
``iodef --help`` imports no command module and ``iodef validate`` imports only its own
(:mod:`iodef.cli._lazy`). To add a command: write ``cli/<name>.py`` registering on :data:`app`,
then add one line to :data:`COMMANDS`.

Help texts are plain text, shown as written: no Rich or Markdown markup (``<entry>`` and
``[tokens]`` stay as typed). Exit codes (ARCHITECTURE.md): 0 ok, 1 some input invalid or
refused, 2 usage, 3 I/O, network or TLS failure. Machine output goes to stdout, messages for
people to stderr.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ._lazy import LazyCommand, LazyGroup

__all__ = ["COMMANDS", "EXIT_INVALID", "EXIT_IO", "EXIT_OK", "EXIT_USAGE", "app"]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_IO = 3

#: command word -> its module and the one-line help ``iodef --help`` shows (in this order)
COMMANDS: dict[str, LazyCommand] = {
    "validate": LazyCommand(
        "iodef.cli.validate",
        "Check IODEF documents against the RFC 7970 schema (offline) and the RFC's own rules.",
    ),
    "fmt": LazyCommand(
        "iodef.cli.fmt",
        "Read documents into the typed model and write them back, indented, as XML, JSON or CBOR.",
    ),
    "upgrade": LazyCommand(
        "iodef.cli.upgrade",
        "Upgrade IODEF v1 (RFC 5070) documents to IODEF v2 (RFC 7970), naming every change.",
    ),
    "convert": LazyCommand(
        "iodef.cli.convert", "Convert spam, RAT-misuse or VMS records into IODEF v2 incidents."
    ),
    "send": LazyCommand(
        "iodef.cli.exchange",
        "Check and send IODEF documents to a peer's ROLIE feed; print a receipt for each.",
    ),
    "pull": LazyCommand(
        "iodef.cli.exchange",
        "Fetch the documents of a peer's feed that are new since the last run (follows paging).",
    ),
    "outbox": LazyCommand("iodef.cli.exchange", "The sender's outbox: documents waiting for delivery."),
    "serve": LazyCommand(
        "iodef.cli.exchange",
        "Serve a ROLIE repository of IODEF documents (receives POSTs, serves Atom feeds).",
    ),
    "redact": LazyCommand(
        "iodef.cli.exchange",
        "Write the document as a reader cleared for --above LEVEL gets it from 'iodef serve'.",
    ),
    "stix": LazyCommand("iodef.cli.stix", "STIX 2.1 bundles from IODEF documents, and back."),
    "sign": LazyCommand(
        "iodef.cli.sign", "Sign IODEF documents: an enveloped XML Signature over the whole document."
    ),
    "verify": LazyCommand(
        "iodef.cli.sign",
        "Verify signed IODEF documents against a pinned certificate, or a CA and a subject name.",
    ),
}


class _Commands(LazyGroup):
    lazy_commands = COMMANDS


app = typer.Typer(
    name="iodef",
    cls=_Commands,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    # plain text: help is shown as written, with no markup language to swallow <placeholders>
    # or [sections]; it also keeps Rich (and its start-up time) out of every run
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
_Commands.typer_app = app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("iodef")
    except PackageNotFoundError:  # run from a source tree that is not installed
        from iodef import __version__

        return __version__


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"iodef {_version()}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", is_eager=True, callback=_show_version),
    ] = False,
) -> None:
    """IODEF v2 (RFC 7970) toolkit: read, check, convert and exchange incident documents.

    Exit status of every command: 0 ok, 1 some input invalid or refused, 2 usage error,
    3 I/O, network or TLS failure. "iodef COMMAND -h" explains a command.
    """
