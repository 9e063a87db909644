"""ROLIE (RFC 8322) documents: AtomPub service and category documents, Atom feeds and entries.

Writing is for the server (:mod:`iodef.exchange.server`), reading for the client and the puller.
The namespaces are those of RFC 4287 and RFC 5023 (``http://www.w3.org/2005/Atom``,
``http://www.w3.org/2007/app``; RFC 8322 §3.1 prints them with ``https``, which no Atom tool
recognises) and the registered ROLIE namespace of RFC 8322 §8.1.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Final

from lxml import etree

from ..errors import ExchangeProtocolError, ParseError
from ..xml import IODEF_NS, parse_xml

__all__ = [
    "APP_NS",
    "ATOM_ENTRY_TYPE",
    "ATOM_FEED_TYPE",
    "ATOM_NS",
    "INFORMATION_TYPE_SCHEME",
    "ROLIE_NS",
    "WITHHELD_PROPERTY",
    "EntryInfo",
    "FeedEntry",
    "FeedPage",
    "categories_document",
    "entry_document",
    "entry_element",
    "entry_text",
    "feed_document",
    "parse_feed",
    "rfc3339",
    "service_document",
]

ATOM_NS: Final = "http://www.w3.org/2005/Atom"
APP_NS: Final = "http://www.w3.org/2007/app"
ROLIE_NS: Final = "urn:ietf:params:xml:ns:rolie-1.0"
INFORMATION_TYPE_SCHEME: Final = "urn:ietf:params:rolie:category:information-type"
PROPERTY: Final = "urn:ietf:params:rolie:property:"
#: The rolie:property of an entry served redacted: how many parts were withheld from this reader.
WITHHELD_PROPERTY: Final = "urn:iodef:property:withheld-parts"
_PUBLISHED: Final = PROPERTY + "content-published-date"
_RESTRICTION_SCHEME: Final = "urn:ietf:params:xml:ns:iodef-2.0:restriction"
_PURPOSE_SCHEME: Final = "urn:ietf:params:xml:ns:iodef-2.0:purpose"
ATOM_FEED_TYPE: Final = "application/atom+xml;type=feed"
ATOM_ENTRY_TYPE: Final = "application/atom+xml;type=entry"
IODEF_SCHEMA_LOCATION: Final = "https://www.iana.org/assignments/xml-registry/schema/iodef-2.0.xsd"

_A = f"{{{ATOM_NS}}}"
_APP = f"{{{APP_NS}}}"
_R = f"{{{ROLIE_NS}}}"
_NSMAP: Final = {None: ATOM_NS, "app": APP_NS, "rolie": ROLIE_NS}


def rfc3339(when: datetime) -> str:
    """``when`` in UTC as RFC 3339 with microseconds (the precision ``?since=`` works at)."""
    if when.tzinfo is not UTC:  # (the store's times are UTC already: no conversion to pay for)
        when = when.astimezone(UTC)
    # An aware time's ISO form ends in its offset, "+00:00" in UTC.
    return when.isoformat(timespec="microseconds")[:-6] + "Z"


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _serialise(root: etree._Element) -> bytes:
    data: bytes = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
    return data


@dataclass(frozen=True, slots=True)
class EntryInfo:
    """What a feed or entry document says about one stored document (the server's view)."""

    entry_id: str
    title: str
    received: datetime
    sender: str
    incident_name: str | None
    incident_id: str | None
    restriction: str | None
    purpose: str | None
    generation_time: str | None
    version: int
    previous_entry_id: str | None
    entry_url: str
    document_url: str
    previous_url: str | None
    feed_url: str
    withheld: int = 0


def entry_element(info: EntryInfo, *, standalone: bool) -> etree._Element:
    """An ``atom:entry`` for one stored document (RFC 8322 §6.2)."""
    entry = etree.Element(_A + "entry", nsmap=_NSMAP)
    _sub(entry, _A + "id", f"urn:uuid:{info.entry_id}")
    _sub(entry, _A + "title", info.title)
    updated = rfc3339(info.received)
    _sub(entry, _A + "published", updated)
    _sub(entry, _A + "updated", updated)
    author = _sub(entry, _A + "author")
    _sub(author, _A + "name", info.sender)
    _sub(entry, _A + "link", rel="self", href=info.entry_url)
    _sub(entry, _A + "link", rel="edit", href=info.entry_url)
    if info.previous_url is not None:
        _sub(entry, _A + "link", rel="predecessor-version", href=info.previous_url)
    if standalone:
        _sub(entry, _A + "link", rel="collection", href=info.feed_url)
        _sub(entry, _A + "category", scheme=INFORMATION_TYPE_SCHEME, term="incident")
    if info.restriction is not None:
        _sub(
            entry,
            _A + "category",
            scheme=_RESTRICTION_SCHEME,
            term=info.restriction,
        )
    if info.purpose is not None:
        _sub(entry, _A + "category", scheme=_PURPOSE_SCHEME, term=info.purpose)
    summary = f"IODEF v2 document from {info.sender}"
    if info.incident_id is not None:
        summary += f": incident {info.incident_id}@{info.incident_name}, version {info.version}"
    if info.withheld:
        summary += f" ({info.withheld} part(s) above your clearance withheld)"
    _sub(entry, _A + "summary", summary)
    _sub(entry, _A + "content", type="application/xml", src=info.document_url)
    _sub(
        entry,
        _R + "format",
        ns=IODEF_NS,
        version="2.0",
        schema_location=IODEF_SCHEMA_LOCATION,
        schema_type="text/xml",
    )
    if info.incident_id is not None:
        _sub(
            entry,
            _R + "property",
            name=PROPERTY + "content-id",
            value=f"{info.incident_id}@{info.incident_name}",
        )
    if info.generation_time is not None:
        _sub(entry, _R + "property", name=_PUBLISHED, value=info.generation_time)
    if info.withheld:
        _sub(entry, _R + "property", name=WITHHELD_PROPERTY, value=str(info.withheld))
    return entry


def _a(value: str) -> str:
    """*value* escaped for a double-quoted XML attribute."""
    # Most values need nothing: six substring tests cost a third of a regular expression's match.
    if "&" in value or "<" in value or '"' in value or "\n" in value or "\r" in value or "\t" in value:
        return (
            value.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace('"', "&quot;")
            .replace("\n", "&#10;")
            .replace("\r", "&#13;")
            .replace("\t", "&#9;")
        )
    return value


def _t(value: str) -> str:
    """*value* escaped for XML character data."""
    if "&" in value or "<" in value or ">" in value or "\r" in value:
        return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    return value


_ENTRY_OPEN: Final = f'<entry xmlns="{ATOM_NS}" xmlns:app="{APP_NS}" xmlns:rolie="{ROLIE_NS}">'
_FORMAT_ATTRS: Final = f'ns="{IODEF_NS}" version="2.0" schema-location="{IODEF_SCHEMA_LOCATION}"'
_IODEF_FORMAT: Final = f'<rolie:format {_FORMAT_ATTRS} schema-type="text/xml"/>'
_INCIDENT_CATEGORY: Final = f'<category scheme="{INFORMATION_TYPE_SCHEME}" term="incident"/>'


def entry_text(info: EntryInfo, *, standalone: bool, declare: bool = True) -> str:
    """The ``atom:entry`` of :func:`entry_element` as text, written directly (the hot path of a POST).

    *declare*: carry the namespace declarations (False inside a feed that declares them).
    """
    updated = rfc3339(info.received)
    url = _a(info.entry_url)
    out = [
        f"{_ENTRY_OPEN if declare else '<entry>'}<id>urn:uuid:{_t(info.entry_id)}</id>"
        f"<title>{_t(info.title)}</title><published>{updated}</published><updated>{updated}</updated>"
        f'<author><name>{_t(info.sender)}</name></author><link rel="self" href="{url}"/>'
        f'<link rel="edit" href="{url}"/>'
    ]
    if info.previous_url is not None:
        out.append(f'<link rel="predecessor-version" href="{_a(info.previous_url)}"/>')
    if standalone:
        out.append(f'<link rel="collection" href="{_a(info.feed_url)}"/>{_INCIDENT_CATEGORY}')
    if info.restriction is not None:
        out.append(f'<category scheme="{_RESTRICTION_SCHEME}" term="{_a(info.restriction)}"/>')
    if info.purpose is not None:
        out.append(f'<category scheme="{_PURPOSE_SCHEME}" term="{_a(info.purpose)}"/>')
    summary = f"IODEF v2 document from {info.sender}"
    if info.incident_id is not None:
        summary += f": incident {info.incident_id}@{info.incident_name}, version {info.version}"
    if info.withheld:
        summary += f" ({info.withheld} part(s) above your clearance withheld)"
    out.append(
        f'<summary>{_t(summary)}</summary><content type="application/xml" src="{_a(info.document_url)}"/>'
        + _IODEF_FORMAT
    )
    if info.incident_id is not None:
        value = _a(f"{info.incident_id}@{info.incident_name}")
        out.append(f'<rolie:property name="{PROPERTY}content-id" value="{value}"/>')
    if info.generation_time is not None:
        out.append(f'<rolie:property name="{_PUBLISHED}" value="{_a(info.generation_time)}"/>')
    if info.withheld:
        out.append(f'<rolie:property name="{WITHHELD_PROPERTY}" value="{info.withheld}"/>')
    out.append("</entry>")
    return "".join(out)


_DECLARATION: Final = "<?xml version='1.0' encoding='UTF-8'?>\n"


def entry_document(info: EntryInfo) -> bytes:
    return (_DECLARATION + entry_text(info, standalone=True)).encode()


def feed_document(
    *,
    feed_id: str,
    title: str,
    feed_url: str,
    service_url: str,
    updated: datetime,
    entries: Iterable[EntryInfo],
    links: Sequence[tuple[str, str]] = (),
) -> bytes:
    """An Atom feed (RFC 8322 §6.1) with its entries newest first and the paging *links* (rel, href)."""
    out = [_DECLARATION, _ENTRY_OPEN.replace("<entry ", "<feed ", 1)]
    out.append(f"<id>{_t(feed_id)}</id><title>{_t(title)}</title><updated>{rfc3339(updated)}</updated>")
    out.append(f'<link rel="self" href="{_a(feed_url)}"/><link rel="service" href="{_a(service_url)}"/>')
    for rel, href in links:
        out.append(f'<link rel="{_a(rel)}" href="{_a(href)}"/>')
    out.append(_INCIDENT_CATEGORY)
    out.extend(entry_text(info, standalone=False, declare=False) for info in entries)
    out.append("</feed>")
    return "".join(out).encode()


def service_document(workspace_title: str, feeds: Sequence[tuple[str, str]]) -> bytes:
    """An AtomPub service document (RFC 8322 §5.1) listing *feeds* as (title, href)."""
    service = etree.Element(_APP + "service", nsmap={None: APP_NS, "atom": ATOM_NS})
    workspace = _sub(service, _APP + "workspace")
    _sub(workspace, _A + "title", workspace_title)
    for title, href in feeds:
        coll = _sub(workspace, _APP + "collection", href=href)
        _sub(coll, _A + "title", title)
        _sub(coll, _APP + "accept", "application/xml")
        _sub(coll, _APP + "accept", ATOM_ENTRY_TYPE)
        cats = _sub(coll, _APP + "categories", fixed="yes")
        _sub(cats, _A + "category", scheme=INFORMATION_TYPE_SCHEME, term="incident")
    return _serialise(service)


def categories_document() -> bytes:
    """An AtomPub category document (RFC 8322 §5.2) with the information type this repository serves."""
    cats = etree.Element(_APP + "categories", {"fixed": "yes"}, nsmap={None: APP_NS, "atom": ATOM_NS})
    _sub(cats, _A + "category", scheme=INFORMATION_TYPE_SCHEME, term="incident")
    return _serialise(cats)


# -- reading (client side) -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of a peer's feed as the client reads it."""

    id: str
    title: str
    updated: datetime | None
    content_src: str | None
    content_type: str | None
    links: dict[str, str] = field(default_factory=dict)
    #: Parts of the document the peer withheld from this reader (0: served whole).
    withheld: int = 0


@dataclass(frozen=True, slots=True)
class FeedPage:
    """One page of a peer's feed: its entries (newest first) and its links (``next`` for paging)."""

    url: str
    title: str
    updated: datetime | None
    entries: list[FeedEntry]
    links: dict[str, str]

    @property
    def next(self) -> str | None:
        return self.links.get("next")


def _parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _links(el: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for link in el.findall(_A + "link"):
        rel = str(link.get("rel") or "alternate")
        href = link.get("href")
        if href is not None and rel not in out:
            out[rel] = str(href)
    return out


def _withheld(el: etree._Element) -> int:
    for prop in el.findall(_R + "property"):
        if prop.get("name") == WITHHELD_PROPERTY:
            value = str(prop.get("value") or "")
            return int(value) if value.isdigit() else 0
    return 0


def parse_feed(data: bytes, url: str, *, max_bytes: int) -> FeedPage:
    """Read an Atom feed (hardened parser); raise :class:`ExchangeProtocolError` if it is not one."""
    try:
        root = parse_xml(data, max_bytes=max_bytes, source_name=url)
    except ParseError as exc:
        raise ExchangeProtocolError(f"the feed is not readable XML: {exc}", url=url) from None
    if root.tag != _A + "feed":
        raise ExchangeProtocolError(f"expected an Atom feed, got the element {root.tag!r}", url=url)
    entries: list[FeedEntry] = []
    for el in root.findall(_A + "entry"):
        content = el.find(_A + "content")
        entries.append(
            FeedEntry(
                id=str(el.findtext(_A + "id") or "").strip(),
                title=str(el.findtext(_A + "title") or ""),
                updated=_parse_time(el.findtext(_A + "updated")),
                content_src=None
                if content is None or content.get("src") is None
                else str(content.get("src")),
                content_type=None
                if content is None or content.get("type") is None
                else str(content.get("type")),
                links=_links(el),
                withheld=_withheld(el),
            )
        )
    return FeedPage(
        url=url,
        title=str(root.findtext(_A + "title") or ""),
        updated=_parse_time(root.findtext(_A + "updated")),
        entries=entries,
        links=_links(root),
    )
