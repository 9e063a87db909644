"""Times as the inputs write them: Unix epochs, ISO 8601 / RFC 3339, and back to ISO text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Final

__all__ = ["from_epoch", "in_range", "iso", "parse_time"]

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

    Exact to the microsecond (no detour through a float). Built from integer arithmetic and a
    cache of dates by day: cheaper than datetime arithmetic or ``replace`` on every log line.
    """
    secs, _, frac = text.partition(".")
    if not secs.isdigit() and not (secs[:1] == "-" and secs[1:].isdigit()):
        raise ValueError(f"{text!r} is not a Unix timestamp")
    if frac:
        if not frac.isdigit():
            raise ValueError(f"{text!r} is not a Unix timestamp")
        us = int(frac) if len(frac) == 6 else int(frac[:6].ljust(6, "0"))
    else:
        us = 0
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
    return datetime(ymd[0], ymd[1], ymd[2], hours, minutes, seconds, us, UTC)


_ISO = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:[Zz]|[+-]\d{2}(?::?\d{2})?)?")


def parse_time(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 date-time (``Z`` or offset; none means UTC) as an aware datetime."""
    s = text.strip()
    if len(s) == 20 and s[19] == "Z" and s[10] == "T" and s[4] == "-" and s[13] == ":" and s[16] == ":":
        # the common case, 2025-03-04T02:11:09Z, checked by shape; fromisoformat checks the digits
        # and reads the Z as UTC
        return datetime.fromisoformat(s)  # UTC already: nothing to overflow
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
