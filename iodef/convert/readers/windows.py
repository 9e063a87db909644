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

import os
import re
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache
from typing import IO, Any, Final

from lxml import etree

from ...errors import IODEFError, RecordError
from ...xml import parse_xml
from .._addresses import normalise_ip
from .._building import whole_record
from .._times import parse_time
from ..rat import RatRecord
from ._base import _SCAN, LineDecoder, OnError, describe, json_objects, read_all
from ._xmlscan import closing_tag_line, scan_children

__all__ = ["read_winevt_json", "read_winevt_xml"]

_REMOTE_TYPES: Final = {"3", "8", "10"}
_PROTO_BY_TYPE: Final = {"10": "rdp"}
_LOOPBACK: Final = ("127.", "::1")

#: event ID -> (event, protocol) for the events that tell who reached a system remotely (X.1333):
#: Security 4624/4625/4778/4779, TerminalServices-RemoteConnectionManager 1149 (user authenticated),
#: TerminalServices-LocalSessionManager 21 (log-on), 24 (disconnected), 25 (reconnected), and
#: RemoteDesktopServices-RdpCoreTS 131 (a connection accepted, with the client's address).
_EVENTS: Final[dict[str, tuple[str, str | None]]] = {
    "4624": ("login-success", None),
    "4625": ("login-failure", None),
    "4778": ("reconnect", "rdp"),
    "4779": ("logoff", "rdp"),
    "1149": ("login-success", "rdp"),
    "21": ("login-success", "rdp"),
    "24": ("logoff", "rdp"),
    "25": ("reconnect", "rdp"),
    "131": ("session", "rdp"),
}
#: providers whose small event IDs (21, 24, 25, 131, 1149) mean the above
_RDP_PROVIDERS: Final = (
    "TerminalServices-RemoteConnectionManager",
    "TerminalServices-LocalSessionManager",
    "RdpCoreTS",
)


@lru_cache(maxsize=65536)
def _client_address(text: str) -> str | None:
    """The IP of ``10.0.2.16:52202``, ``[10.0.2.16]:59407``, ``fe80::1%10`` or a bare address."""
    t = text.strip()
    if t.startswith("["):
        t = t[1 : t.find("]")] if "]" in t else t[1:]
    elif t.count(":") == 1:
        t = t.partition(":")[0]
    return normalise_ip(t.partition("%")[0])


def _event_of(event_id: str, provider: str, logon_type: str | None, ip: str | None) -> str:
    small = event_id in ("21", "24", "25", "131", "1149")
    if small and provider and not any(p in provider for p in _RDP_PROVIDERS):
        return "other"
    event = _EVENTS.get(event_id, ("other", None))[0]
    if event_id in ("4624", "4625") and logon_type not in _REMOTE_TYPES:
        return "logon-local"
    loopback = ip is not None and ip.startswith(_LOOPBACK)
    if loopback and event == "login-success" and (event_id != "4624" or logon_type == "10"):
        return "rdp-tunnel"  # an RDP log-on from the loopback address: RDP through a tunnel
    if loopback and event in ("login-success", "login-failure"):
        return "logon-local"
    return event


def _record(
    event_id: str,
    time_text: str,
    computer: str | None,
    data: dict[str, Any],
    fmt: str,
    name: str,
    line: int,
    raw: str,
    provider: str = "",
) -> dict[str, Any]:
    ts = parse_time(time_text)
    logon_type, ip_text, port_text, client, user, domain, auth, session = _pick(data, _KEYS)
    ip = _client_address(ip_text) if ip_text else None
    if ip_text and ip is None and ip_text.upper() not in ("LOCAL", "UNKNOWN"):
        raise ValueError(f"client address {ip_text!r} is not an IP address")
    event = _event_of(event_id, provider, logon_type, ip)
    port = int(port_text) if port_text and port_text.isdigit() and port_text != "0" else None
    protocol = _PROTO_BY_TYPE.get(logon_type or "") or _EVENTS.get(event_id, ("", None))[1]
    if event == "other":
        protocol = None
    fields = _TEMPLATE.copy()  # the model's fields in its order, the constant ones filled in
    fields["time"] = ts
    fields["event"] = event
    fields["format"] = fmt
    fields["source"] = name
    fields["line"] = line
    fields["raw"] = raw
    fields["protocol"] = protocol
    fields["source_ip"] = ip
    fields["source_port"] = port
    fields["source_name"] = client
    fields["target_host"] = computer
    fields["target_port"] = 3389 if protocol == "rdp" and ip else None
    fields["user"] = user
    fields["domain"] = domain
    fields["auth_method"] = auth
    fields["session_id"] = session
    # every value is already of its field's type and the time is aware and in range: pydantic's
    # validation pass would change nothing
    return fields


#: where each value is found, first key first (Security events, then the RDP logs' names): the
#: LogonType, client address, client port, client name, user, domain, authentication package and
#: session of the record
_KEYS: Final = (
    ("LogonType",),
    ("IpAddress", "ClientAddress", "Param3", "Address", "ClientIP"),
    ("IpPort",),
    ("WorkstationName", "ClientName"),
    ("TargetUserName", "AccountName", "Param1", "User"),
    ("TargetDomainName", "AccountDomain", "Param2"),
    ("AuthenticationPackageName",),
    ("TargetLogonId", "LogonID", "SessionID"),
)
_TEMPLATE: Final[dict[str, Any]] = dict.fromkeys(RatRecord.model_fields) | {"tool": "windows-security"}
_ALL_FIELDS: Final = set(RatRecord.model_fields)


def _values(data: Mapping[str, Any], groups: tuple[tuple[str, ...], ...]) -> list[str | None]:
    """For each group of keys (:data:`_KEYS`), the first value that is neither empty nor ``-``,
    as stripped text.

    All eight in one call, once per event: a helper called for each cost more than its loop.
    """
    get = data.get
    found: list[str | None] = []
    for keys in groups:
        text = None
        for key in keys:
            v = get(key)
            if v is not None:
                text = (v if v.__class__ is str else str(v)).strip()
                if text and text != "-":
                    break
                text = None
        found.append(text)
    return found


_XML_DECL: Final = re.compile(rb"<\?xml[^>]{0,200}\?>")


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def read_winevt_xml(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read Windows Event XML (``<Events>`` or bare ``<Event>`` elements)."""
    data = read_all(fh, name)
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    # evtx_dump writes one document per record, each with its own declaration: blank them all
    # out (same length, so lines and columns stay where they were)
    body = _XML_DECL.sub(lambda m: b" " * len(m.group(0)), body)
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
            provider_el = fields.get("Provider")
            provider = str(provider_el.get("Name") or "") if provider_el is not None else ""
            values = _xml_values(ev)
            raw = etree.tostring(ev, encoding="unicode", with_tail=False)
            row = _record(event_id, str(time_text), computer, values, "winevt-xml", name, line, raw, provider)
            yield whole_record(RatRecord, row, _ALL_FIELDS)
        except (ValueError, KeyError) as exc:
            on_error(RecordError(f"Event: {describe(exc)}", source=name, line=line))
    if not events.found and not events.reported and (len(root) or (root.text or "").strip()):
        on_error(RecordError("no <Event> element in the input", source=name, line=offset + 1))


def _xml_values(ev: Any) -> dict[str, Any]:
    """EventData's ``<Data Name=...>`` values and UserData's named leaf elements (``Param1`` ...)."""
    values: dict[str, Any] = {}
    for part in ev:
        where = _local(part.tag)
        if where == "EventData":
            for d in part.iter():
                if _local(d.tag) == "Data" and d.get("Name"):
                    values[str(d.get("Name"))] = d.text or ""
        elif where == "UserData":
            for d in part.iter():
                if len(d) == 0 and _local(d.tag):
                    values[_local(d.tag)] = d.text or ""
    return values


def _text(v: Any) -> str | None:
    if isinstance(v, dict):
        v = v.get("#text")
    return None if v is None else str(v)


def _user_data(ud: Any) -> dict[str, Any]:
    """UserData's values: its one child object (``EventXML``, ``LogFileCleared`` ...) flattened."""
    if not isinstance(ud, dict):
        return {}
    out: dict[str, Any] = {}
    for value in ud.values():
        if isinstance(value, dict):
            out.update({k: v for k, v in value.items() if k != "#attributes"})
    return out


def _evtx_dump(ev: dict[str, Any]) -> tuple[str | None, Any, str | None, dict[str, Any], str]:
    system = ev.get("System") or {}
    created = system.get("TimeCreated") or {}
    attrs = created.get("#attributes", {}) if isinstance(created, dict) else {}
    data = ev.get("EventData") or {}
    if not isinstance(data, dict):
        raise ValueError("Event.EventData is not an object")
    user_data = ev.get("UserData")
    if user_data is not None:  # UserData's values, under EventData's
        data = {**_user_data(user_data), **data}
    provider = system.get("Provider") or {}
    pattrs = provider.get("#attributes", {}) if isinstance(provider, dict) else {}
    return (
        _text(system.get("EventID")),
        attrs.get("SystemTime"),
        _text(system.get("Computer")),
        data,
        str(pattrs.get("Name") or ""),
    )


def _winlogbeat(obj: dict[str, Any]) -> tuple[str | None, Any, str | None, dict[str, Any], str]:
    wl = obj["winlog"]
    event_id = _text(wl.get("event_id"))
    if event_id is None and isinstance(obj.get("event"), dict):
        event_id = _text(obj["event"].get("code"))
    data = wl.get("event_data") or {}
    if not isinstance(data, dict):
        raise ValueError("winlog.event_data is not an object")
    user_data = wl.get("user_data")
    if isinstance(user_data, dict):
        data = {**user_data, **data}
    time_text = obj.get("@timestamp") or wl.get("time_created")  # golden files have no @timestamp
    return event_id, time_text, _text(wl.get("computer_name")), data, str(wl.get("provider_name") or "")


def _compiled() -> Any:
    """The compiled line check and value picker (``_cevtx``), set up for this reader, or ``None``
    when it is not built: then lines go through json.loads and :func:`_values` picks the values."""
    try:
        from . import _cevtx
    except ImportError:
        return None
    # the EventData members _values() looks up: the only ones the line check decodes
    _cevtx.configure(_SCAN, {key for keys in _KEYS for key in keys})
    return _cevtx


_COMPILED: Final = _compiled()
#: what the reader uses: the compiled parts unless ``IODEF_PURE_PYTHON=1`` (to compare)
_USED: Final = None if os.environ.get("IODEF_PURE_PYTHON") else _COMPILED
_FAST: LineDecoder | None = _USED.event if _USED is not None else None
_pick: Callable[[dict[str, Any], tuple[tuple[str, ...], ...]], list[str | None]] = (
    _USED.values if _USED is not None else _values
)


def read_winevt_json(fh: IO[bytes], name: str, on_error: OnError, *, rows: bool = False) -> Iterator[Any]:
    """Read evtx_dump / chainsaw JSON and Winlogbeat JSON: lines, a sequence of (pretty-printed)
    objects, a JSON array, or an Elasticsearch search response (``hits.hits[]._source``). With
    *rows*, yield light rows (the records' fields as dicts, for the grouper) instead of records."""
    for number, text, obj in json_objects(fh, name, on_error, _FAST):
        try:
            if isinstance(obj.get("Event"), dict):  # evtx_dump / chainsaw
                event_id, time_text, computer, data, provider = _evtx_dump(obj["Event"])
            elif isinstance(obj.get("winlog"), dict):  # Winlogbeat
                event_id, time_text, computer, data, provider = _winlogbeat(obj)
            else:
                raise ValueError("neither an evtx_dump 'Event' nor a Winlogbeat 'winlog' object")
            if not event_id:
                raise ValueError("no event ID")
            if not isinstance(time_text, str):
                raise ValueError("no event time")
            row = _record(event_id, time_text, computer, data, "winevt-json", name, number, text, provider)
        except (ValueError, TypeError, AttributeError, OverflowError) as exc:
            on_error(RecordError(f"bad event: {describe(exc)}", source=name, line=number))
            continue
        yield row if rows else whole_record(RatRecord, row, _ALL_FIELDS)
