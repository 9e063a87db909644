"""A read-only TAXII 2.1 face on ``iodef serve``: each stored document served as its STIX bundle.

Resources (media type ``application/taxii+json;version=2.1``)::

    GET /taxii2/                                           discovery
    GET /taxii2/api/                                       the one API root
    GET /taxii2/api/collections/                           one collection per ROLIE feed
    GET /taxii2/api/collections/{id}/                      one collection
    GET /taxii2/api/collections/{id}/objects/              ?added_after &limit &next &match[type] &match[id]
    GET /taxii2/api/collections/{id}/objects/{object_id}/  the objects with that id
    GET /taxii2/api/collections/{id}/manifest/             same query parameters

Who may read what is decided by the ROLIE server's own checks (:meth:`_App._reader`, the store's
visibility rule): a reader gets in STIX exactly the documents it may pull as IODEF. Objects come
from :func:`iodef.stix.to_stix`; the objects every bundle shares (the x-iodef extension
definition, its identity, the TLP 2.0 markings) are served once, dated 1970-01-01, before the
documents. Paging is stateless keyset paging over (date added, sequence, object index).
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
import uuid
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from stix2.exceptions import STIXError

from ..errors import IODEFError
from ..stix import to_stix
from ..stix._common import (
    EXTENSION_ID,
    IODEF_IDENTITY,
    TLP_LEVEL_BY_MARKING,
    extension_definition,
    tlp_marking,
)
from ..xml import parse
from ._http import ProblemError
from ._schema import META_COLUMNS as _META_COLUMNS
from .server import _App
from .store import Entry, StorageUnavailableError, entries

__all__ = ["TAXII_MEDIA_TYPE", "taxii_routes"]

TAXII_MEDIA_TYPE: Final = "application/taxii+json;version=2.1"
STIX_MEDIA_TYPE: Final = "application/stix+json;version=2.1"
ROOT: Final = "/taxii2"
API: Final = f"{ROOT}/api"
MAX_LIMIT: Final = 1000
_BATCH: Final = 100
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_COLLECTION_NS: Final = uuid.UUID("0d3c3a5e-7a0e-5d6b-8f4e-4c1e2b9a7d21")


def collection_id(feed: str) -> str:
    """The TAXII collection id of a ROLIE feed (stable across restarts)."""
    return str(uuid.uuid5(_COLLECTION_NS, feed))


def _timestamp(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _shared_objects() -> list[dict[str, Any]]:
    """The objects every exported bundle carries: served once, ahead of the documents."""
    objs = [IODEF_IDENTITY, extension_definition()]
    objs += [tlp_marking(level) for level in ("clear", "green", "amber", "amber+strict", "red")]
    return [json.loads(o.serialize()) for o in objs]


_SHARED: Final = _shared_objects()
_SHARED_IDS: Final = frozenset(o["id"] for o in _SHARED) | {EXTENSION_ID} | set(TLP_LEVEL_BY_MARKING)


@dataclass(frozen=True, order=True)
class _Position:
    """Where a page starts: a document (date added, sequence) and an object index in it."""

    received: datetime
    seq: int
    index: int

    def token(self) -> str:
        raw = f"{_timestamp(self.received)}|{self.seq}|{self.index}".encode()
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def parse(cls, token: str) -> _Position:
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            stamp, seq, index = raw.split("|")
            received = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)
            return cls(received, int(seq), int(index))
        except (ValueError, OverflowError, binascii.Error, UnicodeDecodeError):
            raise ProblemError(
                400, "Bad next", "next is not a value this server gave", slug="bad-query"
            ) from None


_START: Final = _Position(_EPOCH, -1, 0)


@dataclass(frozen=True)
class _Query:
    added_after: datetime | None
    limit: int
    start: _Position
    types: frozenset[str]
    ids: frozenset[str]

    def wants(self, obj: dict[str, Any]) -> bool:
        return (not self.types or obj["type"] in self.types) and (not self.ids or obj["id"] in self.ids)


def _query(request: Request, object_id: str | None = None) -> _Query:
    q = request.query_params
    try:
        limit = min(max(int(q.get("limit", MAX_LIMIT)), 1), MAX_LIMIT)
    except ValueError:
        raise ProblemError(400, "Bad query", "limit must be an integer", slug="bad-query") from None
    added_after = None
    if "added_after" in q:
        try:
            added_after = datetime.fromisoformat(q["added_after"].replace("Z", "+00:00"))
            # stored times are UTC; an offset at the ends of the calendar cannot be converted
            added_after = (
                added_after.replace(tzinfo=UTC) if added_after.tzinfo is None else added_after.astimezone(UTC)
            )
        except (ValueError, OverflowError):
            raise ProblemError(
                400, "Bad query", "added_after must be an RFC 3339 timestamp", slug="bad-query"
            ) from None
    start = _Position.parse(q["next"]) if q.get("next") else _START

    def values(name: str) -> frozenset[str]:
        return frozenset(
            v.strip() for raw in q.getlist(f"match[{name}]") for v in raw.split(",") if v.strip()
        )

    ids = frozenset({object_id}) if object_id else values("id")
    return _Query(added_after, limit, start, values("type"), ids)


class _Objects:
    """STIX objects of stored documents, converted once per document and kept (LRU)."""

    def __init__(self, size: int = 4096) -> None:
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, list[dict[str, Any]]] = OrderedDict()
        self._size = size

    def of(self, digest: str, body: bytes) -> list[dict[str, Any]]:
        with self._lock:
            found = self._cache.get(digest)
            if found is not None:
                self._cache.move_to_end(digest)
                return found
        try:
            bundle = json.loads(to_stix(parse(body)).serialize())
            objs = [o for o in bundle["objects"] if o["id"] not in _SHARED_IDS]
        except (IODEFError, STIXError, ValueError):  # stored documents were checked on the way in
            objs = []
        with self._lock:
            self._cache[digest] = objs
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return objs


class TaxiiFace:
    """The TAXII 2.1 handlers, on top of the ROLIE application's checks and store."""

    def __init__(self, app: _App) -> None:
        self.app = app
        self.objects = _Objects()

    # -- who, which collection ------------------------------------------------------------------

    def _visible(self, request: Request) -> tuple[str | None, int]:
        peer, rank = self.app._reader(request)  # authentication and rate limit of the ROLIE face
        return (None if peer.name == "anonymous" else peer.name), rank

    def _feed(self, request: Request) -> str:
        wanted = str(request.path_params["collection"])
        for feed in self.app.feeds:
            if collection_id(feed) == wanted:
                return feed
        raise ProblemError(404, "No such collection", f"no collection {wanted!r}", slug="not-found")

    def _collection(self, feed: str) -> dict[str, Any]:
        return {
            "id": collection_id(feed),
            "title": feed,
            "description": f"The IODEF documents of the feed {feed!r} as STIX 2.1 objects",
            "can_read": True,
            "can_write": False,
            "media_types": [STIX_MEDIA_TYPE],
        }

    # -- reading the store ----------------------------------------------------------------------

    def _documents(
        self, feed: str, reader: str | None, rank: int, query: _Query
    ) -> Iterator[tuple[Entry, bytes, int | None]]:
        """Visible documents of *feed* from *query*'s start on, in (date added, sequence) order, each
        as the reader may have it: whole, or the redacted view for its clearance (with that rank)."""
        store = self.app._store()
        after = query.start
        while True:
            stmt = sa.select(*_META_COLUMNS, entries.c.body).where(
                entries.c.feed == feed,
                store._visible(reader, rank),  # the ROLIE visibility rule
            )
            if query.added_after is not None:
                stmt = stmt.where(entries.c.received > query.added_after)
            if after.seq >= 0:
                stmt = stmt.where(
                    sa.or_(
                        entries.c.received > after.received,
                        sa.and_(entries.c.received == after.received, entries.c.seq >= after.seq),
                    )
                )
            stmt = stmt.order_by(entries.c.received, entries.c.seq).limit(_BATCH)
            try:
                with store.engine.connect() as conn:
                    rows = list(conn.execute(stmt))
                    served = store.bodies_for_reader(conn, rows, reader, rank)
            except (OperationalError, DBAPIError) as exc:
                raise StorageUnavailableError(f"storage unavailable: {exc.orig}") from None
            yield from served
            if len(rows) < _BATCH:
                return
            last = Entry._from_row(rows[-1])
            after = _Position(last.received, last.seq + 1, 0)

    def _items(
        self, feed: str, reader: str | None, rank: int, query: _Query
    ) -> Iterator[tuple[_Position, datetime, dict[str, Any]]]:
        start = query.start
        if start.seq < 0 and query.added_after is None:
            for i, obj in enumerate(_SHARED):
                if i >= start.index and query.wants(obj):
                    yield _Position(_EPOCH, -1, i), _EPOCH, obj
        for entry, body, view in self._documents(feed, reader, rank, query):
            first = start.index if (entry.received, entry.seq) == (start.received, start.seq) else 0
            # the cache keeps whole documents and each redacted view apart
            for i, obj in enumerate(self.objects.of(f"{entry.digest}@{view}", body)):
                if i >= first and query.wants(obj):
                    yield _Position(entry.received, entry.seq, i), entry.received, obj

    def _page(self, request: Request, object_id: str | None = None) -> tuple[list[Any], _Position | None]:
        reader, rank = self._visible(request)
        feed = self._feed(request)
        query = _query(request, object_id)
        page: list[tuple[datetime, dict[str, Any]]] = []
        for position, added, obj in self._items(feed, reader, rank, query):
            if len(page) == query.limit:
                return page, position
            page.append((added, obj))
        return page, None

    # -- responses ------------------------------------------------------------------------------

    @staticmethod
    def _json(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
        return JSONResponse(body, media_type=TAXII_MEDIA_TYPE, headers=headers)

    async def discovery(self, request: Request) -> Response:
        self._visible(request)
        base = str(request.base_url).rstrip("/")
        return self._json(
            {
                "title": "iodef serve (TAXII 2.1, read-only)",
                "description": "IODEF v2 incident documents as STIX 2.1 bundles",
                "default": f"{base}{API}/",
                "api_roots": [f"{base}{API}/"],
            }
        )

    async def api_root(self, request: Request) -> Response:
        self._visible(request)
        return self._json(
            {
                "title": "IODEF documents",
                "versions": [TAXII_MEDIA_TYPE],
                "max_content_length": self.app.settings.max_bytes,
            }
        )

    async def collections(self, request: Request) -> Response:
        self._visible(request)
        return self._json({"collections": [self._collection(f) for f in self.app.feeds]})

    async def collection(self, request: Request) -> Response:
        self._visible(request)
        return self._json(self._collection(self._feed(request)))

    async def _envelope(self, request: Request, object_id: str | None, manifest: bool) -> Response:
        page, more = await run_in_threadpool(self._page, request, object_id)
        if object_id is not None and not page:
            raise ProblemError(
                404, "No such object", f"no object {object_id!r} that you may read", slug="not-found"
            )
        body: dict[str, Any] = {"more": more is not None}
        if more is not None:
            body["next"] = more.token()
        headers = {}
        if page:
            headers["X-TAXII-Date-Added-First"] = _timestamp(page[0][0])
            headers["X-TAXII-Date-Added-Last"] = _timestamp(page[-1][0])
            if manifest:
                body["objects"] = [
                    {
                        "id": obj["id"],
                        "date_added": _timestamp(added),
                        "version": obj.get("modified") or obj.get("created") or _timestamp(added),
                        "media_type": STIX_MEDIA_TYPE,
                    }
                    for added, obj in page
                ]
            else:
                body["objects"] = [obj for _, obj in page]
        return self._json(body, headers)

    async def objects_(self, request: Request) -> Response:
        return await self._envelope(request, None, manifest=False)

    async def one_object(self, request: Request) -> Response:
        return await self._envelope(request, str(request.path_params["object_id"]), manifest=False)

    async def manifest(self, request: Request) -> Response:
        return await self._envelope(request, None, manifest=True)


def _taxii_error(exc: ProblemError) -> Response:
    """A TAXII 2.1 error message (§3.6.1) for a refusal of the ROLIE checks or of this face."""
    body = {
        "title": exc.title,
        "description": exc.detail,
        "error_id": exc.slug,
        "error_code": exc.slug,
        "http_status": str(exc.status),
    }
    return JSONResponse(body, status_code=exc.status, headers=exc.headers, media_type=TAXII_MEDIA_TYPE)


def taxii_routes(app: _App) -> list[Route]:
    """The routes of the TAXII face of *app*, to add to the server's routes."""
    face = TaxiiFace(app)

    def wrap(handler: Callable[[Request], Awaitable[Response]]) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            accept = request.headers.get("accept", "*/*")
            if not any(t in accept for t in ("application/taxii+json", "*/*", "application/*")):
                return _taxii_error(
                    ProblemError(
                        406,
                        "Not acceptable",
                        f"this server answers {TAXII_MEDIA_TYPE}",
                        slug="not-acceptable",
                    )
                )
            try:
                return await handler(request)
            except ProblemError as exc:
                return _taxii_error(exc)
            except StorageUnavailableError as exc:
                return _taxii_error(
                    ProblemError(
                        503,
                        "Storage unavailable",
                        str(exc),
                        slug="storage-unavailable",
                        headers={"Retry-After": "1"},
                    )
                )

        return endpoint

    c = f"{API}/collections/{{collection}}"
    return [
        Route(f"{ROOT}/", wrap(face.discovery), methods=["GET"]),
        Route(f"{API}/", wrap(face.api_root), methods=["GET"]),
        Route(f"{API}/collections/", wrap(face.collections), methods=["GET"]),
        Route(f"{c}/", wrap(face.collection), methods=["GET"]),
        Route(f"{c}/objects/", wrap(face.objects_), methods=["GET"]),
        Route(f"{c}/objects/{{object_id}}/", wrap(face.one_object), methods=["GET"]),
        Route(f"{c}/manifest/", wrap(face.manifest), methods=["GET"]),
    ]
