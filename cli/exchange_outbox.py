"""``iodef outbox list|flush|drop|requeue|purge-dead``: the sender's queue of undelivered documents."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from iodef.errors import ExchangeError
from iodef.exchange.credentials import Credentials
from iodef.exchange.outbox import Outbox, default_outbox_path

from ._choices import OutputFormat
from ._console import Quiet, info
from ._lazy import LazyGroup
from .app import EXIT_IO, EXIT_USAGE
from .exchange_common import (
    BackoffOpt,
    CaOpt,
    CertOpt,
    ConcurrencyOpt,
    ConfigOpt,
    ConnectTimeoutOpt,
    FormatOpt,
    KeyOpt,
    OutboxOpt,
    RetriesOpt,
    Tally,
    TimeoutOpt,
    TokenOpt,
    Transport,
    check_format,
    credentials_for,
    err,
    flush_groups,
    ignored_env_notice,
    load_config,
    parse_age,
    progress,
    run_delivery,
)

outbox_app = typer.Typer(
    cls=LazyGroup, help="The sender's outbox: documents waiting for delivery.", no_args_is_help=True
)

ToOpt = Annotated[str | None, typer.Option("--to", metavar="URL", help="Only documents for this feed URL.")]
OlderOpt = Annotated[
    str | None,
    typer.Option(
        "--older-than",
        metavar="AGE",
        help="Only documents queued (or refused) longer ago than this: 30m, 12h, 7d.",
    ),
]


def _open(outbox: Path | None) -> Outbox:
    try:
        return Outbox(outbox or default_outbox_path())
    except ExchangeError as exc:
        err(f"iodef outbox: {exc}")
        raise typer.Exit(EXIT_IO) from None


@outbox_app.command("list")
def outbox_list(
    outbox: OutboxOpt = None, to: ToOpt = None, fmt: FormatOpt = OutputFormat.text, quiet: Quiet = False
) -> None:
    """List the documents waiting in the outbox, then those peers refused for their content.

    "attempts" counts the requests made for a document, retries included. A refused document is
    kept (not sent again by 'outbox flush'); 'outbox requeue' puts it back once fixed.
    """
    fmt = check_format(fmt)
    with _open(outbox) as box:
        items = box.items(to)
        dead = box.dead_letters(to)
    for item in items:
        creds = item.queued_credentials()
        with_ = "unknown" if creds is None else (creds.origin if creds.token is not None else "no token")
        if fmt == "json":
            record = {
                "state": "waiting",
                "id": item.id,
                "url": item.url,
                "source": item.source,
                "sha256": item.sha256,
                "created": item.created,
                "attempts": item.attempts,
                "last_error": item.last_error,
                "size": item.size,
                "credentials": with_,
            }
            typer.echo(json.dumps(record))
        else:
            last = f"  last error: {item.last_error}" if item.last_error else ""
            typer.echo(
                f"#{item.id}  {item.url}  {item.source}  {item.size} bytes  {item.attempts} attempts"
                f"  token: {with_}{last}"
            )
    for letter in dead:
        if fmt == "json":
            record = {
                "state": "refused",
                "id": letter.id,
                "url": letter.url,
                "source": letter.source,
                "sha256": letter.sha256,
                "created": letter.created,
                "refused": letter.refused,
                "status": letter.status,
                "error": letter.error,
                "size": letter.size,
            }
            typer.echo(json.dumps(record))
        else:
            typer.echo(
                f"refused #{letter.id}  {letter.url}  {letter.source}  {letter.size} bytes  "
                f"{letter.refused}: {letter.error}"
            )
    info(f"iodef outbox: {len(items)} document(s) waiting, {len(dead)} refused by the peer")


@outbox_app.command("flush")
def outbox_flush(
    outbox: OutboxOpt = None,
    to: ToOpt = None,
    token: TokenOpt = None,
    config: ConfigOpt = None,
    ca: CaOpt = None,
    cert: CertOpt = None,
    key: KeyOpt = None,
    concurrency: ConcurrencyOpt = 4,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    timeout: TimeoutOpt = 60.0,
    retries: RetriesOpt = 5,
    backoff: BackoffOpt = 0.5,
    fmt: FormatOpt = OutputFormat.text,
    quiet: Quiet = False,
) -> None:
    """Deliver the documents waiting in the outbox, each with its own destination's credentials.

    For each destination: --token/--ca/--cert/--key (they apply to the --to destination, and need
    --to when documents for several destinations wait), else the --config entry for its URL (else
    that of the config it was queued with), else the credentials it was queued with. $IODEF_TOKEN
    is not used. Same exit codes as send.
    """
    fmt = check_format(fmt)
    cfg = load_config(config)
    ignored_env_notice()
    with _open(outbox) as box:
        items = box.items(to)
        explicit: Credentials | None = None
        if token is not None or ca is not None or cert is not None or key is not None:
            destinations = sorted({i.url for i in items})
            if to is None and len(destinations) > 1:
                err(
                    "iodef outbox flush: --token, --ca, --cert and --key are for one destination; "
                    f"name it with --to (documents wait for: {', '.join(destinations)})"
                )
                raise typer.Exit(EXIT_USAGE)
            target = to or (destinations[0] if destinations else "https://unused.invalid/")
            explicit = credentials_for(target, token, None, ca, cert, key)
        bar = progress(len(items), "flushing")
        tally = Tally(fmt, bar)
        groups = flush_groups(items, to=to, explicit=explicit, config=cfg, tally=tally)
        transport = Transport(connect_timeout, timeout, retries, backoff, "outbox flush")
        then = "; what is not delivered keeps waiting"
        try:
            with bar if bar is not None else contextlib.nullcontext():
                run_delivery(box, groups, transport, concurrency, tally, then)
        except ExchangeError as exc:
            err(f"iodef outbox flush: {exc}")
            raise typer.Exit(EXIT_IO) from None
    raise typer.Exit(tally.summary("outbox flush"))


@outbox_app.command("drop")
def outbox_drop(
    outbox: OutboxOpt = None, to: ToOpt = None, older_than: OlderOpt = None, quiet: Quiet = False
) -> None:
    """Remove waiting documents (all, or those for --to, queued longer ago than --older-than)."""
    age = parse_age(older_than)
    with _open(outbox) as box:
        n = _guarded(lambda: box.drop(to, older_than=age))
    info(f"iodef outbox drop: {n} waiting document(s) removed")


@outbox_app.command("requeue")
def outbox_requeue(
    outbox: OutboxOpt = None, to: ToOpt = None, older_than: OlderOpt = None, quiet: Quiet = False
) -> None:
    """Put documents peers refused back in the queue (e.g. after the peer fixed its checks)."""
    age = parse_age(older_than)
    with _open(outbox) as box:
        n = _guarded(lambda: box.requeue(to, older_than=age))
    info(f"iodef outbox requeue: {n} refused document(s) waiting again; 'iodef outbox flush' sends them")


@outbox_app.command("purge-dead")
def outbox_purge_dead(
    outbox: OutboxOpt = None, to: ToOpt = None, older_than: OlderOpt = None, quiet: Quiet = False
) -> None:
    """Remove documents peers refused (all, or those for --to, refused longer ago than --older-than)."""
    age = parse_age(older_than)
    with _open(outbox) as box:
        n = _guarded(lambda: box.purge_dead(to, older_than=age))
    info(f"iodef outbox purge-dead: {n} refused document(s) removed")


def _guarded(action: Callable[[], int]) -> int:
    try:
        return action()
    except ExchangeError as exc:
        err(f"iodef outbox: {exc}")
        raise typer.Exit(EXIT_IO) from None
