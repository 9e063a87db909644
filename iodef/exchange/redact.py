"""Element-grain sharing: a document with the parts above a reader's clearance removed.

RFC 7970 §3.3.1 puts ``restriction`` on elements: a child inherits its parent's value and may
override it, stricter or looser; an Incident without one is ``private``. A peer cleared for
``amber`` may therefore read an ``amber`` Incident whose recipients are marked ``private``, minus
the recipients. :func:`redact` makes that view:

1. every element whose restriction (own or inherited) ranks above the clearance is removed,
   with everything inside it (a looser child inside a removed parent goes with it: over-withholding
   is the safe mistake);
2. where a removal leaves an element the schema or the RFC rules no longer accept (a Node without
   an Address, an Incident without a Contact), that element is withheld too, climbing towards the
   Incident; an Incident that cannot be kept valid is withheld whole;
3. a document with no Incident left is withheld whole: the reader does not see the entry at all;
4. otherwise the view says, in an ``AdditionalData`` (``meaning="withheld-parts"``, ``dtype="integer"``)
   at the end of the document, how many parts were withheld, and it is valid IODEF.

No placeholder text stands in for a withheld part: a placeholder would have to invent values for
required fields (a time, an address) that a reader could mistake for data.
"""

from __future__ import annotations

from copy import deepcopy
from dataclasses import dataclass
from typing import Final

from lxml import etree

from ..xml import IODEF_NS
from ._checks import Issue, check_document
from ._policy import PRIVATE_RANK, RESTRICTION_RANK, restriction_rank

__all__ = ["LEVEL_NAMES", "WITHHELD_MEANING", "Redaction", "clearance_rank", "redact", "sees_nothing"]

_I: Final = f"{{{IODEF_NS}}}"
_INCIDENT: Final = _I + "Incident"
WITHHELD_MEANING: Final = "withheld-parts"
#: The name a view's restriction is written with, by rank.
LEVEL_NAMES: Final = {0: "public", 1: "partner", 2: "need-to-know"}
_MAX_REPAIRS: Final = 200


@dataclass(frozen=True, slots=True)
class Redaction:
    """One reader's view of a document: its tree (None when nothing is left) and what was withheld."""

    root: etree._Element | None
    withheld: int
    rank: int

    @property
    def body(self) -> bytes | None:
        if self.root is None:
            return None
        data: bytes = etree.tostring(self.root, encoding="UTF-8", xml_declaration=True)
        return data


def clearance_rank(level: str) -> int:
    """The rank of a clearance level name (``public``/``white``, ``partner``/``green``,
    ``need-to-know``/``amber``); ValueError for anything else."""
    if level not in RESTRICTION_RANK or RESTRICTION_RANK[level] >= PRIVATE_RANK or level == "default":
        names = ", ".join(k for k, v in RESTRICTION_RANK.items() if v < PRIVATE_RANK and k != "default")
        raise ValueError(f"{level!r} is not a clearance level; one of {names}")
    return RESTRICTION_RANK[level]


def _own_rank(el: etree._Element, inherited: int) -> int:
    value = el.get("restriction")
    if value is not None:
        return restriction_rank(str(value))
    if el.tag == _INCIDENT:
        return PRIVATE_RANK  # RFC 7970 §3.3.1: the Incident's default
    return inherited


def _strip(root: etree._Element, max_rank: int) -> tuple[int, set[etree._Element]]:
    """Remove (in place) the elements above *max_rank*; return how many and their parents."""
    removed = 0
    touched: set[etree._Element] = set()
    stack: list[tuple[etree._Element, int]] = [(root, _root_rank(root))]
    while stack:
        el, rank = stack.pop()
        for child in list(el):
            if not isinstance(child.tag, str):
                continue
            r = _own_rank(child, rank)
            if r > max_rank:
                _remove(child)
                removed += 1
                touched.add(el)
            else:
                stack.append((child, r))
    return removed, touched


def _root_rank(root: etree._Element) -> int:
    value = root.get("restriction")
    return -1 if value is None else restriction_rank(str(value))


def _remove(el: etree._Element) -> None:
    parent = el.getparent()
    assert parent is not None
    # Keep the text that followed the element (whitespace between siblings).
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _path(el: etree._Element) -> str:
    """The element's path as the validator writes it: local names, ``[n]`` where a name repeats."""
    parts: list[str] = []
    cur: etree._Element | None = el
    while cur is not None:
        local = etree.QName(cur).localname
        parent = cur.getparent()
        if parent is not None:
            same = [c for c in parent if c.tag == cur.tag]
            if len(same) > 1:
                local += f"[{same.index(cur) + 1}]"
        parts.append(local)
        cur = parent
    return "/" + "/".join(reversed(parts))


def _key(issue: Issue) -> tuple[str, str, str]:
    return issue.rule, issue.path, issue.message


def _repair(
    root: etree._Element, touched: set[etree._Element], known: set[tuple[str, str, str]], profile: str
) -> int | None:
    """Withhold the elements a removal left unacceptable; return how many, None if the root must go."""
    removed = 0
    for _ in range(_MAX_REPAIRS):
        errors = [i for i in check_document(root, profile) if i.severity == "error" and _key(i) not in known]
        if not errors:
            return removed
        paths = {i.path for i in errors}
        # Prefer the elements whose content was cut (their paths name them); else whatever the
        # error names (a reference left dangling by a removal).
        live = [el for el in touched if el.getparent() is not None or el is root]
        targets = [el for el in live if _path(el) in paths]
        if not targets:
            targets = [el for el in root.iter() if isinstance(el.tag, str) and _path(el) in paths]
        if not targets or any(el is root for el in targets):
            return None
        for el in targets:
            parent = el.getparent()
            if parent is None:  # already removed with an ancestor in this round
                continue
            _remove(el)
            removed += 1
            touched.discard(el)
            touched.add(parent)
    return None


def sees_nothing(root: etree._Element, max_rank: int) -> bool:
    """Whether a reader cleared up to *max_rank* (below private) gets nothing of the document *root*:
    the document, or each of its Incidents, is marked stricter (an Incident without a mark is private).

    The common case, a document restricted as a whole at its Incident: decided without a copy.
    """
    inherited = _root_rank(root)
    if inherited > max_rank:
        return True
    # (A walk of the children: cheaper than setting up lxml's search by tag for the one or few.)
    return not any(child.tag == _INCIDENT and _own_rank(child, inherited) <= max_rank for child in root)


def redact(root: etree._Element, max_rank: int, *, profile: str = "rfc7970") -> Redaction:
    """The view of the document *root* for a reader cleared up to *max_rank* (see the module doc).

    *root* is not changed. Errors the document already had are not blamed on the redaction.
    """
    if max_rank >= PRIVATE_RANK:
        return Redaction(root, 0, max_rank)
    if sees_nothing(root, max_rank):
        return Redaction(None, 0, max_rank)
    view = deepcopy(root)
    removed, touched = _strip(view, max_rank)
    if removed == 0:
        return Redaction(view, 0, max_rank)
    known = {_key(i) for i in check_document(root, profile) if i.severity == "error"}
    repaired = _repair(view, touched, known, profile)
    if repaired is None or view.find(_INCIDENT) is None:
        return Redaction(None, 0, max_rank)
    withheld = removed + repaired
    note = etree.SubElement(
        view,
        _I + "AdditionalData",
        {"dtype": "integer", "meaning": WITHHELD_MEANING, "restriction": LEVEL_NAMES[max(max_rank, 0)]},
    )
    note.text = str(withheld)
    return Redaction(view, withheld, max_rank)


def views(root: etree._Element, strictest: int, *, profile: str = "rfc7970") -> dict[int, Redaction]:
    """The views of a document for every clearance below its strictest part (rank 2 down to 0).

    A rank missing from the result sees nothing of it (nor does any lower one).
    """
    out: dict[int, Redaction] = {}
    for rank in range(min(strictest, PRIVATE_RANK) - 1, -1, -1):
        view = redact(root, rank, profile=profile)
        if view.root is None:
            break
        out[rank] = view
    return out
