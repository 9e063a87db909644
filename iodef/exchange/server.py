"""The receiver: an ASGI application (Starlette) serving a ROLIE repository of IODEF documents.

Resources (``{feed}`` is one of the configured feeds, ``incidents`` by default)::

    GET  /                                   AtomPub service document (RFC 8322 §5.1)
    GET  /categories                         category document (§5.2)
    GET  /feeds/{feed}                       Atom feed, newest first, paged (RFC 5005), ?since= ?limit=
                                             ?cursor= (an opaque keyset over received time and id)
    POST /feeds/{feed}                       add an IODEF document (application/xml, an Atom entry
                                             wrapping one, or RFC 8727 application/json or
                                             application/cbor): 201 + Location + the Atom entry
    GET  /feeds/{feed}/{entry}               the Atom entry of one document
    GET  /feeds/{feed}/{entry}/document      the IODEF document: XML (byte for byte as stored), or
                                             JSON / CBOR by ``Accept`` (RFC 8727)
    GET  /feeds/{feed}/{entry}/received      the bytes as the sender sent them, where the stored
                                             document is not them (JSON, CBOR, an upgraded v1)

A JSON or CBOR document, and with ``--upgrade-v1`` an IODEF v1 one, is checked, indexed, redacted
and stored as the IODEF v2 XML it holds, its bytes as received kept beside it
(:mod:`iodef.exchange._intake`). A JSON or CBOR answer is rendered from what the reader may have
(its redacted view where it has one); a reader cleared for the whole document who asks for the
binding the document arrived in gets the bytes as received.

Each reader gets each document with the parts above its clearance removed (the views are made
once, when the document arrives: :mod:`iodef.exchange.redact`); the entry of a redacted view says
how many parts were withheld. Feeds, entries and documents carry ``ETag`` and ``Last-Modified``
and answer ``304`` to ``If-None-Match`` / ``If-Modified-Since``. Nothing is kept in a process
between requests, so several workers on one PostgreSQL serve one repository; the rate limits
are per worker (see ``docs/exchange.md``).

Every refusal is an RFC 9457 ``application/problem+json`` body. Run it with :func:`run` (uvicorn)
or with any ASGI server through :func:`create_app`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..json import XML_MEDIA_TYPE, negotiate, render
from ..xml import DEFAULT_MAX_BYTES as _DOCUMENT_CAP
from ..xmlsig import SignatureError, Trust, verify_signature
from ._accept import Checked, check_body, document_digest, legacy_document_digest
from ._accept import index_columns as _index  # noqa: F401  (imported from here by tests/taxii)
from ._checks import PROFILES
from ._http import (
    ProblemError,
    encode_cursor,
    etag,
    feed_query,
    header,
    not_modified,
    prefers_minimal,
    problem_response,
    too_large,
    unavailable,
    validators,
)
from ._intake import BINDING_TYPES, media_type_of_request
from ._policy import RESTRICTION_RANK
from .config import Peer, ServerConfig, load_server_config
from .rolie import (
    ATOM_ENTRY_TYPE,
    ATOM_FEED_TYPE,
    EntryInfo,
    categories_document,
    entry_document,
    feed_document,
    service_document,
)
from .store import Entry, NewDocument, StorageUnavailableError, Store

__all__ = ["ServerSettings", "app_from_environment", "create_app", "document_digest"]


#: The documented cap (32 MiB), the same as for iodef.parse and iodef validate.
DEFAULT_MAX_BYTES: Final = _DOCUMENT_CAP
INLINE_CHECK_BYTES: Final = 64 * 1024
XML_TYPES: Final = frozenset({"application/xml", "text/xml", "application/iodef+xml"})
_ACCEPT_POST: Final = f"application/xml, {ATOM_ENTRY_TYPE}, application/json, application/cbor"


@dataclass
class ServerSettings:
    """How one ``iodef serve`` behaves."""

    db_url: str
    config: ServerConfig = field(default_factory=ServerConfig)
    profile: str = "rfc7970"
    max_bytes: int = DEFAULT_MAX_BYTES
    #: Without peers: everybody is the peer "anonymous" (loopback development and benchmarks only).
    anonymous: bool = False
    anonymous_read: str = "public"
    anonymous_rate: float = 1e9
    page_size: int = 100
    busy_timeout: float = 5.0
    sqlite_synchronous: str = "full"
    #: peer name -> whose XML Signature its documents must carry (``--require-signature-from``)
    signature_trust: dict[str, Trust] = field(default_factory=dict)
    #: Store received IODEF v1 documents upgraded to v2, the original beside (``--upgrade-v1``).
    upgrade_v1: bool = False


class _RateLimiter:
    """A token bucket per peer (in this process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, rate: float, burst: float) -> float:
        """Take one token; return 0 when granted, else the seconds until one is free."""
        now = time.monotonic()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (burst, now))
            tokens = min(burst, tokens + (now - stamp) * rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / rate


class _App:
    def __init__(self, settings: ServerSettings) -> None:
        if settings.profile not in PROFILES:
            raise ValueError(f"unknown validation profile {settings.profile!r}")
        self.settings = settings
        self.feeds = settings.config.feeds
        self.store: Store | None = None
        self.limiter = _RateLimiter()
        self._anonymous = Peer(
            name="anonymous",
            token_sha256="",
            post=frozenset({"*"}),
            read_rank=RESTRICTION_RANK.get(settings.anonymous_read, -1),
            rate=settings.anonymous_rate,
            burst=max(settings.anonymous_rate, 1.0),
        )
        #: (scheme, Host, root path) -> the base URL Starlette makes of them (the same every time)
        self._bases: dict[tuple[Any, ...], str] = {}
        #: POST requests in flight (on the event loop's thread: no lock)
        self._posting = 0

    # -- who is asking ---------------------------------------------------------------------------

    def _peer(self, request: Request) -> Peer:
        auth = header(request, b"authorization")
        cfg = self.settings.config
        if auth is None:
            if self.settings.anonymous:
                client = request.scope.get("client")  # (request.client builds a named tuple)
                key = client[0] if client else "?"
                self._limit(f"anonymous@{key}", self._anonymous)
                return self._anonymous
            raise ProblemError(
                401,
                "Authentication required",
                "send a bearer token in the Authorization header",
                slug="unauthenticated",
                headers={"WWW-Authenticate": 'Bearer realm="iodef"'},
            )
        scheme, _, token = auth.partition(" ")
        peer_found = (
            cfg.peer_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
        )
        if peer_found is None:
            raise ProblemError(
                401,
                "Authentication failed",
                "the bearer token is not known to this repository",
                slug="unauthenticated",
                headers={"WWW-Authenticate": 'Bearer realm="iodef", error="invalid_token"'},
            )
        self._limit(peer_found.name, peer_found)
        return peer_found

    def _limit(self, key: str, peer: Peer) -> None:
        wait = self.limiter.take(key, peer.rate, peer.burst)
        if wait > 0:
            raise ProblemError(
                429,
                "Too many requests",
                f"{peer.name} is limited to {peer.rate:g} requests per second; retry later",
                slug="rate-limited",
                headers={"Retry-After": str(max(1, math.ceil(wait)))},
            )

    def _feed(self, request: Request) -> str:
        feed = str(request.path_params["feed"])
        if feed not in self.feeds:
            raise ProblemError(404, "No such feed", f"this repository has no feed {feed!r}", slug="not-found")
        return feed

    def _store(self) -> Store:
        if self.store is None:
            try:
                self.store = Store(
                    self.settings.db_url,
                    busy_timeout=self.settings.busy_timeout,
                    sqlite_synchronous=self.settings.sqlite_synchronous,
                )
            except StorageUnavailableError as exc:
                raise unavailable(str(exc)) from None
        return self.store

    # -- URLs ------------------------------------------------------------------------------------

    def _base(self, request: Request) -> str:
        scope = request.scope
        key = (
            scope.get("scheme"),
            scope.get("server"),
            header(request, b"host"),
            scope.get("app_root_path", scope.get("root_path")),
        )
        base = self._bases.get(key)
        if base is None:
            base = str(request.base_url).rstrip("/")
            if len(self._bases) < 64:  # a few names this server is reached by; never grows unbounded
                self._bases[key] = base
        return base

    def _feed_url(self, request: Request, entry: Entry) -> str:
        return f"{self._base(request)}/feeds/{entry.feed}"

    def _info(self, request: Request, entry: Entry) -> EntryInfo:
        feed_url = self._feed_url(request, entry)
        title = (
            f"Incident {entry.incident_id}@{entry.incident_name}"
            if entry.incident_id is not None
            else "IODEF document"
        )
        if entry.version > 1:
            title += f" (version {entry.version})"
        return EntryInfo(
            entry_id=entry.entry_id,
            title=title,
            received=entry.received,
            sender=entry.sender,
            incident_name=entry.incident_name,
            incident_id=entry.incident_id,
            restriction=entry.restriction,
            purpose=entry.purpose,
            generation_time=entry.generation_time,
            version=entry.version,
            previous_entry_id=entry.previous_entry_id,
            entry_url=f"{feed_url}/{entry.entry_id}",
            document_url=f"{feed_url}/{entry.entry_id}/document",
            previous_url=f"{feed_url}/{entry.previous_entry_id}" if entry.previous_entry_id else None,
            feed_url=feed_url,
            withheld=entry.withheld,
        )

    # -- handlers --------------------------------------------------------------------------------

    async def service(self, request: Request) -> Response:
        self._peer(request)
        base = self._base(request)
        body = service_document(
            "IODEF incidents", [(f"{f} (IODEF v2)", f"{base}/feeds/{f}") for f in self.feeds]
        )
        return Response(body, media_type="application/atomsvc+xml")

    async def categories(self, request: Request) -> Response:
        self._peer(request)
        return Response(categories_document(), media_type="application/atomcat+xml")

    async def post(self, request: Request) -> Response:
        self._posting += 1
        try:
            return await self._post(request)
        finally:
            self._posting -= 1

    async def _post(self, request: Request) -> Response:
        peer = self._peer(request)
        feed = self._feed(request)
        if not peer.may_post(feed):
            raise ProblemError(
                403, "Not allowed", f"{peer.name} may not post to the feed {feed!r}", slug="forbidden"
            )
        media, params = media_type_of_request(request)
        is_entry = media == "application/atom+xml" and params.get("type", "entry") == "entry"
        if media not in XML_TYPES and media not in BINDING_TYPES and not is_entry:
            raise ProblemError(
                415,
                "Unsupported media type",
                f"got {media or 'no Content-Type'!r}; send application/xml (an IODEF document), "
                f"{ATOM_ENTRY_TYPE} (an Atom entry wrapping one), or application/json or "
                "application/cbor (RFC 8727)",
                slug="unsupported-media-type",
                headers={"Accept-Post": _ACCEPT_POST},
            )
        body = await self._read_body(request)
        name = f"POST /feeds/{feed}"
        binding = media if media in BINDING_TYPES else None
        if len(body) <= INLINE_CHECK_BYTES and binding is None:
            # A small document is checked in well under a millisecond: cheaper here than a thread hop.
            checked = self._check(body, is_entry, name)
        else:
            checked = await run_in_threadpool(self._check, body, is_entry, name, binding)
        # A signature is over the document as signed: the v1 original, else the XML form.
        signed = checked.body if checked.received is None or checked.upgrade_notes is None else body
        await self._require_signature(peer, signed, name)
        store = self._store()
        new = NewDocument(
            feed=feed,
            sender=peer.name,
            digest=checked.digest,
            body=checked.body,
            visible_rank=checked.visible_rank,
            views=checked.views,
            legacy_digest=partial(legacy_document_digest, checked.root),
            received=None if (got := checked.received) is None else (got.media_type, got.body),
            **checked.index,
        )
        try:
            entry, created = await store.write(new, alone=self._posting == 1)
        except StorageUnavailableError as exc:
            raise unavailable(str(exc)) from None
        status = 201 if created else 200
        if prefers_minimal(request):
            # RFC 7240 return=minimal (what iodef's own client asks for): the entry's URL, not the entry.
            url = f"{self._feed_url(request, entry)}/{entry.entry_id}"
            headers = {"Location": url, "Preference-Applied": "return=minimal"}
            body, media_type = b"", None
        else:
            info = self._info(request, entry)
            url = info.entry_url
            headers = {"Location": url, "Content-Location": url}
            body, media_type = entry_document(info), ATOM_ENTRY_TYPE
        if not created:
            headers["IODEF-Repeat-Of"] = url
        if checked.upgrade_notes is not None:
            headers["IODEF-Upgraded-From"] = "1.00"
            headers["IODEF-Upgrade-Notes"] = str(checked.upgrade_notes)
        return Response(body, status_code=status, media_type=media_type, headers=headers)

    async def _read_body(self, request: Request) -> bytes:
        limit = self.settings.max_bytes
        declared = header(request, b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                raise ProblemError(
                    400, "Bad Content-Length", "Content-Length is not a number", slug="unreadable"
                ) from None
            if size > limit:
                raise too_large(size, limit)
        # The ASGI messages read directly, as Request.stream() reads them: its async generator (set
        # up, registered with the loop's hooks and closed for every request) cost more than the rest.
        receive = request.receive
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            kind = message["type"]
            if kind == "http.request":
                chunk: bytes = message.get("body", b"")
                total += len(chunk)
                if total > limit:
                    raise too_large(None, limit)
                chunks.append(chunk)
                if not message.get("more_body", False):
                    return b"".join(chunks)
            elif kind == "http.disconnect":
                raise ClientDisconnect()

    def _check(self, body: bytes, is_entry: bool, name: str, binding: str | None = None) -> Checked:
        return check_body(
            body,
            is_entry,
            name,
            profile=self.settings.profile,
            max_bytes=self.settings.max_bytes,
            upgrade=self.settings.upgrade_v1,
            binding=binding,
        )

    async def _require_signature(self, peer: Peer, body: bytes, name: str) -> None:
        """422 unless *body* carries a good XML Signature by the signer required of *peer*."""
        trust = self.settings.signature_trust.get(peer.name)
        if trust is None:
            return
        try:
            await run_in_threadpool(verify_signature, body, trust=trust)
        except SignatureError as exc:
            raise ProblemError(
                422,
                "Signature required",
                f"{name}: documents from {peer.name} must carry a valid XML Signature by the "
                f"signer this repository trusts for it: {exc.message}",
                slug="bad-signature",
            ) from None

    def _reader(self, request: Request) -> tuple[Peer, int]:
        # Once per request: a handler that asks twice must not take two tokens of the rate limit.
        known: tuple[Peer, int] | None = getattr(request.state, "iodef_reader", None)
        if known is None:
            peer = self._peer(request)
            known = request.state.iodef_reader = (peer, peer.read_rank)
        return known

    async def feed(self, request: Request) -> Response:
        peer, rank = self._reader(request)
        feed = self._feed(request)
        q = request.query_params
        limit, after, since = feed_query(q, self.settings.page_size)
        store = self._store()
        reader = None if peer.name == "anonymous" else peer.name
        try:
            rows = await run_in_threadpool(
                lambda: store.list_entries(
                    feed, reader=reader, max_rank=rank, limit=limit, after=after, since=since
                )
            )
        except StorageUnavailableError as exc:
            raise unavailable(str(exc)) from None
        base = self._base(request)
        feed_url = f"{base}/feeds/{feed}"
        common: dict[str, str] = {}
        if "since" in q:
            common["since"] = q["since"]
        if "limit" in q:
            common["limit"] = str(limit)

        def url(**extra: str) -> str:
            params = {**common, **extra}
            return feed_url + ("?" + urlencode(params) if params else "")

        links = [("first", url())]
        if len(rows) == limit:
            links.append(("next", url(cursor=encode_cursor(rows[-1].received, rows[-1].seq))))
        self_url = url(**({"cursor": q["cursor"]} if after is not None else {}))
        tag = etag(
            "feed",
            self_url,
            str(rank),
            *(f"{e.entry_id}:{e.withheld}:{e.restriction}" for e in rows),
            *(href for _, href in links),
        )
        modified = rows[0].received if rows else None
        headers = validators(tag, modified)
        if not_modified(request, tag, modified):
            return Response(status_code=304, headers=headers)
        body = feed_document(
            feed_id=f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, feed_url)}",
            title=f"{feed} (IODEF v2)",
            feed_url=self_url,
            service_url=f"{base}/",
            updated=rows[0].received if rows else datetime.now(UTC),
            entries=[self._info(request, e) for e in rows],
            links=links,
        )
        return Response(body, media_type=ATOM_FEED_TYPE, headers=headers)

    async def feed_or_post(self, request: Request) -> Response:
        if request.method == "POST":
            return await self.post(request)
        return await self.feed(request)

    async def _get(self, request: Request) -> tuple[Entry, bytes]:
        peer, rank = self._reader(request)
        feed = self._feed(request)
        entry_id = str(request.path_params["entry"])
        store = self._store()
        reader = None if peer.name == "anonymous" else peer.name
        try:
            found = await run_in_threadpool(lambda: store.get(feed, entry_id, reader=reader, max_rank=rank))
        except StorageUnavailableError as exc:
            raise unavailable(str(exc)) from None
        if found is None:
            raise ProblemError(
                404, "No such entry", f"no entry {entry_id!r} that you may read", slug="not-found"
            )
        return found

    async def entry(self, request: Request) -> Response:
        entry, _ = await self._get(request)
        tag = etag("entry", entry.digest, str(entry.withheld), str(entry.restriction))
        headers = validators(tag, entry.received)
        if not_modified(request, tag, entry.received):
            return Response(status_code=304, headers=headers)
        body = entry_document(self._info(request, entry))
        return Response(body, media_type=ATOM_ENTRY_TYPE, headers=headers)

    async def document(self, request: Request) -> Response:
        entry, body = await self._get(request)
        media = negotiate(request.headers.get("accept"))
        tag = etag("document", entry.digest, str(entry.withheld), str(entry.restriction), media)
        headers = validators(tag, entry.received)
        headers["Vary"] = "Accept"
        if entry.withheld:
            headers["IODEF-Withheld-Parts"] = str(entry.withheld)
        if not_modified(request, tag, entry.received):
            return Response(status_code=304, headers=headers)
        if media == XML_MEDIA_TYPE:
            return Response(body, media_type=XML_MEDIA_TYPE, headers=headers)
        # As received, when the reader may have it whole and it came in this binding; else the
        # reader's own bytes (its redacted view where it has one) rendered: never the whole document.
        original = await self._received(request) if not entry.withheld else None
        if original is not None and original[0] == media:
            return Response(original[1], media_type=media, headers=headers)
        rendered, media = await run_in_threadpool(render, body, media)
        return Response(rendered, media_type=media, headers=headers)

    async def _received(self, request: Request) -> tuple[str, bytes] | None:
        peer, rank = self._reader(request)
        feed = self._feed(request)
        entry_id = str(request.path_params["entry"])
        store = self._store()
        reader = None if peer.name == "anonymous" else peer.name
        try:
            return await run_in_threadpool(
                lambda: store.received(feed, entry_id, reader=reader, max_rank=rank)
            )
        except StorageUnavailableError as exc:
            raise unavailable(str(exc)) from None

    async def received(self, request: Request) -> Response:
        """The bytes as the sender sent them (JSON, CBOR, a v1 document), to readers cleared for all of it."""
        entry, _ = await self._get(request)
        original = await self._received(request) if not entry.withheld else None
        if original is None:
            detail = (
                "parts of this document are above your clearance; only its redacted view is served"
                if entry.withheld
                else "this document was stored as received: see its /document"
            )
            raise ProblemError(404, "No received form", detail, slug="not-found")
        tag = etag("received", entry.digest)
        headers = validators(tag, entry.received)
        if not_modified(request, tag, entry.received):
            return Response(status_code=304, headers=headers)
        return Response(original[1], media_type=original[0], headers=headers)


class _Repository(Starlette):
    """Starlette, with the hot request (a POST of a document to a feed) taken past its middleware stack.

    Under load the middleware stack, the router and their wrappers of ``send`` cost a tenth of
    a document's CPU. A POST to a known feed goes straight to the same handler instead, which
    does every check the route does (authentication, rate limit, permission, size cap, content
    type, validation, durable commit); a refusal is the same RFC 9457 answer, and an unexpected
    error the same plain 500 as Starlette's ``ServerErrorMiddleware`` sends (and is raised on to
    the server, which logs it). Everything else (another path, a ``root_path``) takes the routes.
    """

    def __init__(self, app_state: _App, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._iodef = app_state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not scope.get("root_path"):
            path: str = scope["path"]
            if path.startswith("/feeds/") and path[7:] in self._iodef.feeds:
                scope["app"] = self
                scope["path_params"] = {"feed": path[7:]}
                await self._post(scope, receive, send, path)
                return
        await super().__call__(scope, receive, send)

    async def _post(self, scope: Scope, receive: Receive, send: Send, path: str) -> None:
        try:
            response = await self._iodef.post(Request(scope, receive))
        except ProblemError as exc:
            response = problem_response(exc, instance=path)
        except Exception:
            await PlainTextResponse("Internal Server Error", status_code=500)(scope, receive, send)
            raise
        if not response.body:  # a minimal 201 (or 200): uvicorn writes its head alone, one write already
            await response(scope, receive, send)
            return
        with _one_write(send):
            await response(scope, receive, send)


@contextlib.contextmanager
def _one_write(send: Send) -> Iterator[None]:
    """Within it, the response's head and its body leave in one write to the socket (under uvicorn).

    uvicorn writes the status line and headers to the transport when the app sends
    ``http.response.start``, and the body at ``http.response.body``: two ``send`` system calls and
    two TCP segments, each delivered to the client (on loopback, in the server's own system call),
    which wakes for the head, then again for the body. For the 201 of every POST that cost the
    server 0.1 ms, about a tenth of its CPU a document, and the client one more read. The first
    write is held and goes out joined to the second.

    Only where ``send`` is a method of an object with an asyncio ``transport`` (uvicorn's h11 and
    httptools protocols); under any other server the writes are left as they are. Whatever happens,
    the held head is written before leaving, and the transport's own ``write`` is restored.
    """
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if not isinstance(transport, asyncio.WriteTransport) or "write" in vars(transport):
        yield
        return
    write = transport.write
    head: list[bytes] = []

    def hold(data: bytes | bytearray | memoryview) -> None:
        if not head:
            head.append(bytes(data))
            return
        # The instance's own write removed: the class's is back for the rest of the response.
        del transport.write
        write(head.pop() + bytes(data))

    transport.write = hold  # type: ignore[method-assign]
    try:
        yield
    finally:
        if vars(transport).get("write") is hold:
            del transport.write
        if head:
            write(head.pop())


def create_app(settings: ServerSettings) -> Starlette:
    """The ASGI application for *settings* (opens the store at start-up)."""
    app_state = _App(settings)

    def wrap(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                response: Response = await handler(request)
                return response
            except ProblemError as exc:
                return problem_response(exc, instance=request.url.path)

        return endpoint

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        slug = {404: "not-found", 405: "method-not-allowed"}.get(exc.status_code, "http-error")
        problem = ProblemError(
            exc.status_code, str(exc.detail), str(exc.detail), slug=slug, headers=dict(exc.headers or {})
        )
        return problem_response(problem, instance=request.url.path)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        # The database may come up later: until it does, requests answer 503.
        with contextlib.suppress(ProblemError):
            await run_in_threadpool(app_state._store)
        yield
        if app_state.store is not None:
            app_state.store.close()

    routes = [
        Route("/", wrap(app_state.service), methods=["GET"]),
        Route("/categories", wrap(app_state.categories), methods=["GET"]),
        Route("/feeds/{feed}", wrap(app_state.feed_or_post), methods=["GET", "POST"]),
        Route("/feeds/{feed}/{entry}", wrap(app_state.entry), methods=["GET"]),
        Route("/feeds/{feed}/{entry}/document", wrap(app_state.document), methods=["GET"]),
        Route("/feeds/{feed}/{entry}/received", wrap(app_state.received), methods=["GET"]),
    ]
    # the read-only TAXII 2.1 face (issue 14), on the same peers, checks and store
    from .taxii import taxii_routes

    routes += taxii_routes(app_state)
    app = _Repository(
        app_state, routes=routes, exception_handlers={HTTPException: http_error}, lifespan=lifespan
    )
    app.state.iodef = app_state
    return app


#: The environment variable through which ``iodef serve --workers N`` hands its settings to workers.
SETTINGS_ENV: Final = "IODEF_SERVE_SETTINGS"


def settings_to_environment(settings: ServerSettings, peers: str | None) -> str:
    """The settings as the JSON :func:`app_from_environment` reads (the peers file by path)."""
    fields = {k: v for k, v in settings.__dict__.items() if k not in ("config", "signature_trust")}
    trust = {
        peer: {k: (v.decode("ascii") if isinstance(v, bytes) else v) for k, v in t.__dict__.items()}
        for peer, t in settings.signature_trust.items()
    }
    return json.dumps({**fields, "peers": peers, "signature_trust": trust})


def app_from_environment() -> Starlette:
    """The app of one worker of ``iodef serve --workers N`` (uvicorn's factory)."""
    raw = json.loads(os.environ[SETTINGS_ENV])
    peers = raw.pop("peers")
    trust = {
        peer: Trust(
            **{k: (v.encode("ascii") if k in ("certificate", "ca") and v else v) for k, v in t.items()}
        )
        for peer, t in raw.pop("signature_trust", {}).items()
    }
    config = load_server_config(Path(peers)) if peers else ServerConfig()
    return create_app(ServerSettings(config=config, signature_trust=trust, **raw))
