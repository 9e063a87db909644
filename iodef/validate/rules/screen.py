"""The screen: answers "can any per-element handler report on this document?" in one cheap pass."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Final

from lxml import etree

from ..syntax import _ADDRESS_CHECKS, _PORTLIST, _SIMPLE_PORTS, _ipv6_compressed, portlist_problem
from . import _accel
from ._context import _P, _WS, _Ctx
from .assessment import _check_confidence
from .datatypes import _check_extension
from .dispatch import _HANDLERS, _TAGS, _Handler
from .event import _check_address, _check_portlist, _check_service
from .structure import _REQUIRED_CHILD, _REQUIRED_CLARK, _check_required_child
from .times import _DATETIME_TAGS, _TIME_ORDER, _TIME_TAGS, _check_times

# --------------------------------------------------------------------------- the screen
#
# Most documents break no rule, and visiting each of their elements from Python is what a
# rule check costs. So the per-element handlers above run (all of them, in document order,
# exactly as written) only when _may_report() says some element might give an issue.
# _may_report() is a screen: for the elements that are common in real documents it asks, with
# as few lxml calls as possible, the same question the handler asks, answers repeated values
# from a memo, and for every other element it runs the handlers themselves on a scratch
# context. It returns False only when no handler would add an issue, so the issues are the
# same with or without it (tests/validate/test_rule_screen.py checks both ways on every
# fixture).

_ADDRESS: Final = f"{_P}Address"
_PORTLIST_TAG: Final = f"{_P}Portlist"
_NODE: Final = f"{_P}Node"
_SERVICE: Final = f"{_P}Service"
_EVENT_DATA: Final = f"{_P}EventData"
_RECORD_DATA: Final = f"{_P}RecordData"
_RECORD_ITEM: Final = f"{_P}RecordItem"
_NAMESERVERS: Final = f"{_P}Nameservers"
_MEMO_MAX: Final = 65536
_address_memo: dict[tuple[str | None, str | None], bool] = {}
_portlist_memo: dict[str | None, bool] = {}


_HEX_COLON: Final = frozenset("0123456789abcdef:")


def _ipv6_plainly_canonical(text: str) -> bool:
    """True when *text* is an IPv6 address exactly as ``ipaddress`` writes it (RFC 5952); False
    when that takes ``ipaddress`` to tell. Decided here for the usual forms, a few times faster:
    lower-case hex groups without leading zeros, the longest run of two or more zero groups (the
    first of equal runs) written ``::``, no embedded IPv4, no zone."""
    if not text or not _HEX_COLON.issuperset(text):
        return False
    head, sep, tail = text.partition("::")
    if "::" in tail:
        return False
    left = head.split(":") if head else []
    right = tail.split(":") if tail else []
    groups = left + right
    if any(not g or len(g) > 4 or (len(g) > 1 and g[0] == "0") for g in groups):
        return False
    if not sep:
        if len(groups) != 8:
            return False
        hextets = groups
    else:
        gap = 8 - len(groups)
        if gap < 2:
            return False
        hextets = left + ["0"] * gap + right
    # ipaddress's compression: the longest run of "0" groups longer than one, the first of equals
    best_start, best_len, start = -1, 0, -1
    for i, g in enumerate(hextets):
        if g == "0":
            if start < 0:
                start = i
            if i - start + 1 > best_len:
                best_start, best_len = start, i - start + 1
        else:
            start = -1
    if best_len < 2:
        return not sep
    return bool(sep) and len(left) == best_start and len(right) == 8 - best_start - best_len


def _address_clean(category: str | None, raw: str | None) -> bool:
    """Whether _check_address adds nothing for this category and text (not under Nameservers)."""
    key = (category, raw)
    known = _address_memo.get(key)
    if known is not None:
        return known
    text = (raw or "").strip(_WS)
    if category in (None, "ipv6-addr") and _ipv6_plainly_canonical(text):
        clean = True  # what the checks below would answer, without ipaddress
    elif (check := _ADDRESS_CHECKS.get(category if category is not None else "ipv6-addr")) is None:
        clean = True
    elif not check[0](text):
        clean = False
    else:
        clean = category not in (None, "ipv6-addr") or _ipv6_compressed(text) == text
    if len(_address_memo) >= _MEMO_MAX:
        _address_memo.clear()
    _address_memo[key] = clean
    return clean


def _portlist_clean(raw: str | None) -> bool:
    """Whether _check_portlist adds nothing for this text."""
    known = _portlist_memo.get(raw)
    if known is not None:
        return known
    text = (raw or "").strip(_WS)
    clean = (
        _SIMPLE_PORTS.fullmatch(text) is not None
        or _PORTLIST.fullmatch(text) is None
        or portlist_problem(text) is None
    )
    if len(_portlist_memo) >= _MEMO_MAX:
        _portlist_memo.clear()
    _portlist_memo[raw] = clean
    return clean


def _needs_child(name: str, profile: str) -> bool:
    return profile in _REQUIRED_CHILD[name][2]


class _Screen:
    """The screen's question for one element: can any of its handlers report on it?"""

    __slots__ = ("event_needs_child", "node_needs", "record_data_needs", "scratch", "service_needs_child")

    def __init__(self, root: etree._Element, profile: str, path_of: Callable[[etree._Element], str]) -> None:
        self.node_needs = _REQUIRED_CLARK["Node"] if _needs_child("Node", profile) else None
        self.record_data_needs = (
            _REQUIRED_CLARK["RecordData"] if _needs_child("RecordData", profile) else None
        )
        self.service_needs_child = _needs_child("Service", profile)
        self.event_needs_child = _needs_child("EventData", profile)
        self.scratch = _Ctx(root, profile, path_of)

    def __call__(self, el: etree._Element) -> bool:
        """True when *el*'s handlers might add an issue (child lists are walked directly: an
        lxml tag-filtered child iterator costs more to set up than the few children it skips)."""
        tag = el.tag
        scratch = self.scratch
        if tag == _ADDRESS:
            category = el.get("category")
            text = el.text
            clean = _address_memo.get((category, text))
            if clean is None:
                clean = _address_clean(category, text)
            if not clean:
                return True
            if category not in (None, "ipv4-addr", "ipv6-addr"):
                parent = el.getparent()
                if parent is not None and parent.tag == _NAMESERVERS:
                    return True
        elif tag == _NODE:
            node_needs = self.node_needs
            # el[0] first: the Address or DomainData is nearly always the first child
            if node_needs is not None and not (len(el) and el[0].tag in node_needs):
                for child in el:
                    if child.tag in node_needs:
                        break
                else:
                    return True
        elif tag == _SERVICE:
            if self.service_needs_child and not (len(el) and isinstance(el[0].tag, str)):
                for child in el:
                    if isinstance(child.tag, str):
                        break
                else:
                    return True
            if el.get("ip-protocol") is None:
                _check_service(scratch, el)
                if scratch.issues:
                    return True
        elif tag == _PORTLIST_TAG:
            text = el.text
            clean = _portlist_memo.get(text)
            if clean is None:
                clean = _portlist_clean(text)
            if not clean:
                return True
        elif tag == _EVENT_DATA:
            times = 0
            elements = 0
            for child in el:
                if child.tag in _TIME_TAGS:
                    times += 1
                elif isinstance(child.tag, str):
                    elements += 1
            if self.event_needs_child and times + elements == 0:
                return True
            if times > 1:
                _check_times(scratch, el)
                if scratch.issues:
                    return True
        elif tag == _RECORD_DATA:
            needs = self.record_data_needs
            n = len(el)
            if needs is not None and not ((n > 1 and el[1].tag in needs) or (n and el[0].tag in needs)):
                for child in el:
                    if child.tag in needs:
                        break
                else:
                    return True
        elif tag == _RECORD_ITEM:
            dtype = el.get("dtype")
            if dtype is None or dtype == "xml" or dtype == "ext-value":
                return False
            if dtype == "string":
                return any(isinstance(child.tag, str) for child in el)
            _check_extension(scratch, el)
            if scratch.issues:
                return True
        else:
            for handler in _HANDLERS[tag]:
                handler(scratch, el)
            if scratch.issues:
                return True
        return False


def _may_report(root: etree._Element, profile: str, path_of: Callable[[etree._Element], str]) -> bool:
    """False only when no per-element handler would report anything on *root*.

    With the C accelerator (:mod:`._cscreen`), the walk runs over libxml2's tree and asks
    :class:`_Screen` only about the elements it cannot clear itself; without it, one pass in
    Python over the elements that have handlers.
    """
    screen = _Screen(root, profile, path_of)
    if _accelerated is not None:
        return bool(
            _accelerated.may_report(
                root, screen.node_needs is not None, _address_memo, _portlist_memo, screen
            )
        )
    return any(screen(el) for el in root.iter(*_TAGS))


#: the handlers _may_report() answers for itself; a new handler on one of these tags must be
#: added to the screen, and to _cscreen.pyx (tests/validate/test_rule_screen.py pins this table)
_SCREENED: Final[dict[str, list[_Handler]]] = {
    _ADDRESS: [_check_address],
    _PORTLIST_TAG: [_check_portlist],
    _NODE: [_check_required_child],
    _SERVICE: [_check_required_child, _check_service],
    _RECORD_DATA: [_check_required_child],
    _EVENT_DATA: [_check_times, _check_required_child],
    _RECORD_ITEM: [_check_extension],
}


def _accelerator_codes() -> dict[str, str]:
    """What the C walk does with each tag that has a handler (see ``_cscreen.pyx``)."""
    own = {
        _ADDRESS: "address",
        _PORTLIST_TAG: "portlist",
        _NODE: "node",
        _SERVICE: "service",
        _EVENT_DATA: "event_data",
        _RECORD_DATA: "record_data",
        _RECORD_ITEM: "record_item",
        f"{_P}Confidence": "confidence",
    }
    codes: dict[str, str] = {}
    for tag, handlers in _HANDLERS.items():
        local = tag[len(_P) :]
        if tag in own and tag not in _SCREENED and handlers != [_check_confidence]:
            raise AssertionError(f"{local}: the C walk's check no longer matches its handlers")
        if tag in own:
            codes[local] = own[tag]
        elif handlers == [_check_times]:
            codes[local] = "times"
        elif handlers == [_check_required_child] and _REQUIRED_CHILD[local][1] is None:
            codes[local] = "any_child"  # only "at least one child element"
        else:
            codes[local] = "delegate"
    return codes


def _configure() -> ModuleType | None:
    """The compiled walk (:mod:`._accel`), told what to do with each tag; None without it."""
    accelerated = _accel.ACCELERATED
    if accelerated is None:
        return None
    accelerated.configure(
        {name: accelerated.CODES[code] for name, code in _accelerator_codes().items()},
        {
            parent: [(a, b) for a, b, _severity, _sentence in pairs]
            for parent, (_s, pairs) in _TIME_ORDER.items()
        },
    )
    accelerated.configure_dates([tag[len(_P) :] for tag in _DATETIME_TAGS])  # for facts()
    return accelerated


_accelerated: ModuleType | None = _configure()
