"""The sender and reader: :class:`Client` (blocking) and :class:`AsyncClient` (asyncio), both on httpx.

Each is bound to one peer feed URL (``https://peer.example/feeds/incidents``)::

    with Client(url, token=os.environ["IODEF_TOKEN"], ca="peer-ca.pem") as client:
        receipt = client.send(Path("incident.xml"))
        print(receipt.location)

``send`` checks the document first (hardened parse, IODEF v2 root, validation, restriction
policy), then POSTs it (an RFC 8727 JSON or CBOR document as it is, with its own Content-Type,
checked through the XML it holds) with retries: connection failures, timeouts, ``408``, ``429`` (after the
``Retry-After`` it names) and ``5xx`` are retried with exponential backoff and full jitter;
other ``4xx`` answers are final (the outbox still keeps a document refused for a reason that is
not its content, e.g. ``401``: see :mod:`iodef.exchange.outbox`). The receiver is idempotent,
so a retry after a lost answer does not store the document twice. Every failure is an
:class:`iodef.ExchangeError` subclass.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeAlias

import httpx

from ..errors import (
    ExchangeError,
    ExchangeProtocolError,
    ExchangeRejectedError,
    ExchangeTransportError,
    ExchangeUnavailableError,
    ParseError,
    RestrictedDocumentError,
    RuleViolation,
    SchemaValidationError,
)
from ..json import CBOR_MEDIA_TYPE, MEDIA_TYPE, XML_MEDIA_TYPE, binding_to_xml, detect_format
from ..model import IODEFDocument
from ..xml import DEFAULT_MAX_BYTES as _DOCUMENT_CAP
from ..xml import check_root, dumps, parse_xml
from ._checks import Issue, check_document, has_errors
from ._policy import PRIVATE_RANK, effective_restriction, restriction_rank
from .config import Secret
from .rolie import FeedEntry, FeedPage, parse_feed, rfc3339

__all__ = [
    "AsyncClient",
    "Client",
    "PreparedDocument",
    "PulledDocument",
    "Receipt",
    "RetryPolicy",
    "Timeouts",
    "media_type_of",
    "prepare_document",
]

#: The documented cap (32 MiB), the same as for iodef.parse and iodef validate.
DEFAULT_MAX_BYTES: Final = _DOCUMENT_CAP
USER_AGENT: Final = "iodef-exchange/0.1"
Document: TypeAlias = bytes | Path | IODEFDocument


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry: delay ``min(cap, base * 2**n)`` with full jitter."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry *attempt* (0-based); a peer's ``Retry-After`` wins, capped."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay)
        return random.uniform(0, min(self.max_delay, self.base_delay * 2**attempt))


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed to connect, to send the body, to wait for the answer, to get a pooled connection."""

    connect: float = 10.0
    write: float = 30.0
    read: float = 60.0
    pool: float = 30.0

    def httpx(self) -> httpx.Timeout:
        """The same timeouts as an ``httpx.Timeout``."""
        return httpx.Timeout(connect=self.connect, write=self.write, read=self.read, pool=self.pool)


@dataclass(frozen=True, slots=True)
class Receipt:
    """The peer's answer to one delivered document."""

    source: str
    status: int
    location: str | None
    repeat: bool
    attempts: int = 1

    def as_dict(self) -> dict[str, Any]:
        """The receipt as a JSON-ready dict (what ``iodef send --format json`` prints)."""
        return {
            "source": self.source,
            "status": self.status,
            "location": self.location,
            "repeat": self.repeat,
            "attempts": self.attempts,
        }


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """A document that passed the sender's checks, ready to POST."""

    source: str
    body: bytes
    restriction: str | None
    issues: list[Issue] = field(default_factory=list)
    #: The Content-Type it is sent with; None: told by its content (XML, RFC 8727 JSON or CBOR).
    media_type: str | None = None

    def content_type(self) -> str:
        """The media type the body is POSTed as."""
        return self.media_type or media_type_of(self.body)


def media_type_of(body: bytes) -> str:
    """``application/xml``, ``application/json`` or ``application/cbor``, by *body*'s content."""
    return {"xml": XML_MEDIA_TYPE, "json": MEDIA_TYPE, "cbor": CBOR_MEDIA_TYPE}[detect_format(body)]


@dataclass(frozen=True, slots=True)
class PulledDocument:
    """One document fetched from a peer's feed, with the issues validation found (empty when clean)."""

    entry: FeedEntry
    body: bytes
    issues: list[Issue]
    error: str | None = None


def prepare_document(
    document: Document,
    *,
    source: str | None = None,
    validate: bool = True,
    profile: str = "rfc7970",
    allow_restricted: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PreparedDocument:
    """Read and check *document* the way :meth:`Client.send` does, without sending it.

    *document* may be IODEF XML or RFC 8727 JSON or CBOR (told by content): JSON and CBOR are
    checked through the XML they hold (JSON also against the shipped JSON Schema) and sent as they are.
    Raises :class:`iodef.ParseError` (unreadable, not IODEF v2), :class:`iodef.SchemaValidationError`
    or :class:`iodef.RuleViolation` (validation failed, ``.issues`` says why) or
    :class:`RestrictedDocumentError` (``private``/``red`` anywhere in it, without *allow_restricted*).
    """
    if isinstance(document, IODEFDocument):
        body = dumps(document)
        name = source or "<document>"
    elif isinstance(document, Path):
        name = source or str(document)
        try:
            body = document.read_bytes()
        except OSError as exc:
            raise ExchangeError(f"cannot read the document: {exc.strerror or exc}", source=name) from None
    else:
        body = bytes(document)
        name = source or "<bytes>"
    if len(body) > max_bytes:
        raise ParseError(
            f"document is too large ({len(body):,} bytes; the limit is {max_bytes:,})", source=name
        )
    media = media_type_of(body)
    xml, issues = body, []
    if media != XML_MEDIA_TYPE:
        converted = binding_to_xml(body, name)
        assert converted is not None
        xml = converted[0]
        if validate:  # the JSON Schema's findings, as `iodef validate` reports them
            issues = [Issue("error", path, None, None, "json-schema", msg) for path, msg in converted[1]]
    root = parse_xml(xml, max_bytes=max(max_bytes, len(xml)), source_name=name)
    check_root(root, name)
    if validate:
        issues += check_document(root, profile, source=name)
        if has_errors(issues):
            errors = [i for i in issues if i.severity == "error"]
            schema = [i for i in errors if i.rule.startswith(("xsd:", "json-schema"))]
            cls = SchemaValidationError if schema else RuleViolation
            first = (schema or errors)[0]
            raise cls(
                f"invalid under the {profile} profile ({len(errors)} error(s)); "
                f"first: {first.path}: {first.message} [{first.rule}]",
                issues=issues,
                profile=profile,
                source=name,
                line=first.line,
                column=first.column,
                path=first.path,
            )
    # The strictest restriction anywhere in it: a child's overrides its parent's (RFC 7970 §3.3.1).
    strictest = effective_restriction(root)
    if strictest is not None and restriction_rank(strictest) >= PRIVATE_RANK and not allow_restricted:
        marked = any(el.get("restriction") == strictest for el in root.iter() if isinstance(el.tag, str))
        default = " (an Incident without a restriction attribute: RFC 7970's default is private)"
        raise RestrictedDocumentError(
            f"the document is marked {strictest!r}{'' if marked else default}; "
            "to share it, convert with --pseudonymize-key (hashes are marked at the incident's level), send "
            "with --redact-above LEVEL (parts above LEVEL removed) or --allow-restricted (sent whole)",
            source=name,
        )
    return PreparedDocument(source=name, body=body, restriction=strictest, issues=issues, media_type=media)


def _ssl_context(ca: str | Path | None, cert: str | Path | None, key: str | Path | None) -> ssl.SSLContext:
    try:
        ctx = ssl.create_default_context(cafile=str(ca) if ca else None)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if cert:
            ctx.load_cert_chain(str(cert), str(key) if key else None)
    except (OSError, ssl.SSLError) as exc:
        raise ExchangeTransportError(f"cannot load the TLS certificates: {exc}") from None
    return ctx


def _ssl_cause(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, ssl.SSLError):
            return cur
        for arg in getattr(cur, "args", ()):
            if isinstance(arg, ssl.SSLError):
                return arg
        cur = cur.__cause__ or cur.__context__
    text = str(exc)
    if "[SSL" in text or "CERTIFICATE_VERIFY_FAILED" in text:
        return ssl.SSLError(text)
    return None


def _retry_after(value: str | None) -> float | None:
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: a year such as 99999999999
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _problem(response: httpx.Response) -> dict[str, Any]:
    ctype = response.headers.get("content-type", "")
    if "json" not in ctype:
        return {}
    try:
        data = json.loads(response.content)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(slots=True)
class _Retry:
    delay_hint: float | None
    error: ExchangeError


def _transport_failure(exc: httpx.HTTPError, url: str, source: str | None) -> ExchangeError | _Retry:
    tls = _ssl_cause(exc)
    if tls is not None:
        # Certificates do not fix themselves: a TLS failure is final.
        return ExchangeTransportError(f"TLS failure talking to the peer: {tls}", url=url, source=source)
    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else "connection failed"
    detail = str(exc) or type(exc).__name__
    return _Retry(None, ExchangeTransportError(f"{kind}: {detail}", url=url, source=source))


def _judge(response: httpx.Response, url: str, source: str | None) -> ExchangeError | _Retry | None:
    """None when the answer is a success, a :class:`_Retry` when it may be retried, else the final error."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    problem = _problem(response)
    detail = str(problem.get("detail") or problem.get("title") or response.reason_phrase or "")
    if status in (408, 429) or status >= 500:  # a timeout, a rate limit, a server's trouble
        return _Retry(
            _retry_after(response.headers.get("retry-after")),
            ExchangeUnavailableError(
                f"the peer answered {status}: {detail}", status=status, url=url, source=source
            ),
        )
    return ExchangeRejectedError(
        f"the peer refused it with {status}: {detail}", status=status, problem=problem, url=url, source=source
    )


def _post_headers(prepared: PreparedDocument) -> dict[str, str]:
    """The headers of a document's POST. ``Prefer: return=minimal`` (RFC 7240): the receipt needs only the
    status and ``Location``, so the peer may leave out the Atom entry it would otherwise send back."""
    return {"Content-Type": prepared.content_type(), "Prefer": "return=minimal"}


def _receipt(response: httpx.Response, attempts: int, source: str) -> Receipt:
    return Receipt(
        source=source,
        status=response.status_code,
        location=response.headers.get("location"),
        repeat=response.status_code != 201,
        attempts=attempts,
    )


class _Base:
    def __init__(
        self,
        url: str,
        *,
        token: str | Secret | None,
        ca: str | Path | None,
        cert: str | Path | None,
        key: str | Path | None,
        retries: int,
        backoff: float,
        connect_timeout: float,
        timeout: float,
        retry: RetryPolicy | None,
        timeouts: Timeouts | None,
        validate: bool,
        profile: str,
        allow_restricted: bool,
        max_bytes: int,
        on_retry: Callable[[ExchangeError, int], None] | None,
    ) -> None:
        self.url = url
        self.on_retry = on_retry
        self._token = token if isinstance(token, Secret) or token is None else Secret(token)
        self.timeouts = timeouts or Timeouts(connect=connect_timeout, read=timeout, write=timeout)
        self.retry = retry or RetryPolicy(attempts=retries, base_delay=backoff)
        self.validate = validate
        self.profile = profile
        self.allow_restricted = allow_restricted
        self.max_bytes = max_bytes
        self._verify: ssl.SSLContext | bool = True
        if url.startswith("https:") or ca or cert:
            self._verify = _ssl_context(ca, cert, key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url!r})"

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self._token is not None:
            headers["Authorization"] = f"Bearer {self._token.reveal()}"
        return headers

    def prepare(self, document: Document, *, source: str | None = None) -> PreparedDocument:
        """Check *document* with this client's settings (see :func:`prepare_document`)."""
        return prepare_document(
            document,
            source=source,
            validate=self.validate,
            profile=self.profile,
            allow_restricted=self.allow_restricted,
            max_bytes=self.max_bytes,
        )

    def _same_origin(self, url: str) -> str:
        """*url* resolved against the feed URL; refused unless it is on the same origin.

        The bearer token and the client certificate go only to the peer they were given for,
        whatever links a feed holds.
        """
        base = httpx.URL(self.url)
        target = base.join(url)
        if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
            raise ExchangeProtocolError(
                f"the feed links to another origin ({target.scheme}://{target.host}); not followed",
                url=str(target),
            )
        return str(target)

    def _since_url(self, url: str | None, since: datetime | None) -> str:
        target = self._same_origin(url) if url else self.url
        if since is not None and url is None:
            sep = "&" if "?" in target else "?"
            target += f"{sep}{httpx.QueryParams({'since': rfc3339(since)})}"
        return target

    def _check_document(self, entry: FeedEntry, body: bytes) -> PulledDocument:
        name = entry.content_src or entry.id
        try:
            root = parse_xml(body, max_bytes=self.max_bytes, source_name=name)
            check_root(root, name)
        except ParseError as exc:
            return PulledDocument(entry, body, [], error=str(exc))
        issues = check_document(root, self.profile, source=name) if self.validate else []
        return PulledDocument(entry, body, issues)


class Client(_Base):
    """A blocking client for one peer feed; use it as a context manager or call :meth:`close`."""

    def __init__(
        self,
        url: str,
        *,
        token: str | Secret | None = None,
        ca: str | Path | None = None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        retries: int = 5,
        backoff: float = 0.5,
        connect_timeout: float = 10.0,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        validate: bool = True,
        profile: str = "rfc7970",
        allow_restricted: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        on_retry: Callable[[ExchangeError, int], None] | None = None,
    ) -> None:
        """A client for the feed at *url*.

        Args:
            url: the peer's feed URL, e.g. ``https://peer.example/feeds/incidents``.
            token: the bearer token for this peer (never shown in a repr or an error).
            ca: CA bundle (PEM) to verify the peer's certificate (default: the system's).
            cert: client certificate (PEM) for mutual TLS; *key* when the key is not inside it.
            retries: attempts per request, 1 = no retry (the CLI's ``--retries``).
            backoff: base delay in seconds of the exponential backoff with full jitter (``--backoff``).
            connect_timeout: seconds to connect (``--connect-timeout``).
            timeout: seconds to send a body and to wait for an answer (``--timeout``).
            retry: a full :class:`RetryPolicy`; overrides *retries* and *backoff*.
            timeouts: full :class:`Timeouts`; override *connect_timeout* and *timeout*.
            validate: validate documents before sending and after fetching (``--no-validate``).
            profile: the validation profile (``--profile``).
            allow_restricted: allow sending documents marked private/red (``--allow-restricted``).
            max_bytes: the largest document or feed page read or sent.
            on_retry: called with the error and the attempt number before each retry (to tell
                a person at once that the peer is down, rather than after the last attempt).
        """
        super().__init__(
            url,
            token=token,
            ca=ca,
            cert=cert,
            key=key,
            retries=retries,
            backoff=backoff,
            connect_timeout=connect_timeout,
            timeout=timeout,
            retry=retry,
            timeouts=timeouts,
            validate=validate,
            profile=profile,
            allow_restricted=allow_restricted,
            max_bytes=max_bytes,
            on_retry=on_retry,
        )
        self._http = httpx.Client(
            verify=self._verify,
            timeout=self.timeouts.httpx(),
            headers=self._headers(),
            follow_redirects=False,
        )

    def close(self) -> None:
        """Close the connections (``with Client(...)`` does it on leaving)."""
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _request(
        self, method: str, url: str, *, source: str | None = None, **kwargs: Any
    ) -> tuple[httpx.Response, int]:
        last: ExchangeError | None = None
        for attempt in range(self.retry.attempts):
            try:
                response = self._http.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                outcome: ExchangeError | _Retry | None = _transport_failure(exc, url, source)
            else:
                outcome = _judge(response, url, source)
                if outcome is None:
                    return response, attempt + 1
            if isinstance(outcome, ExchangeError):
                outcome.attempts = attempt + 1
                raise outcome
            assert outcome is not None
            last = outcome.error
            last.attempts = attempt + 1
            if attempt + 1 < self.retry.attempts:
                if self.on_retry is not None:
                    self.on_retry(last, attempt + 1)
                time.sleep(self.retry.delay(attempt, outcome.delay_hint))
        assert last is not None
        raise last

    def send(self, document: Document, *, source: str | None = None) -> Receipt:
        """Check and POST one document; return the peer's receipt."""
        return self.send_prepared(self.prepare(document, source=source))

    def send_prepared(self, prepared: PreparedDocument) -> Receipt:
        """POST a document :func:`prepare_document` already checked; return the peer's receipt."""
        response, attempts = self._request(
            "POST",
            self.url,
            source=prepared.source,
            content=prepared.body,
            headers=_post_headers(prepared),
        )
        return _receipt(response, attempts, prepared.source)

    def feed(self, url: str | None = None, *, since: datetime | None = None) -> FeedPage:
        """One page of the feed (the client's URL, or *url*, e.g. a page's ``next`` link)."""
        target = self._since_url(url, since)
        response, _ = self._request("GET", target, headers={"Accept": "application/atom+xml"})
        return parse_feed(response.content, target, max_bytes=self.max_bytes)

    def iter_entries(self, *, since: datetime | None = None, max_pages: int = 10_000) -> Iterator[FeedEntry]:
        """Every entry of the feed, newest first, following ``next`` links."""
        page = self.feed(since=since)
        for _ in range(max_pages):
            yield from page.entries
            if page.next is None:
                return
            page = self.feed(page.next)
        raise ExchangeProtocolError(f"the feed has more than {max_pages} pages; stopped", url=self.url)

    def fetch(self, entry: FeedEntry) -> PulledDocument:
        """Download and check the IODEF document an entry points at."""
        if entry.content_src is None:
            return PulledDocument(entry, b"", [], error="the entry has no atom:content src")
        src = self._same_origin(entry.content_src)
        response, _ = self._request("GET", src, headers={"Accept": "application/xml"})
        return self._check_document(entry, response.content)

    def pull(self, *, since: datetime | None = None) -> Iterator[PulledDocument]:
        """Each document of the feed (newest first, optionally only those received since *since*)."""
        for entry in self.iter_entries(since=since):
            yield self.fetch(entry)


class AsyncClient(_Base):
    """The asyncio twin of :class:`Client`; use ``async with``."""

    def __init__(
        self,
        url: str,
        *,
        token: str | Secret | None = None,
        ca: str | Path | None = None,
        cert: str | Path | None = None,
        key: str | Path | None = None,
        retries: int = 5,
        backoff: float = 0.5,
        connect_timeout: float = 10.0,
        timeout: float = 60.0,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        validate: bool = True,
        profile: str = "rfc7970",
        allow_restricted: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        on_retry: Callable[[ExchangeError, int], None] | None = None,
        max_connections: int = 16,
    ) -> None:
        """A client for the feed at *url*.

        Args:
            url: the peer's feed URL, e.g. ``https://peer.example/feeds/incidents``.
            token: the bearer token for this peer (never shown in a repr or an error).
            ca: CA bundle (PEM) to verify the peer's certificate (default: the system's).
            cert: client certificate (PEM) for mutual TLS; *key* when the key is not inside it.
            retries: attempts per request, 1 = no retry (the CLI's ``--retries``).
            backoff: base delay in seconds of the exponential backoff with full jitter (``--backoff``).
            connect_timeout: seconds to connect (``--connect-timeout``).
            timeout: seconds to send a body and to wait for an answer (``--timeout``).
            retry: a full :class:`RetryPolicy`; overrides *retries* and *backoff*.
            timeouts: full :class:`Timeouts`; override *connect_timeout* and *timeout*.
            validate: validate documents before sending and after fetching (``--no-validate``).
            profile: the validation profile (``--profile``).
            allow_restricted: allow sending documents marked private/red (``--allow-restricted``).
            max_bytes: the largest document or feed page read or sent.
            on_retry: called with the error and the attempt number before each retry (to tell
                a person at once that the peer is down, rather than after the last attempt).
            max_connections: documents in flight at once (the CLI's ``--concurrency``).
        """
        super().__init__(
            url,
            token=token,
            ca=ca,
            cert=cert,
            key=key,
            retries=retries,
            backoff=backoff,
            connect_timeout=connect_timeout,
            timeout=timeout,
            retry=retry,
            timeouts=timeouts,
            validate=validate,
            profile=profile,
            allow_restricted=allow_restricted,
            max_bytes=max_bytes,
            on_retry=on_retry,
        )
        self._http = httpx.AsyncClient(
            verify=self._verify,
            timeout=self.timeouts.httpx(),
            headers=self._headers(),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def aclose(self) -> None:
        """Close the connections (``async with AsyncClient(...)`` does it on leaving)."""
        await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def _request(
        self, method: str, url: str, *, source: str | None = None, **kwargs: Any
    ) -> tuple[httpx.Response, int]:
        last: ExchangeError | None = None
        for attempt in range(self.retry.attempts):
            try:
                response = await self._http.request(method, url, **kwargs)
            except httpx.HTTPError as exc:
                outcome: ExchangeError | _Retry | None = _transport_failure(exc, url, source)
            else:
                outcome = _judge(response, url, source)
                if outcome is None:
                    return response, attempt + 1
            if isinstance(outcome, ExchangeError):
                outcome.attempts = attempt + 1
                raise outcome
            assert outcome is not None
            last = outcome.error
            last.attempts = attempt + 1
            if attempt + 1 < self.retry.attempts:
                if self.on_retry is not None:
                    self.on_retry(last, attempt + 1)
                await asyncio.sleep(self.retry.delay(attempt, outcome.delay_hint))
        assert last is not None
        raise last

    async def send(self, document: Document, *, source: str | None = None) -> Receipt:
        """Check and POST one document; return the peer's receipt."""
        return await self.send_prepared(self.prepare(document, source=source))

    async def send_prepared(self, prepared: PreparedDocument) -> Receipt:
        """POST a document :func:`prepare_document` already checked; return the peer's receipt."""
        response, attempts = await self._request(
            "POST",
            self.url,
            source=prepared.source,
            content=prepared.body,
            headers=_post_headers(prepared),
        )
        return _receipt(response, attempts, prepared.source)

    async def feed(self, url: str | None = None, *, since: datetime | None = None) -> FeedPage:
        """One page of the feed (the client's URL, or *url*, e.g. a page's ``next`` link)."""
        target = self._since_url(url, since)
        response, _ = await self._request("GET", target, headers={"Accept": "application/atom+xml"})
        return parse_feed(response.content, target, max_bytes=self.max_bytes)

    async def iter_entries(
        self, *, since: datetime | None = None, max_pages: int = 10_000
    ) -> AsyncIterator[FeedEntry]:
        """Every entry of the feed, newest first, following ``next`` links."""
        page = await self.feed(since=since)
        for _ in range(max_pages):
            for entry in page.entries:
                yield entry
            if page.next is None:
                return
            page = await self.feed(page.next)
        raise ExchangeProtocolError(f"the feed has more than {max_pages} pages; stopped", url=self.url)

    async def fetch(self, entry: FeedEntry) -> PulledDocument:
        """Download and check the IODEF document an entry points at."""
        if entry.content_src is None:
            return PulledDocument(entry, b"", [], error="the entry has no atom:content src")
        src = self._same_origin(entry.content_src)
        response, _ = await self._request("GET", src, headers={"Accept": "application/xml"})
        return self._check_document(entry, response.content)

    async def pull(self, *, since: datetime | None = None) -> AsyncIterator[PulledDocument]:
        """Each document of the feed (newest first, optionally only those received since *since*)."""
        async for entry in self.iter_entries(since=since):
            yield await self.fetch(entry)
