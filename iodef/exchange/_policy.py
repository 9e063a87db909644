"""Who may read what: the order of IODEF restriction values (RFC 7970 §3.3.1 and the TLP names)."""

from __future__ import annotations

from typing import Final

__all__ = ["PRIVATE_RANK", "RESTRICTION_RANK", "restriction_rank"]

#: How far a restriction keeps a document from others: public < partner < need-to-know < private.
#: TLP names sit beside their RFC 7970 equivalents. ``default`` ("a policy arranged between the
#: parties", RFC 7970 §3.3.1) and unknown values are treated as need-to-know, never as public.
RESTRICTION_RANK: Final[dict[str, int]] = {
    "public": 0,
    "white": 0,
    "partner": 1,
    "green": 1,
    "need-to-know": 2,
    "amber": 2,
    "default": 2,
    "private": 3,
    "red": 3,
}
PRIVATE_RANK: Final = 3


def restriction_rank(value: str | None) -> int:
    """Rank of a restriction value; ``None`` (absent on an Incident) is ``private`` per RFC 7970 §3.3.1."""
    if value is None:
        return PRIVATE_RANK
    return RESTRICTION_RANK.get(value, 2)
