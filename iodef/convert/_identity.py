"""Identity and pseudonyms: keyed hashing of personal data, and the accounts an incident used."""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from ..model import ExtensionType, Incident, RecordData
from ._building import mk, text_item
from ._options import ConvertOptions

__all__ = ["PSEUDONYM_KIND", "Pseudonymizer", "UniqueIds", "accounts_record"]

PSEUDONYM_KIND: Final = "pseudonym"


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


def accounts_record(
    users: list[str], more: bool, options: ConvertOptions, pseudo: Pseudonymizer
) -> RecordData:
    """RecordData (§3.22.1) listing the accounts an incident used: private in the clear;
    pseudonymised, at the incident's level (:meth:`ConvertOptions.personal`).

    *more* says the grouper stopped counting distinct accounts, so the count is a lower bound.
    """
    shown = options.max_samples
    listed = f"; the first {shown} listed" if len(users) > shown else ""
    return mk(
        RecordData,
        restriction=options.personal(pseudo.active),
        descriptions=[f"accounts used ({len(users)}{'+' if more else ''} distinct){listed}"],
        record_items=[text_item(pseudo(u), meaning="user-name") for u in users[:shown]],
    )


class UniqueIds:
    """Keeps the IncidentIDs of one run unique (RFC 7970 §3.4: one ID, one incident).

    Group digests differ whenever the groups' first records differ; should two still agree (the
    same file converted twice under one name in one run), the later gets ``-2``, ``-3`` ...
    Remembers 64 bits of each ID issued, a few dozen bytes per incident.
    """

    def __init__(self) -> None:
        self._seen: set[int] = set()

    def __call__(self, incident: Incident) -> Incident:
        ident = incident.incident_id
        value = ident.value
        h = hash(value)
        if h in self._seen:
            n = 2
            while hash(f"{value}-{n}") in self._seen:
                n += 1
            value = f"{value}-{n}"
            ident.__dict__["value"] = value  # built by mk(); no validation to re-run
            h = hash(value)
        self._seen.add(h)
        return incident
