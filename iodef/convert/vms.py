"""Threats to video management systems (ITU-T X.1453): camera, NVR and VMS events -> IODEF.

Records come from ONVIF event notifications, Hikvision ISAPI ``EventNotificationAlert``, VMS
audit logs (CSV or JSON lines), camera/NVR syslog (RFC 5424 and RFC 3164), or the canonical
JSON-lines form of :class:`VmsRecord`. Grouping: by default by ``actor`` (the client IP address,
else the user, else the device) within a one-hour session window, so 600 failed log-ins, the log-in
that finally succeeds and the export that follows are one incident.

Event types and whether they make an incident (:data:`INCIDENT_TABLE`, overridable; the impact
each maps to is in :data:`IMPACTS`):

===============  ========  ==========================================================
event            incident  meaning
===============  ========  ==========================================================
tamper           yes       camera tampering: covered, moved, defocused, scene change
video-loss       yes       video signal lost
storage-failure  yes       recording storage failed or is full
illegal-login    yes       the device reports an illegal / unauthorised log-in
login-failed     yes       a failed log-in
export           yes       recordings exported
delete           yes       recordings deleted
config-change    yes       device or system configuration changed
firmware-update  yes       firmware changed
device-remove    yes       a camera was removed from the VMS
login            no        a successful log-in (counted; joins an incident in its window)
logout           no        a log-out
view-live        no        live view opened
playback         no        recordings played back
ptz              no        pan/tilt/zoom moved
device-add       no        a camera was added
motion           no        motion detection (counted only)
digital-input    no        a digital input changed
cleared          no        a condition ended (an ONVIF state went false)
other            no        anything else
===============  ========  ==========================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from ..model import (
    Assessment,
    Counter,
    Discovery,
    DomainData,
    EventData,
    Expectation,
    ExtensionType,
    Flow,
    Incident,
    IncidentID,
    IODEFDocument,
    Method,
    Node,
    NodeRole,
    Record,
    RecordData,
    Reference,
    SoftwareType,
    System,
    SystemImpact,
)
from ._addresses import address_for, mac_address, node_of
from ._building import (
    creator_contact,
    join_fields,
    listed_of,
    mk,
    not_listed_item,
    one_document,
    split_fields,
    text_item,
)
from ._grouping import Group, Grouper, Row, family_grouper, stream_incidents, table_lookup
from ._identity import Pseudonymizer, accounts_record
from ._options import BaseRecord, ConvertOptions
from ._times import iso

__all__ = ["DEFAULT_KEYS", "IMPACTS", "INCIDENT_TABLE", "VmsRecord", "convert", "incidents"]

FAMILY: Final = "vms"
INCIDENT_TABLE: Final[dict[str, bool]] = {
    "tamper": True,
    "video-loss": True,
    "storage-failure": True,
    "illegal-login": True,
    "login-failed": True,
    "export": True,
    "delete": True,
    "config-change": True,
    "firmware-update": True,
    "device-remove": True,
    "login": False,
    "logout": False,
    "view-live": False,
    "playback": False,
    "ptz": False,
    "device-add": False,
    "motion": False,
    "digital-input": False,
    "cleared": False,
    "other": False,
}
DEFAULT_KEYS: Final = ("actor",)

#: event -> (SystemImpact@type, severity, IncidentCategory from the X.1453 taxonomy of the notes)
IMPACTS: Final[dict[str, tuple[str, str, str]]] = {
    "tamper": ("availability-service", "high", "camera-tampering"),
    "video-loss": ("availability-service", "medium", "video-loss"),
    "storage-failure": ("availability-data", "high", "storage-failure"),
    "illegal-login": ("takeover-account", "high", "unauthorized-access"),
    "login-failed": ("takeover-account", "medium", "unauthorized-access"),
    "export": ("breach-privacy", "high", "data-exfiltration"),
    "delete": ("damaged-data", "high", "video-tampering"),
    "config-change": ("integrity-configuration", "medium", "config-change"),
    "firmware-update": ("integrity-hardware", "high", "firmware-compromise"),
    "device-remove": ("availability-service", "medium", "camera-removed"),
}
_REFERENCES: Final[dict[str, tuple[str, str]]] = {
    "login-failed": ("https://attack.mitre.org/techniques/T1110/", "ATT&CK T1110 Brute Force"),
    "illegal-login": ("https://attack.mitre.org/techniques/T1078/", "ATT&CK T1078 Valid Accounts"),
    "tamper": ("https://attack.mitre.org/techniques/T0815/", "ATT&CK for ICS T0815 Denial of View"),
    "video-loss": ("https://attack.mitre.org/techniques/T0815/", "ATT&CK for ICS T0815 Denial of View"),
    "delete": ("https://attack.mitre.org/techniques/T0832/", "ATT&CK for ICS T0832 Manipulation of View"),
    "firmware-update": ("https://attack.mitre.org/techniques/T1495/", "ATT&CK T1495 Firmware Corruption"),
}
_DISCOVERY: Final = {
    "onvif": "device-log",
    "hikvision": "device-log",
    "syslog": "device-log",
    "vms-audit-csv": "application-log",
    "vms-audit-json": "application-log",
}
BRUTE_FORCE_THRESHOLD: Final = 5


class VmsRecord(BaseRecord):
    """One camera, NVR or VMS event. The canonical JSON-lines record is this model.

    Example::

        {"time": "2025-03-04T02:11:09Z", "event": "login-failed", "device": "vms-01",
         "source_ip": "198.51.100.4", "user": "admin"}

    ``device`` is what the event is about (camera or channel id, NVR or VMS server name);
    ``actor`` (a property, the default grouping key) is the client IP, else the user, else the
    device.
    """

    device: str | None = None
    device_ip: str | None = None
    device_mac: str | None = None
    device_kind: str = "camera"
    server: str | None = None
    vendor: str | None = None
    model: str | None = None
    firmware: str | None = None
    source_ip: str | None = None
    user: str | None = None
    client_app: str | None = None
    detail: str | None = None
    result: str | None = None
    count: int = 1

    @property
    def actor(self) -> str:
        return self.source_ip or self.user or self.device or self.device_ip or "-"


#: how many source addresses an incident lists; the rest are counted and said to be left out
LIST_SOURCES: Final = 16


def _observe(g: Group[VmsRecord], r: Row) -> None:
    dev = r["device"] or r["device_ip"]
    if dev:
        g.note("device", join_fields(dev, r["device_ip"] or "", r["device_mac"] or "", r["device_kind"]), 256)
    g.note("server", r["server"], 16)
    g.note("source_ip", r["source_ip"], 1000)  # kept to be counted; build() lists LIST_SOURCES
    g.note("user", r["user"], 1000)
    g.note("format", r["format"], 16)
    vendor, model = r["vendor"], r["model"]
    g.note(
        "firmware",
        join_fields(vendor or "", model or "", r["firmware"] or "") if vendor or model else None,
        16,
    )
    event = r["event"]
    if r["detail"] and INCIDENT_TABLE.get(event, False):
        g.note("detail", f"{event}: {r['detail']}", 32)
    if r["count"] > 1:
        g.events[event] += r["count"] - 1


def grouper(options: ConvertOptions) -> Grouper[VmsRecord]:
    worthy = table_lookup(INCIDENT_TABLE, options.incident_table)
    return family_grouper(options, VmsRecord, DEFAULT_KEYS, worthy, _observe)


def incidents(records: Iterable[VmsRecord], options: ConvertOptions | None = None) -> Iterator[Incident]:
    """Group *records* and yield one Incident per group that holds an incident-worthy event."""
    options = options or ConvertOptions()
    return stream_incidents(grouper(options), records, options, build)


def convert(records: Iterable[VmsRecord], options: ConvertOptions | None = None) -> IODEFDocument:
    """All incidents of *records* in one document (:class:`iodef.ConvertError` when there are none)."""
    return one_document(incidents(records, options))


def _assessment(group: Group[VmsRecord], worthy: list[str], sources_cut: str | None) -> Assessment:
    """What the incident did (§3.12): one SystemImpact per incident-worthy event type, and counts."""
    ev = group.events
    failures = ev.get("login-failed", 0)
    logins = ev.get("login", 0)
    impacts: list[SystemImpact] = []
    categories: list[str] = []
    for e in worthy:
        itype, severity, category = IMPACTS[e]
        if e == "login-failed":
            completion = "succeeded" if logins else "failed"
            severity = "high" if logins else severity
            desc = f"{failures} failed log-in(s)" + (f", then {logins} successful" if logins else "")
        else:
            completion = "succeeded"
            desc = f"{ev[e]} {e} event(s)"
        impacts.append(
            mk(SystemImpact, type=itype, severity=severity, completion=completion, descriptions=[desc])
        )
        if category not in categories:
            categories.append(category)
    if failures >= BRUTE_FORCE_THRESHOLD and "brute-force" not in categories:
        categories.append("brute-force")
    counters = [mk(Counter, type="counter", unit="event", value=group.count, meaning="records")]
    counters += [mk(Counter, type="counter", unit="event", value=n, meaning=e) for e, n in sorted(ev.items())]
    if sources_cut:
        counters.append(
            mk(
                Counter,
                type="counter",
                unit="host",
                value=len(group.values("source_ip")),
                meaning="distinct source addresses",
            )
        )
    return mk(
        Assessment,
        occurrence="actual",
        incident_categories=categories,
        system_impacts=impacts,
        counters=counters,
    )


def _references(group: Group[VmsRecord], worthy: list[str]) -> list[Reference]:
    refs = []
    seen: set[str] = set()
    for e in worthy:
        if e in _REFERENCES and _REFERENCES[e][0] not in seen:
            url, desc = _REFERENCES[e]
            seen.add(url)
            refs.append(mk(Reference, urls=[url], descriptions=[desc]))
    if group.events.get("login-failed", 0) >= BRUTE_FORCE_THRESHOLD:
        refs.append(
            mk(
                Reference,
                urls=["https://capec.mitre.org/data/definitions/49.html"],
                descriptions=["CAPEC-49 Password Brute Forcing"],
            )
        )
    return refs


def _device_system(device: str, firmware: list[str]) -> System | None:
    """The target System of one device (``name|ip|mac|kind``), with the first firmware seen.

    ``None`` when the device has neither an address nor a name (a Node needs one of them).
    """
    name, ip, mac, kind = split_fields(device)
    addrs = [address_for(ip)] if ip else []
    mac_text = mac_address(mac)
    if mac_text:
        addrs.append(address_for(mac_text, kind="mac"))
    roles = (
        [mk(NodeRole, category="camera")]
        if kind in ("camera", "nvr")
        else [mk(NodeRole, category="streaming")]
    )
    if kind == "nvr":
        roles.append(mk(NodeRole, category="file", descriptions=["network video recorder"]))
    node = node_of(addrs, [name])
    if node is None:
        return None
    os_list = []
    for fw in firmware[:1]:
        vendor, model, version = split_fields(fw)
        os_list.append(mk(SoftwareType, descriptions=[" ".join(x for x in (vendor, model, version) if x)]))
    return mk(
        System,
        category="target",
        ownership="organization",
        node=node,
        node_roles=roles,
        asset_ids=[name] if name else [],
        operating_systems=os_list,
        descriptions=[f"{kind} {name}"] if name else [],
    )


def _systems(group: Group[VmsRecord], options: ConvertOptions, sources_cut: str | None) -> list[System]:
    """The source (who acted, when known) and the target devices and VMS servers."""
    systems: list[System] = []
    source_ips = group.values("source_ip")
    if source_ips:
        systems.append(
            mk(
                System,
                category="source",
                node=mk(Node, addresses=[address_for(ip) for ip in source_ips[:LIST_SOURCES]]),
                node_roles=[mk(NodeRole, category="client")],
                descriptions=[sources_cut] if sources_cut else [],
            )
        )
    firmware = group.values("firmware")
    for d in group.values("device")[: options.max_samples]:
        system = _device_system(d, firmware)
        if system is not None:
            systems.append(system)
    for server in group.values("server")[:4]:
        if not any(server in s.asset_ids for s in systems):
            systems.append(
                mk(
                    System,
                    category="target",
                    ownership="organization",
                    node=mk(Node, domain_data_list=[mk(DomainData, name=server)]),
                    node_roles=[mk(NodeRole, category="streaming", descriptions=["video management system"])],
                    asset_ids=[server],
                )
            )
    return systems


def _record_data(group: Group[VmsRecord], options: ConvertOptions, pseudo: Pseudonymizer) -> list[RecordData]:
    """The accounts used, the event details, and the raw records as evidence (unless pseudonymised)."""
    record_data = []
    users = group.values("user")
    if users:
        record_data.append(accounts_record(users, "user" in group.overflow, options, pseudo))
    details = group.values("detail")
    if details:
        record_data.append(
            mk(RecordData, descriptions=["event details"], record_items=[text_item(d) for d in details])
        )
    if pseudo.active:
        return record_data
    evidence = group.evidence()
    for fmt in group.values("format"):
        lines = [s for s in evidence if s.format == fmt and s.raw]
        if lines:
            record_data.append(
                mk(
                    RecordData,
                    restriction=options.private_restriction,
                    date_time=lines[0].time,
                    application=mk(SoftwareType, descriptions=[f"{fmt} input"]),
                    descriptions=[f"{len(lines)} of the {group.count} records"],
                    record_items=[text_item(s.raw or "", meaning="raw-record") for s in lines],
                )
            )
    return record_data


def _expectations(group: Group[VmsRecord], worthy: list[str]) -> list[Expectation]:
    expectations = []
    source_ips = group.values("source_ip")
    if source_ips:
        block = f"block {', '.join(source_ips[:4])}"
        if len(source_ips) > 4:
            block += f" and {len(source_ips) - 4} more source address(es)"
        if "source_ip" in group.overflow:
            block += " (and more not counted)"
        expectations.append(mk(Expectation, action="block-host", descriptions=[block]))
    expectations.append(mk(Expectation, action="investigate"))
    if any(e in worthy for e in ("login-failed", "illegal-login")):
        expectations.append(
            mk(
                Expectation,
                action="harden-asset",
                descriptions=["change default credentials; limit management access"],
            )
        )
    if "firmware-update" in worthy:
        expectations.append(
            mk(Expectation, action="upgrade-software", descriptions=["reinstall vendor firmware"])
        )
    return expectations


def _not_listed(group: Group[VmsRecord], options: ConvertOptions) -> ExtensionType | None:
    over = group.overflow
    details = group.values("detail")
    return not_listed_item(
        [
            listed_of("devices", len(group.values("device")), options.max_samples, "device" in over),
            listed_of("VMS servers", len(group.values("server")), 4, "server" in over),
            listed_of("firmware versions", len(group.values("firmware")), 1, "firmware" in over),
            listed_of("event details", len(details), len(details), "detail" in over),
        ]
    )


def build(group: Group[VmsRecord], options: ConvertOptions, pseudo: Pseudonymizer) -> Incident:
    """One Incident from a closed group of VMS records (RFC 7970 §3.2)."""
    ev = group.events
    first = group.samples[0]
    logins = ev.get("login", 0)
    worthy = [e for e in sorted(ev) if e in IMPACTS]
    source_ips = group.values("source_ip")
    sources_cut = listed_of("source addresses", len(source_ips), LIST_SOURCES, "source_ip" in group.overflow)
    refs = _references(group, worthy)
    record_data = _record_data(group, options, pseudo)
    systems = _systems(group, options, sources_cut)
    event = mk(
        EventData,
        start_time=group.first,
        end_time=group.last,
        flows=[mk(Flow, systems=systems)] if systems else [],
        expectations=_expectations(group, worthy),
        record=mk(Record, record_data_list=record_data) if record_data else None,
    )
    who = first.source_ip or (pseudo(first.user) if first.user else None) or first.device or "unknown"
    devices = len(group.values("device")) or len(group.values("server"))
    summary = (
        f"{', '.join(f'{ev[e]} {e}' for e in worthy)} event(s) involving {who}"
        + (f" on {devices} device(s)" if devices else "")
        + f" between {iso(group.first)} and {iso(group.last)}"
        + (f"; {logins} successful log-in(s)" if logins else "")
        + "."
    )
    ident = group.digest(FAMILY, options.name, options.pseudonymize_key)
    additional = [n for n in [pseudo.note(), _not_listed(group, options)] if n is not None]
    return mk(
        Incident,
        purpose="mitigation",
        status="new",
        restriction=options.restriction,
        incident_id=mk(IncidentID, name=options.name, value=f"vms-{ident}"),
        detect_time=group.first,
        start_time=group.first,
        end_time=group.last,
        generation_time=options.now(),
        descriptions=[summary],
        discoveries=[
            mk(Discovery, source=_DISCOVERY.get(fmt, "unknown"), descriptions=[f"read from {fmt} input"])
            for fmt in group.values("format")
        ],
        assessments=[_assessment(group, worthy, sources_cut)],
        methods=[mk(Method, references=refs)] if refs else [],
        contacts=[creator_contact(options.name)],
        event_data_list=[event],
        additional_data_list=additional,
    )
