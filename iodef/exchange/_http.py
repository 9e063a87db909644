"""HTTP pieces of the receiver: RFC 9457 problems, the feed query and its cursor, conditional GETs."""

from __future__ import annotations

import base64
import binascii
import email.utils
import hashlib
from datetime import UTC, datetime
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "PROBLEM_TYPE",
    "ProblemError",
    "decode_cursor",
    "encode_cursor",
    "etag",
    "feed_query",
    "header",
    "not_modified",
    "prefers_minimal",
    "problem_response",
    "too_large",
    "unavailable",
    "validators",
]

PROBLEM_TYPE: Final = "application/problem+json"


class ProblemError(Exception):
    """An RFC 9457 answer to send instead of the normal response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        *,
        slug: str,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.slug = slug
        self.headers = headers or {}
        self.extra = extra or {}


def problem_response(exc: ProblemError, instance: str | None = None) -> Response:
    body: dict[str, Any] = {
        "type": f"urn:iodef:problem:{exc.slug}",
        "title": exc.title,
        "status": exc.status,
        "detail": exc.detail,
    }
    if instance:
        body["instance"] = instance
    body.update(exc.extra)
    return JSONResponse(body, status_code=exc.status, headers=exc.headers, media_type=PROBLEM_TYPE)


def prefers_minimal(request: Request) -> bool:
    """Whether the request prefers ``return=minimal`` (RFC 7240 §4.2): an answer without the resource.

    Every ``Prefer`` field counts, read as one list, and the first ``return`` preference decides
    (RFC 7240 §2: a preference given twice counts once, the first time).
    """
    raw: list[tuple[bytes, bytes]] = request.scope["headers"]
    for key, value in raw:
        if key != b"prefer":
            continue
        for preference in value.decode("latin-1").split(","):
            name, _, token = preference.split(";", 1)[0].partition("=")
            if name.strip().lower() == "return":
                return token.strip().strip('"').lower() == "minimal"
    return False


def header(request: Request, name: bytes) -> str | None:
    """The first value of the request header *name* (lower case, as ASGI servers give names), or None.

    What ``request.headers.get`` answers, read from the scope: without building Starlette's
    ``Headers`` and, for a header that is not there, raising and catching a ``KeyError`` (a POST
    asks for four headers, and for ``Authorization`` in vain when peers are anonymous).
    """
    raw: list[tuple[bytes, bytes]] = request.scope["headers"]
    for key, value in raw:
        if key == name:
            return value.decode("latin-1")
    return None


_MAX_SEQ: Final = 2**63 - 1  # the largest integer SQLite and PostgreSQL BIGINT hold


def _bad_query(detail: str) -> ProblemError:
    return ProblemError(400, "Bad query", detail, slug="bad-query")


def encode_cursor(received: datetime, seq: int) -> str:
    """The opaque ``cursor`` of a ``next`` link: the keyset of the page's last entry."""
    raw = f"{received.astimezone(UTC).isoformat()}|{seq}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(value: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
        when, _, seq = raw.partition("|")
        received = datetime.fromisoformat(when)
        number = int(seq)
        if received.tzinfo is not None:  # the cursor's own times are UTC; others are normalised
            received = received.astimezone(UTC)
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error):
        raise _bad_query("cursor is not one this repository wrote (take it from a next link)") from None
    if received.tzinfo is None or not 0 <= number <= _MAX_SEQ:
        raise _bad_query("cursor is not one this repository wrote (take it from a next link)")
    return received, number


def feed_query(q: Any, page_size: int) -> tuple[int, tuple[datetime, int] | None, datetime | None]:
    """``limit`` (clamped to 1..1000), ``cursor`` and ``since`` of a feed request, or a 400."""
    try:
        limit = int(q.get("limit", page_size))
    except ValueError:
        raise _bad_query("limit must be an integer") from None
    after = decode_cursor(q["cursor"]) if "cursor" in q else None
    since: datetime | None = None
    if "since" in q:
        try:
            since = datetime.fromisoformat(q["since"].replace("Z", "+00:00"))
            # Stored times are UTC; an offset near the ends of the calendar cannot be converted.
            since = since.replace(tzinfo=UTC) if since.tzinfo is None else since.astimezone(UTC)
        except (ValueError, OverflowError):
            raise _bad_query("since must be an RFC 3339 date-time") from None
    return min(max(limit, 1), 1000), after, since


def etag(*parts: str) -> str:
    return '"' + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32] + '"'


def validators(tag: str, modified: datetime | None) -> dict[str, str]:
    headers = {"ETag": tag, "Cache-Control": "private, no-cache"}
    if modified is not None:
        headers["Last-Modified"] = email.utils.format_datetime(modified.astimezone(UTC), usegmt=True)
    return headers


def not_modified(request: Request, tag: str, modified: datetime | None) -> bool:
    """RFC 9110 §13.1: If-None-Match decides when present; else If-Modified-Since."""
    match = request.headers.get("if-none-match")
    if match is not None:
        wanted = {t.strip().removeprefix("W/") for t in match.split(",")}
        return "*" in wanted or tag in wanted
    since = request.headers.get("if-modified-since")
    if since is None or modified is None:
        return False
    try:
        when = email.utils.parsedate_to_datetime(since)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a year such as 99999999999
        return False
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return modified.replace(microsecond=0) <= when


def too_large(size: int | None, limit: int) -> ProblemError:
    got = f"{size:,} bytes" if size is not None else f"more than {limit:,} bytes"
    return ProblemError(
        413,
        "Document too large",
        f"the body has {got}; this repository takes at most {limit:,}",
        slug="too-large",
    )


def unavailable(detail: str) -> ProblemError:
    return ProblemError(
        503,
        "Storage unavailable",
        f"the document was not stored ({detail}); retry later",
        slug="storage-unavailable",
        headers={"Retry-After": "1"},
    )
