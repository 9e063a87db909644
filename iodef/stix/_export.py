"""IODEF v2 -> STIX 2.1: :func:`to_stix`.

Every Incident becomes an ``incident`` with the objects around it; the document becomes a
``report`` over all of them. The IODEF XML travels in the ``x-iodef`` extension, so that
:func:`iodef.stix.from_stix` gives back the same document under C14N 2.0.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Final

import stix2
from lxml import etree
from stix2.exceptions import STIXError

from ..model import Contact, IndicatorExpression, IODEFDocument
from ..model import Incident as IODEFIncident
from ..model import Indicator as IODEFIndicator
from ..xml import IODEF_NS, dumps, parse_xml
from . import _observables as obs
from ._common import (
    IODEF_IDENTITY,
    STIX_NS,
    TLP_BY_RESTRICTION,
    TLP_LEVEL_BY_MARKING,
    StixError,
    extension_definition,
    iodef_extension,
    stable_id,
    tlp_marking,
    tlp_markings,
)

__all__ = ["to_stix"]

_I: Final = f"{{{IODEF_NS}}}"
_ENUM_NS: Final = "urn:ietf:params:xml:ns:iodef-enum-1.0"
_TIMES: Final = ("detect_time", "start_time", "end_time", "recovery_time", "report_time", "generation_time")
#: Reference identifiers -> (STIX type, external_references source_name)
_REFERENCE_KINDS: Final = (
    (re.compile(r"^CVE-\d{4}-\d+$", re.I), "vulnerability", "cve"),
    (re.compile(r"^CWE-\d+$", re.I), "vulnerability", "cwe"),
    (re.compile(r"^CAPEC-\d+$", re.I), "attack-pattern", "capec"),
    (re.compile(r"^(T|TA)\d{4}(\.\d{3})?$"), "attack-pattern", "mitre-attack"),
)


def _restriction(obj: Any, inherited: str | None) -> str | None:
    return obs.text(getattr(obj, "restriction", None)) or inherited


class _Incident:
    """The STIX objects of one IODEF Incident."""

    def __init__(self, inc: IODEFIncident, xml: str, index: int) -> None:
        self.inc = inc
        ident = inc.incident_id
        self.key = "|".join((ident.name, ident.instance or "", ident.value, str(index)))
        self.restriction = obs.text(inc.restriction)
        self.markings = tlp_markings(self.restriction)
        self.created: datetime = inc.generation_time
        self.objects: list[Any] = []
        self.ids: set[str] = set()
        self.unmapped: list[str] = []
        self.creator: str | None = None
        self.id = stable_id("incident", self.key)
        self.xml = xml

    def _common(self, restriction: str | None = None) -> dict[str, Any]:
        props: dict[str, Any] = {"created": self.created, "modified": self.created}
        marks = tlp_markings(restriction) if restriction is not None else self.markings
        if marks:
            props["object_marking_refs"] = marks
        if self.creator is not None:
            props["created_by_ref"] = self.creator
        return props

    def _add(self, factory: Any, what: str, **props: Any) -> Any:
        try:
            obj = factory(**props)
        except (STIXError, ValueError) as exc:
            self.unmapped.append(f"{what}: {exc}")
            return None
        if obj.id not in self.ids:
            self.ids.add(obj.id)
            self.objects.append(obj)
        return obj

    def _relate(self, source: str, rel: str, target: str, n: int) -> None:
        self._add(
            stix2.v21.Relationship,
            "relationship",
            id=stable_id("relationship", self.key, source, rel, target, str(n)),
            source_ref=source,
            relationship_type=rel,
            target_ref=target,
            **self._common(),
        )

    def build(self) -> list[Any]:
        for n, contact in enumerate(self.inc.contacts):
            ident = self._identity(contact, str(n), self.restriction)
            if ident is not None and self.creator is None and obs.text(contact.role) == "creator":
                self.creator = ident.id
        self._incident()
        if self.inc.indicator_data is not None:
            for n, ind in enumerate(self.inc.indicator_data.indicators):
                self._indicator(ind, n)
        for n, ed in enumerate(self.inc.event_data_list):
            self._event(ed, str(n))
        for n, ra in enumerate(self.inc.related_activities):
            for m, ta in enumerate(ra.threat_actors):
                name = (
                    ta.threat_actor_ids or [d.value for d in ta.descriptions] or ["unnamed threat actor"]
                )[0]
                actor = self._add(
                    stix2.v21.ThreatActor,
                    "ThreatActor",
                    id=stable_id("threat-actor", self.key, str(n), str(m)),
                    name=name,
                    description="\n".join(d.value for d in ta.descriptions) or None,
                    external_references=[{"source_name": "url", "url": u} for u in ta.urls] or None,
                    **self._common(_restriction(ta, self.restriction)),
                )
                if actor is not None:
                    self._relate(self.id, "attributed-to", actor.id, m)
            for m, camp in enumerate(ra.campaigns):
                name = (camp.campaign_ids or [d.value for d in camp.descriptions] or ["unnamed campaign"])[0]
                c = self._add(
                    stix2.v21.Campaign,
                    "Campaign",
                    id=stable_id("campaign", self.key, str(n), str(m)),
                    name=name,
                    description="\n".join(d.value for d in camp.descriptions) or None,
                    **self._common(_restriction(camp, self.restriction)),
                )
                if c is not None:
                    self._relate(self.id, "attributed-to", c.id, m)
        for n, method in enumerate(self.inc.methods):
            self._method(method, str(n))
        return self.objects

    def _identity(self, contact: Contact, path: str, inherited: str | None) -> Any:
        names = [c.value for c in contact.contact_names] or [d.value for d in contact.descriptions]
        kind = obs.text(contact.type)
        info = [e.email_to for e in contact.emails] + [t.telephone_number for t in contact.telephones]
        ident = self._add(
            stix2.v21.Identity,
            "Contact",
            id=stable_id("identity", self.key, path),
            name=names[0] if names else f"{obs.text(contact.role)} contact",
            identity_class={"person": "individual", "organization": "organization"}.get(
                kind or "", "unknown"
            ),
            roles=[obs.text(contact.role)],
            contact_information="; ".join(info) or None,
            **self._common(_restriction(contact, inherited)),
        )
        for n, sub in enumerate(contact.contacts):
            self._identity(sub, f"{path}.{n}", _restriction(contact, inherited))
        return ident

    def _incident(self) -> None:
        inc = self.inc
        refs: list[dict[str, str]] = [
            {
                "source_name": inc.incident_id.name,
                "external_id": inc.incident_id.value,
                "description": "IncidentID",
            }
        ]
        if inc.alternative_id is not None:
            refs += [
                {"source_name": i.name, "external_id": i.value, "description": "AlternativeID"}
                for i in inc.alternative_id.incident_ids
            ]
        for ra in inc.related_activities:
            refs += [
                {"source_name": i.name, "external_id": i.value, "description": "RelatedActivity"}
                for i in ra.incident_ids
            ]
            refs += [{"source_name": "url", "url": u, "description": "RelatedActivity"} for u in ra.urls]
        # an ext-value travels as the value it stands for
        purpose = obs.text(inc.purpose)
        ext: dict[str, Any] = {
            "iodef_xml": self.xml,
            "purpose": obs.text(inc.ext_purpose) if purpose == "ext-value" else purpose,
        }
        if inc.status is not None:
            status = obs.text(inc.status)
            ext["status"] = obs.text(inc.ext_status) if status == "ext-value" else status
        if self.restriction is not None:
            ext["restriction"] = self.restriction
        for name in _TIMES:
            value = getattr(inc, name)
            if value is not None:
                ext[name] = value.isoformat().replace("+00:00", "Z")
        self._add(
            stix2.v21.Incident,
            "Incident",
            id=self.id,
            name=f"{inc.incident_id.name} {inc.incident_id.value}",
            description="\n\n".join(d.value for d in inc.descriptions) or None,
            external_references=refs,
            extensions=iodef_extension(ext),
            **self._common(),
        )

    def _indicator(self, ind: IODEFIndicator, n: int) -> None:
        pattern = None
        if ind.observable is not None:
            pattern = self._pattern_of(obs.observable(ind.observable))
        elif ind.indicator_expression is not None:
            pattern = self._expression(ind.indicator_expression)
        label = f"Indicator {ind.indicator_id.value}"
        if pattern is None:
            self.unmapped.append(f"{label}: nothing in it can be written as a STIX pattern")
            return
        stix_ind = self._add(
            stix2.v21.Indicator,
            label,
            id=stable_id("indicator", self.key, str(n)),
            name=ind.indicator_id.value,
            description="\n".join(d.value for d in ind.descriptions) or None,
            pattern=pattern,
            pattern_type="stix",
            valid_from=ind.start_time or self.created,
            valid_until=ind.end_time,
            external_references=[
                {"source_name": ind.indicator_id.name, "external_id": ind.indicator_id.value}
            ],
            **self._common(_restriction(ind, self.restriction)),
        )
        if stix_ind is not None:
            self._relate(stix_ind.id, "indicates", self.id, n)

    def _pattern_of(self, found: obs.Found) -> str | None:
        self.unmapped.extend(found.unmapped)
        for sco in found.scos:
            self._add_sco(sco)
        if not found.comparisons:
            return None
        return " OR ".join(f"[{c}]" for c in found.comparisons)

    def _expression(self, expr: IndicatorExpression) -> str | None:
        parts = [p for p in (self._pattern_of(obs.observable(o)) for o in expr.observables) if p]
        parts += [p for p in (self._expression(e) for e in expr.indicator_expressions) if p]
        if not parts:
            return None
        op = obs.text(expr.operator) or "and"
        if op == "not":
            single = re.fullmatch(r"\[([^\[\]]*?) = ('(?:[^'\\]|\\.)*'|\d+)\]", parts[0])
            if len(parts) == 1 and single is not None:
                return f"[{single.group(1)} != {single.group(2)}]"
            self.unmapped.append("IndicatorExpression operator 'not' over more than one comparison")
            return None
        if op not in ("and", "or"):
            self.unmapped.append(f"IndicatorExpression operator {op!r} written as OR")
        joiner = " AND " if op == "and" else " OR "
        return "(" + joiner.join(parts) + ")" if len(parts) > 1 else parts[0]

    def _add_sco(self, sco: Any) -> None:
        if sco.id not in self.ids:
            self.ids.add(sco.id)
            self.objects.append(sco)

    def _event(self, ed: Any, path: str) -> None:
        found = obs.Found()
        roles: list[tuple[str, str]] = []
        for flow in ed.flows:
            for system in flow.systems:
                part = obs.node(system.node)
                found.extend(part)
                roles += [(obs.text(system.category) or "related-to", s.id) for s in part.scos]
        self.unmapped.extend(found.unmapped)
        if ed.record is not None:
            self.unmapped.append(f"EventData {path}: Record kept in the x-iodef extension only")
        if found.scos:
            for sco in found.scos:
                self._add_sco(sco)
            first = ed.start_time or ed.detect_time or self.inc.start_time or self.created
            last = ed.end_time or first
            observed = self._add(
                stix2.v21.ObservedData,
                f"EventData {path}",
                id=stable_id("observed-data", self.key, path),
                first_observed=first,
                last_observed=max(first, last),
                number_observed=1,
                object_refs=[s.id for s in found.scos],
                **self._common(_restriction(ed, self.restriction)),
            )
            if observed is not None:
                self._relate(self.id, "related-to", observed.id, 0)
            for n, (role, sco_id) in enumerate(roles):
                self._relate(self.id, role, sco_id, n)
            self._source_indicators(ed, path)
        for n, sub in enumerate(ed.event_data_list):
            self._event(sub, f"{path}.{n}")

    def _source_indicators(self, ed: Any, path: str) -> None:
        """A source System (the sender of a spam, the address of an attacker) is an indicator too."""
        for f, flow in enumerate(ed.flows):
            for n, system in enumerate(flow.systems):
                if obs.text(system.category) != "source":
                    continue
                found = obs.node(system.node)
                if not found.comparisons:
                    continue
                ind = self._add(
                    stix2.v21.Indicator,
                    f"EventData {path} source",
                    id=stable_id("indicator", self.key, "source", path, str(f), str(n)),
                    name=f"source of {self.inc.incident_id.value}",
                    pattern=" OR ".join(f"[{c}]" for c in found.comparisons),
                    pattern_type="stix",
                    valid_from=ed.start_time or ed.detect_time or self.created,
                    indicator_types=["malicious-activity"],
                    **self._common(_restriction(system, _restriction(ed, self.restriction))),
                )
                if ind is not None:
                    self._relate(ind.id, "indicates", self.id, n)

    def _method(self, method: Any, path: str) -> None:
        for n, ref in enumerate(method.references):
            ids: list[str] = []
            if ref.reference_name is not None:
                ids = [(el.text or "").strip() for el in ref.reference_name.element.iter(f"{{{_ENUM_NS}}}ID")]
            else:  # a Reference written by from_stix names its identifier in a Description
                ids = [
                    d.value for d in ref.descriptions if any(p.match(d.value) for p, _, _ in _REFERENCE_KINDS)
                ]
            for m, ident in enumerate(ids):
                for pattern, stix_type, source in _REFERENCE_KINDS:
                    if not pattern.match(ident):
                        continue
                    factory = (
                        stix2.v21.Vulnerability if stix_type == "vulnerability" else stix2.v21.AttackPattern
                    )
                    target = self._add(
                        factory,
                        f"Reference {ident}",
                        id=stable_id(stix_type, self.key, path, str(n), str(m)),
                        name=ident.upper() if source != "mitre-attack" else ident,
                        description="\n".join(d.value for d in ref.descriptions) or None,
                        external_references=[{"source_name": source, "external_id": ident}],
                        **self._common(_restriction(method, self.restriction)),
                    )
                    if target is not None:
                        rel = "uses" if stix_type == "attack-pattern" else "targets"
                        self._relate(self.id, rel, target.id, n)
                    break
                else:
                    self.unmapped.append(f"Reference {ident!r}: not a CVE, CWE, CAPEC or ATT&CK identifier")


def _split(doc: IODEFDocument) -> tuple[list[str], etree._Element]:
    """The XML of each Incident and the document around them, with placeholders in their stead."""
    data = dumps(doc, xml_declaration=False)
    root = parse_xml(data, source_name="<document>")
    pieces: list[str] = []
    envelope = root  # a fresh tree of our own: top-level comments and PIs stay its siblings
    for el in envelope.findall(_I + "Incident"):
        pieces.append(etree.tostring(el, encoding="unicode", with_tail=False))
    return pieces, envelope


def to_stix(doc: IODEFDocument, *, unmapped: list[str] | None = None) -> stix2.v21.Bundle:
    """The STIX 2.1 bundle of *doc* (an ``incident`` per Incident, a ``report`` over them all).

    Content without a STIX counterpart is still carried, in the ``x-iodef`` extension; what could
    not be expressed as STIX objects (an Address of a category STIX has no object for, say) is
    appended to *unmapped* as a sentence, when a list is given.
    """
    if not isinstance(doc, IODEFDocument):
        raise StixError(f"to_stix takes an IODEFDocument, not {type(doc).__name__}")
    pieces, envelope = _split(doc)
    objects: list[Any] = []
    seen: set[str] = set()
    incident_ids: list[str] = []
    creators: list[str] = []
    for index, (inc, xml) in enumerate(zip(doc.incidents, pieces, strict=True)):
        part = _Incident(inc, xml, index)
        built = part.build()
        if part.id not in part.ids:
            problems = "; ".join(u for u in part.unmapped if u.startswith("Incident"))
            raise StixError(
                f"Incident {inc.incident_id.value} cannot be written as a STIX incident: {problems}"
            )
        objects += [o for o in built if o.id not in seen]
        seen |= part.ids
        incident_ids.append(part.id)
        if part.creator:
            creators.append(part.creator)
        if unmapped is not None:
            unmapped.extend(f"Incident {inc.incident_id.value}: {u}" for u in part.unmapped)
    for el, stix_id in zip(envelope.findall(_I + "Incident"), incident_ids, strict=True):
        placeholder = etree.Element(f"{{{STIX_NS}}}incident", {"ref": stix_id}, nsmap={"s": STIX_NS})
        placeholder.tail = el.tail
        parent = el.getparent()
        assert parent is not None
        parent.replace(el, placeholder)
    envelope_xml = etree.tostring(envelope.getroottree(), encoding="unicode")
    # the report is as restricted as its most restricted incident (RFC 7970 §3.3.1: none = private)
    levels = {TLP_BY_RESTRICTION.get(obs.text(i.restriction) or "private", "amber") for i in doc.incidents}
    strictest = next((lvl for lvl in ("red", "amber", "green", "clear") if lvl in levels), None)
    used = sorted({m for o in objects for m in o.get("object_marking_refs", [])})
    report_props: dict[str, Any] = {}
    if strictest is not None:
        report_props["object_marking_refs"] = [tlp_marking(strictest).id]
    if creators:
        report_props["created_by_ref"] = creators[0]
    try:
        return _bundle(doc, objects, incident_ids, envelope_xml, report_props, used)
    except (STIXError, ValueError) as exc:
        raise StixError(f"the document cannot be written as a STIX bundle: {exc}") from None


def _bundle(
    doc: IODEFDocument,
    objects: list[Any],
    incident_ids: list[str],
    envelope_xml: str,
    report_props: dict[str, Any],
    used: list[str],
) -> stix2.v21.Bundle:
    first = doc.incidents[0]
    report = stix2.v21.Report(
        id=stable_id("report", *(o for o in incident_ids)),
        name=f"IODEF document: {first.incident_id.name} {first.incident_id.value}"
        + (f" and {len(doc.incidents) - 1} more" if len(doc.incidents) > 1 else ""),
        report_types=["incident"],
        published=first.generation_time,
        created=first.generation_time,
        modified=first.generation_time,
        object_refs=[o.id for o in objects],
        extensions=iodef_extension({"iodef_envelope": envelope_xml}),
        **report_props,
    )
    markings = sorted(set(used) | set(report.get("object_marking_refs", [])))
    head = [IODEF_IDENTITY, extension_definition()] + [tlp_marking(TLP_LEVEL_BY_MARKING[m]) for m in markings]
    return stix2.v21.Bundle(
        objects=[*head, *objects, report], id=stable_id("bundle", report.id), allow_custom=False
    )
