"""What ``iodef send``, ``pull`` and ``outbox`` share: options, credentials per destination, reports."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from iodef.errors import ExchangeError, ExchangeTransportError, IODEFError
from iodef.exchange.client import AsyncClient, PreparedDocument, Receipt
from iodef.exchange.config import TOKEN_ENV
from iodef.exchange.credentials import ClientConfig, Credentials, load_client_config, resolve
from iodef.exchange.outbox import DeliveryResult, Outbox, OutboxItem, deliver

from ._choices import PROFILE_HELP, OutputFormat, Profile
from ._console import info, progress_wanted
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE


def err(message: str) -> None:
    typer.echo(message, err=True)


TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        metavar="TOKEN",
        help="Bearer token for this peer (else the --config entry for its URL, else $IODEF_TOKEN). "
        "Never printed.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help="Client config (TOML) with one [[peers]] table per destination: url, token or token_env, "
        "ca, cert, key.",
    ),
]
CaOpt = Annotated[
    Path | None, typer.Option("--ca", metavar="PEM", help="CA bundle (PEM) to verify the peer's certificate.")
]
CertOpt = Annotated[
    Path | None, typer.Option("--cert", metavar="PEM", help="Client certificate (PEM) for mutual TLS.")
]
KeyOpt = Annotated[
    Path | None, typer.Option("--key", metavar="PEM", help="Private key (PEM) of --cert, if not inside it.")
]
ConnectTimeoutOpt = Annotated[
    float, typer.Option("--connect-timeout", metavar="SECONDS", help="Seconds to connect.", min=0.1)
]
TimeoutOpt = Annotated[
    float, typer.Option("--timeout", metavar="SECONDS", help="Seconds to wait for each answer.", min=0.1)
]
RetriesOpt = Annotated[
    int, typer.Option("--retries", metavar="N", help="Attempts per document (1 = no retry).", min=1)
]
BackoffOpt = Annotated[
    float,
    typer.Option(
        "--backoff",
        metavar="SECONDS",
        help="Base delay in seconds for exponential backoff with jitter.",
        min=0.0,
    ),
]
OutboxOpt = Annotated[
    Path | None,
    typer.Option(
        "--outbox", metavar="FILE", help="Outbox file (default: outbox.sqlite in the user data directory)."
    ),
]
ConcurrencyOpt = Annotated[
    int, typer.Option("--concurrency", "-j", metavar="N", help="Documents in flight at once.", min=1)
]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", help="text, or json (one JSON object per line).")
]
ProfileOpt = Annotated[Profile, typer.Option("--profile", help=f"Validation profile. {PROFILE_HELP}")]


def check_format(value: OutputFormat | str) -> OutputFormat:
    """The output format (an enum: Typer has checked the choice already)."""
    return OutputFormat(value)


def check_url(url: str) -> None:
    if not (url.startswith("https://") or url.startswith("http://")):
        err(f"iodef: {url!r} is not an http(s) URL")
        raise typer.Exit(EXIT_USAGE)


def load_config(config: Path | None) -> ClientConfig | None:
    if config is None:
        return None
    try:
        return load_client_config(config)
    except IODEFError as exc:
        err(f"iodef: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def credentials_for(
    url: str,
    token: str | None,
    config: ClientConfig | None,
    ca: Path | None,
    cert: Path | None,
    key: Path | None,
) -> Credentials:
    """The credentials of the one destination *url* of a ``send`` or ``pull``."""
    check_url(url)
    if key is not None and cert is None:
        err("iodef: --key needs --cert")
        raise typer.Exit(EXIT_USAGE)
    try:
        return resolve(url, token=token, config=config, ca=ca, cert=cert, key=key)
    except IODEFError as exc:
        err(f"iodef: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


class Transport:
    """The options that shape requests (timeouts, retries), and the stderr notice of a peer down."""

    def __init__(
        self, connect_timeout: float, timeout: float, retries: int, backoff: float, verb: str
    ) -> None:
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.verb = verb
        self._told: set[str] = set()

    def kwargs(self, creds: Credentials) -> dict[str, Any]:
        return {
            "token": creds.token,
            "ca": creds.ca,
            "cert": creds.cert,
            "key": creds.key,
            "connect_timeout": self.connect_timeout,
            "timeout": self.timeout,
            "retries": self.retries,
            "backoff": self.backoff,
        }

    def on_retry(self, then: str) -> Callable[[ExchangeError, int], None]:
        """A callback that says at once (once per peer) that a peer does not answer, and what follows."""

        def notice(error: ExchangeError, attempt: int) -> None:
            where = error.url or "the peer"
            origin = where.split("/feeds/")[0]
            if origin in self._told:
                return
            self._told.add(origin)
            what = "is not answering" if isinstance(error, ExchangeTransportError) else "is unavailable"
            err(
                f"iodef {self.verb}: {origin} {what} ({error.message}); retrying "
                f"(up to {self.retries} attempts each){then}"
            )

        return notice


def parse_age(value: str | None) -> timedelta | None:
    """``30m``, ``12h``, ``7d`` (or seconds) as a timedelta; a usage error otherwise."""
    if value is None:
        return None
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (value[:-1], value[-1]) if value and value[-1] in units else (value, "s")
    try:
        amount = float(number)
    except ValueError:
        err(f"iodef: --older-than {value!r} is not an age such as 30m, 12h or 7d")
        raise typer.Exit(EXIT_USAGE) from None
    return timedelta(seconds=amount * units[unit])


def progress(total: int, label: str) -> Any:
    if total > 1 and progress_wanted():
        return typer.progressbar(length=total, label=label, file=sys.stderr)
    return None


class Tally:
    """Counts and prints the outcome of each document of a send or flush."""

    def __init__(self, fmt: OutputFormat | str, bar: Any) -> None:
        self.fmt = fmt
        self.bar = bar
        self.created = 0
        self.repeats = 0
        self.refused = 0
        self.invalid = 0
        self.waiting = 0
        #: url -> the credentials its documents went with (for the hint after a 401)
        self.credentials: dict[str, Credentials] = {}

    def line(self, record: dict[str, Any], text: str) -> None:
        if self.fmt == "json":
            typer.echo(json.dumps(record))
        else:
            typer.echo(text)

    def local_refusal(self, source: str, exc: IODEFError, *, policy: bool = False) -> None:
        """A document not sent: invalid, or (*policy*) refused by the sender's restriction policy."""
        outcome = "refused" if policy else "invalid"
        if policy:
            self.refused += 1
        else:
            self.invalid += 1
        problems = [i.to_dict() for i in getattr(exc, "issues", [])]
        text = str(exc)
        self.line(
            {"source": source, "outcome": outcome, "error": text, "issues": problems},
            # the error names the file already when it came from reading it
            f"not sent  {text}" if text.startswith(source) else f"not sent  {source}: {text}",
        )
        if self.fmt == "text":
            for p in problems[1:10]:
                err(f"    {source}:{p['line']}:{p['column'] or 0}: {p['path']}: {p['message']} [{p['rule']}]")

    def unsent(self, item: OutboxItem, reason: str) -> None:
        """A queued document kept back without a request (no credentials for its destination)."""
        self.waiting += 1
        self.line(
            {
                "source": item.source,
                "outcome": "queued",
                "outbox_id": item.id,
                "url": item.url,
                "error": reason,
            },
            f"queued    {item.source} (outbox #{item.id}): {reason}",
        )
        if self.bar is not None:
            self.bar.update(1)

    def result(self, result: DeliveryResult) -> None:
        item = result.item
        if result.receipt is not None:
            receipt = result.receipt
            if receipt.repeat:
                self.repeats += 1
            else:
                self.created += 1
            as_dict = receipt.as_dict()
            self.line(
                {"outcome": "repeat" if receipt.repeat else "delivered", **as_dict},
                f"{'repeat ' if receipt.repeat else 'delivered'} {item.source} -> {as_dict.get('location')}",
            )
        elif result.refused is not None:
            self.refused += 1
            exc = result.refused
            self.line(
                {"source": item.source, "outcome": "refused", "status": exc.status, "problem": exc.problem},
                f"refused   {item.source}: {exc.message}",
            )
            if self.fmt == "text":
                issues = exc.problem.get("issues")
                for issue in issues[:10] if isinstance(issues, list) else []:
                    if isinstance(issue, dict):
                        where = f"{item.source}:{issue.get('line')}: {issue.get('path')}"
                        err(f"    {where}: {issue.get('message')}")
        elif result.waiting is not None:
            self.waiting += 1
            message = result.waiting.message + self._hint(item.url, result.waiting)
            self.line(
                {"source": item.source, "outcome": "queued", "outbox_id": item.id, "error": message},
                f"queued    {item.source} (outbox #{item.id}): {message}",
            )
        if self.bar is not None:
            self.bar.update(1)

    def _hint(self, url: str, error: ExchangeError) -> str:
        if getattr(error, "status", None) != 401:
            return ""
        creds = self.credentials.get(url)
        if creds is None or creds.token is None:
            return (
                f"; no token is known for {url}: give --to {url} --token TOKEN, or a [[peers]] entry "
                f'with url = "{url}" and token (or token_env) in the --config file'
            )
        return f"; the token from {creds.origin} was not accepted"

    def summary(self, verb: str) -> int:
        parts = {
            "delivered": self.created,
            "repeats": self.repeats,
            "refused": self.refused,
            "invalid": self.invalid,
            "queued": self.waiting,
        }
        info(f"iodef {verb}: " + ", ".join(f"{v} {k}" for k, v in parts.items()))
        if self.waiting:
            err("iodef: undelivered documents wait in the outbox; 'iodef outbox flush' sends them")
            return EXIT_IO
        if self.refused or self.invalid:
            return EXIT_INVALID
        return EXIT_OK


Group = tuple[str, Credentials, list[OutboxItem]]


def run_delivery(
    outbox: Outbox, groups: list[Group], transport: Transport, concurrency: int, tally: Tally, then: str
) -> None:
    """Deliver each group of items to its destination with that destination's credentials only."""

    async def run() -> None:
        for url, creds, items in groups:
            tally.credentials[url] = creds
            client = AsyncClient(
                url,
                max_connections=concurrency,
                validate=False,
                on_retry=transport.on_retry(then),
                **transport.kwargs(creds),
            )
            async with client:

                async def send(item: OutboxItem, body: bytes, client: AsyncClient = client) -> Receipt:
                    prepared = PreparedDocument(source=item.source, body=body, restriction=None)
                    return await client.send_prepared(prepared)

                await deliver(outbox, items, send, concurrency=concurrency, on_result=tally.result)

    asyncio.run(run())


def flush_groups(
    items: list[OutboxItem],
    *,
    to: str | None,
    explicit: Credentials | None,
    config: ClientConfig | None,
    tally: Tally,
) -> list[Group]:
    """Group waiting items by destination and the credentials each may go with.

    Per destination: credentials given on the command line (only for the ``--to`` destination),
    else the client config entry for its URL (``--config``, else the config it was queued with),
    else what it was queued with. An item with none of these is kept back and reported.
    """
    groups: dict[tuple[str, str], Group] = {}
    configs: dict[Path, ClientConfig | None] = {}
    for item in items:
        creds = explicit if explicit is not None and (to is None or item.url == to) else None
        if creds is None:
            creds = _configured(item, config, configs)
        if creds is None:
            creds = item.queued_credentials()
        if creds is None:
            tally.unsent(
                item,
                f"no credentials are known for {item.url} (queued by an older iodef): flush with "
                f"--to {item.url} --token TOKEN (and --cert for mutual TLS), or add a [[peers]] entry "
                f'with url = "{item.url}" to the --config file',
            )
            continue
        key = (item.url, creds.to_json())
        groups.setdefault(key, (item.url, creds, []))[2].append(item)
    return list(groups.values())


def _configured(
    item: OutboxItem, config: ClientConfig | None, cache: dict[Path, ClientConfig | None]
) -> Credentials | None:
    cfg = config
    queued = item.queued_credentials()
    if cfg is None and queued is not None and queued.config is not None:
        if queued.config not in cache:
            try:
                cache[queued.config] = load_client_config(queued.config)
            except IODEFError as exc:
                err(f"iodef: the client config {item.source} was queued with: {exc}; using what was queued")
                cache[queued.config] = None
        cfg = cache[queued.config]
    entry = cfg.entry_for(item.url) if cfg is not None else None
    if entry is None:
        return None
    try:
        found = entry.credentials()
    except IODEFError as exc:
        err(f"iodef: {exc}")
        return None
    if queued is not None and found.cert is None and found.ca is None:
        # the entry names the token; the TLS files it was queued with still apply
        return Credentials(
            token=found.token, ca=queued.ca, cert=queued.cert, key=queued.key, origin=found.origin
        )
    return found


def ignored_env_notice() -> None:
    import os

    if os.environ.get(TOKEN_ENV):
        err(
            f"iodef outbox flush: ${TOKEN_ENV} is not used: each document goes with the credentials "
            "of its own destination (--to URL --token, a --config entry, or what it was queued with)"
        )
