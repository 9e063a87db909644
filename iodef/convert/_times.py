"""Times as the inputs write them: Unix epochs, ISO 8601 / RFC 3339, and back to ISO text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

__all__ = ["ISO_TENS", "from_epoch", "in_range", "iso", "iso_tens", "parse_time"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


_EPOCH_MIN = datetime.min.replace(tzinfo=UTC)


_DAYS: dict[int, tuple[int, int, int]] = {}  # days since the epoch seen lately: log lines share them


#: the days since the epoch of datetime's first and last day
_MIN_DAY: Final = (datetime.min.replace(tzinfo=UTC) - _EPOCH).days
_MAX_DAY: Final = (datetime.max.replace(tzinfo=UTC) - _EPOCH).days


def in_range(dt: datetime) -> datetime:
    """*dt* when it has a UTC time inside datetime's range, else ValueError (never OverflowError).

    ``9999-12-31T23:00:00-05:00`` is a valid ISO 8601 text whose UTC time is past year 9999.
    """
    try:
        dt.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{dt.isoformat()} is out of the range of dates in UTC") from None
    return dt


def from_epoch(text: str) -> datetime:
    """A Unix timestamp with optional fraction (Zeek's ``time`` type) as an aware datetime.

    Exact to the microsecond (no detour through a float). Log lines come in time order and share
    their ten seconds with their neighbours: the common shape costs a dictionary look-up of the
    span's ISO text and one ``fromisoformat()`` (see :data:`ISO_TENS`); for the others the
    broken-down time of each whole second is cached (and the date of each day).
    """
    if len(text) == 17 and text[10] == "." and text[11:].isdigit():
        # the common shape (ten digits, six decimals: 2001 to 2286): the ISO text of its ten
        # seconds (cached), read by fromisoformat with the rest
        prefix = ISO_TENS.get(text[:9]) or iso_tens(text[:9])
        if prefix is not None:
            try:
                return _fromisoformat(f"{prefix}{text[9:]}Z")
            except ValueError:  # not ASCII digits: read below
                pass
    secs, _, frac = text.partition(".")
    fields = _SECONDS.get(secs)
    if fields is None:
        fields = _second(secs, text)
    if frac:
        if len(frac) == 6 and frac.isdigit():
            us = int(frac)
        elif not frac.isdigit():
            raise ValueError(f"{text!r} is not a Unix timestamp")
        else:
            us = int(frac[:6].ljust(6, "0"))
    else:
        us = 0
    return datetime(fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], us, UTC)


_SECONDS: dict[str, tuple[int, int, int, int, int, int]] = {}

#: ``"2025-03-01T00:00:1"`` by the first nine digits of an epoch time, ``"174078721"``: the ISO text
#: of a ten-second span up to its last digit (ten seconds never straddle a minute), so that the
#: time ``1740787213.500000`` is ``fromisoformat("2025-03-01T00:00:1" + "3.500000" + "Z")``. That
#: is the cheapest way CPython has from an epoch text to an aware datetime, exact to the
#: microsecond: a third of ``_EPOCH + timedelta(0, secs, us)``, whose constructor alone costs more
#: than the rest of a Zeek line's fields. Log lines share their ten seconds with their neighbours.
ISO_TENS: dict[str, str] = {}
_fromisoformat: Final = datetime.fromisoformat


def iso_tens(head: str) -> str | None:
    """The entry of :data:`ISO_TENS` for *head* (nine digits), made and cached; ``None`` when
    *head* is not nine digits."""
    if len(head) != 9 or not head.isdigit():
        return None
    start = _EPOCH + timedelta(seconds=int(head) * 10)
    if len(ISO_TENS) > 4096:
        ISO_TENS.clear()
    prefix = ISO_TENS[head] = start.replace(tzinfo=None).isoformat()[:-1]
    return prefix


def _second(secs: str, text: str) -> tuple[int, int, int, int, int, int]:
    """(year, month, day, hour, minute, second) of the whole seconds *secs* of *text* (cached)."""
    if not secs.isdigit() and not (secs[:1] == "-" and secs[1:].isdigit()):
        raise ValueError(f"{text!r} is not a Unix timestamp")
    days, rem = divmod(int(secs), 86400)
    ymd = _DAYS.get(days)
    if ymd is None:
        if not _MIN_DAY <= days <= _MAX_DAY:
            raise ValueError(f"{text!r} is out of the range of dates (years 1 to 9999)")
        day = _EPOCH + timedelta(days=days)
        if len(_DAYS) > 4096:
            _DAYS.clear()
        ymd = _DAYS[days] = (day.year, day.month, day.day)
    hours, rem = divmod(rem, 3600)
    minutes, seconds = divmod(rem, 60)
    if len(_SECONDS) > 4096:
        _SECONDS.clear()
    fields = _SECONDS[secs] = (ymd[0], ymd[1], ymd[2], hours, minutes, seconds)
    return fields


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?")


def parse_time(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time (``Z`` or offset; none means UTC) as an aware datetime.

    Feeds repeat their times (a report's time of receipt is another report's time of report, many
    lines share a second): the results of the last few thousand texts are kept. The common
    ``2025-03-04T02:11:09Z`` is read at once instead: ``fromisoformat`` costs less than keeping
    it (measured on an SMS feed whose every report time is new: 0.36 against 0.05 µs a record).
    """
    if len(text) == 20 and text[4::3] == "--T::Z":  # one slice for the six separators
        try:  # what _parse_time() gives for this shape (its own error for a text it refuses)
            return _fromisoformat(text)
        except ValueError:
            pass
    got = _PARSED.get(text)
    if got is None:
        got = _parse_time(text)
        if len(_PARSED) > 4096:
            _PARSED.clear()
        _PARSED[text] = got
    return got


_PARSED: dict[str, datetime] = {}


def _parse_time(text: str) -> datetime:
    s = text.strip()
    if len(s) == 20 and s[19] == "Z" and s[10] == "T" and s[4] == "-" and s[13] == ":" and s[16] == ":":
        # the common case, 2025-03-04T02:11:09Z, checked by shape; fromisoformat checks the digits
        # and reads the Z as UTC
        return datetime.fromisoformat(s)  # UTC already: nothing to overflow
    if (
        (len(s) == 27 or len(s) == 24)
        and s[-1] == "Z"
        and s[19] == "."
        and s[10] == "T"
        and s[4] == "-"
        and s[13] == ":"
        and s[16] == ":"
        and s[20:-1].isdigit()
        and s.isascii()
    ):
        # with microseconds or milliseconds (evtx_dump, Winlogbeat): the same, read as UTC
        return datetime.fromisoformat(s)
    if not _ISO.fullmatch(s):
        raise ValueError(f"{text!r} is not an ISO 8601 date-time such as 2025-03-04T02:11:09Z")
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    # Python before 3.11 rejected more than 6 fractional digits; trim them in any case.
    m = re.match(r"^(.*?\.\d{6})\d+(.*)$", s)
    if m:
        s = m.group(1) + m.group(2)
    dt = datetime.fromisoformat(s)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return in_range(dt) if dt.year in (1, 9999) else dt  # only the first and last year can overflow


def iso(dt: datetime) -> str:
    text = dt.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
