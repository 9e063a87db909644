"""What the three converter families share: options, grouping, identity, privacy and helpers.

The flow of every family is the same::

    reader (bytes -> records)  ->  Grouper (records -> groups)  ->  build (group -> Incident)

Readers are generators; the :class:`Grouper` holds only the groups whose window is still open and
hands back the closed ones as soon as the time in the input has moved past them, so a log of any
length converts in memory bounded by the number of concurrently active keys.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import ipaddress
import re
import typing
from collections import Counter as _Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from functools import lru_cache
from operator import attrgetter
from typing import Any, Final, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from ..errors import ConvertError
from ..model import (
    Address,
    Contact,
    ExtensionType,
    Incident,
    IODEFDocument,
    IODEFModel,
    RecordData,
    Restriction,
)
from ..model._binding import Spec, plan_of

__all__ = [
    "BaseRecord",
    "ConvertOptions",
    "Group",
    "Grouper",
    "Pseudonymizer",
    "address_for",
    "classify_address",
]

#: ``ext-category`` values this toolkit uses for Address kinds RFC 7970 has no category for.
EXT_ADDRESS_KINDS: Final = frozenset(
    {"e164", "short-code", "alphanumeric", "sip-uri", "tel-uri", "im-handle", "chatbot-uri", "rat-id"}
)
PSEUDONYM_KIND: Final = "pseudonym"


class BaseRecord(BaseModel):
    """Fields every input record carries, whatever the family.

    ``time`` is when the event happened (timezone-aware, UTC when the source gave no zone);
    ``event`` its type (looked up in the family's incident table); ``source`` and ``line`` say where
    it was read; ``raw`` is the original text of the record, kept as evidence.
    """

    model_config = ConfigDict(extra="forbid", frozen=False)

    time: datetime
    event: str
    format: str = "jsonl"
    source: str | None = None
    line: int | None = None
    raw: str | None = None


RecordT = TypeVar("RecordT", bound=BaseRecord)


@dataclass(frozen=True)
class ConvertOptions:
    """How records become incidents; every field has a sensible default.

    - ``name``: the producer's name for IncidentID@name (a domain name, RFC 7970 §3.4).
    - ``window``: records with the same key closer than this to the group's last record are one
      incident (a session window).  ``max_span`` caps how long one incident can grow.
    - ``keys``: the record fields that make up the grouping key (family default when ``None``).
    - ``incident_table``: overrides of the family's table of event type -> becomes an incident.
    - ``restriction``: the Incident's restriction; ``private_restriction`` marks personal data
      (recipients, bodies, user names, raw lines).
    - ``pseudonymize_key``: when set, personal data is replaced by keyed hashes (HMAC-SHA-256) and
      raw lines are left out; the document says so in AdditionalData.
    - ``generation_time``: the GenerationTime of every incident (injectable for stable output).
    - ``max_samples``: how many raw records and distinct values an incident keeps as evidence.
    """

    name: str = "iodef.invalid"
    window: timedelta = timedelta(hours=1)
    max_span: timedelta = timedelta(days=1)
    keys: tuple[str, ...] | None = None
    incident_table: Mapping[str, bool] | None = None
    restriction: str = "amber"
    private_restriction: str = "private"
    pseudonymize_key: bytes | None = None
    generation_time: datetime | None = None
    max_samples: int = 10
    max_distinct: int = 10_000
    target_roles: tuple[str, ...] = ()

    def now(self) -> datetime:
        return self.generation_time or datetime.now(UTC).replace(microsecond=0)


class Pseudonymizer:
    """Keyed hashing of personal data (HMAC-SHA-256, hex, truncated to 128 bits).

    The same value under the same key always gives the same pseudonym, so a recipient of several
    documents can still correlate; without the key the value cannot be recovered or confirmed.
    """

    def __init__(self, key: bytes | None) -> None:
        self.key = key
        self._cache: dict[str, str] = {}

    @property
    def active(self) -> bool:
        return self.key is not None

    def __call__(self, value: str) -> str:
        if self.key is None:
            return value
        got = self._cache.get(value)
        if got is None:
            got = "hmac-sha256:" + hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
            if len(self._cache) < 4096:
                self._cache[value] = got
        return got

    def note(self) -> ExtensionType | None:
        """The AdditionalData that tells the reader what was pseudonymised."""
        if self.key is None:
            return None
        return mk(
            ExtensionType,
            dtype="string",
            meaning="pseudonymisation",
            value=(
                "Recipient addresses and numbers, user names and message bodies in this incident are "
                "replaced by keyed hashes (HMAC-SHA-256 truncated to 128 bits, prefix 'hmac-sha256:'); "
                "equal values give equal pseudonyms under the producer's key. Raw records are omitted."
            ),
        )


# --------------------------------------------------------------------------- addresses

_E164 = re.compile(r"\+?[1-9]\d{6,14}")
_SHORT = re.compile(r"\d{3,6}")
_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
_URI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:\S+")


def classify_address(value: str) -> tuple[str, str | None]:
    """Return ``(category, ext_category)`` for an address-like string (RFC 7970 §3.18.1).

    IP addresses, e-mail addresses and URLs get their RFC categories; telephone numbers, short
    codes, SIP/tel URIs, chatbot URIs and other handles get ``ext-value`` with a kind from
    :data:`EXT_ADDRESS_KINDS`.
    """
    v = value.strip()
    try:
        ip = ipaddress.ip_address(v)
    except ValueError:
        pass
    else:
        return ("ipv4-addr" if ip.version == 4 else "ipv6-addr", None)
    lower = v.lower()
    if lower.startswith("sip:") or lower.startswith("sips:"):
        return ("ext-value", "sip-uri")
    if lower.startswith("tel:"):
        return ("ext-value", "tel-uri")
    if lower.startswith(("http://", "https://")):
        return ("site-uri", None)
    if _EMAIL.fullmatch(v):
        if "bot" in lower.split("@", 1)[0] and lower.endswith(("botplatform.com", ".bot")):
            return ("ext-value", "chatbot-uri")
        return ("e-mail", None)
    digits = v.replace(" ", "").replace("-", "")
    if _E164.fullmatch(digits) and (digits.startswith("+") or len(digits) > 7):
        return ("ext-value", "e164")
    if _SHORT.fullmatch(digits):
        return ("ext-value", "short-code")
    if _URI.fullmatch(v):
        return ("site-uri", None)
    return ("ext-value", "alphanumeric")


def address_for(value: str, pseudo: Pseudonymizer | None = None, *, kind: str | None = None) -> Address:
    """An Address whose category matches its text; pseudonymised when *pseudo* is active."""
    if pseudo is not None and pseudo.active:
        return mk(Address, category="ext-value", ext_category=PSEUDONYM_KIND, value=pseudo(value))
    if kind is not None:
        if kind in EXT_ADDRESS_KINDS:
            return mk(Address, category="ext-value", ext_category=kind, value=value)
        return mk(Address, category=kind, value=value)
    category, ext = classify_address(value)
    if category in ("e-mail", "ipv4-addr", "ipv6-addr"):
        value = value.strip()
    return mk(Address, category=category, ext_category=ext, value=value)


_INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)


@lru_cache(maxsize=65536)
def is_public_ip(value: str | None) -> bool:
    """True unless *value* is an internal address (RFC 1918, shared, loopback, link-local, ULA).

    Documentation ranges (RFC 5737, RFC 3849) count as public: examples use them for the Internet.
    """
    if not value:
        return False
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not any(ip.version == n.version and ip in n for n in _INTERNAL)


@lru_cache(maxsize=65536)
def normalise_ip(value: str | None) -> str | None:
    """The canonical text of an IP address, or None when *value* is not one."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


# --------------------------------------------------------------------------- time

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_MIN = datetime.min.replace(tzinfo=UTC)
_DAYS: dict[int, tuple[int, int, int]] = {}  # days since the epoch seen lately: log lines share them


def from_epoch(text: str) -> datetime:
    """A Unix timestamp with optional fraction (Zeek's ``time`` type) as an aware datetime.

    Exact to the microsecond (no detour through a float). Built from integer arithmetic and a
    cache of dates by day: cheaper than datetime arithmetic or ``replace`` on every log line.
    """
    secs, _, frac = text.partition(".")
    if not secs.isdigit() and not (secs[:1] == "-" and secs[1:].isdigit()):
        raise ValueError(f"{text!r} is not a Unix timestamp")
    if frac:
        if not frac.isdigit():
            raise ValueError(f"{text!r} is not a Unix timestamp")
        us = int(frac) if len(frac) == 6 else int(frac[:6].ljust(6, "0"))
    else:
        us = 0
    days, rem = divmod(int(secs), 86400)
    ymd = _DAYS.get(days)
    if ymd is None:
        day = _EPOCH + timedelta(days=days)  # OverflowError beyond datetime's range, as before
        if len(_DAYS) > 4096:
            _DAYS.clear()
        ymd = _DAYS[days] = (day.year, day.month, day.day)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    return datetime(ymd[0], ymd[1], ymd[2], hours, minutes, seconds, us, UTC)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?")


def parse_time(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time (``Z`` or offset; none means UTC) as an aware datetime."""
    s = text.strip()
    if len(s) == 20 and s[19] == "Z" and s[10] == "T" and s[4] == "-" and s[13] == ":" and s[16] == ":":
        # the common case, 2025-03-04T02:11:09Z, checked by shape; fromisoformat checks the digits
        # and reads the Z as UTC
        return datetime.fromisoformat(s)
    if not _ISO.fullmatch(s):
        raise ValueError(f"{text!r} is not an ISO 8601 date-time such as 2025-03-04T02:11:09Z")
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    # Python before 3.11 rejected more than 6 fractional digits; trim them in any case.
    m = re.match(r"^(.*?\.\d{6})\d+(.*)$", s)
    if m:
        s = m.group(1) + m.group(2)
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt


def iso(dt: datetime) -> str:
    text = dt.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


# --------------------------------------------------------------------------- grouping


@dataclass
class Group(Generic[RecordT]):
    """The records of one incident-to-be: counts, first/last time, samples and distinct values."""

    key: tuple[str, ...]
    first: datetime
    last: datetime
    count: int = 0
    events: _Counter[str] = field(default_factory=_Counter)
    samples: list[RecordT] = field(default_factory=list)
    firsts: dict[str, RecordT] = field(default_factory=dict)
    distinct: dict[str, dict[str, None]] = field(default_factory=dict)
    seen: dict[Any, None] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    #: when the group closes (its last record + window, capped by first + max_span), and the
    #: earliest time a late record may still join it
    close_at: datetime = _EPOCH_MIN
    open_at: datetime = _EPOCH_MIN
    span_end: datetime = _EPOCH_MIN
    overflow: set[str] = field(default_factory=set)
    sources: dict[str, None] = field(default_factory=dict)
    worthy: bool = False

    def note(self, what: str, value: str | None, limit: int) -> None:
        """Remember *value* among the distinct values of *what* (up to *limit* of them)."""
        if not value:
            return
        seen = self.distinct.get(what)
        if seen is None:
            seen = self.distinct[what] = {}
        if value in seen:
            return
        if len(seen) >= limit:
            self.overflow.add(what)
            return
        seen[value] = None

    def evidence(self) -> list[RecordT]:
        """The sample records: the first few, plus the first of every other event type."""
        extra = [r for r in self.firsts.values() if not any(r is s for s in self.samples)]
        if not extra:
            return self.samples
        return sorted([*self.samples, *extra], key=lambda r: (r.time, r.line or 0))

    def values(self, what: str) -> list[str]:
        return list(self.distinct.get(what, ()))

    def digest(self, family: str, name: str, key: bytes | None) -> str:
        """A stable identifier of this group: the same records give the same ID."""
        material = "\x1f".join(
            [family, name, *self.key, iso(self.first), iso(self.last), str(self.count)]
        ).encode("utf-8")
        if key is not None:
            return hmac.new(key, material, hashlib.sha256).hexdigest()[:24]
        return hashlib.sha256(material).hexdigest()[:24]


class Grouper(Generic[RecordT]):
    """Session windows over a stream of records, keyed by record fields.

    ``add(record)`` returns the groups that closed because the input's time moved past them;
    ``flush()`` returns the rest at the end. A group closes when ``window`` has passed since its
    last record, or ``max_span`` since its first. Input need not be sorted: records within the
    window of an open group join it; a record older than a closed group starts a new group.
    """

    def __init__(
        self,
        key: Callable[[RecordT], tuple[str, ...]],
        worthy: Callable[[RecordT], bool],
        observe: Callable[[Group[RecordT], RecordT], None],
        *,
        window: timedelta,
        max_span: timedelta,
        max_samples: int,
    ) -> None:
        self._key = key
        self._worthy = worthy
        self._observe = observe
        self._window = window
        self._span = max_span
        self._max_samples = max_samples
        self._open: dict[tuple[str, ...], Group[RecordT]] = {}
        self._heap: list[tuple[datetime, int, tuple[str, ...]]] = []
        self._seq = 0
        self._clock: datetime | None = None
        self.records = 0
        self.skipped_groups = 0
        self.skipped_records = 0
        self.skipped_events: _Counter[str] = _Counter()

    @property
    def open_groups(self) -> int:
        return len(self._open)

    def add(self, record: RecordT) -> list[Group[RecordT]]:
        # the hot path of every conversion: locals rather than repeated attribute lookups
        self.records += 1
        t = record.time
        k = self._key(record)
        opened = self._open
        g = opened.get(k)
        closed: list[Group[RecordT]] = []
        if g is not None and (t > g.close_at or t < g.open_at):
            closed.append(g)
            del opened[k]
            g = None
        if g is None:
            g = Group(key=k, first=t, last=t)
            span_end = g.span_end = t + self._span
            ca = t + self._window
            g.close_at = ca if ca < span_end else span_end
            g.open_at = t - self._window
            opened[k] = g
            self._push(g)
        elif t > g.last:
            g.last = t
            ca = t + self._window
            g.close_at = ca if ca < g.span_end else g.span_end
        elif t < g.first:
            g.first = t
            g.open_at = t - self._window
        g.count += 1
        event = record.event
        g.events[event] += 1
        if not g.worthy and self._worthy(record):
            g.worthy = True
        samples = g.samples
        if len(samples) < self._max_samples:
            samples.append(record)
        elif event not in g.firsts and len(g.firsts) < 32:
            g.firsts[event] = record
        src = record.source
        if src is not None:
            sources = g.sources
            if src not in sources and len(sources) < 64:
                sources[src] = None
        self._observe(g, record)
        clock = self._clock
        if clock is None or t > clock:
            self._clock = t
            heap = self._heap
            if heap and heap[0][0] < t:
                closed.extend(self._expire(t))
        if not closed:
            return closed
        return [c for c in closed if self._keep(c)]

    def _push(self, g: Group[RecordT]) -> None:
        self._seq += 1
        heapq.heappush(self._heap, (g.close_at, self._seq, g.key))

    def _expire(self, now: datetime) -> Iterator[Group[RecordT]]:
        heap = self._heap
        while heap and heap[0][0] < now:
            deadline, _, k = heapq.heappop(heap)
            g = self._open.get(k)
            if g is None:
                continue
            actual = g.close_at
            if actual != deadline and actual >= now:  # the group grew since it was queued: requeue
                self._seq += 1
                heapq.heappush(heap, (actual, self._seq, k))
                continue
            del self._open[k]
            yield g

    def _keep(self, g: Group[RecordT]) -> bool:
        if g.worthy:
            return True
        self.skipped_groups += 1
        self.skipped_records += g.count
        self.skipped_events.update(g.events)
        return False

    def flush(self) -> list[Group[RecordT]]:
        rest = sorted(self._open.values(), key=lambda g: (g.first, g.key))
        self._open.clear()
        self._heap.clear()
        return [g for g in rest if self._keep(g)]


def group_all(grouper: Grouper[RecordT], records: Iterable[RecordT]) -> Iterator[Group[RecordT]]:
    for record in records:
        yield from grouper.add(record)
    yield from grouper.flush()


# --------------------------------------------------------------------------- building blocks


def creator_contact(name: str) -> Contact:
    """The producer of the document (RFC 7970 §3.9, role ``creator``)."""
    return mk(Contact, role="creator", type="organization", contact_names=[name])


def text_item(value: str, *, meaning: str | None = None, restriction: str | None = None) -> ExtensionType:
    return mk(ExtensionType, dtype="string", meaning=meaning, value=value, restriction=restriction)


def listed_of(what: str, total: int, shown: int, more: bool = False) -> str | None:
    """``"16 of 30 source addresses listed"`` when a list was cut, else ``None``.

    *total* is how many distinct values the group kept; *more* says it stopped keeping them (the
    count is then a lower bound). Incidents use this to say what they leave out.
    """
    if shown >= total and not more:
        return None
    return f"{min(shown, total)} of {'more than ' if more else ''}{total} {what} listed"


def not_listed_item(notes: list[str | None]) -> ExtensionType | None:
    """One AdditionalData item naming the lists an incident cut, or ``None`` when it cut none."""
    kept = [n for n in notes if n]
    return text_item("; ".join(kept), meaning="values-not-listed") if kept else None


def restriction_value(text: str) -> Restriction:
    """Check a restriction given on the command line or in options (RFC 7970 §3.3.1)."""
    try:
        return Restriction(text)
    except ValueError:
        allowed = ", ".join(r.value for r in Restriction if r.value != "ext-value")
        raise ValueError(f"unknown restriction {text!r}; use one of {allowed}") from None


def field_key(fields: tuple[str, ...]) -> Callable[[Any], tuple[str, ...]]:
    """A key function over record attributes (``None`` becomes ``-``)."""
    if len(fields) == 1:
        (only,) = fields

        def one(record: Any) -> tuple[str, ...]:
            v = getattr(record, only)
            return (v if v.__class__ is str else str(v) if v is not None else "-",)

        return one

    get = attrgetter(*fields)

    def many(record: Any) -> tuple[str, ...]:
        values = get(record)
        for v in values:
            if v.__class__ is not str:  # None, numbers, enumerations: spelled as before
                return tuple(str(x) if x is not None else "-" for x in values)
        return values

    return many


def check_keys(fields: tuple[str, ...], model: type[BaseModel]) -> None:
    known = set(model.model_fields) | {p for p in dir(model) if isinstance(getattr(model, p, None), property)}
    bad = [f for f in fields if f not in known]
    if bad:
        raise ValueError(
            f"unknown grouping key {', '.join(bad)}; {model.__name__} has {', '.join(sorted(known))}"
        )


def table_lookup(table: Mapping[str, bool], overrides: Mapping[str, bool] | None) -> Callable[[Any], bool]:
    """A test of whether a record's event type makes an incident (``*`` sets the default)."""
    merged = dict(table)
    if overrides:
        merged.update(overrides)
    default = merged.get("*", False)

    def worthy(record: Any) -> bool:
        return merged.get(record.event, default)

    return worthy


# --------------------------------------------------------------------------- XML safety

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _escape_char(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}"


def xml_text(value: str) -> str:
    """*value* with the characters XML 1.0 cannot hold written as ``\\xHH`` escapes."""
    return _NOT_XML.sub(_escape_char, value) if _NOT_XML.search(value) else value


def xml_safe(obj: Any) -> Any:
    """Make every string in a model tree XML-safe, in place (input text may hold control bytes)."""
    if isinstance(obj, IODEFModel):
        for name, value in obj.__dict__.items():
            if isinstance(value, str) and not isinstance(value, Enum):
                if _NOT_XML.search(value):
                    obj.__dict__[name] = xml_text(value)
            elif isinstance(value, (IODEFModel, list)):
                xml_safe(value)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            if isinstance(item, str) and not isinstance(item, Enum):
                if _NOT_XML.search(item):
                    obj[i] = xml_text(item)
            elif isinstance(item, (IODEFModel, list)):
                xml_safe(item)
    return obj


# --------------------------------------------------------------------------- fast construction

M = TypeVar("M", bound=IODEFModel)
_setattr = object.__setattr__


class _Shape:
    """What :func:`mk` needs to know of a class, worked out once."""

    __slots__ = ("enums", "ext", "ext_pairs", "lists", "members", "required", "scalars", "specs")

    def __init__(self, cls: type[IODEFModel]) -> None:
        plan = plan_of(cls)
        self.enums: dict[str, type[Enum]] = {}
        for name, info in cls.model_fields.items():
            args = typing.get_args(info.annotation) or (info.annotation,)
            for arg in args:
                if isinstance(arg, type) and issubclass(arg, Enum):
                    self.enums[name] = arg
        self.specs = {s.name: s for s in plan.specs}
        self.scalars = dict(plan.scalar_defaults)
        self.scalars["extra_attributes"] = None
        self.lists = tuple(plan.lists)
        self.required = tuple(s for s in plan.specs if s.required)
        self.ext = bool(plan.ext_pairs)
        self.ext_pairs = tuple(plan.ext_pairs)
        #: value -> member of each enumerated field, the lookup Enum's own call makes
        self.members = {name: dict(enum._value2member_map_) for name, enum in self.enums.items()}


_SHAPES: dict[type[Any], _Shape] = {}


def _coerce(spec: Spec, value: Any) -> Any:
    model = spec.model
    if model is not None:
        if isinstance(value, IODEFModel):
            return value
        if isinstance(value, dict):
            return mk(model, **value)
        return mk(model, value=value)  # a bare value of a simple-content class
    if spec.load is not None and isinstance(value, str) and not isinstance(value, Enum):
        try:
            return spec.load(value)  # enumerations: the member, or an error for a bad value
        except ValueError as exc:
            raise ValueError(f"{spec.name}: {exc}") from None
    return value


def mk(cls: type[M], **fields: Any) -> M:
    """Build a model object from values of the right types, without pydantic's validation pass.

    Converters build thousands of incidents from values they typed themselves; this does what
    the XML reader of :mod:`iodef.model` does (fill ``__dict__`` directly) while still checking
    enumerated values, required fields and ext-value pairs (RFC 7970 §5.1.1). Bare strings for
    simple-content children (``descriptions=["text"]``) and dicts for nested classes are accepted.
    """
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _Shape(cls)
    specs = shape.specs
    values = shape.scalars.copy()
    for name in shape.lists:
        values[name] = []
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
        if spec.many:
            values[name] = [_coerce(spec, v) for v in value]
        elif value is not None:
            members = shape.members.get(name)
            if members is not None and not isinstance(value, Enum):
                member = members.get(value)
                if member is None:
                    enum = shape.enums[name]
                    try:  # the XML reader keeps unknown values from peers; a converter writes only known ones
                        member = enum(value)
                    except ValueError:
                        raise ValueError(
                            f"{cls.__name__}.{name}: {value!r} is not a {enum.__name__} value"
                        ) from None
                values[name] = member
            else:
                values[name] = _coerce(spec, value)
    for spec in shape.required:
        got = values[spec.name]
        if got is None or (spec.many and not got):
            raise ValueError(f"{cls.__name__} needs {spec.name}")
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", values)
    _setattr(obj, "__pydantic_fields_set__", set(fields))
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", {"_xml": None})
    if shape.ext:
        # RFC 7970 §5.1.1, the test of IODEFModel.ext_value_problems() inline; its sentences
        # are asked for only when a pair is wrong
        for enum_name, _, ext_name, _ in shape.ext_pairs:
            value = values[enum_name]
            ext = values[ext_name]
            if value is None and ext is None:
                continue
            is_ext = value is not None and getattr(value, "value", value) == "ext-value"
            if (is_ext and not ext) or (ext is not None and not is_ext):
                problems = "; ".join(obj.ext_value_problems())  # the model's own sentences
                raise ValueError(f"{cls.__name__}: {problems}")
    return obj


R = TypeVar("R", bound=BaseModel)
_RECORD_DEFAULTS: dict[type[Any], tuple[dict[str, Any], tuple[str, ...], set[str]]] = {}


def fast_record(cls: type[R], values: dict[str, Any]) -> R:
    """A record from *values* a reader has already parsed and typed (its hot path).

    Fields left out take their defaults. Readers whose input is arbitrary JSON validate with
    ``model_validate`` instead.
    """
    got = _RECORD_DEFAULTS.get(cls)
    if got is None:
        defaults: dict[str, Any] = {}
        lists: list[str] = []
        for name, info in cls.model_fields.items():
            if info.is_required():
                continue
            if isinstance(info.default, list):
                lists.append(name)
            else:
                defaults[name] = info.default
        got = _RECORD_DEFAULTS[cls] = (defaults, tuple(lists), set(cls.model_fields))
    data = got[0].copy()
    for name in got[1]:
        data[name] = []
    data.update(values)
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", data)
    _setattr(obj, "__pydantic_fields_set__", got[2].copy())
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


def whole_record(cls: type[R], data: dict[str, Any], fields_set: set[str]) -> R:
    """Like :func:`fast_record` for a reader that supplies every field (the hottest path)."""
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", data)
    _setattr(obj, "__pydantic_fields_set__", fields_set.copy())
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


def stream_incidents(
    grouper: Grouper[RecordT],
    records: Iterable[RecordT],
    options: ConvertOptions,
    build: Callable[[Group[RecordT], ConvertOptions, Pseudonymizer], Incident],
) -> Iterator[Incident]:
    """Group *records* and yield one Incident per closed group that holds an incident-worthy event."""
    pseudo = Pseudonymizer(options.pseudonymize_key)
    for record in records:
        for group in grouper.add(record):
            yield build(group, options, pseudo)
    for group in grouper.flush():
        yield build(group, options, pseudo)


def one_document(incidents: Iterable[Incident]) -> IODEFDocument:
    """All *incidents* in one document; :class:`ConvertError` when there are none (§3.1 needs one)."""
    found = [xml_safe(i) for i in incidents]
    if not found:
        raise ConvertError("no incident-worthy records in the input")
    return mk(IODEFDocument, lang="en", incidents=found)  # the descriptions are English (RFC 7970 §6)


def family_grouper(
    options: ConvertOptions,
    record: type[RecordT],
    default_keys: tuple[str, ...],
    worthy: Callable[[Any], bool],
    observe: Callable[[Group[RecordT], RecordT], None],
    key: Callable[[tuple[str, ...]], Callable[[Any], Any]] = field_key,
) -> Grouper[RecordT]:
    """A family's Grouper: its grouping keys (checked against *record*), window and sample limits."""
    keys = options.keys or default_keys
    check_keys(keys, record)
    return Grouper(
        key(keys),
        worthy,
        observe,
        window=options.window,
        max_span=options.max_span,
        max_samples=options.max_samples,
    )


def accounts_record(
    users: list[str], more: bool, options: ConvertOptions, pseudo: Pseudonymizer
) -> RecordData:
    """RecordData (§3.22.1) listing the accounts an incident used, marked private, pseudonymised.

    *more* says the grouper stopped counting distinct accounts, so the count is a lower bound.
    """
    shown = options.max_samples
    listed = f"; the first {shown} listed" if len(users) > shown else ""
    return mk(
        RecordData,
        restriction=options.private_restriction,
        descriptions=[f"accounts used ({len(users)}{'+' if more else ''} distinct){listed}"],
        record_items=[text_item(pseudo(u), meaning="user-name") for u in users[:shown]],
    )
