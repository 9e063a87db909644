"""RFC 7970 §3 (every section that says "at least one of"): classes that need a child have one."""

from __future__ import annotations

from typing import Final

from lxml import etree

from ._context import _P, _Ctx

# --------------------------------------------------------------------------- at least one child

_ANY: Final = None
#: local name -> (section, the children of which one must be present (None: any), profiles)
_REQUIRED_CHILD: Final[dict[str, tuple[str, frozenset[str] | None, tuple[str, ...]]]] = {
    "RelatedActivity": (
        "RFC7970 §3.6",
        frozenset({"IncidentID", "URL", "ThreatActor", "Campaign", "Description", "AdditionalData"}),
        ("rfc7970", "rfc7970-errata"),
    ),
    "ThreatActor": ("RFC7970 §3.7", _ANY, ("rfc7970-errata",)),
    "Campaign": ("RFC7970 §3.8", _ANY, ("rfc7970", "rfc7970-errata")),
    "Contact": ("RFC7970 §3.9", _ANY, ("rfc7970", "rfc7970-errata")),
    "Method": ("RFC7970 §3.11", _ANY, ("rfc7970", "rfc7970-errata")),
    "Reference": ("RFC7970 §3.11.1", _ANY, ("rfc7970", "rfc7970-errata")),
    "EventData": ("RFC7970 §3.14", _ANY, ("rfc7970", "rfc7970-errata")),
    "Node": ("RFC7970 §3.18", frozenset({"Address", "DomainData"}), ("rfc7970",)),
    "Service": ("RFC7970 §3.20", _ANY, ("rfc7970", "rfc7970-errata")),
    "ServiceName": ("RFC7970 §3.20.1", _ANY, ("rfc7970", "rfc7970-errata")),
    "RecordData": (
        "RFC7970 §3.22.1",
        frozenset(
            {
                "RecordItem",
                "URL",
                "FileData",
                "WindowsRegistryKeysModified",
                "CertificateData",
                "AdditionalData",
            }
        ),
        ("rfc7970", "rfc7970-errata"),
    ),
    "HashData": ("RFC7970 §3.26", frozenset({"Hash", "FuzzyHash"}), ("rfc7970", "rfc7970-errata")),
    "BulkObservableFormat": (
        "RFC7970 §3.29.3.1.1",
        frozenset({"Hash", "AdditionalData"}),
        ("rfc7970", "rfc7970-errata"),
    ),
    "Observable": ("RFC7970 §3.29.3", _ANY, ("rfc7970", "rfc7970-errata")),
    "OperatingSystem": ("RFC7970 §2.15", _ANY, ("rfc7970", "rfc7970-errata")),
    "Application": ("RFC7970 §2.15", _ANY, ("rfc7970", "rfc7970-errata")),
    "AssociatedSoftware": ("RFC7970 §2.15", _ANY, ("rfc7970", "rfc7970-errata")),
}


_REQUIRED_CLARK: Final = {
    name: frozenset(f"{_P}{c}" for c in wanted)
    for name, (_s, wanted, _p) in _REQUIRED_CHILD.items()
    if wanted
}


def _check_required_child(ctx: _Ctx, el: etree._Element) -> None:
    name = el.tag[len(_P) :]
    section, wanted, profiles = _REQUIRED_CHILD[name]
    if ctx.profile not in profiles:
        return
    if wanted is None:
        for child in el:
            if isinstance(child.tag, str):
                return
        ctx.add("error", el, section, f"{name} must have at least one child element")
        return
    clark = _REQUIRED_CLARK[name]
    for child in el:
        if child.tag in clark:
            return
    listed = ", ".join(sorted(wanted))
    extra = " (erratum 5544)" if name == "Node" else ""
    ctx.add("error", el, section, f"{name} needs at least one of: {listed}{extra}")
