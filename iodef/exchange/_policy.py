"""Who may read what: the order of IODEF restriction values (RFC 7970 §3.3.1 and the TLP names)."""

from __future__ import annotations

from typing import Final

from lxml import etree

from ..xml import IODEF_NS

__all__ = ["PRIVATE_RANK", "RESTRICTION_RANK", "effective_restriction", "restriction_rank"]

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
#: Every ``restriction`` attribute in and under an element (an element's own: in a processing
#: instruction it is no attribute), and every Incident without one, in document order.
_RESTRICTIONS: Final = etree.XPath(
    "descendant-or-self::*/@restriction | descendant-or-self::i:Incident[not(@restriction)]",
    namespaces={"i": IODEF_NS},
    smart_strings=False,
)


def restriction_rank(value: str | None) -> int:
    """Rank of a restriction value; ``None`` (absent on an Incident) is ``private`` per RFC 7970 §3.3.1."""
    if value is None:
        return PRIVATE_RANK
    return RESTRICTION_RANK.get(value, 2)


def effective_restriction(root: etree._Element) -> str | None:
    """The restriction that decides who may have the whole document: the strictest one in it.

    RFC 7970 §3.3.1 lets a child element's ``restriction`` override its parent's, so a ``public``
    Incident may hold a ``red`` Contact; served or sent whole, the document is as restricted as its
    most restricted part. Every element's ``restriction`` counts (extension content too: for access
    control, over-restricting is the safe mistake). An Incident without one counts as ``private``
    (the RFC's default). ``None`` only when nothing in the document carries a restriction.
    """
    strictest: str | None = None
    rank = -1
    # One XPath search, in document order, instead of a Python step (and an element object) for
    # every element: a third less CPU on a small document, far less on a large one.
    for found in _RESTRICTIONS(root):
        if not isinstance(found, str):  # an Incident without a restriction: private, nothing ranks higher
            return "private"
        r = restriction_rank(found)
        if r > rank:
            strictest, rank = found, r
            if rank >= PRIVATE_RANK:
                break  # nothing ranks higher, and the first of equals stands
    return strictest
