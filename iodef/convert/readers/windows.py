"""Windows Security log-on events 4624, 4625 and 4778 as Event Viewer XML and as JSON exports.

- XML: what Event Viewer's "Save Selected Events… (XML)" writes (an ``<Events>`` root) or what
  ``wevtutil qe Security /f:xml`` prints (a sequence of ``<Event>`` elements, wrapped here). Parsed
  with the hardened parser (no DTDs, no entities, 32 MiB cap).
- JSON lines: ``evtx_dump -o jsonl`` / chainsaw (``{"Event": {"System": …, "EventData": …}}`` with
  ``#attributes`` and ``#text``), and Winlogbeat/Elastic (``{"@timestamp", "winlog": {"event_id",
  "computer_name", "event_data"}}``).

Event types: 4624 -> ``login-success``, 4625 -> ``login-failure``, 4778 (session reconnected) ->
``reconnect``; log-ons whose LogonType is not remote (not 3 network, 8 cleartext or 10
RemoteInteractive) become ``logon-local``, counted but not an incident by default. Other event IDs
are ``other`` and counted likewise.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any, Final

from lxml import etree

from ...errors import IODEFError, RecordError
from ...xml import parse_xml
from .._addresses import normalise_ip
from .._times import parse_time
from ..rat import RatRecord
from ._base import OnError, describe, json_lines, read_all
from ._xmlscan import closing_tag_line, scan_children

__all__ = ["read_winevt_json", "read_winevt_xml"]

_REMOTE_TYPES: Final = {"3", "8", "10"}
_PROTO_BY_TYPE: Final = {"10": "rdp"}


def _record(
    event_id: str,
    time_text: str,
    computer: str | None,
    data: Mapping[str, Any],
    fmt: str,
    name: str,
    line: int,
    raw: str,
) -> RatRecord:
    def get(key: str) -> str | None:
        v = data.get(key)
        if v is None:
            return None
        s = str(v).strip()
        return None if s in ("", "-") else s

    ts = parse_time(time_text)
    logon_type = get("LogonType")
    if event_id == "4624":
        event = "login-success"
    elif event_id == "4625":
        event = "login-failure"
    elif event_id == "4778":
        event = "reconnect"
    elif event_id == "4779":
        event = "logoff"
    else:
        event = "other"
    if event_id in ("4624", "4625") and logon_type not in _REMOTE_TYPES:
        event = "logon-local"
    ip_text = get("IpAddress") or get("ClientAddress")
    ip = normalise_ip(ip_text) if ip_text else None
    if ip_text and ip is None and ip_text not in ("LOCAL",):
        raise ValueError(f"IpAddress {ip_text!r} is not an IP address")
    if ip in ("127.0.0.1", "::1") and event != "other":
        event = "logon-local"
    port_text = get("IpPort")
    port = int(port_text) if port_text and port_text != "0" else None
    protocol = _PROTO_BY_TYPE.get(logon_type or "", "rdp" if event_id in ("4778", "4779") else None)
    return RatRecord(
        time=ts,
        event=event,
        format=fmt,
        source=name,
        line=line,
        raw=raw,
        protocol=protocol,
        tool="windows-security",
        source_ip=ip,
        source_port=port,
        source_name=get("WorkstationName") or get("ClientName"),
        target_host=computer,
        target_port=3389 if protocol == "rdp" and ip else None,
        target_ip=None,
        user=get("TargetUserName") or get("AccountName"),
        domain=get("TargetDomainName") or get("AccountDomain"),
        auth_method=get("AuthenticationPackageName"),
        session_id=get("TargetLogonId") or get("LogonID"),
    )


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def read_winevt_xml(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read Windows Event XML (``<Events>`` or bare ``<Event>`` elements)."""
    data = read_all(fh, name)
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith(b"<?xml"):
        end = body.find(b"?>")
        body = body[end + 2 :] if end >= 0 else body
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        on_error(
            RecordError(
                "the document has a DOCTYPE; XML inputs must not carry DTDs or entity declarations, "
                "so it was refused",
                source=name,
                line=data[: data.find(b"<!")].count(b"\n") + 1,
            )
        )
        return
    if not body.lstrip().startswith(b"<Events"):
        # wevtutil prints several root elements: wrap them, keeping line numbers.
        body = b"<Events>" + body + b"</Events>"
    offset = data.count(b"\n") - body.count(b"\n")
    try:
        root = parse_xml(body, source_name=name)
    except IODEFError as exc:
        on_error(RecordError(exc.message, source=name, line=(exc.line or 0) + offset or None))
        return
    # Anything in the root but Event elements (stray text, another element) is reported, not skipped.
    events = scan_children(root, "Event", name, on_error, offset=offset, last_line=closing_tag_line(body))
    for ev in events:
        line = (ev.sourceline or 0) + offset
        try:
            system = next((c for c in ev if _local(c.tag) == "System"), None)
            if system is None:
                raise ValueError("the Event has no System element")
            fields = {_local(c.tag): c for c in system}
            event_id = (fields["EventID"].text or "").strip() if "EventID" in fields else ""
            created = fields.get("TimeCreated")
            time_text = created.get("SystemTime") if created is not None else None
            if not time_text:
                raise ValueError("System/TimeCreated@SystemTime is missing")
            computer_el = fields.get("Computer")
            computer = (computer_el.text or "").strip() or None if computer_el is not None else None
            values: dict[str, Any] = {}
            for part in ev:
                if _local(part.tag) in ("EventData", "UserData"):
                    for d in part.iter():
                        if _local(d.tag) == "Data" and d.get("Name"):
                            values[str(d.get("Name"))] = d.text or ""
            raw = etree.tostring(ev, encoding="unicode", with_tail=False)
            yield _record(event_id, str(time_text), computer, values, "winevt-xml", name, line, raw)
        except (ValueError, KeyError) as exc:
            on_error(RecordError(f"Event: {describe(exc)}", source=name, line=line))
    if not events.found and not events.reported and (len(root) or (root.text or "").strip()):
        on_error(RecordError("no <Event> element in the input", source=name, line=offset + 1))


def _text(v: Any) -> str | None:
    if isinstance(v, dict):
        v = v.get("#text")
    return None if v is None else str(v)


def read_winevt_json(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read evtx_dump / chainsaw JSON lines and Winlogbeat JSON lines."""
    for number, text, obj in json_lines(fh, name, on_error):
        try:
            if isinstance(obj.get("Event"), dict):  # evtx_dump / chainsaw
                ev = obj["Event"]
                system = ev.get("System") or {}
                event_id = _text(system.get("EventID"))
                created = system.get("TimeCreated") or {}
                attrs = created.get("#attributes", {}) if isinstance(created, dict) else {}
                time_text = attrs.get("SystemTime")
                computer = _text(system.get("Computer"))
                data = ev.get("EventData") or {}
                if not isinstance(data, dict):
                    raise ValueError("Event.EventData is not an object")
            elif isinstance(obj.get("winlog"), dict):  # Winlogbeat
                wl = obj["winlog"]
                event_id = _text(wl.get("event_id"))
                if event_id is None and isinstance(obj.get("event"), dict):
                    event_id = _text(obj["event"].get("code"))
                time_text = obj.get("@timestamp")
                computer = _text(wl.get("computer_name"))
                data = wl.get("event_data") or {}
                if not isinstance(data, dict):
                    raise ValueError("winlog.event_data is not an object")
            else:
                raise ValueError("neither an evtx_dump 'Event' nor a Winlogbeat 'winlog' object")
            if not event_id:
                raise ValueError("no event ID")
            if not isinstance(time_text, str):
                raise ValueError("no event time")
            yield _record(event_id, time_text, computer, data, "winevt-json", name, number, text)
        except (ValueError, TypeError, AttributeError) as exc:
            on_error(RecordError(f"bad event: {describe(exc)}", source=name, line=number))
