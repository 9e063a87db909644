"""STIX 2.1 -> IODEF v2: :func:`from_stix`.

A bundle made by :func:`iodef.stix.to_stix` carries its IODEF XML in the ``x-iodef`` extension
and comes back unchanged. Any other bundle is mapped object by object (docs/stix.md); objects
IODEF has no place for are named in ``unmapped``.
"""

from __future__ import annotations

import base64
import json
import re
import warnings
from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

import stix2
from lxml import etree
from stix2.exceptions import STIXError

from ..errors import IODEFError, IODEFWarning
from ..model import (
    Address,
    AnyXML,
    Campaign,
    Contact,
    DomainData,
    EventData,
    File,
    FileData,
    Flow,
    Hash,
    HashData,
    IncidentID,
    IncidentPurpose,
    IncidentStatus,
    Indicator,
    IndicatorData,
    IndicatorExpression,
    IndicatorID,
    IODEFDocument,
    Key,
    Method,
    MLStringType,
    Node,
    Observable,
    Reference,
    RelatedActivity,
    System,
    ThreatActor,
    WindowsRegistryKeysModified,
)
from ..model import Incident as IODEFIncident
from ..xml import IODEF_NS, dumps, parse, parse_xml
from ._common import (
    EXTENSION_ID,
    IODEF_IDENTITY,
    RESTRICTION_BY_TLP,
    STIX_NS,
    TLP_LEVEL_BY_MARKING,
    StixError,
)
from ._observables import DS_NS, HASH_NAMES

__all__ = ["from_stix", "load_bundle"]

_ALGORITHMS: Final = {v: k for k, v in HASH_NAMES.items()}
_OBSERVATION = re.compile(r"\[((?:[^\]'\\]|'(?:[^'\\]|\\.)*')*)\]")
_COMPARISON = re.compile(r"^\s*([a-z0-9-]+):([A-Za-z0-9_.'-]+)\s*(=|!=)\s*('(?:[^'\\]|\\.)*'|\d+)\s*$")
_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_RESTRICTION_RANK: Final = {"public": 0, "partner": 1, "need-to-know": 2, "private": 3}


def load_bundle(data: str | bytes | Mapping[str, Any] | stix2.v21.Bundle, name: str = "<bundle>") -> Any:
    """A STIX 2.1 bundle checked by stix2 (no custom content except registered extensions)."""
    if isinstance(data, stix2.v21.Bundle):
        return data
    try:
        if isinstance(data, (str, bytes)):
            data = json.loads(data)
        parsed = stix2.parse(data, allow_custom=False, version="2.1")
    except (ValueError, STIXError) as exc:
        raise StixError(f"not a valid STIX 2.1 bundle: {exc}", source=name) from None
    if getattr(parsed, "type", None) != "bundle":
        raise StixError(f"expected a STIX bundle, got a {getattr(parsed, 'type', '?')!r} object", source=name)
    return parsed


def _ext(obj: Any) -> dict[str, Any]:
    exts = obj.get("extensions") or {}
    found = exts.get(EXTENSION_ID)
    return dict(found) if found else {}


def _unquote(literal: str) -> str:
    if literal.startswith("'"):
        return re.sub(r"\\(.)", r"\1", literal[1:-1])
    return literal


def _comparison_observable(stix_type: str, path: str, value: str) -> Observable | None:
    """The IODEF Observable for one STIX comparison ``type:path = value``, if IODEF has one."""
    addresses = {
        ("ipv4-addr", "value"): "ipv4-net" if "/" in value else "ipv4-addr",
        ("ipv6-addr", "value"): "ipv6-net" if "/" in value else "ipv6-addr",
        ("email-addr", "value"): "e-mail",
        ("url", "value"): "site-uri",
        ("mac-addr", "value"): "mac",
        ("autonomous-system", "number"): "asn",
    }
    if (stix_type, path) in addresses:
        return Observable(address=Address(value=value, category=addresses[(stix_type, path)]))
    if (stix_type, path) == ("user-account", "user_id"):
        return Observable(address=Address(value=value, category="ext-value", ext_category="e164"))
    if (stix_type, path) == ("domain-name", "value"):
        return Observable(domain_data=DomainData(name=value))
    if (stix_type, path) == ("windows-registry-key", "key"):
        return Observable(
            windows_registry_keys_modified=WindowsRegistryKeysModified(keys=[Key(key_name=value)])
        )
    if stix_type == "file" and path == "name":
        return Observable(file_data=FileData(files=[File(file_name=value)]))
    if stix_type == "file" and path.startswith("hashes."):
        algo = path.split(".", 1)[1].strip("'")
        hd = _hash_data({algo: value})
        if hd is not None:
            return Observable(file_data=FileData(files=[File(hash_data=hd)]))
    return None


def _hash_data(hashes: Mapping[str, str]) -> HashData | None:
    out = []
    for algo, hexvalue in sorted(hashes.items()):
        uri = _ALGORITHMS.get(algo)
        if uri is None:
            continue
        try:
            digest = base64.b64encode(bytes.fromhex(hexvalue)).decode("ascii")
        except ValueError:
            continue
        out.append(
            Hash(
                digest_method=AnyXML(f'<ds:DigestMethod xmlns:ds="{DS_NS}" Algorithm="{uri}"/>'),
                digest_value=AnyXML(f'<ds:DigestValue xmlns:ds="{DS_NS}">{digest}</ds:DigestValue>'),
            )
        )
    return HashData(scope="file-contents", hashes=out) if out else None


def _enumerated(name: str, value: str, enum: type[Enum]) -> dict[str, str]:
    """``{name: value}``, or the ext-value pair when *value* is not in the registry."""
    if value in {str(m.value) for m in enum} and value != "ext-value":
        return {name: value}
    return {name: "ext-value", f"ext_{name}": value}


def _pattern(
    pattern: str, unmapped: list[str], label: str
) -> tuple[Observable | None, IndicatorExpression | None]:
    """An IODEF Observable (one comparison) or IndicatorExpression (AND/OR of several) for a pattern."""
    observations = _OBSERVATION.findall(pattern)
    between = _OBSERVATION.sub("", pattern).replace("(", " ").replace(")", " ").split()
    ops = {w.upper() for w in between}
    if not observations or not ops <= {"AND", "OR"} or len(ops) > 1:
        unmapped.append(f"{label}: pattern {pattern!r} is beyond what IODEF expressions hold")
        return None, None
    parts: list[Observable | IndicatorExpression] = []
    for observation in observations:
        words = re.split(r"\s+(AND|OR)\s+(?=[a-z0-9-]+:)", observation)
        comparisons, inner_ops = words[::2], set(words[1::2])
        inner: list[Observable] = []
        negated = False
        for comparison in comparisons:
            m = _COMPARISON.match(comparison)
            if m is None:
                unmapped.append(f"{label}: comparison {comparison.strip()!r} has no IODEF counterpart")
                continue
            stix_type, path, op, literal = m.groups()
            if stix_type == "user-account" and path == "account_type":
                continue
            negated = negated or op == "!="
            o = _comparison_observable(stix_type, path, _unquote(literal))
            if o is None:
                unmapped.append(f"{label}: comparison {comparison.strip()!r} has no IODEF counterpart")
            else:
                inner.append(o)
        if negated and len(inner) == 1:
            parts.append(IndicatorExpression(operator="not", observables=inner))
        elif len(inner) == 1:
            parts.append(inner[0])
        elif inner:
            op_name = "or" if inner_ops == {"OR"} else "and"
            parts.append(IndicatorExpression(operator=op_name, observables=inner))
    if not parts:
        return None, None
    if len(parts) == 1 and isinstance(parts[0], Observable):
        return parts[0], None
    operator = "or" if ops == {"OR"} else "and"
    return None, IndicatorExpression(
        operator=operator,
        observables=[p for p in parts if isinstance(p, Observable)],
        indicator_expressions=[p for p in parts if isinstance(p, IndicatorExpression)],
    )


class _Semantic:
    """Build IODEF Incidents from plain STIX objects."""

    def __init__(self, objects: dict[str, Any], unmapped: list[str]) -> None:
        self.objects = objects
        self.unmapped = unmapped
        self.rels = [o for o in objects.values() if o.type == "relationship"]

    def _restriction(self, obj: Any) -> str | None:
        levels = [TLP_LEVEL_BY_MARKING.get(m) for m in obj.get("object_marking_refs", [])]
        values = [RESTRICTION_BY_TLP[lvl] for lvl in levels if lvl in RESTRICTION_BY_TLP]
        return max(values, key=lambda v: _RESTRICTION_RANK[v]) if values else None

    def _contact(self, ident: Any, role: str) -> Contact:
        kind = {"individual": "person", "organization": "organization"}.get(
            ident.get("identity_class", ""), "ext-value"
        )
        extra = {"ext_type": ident.get("identity_class", "unknown")} if kind == "ext-value" else {}
        return Contact(role=role, type=kind, contact_names=[MLStringType(value=ident.name)], **extra)

    def incident(self, inc: Any, members: list[Any]) -> IODEFIncident:
        ext = _ext(inc)
        refs = [r for r in inc.get("external_references", []) if r.get("external_id")]
        ident_ref = next((r for r in refs if r.get("description") == "IncidentID"), refs[0] if refs else None)
        incident_id = (
            IncidentID(name=ident_ref["source_name"], value=ident_ref["external_id"])
            if ident_ref
            else IncidentID(name="stix", value=inc.id)
        )
        contacts: list[Contact] = []
        creator = inc.get("created_by_ref")
        if creator in self.objects:
            contacts.append(self._contact(self.objects[creator], "creator"))
        else:
            contacts.append(
                Contact(
                    role="creator",
                    type="organization",
                    contact_names=[MLStringType(value="unknown STIX producer")],
                )
            )
        props: dict[str, Any] = {
            **_enumerated("purpose", ext.get("purpose", "reporting"), IncidentPurpose),
            **(_enumerated("status", ext["status"], IncidentStatus) if ext.get("status") else {}),
            "incident_id": incident_id,
            "generation_time": ext.get("generation_time", inc.created),
            "contacts": contacts,
        }
        if inc.get("description"):
            props["descriptions"] = [MLStringType(value=inc.description)]
        restriction = ext.get("restriction") or self._restriction(inc)
        if restriction:
            props["restriction"] = restriction
        return self._fill(IODEFIncident(**props), members)

    def _fill(self, incident: IODEFIncident, members: list[Any]) -> IODEFIncident:
        indicators, events, related, methods = [], [], [], []
        for obj in members:
            if obj.type == "indicator":
                ind = self._indicator(obj)
                if ind is not None:
                    indicators.append(ind)
            elif obj.type == "observed-data":
                events.append(self._event(obj))
            elif obj.type == "threat-actor":
                urls = [r["url"] for r in obj.get("external_references", []) if r.get("url")]
                related.append(
                    RelatedActivity(
                        threat_actors=[
                            ThreatActor(
                                threat_actor_ids=[obj.name],
                                urls=urls or [f"urn:stix:{obj.id}"],  # RFC 7970 requires a URL
                                descriptions=[MLStringType(value=obj.description)]
                                if obj.get("description")
                                else [],
                            )
                        ]
                    )
                )
            elif obj.type == "campaign":
                related.append(
                    RelatedActivity(
                        campaigns=[
                            Campaign(
                                campaign_ids=[obj.name],
                                descriptions=[MLStringType(value=obj.description)]
                                if obj.get("description")
                                else [],
                            )
                        ]
                    )
                )
            elif obj.type in ("vulnerability", "attack-pattern"):
                urls = [r["url"] for r in obj.get("external_references", []) if r.get("url")]
                methods.append(
                    Method(references=[Reference(descriptions=[MLStringType(value=obj.name)], urls=urls)])
                )
        if indicators:
            incident.indicator_data = IndicatorData(indicators=indicators)
        incident.event_data_list = events
        incident.related_activities = related
        incident.methods = methods
        return incident

    def _indicator(self, obj: Any) -> Indicator | None:
        label = f"indicator {obj.id}"
        if obj.pattern_type != "stix":
            self.unmapped.append(f"{label}: pattern type {obj.pattern_type!r} is not STIX")
            return None
        observable, expression = _pattern(obj.pattern, self.unmapped, label)
        if observable is None and expression is None:
            return None
        refs = [r for r in obj.get("external_references", []) if _NCNAME.match(str(r.get("external_id", "")))]
        name = refs[0]["source_name"] if refs else "stix"
        value = refs[0]["external_id"] if refs else obj.id
        texts = [t for t in (obj.get("name") if not refs else None, obj.get("description")) if t]
        return Indicator(
            indicator_id=IndicatorID(name=name, version="1", value=value),
            descriptions=[MLStringType(value=t) for t in texts],
            start_time=obj.valid_from,
            end_time=obj.get("valid_until"),
            observable=observable,
            indicator_expression=expression,
        )

    def _event(self, obj: Any) -> EventData:
        roles = {
            r.target_ref: r.relationship_type
            for r in self.rels
            if r.relationship_type in ("source", "target", "intermediate", "sensor", "infrastructure")
        }
        systems = []
        for ref in obj.get("object_refs", []):
            sco = self.objects.get(ref)
            if sco is None:
                continue
            o = None
            if sco.type in (
                "ipv4-addr",
                "ipv6-addr",
                "email-addr",
                "url",
                "mac-addr",
                "domain-name",
                "user-account",
            ):
                path = "user_id" if sco.type == "user-account" else "value"
                o = _comparison_observable(sco.type, path, str(sco.get(path)))
            if o is None:
                self.unmapped.append(f"{obj.id}: {sco.type} {sco.id} has no IODEF Node")
                continue
            node = Node(
                addresses=[o.address] if o.address is not None else [],
                domain_data_list=[o.domain_data] if o.domain_data is not None else [],
            )
            category = roles.get(ref)
            systems.append(System(node=node, category=category) if category else System(node=node))
        return EventData(
            start_time=obj.first_observed,
            end_time=obj.last_observed,
            flows=[Flow(systems=systems)] if systems else [],
        )

    def members(self, incident_id: str | None) -> list[Any]:
        """The objects related to *incident_id* (all loose objects when None)."""
        if incident_id is None:
            return list(self.objects.values())
        ids = {r.source_ref for r in self.rels if r.target_ref == incident_id}
        ids |= {r.target_ref for r in self.rels if r.source_ref == incident_id}
        return [self.objects[i] for i in sorted(ids) if i in self.objects]


#: what every exported bundle carries besides the report's objects
_SHARED_TYPES: Final = frozenset({"extension-definition", "marking-definition"})
_KNOWN: Final = frozenset(
    {
        "incident",
        "indicator",
        "observed-data",
        "threat-actor",
        "campaign",
        "vulnerability",
        "attack-pattern",
        "identity",
        "relationship",
        "report",
        "marking-definition",
        "extension-definition",
        "ipv4-addr",
        "ipv6-addr",
        "email-addr",
        "url",
        "mac-addr",
        "domain-name",
        "user-account",
        "autonomous-system",
        "file",
        "email-message",
        "windows-registry-key",
        "x509-certificate",
    }
)


def _restore(report: Any, objects: dict[str, Any], semantic: _Semantic) -> bytes:
    """The IODEF document of an exported bundle: its envelope with each Incident put back."""
    envelope = parse_xml(_ext(report)["iodef_envelope"].encode("utf-8"), source_name=f"{report.id} envelope")
    for placeholder in envelope.iter(f"{{{STIX_NS}}}incident"):
        ref = placeholder.get("ref")
        inc = objects.get(str(ref))
        if inc is None:
            raise StixError(f"the bundle has no {ref} that its report names")
        xml = _ext(inc).get("iodef_xml")
        if xml is not None:
            el = parse_xml(xml.encode("utf-8"), source_name=f"{inc.id} iodef_xml")
        else:
            doc = IODEFDocument(lang="en", incidents=[semantic.incident(inc, semantic.members(inc.id))])
            el = parse_xml(dumps(doc)).find(f"{{{IODEF_NS}}}Incident")
        el.tail = placeholder.tail
        parent = placeholder.getparent()
        assert parent is not None
        parent.replace(placeholder, el)
    data: bytes = etree.tostring(envelope.getroottree(), encoding="UTF-8", xml_declaration=True)
    return data


def from_stix(
    bundle: str | bytes | Mapping[str, Any] | stix2.v21.Bundle, *, unmapped: list[str] | None = None
) -> IODEFDocument:
    """The IODEF v2 document of a STIX 2.1 *bundle* (JSON text, a dict or a stix2 Bundle).

    Objects IODEF cannot express are named, one sentence each, in *unmapped* when a list is
    given, and in an :class:`iodef.IODEFWarning` otherwise.
    """
    parsed = load_bundle(bundle)
    objects = {o.id: o for o in parsed.get("objects", [])}
    skipped: list[str] = []
    semantic = _Semantic(objects, skipped)
    try:
        for report in (o for o in objects.values() if o.type == "report"):
            if "iodef_envelope" in _ext(report):
                restored = parse(_restore(report, objects, semantic))
                covered = set(report.object_refs) | {report.id, IODEF_IDENTITY.id}
                skipped += [
                    f"{o.type} {o.id}: not part of the exported document {report.id}; ignored"
                    for o in objects.values()
                    if o.id not in covered and o.type not in _SHARED_TYPES
                ]
                _report(skipped, unmapped)
                return restored
        incidents = [o for o in objects.values() if o.type == "incident"]
        for o in objects.values():
            if o.type not in _KNOWN:
                skipped.append(f"{o.type} {o.id}: IODEF has no place for it")
        if incidents:
            built = [semantic.incident(inc, semantic.members(inc.id)) for inc in incidents]
        else:
            loose = semantic.members(None)
            first = min((o.created for o in loose if "created" in o), default=None)
            fake = (
                stix2.v21.Incident(name="STIX bundle", created=first)
                if first
                else stix2.v21.Incident(name="STIX bundle")
            )
            built = [semantic.incident(fake, loose)]
        doc = IODEFDocument(lang="en", incidents=built)
    except IODEFError:
        raise
    except (ValueError, STIXError) as exc:
        raise StixError(f"the bundle cannot be expressed in IODEF: {exc}") from None
    _report(skipped, unmapped)
    return doc


def _report(skipped: list[str], unmapped: list[str] | None) -> None:
    if unmapped is not None:
        unmapped.extend(skipped)
    else:
        for sentence in skipped:
            warnings.warn(sentence, IODEFWarning, stacklevel=3)
