"""RAT misuse (ITU-T X.1333): remote-access sessions and log-ins against control systems -> IODEF.

Records come from Zeek (rdp/ssh/rfb logs), Windows Security events 4624/4625/4778/4779 and the RDP
events of RemoteConnectionManager (1149), LocalSessionManager (21/24/25) and RdpCoreTS (131),
TeamViewer and AnyDesk connection and service logs, Suricata EVE, XARF log-in attack reports, or
the canonical JSON-lines form of :class:`RatRecord`.
Grouping: by default all records from one remote source (IP address, or RAT ID when there is no
address) within a one-hour session window make one incident, so 600 failed log-ins followed by a
success are one incident whose Counter says 600.

Event types and whether they make an incident (:data:`INCIDENT_TABLE`, overridable):

================  ========  ====================================================
event             incident  meaning
================  ========  ====================================================
login-failure     yes       an authentication attempt was refused
login-success     yes       a remote session was authenticated
session           yes       a remote-access session from a public address, outcome unknown
internal-session  no        such a session from a private address (counted; joins an incident)
reconnect         yes       a session was reconnected (Windows 4778, LocalSessionManager 25)
rdp-tunnel        yes       an RDP log-on from the loopback address: RDP through a tunnel
alert             yes       an IDS signature fired (Suricata)
logoff            no        a session ended (counted only)
logon-local       no        a Windows log-on that was not remote (counted only)
outgoing          no        an outgoing AnyDesk connection (counted only)
other             no        any other event of a supported log (counted only)
================  ========  ====================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from operator import itemgetter
from typing import Any, Final

from ..model import (
    Assessment,
    Counter,
    Discovery,
    EventData,
    Expectation,
    Flow,
    Incident,
    IncidentID,
    IODEFDocument,
    Method,
    MLStringType,
    NodeRole,
    Record,
    RecordData,
    Reference,
    Service,
    ServiceName,
    SoftwareType,
    System,
    SystemImpact,
)
from ._addresses import address_for, is_public_ip, node_of
from ._building import creator_contact, join_fields, mk, one_document, split_fields, text_item
from ._grouping import Group, Grouper, Row, family_grouper, row_key, stream_incidents
from ._identity import Pseudonymizer, accounts_record
from ._options import BaseRecord, ConvertOptions
from ._times import iso

__all__ = ["DEFAULT_KEYS", "INCIDENT_TABLE", "RatRecord", "convert", "incidents"]

FAMILY: Final = "rat"

INCIDENT_TABLE: Final[dict[str, bool]] = {
    "login-failure": True,
    "login-success": True,
    "session": True,
    "internal-session": False,
    "reconnect": True,
    "rdp-tunnel": True,
    "alert": True,
    "logoff": False,
    "logon-local": False,
    "outgoing": False,
    "other": False,
}
DEFAULT_KEYS: Final = ("origin",)

#: Well-known ports and IANA service names of remote-access protocols.
PROTOCOLS: Final[dict[str, tuple[int, str | None, str]]] = {
    "rdp": (3389, "ms-wbt-server", "Remote Desktop Protocol"),
    "ssh": (22, "ssh", "Secure Shell"),
    "vnc": (5900, "rfb", "VNC (Remote Framebuffer)"),
    "teamviewer": (5938, None, "TeamViewer"),
    "anydesk": (7070, None, "AnyDesk"),
}

#: Techniques (MITRE ATT&CK v16 Enterprise and ICS, CAPEC) referenced by URL and description.
_ATTACK: Final[dict[str, tuple[str, str]]] = {
    "rdp": ("https://attack.mitre.org/techniques/T1021/001/", "ATT&CK T1021.001 Remote Services: RDP"),
    "ssh": ("https://attack.mitre.org/techniques/T1021/004/", "ATT&CK T1021.004 Remote Services: SSH"),
    "vnc": ("https://attack.mitre.org/techniques/T1021/005/", "ATT&CK T1021.005 Remote Services: VNC"),
    "teamviewer": (
        "https://attack.mitre.org/techniques/T1219/",
        "ATT&CK T1219 Remote Access Tools (v16 name)",
    ),
    "anydesk": ("https://attack.mitre.org/techniques/T1219/", "ATT&CK T1219 Remote Access Tools (v16 name)"),
    "external": (
        "https://attack.mitre.org/techniques/T0822/",
        "ATT&CK for ICS T0822 External Remote Services",
    ),
    "brute": ("https://attack.mitre.org/techniques/T1110/", "ATT&CK T1110 Brute Force"),
    "capec49": ("https://capec.mitre.org/data/definitions/49.html", "CAPEC-49 Password Brute Forcing"),
    "valid": ("https://attack.mitre.org/techniques/T1078/", "ATT&CK T1078 Valid Accounts"),
}

#: Where each reader's records come from (Discovery@source, RFC 7970 §3.10).
_DISCOVERY: Final[dict[str, str]] = {
    "zeek-tsv": "nidps",
    "zeek-json": "nidps",
    "suricata": "nidps",
    "winevt-xml": "os-log",
    "winevt-json": "os-log",
    "teamviewer": "application-log",
    "anydesk": "application-log",
}
BRUTE_FORCE_THRESHOLD: Final = 5


class RatRecord(BaseRecord):
    """One remote-access event. The canonical JSON-lines record (``--from jsonl``) is this model.

    Example::

        {"time": "2025-03-04T03:12:00Z", "event": "login-success", "protocol": "rdp",
         "source_ip": "203.0.113.9", "target_ip": "10.20.0.5", "target_port": 3389, "user": "operator"}

    ``origin`` (a property) is the remote party: its IP address, else its RAT ID, else its name.
    """

    protocol: str | None = None
    tool: str | None = None
    source_ip: str | None = None
    source_port: int | None = None
    source_id: str | None = None
    source_name: str | None = None
    target_ip: str | None = None
    target_port: int | None = None
    target_host: str | None = None
    user: str | None = None
    domain: str | None = None
    auth_method: str | None = None
    attempts: int | None = None
    session_id: str | None = None
    end_time: datetime | None = None
    signature: str | None = None
    signature_id: int | None = None
    severity: int | None = None

    @property
    def origin(self) -> str | None:
        return self.source_ip or self.source_id or self.source_name

    @property
    def target(self) -> str | None:
        return self.target_ip or self.target_host


#: what makes a record tell the group something new (one C call per record, from its fields)
_SIGNATURE: Final = itemgetter(
    "target_ip",
    "target_host",
    "target_port",
    "protocol",
    "user",
    "format",
    "tool",
    "signature",
    "source_ip",
    "source_id",
    "source_name",
)
#: how many distinct signatures a group keeps (each with the first signature ID seen with it)
_SEEN: Final = 4096


def _observe(g: Group[RatRecord], r: Row) -> None:
    sig = _SIGNATURE(r)
    seen = g.seen
    if sig not in seen:
        if len(seen) < _SEEN:
            # what it tells the group is noted when the group is built (_noted), from the kept
            # signatures in the order they came: most groups never are (a session from a private
            # address, a source that tried once), and their notes were most of this function's cost
            seen[sig] = r["signature_id"]
        else:
            _noted(g)
            _note(g, sig, r["signature_id"])
    end_time = r["end_time"]
    if end_time is not None and end_time > g.last:
        g.last = end_time
    attempts = r["attempts"]
    if attempts and attempts > 1 and r["event"] == "login-failure":
        g.events["login-failure"] += attempts - 1


def _note(g: Group[RatRecord], sig: tuple[Any, ...], signature_id: int | None) -> None:
    """Note the distinct values one signature (see :data:`_SIGNATURE`) brings to the group."""
    target_ip, target_host, target_port, protocol, user, fmt, tool, signature, src_ip, src_id, src_name = sig
    limit = 1000
    g.note("target", target_ip or target_host, limit)
    g.note("protocol", protocol, 16)
    g.note("user", user, limit)
    g.note("format", fmt, 16)
    g.note("tool", tool, 16)
    if target_ip and target_port is not None:
        g.note("target_port", join_fields(target_ip, str(target_port), protocol or ""), limit)
    if signature:
        g.note("signature", f"{signature_id or ''}|{signature}", 64)
    # kept up to *limit* so that the incident can say how many there were; build() lists fewer
    g.note("source_id", src_id, limit)
    g.note("source_name", src_name, limit)
    g.note("source_ip", src_ip, limit)


def _noted(g: Group[RatRecord]) -> None:
    """Note what the group's kept signatures tell, once (before it is built, or when it keeps no
    more signatures and notes each new one as it comes)."""
    if "noted" not in g.state:
        g.state["noted"] = True
        for sig, signature_id in g.seen.items():
            _note(g, sig, signature_id)


#: how many source addresses (and client names, ports per target) an incident lists; the rest
#: are counted and the incident says how many it left out
LIST_SOURCES: Final = 16
LIST_NAMES: Final = 4
LIST_PORTS: Final = 8


def _of(shown: int, total: int, more: bool, what: str) -> str:
    """``"16 of 30 source addresses listed"`` (``"of more than 1000"`` when counting stopped)."""
    return f"{shown} of {'more than ' if more else ''}{total} {what} listed"


def _worthy(options: ConvertOptions) -> Callable[[Row], bool]:
    table = dict(INCIDENT_TABLE)
    if options.incident_table:
        table.update(options.incident_table)
    default = table.get("*", False)

    def worthy(r: Row) -> bool:
        return table.get(r["event"], default)

    return worthy


def _classify(d: Row) -> str:
    """A session inside private address space is an ``internal-session`` (not an incident by default)."""
    event: str = d["event"]
    if event == "session":
        ip = d["source_ip"]
        if ip and not is_public_ip(ip):
            return "internal-session"
    return event


def _origin_key(d: Row) -> tuple[str, ...]:
    """``row_key(("origin",))`` without the property call: the default key, read per record."""
    v = d["source_ip"] or d["source_id"] or d["source_name"]
    return (v if v.__class__ is str else str(v) if v is not None else "-",)


def _key(keys: tuple[str, ...]) -> Callable[[Row], Any]:
    return _origin_key if keys == ("origin",) else row_key(keys, RatRecord)  # the default, read directly


def grouper(options: ConvertOptions) -> Grouper[RatRecord]:
    worthy = _worthy(options)
    return family_grouper(
        options, RatRecord, DEFAULT_KEYS, worthy, _observe, _key, _classify, classify_events=("session",)
    )


def incidents(records: Iterable[RatRecord], options: ConvertOptions | None = None) -> Iterator[Incident]:
    """Group *records* and yield one Incident per group that holds an incident-worthy event."""
    options = options or ConvertOptions()
    return stream_incidents(grouper(options), records, options, build)


def convert(records: Iterable[RatRecord], options: ConvertOptions | None = None) -> IODEFDocument:
    """All incidents of *records* in one document (:class:`iodef.ConvertError` when there are none)."""
    return one_document(incidents(records, options))


def _assessment(group: Group[RatRecord], origin: str, counters: list[Counter]) -> Assessment:
    """Assessment (§3.12): the account takeover succeeded when a log-in succeeded."""
    ev = group.events
    failures = ev.get("login-failure", 0)
    successes = ev.get("login-success", 0)
    sessions = ev.get("session", 0) + ev.get("reconnect", 0)
    alerts = ev.get("alert", 0)
    brute = failures >= BRUTE_FORCE_THRESHOLD
    impacts: list[SystemImpact] = []
    if successes:
        impacts.append(
            mk(
                SystemImpact,
                type="takeover-account",
                completion="succeeded",
                severity="high",
                descriptions=[f"{successes} successful remote log-in(s) from {origin}"],
            )
        )
    if failures:
        impacts.append(
            mk(
                SystemImpact,
                type="takeover-account" if not successes else "breach-credential",
                completion="failed" if not successes else "succeeded",
                severity="medium" if brute else "low",
                descriptions=[f"{failures} failed log-in attempt(s) from {origin}"],
            )
        )
    if not impacts:
        impacts.append(
            mk(
                SystemImpact,
                type="unknown",
                severity="medium" if alerts else "low",
                descriptions=[
                    f"{sessions + alerts} remote-access session(s) or alert(s) from {origin}; outcome unknown"
                ],
            )
        )
    categories = ["rat-misuse"]
    if brute:
        categories.append("brute-force")
    if alerts:
        categories.append("ids-alert")
    counters = [
        mk(Counter, type="counter", unit="event", value=group.count, meaning="records"),
        *(mk(Counter, type="counter", unit="event", value=n, meaning=e) for e, n in sorted(ev.items())),
        *counters,
    ]
    return mk(
        Assessment,
        occurrence="actual",
        incident_categories=categories,
        system_impacts=impacts,
        counters=counters,
    )


def _methods(group: Group[RatRecord], first: RatRecord) -> list[Method]:
    """Method (§3.11): ATT&CK / CAPEC by URL + Description (no RFC 7495 index is registered)."""
    ev = group.events
    protocols = group.values("protocol")
    brute = ev.get("login-failure", 0) >= BRUTE_FORCE_THRESHOLD
    refs = []
    wanted = [p for p in protocols if p in _ATTACK]
    if is_public_ip(first.source_ip) or any(p in ("teamviewer", "anydesk") for p in protocols):
        wanted.append("external")
    if brute:
        wanted += ["brute", "capec49"]
    if brute and ev.get("login-success", 0):
        wanted.append("valid")
    seen_urls: set[str] = set()
    for w in wanted:
        url, desc = _ATTACK[w]
        if url not in seen_urls:
            seen_urls.add(url)
            refs.append(mk(Reference, urls=[url], descriptions=[desc]))
    signatures = group.values("signature")
    for sig in signatures:
        sid, _, text = sig.partition("|")
        refs.append(mk(Reference, descriptions=[f"Suricata signature {sid}: {text}" if sid else text]))
    if "signature" in group.overflow:
        refs.append(
            mk(Reference, descriptions=[f"more than {len(signatures)} signatures; the first are listed"])
        )
    return [mk(Method, references=refs)] if refs else []


def _source_system(group: Group[RatRecord], first: RatRecord) -> tuple[System | None, list[Counter]]:
    """The remote source (its addresses, RAT IDs or client names) and the counts of what it cut.

    ``None`` when the records name no source at all: a Node needs an Address or a DomainData.
    """
    over = group.overflow
    src_ips = group.values("source_ip")
    src_ids = group.values("source_id")
    src_names = group.values("source_name")
    src_addresses = [address_for(ip) for ip in src_ips[:LIST_SOURCES]]
    src_addresses += [address_for(i, kind="rat-id") for i in src_ids[:LIST_SOURCES]]
    names_shown = src_names[:LIST_SOURCES] if src_addresses else src_names[:LIST_NAMES]
    notes = []
    counters = []
    for what, values, field_name in (
        ("source addresses", src_ips, "source_ip"),
        ("remote-access IDs", src_ids, "source_id"),
    ):
        if len(values) > LIST_SOURCES or field_name in over:
            notes.append(_of(LIST_SOURCES, len(values), field_name in over, what))
            counters.append(
                mk(Counter, type="counter", unit="host", value=len(values), meaning=f"distinct {what}")
            )
    if len(src_names) > len(names_shown) or "source_name" in over:
        notes.append(_of(len(names_shown), len(src_names), "source_name" in over, "client names"))
    node = node_of(src_addresses, [] if src_addresses else names_shown)
    if node is None:
        return None, counters
    source = mk(
        System,
        category="source",
        spoofed="unknown" if first.source_ip and first.protocol in ("rdp", "ssh", "vnc") else None,
        node=node,
        node_roles=[mk(NodeRole, category="client-remote")],
        descriptions=([f"client name {n}" for n in names_shown] if src_addresses else []) + notes,
    )
    return source, counters


def _services(ports: list[tuple[int, str]], protocols: list[str]) -> list[Service]:
    """The services reached on one target: the ports seen, else each protocol's well-known port."""
    if not ports:
        ports = [(PROTOCOLS[p][0], p) for p in protocols if p in PROTOCOLS]
    services = []
    for port_no, proto in ports[:LIST_PORTS]:
        iana = PROTOCOLS.get(proto, (0, None, ""))[1]
        services.append(
            mk(
                Service,
                ip_protocol=6,
                port=port_no,
                service_name=mk(ServiceName, iana_service=iana) if iana else None,
            )
        )
    return services


def _target_systems(group: Group[RatRecord], options: ConvertOptions) -> list[System]:
    """The systems the source reached, with the services (ports) it reached on each."""
    ports: dict[str, list[tuple[int, str]]] = {}
    for tp in group.values("target_port"):
        ip, port_text, proto = split_fields(tp)
        ports.setdefault(ip, []).append((int(port_text), proto))
    roles = [mk(NodeRole, category="remote-access")] + [
        mk(NodeRole, category=r) for r in options.target_roles
    ]
    protocols = group.values("protocol")
    systems = []
    for t in group.values("target")[: options.max_samples]:
        target_ports = ports.get(t, [])
        addr = address_for(t)
        is_ip = addr.category in ("ipv4-addr", "ipv6-addr")
        node = node_of([addr]) if is_ip else node_of([], [t])
        if node is None:
            continue
        systems.append(
            mk(
                System,
                category="target",
                ownership="organization",
                node=node,
                node_roles=roles,
                services=_services(target_ports, protocols),
                descriptions=[_of(LIST_PORTS, len(target_ports), "target_port" in group.overflow, "ports")]
                if len(target_ports) > LIST_PORTS
                else [],
            )
        )
    return systems


def _record_data(group: Group[RatRecord], options: ConvertOptions, pseudo: Pseudonymizer) -> list[RecordData]:
    """Record (§3.22): user names tried and sample raw lines, both marked private."""
    record_data = []
    users = group.values("user")
    if users:
        record_data.append(accounts_record(users, "user" in group.overflow, options, pseudo))
    if pseudo.active:
        return record_data
    evidence = group.evidence()
    for fmt in group.values("format"):
        lines = [s for s in evidence if s.format == fmt and s.raw is not None]
        if lines:
            record_data.append(
                mk(
                    RecordData,
                    restriction=options.private_restriction,
                    date_time=lines[0].time,
                    application=mk(SoftwareType, descriptions=[f"{fmt} input"]),
                    descriptions=[
                        f"first {len(lines)} of the {group.count} records"
                        if group.count > len(lines)
                        else f"the {len(lines)} record(s)"
                    ],
                    record_items=[text_item(s.raw or "", meaning="raw-record") for s in lines],
                )
            )
    return record_data


def _expectations(group: Group[RatRecord]) -> list[Expectation]:
    expectations = []
    public = [ip for ip in group.values("source_ip") if is_public_ip(ip)]
    if public:
        block = f"block {', '.join(public[:4])}"
        if len(public) > 4:
            block += f" and {len(public) - 4} more public source address(es)"
        if "source_ip" in group.overflow:
            block += " (and more not counted)"
        expectations.append(mk(Expectation, action="block-host", descriptions=[block]))
    expectations.append(mk(Expectation, action="investigate"))
    if group.events.get("login-success", 0):
        expectations.append(
            mk(
                Expectation,
                action="harden-asset",
                descriptions=["require multi-factor authentication; disable unattended remote access"],
            )
        )
    return expectations


def _summary(group: Group[RatRecord], origin: str) -> str:
    ev = group.events
    protocols = group.values("protocol")
    targets = len(group.values("target"))
    sessions = ev.get("session", 0) + ev.get("reconnect", 0)
    internal = ev.get("internal-session", 0)
    return (
        f"Remote access ({', '.join(protocols) or 'unknown protocol'}) from {origin}"
        + (f" to {targets} system(s)" if targets else "")
        + f" between {iso(group.first)} and {iso(group.last)}: "
        f"{ev.get('login-success', 0)} successful and {ev.get('login-failure', 0)} failed log-in(s), "
        f"{sessions} session(s)"
        + (f", {internal} internal session(s)" if internal else "")
        + f", {ev.get('alert', 0)} alert(s)."
    )


def build(group: Group[RatRecord], options: ConvertOptions, pseudo: Pseudonymizer) -> Incident:
    """One Incident from a closed group of remote-access records (RFC 7970 §3.2)."""
    _noted(group)
    first = group.samples[0]
    origin = first.origin or "unknown source"
    targets = group.values("target")
    source, cut_counters = _source_system(group, first)
    systems = ([source] if source is not None else []) + _target_systems(group, options)
    if len(targets) > options.max_samples and source is not None:
        more = "more than " if "target" in group.overflow else ""
        source.descriptions.append(
            mk(
                MLStringType,
                value=f"{more}{len(targets)} target systems; the first {options.max_samples} are listed",
            )
        )
    record_data = _record_data(group, options, pseudo)
    event = mk(
        EventData,
        start_time=group.first,
        end_time=group.last,
        flows=[mk(Flow, systems=systems)] if systems else [],
        expectations=_expectations(group),
        record=mk(Record, record_data_list=record_data) if record_data else None,
    )
    discoveries = [
        mk(Discovery, source=_DISCOVERY.get(fmt, "unknown"), descriptions=[f"read from {fmt} input"])
        for fmt in group.values("format")
    ]
    ident = group.digest(FAMILY, options.name, options.pseudonymize_key)
    additional = [n for n in [pseudo.note()] if n is not None]
    return mk(
        Incident,
        purpose="mitigation",
        status="new",
        restriction=options.restriction,
        incident_id=mk(IncidentID, name=options.name, value=f"rat-{ident}"),
        detect_time=group.first,
        start_time=group.first,
        end_time=group.last,
        generation_time=options.now(),
        descriptions=[_summary(group, origin)],
        discoveries=discoveries,
        assessments=[_assessment(group, origin, cut_counters)],
        methods=_methods(group, first),
        contacts=[creator_contact(options.name)],
        event_data_list=[event],
        additional_data_list=additional,
    )
