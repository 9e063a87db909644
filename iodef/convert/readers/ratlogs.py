"""Remote-access tools' own logs: TeamViewer ``Connections_incoming.txt``, AnyDesk
``connection_trace.txt``, and Suricata EVE JSON.

TeamViewer writes one tab-separated line per incoming session: partner ID, partner display name,
start, end (``DD-MM-YYYY HH:MM:SS``), local Windows user, connection type (``RemoteControl``,
``FileTransfer``, ``Meeting``…) and the session GUID. AnyDesk writes one line per connection:
direction (``Incoming``/``Outgoing``), ``YYYY-MM-DD, HH:MM``, the method (``User`` accepted at the
desk, ``Passwd`` unattended password, ``Token`` saved log-in, ``REJECTED``), the remote alias and
the remote AnyDesk ID, aligned with spaces. Neither log records a time zone: their times are read
as UTC (convert the file first if the machine ran on local time).

Suricata EVE: ``alert`` events become ``alert`` records; ``rdp``, ``ssh`` and ``vnc`` events become
``session`` records; other event types are ``other`` (counted, not incidents).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Final

from ...errors import RecordError
from .._addresses import normalise_ip
from .._times import parse_time
from ..rat import RatRecord
from ._base import OnError, describe, json_lines, text_lines

__all__ = ["read_anydesk", "read_suricata", "read_teamviewer"]

_TV_TIME = "%d-%m-%Y %H:%M:%S"
#: the fixed start of a connection_trace.txt line; the alias and the ID at its end are split off
#: with string operations (a pattern for the whole line backtracked: 5 s on an 8 KB line)
_AD_LINE = re.compile(
    r"\s*(Incoming|Outgoing)\s+(\d{4}-\d{2}-\d{2}), (\d{2}:\d{2})\s+(User|Passwd|Token|REJECTED)(?:\s+|$)"
)
_AD_ID = re.compile(r"\d{6,12}$")
_AD_EVENT: Final = {
    "User": "login-success",
    "Passwd": "login-success",
    "Token": "login-success",
    "REJECTED": "login-failure",
}


def read_teamviewer(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read TeamViewer ``Connections_incoming.txt``."""
    for number, text in text_lines(fh, name, on_error):
        if not text.strip():
            continue
        cols = text.rstrip("\t").split("\t")  # TeamViewer ends each row with a TAB
        if len(cols) < 6 or len(cols) > 7:
            on_error(
                RecordError(
                    f"{len(cols)} tab-separated columns where 6 or 7 are expected", source=name, line=number
                )
            )
            continue
        partner, display, start, end, user, kind = (c.strip() for c in cols[:6])
        guid = cols[6].strip() if len(cols) == 7 else None
        try:
            if not partner.isdigit():
                raise ValueError(f"partner ID {partner!r} is not a TeamViewer ID")
            t0 = datetime.strptime(start, _TV_TIME).replace(tzinfo=UTC)
            t1 = datetime.strptime(end, _TV_TIME).replace(tzinfo=UTC) if end else None
            if t1 is not None and t1 < t0:
                raise ValueError(f"the session ends ({end}) before it starts ({start})")
        except ValueError as exc:
            on_error(RecordError(f"bad value: {exc}", source=name, line=number))
            continue
        yield RatRecord(
            time=t0,
            end_time=t1,
            event="session" if kind != "RemoteControl" else "login-success",
            format="teamviewer",
            source=name,
            line=number,
            raw=text,
            protocol="teamviewer",
            tool="teamviewer",
            source_id=partner,
            source_name=display or None,
            user=user if user and user != "<unknown>" else None,
            auth_method=kind or None,
            session_id=guid or None,
        )


def read_anydesk(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read AnyDesk ``connection_trace.txt``."""
    for number, text in text_lines(fh, name, on_error):
        if not text.strip():
            continue
        m = _AD_LINE.match(text)
        rest = text[m.end() :].rstrip() if m is not None else ""
        tail = _AD_ID.search(rest[-12:]) if m is not None else None
        if m is None or tail is None:
            on_error(
                RecordError(
                    "not an AnyDesk connection line (direction, 'YYYY-MM-DD, HH:MM', method, alias, ID)",
                    source=name,
                    line=number,
                )
            )
            continue
        direction, day, hm, method = m.groups()
        rid = tail.group(0)
        alias = rest[: len(rest) - len(rid)].rstrip()
        try:
            t = datetime.strptime(f"{day} {hm}", "%Y-%m-%d %H:%M").replace(tzinfo=UTC)
        except ValueError as exc:
            on_error(RecordError(f"bad time: {exc}", source=name, line=number))
            continue
        event = _AD_EVENT[method] if direction == "Incoming" else "outgoing"
        yield RatRecord(
            time=t,
            event=event,
            format="anydesk",
            source=name,
            line=number,
            raw=text,
            protocol="anydesk",
            tool="anydesk",
            source_id=rid,
            source_name=alias or None,
            auth_method=method,
        )


def read_suricata(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read Suricata EVE JSON lines (alerts and rdp/ssh/vnc events)."""
    for number, text, obj in json_lines(fh, name, on_error):
        try:
            kind = obj.get("event_type")
            ts = obj.get("timestamp")
            if not isinstance(kind, str) or not isinstance(ts, str):
                raise ValueError("event_type and timestamp are required")
            t = parse_time(ts)
            src_text, dst_text = obj.get("src_ip"), obj.get("dest_ip")
            src = normalise_ip(str(src_text)) if src_text is not None else None
            dst = normalise_ip(str(dst_text)) if dst_text is not None else None
            if (src_text is not None and src is None) or (dst_text is not None and dst is None):
                raise ValueError("src_ip or dest_ip is not an IP address")
            app = obj.get("app_proto")
            protocol = {"rdp": "rdp", "ssh": "ssh", "vnc": "vnc"}.get(str(app or kind))
            signature = signature_id = severity = None
            if kind == "alert":
                alert = obj.get("alert")
                if not isinstance(alert, dict):
                    raise ValueError("an alert event without an 'alert' object")
                event = "alert"
                signature = str(alert.get("signature") or "")
                signature_id = int(alert["signature_id"]) if alert.get("signature_id") is not None else None
                severity = int(alert["severity"]) if alert.get("severity") is not None else None
            elif kind in ("rdp", "ssh", "vnc"):
                event = "session"
            else:
                event = "other"
            user = None
            if kind == "rdp" and isinstance(obj.get("rdp"), dict):
                user = obj["rdp"].get("cookie")
            sport, dport = obj.get("src_port"), obj.get("dest_port")
            record = RatRecord(
                time=t,
                event=event,
                format="suricata",
                source=name,
                line=number,
                raw=text,
                protocol=protocol,
                tool="suricata",
                source_ip=src,
                source_port=sport,
                target_ip=dst,
                target_port=dport,
                user=user,
                session_id=str(obj["flow_id"]) if obj.get("flow_id") is not None else None,
                signature=signature,
                signature_id=signature_id,
                severity=severity,
            )
        except (ValueError, TypeError, KeyError) as exc:
            on_error(RecordError(f"bad EVE event: {describe(exc)}", source=name, line=number))
            continue
        yield record
