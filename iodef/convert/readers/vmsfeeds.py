"""Video-surveillance inputs: ONVIF event notifications, Hikvision ISAPI alerts, VMS audit logs
(CSV or JSON lines) and camera/NVR syslog (RFC 5424 and RFC 3164).

- **ONVIF** (WS-BaseNotification, ONVIF Core §9): every ``wsnt:NotificationMessage`` in the input
  (a ``PullMessagesResponse`` or ``Notify`` in a SOAP envelope, or bare). The topic (``wsnt:Topic``,
  ConcreteSet dialect) gives the event; ``tt:Message@UtcTime`` the time; ``tt:Source`` SimpleItems
  (several) the video source; ``tt:Data`` SimpleItems the state. A state item that is ``false``
  marks the end of a condition (``cleared``, counted only). The producer's address names the device.
- **Hikvision ISAPI** ``EventNotificationAlert`` with or without its namespace
  (``http://www.hikvision.com/ver20/XMLSchema``): one alert per file, or many as captured from the
  ``/ISAPI/Event/notification/alertStream`` multipart stream. ``videoloss`` with ``inactive`` is
  the stream's heartbeat (``other``).
- **VMS audit log**: columns ``timestamp, server, user, role, client_ip, client_app, action,
  camera_id, camera_name, details, result`` as CSV with a header row or as JSON lines; ``action``
  is login, login_failed, logout, view_live, playback, export, delete, ptz, config_change,
  device_add, device_remove or firmware_update.
- **syslog**: RFC 5424 (``<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG``) and RFC 3164
  (``<PRI>Mmm dd hh:mm:ss HOST TAG: MSG``, whose year is taken from the reader's reference year).
  The event type is recognised in the message text (login failed, tamper, video loss, …); user and
  client address from ``user=``/``from=``-style pairs.

XML inputs are parsed with the hardened parser (no DTDs, no entities, 32 MiB cap).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import IO, Any, Final
from urllib.parse import urlsplit

from lxml import etree
from pydantic import ValidationError

from ...errors import IODEFError, RecordError
from ...xml import parse_xml
from .._addresses import normalise_ip
from .._times import parse_time
from ..vms import VmsRecord
from ._base import OnError, count_of, csv_rows, describe, json_lines, read_all, text_lines
from ._xmlscan import closing_tag_line, scan_children
from .columns import ReadOptions

__all__ = [
    "read_hikvision",
    "read_onvif",
    "read_syslog",
    "read_vms_audit_csv",
    "read_vms_audit_json",
    "syslog_reader",
]

WSNT: Final = "http://docs.oasis-open.org/wsn/b-2"
TT: Final = "http://www.onvif.org/ver10/schema"

_ONVIF_TOPICS: Final = (
    ("tampering", "tamper"),
    ("tamperdetector", "tamper"),
    ("globalscenechange", "tamper"),
    ("imagetooblurry", "tamper"),
    ("imagetoodark", "tamper"),
    ("imagetoobright", "tamper"),
    ("signalloss", "video-loss"),
    ("storagefailure", "storage-failure"),
    ("hardwarefailure", "storage-failure"),
    ("motion", "motion"),
    ("digitalinput", "digital-input"),
)


def _onvif_event(topic: str) -> str:
    t = topic.lower()
    for needle, event in _ONVIF_TOPICS:
        if needle in t:
            return event
    return "other"


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _items(parent: etree._Element | None) -> dict[str, str]:
    if parent is None:
        return {}
    return {
        str(i.get("Name")): str(i.get("Value", ""))
        for i in parent
        if _local(i.tag) == "SimpleItem" and i.get("Name")
    }


# What a PullMessagesResponse holds beside its messages (ONVIF Core §9.1.2); nothing to read.
_ONVIF_BESIDE: Final = frozenset({"CurrentTime", "TerminationTime"})


def _onvif_messages(root: Any, data: bytes, name: str, on_error: OnError) -> Iterator[Any]:
    """The NotificationMessages of *root*; anything else beside them is reported."""
    tag = f"{{{WSNT}}}NotificationMessage"
    if root.tag == tag:
        yield root
        return
    last_line = closing_tag_line(data)
    for parent in dict.fromkeys(nm.getparent() for nm in root.iter(tag)):
        yield from scan_children(
            parent, "NotificationMessage", name, on_error, last_line=last_line, also=_ONVIF_BESIDE
        )


def read_onvif(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[VmsRecord]:
    """Read ONVIF ``wsnt:NotificationMessage`` elements."""
    document = read_all(fh, name)
    try:
        root = parse_xml(document, source_name=name)
    except IODEFError as exc:
        on_error(RecordError(exc.message, source=name, line=exc.line))
        return
    found = False
    for nm in _onvif_messages(root, document, name, on_error):
        found = True
        line = nm.sourceline
        try:
            topic_el = nm.find(f"{{{WSNT}}}Topic")
            topic = (topic_el.text or "").strip() if topic_el is not None else ""
            if not topic:
                raise ValueError("wsnt:Topic is missing")
            msg = nm.find(f"{{{WSNT}}}Message/{{{TT}}}Message")
            if msg is None:
                raise ValueError("wsnt:Message/tt:Message is missing")
            utc = msg.get("UtcTime")
            if not utc:
                raise ValueError("tt:Message@UtcTime is missing")
            source = _items(msg.find(f"{{{TT}}}Source"))
            data = _items(msg.find(f"{{{TT}}}Data"))
            producer = nm.find(f"{{{WSNT}}}ProducerReference")
            host = None
            if producer is not None:
                addr = "".join(producer.itertext()).strip()
                host = urlsplit(addr).hostname if "://" in addr else addr or None
            event = _onvif_event(topic)
            states = [v.lower() for v in data.values() if v.lower() in ("true", "false")]
            if states and "true" not in states and event not in ("motion", "other"):
                event = "cleared"
            token = next(iter(source.values()), None)
            device = f"{host}/{token}" if host and token else host or token
            detail = "; ".join(
                [
                    f"topic {topic}",
                    *(f"{k}={v}" for k, v in source.items()),
                    *(f"{k}={v}" for k, v in data.items()),
                ]
            )
            record = VmsRecord(
                time=parse_time(utc),
                event=event,
                format="onvif",
                source=name,
                line=line,
                raw=etree.tostring(nm, encoding="unicode", with_tail=False),
                device=device,
                device_ip=normalise_ip(host),
                device_kind="camera",
                detail=detail,
            )
        except (ValueError, ValidationError) as exc:
            on_error(RecordError(f"NotificationMessage: {describe(exc)}", source=name, line=line))
            continue
        yield record
    if not found:
        on_error(RecordError("no wsnt:NotificationMessage in the input", source=name, line=root.sourceline))


_HIK_EVENTS: Final = {
    "shelteralarm": "tamper",
    "videotampering": "tamper",
    "videoloss": "video-loss",
    "diskfull": "storage-failure",
    "diskerror": "storage-failure",
    "hdfull": "storage-failure",
    "hderror": "storage-failure",
    "illaccess": "illegal-login",
    "illegalaccess": "illegal-login",
    "vmd": "motion",
    "fielddetection": "motion",
    "linedetection": "motion",
    "pir": "motion",
    "io": "digital-input",
}
_HIK_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?EventNotificationAlert[\s>]")
_HIK_END = re.compile(rb"</(?:[A-Za-z_][\w.-]*:)?EventNotificationAlert\s*>")


# Lines an alert stream holds between alerts: multipart boundaries, part headers, an XML
# declaration, an HTTP status line. Any other non-blank line is content this reader cannot read.
_HIK_FRAMING = re.compile(rb"\s*(--|[A-Za-z][\w-]*:(\s|$)|<\?xml[^>]*\?>\s*$|HTTP/\d)")


def _hik_gap(data: bytes, start: int, end: int, name: str, on_error: OnError) -> bool:
    """Report each line of ``data[start:end]`` that is neither blank nor stream framing."""
    gap = data[start:end]
    if not gap.strip():
        return False
    reported = False
    first = None
    for k, text in enumerate(gap.split(b"\n")):
        if not text.strip() or _HIK_FRAMING.match(text):
            continue
        if first is None:
            first = data.count(b"\n", 0, start) + 1
        snippet = text.strip().decode("utf-8", "replace")
        snippet = snippet if len(snippet) <= 60 else snippet[:57] + "..."
        on_error(
            RecordError(
                f"text outside any EventNotificationAlert, not read: {snippet!r}", source=name, line=first + k
            )
        )
        reported = True
    return reported


def read_hikvision(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[VmsRecord]:
    """Read Hikvision ISAPI ``EventNotificationAlert`` documents (one or an alert stream)."""
    data = read_all(fh, name)
    pos = 0
    found = stray = False
    while True:
        m = _HIK_START.search(data, pos)
        if m is None:
            if _hik_gap(data, pos, len(data), name, on_error):
                stray = True
            break
        found = True
        if _hik_gap(data, pos, m.start(), name, on_error):
            stray = True
        end = _HIK_END.search(data, m.end())
        line = data.count(b"\n", 0, m.start()) + 1
        if end is None:
            on_error(
                RecordError("EventNotificationAlert is not closed (truncated input?)", source=name, line=line)
            )
            break
        chunk = data[m.start() : end.end()]
        pos = end.end()
        try:
            root = parse_xml(chunk, source_name=name)
            fields = {_local(c.tag): (c.text or "").strip() for c in root}
            when = fields.get("dateTime")
            if not when:
                raise ValueError("dateTime is missing")
            etype = fields.get("eventType", "")
            state = fields.get("eventState", "active").lower()
            event = _HIK_EVENTS.get(etype.lower(), "other")
            if state != "active":
                event = "other"
            ip = normalise_ip(fields.get("ipAddress"))
            channel = fields.get("channelID") or fields.get("dynChannelID")
            mac = fields.get("macAddress") or None
            if mac is not None and not re.fullmatch(r"[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}", mac):
                raise ValueError(f"macAddress {mac!r} is not a MAC address")
            record = VmsRecord(
                time=parse_time(when),
                event=event,
                format="hikvision",
                source=name,
                line=line,
                raw=chunk.decode("utf-8", errors="replace"),
                device=fields.get("channelName")
                or (f"{ip or 'device'}/channel-{channel}" if channel else ip),
                device_ip=ip,
                device_mac=mac,
                device_kind="camera",
                vendor="Hikvision",
                detail=f"eventType={etype}; eventState={state}"
                + (f"; {fields['eventDescription']}" if fields.get("eventDescription") else ""),
                count=count_of(fields.get("activePostCount") or 1, "activePostCount")
                if event != "other"
                else 1,
            )
        except IODEFError as exc:
            on_error(RecordError(exc.message, source=name, line=line + (exc.line or 1) - 1))
            continue
        except (ValueError, ValidationError) as exc:
            on_error(RecordError(f"EventNotificationAlert: {describe(exc)}", source=name, line=line))
            continue
        yield record
    if not found and not stray:
        on_error(RecordError("no EventNotificationAlert in the input", source=name, line=1))


_AUDIT_ACTIONS: Final = {
    "login",
    "login_failed",
    "logout",
    "view_live",
    "playback",
    "export",
    "delete",
    "ptz",
    "config_change",
    "device_add",
    "device_remove",
    "firmware_update",
}
_AUDIT_COLUMNS: Final = ("timestamp", "action")


def _audit_record(
    row: dict[str, Any],
    fmt: str,
    name: str,
    line: int,
    raw: str,
    when: Callable[[str], datetime] = parse_time,
) -> VmsRecord:
    def get(key: str) -> str | None:
        v = row.get(key)
        if v is None:
            return None
        s = str(v).strip()
        return s or None

    action = (get("action") or "").lower()
    if action not in _AUDIT_ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    result = (get("result") or "").lower()
    if action == "login" and result in ("failure", "failed", "denied", "error"):
        action = "login_failed"
    ts = get("timestamp")
    if ts is None:
        raise ValueError("timestamp is empty")
    client = get("client_ip")
    ip = normalise_ip(client)
    if client and ip is None:
        raise ValueError(f"client_ip {client!r} is not an IP address")
    camera = get("camera_id")
    return VmsRecord(
        time=when(ts),
        event=action.replace("_", "-"),
        format=fmt,
        source=name,
        line=line,
        raw=raw,
        device=camera,
        device_kind="camera",
        server=get("server"),
        source_ip=ip,
        user=get("user"),
        client_app=get("client_app"),
        detail=" ".join(x for x in (get("camera_name"), get("details")) if x) or None,
        result=result or None,
    )


def read_vms_audit_csv(
    fh: IO[bytes], name: str, on_error: OnError, options: ReadOptions | None = None
) -> Iterator[VmsRecord]:
    """Read a VMS audit log exported as CSV with a header row, or mapped by *options*."""
    mapped = options if options is not None and options.columns else None
    when = options.time_parser() if options is not None else parse_time
    start = [0]
    pending: list[str] = []

    def lines() -> Iterator[str]:
        for number, text in text_lines(fh, name, on_error):
            if not pending:
                start[0] = number
            pending.append(text)
            yield text + "\n"

    header: list[str] | None = None
    for row in csv_rows(lines(), name, on_error, lambda: start[0], pending):
        number = start[0]
        pending.clear()
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if header is None:
            was_header = True
            if mapped is not None:
                try:
                    header, was_header = mapped.header_for("vms-audit-csv", row, len(row))
                except ValueError as exc:
                    on_error(RecordError(str(exc), source=name, line=number))
                    return
            else:
                header = [h.strip().lower() for h in row]
            missing = [c for c in _AUDIT_COLUMNS if c not in header]
            if missing:
                on_error(RecordError(f"the header row lacks {', '.join(missing)}", source=name, line=number))
                return
            if was_header:
                continue
        if mapped is not None:
            row = mapped.spread("vms-audit-csv", header, row)
        if len(row) != len(header):
            on_error(
                RecordError(
                    f"{len(row)} columns where the header has {len(header)}", source=name, line=number
                )
            )
            continue
        try:
            record = _audit_record(
                dict(zip(header, row, strict=True)), "vms-audit-csv", name, number, ",".join(row), when
            )
        except (ValueError, ValidationError) as exc:
            on_error(RecordError(f"bad value: {describe(exc)}", source=name, line=number))
            continue
        yield record


def read_vms_audit_json(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[VmsRecord]:
    """Read a VMS audit log exported as JSON lines."""
    for number, text, obj in json_lines(fh, name, on_error):
        try:
            record = _audit_record(obj, "vms-audit-json", name, number, text)
        except (ValueError, ValidationError, TypeError) as exc:
            on_error(RecordError(f"bad value: {describe(exc)}", source=name, line=number))
            continue
        yield record


_RFC5424 = re.compile(r"^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (.*))?$")
_RFC3164 = re.compile(
    r"^<(\d{1,3})>([A-Z][a-z]{2}) ([ \d]\d) (\d{2}:\d{2}:\d{2}) (\S+) ([^:\[\s]+)(?:\[\d+\])?: ?(.*)$"
)
_MONTHS: Final = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}
_SYSLOG_EVENTS: Final = (
    (re.compile(r"illegal (?:login|access)", re.I), "illegal-login"),
    (
        re.compile(
            r"(?:login|logon|authentication|auth) (?:fail|error|denied)"
            r"|failed (?:login|logon|password)|invalid (?:user|password)",
            re.I,
        ),
        "login-failed",
    ),
    (re.compile(r"logout|logged out|log off", re.I), "logout"),
    (re.compile(r"(?:login|logon) (?:success|ok)|logged in|accepted password", re.I), "login"),
    (re.compile(r"tamper|shelter|video (?:mask|blind)", re.I), "tamper"),
    (re.compile(r"video ?loss|signal loss", re.I), "video-loss"),
    (
        re.compile(
            r"(?:hdd|disk|storage|sd ?card)\S* (?:\S+ )?(?:fail|error|full)"
            r"|(?:fail|error)\S* (?:\S+ )?(?:hdd|disk|storage)",
            re.I,
        ),
        "storage-failure",
    ),
    (re.compile(r"firmware|upgrad", re.I), "firmware-update"),
    (re.compile(r"export", re.I), "export"),
    (re.compile(r"delet", re.I), "delete"),
    (re.compile(r"config\w* (?:chang|modif|sav|import)|parameters? (?:chang|modif)", re.I), "config-change"),
    (re.compile(r"motion", re.I), "motion"),
)
_KV_USER = re.compile(r"\b(?:user(?:name)?|account)[=: ]\s*\"?([^\s\",;]+)", re.I)
_KV_FROM = re.compile(r"\b(?:from|src|client|ip|remote)[=: ]\s*\[?([0-9A-Fa-f:.]+)", re.I)


def syslog_reader(year: int | None = None) -> Any:
    """A syslog reader whose RFC 3164 dates (which carry no year) fall in *year* (default: this year)."""

    def read_syslog(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[VmsRecord]:
        ref_year = year or datetime.now(UTC).year
        for number, text in text_lines(fh, name, on_error):
            if not text.strip():
                continue
            try:
                m = _RFC5424.match(text)
                if m:
                    pri, ts, host, app, _procid, _msgid, _sd, msg = m.groups()
                    if ts == "-":
                        raise ValueError("the record has no timestamp (NILVALUE)")
                    t = parse_time(ts)
                else:
                    m3 = _RFC3164.match(text)
                    if m3 is None:
                        raise ValueError("neither an RFC 5424 nor an RFC 3164 syslog line")
                    pri, mon, day, hms, host, app, msg = m3.groups()
                    if mon not in _MONTHS:
                        raise ValueError(f"unknown month {mon!r}")
                    hh, mm, ss = (int(x) for x in hms.split(":"))
                    t = datetime(ref_year, _MONTHS[mon], int(day), hh, mm, ss, tzinfo=UTC)
                if int(pri) > 191:
                    raise ValueError(f"PRI {pri} is out of range (0-191)")
                msg = msg or ""
                event = next((ev for rx, ev in _SYSLOG_EVENTS if rx.search(msg)), "other")
                um = _KV_USER.search(msg)
                fm = _KV_FROM.search(msg)
                record = VmsRecord(
                    time=t,
                    event=event,
                    format="syslog",
                    source=name,
                    line=number,
                    raw=text,
                    device=None if host == "-" else host,
                    device_ip=normalise_ip(host),
                    device_kind="camera",
                    source_ip=normalise_ip(fm.group(1)) if fm else None,
                    user=um.group(1) if um else None,
                    client_app=None if app == "-" else app,
                    detail=msg.strip() or None,
                )
            except (ValueError, ValidationError) as exc:
                on_error(RecordError(f"bad syslog line: {describe(exc)}", source=name, line=number))
                continue
            yield record

    return read_syslog


read_syslog = syslog_reader()
