"""Remote-access tools' own service logs: AnyDesk ``ad.trace``/``ad_svc.trace`` and the TeamViewer
``TeamViewerNN_Logfile.log``.

These logs record everything the tool does; only a few lines tell that a remote party came in.
Those become records: AnyDesk's ``Incoming session request: ALIAS (ID)`` and TeamViewer's
``AddParticipant: [ID,...] type=3 name=NAME`` a ``session`` from that ID. Every other
well-formed line becomes an ``other`` record (counted, not an incident), so the summary says how
many lines were read and that none of them was a session.

- AnyDesk trace: ``LEVEL YYYY-MM-DD HH:MM:SS.mmm  PROCESS  PID  TID [FIBER]  COMPONENT - message``,
  level right-aligned, start banners of ``* * *``. Times are taken as UTC (the trace has no zone).
- TeamViewer log: a key/value banner (``Start: YYYY/MM/DD HH:MM:SS.mmm (UTC+8:00)`` gives the
  zone of every later line), then ``YYYY/MM/DD HH:MM:SS.mmm  PID  TID  S0  message`` lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Final

from ...errors import RecordError
from ..rat import RatRecord
from ._base import OnError, text_lines

__all__ = ["read_anydesk_trace", "read_teamviewer_log"]

_AD_TRACE: Final = re.compile(
    r" {0,12}(\w{1,12}) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}))?"  # level, time
    r" +(\S{1,40}) +(\d{1,10}) +(\d{1,10}) +(.*)"  # process, PID, TID, the rest
)
_AD_INCOMING: Final = re.compile(r"Incoming session request: (.{0,200}?) ?\((\d{6,12})\)")
_TV_LINE: Final = re.compile(
    r"(\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)(?:\.(\d{1,6}))? +(\d{1,10}) +(\d{1,10}) +(\S{1,12}) +(.*)"
)
_TV_PARTICIPANT: Final = re.compile(r"AddParticipant: \[(\d{6,12}),-?\d+\] type=3 name=(.{0,200})")
_TV_START: Final = re.compile(r"Start: +\d{4}/\d\d/\d\d [\d:.]+ \(UTC([+-])(\d{1,2}):(\d\d)\)")


def _time(text: str, frac: str | None, fmt: str, tz: timezone) -> datetime:
    t = datetime.strptime(text, fmt).replace(tzinfo=tz)
    if frac:
        t = t.replace(microsecond=int(frac.ljust(6, "0")))
    return t.astimezone(UTC)


def _record(t: datetime, event: str, fmt: str, name: str, number: int, text: str, tool: str) -> RatRecord:
    return RatRecord(
        time=t, event=event, format=fmt, source=name, line=number, raw=text, protocol=tool, tool=tool
    )


def read_anydesk_trace(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read an AnyDesk ``ad.trace`` / ``ad_svc.trace``: incoming session requests, other lines counted."""
    for number, text in text_lines(fh, name, on_error):
        if not text.strip() or text.lstrip().startswith("* *"):
            continue
        m = _AD_TRACE.match(text)
        if m is None:
            on_error(
                RecordError(
                    "not an AnyDesk trace line (level, time, process, PID, TID, message)",
                    source=name,
                    line=number,
                )
            )
            continue
        try:
            t = _time(m.group(2), m.group(3), "%Y-%m-%d %H:%M:%S", UTC)
        except ValueError as exc:
            on_error(RecordError(f"bad time: {exc}", source=name, line=number))
            continue
        incoming = _AD_INCOMING.search(m.group(7))
        if incoming is None:
            yield _record(t, "other", "anydesk-trace", name, number, text, "anydesk")
            continue
        record = _record(t, "session", "anydesk-trace", name, number, text, "anydesk")
        record.source_id = incoming.group(2)
        record.source_name = incoming.group(1).strip() or None
        yield record


def read_teamviewer_log(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read a TeamViewer service log (``TeamViewerNN_Logfile.log``): participants who joined."""
    tz = UTC
    for number, text in text_lines(fh, name, on_error):
        if not text.strip():
            continue
        start = _TV_START.match(text)
        if start is not None:
            sign = -1 if start.group(1) == "-" else 1
            tz = timezone(sign * timedelta(hours=int(start.group(2)), minutes=int(start.group(3))))
            continue
        m = _TV_LINE.match(text)
        if m is None:
            continue  # the banner's key/value lines and continuation lines carry no event
        try:
            t = _time(m.group(1), m.group(2), "%Y/%m/%d %H:%M:%S", tz)
        except ValueError as exc:
            on_error(RecordError(f"bad time: {exc}", source=name, line=number))
            continue
        joined = _TV_PARTICIPANT.search(m.group(6))
        if joined is None:
            yield _record(t, "other", "teamviewer-log", name, number, text, "teamviewer")
            continue
        record = _record(t, "session", "teamviewer-log", name, number, text, "teamviewer")
        record.source_id = joined.group(1)
        record.source_name = joined.group(2).strip() or None
        yield record
