"""The exchange store's tables and records: :class:`NewDocument` in, :class:`Entry` out.

Shared by :mod:`iodef.exchange.store` (reading, opening) and :mod:`iodef.exchange._write` (the
write path); both re-export what they use, so ``from iodef.exchange.store import ...`` keeps working.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa

__all__ = [
    "META_COLUMNS",
    "Entry",
    "NewDocument",
    "StorageUnavailableError",
    "entries",
    "metadata",
    "received_table",
    "views",
]

metadata = sa.MetaData()

#: The columns of the two unique keys, in index order (see the table below).
REPEAT_KEY: Final = ("digest", "feed", "sender")
VERSION_KEY: Final = ("incident_id", "incident_name", "feed", "sender", "version")

entries = sa.Table(
    "iodef_entries",
    metadata,
    sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("entry_id", sa.String(36), nullable=False, unique=True),
    sa.Column("feed", sa.String(100), nullable=False),
    sa.Column("sender", sa.String(200), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("incident_name", sa.String(500), nullable=True),
    sa.Column("incident_id", sa.String(500), nullable=True),
    sa.Column("purpose", sa.String(100), nullable=True),
    sa.Column("restriction", sa.String(100), nullable=True),
    sa.Column("restriction_rank", sa.SmallInteger(), nullable=False),
    sa.Column("visible_rank", sa.SmallInteger(), nullable=False, server_default="0"),
    sa.Column("generation_time", sa.String(64), nullable=True),
    sa.Column("report_time", sa.String(64), nullable=True),
    sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("previous_entry_id", sa.String(36), nullable=True),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
    # Each key leads with the column only its own lookup names (the digest, the IncidentID), never
    # with (feed, sender): all rows of one peer's feed share those, and PostgreSQL, before its first
    # ANALYZE of a new table, weighed both keys alike and could answer the repeat lookup from the
    # version key, reading every row of the peer's feed (about 1 ms a document at 3,000 documents,
    # growing with the table). Led by a column the other lookup does not name, each lookup has one
    # index it can use. (Stores made before this order are rebuilt so on PostgreSQL: Store._upgrade.)
    sa.UniqueConstraint(*REPEAT_KEY, name="uq_iodef_entries_repeat"),
    sa.UniqueConstraint(*VERSION_KEY, name="uq_iodef_entries_version"),
    sa.Index("ix_iodef_entries_feed_received", "feed", "received", "seq"),
)

views = sa.Table(
    "iodef_views",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("rank", sa.SmallInteger(), primary_key=True),
    sa.Column("withheld", sa.Integer(), nullable=False),
    sa.Column("restriction", sa.String(100), nullable=True),
    sa.Column("body", sa.LargeBinary(), nullable=False),
)

#: The bytes a peer sent when the stored document is not them (RFC 8727 JSON or CBOR, an IODEF v1
#: document stored upgraded): kept as received, served only to readers cleared for the whole document.
received_table = sa.Table(
    "iodef_received",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
)

META_COLUMNS: Final = [c for c in entries.c if c.name != "body"]


class StorageUnavailableError(Exception):
    """The database cannot be reached or is busy; the request may be retried later."""


@dataclass(frozen=True, slots=True)
class NewDocument:
    """What the server hands the store for one accepted document."""

    feed: str
    sender: str
    digest: str
    body: bytes
    incident_name: str | None
    incident_id: str | None
    purpose: str | None
    restriction: str | None
    generation_time: str | None
    report_time: str | None
    #: The lowest reader rank that gets anything of it (its strictest rank when no view exists).
    visible_rank: int | None = None
    #: Redacted views by reader rank: (parts withheld, the view's restriction, its bytes).
    views: tuple[tuple[int, int, str | None, bytes], ...] = ()
    #: The digest earlier versions computed (called only when the incident is already stored).
    legacy_digest: Callable[[], str] | None = None
    #: ``(media type, bytes)`` as the peer sent them, when *body* is not those bytes (JSON, CBOR, v1).
    received: tuple[str, bytes] | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored document's index (without its bytes)."""

    seq: int
    entry_id: str
    feed: str
    sender: str
    digest: str
    incident_name: str | None
    incident_id: str | None
    purpose: str | None
    restriction: str | None
    restriction_rank: int
    generation_time: str | None
    report_time: str | None
    received: datetime
    version: int
    previous_entry_id: str | None
    size: int
    visible_rank: int = 0
    #: Parts withheld from the reader this entry was read for (0: served whole).
    withheld: int = 0

    @classmethod
    def _from_row(cls, row: Any) -> Entry:
        received: datetime = row.received
        if received.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
            received = received.replace(tzinfo=UTC)
        return cls(
            seq=int(row.seq),
            entry_id=row.entry_id,
            feed=row.feed,
            sender=row.sender,
            digest=row.digest,
            incident_name=row.incident_name,
            incident_id=row.incident_id,
            purpose=row.purpose,
            restriction=row.restriction,
            restriction_rank=int(row.restriction_rank),
            generation_time=row.generation_time,
            report_time=row.report_time,
            received=received,
            version=int(row.version),
            previous_entry_id=row.previous_entry_id,
            size=int(row.size),
            visible_rank=int(row.visible_rank),
        )

    def for_reader(self, withheld: int, restriction: str | None) -> Entry:
        return replace(self, withheld=withheld, restriction=restriction)
