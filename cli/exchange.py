"""``iodef send``, ``serve``, ``pull``, ``redact`` and ``outbox``: exchange with peers over ROLIE.

Every command that talks to a peer sends it only that peer's credentials (see
:mod:`iodef.exchange.credentials`); the outbox keeps each document's destination and credentials.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import ssl
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from iodef.errors import ExchangeError, IODEFError, RestrictedDocumentError
from iodef.exchange._checks import PROFILES
from iodef.exchange.client import Client, PreparedDocument, prepare_document
from iodef.exchange.config import load_server_config
from iodef.exchange.outbox import Outbox, default_outbox_path
from iodef.safexml import DEFAULT_MAX_BYTES

from ._choices import LogLevel, OutputFormat, Profile, Restriction, SqliteSync
from ._console import Quiet, info
from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE, app
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
    ProfileOpt,
    RetriesOpt,
    Tally,
    TimeoutOpt,
    TokenOpt,
    Transport,
    check_format,
    credentials_for,
    err,
    load_config,
    progress,
    run_delivery,
)
from .exchange_outbox import outbox_app

app.add_typer(outbox_app, name="outbox")

_err = err
LevelOpt = Annotated[
    str | None,
    typer.Option(
        "--redact-above",
        help="Remove the parts marked above this level (public, partner/green, need-to-know/amber) "
        "before they leave: for peers that must never receive them.",
        show_default=False,
    ),
]


def _inputs(sources: list[str]) -> list[tuple[str, Path | None]]:
    found: list[tuple[str, Path | None]] = []
    for src in sources:
        if src == "-":
            found.append(("<stdin>", None))
            continue
        path = Path(src)
        if path.is_dir():
            found.extend(
                (str(p), p)
                for p in sorted(path.rglob("*"))
                if p.suffix.lower() in (".xml", ".json", ".cbor") and p.is_file()
            )
        else:
            found.append((src, path))
    return found


def _clearance(level: str | None, verb: str) -> int | None:
    from iodef.exchange.redact import clearance_rank

    if level is None:
        return None
    try:
        return clearance_rank(level)
    except ValueError as exc:
        _err(f"iodef {verb}: {exc}")
        raise typer.Exit(EXIT_USAGE) from None


def _redacted(data: bytes, name: str, rank: int, profile: str) -> tuple[bytes | None, int]:
    """*data* without its parts above *rank*: (None, 0) when nothing may leave."""
    from iodef.exchange.redact import redact
    from iodef.xml import check_root, parse_xml

    root = parse_xml(data, source_name=name)
    check_root(root, name)
    view = redact(root, rank, profile=profile)
    if view.root is None:
        return None, 0
    if view.withheld == 0:
        return data, 0
    return view.body, view.withheld


# -- send -------------------------------------------------------------------------------------------


@app.command("send")
def send(
    sources: Annotated[
        list[str],
        typer.Argument(
            help="IODEF documents (XML, or RFC 8727 JSON/CBOR, sent as they are): files, "
            "directories (*.xml, *.json, *.cbor), or '-'.",
            metavar="SOURCE",
        ),
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
    redact_above: LevelOpt = None,
    concurrency: ConcurrencyOpt = 4,
    outbox: OutboxOpt = None,
    connect_timeout: ConnectTimeoutOpt = 10.0,
    timeout: TimeoutOpt = 60.0,
    retries: RetriesOpt = 5,
    backoff: BackoffOpt = 0.5,
    fmt: FormatOpt = OutputFormat.text,
    quiet: Quiet = False,
    # -- signed documents (cli/sign.py) --
    sign_docs: Annotated[
        bool, typer.Option("--sign", help="Sign each document (XML Signature) before sending.")
    ] = False,
    sign_key: Annotated[
        Path | None, typer.Option("--sign-key", help="With --sign: private key (PEM).")
    ] = None,
    sign_cert: Annotated[
        Path | None, typer.Option("--sign-cert", help="With --sign: its certificate (PEM).")
    ] = None,
) -> None:
    """Check and send IODEF documents to a peer's ROLIE feed; print a receipt for each.

    Each document is validated (unless --no-validate), cut down with --redact-above if given, and
    checked against the restriction policy, written to the durable outbox with this peer's
    credentials, then POSTed with retries. What cannot be delivered stays in the outbox for
    'iodef outbox flush'. Exit 0 when all were delivered, 1 when some were invalid or refused,
    3 when some wait in the outbox.
    """
    fmt = check_format(fmt)
    if profile not in PROFILES:
        _err(f"iodef send: unknown --profile {profile!r}; known: {', '.join(PROFILES)}")
        raise typer.Exit(EXIT_USAGE)
    clearance = _clearance(redact_above, "send")
    creds = credentials_for(to, token, load_config(config), ca, cert, key)
    inputs = _inputs(sources)
    if not inputs:
        _err("iodef send: no documents found")
        raise typer.Exit(EXIT_USAGE)
    signing = None
    if sign_docs:  # signxml loads only when asked for
        from .sign import signing_material

        signing = signing_material(sign_key, sign_cert, "send")
    tally = Tally(fmt, None)
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
            if signing is not None:
                from iodef.xmlsig import sign

                data = sign(data, *signing)
            prepared.append(_prepare(data, name, not no_validate, profile, allow_restricted, clearance))
        except RestrictedDocumentError as exc:
            tally.local_refusal(name, exc, policy=True)
        except IODEFError as exc:
            tally.local_refusal(name, exc)
    try:
        box = Outbox(outbox or default_outbox_path())
    except ExchangeError as exc:
        _err(f"iodef send: {exc}")
        raise typer.Exit(EXIT_IO) from None
    with box:
        try:
            ids = box.add_many(to, [(p.source, p.body) for p in prepared], creds)
        except ExchangeError as exc:
            _err(f"iodef send: {exc}")
            raise typer.Exit(EXIT_IO) from None
        wanted = set(ids)
        items = [i for i in box.items(to) if i.id in wanted]
        bar = progress(len(items), "sending")
        tally.bar = bar
        transport = Transport(connect_timeout, timeout, retries, backoff, "send")
        then = "; what is not delivered waits in the outbox"
        try:
            with bar if bar is not None else contextlib.nullcontext():
                run_delivery(box, [(to, creds, items)], transport, concurrency, tally, then)
        except ExchangeError as exc:  # e.g. unreadable TLS material
            _err(f"iodef send: {exc}")
            raise typer.Exit(EXIT_IO) from None
    code = tally.summary("send")
    raise typer.Exit(EXIT_IO if io_failed and code == EXIT_OK else code)


def _prepare(
    data: bytes, name: str, validate: bool, profile: str, allow_restricted: bool, clearance: int | None
) -> PreparedDocument:
    if clearance is not None:
        from iodef.json import detect_format, to_xml_bytes

        kind = detect_format(data)
        cut, withheld = _redacted(to_xml_bytes(data, source=name), name, clearance, profile)
        if cut is None:
            raise RestrictedDocumentError(
                f"nothing of it is at or below --redact-above {clearance_name(clearance)}: not sent",
                source=name,
            )
        if withheld:
            _err(f"iodef send: {name}: {withheld} part(s) above {clearance_name(clearance)} removed")
            data = cut if kind == "xml" else _as_binding(cut, kind)
    return prepare_document(
        data, source=name, validate=validate, profile=profile, allow_restricted=allow_restricted
    )


def _as_binding(xml: bytes, kind: str) -> bytes:
    """A redacted XML document back in the binding (JSON or CBOR) its sender gave it in."""
    if kind == "json":
        from iodef.json import to_json_bytes

        return to_json_bytes(xml)
    from iodef.cbor import to_cbor_bytes

    return to_cbor_bytes(xml)


def clearance_name(rank: int) -> str:
    from iodef.exchange.redact import LEVEL_NAMES

    return LEVEL_NAMES.get(rank, str(rank))


# -- redact -----------------------------------------------------------------------------------------


@app.command("redact")
def redact_command(
    source: Annotated[
        str, typer.Argument(help="An IODEF v2 document, or '-' for standard input.", metavar="SOURCE")
    ],
    above: Annotated[
        str,
        typer.Option(
            "--above",
            help="Remove the parts marked above this level: public, partner/green, need-to-know/amber.",
        ),
    ],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of standard output.")
    ] = None,
    profile: ProfileOpt = Profile.rfc7970,
    quiet: Quiet = False,
) -> None:
    """Write the document as a reader cleared for --above LEVEL gets it from 'iodef serve'.

    Parts above the level go (with any element their removal leaves incomplete); an AdditionalData
    (meaning withheld-parts) says how many. Exit 1 when nothing of the document is left.
    """
    rank = _clearance(above, "redact")
    assert rank is not None
    if profile not in PROFILES:
        _err(f"iodef redact: unknown --profile {profile!r}; known: {', '.join(PROFILES)}")
        raise typer.Exit(EXIT_USAGE)
    name = "<stdin>" if source == "-" else source
    try:
        data = sys.stdin.buffer.read() if source == "-" else Path(source).read_bytes()
    except OSError as exc:
        _err(f"iodef redact: cannot read {name}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_IO) from None
    try:
        cut, withheld = _redacted(data, name, rank, profile)
    except IODEFError as exc:
        _err(f"iodef redact: {exc}")
        raise typer.Exit(EXIT_INVALID) from None
    if cut is None:
        _err(f"iodef redact: {name}: nothing of it is at or below {above}")
        raise typer.Exit(EXIT_INVALID)
    info(f"iodef redact: {name}: {withheld} part(s) withheld above {above}")
    try:
        if output is None:
            sys.stdout.buffer.write(cut)
            sys.stdout.buffer.flush()
        else:
            output.write_bytes(cut)
    except OSError as exc:
        _err(f"iodef redact: cannot write: {exc.strerror or exc}")
        raise typer.Exit(EXIT_IO) from None


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

    Valid documents are saved as DIR/ENTRY.xml, invalid ones under DIR/invalid/ with their issues.
    A document the peer served with parts withheld above your clearance is saved as served, and
    said so. Exit 0 when all were valid, 1 when some were invalid, 3 on a network or TLS failure.
    """
    from iodef.exchange.pull import pull_to_directory

    fmt = check_format(fmt)
    if profile not in PROFILES:
        _err(f"iodef pull: unknown --profile {profile!r}; known: {', '.join(PROFILES)}")
        raise typer.Exit(EXIT_USAGE)
    creds = credentials_for(url, token, load_config(config), ca, cert, key)
    transport = Transport(connect_timeout, timeout, retries, backoff, "pull")

    def show(doc: Any, path: Path) -> None:
        ok = doc.error is None and not any(i.severity == "error" for i in doc.issues)
        withheld = doc.entry.withheld
        if fmt == "json":
            typer.echo(
                json.dumps({"entry": doc.entry.id, "saved": str(path), "valid": ok, "withheld": withheld})
            )
        else:
            note = f"  ({withheld} part(s) withheld above your clearance)" if withheld else ""
            typer.echo(f"{'saved  ' if ok else 'INVALID'} {doc.entry.id} -> {path}{note}")

    try:
        with Client(
            url, profile=profile, on_retry=transport.on_retry(""), **transport.kwargs(creds)
        ) as client:
            report = pull_to_directory(client, output, state_path=state, on_document=show)
    except ExchangeError as exc:
        _err(f"iodef pull: {exc}")
        raise typer.Exit(EXIT_IO) from None
    except OSError as exc:
        _err(f"iodef pull: cannot write: {exc}")
        raise typer.Exit(EXIT_IO) from None
    redacted = f", {report.redacted} redacted for your clearance" if report.redacted else ""
    info(
        f"iodef pull: {len(report.saved)} saved, {len(report.invalid)} invalid, "
        f"{report.skipped} already had{redacted}"
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
        int,
        typer.Option(
            "--max-bytes", metavar="BYTES", help="Largest document accepted (default 32 MiB).", min=1
        ),
    ] = DEFAULT_MAX_BYTES,
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
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            metavar="N",
            help="Worker processes on the one --db (use PostgreSQL for more than one); rate limits "
            "are per worker.",
            min=1,
        ),
    ] = 1,
    # -- signed documents (cli/sign.py) --
    require_signature_from: Annotated[
        list[str] | None,
        typer.Option(
            "--require-signature-from",
            help="PEER=CERT.pem or PEER=CA.pem,subject=NAME: refuse (422) documents from PEER "
            "without a good XML Signature by that signer. Repeatable.",
        ),
    ] = None,
    upgrade_v1: Annotated[
        bool,
        typer.Option(
            "--upgrade-v1",
            help="Store received IODEF v1 (RFC 5070) documents upgraded to v2, keeping the original "
            "(served at ENTRY/received); without it they are refused (422).",
        ),
    ] = False,
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
        upgrade_v1=upgrade_v1,
    )
    if require_signature_from:
        from .sign import signature_requirements

        settings.signature_trust = signature_requirements(require_signature_from, "serve")
    app_ = create_app(settings) if workers == 1 else None
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
    # server_header=False: no "server: uvicorn" banner (it tells a scanner what runs here), one
    # header less to build and validate in every answer.
    try:
        if workers > 1:
            import os

            from iodef.exchange.server import SETTINGS_ENV, settings_to_environment

            os.environ[SETTINGS_ENV] = settings_to_environment(settings, str(peers) if peers else None)
            uvicorn.run(
                "iodef.exchange.server:app_from_environment",
                factory=True,
                workers=workers,
                host=host,
                port=port,
                log_level=log_level,
                access_log=False,
                server_header=False,
                **ssl_args,
            )
        else:
            assert app_ is not None
            uvicorn.run(
                app_,
                host=host,
                port=port,
                log_level=log_level,
                access_log=False,
                server_header=False,
                **ssl_args,
            )
    except (OSError, ssl.SSLError) as exc:
        _err(f"iodef serve: {exc}")
        raise typer.Exit(EXIT_IO) from None
