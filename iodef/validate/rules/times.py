"""RFC 7970 §3.2, §3.14, §3.15, §3.29: times in their natural order (DATETIME, §2.7)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Final

from lxml import etree

from ..._tree import _DT_RE as _DT
from ._context import _P, _Ctx, _text

# --------------------------------------------------------------------------- times


def _datetime(el: etree._Element | None) -> datetime | None:
    if el is None:
        return None
    return _parse_datetime(_text(el))


@functools.lru_cache(maxsize=4096)
def _parse_datetime(value: str) -> datetime | None:
    """The DATETIME *value* (§2.7), or None; cached, as reports repeat their times."""
    m = _DT.fullmatch(value)
    if m is None:
        return None
    text = m.group(0)
    frac = m.group(7)
    if frac and len(frac) > 7:
        text = text.replace(frac, frac[:7], 1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _before(a: datetime, b: datetime) -> bool | None:
    """a < b, or None when one has a timezone and the other not (no order then)."""
    if (a.tzinfo is None) != (b.tzinfo is None):
        return None
    return a < b


# parent -> (section, [(earlier, later, severity, sentence)])
_TIME_ORDER: Final[dict[str, tuple[str, list[tuple[str, str, str, str]]]]] = {
    "Incident": (
        "RFC7970 §3.2",
        [
            ("StartTime", "EndTime", "error", "the incident ends before it starts"),
            ("StartTime", "DetectTime", "warning", "the incident was detected before it started"),
            ("StartTime", "RecoveryTime", "warning", "the site recovered before the incident started"),
            ("DetectTime", "ReportTime", "warning", "the incident was reported before it was detected"),
            (
                "DetectTime",
                "GenerationTime",
                "warning",
                "the report was generated before the incident was detected",
            ),
        ],
    ),
    "EventData": (
        "RFC7970 §3.14",
        [
            ("StartTime", "EndTime", "error", "the event ends before it starts"),
            ("StartTime", "DetectTime", "warning", "the event was detected before it started"),
            ("StartTime", "RecoveryTime", "warning", "the site recovered before the event started"),
            ("DetectTime", "ReportTime", "warning", "the event was reported before it was detected"),
        ],
    ),
    "Expectation": (
        "RFC7970 §3.15",
        [("StartTime", "EndTime", "error", "the action is due before it may start")],
    ),
    "Indicator": (
        "RFC7970 §3.29",
        [("StartTime", "EndTime", "error", "the indicator's validity ends before it starts")],
    ),
}


_TIME_TAGS: Final = {
    f"{_P}{name}": name
    for name in ("DetectTime", "StartTime", "EndTime", "RecoveryTime", "ReportTime", "GenerationTime")
}


def _check_times(ctx: _Ctx, el: etree._Element) -> None:
    section, pairs = _TIME_ORDER[el.tag[len(_P) :]]
    found: dict[str, etree._Element] = {}
    for child in el.iterchildren(*_TIME_TAGS):
        name = _TIME_TAGS[child.tag]
        if name not in found:
            found[name] = child
    if len(found) < 2:
        return
    for earlier, later, severity, sentence in pairs:
        a_el = found.get(earlier)
        b_el = found.get(later)
        if a_el is None or b_el is None:
            continue
        a, b = _datetime(a_el), _datetime(b_el)
        if a is None or b is None:
            continue
        if _before(b, a):
            ctx.add(
                severity,
                b_el,
                section,
                f"{later} {_text(b_el)} is before {earlier} {_text(a_el)}: {sentence}",
            )
