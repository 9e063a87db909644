"""``iodef send``, ``serve``, ``pull`` and ``outbox list|flush``: exchange with peers over ROLIE."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import ssl
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from iodef.errors import ExchangeError, IODEFError
from iodef.exchange._checks import PROFILES
from iodef.exchange.client import (
    AsyncClient,
    Client,
    PreparedDocument,
    Receipt,
    RetryPolicy,
    Timeouts,
    prepare_document,
)
from iodef.exchange.config import Secret, load_server_config, read_token
from iodef.exchange.outbox import DeliveryResult, Outbox, OutboxItem, default_outbox_path, deliver

from ._choices import PROFILE_HELP, LogLevel, OutputFormat, Profile, Restriction, SqliteSync
from ._console import Quiet, info, progress_wanted
from ._lazy import LazyGroup
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE, app

outbox_app = typer.Typer(
    cls=LazyGroup, help="The sender's outbox: documents waiting for delivery.", no_args_is_help=True
)
app.add_typer(outbox_app, name="outbox")


def _err(message: str) -> None:
    typer.echo(message, err=True)


# -- shared options ----------------------------------------------------------------------------------

TokenOpt = Annotated[
    str | None,
    typer.Option(
        "--token",
        metavar="TOKEN",
        help="Bearer token for the peer (else $IODEF_TOKEN, else the --config file). Never printed.",
        show_default=False,
    ),
]
ConfigOpt = Annotated[
    Path | None,
    typer.Option(
        "--config",
        metavar="FILE",
        help='Client config (TOML): token = "..." or [tokens] "<url prefix>" = "...".',
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


def _client_kwargs(
    url: str,
    token: str | None,
    config: Path | None,
    ca: Path | None,
    cert: Path | None,
    key: Path | None,
    connect_timeout: float,
    timeout: float,
    retries: int,
    backoff: float,
) -> dict[str, Any]:
    if not (url.startswith("https://") or url.startswith("http://")):
        _err(f"iodef: {url!r} is not an http(s) URL")
        raise typer.Exit(EXIT_USAGE)
    if key is not None and cert is None:
        _err("iodef: --key needs --cert")
        raise typer.Exit(EXIT_USAGE)
    try:
        secret: Secret | None = read_token(token, config, url)
    except IODEFError as exc:
        _err(f"iodef: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    return {
        "token": secret,
        "ca": ca,
        "cert": cert,
        "key": key,
        "timeouts": Timeouts(connect=connect_timeout, read=timeout, write=timeout),
        "retry": RetryPolicy(attempts=retries, base_delay=backoff),
    }


def _progress(total: int, label: str) -> Any:
    if total > 1 and progress_wanted():
        return typer.progressbar(length=total, label=label, file=sys.stderr)
    return None


class _Tally:
    def __init__(self, fmt: OutputFormat, bar: Any) -> None:
        self.fmt = fmt
        self.bar = bar
        self.created = 0
        self.repeats = 0
        self.refused = 0
        self.invalid = 0
        self.waiting = 0

    def line(self, record: dict[str, Any], text: str) -> None:
        if self.fmt == "json":
            typer.echo(json.dumps(record))
        else:
            typer.echo(text)

    def local_refusal(self, source: str, exc: IODEFError) -> None:
        self.invalid += 1
        problems = [i.to_dict() for i in getattr(exc, "issues", [])]
        text = str(exc)
        self.line(
            {"source": source, "outcome": "invalid", "error": text, "issues": problems},
            # the error names the file already when it came from reading it
            f"not sent  {text}" if text.startswith(source) else f"not sent  {source}: {text}",
        )
        if self.fmt == "text":
            for p in problems[1:10]:
                _err(
                    f"    {source}:{p['line']}:{p['column'] or 0}: {p['path']}: {p['message']} [{p['rule']}]"
                )

    def result(self, result: DeliveryResult) -> None:
        item = result.item
        if result.receipt is not None:
            receipt = result.receipt
            repeat = receipt.repeat
            if repeat:
                self.repeats += 1
            else:
                self.created += 1
            as_dict = receipt.as_dict()
            self.line(
                {"outcome": "repeat" if repeat else "delivered", **as_dict},
                f"{'repeat ' if repeat else 'delivered'} {item.source} -> {as_dict.get('location')}",
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
                        _err(f"    {where}: {issue.get('message')}")
        elif result.waiting is not None:
            self.waiting += 1
            self.line(
                {
                    "source": item.source,
                    "outcome": "queued",
                    "outbox_id": item.id,
                    "error": str(result.waiting),
                },
                f"queued    {item.source} (outbox #{item.id}): {result.waiting.message}",
            )
        if self.bar is not None:
            self.bar.update(1)

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
            _err("iodef: undelivered documents wait in the outbox; 'iodef outbox flush' sends them")
            return EXIT_IO
        if self.refused or self.invalid:
            return EXIT_INVALID
        return EXIT_OK


def _run_delivery(
    outbox: Outbox, items: list[OutboxItem], make_client: Any, concurrency: int, tally: _Tally
) -> None:
    by_url: dict[str, list[OutboxItem]] = {}
    for item in items:
        by_url.setdefault(item.url, []).append(item)

    async def run() -> None:
        for url, group in by_url.items():
            client: AsyncClient = make_client(url)
            async with client:

                async def send(item: OutboxItem, body: bytes, client: AsyncClient = client) -> Receipt:
                    prepared = PreparedDocument(source=item.source, body=body, restriction=None)
                    return await client.send_prepared(prepared)

                await deliver(outbox, group, send, concurrency=concurrency, on_result=tally.result)

    asyncio.run(run())


def _inputs(sources: list[str]) -> list[tuple[str, Path | None]]:
    found: list[tuple[str, Path | None]] = []
    for src in sources:
        if src == "-":
            found.append(("<stdin>", None))
            continue
        path = Path(src)
        if path.is_dir():
            found.extend((str(p), p) for p in sorted(path.rglob("*.xml")) if p.is_file())
        else:
            found.append((src, path))
    return found


# -- send -------------------------------------------------------------------------------------------


@app.command("send")
def send(
    sources: Annotated[
        list[str],
        typer.Argument(help="IODEF documents: files, directories (*.xml), or '-'.", metavar="SOURCE"),
    ],
    to: Annotated[
        str,
        typer.Option("--to", metavar="URL", help="The peer's feed URL, e.g. https://peer/feeds/incidents."),
    ],
    token: TokenOpt = None,
    config: ConfigOpt = None,
    ca: CaOpt = None,
    cert: CertOpt = None,
    key: KeyOpt = None,
    no_validate: Annotated[
        bool, typer.Option("--no-validate", help="Send without validating first.")
    ] = False,
    profile: ProfileOpt = Profile.rfc7970,
    allow_restricted: Annotated[
        bool, typer.Option("--allow-restricted", help="Allow sending documents marked private or red.")
    ] = False,
    concurrency: ConcurrencyOpt = 4,
    outbox: OutboxOpt = None,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    timeout: TimeoutOpt = 60.0,
    retries: RetriesOpt = 5,
    backoff: BackoffOpt = 0.5,
    fmt: FormatOpt = OutputFormat.text,
    quiet: Quiet = False,
) -> None:
    """Check and send IODEF documents to a peer's ROLIE feed; print a receipt for each.

    Each document is validated (unless --no-validate) and checked against the restriction policy,
    written to the durable outbox, then POSTed with retries. What cannot be delivered stays in the
    outbox for 'iodef outbox flush'. Exit 0 when all were delivered, 1 when some were invalid or
    refused, 3 when some wait in the outbox or a file cannot be read.
    """
    if profile not in PROFILES:
        _err(f"iodef send: unknown --profile {profile!r}; known: {', '.join(PROFILES)}")
        raise typer.Exit(EXIT_USAGE)
    kwargs = _client_kwargs(to, token, config, ca, cert, key, connect_timeout, timeout, retries, backoff)
    inputs = _inputs(sources)
    if not inputs:
        _err("iodef send: no documents found")
        raise typer.Exit(EXIT_USAGE)
    tally = _Tally(fmt, None)
    prepared: list[PreparedDocument] = []
    io_failed = False
    for name, path in inputs:
        try:
            data = sys.stdin.buffer.read() if path is None else path.read_bytes()
        except OSError as exc:
            _err(f"iodef send: cannot read {name}: {exc.strerror or exc}")
            io_failed = True
            continue
        try:
            prepared.append(
                prepare_document(
                    data,
                    source=name,
                    validate=not no_validate,
                    profile=profile,
                    allow_restricted=allow_restricted,
                )
            )
        except IODEFError as exc:
            tally.local_refusal(name, exc)
    try:
        box = Outbox(outbox or default_outbox_path())
    except ExchangeError as exc:
        _err(f"iodef send: {exc}")
        raise typer.Exit(EXIT_IO) from None
    with box:
        try:
            ids = box.add_many(to, [(p.source, p.body) for p in prepared])
        except ExchangeError as exc:
            _err(f"iodef send: {exc}")
            raise typer.Exit(EXIT_IO) from None
        wanted = set(ids)
        items = [i for i in box.items(to) if i.id in wanted]
        bar = _progress(len(items), "sending")
        tally.bar = bar

        def make_client(url: str) -> AsyncClient:
            return AsyncClient(url, max_connections=concurrency, validate=False, **kwargs)

        try:
            with bar if bar is not None else contextlib.nullcontext():
                _run_delivery(box, items, make_client, concurrency, tally)
        except ExchangeError as exc:  # e.g. unreadable TLS material
            _err(f"iodef send: {exc}")
            raise typer.Exit(EXIT_IO) from None
    code = tally.summary("send")
    raise typer.Exit(EXIT_IO if io_failed and code == EXIT_OK else code)


# -- outbox -----------------------------------------------------------------------------------------


@outbox_app.command("list")
def outbox_list(outbox: OutboxOpt = None, fmt: FormatOpt = OutputFormat.text, quiet: Quiet = False) -> None:
    """List the documents waiting in the outbox, then those peers refused for their content.

    A refused document is kept (not sent again by 'outbox flush'); send it anew once fixed.
    """
    try:
        with Outbox(outbox or default_outbox_path()) as box:
            items = box.items()
            dead = box.dead_letters()
    except ExchangeError as exc:
        _err(f"iodef outbox: {exc}")
        raise typer.Exit(EXIT_IO) from None
    for item in items:
        if fmt == "json":
            typer.echo(
                json.dumps(
                    {
                        "state": "waiting",
                        "id": item.id,
                        "url": item.url,
                        "source": item.source,
                        "sha256": item.sha256,
                        "created": item.created,
                        "attempts": item.attempts,
                        "last_error": item.last_error,
                        "size": item.size,
                    }
                )
            )
        else:
            err = f"  last error: {item.last_error}" if item.last_error else ""
            typer.echo(
                f"#{item.id}  {item.url}  {item.source}  {item.size} bytes  {item.attempts} tries{err}"
            )
    for letter in dead:
        if fmt == "json":
            typer.echo(
                json.dumps(
                    {
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
                )
            )
        else:
            typer.echo(
                f"refused #{letter.id}  {letter.url}  {letter.source}  {letter.size} bytes  "
                f"{letter.refused}: {letter.error}"
            )
    info(f"iodef outbox: {len(items)} document(s) waiting, {len(dead)} refused by the peer")


@outbox_app.command("flush")
def outbox_flush(
    outbox: OutboxOpt = None,
    to: Annotated[
        str | None, typer.Option("--to", metavar="URL", help="Only documents for this feed URL.")
    ] = None,
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
    """Deliver the documents waiting in the outbox (same exit codes as send)."""
    try:
        box = Outbox(outbox or default_outbox_path())
    except ExchangeError as exc:
        _err(f"iodef outbox: {exc}")
        raise typer.Exit(EXIT_IO) from None
    with box:
        items = box.items(to)
        bar = _progress(len(items), "flushing")
        tally = _Tally(fmt, bar)

        def make_client(url: str) -> AsyncClient:
            kwargs = _client_kwargs(
                url, token, config, ca, cert, key, connect_timeout, timeout, retries, backoff
            )
            return AsyncClient(url, max_connections=concurrency, validate=False, **kwargs)

        try:
            with bar if bar is not None else contextlib.nullcontext():
                _run_delivery(box, items, make_client, concurrency, tally)
        except ExchangeError as exc:
            _err(f"iodef outbox flush: {exc}")
            raise typer.Exit(EXIT_IO) from None
    raise typer.Exit(tally.summary("outbox flush"))


# -- pull -------------------------------------------------------------------------------------------


@app.command("pull")
def pull(
    url: Annotated[str, typer.Argument(help="The peer's feed URL.", metavar="URL")],
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="DIR", help="Directory to save the documents in.")
    ],
    state: Annotated[
        Path | None,
        typer.Option("--state", metavar="FILE", help="State file (default: DIR/.iodef-pull-state.json)."),
    ] = None,
    token: TokenOpt = None,
    config: ConfigOpt = None,
    ca: CaOpt = None,
    cert: CertOpt = None,
    key: KeyOpt = None,
    profile: ProfileOpt = Profile.rfc7970,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    timeout: TimeoutOpt = 60.0,
    retries: RetriesOpt = 5,
    backoff: BackoffOpt = 0.5,
    fmt: FormatOpt = OutputFormat.text,
    quiet: Quiet = False,
) -> None:
    """Fetch the documents of a peer's feed that are new since the last run (follows paging).

    Valid documents are saved as DIR/<entry>.xml, invalid ones under DIR/invalid/ with their issues.
    Exit 0 when all were valid, 1 when some were invalid, 3 on a network or TLS failure.
    """
    from iodef.exchange.pull import pull_to_directory

    if profile not in PROFILES:
        _err(f"iodef pull: unknown --profile {profile!r}; known: {', '.join(PROFILES)}")
        raise typer.Exit(EXIT_USAGE)
    kwargs = _client_kwargs(url, token, config, ca, cert, key, connect_timeout, timeout, retries, backoff)

    def show(doc: Any, path: Path) -> None:
        ok = doc.error is None and not any(i.severity == "error" for i in doc.issues)
        if fmt == "json":
            typer.echo(json.dumps({"entry": doc.entry.id, "saved": str(path), "valid": ok}))
        else:
            typer.echo(f"{'saved  ' if ok else 'INVALID'} {doc.entry.id} -> {path}")

    try:
        with Client(url, profile=profile, **kwargs) as client:
            report = pull_to_directory(client, output, state_path=state, on_document=show)
    except ExchangeError as exc:
        _err(f"iodef pull: {exc}")
        raise typer.Exit(EXIT_IO) from None
    except OSError as exc:
        _err(f"iodef pull: cannot write: {exc}")
        raise typer.Exit(EXIT_IO) from None
    info(
        f"iodef pull: {len(report.saved)} saved, {len(report.invalid)} invalid, {report.skipped} already had"
    )
    raise typer.Exit(EXIT_INVALID if report.invalid else EXIT_OK)


# -- serve ------------------------------------------------------------------------------------------


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve(
    db: Annotated[
        str,
        typer.Option("--db", metavar="URL", help="sqlite:///path (WAL) or postgresql://user:pass@host/db."),
    ] = "sqlite:///iodef-exchange.sqlite",
    host: Annotated[
        str, typer.Option("--host", metavar="ADDRESS", help="Address to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port to listen on.")] = 8443,
    peers: Annotated[
        Path | None,
        typer.Option("--peers", metavar="FILE", help="Peers file (TOML): tokens, feeds, read levels."),
    ] = None,
    tls_cert: Annotated[
        Path | None, typer.Option("--tls-cert", metavar="PEM", help="Server certificate chain (PEM).")
    ] = None,
    tls_key: Annotated[
        Path | None, typer.Option("--tls-key", metavar="PEM", help="Server private key (PEM).")
    ] = None,
    client_ca: Annotated[
        Path | None,
        typer.Option(
            "--client-ca", metavar="PEM", help="Require client certificates issued by this CA (mTLS)."
        ),
    ] = None,
    insecure_http: Annotated[
        bool, typer.Option("--insecure-http", help="Serve plain HTTP (only allowed on a loopback address).")
    ] = False,
    no_auth: Annotated[
        bool, typer.Option("--no-auth", help="No tokens: everyone is 'anonymous' (loopback only).")
    ] = False,
    anonymous_read: Annotated[
        Restriction,
        typer.Option("--anonymous-read", help="With --no-auth: highest restriction anonymous may read."),
    ] = Restriction.public,
    profile: ProfileOpt = Profile.rfc7970,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", metavar="BYTES", help="Largest document accepted.", min=1)
    ] = 10 * 1024 * 1024,
    page_size: Annotated[
        int, typer.Option("--page-size", metavar="N", help="Entries per feed page.", min=1, max=1000)
    ] = 100,
    db_timeout: Annotated[
        float, typer.Option("--db-timeout", metavar="SECONDS", help="Seconds to wait for a busy database.")
    ] = 5.0,
    sqlite_sync: Annotated[
        SqliteSync,
        typer.Option(
            "--sqlite-sync",
            help="full: each 201 survives a power loss (default); normal: survives a crash of the "
            "process only, faster on slow disks.",
        ),
    ] = SqliteSync.full,
    log_level: Annotated[LogLevel, typer.Option("--log-level", help="uvicorn log level.")] = LogLevel.warning,
    quiet: Quiet = False,
) -> None:
    """Serve a ROLIE repository of IODEF documents (receives POSTs, serves Atom feeds).

    Runs until interrupted. Exit status: 2 usage error (options, peers file), 3 the address,
    certificates or store cannot be used.
    """
    import uvicorn

    from iodef.exchange.config import ServerConfig
    from iodef.exchange.server import ServerSettings, create_app

    if profile not in PROFILES:
        _err(f"iodef serve: unknown --profile {profile!r}; known: {', '.join(PROFILES)}")
        raise typer.Exit(EXIT_USAGE)
    if sqlite_sync not in ("full", "normal"):
        _err("iodef serve: --sqlite-sync must be full or normal")
        raise typer.Exit(EXIT_USAGE)
    loopback = _is_loopback(host)
    if tls_cert is None:
        if not insecure_http:
            _err("iodef serve: --tls-cert and --tls-key are required (or --insecure-http on loopback)")
            raise typer.Exit(EXIT_USAGE)
        if not loopback:
            _err(f"iodef serve: plain HTTP is only allowed on a loopback address, not {host}")
            raise typer.Exit(EXIT_USAGE)
        if client_ca is not None:
            _err("iodef serve: --client-ca needs TLS (--tls-cert)")
            raise typer.Exit(EXIT_USAGE)
    if no_auth and not loopback:
        _err("iodef serve: --no-auth is only allowed on a loopback address")
        raise typer.Exit(EXIT_USAGE)
    if peers is None and not no_auth:
        _err("iodef serve: --peers FILE is required (or --no-auth on a loopback address)")
        raise typer.Exit(EXIT_USAGE)
    try:
        config = load_server_config(peers) if peers is not None else ServerConfig()
    except IODEFError as exc:
        _err(f"iodef serve: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    settings = ServerSettings(
        db_url=db,
        config=config,
        profile=profile,
        max_bytes=max_bytes,
        anonymous=no_auth,
        anonymous_read=anonymous_read,
        page_size=page_size,
        busy_timeout=db_timeout,
        sqlite_synchronous=sqlite_sync,
    )
    app_ = create_app(settings)
    ssl_args: dict[str, Any] = {}
    if tls_cert is not None:
        ssl_args = {"ssl_certfile": str(tls_cert), "ssl_keyfile": str(tls_key) if tls_key else None}
        if client_ca is not None:
            ssl_args["ssl_ca_certs"] = str(client_ca)
            ssl_args["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    scheme = "https" if tls_cert is not None else "http"
    info(
        f"iodef serve: {scheme}://{host}:{port}/ (feeds: {', '.join(config.feeds)}; store: {db.split('://')[0]})"
    )
    try:
        uvicorn.run(app_, host=host, port=port, log_level=log_level, access_log=False, **ssl_args)
    except (OSError, ssl.SSLError) as exc:
        _err(f"iodef serve: {exc}")
        raise typer.Exit(EXIT_IO) from None
