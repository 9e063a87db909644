"""RFC 7970 §3.2, §3.14, §3.15, §3.29: times in their natural order (DATETIME, §2.7)."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Final

from lxml import etree

from ..._tree import _DT_RE as _DT
from ._context import _FACT_DATES, _P, _Ctx, _local, _text

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


# --------------------------------------------------------------------------- §2.7 DATETIME years

#: Every element of type xs:dateTime in the RFC 7970 schema (§8).
_DATETIME_TAGS: Final = tuple(
    f"{_P}{name}"
    for name in (
        "DateTime",
        "ReportTime",
        "DetectTime",
        "StartTime",
        "EndTime",
        "RecoveryTime",
        "GenerationTime",
        "DateDomainWasChecked",
        "RegistrationDate",
        "ExpirationDate",
    )
)
# libxml2 keeps an xs:dateTime year in a C long and rejects a larger one itself (the schema
# then reports it): the rule reports only the years the schema lets through.
_LIBXML2_MAX_YEAR: Final = 2**63 - 1


def _year_problem(text: str) -> str | None:
    """Why the xs:dateTime *text* has a year the model cannot hold, or None.

    Years the schema itself rejects (0000, more than four digits with a leading zero, beyond
    libxml2's C long) are left to it: one problem, one issue.
    """
    if len(text) >= 19 and text[4] == "-" and text[:4].isascii() and text[:4].isdigit():
        return None  # the common case, decided fast (0000 is the schema's to report)
    m = _DT.fullmatch(text)
    if m is None:
        return None  # not an xs:dateTime: the schema reports it
    year = m.group(1)
    digits = year.removeprefix("-")
    if (len(digits) > 4 and digits[0] == "0") or int(digits) == 0 or int(digits) > _LIBXML2_MAX_YEAR:
        return None
    if year.startswith("-"):
        return f"the negative year {year}"
    return f"the {len(year)}-digit year {year}" if len(year) > 4 else None


def _rule_years(ctx: _Ctx) -> None:
    """RFC 7970 §2.7: a DATETIME year is 0001-9999.

    §2.7 makes DATETIME an xs:dateTime, whose lexical space has no upper bound on the year; but
    XSD processors need only support four-digit years (XSD 1.1 Part 2 §5.4, "Partial
    Implementation of Infinite Datatypes"), Python's datetime and so the typed model hold
    0001-9999, and libxml2 and xmlschema stop at different limits beyond. A year outside
    0001-9999 is therefore an error, so that what ``check`` passes ``iodef.parse`` reads.

    With the C accelerator, its one walk over libxml2's tree clears nearly every document
    without an lxml proxy (:meth:`_Ctx.facts`: every text plainly has a four-digit year, or is no
    xs:dateTime at all); the elements are visited here only when it cannot.
    """
    facts = ctx.facts()
    if facts is not None and not facts & _FACT_DATES:
        return
    for el in ctx.root.iter(*_DATETIME_TAGS):
        text = _text(el)
        problem = _year_problem(text)
        if problem is not None:
            ctx.add(
                "error",
                el,
                "RFC7970 §2.7",
                f"{_local(el.tag)} {text!r} has {problem}; a DATETIME year is 0001-9999 "
                "(what XSD processors must support, and what the model holds)",
            )
