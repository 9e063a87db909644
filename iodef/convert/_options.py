"""What a conversion is asked to do: the options, and the fields every input record carries."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Final, TypeVar

from pydantic import BaseModel, ConfigDict, field_validator

from ..model import Restriction
from ._times import in_range

__all__ = ["BaseRecord", "ConvertOptions", "RecordT", "event_table", "restriction_value"]


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

    @field_validator("time")
    @classmethod
    def _time_in_range(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return in_range(value)


RecordT = TypeVar("RecordT", bound=BaseRecord)


@dataclass(frozen=True)
class ConvertOptions:
    """How records become incidents; every field has a sensible default.

    - ``name``: the producer's name for IncidentID@name (a domain name, RFC 7970 §3.4).
    - ``window``: records with the same key closer than this to the group's last record are one
      incident (a session window).  ``max_span`` caps how long one incident can grow.
    - ``keys``: the record fields that make up the grouping key (family default when ``None``).
    - ``incident_table``: overrides of the family's table of event type -> becomes an incident.
    - ``restriction``: the Incident's restriction; ``private_restriction`` marks personal data in
      the clear (recipients, bodies, user names, raw lines); see :meth:`personal`.
    - ``pseudonymize_key``: when set, personal data is replaced by keyed hashes (HMAC-SHA-256) and
      raw lines and bodies are left out; the document says so in AdditionalData, and the hashed
      values are marked no higher than the Incident (they are no longer personal data in the clear).
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

    def personal(self, pseudonymised: bool) -> str | None:
        """The ``restriction`` of a part that holds personal data (RFC 7970 §3.3.1).

        In the clear: ``private_restriction``. Pseudonymised (keyed hashes, which without the key
        can neither be reversed nor confirmed): no higher than the Incident's restriction, so the
        whole incident reaches a peer cleared for the Incident; ``None`` means "inherit the
        Incident's", and a ``private_restriction`` set lower than the Incident's still applies.
        """
        if not pseudonymised:
            return self.private_restriction
        if _rank(self.private_restriction) < _rank(self.restriction):
            return self.private_restriction
        return None


#: Who may read what, least to most restricted (RFC 7970 §3.3.1 values beside their TLP names);
#: ``default`` and unknown values count as need-to-know.
_RANKS: Final[dict[str, int]] = {
    "public": 0,
    "white": 0,
    "partner": 1,
    "green": 1,
    "need-to-know": 2,
    "amber": 2,
    "private": 3,
    "red": 3,
}


def _rank(value: str) -> int:
    return _RANKS.get(value, 2)


def restriction_value(text: str) -> Restriction:
    """Check a restriction given on the command line or in options (RFC 7970 §3.3.1)."""
    try:
        return Restriction(text)
    except ValueError:
        allowed = ", ".join(r.value for r in Restriction if r.value != "ext-value")
        raise ValueError(f"unknown restriction {text!r}; use one of {allowed}") from None


def event_table(doc: str | None) -> list[tuple[str, str, str]]:
    """``(event, incident yes/no, meaning)`` rows of the event table in a family's docstring.

    The table is written once, for readers of the module, and read here for ``--events``.
    """
    rows: list[tuple[str, str, str]] = []
    rules = 0
    for line in (doc or "").splitlines():
        if line.startswith("==="):
            rules += 1
            continue
        if rules == 2 and line.strip():
            event, incident, meaning = [*line.split(None, 2), "", ""][:3]
            rows.append((event, incident, meaning.strip()))
    return rows
