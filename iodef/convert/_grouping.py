"""Grouping records into incidents: session windows keyed by record fields.

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
from collections import Counter as _Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import attrgetter, itemgetter
from typing import Any, Final, Generic

from pydantic import BaseModel

from ..model import Incident
from ._building import whole_record
from ._identity import Pseudonymizer, UniqueIds
from ._options import ConvertOptions, RecordT
from ._times import _EPOCH_MIN, iso

__all__ = [
    "Fields",
    "Group",
    "Grouper",
    "Row",
    "check_keys",
    "family_grouper",
    "field_key",
    "group_all",
    "row_key",
    "stream_incidents",
    "table_lookup",
]


_LATEST: Final = datetime.max.replace(tzinfo=UTC)
_NONE_CLOSED: Final[list[Any]] = []  # what add() returns when no group closed (never filled)


def _shift(t: datetime, by: timedelta) -> datetime:
    """*t* + *by*, held at the ends of datetime's range instead of overflowing."""
    try:
        return t + by
    except OverflowError:
        return _LATEST if by > timedelta(0) else _EPOCH_MIN


@dataclass(slots=True, init=False)
class Group(Generic[RecordT]):
    """The records of one incident-to-be: counts, first/last time, samples and distinct values.

    ``Group(key, time)``: the group of one record so far, at *time*.
    """

    key: tuple[str, ...]
    first: datetime
    last: datetime
    count: int
    events: _Counter[str]
    samples: list[RecordT]
    firsts: dict[str, RecordT]
    distinct: dict[str, dict[str, None]]
    seen: dict[Any, Any]  # the family's distinct signatures of its records (and what it keeps with each)
    state: dict[str, Any]
    #: when the group closes (its last record + window, capped by first + max_span), and the
    #: earliest time a late record may still join it. ``close_at`` may lag behind: it is worked
    #: out again from ``tail`` (the time of the record that last moved ``last`` on) only when a
    #: record or the clock reaches it, not on every record
    close_at: datetime
    tail: datetime
    open_at: datetime
    span_end: datetime
    overflow: set[str]
    sources: dict[str, None]
    worthy: bool

    def __init__(self, key: tuple[str, ...], time: datetime) -> None:
        # a group is made for every record of a source seen once in a window (scans, sessions from
        # many clients): two positional arguments and literal containers cost a third of what the
        # dataclass's own __init__ (keyword arguments, a factory call per container) cost, and an
        # empty Counter is made without Counter.__init__'s Python-level update() call
        self.key = key
        self.first = self.last = self.tail = time
        self.count = 0
        self.events = _Counter.__new__(_Counter)
        self.samples = []
        self.firsts = {}
        self.distinct = {}
        self.seen = {}
        self.state = {}
        self.close_at = self.open_at = self.span_end = _EPOCH_MIN
        self.overflow = set()
        self.sources = {}
        self.worthy = False

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
        """A stable identifier of this group: the same records give the same ID.

        Besides the key, times and count, the line of the group's first record is part of it: a
        record that reopens a closed group starts a group of its own ID; a second copy of an input
        repeats the IDs of the first, which :class:`~iodef.convert._identity.UniqueIds` then
        tells apart within the run.
        """
        head = self.samples[0] if self.samples else None
        where = [str(head.line or "")] if head is not None else []
        material = "\x1f".join(
            [family, name, *self.key, iso(self.first), iso(self.last), str(self.count), *where]
        ).encode("utf-8")
        if key is not None:
            return hmac.new(key, material, hashlib.sha256).hexdigest()[:24]
        return hashlib.sha256(material).hexdigest()[:24]


#: a light row: a record's fields by name, every field present, in the model's order, already of
#: their types (what a reader would put in the record's ``__dict__``)
Row = dict[str, Any]
#: a positional row: the values of a :data:`Row` alone, in the model's order (a family whose
#: Grouper is made with ``positional=True`` reads its rows by index: a tuple costs a reader a
#: fraction of a 25-key dict, and an index a fraction of a look-up by name)
Fields = tuple[Any, ...]


class Grouper(Generic[RecordT]):
    """Session windows over a stream of records, keyed by record fields.

    ``add(record)`` returns the groups that closed because the input's time moved past them;
    ``flush()`` returns the rest at the end. ``add_row(row)`` does the same for a light row (a
    :data:`Row`, what the fastest readers yield): most records are only counted, so the typed
    record (of *record_type*) is made only for those a group keeps as samples. The family's
    *key*, *worthy*, *classify* and *observe* read the row (a record's ``__dict__``), or with
    *positional* its values (:data:`Fields`; records added are turned into them, and *classify*,
    which renames an event in place, is not for them).

    A group closes when ``window`` has passed since its last record, or ``max_span`` since its
    first. Input need not be sorted: records within the
    window of an open group join it; a record older than a closed group starts a new group.
    """

    def __init__(
        self,
        key: Callable[[Any], tuple[str, ...]],
        worthy: Callable[[Any], bool],
        observe: Callable[[Group[RecordT], Any], None],
        *,
        window: timedelta,
        max_span: timedelta,
        max_samples: int,
        classify: Callable[[Row], str] | None = None,
        classify_events: Iterable[str] | None = None,
        record_type: type[RecordT] | None = None,
        positional: bool = False,
    ) -> None:
        self._record_type = record_type
        names = tuple(record_type.model_fields) if record_type is not None else ()
        self._all_fields = set(names)
        #: with *positional*: the field names of a row's values, and a record's values by them
        self._names = names if positional else None
        self._values = itemgetter(*names) if positional else None
        #: where a row holds the fields the Grouper reads itself: names, or indices
        self._at: tuple[Any, Any, Any] = (
            (names.index("time"), names.index("event"), names.index("source"))
            if positional
            else ("time", "event", "source")
        )
        self._classify = classify
        #: the events *classify* may rename (all when ``None``): the others skip the call
        self._classify_events = frozenset(classify_events) if classify_events is not None else None
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
        values = self._values
        return self.add_row(record.__dict__ if values is None else values(record.__dict__), record)

    def _record(self, row: Any) -> RecordT:
        cls = self._record_type
        if cls is None:
            raise TypeError("add_row() needs a Grouper made with record_type")
        names = self._names
        return whole_record(
            cls, row if names is None else dict(zip(names, row, strict=True)), self._all_fields
        )

    def add_row(self, d: Any, record: RecordT | None = None) -> list[Group[RecordT]]:
        """Add a light row (see :data:`Row`, or :data:`Fields` for a positional Grouper); its
        record is made only if a group keeps it (or is *record*, whose fields the row holds)."""
        # the hot path of every conversion: locals rather than repeated attribute lookups, and
        # no list made for the (usual) record that closes no group
        self.records += 1
        at_time, at_event, at_source = self._at
        classify = self._classify
        if classify is not None and (self._classify_events is None or d[at_event] in self._classify_events):
            # the family's finer name for the event (a session inside private address space is an
            # internal-session): counted, tested and reported under that name. Set in the record's
            # __dict__ (pydantic's __setattr__ costs more than the rest of this line of the log).
            event = classify(d)
            if event is not d[at_event]:
                d[at_event] = event
        t = d[at_time]
        k = self._key(d)
        opened = self._open
        g = opened.get(k)
        closed: list[Group[RecordT]] | None = None
        if g is not None and (t < g.open_at or (t > g.close_at and t > self._close_at(g))):
            closed = [g]
            del opened[k]
            g = None
        if g is None:
            g = Group(k, t)
            span_end = g.span_end = _shift(t, self._span)
            ca = _shift(t, self._window)
            g.close_at = ca if ca < span_end else span_end
            g.open_at = _shift(t, -self._window)
            opened[k] = g
            self._push(g)
        elif t > g.last:
            g.last = g.tail = t  # close_at follows when it is next needed (_close_at)
        elif t < g.first:
            g.first = t
            g.open_at = t - self._window
        g.count += 1
        event = d[at_event]
        g.events[event] += 1
        if not g.worthy and self._worthy(d):
            g.worthy = True
        samples = g.samples
        if len(samples) < self._max_samples:
            samples.append(record if record is not None else self._record(d))
        else:
            firsts = g.firsts
            if event not in firsts and len(firsts) < 32:
                firsts[event] = record if record is not None else self._record(d)
        src = d[at_source]
        if src is not None:
            sources = g.sources
            if src not in sources and len(sources) < 64:
                sources[src] = None
        self._observe(g, d)
        clock = self._clock
        if clock is None or t > clock:
            self._clock = t
            heap = self._heap
            if heap and heap[0][0] < t:
                if closed is None:
                    closed = []
                closed.extend(self._expire(t))
        if closed is None:
            return _NONE_CLOSED
        return [c for c in closed if self._keep(c)]

    def _close_at(self, g: Group[RecordT]) -> datetime:
        """The group's closing time brought up to date: its tail + window, capped by its span."""
        try:
            ca = g.tail + self._window
        except OverflowError:
            ca = _LATEST
        span_end = g.span_end
        ca = g.close_at = ca if ca < span_end else span_end
        return ca

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
            actual = self._close_at(g)
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
        skipped = self.skipped_events
        for event, n in g.events.items():  # Counter.update(), without its Mapping test
            skipped[event] += n
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


class _Attributes:
    """A row read as attributes, for the properties of a record (``origin``) used as keys."""

    __slots__ = ("_row",)

    def __init__(self, row: Row) -> None:
        self._row = row

    def __getattr__(self, name: str) -> Any:
        try:
            return self._row[name]
        except KeyError:
            raise AttributeError(name) from None


def row_key(
    fields: tuple[str, ...], model: type[BaseModel], *, positional: bool = False
) -> Callable[[Any], tuple[str, ...]]:
    """:func:`field_key` over rows (record ``__dict__``): fields read by name, a property of
    *model* (``origin``) computed from the row. With *positional*, over :data:`Fields` (whose
    model has no properties to key by)."""
    props = {f: getattr(model, f).fget for f in fields if isinstance(getattr(model, f, None), property)}
    if positional and props:
        raise TypeError(f"positional rows of {model.__name__} cannot be keyed by a property")
    if not props:
        names = list(model.model_fields)
        get = itemgetter(*(names.index(f) for f in fields)) if positional else itemgetter(*fields)
        if len(fields) == 1:
            return lambda row: _spelled((get(row),))
        if all(model.model_fields[f].annotation is str for f in fields):
            # fields that always hold text (spam's channel and sender) need no spelling: the C
            # call alone is the key (one call per record, without a Python frame)
            return get

        def plain(row: Row) -> tuple[str, ...]:
            # one call per record: _spelled()'s test inline, for the usual key of strings only
            values: tuple[Any, ...] = get(row)
            for v in values:
                if v.__class__ is not str:
                    return _spelled(values)
            return values

        return plain

    def key(row: Row) -> tuple[str, ...]:
        view = _Attributes(row)
        return _spelled(tuple(props[f](view) if f in props else row[f] for f in fields))

    return key


def _spelled(values: tuple[Any, ...]) -> tuple[str, ...]:
    for v in values:
        if v.__class__ is not str:  # None, numbers, enumerations: spelled as field_key spells them
            return tuple(x if x.__class__ is str else str(x) if x is not None else "-" for x in values)
    return values


def record_fields(model: type[BaseModel]) -> set[str]:
    """The fields a record can be grouped by: its model fields and its own properties (``origin``),
    not pydantic's (``model_extra`` ...)."""
    props = {
        p for p in dir(model) if not p.startswith("model_") and isinstance(getattr(model, p, None), property)
    }
    return set(model.model_fields) | props


def check_keys(fields: tuple[str, ...], model: type[BaseModel]) -> None:
    known = record_fields(model)
    bad = [f for f in fields if f not in known]
    if bad:
        raise ValueError(
            f"unknown grouping key {', '.join(bad)}; {model.__name__} has {', '.join(sorted(known))}"
        )


def table_lookup(
    table: Mapping[str, bool], overrides: Mapping[str, bool] | None, event: str | int = "event"
) -> Callable[[Any], bool]:
    """A test of whether a row's event type makes an incident (``*`` sets the default). *event*
    is where a row holds it: its name, or its index in :data:`Fields`."""
    merged = dict(table)
    if overrides:
        merged.update(overrides)
    default = merged.get("*", False)

    def worthy(row: Any) -> bool:
        return merged.get(row[event], default)

    return worthy


def family_grouper(
    options: ConvertOptions,
    record: type[RecordT],
    default_keys: tuple[str, ...],
    worthy: Callable[[Any], bool],
    observe: Callable[[Group[RecordT], Any], None],
    key: Callable[[tuple[str, ...]], Callable[[Row], Any]] | None = None,
    classify: Callable[[Row], str] | None = None,
    classify_events: Iterable[str] | None = None,
    positional: bool = False,
) -> Grouper[RecordT]:
    """A family's Grouper: its grouping keys (checked against *record*), window and sample limits;
    with *positional*, over :data:`Fields`."""
    keys = options.keys or default_keys
    check_keys(keys, record)
    return Grouper(
        key(keys) if key is not None else row_key(keys, record, positional=positional),
        worthy,
        observe,
        window=options.window,
        max_span=options.max_span,
        max_samples=options.max_samples,
        classify=classify,
        classify_events=classify_events,
        record_type=record,
        positional=positional,
    )


def stream_incidents(
    grouper: Grouper[RecordT],
    records: Iterable[RecordT],
    options: ConvertOptions,
    build: Callable[[Group[RecordT], ConvertOptions, Pseudonymizer], Incident],
) -> Iterator[Incident]:
    """Group *records* and yield one Incident per closed group that holds an incident-worthy event."""
    pseudo = Pseudonymizer(options.pseudonymize_key)
    unique = UniqueIds()
    for record in records:
        for group in grouper.add(record):
            yield unique(build(group, options, pseudo))
    for group in grouper.flush():
        yield unique(build(group, options, pseudo))
