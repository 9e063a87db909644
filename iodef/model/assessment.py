"""RFC 7970 §3.10-§3.13: Discovery, Method, Assessment (impacts, Confidence) and History."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ._base import ENUM_NS, SCI_NS, AnyXML, Attr, Child, IODEFModel, Text
from ._mixins import ObservableIDAttr, RestrictionAttrs, SimpleContent
from .enums import (
    Action,
    BusinessImpactSeverity,
    BusinessImpactType,
    ConfidenceRating,
    DiscoverySource,
    Duration,
    Occurrence,
    Severity,
    SystemImpactCompletion,
    SystemImpactType,
    TimeImpactMetric,
)

if TYPE_CHECKING:
    from .contact import Contact
    from .datatypes import ExtensionType, MLStringType, SoftwareType
    from .document import IncidentID
    from .event import Counter

__all__ = [
    "Assessment",
    "BusinessImpact",
    "Confidence",
    "DetectionPattern",
    "Discovery",
    "History",
    "HistoryItem",
    "Method",
    "MonetaryImpact",
    "Reference",
    "SystemImpact",
    "TimeImpact",
]


class Confidence(SimpleContent):
    """RFC 7970 §3.12.5 Confidence.

    How confident the creator is in an assessment; a number when rating is 'numeric' (erratum 5543).
    """

    rating: Annotated[ConfidenceRating, Attr("rating")]
    ext_rating: Annotated[str | None, Attr("ext-rating")] = None
    value: Annotated[float | None, Text()] = None


class Discovery(RestrictionAttrs):
    """RFC 7970 §3.10 Discovery.

    How the incident was discovered.
    """

    source: Annotated[DiscoverySource | None, Attr("source")] = None
    ext_source: Annotated[str | None, Attr("ext-source")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    contacts: Annotated[list[Contact], Child("Contact")] = []
    detection_patterns: Annotated[list[DetectionPattern], Child("DetectionPattern")] = []


class DetectionPattern(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.10.1 DetectionPattern.

    A configuration or signature of the tool that detected the incident.
    """

    application: Annotated[SoftwareType, Child("Application", required=True)]
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    detection_configurations: Annotated[list[str], Child("DetectionConfiguration")] = []


class Assessment(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.12 Assessment.

    The impact of the incident: on systems, business, time and money, with confidence.
    """

    occurrence: Annotated[Occurrence | None, Attr("occurrence")] = None
    incident_categories: Annotated[list[MLStringType], Child("IncidentCategory")] = []
    system_impacts: Annotated[list[SystemImpact], Child("SystemImpact")] = []
    business_impacts: Annotated[list[BusinessImpact], Child("BusinessImpact")] = []
    time_impacts: Annotated[list[TimeImpact], Child("TimeImpact")] = []
    monetary_impacts: Annotated[list[MonetaryImpact], Child("MonetaryImpact")] = []
    intended_impacts: Annotated[list[BusinessImpact], Child("IntendedImpact")] = []
    counters: Annotated[list[Counter], Child("Counter")] = []
    mitigating_factors: Annotated[list[MLStringType], Child("MitigatingFactor")] = []
    causes: Annotated[list[MLStringType], Child("Cause")] = []
    confidence: Annotated[Confidence | None, Child("Confidence")] = None
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class SystemImpact(IODEFModel):
    """RFC 7970 §3.12.1 SystemImpact.

    The technical impact of the incident on a system or network.
    """

    severity: Annotated[Severity | None, Attr("severity")] = None
    completion: Annotated[SystemImpactCompletion | None, Attr("completion")] = None
    type: Annotated[SystemImpactType | None, Attr("type")] = None
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class BusinessImpact(IODEFModel):
    """RFC 7970 §3.12.2 BusinessImpact.

    The impact of the incident on the business (also used for IntendedImpact).
    """

    severity: Annotated[BusinessImpactSeverity | None, Attr("severity")] = None
    ext_severity: Annotated[str | None, Attr("ext-severity")] = None
    type: Annotated[BusinessImpactType | None, Attr("type")] = None
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class TimeImpact(SimpleContent):
    """RFC 7970 §3.12.3 TimeImpact.

    The impact of the incident measured in time (labour, elapsed time, downtime).
    """

    severity: Annotated[Severity | None, Attr("severity")] = None
    metric: Annotated[TimeImpactMetric, Attr("metric")]
    ext_metric: Annotated[str | None, Attr("ext-metric")] = None
    duration: Annotated[Duration | None, Attr("duration")] = None
    ext_duration: Annotated[str | None, Attr("ext-duration")] = None
    value: Annotated[float, Text()]


class MonetaryImpact(SimpleContent):
    """RFC 7970 §3.12.4 MonetaryImpact.

    The financial loss the incident caused.
    """

    severity: Annotated[Severity | None, Attr("severity")] = None
    currency: Annotated[str | None, Attr("currency")] = None
    value: Annotated[float, Text()]


class Method(RestrictionAttrs):
    """RFC 7970 §3.11 Method.

    The techniques the attacker used: references, descriptions and SCI content.
    """

    references: Annotated[list[Reference], Child("Reference")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    attack_patterns: Annotated[list[AnyXML], Child("AttackPattern", SCI_NS)] = []
    vulnerabilities: Annotated[list[AnyXML], Child("Vulnerability", SCI_NS)] = []
    weaknesses: Annotated[list[AnyXML], Child("Weakness", SCI_NS)] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class Reference(ObservableIDAttr):
    """RFC 7970 §3.11.1 Reference.

    A reference to a vulnerability, attack pattern or other public description.
    """

    reference_name: Annotated[AnyXML | None, Child("ReferenceName", ENUM_NS)] = None
    urls: Annotated[list[str], Child("URL")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class HistoryItem(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.13.1 HistoryItem.

    One action taken during the handling of the incident.
    """

    action: Annotated[Action, Attr("action")]
    ext_action: Annotated[str | None, Attr("ext-action")] = None
    date_time: Annotated[datetime, Child("DateTime", required=True)]
    incident_id: Annotated[IncidentID | None, Child("IncidentID")] = None
    contact: Annotated[Contact | None, Child("Contact")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    defined_coas: Annotated[list[str], Child("DefinedCOA")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class History(RestrictionAttrs):
    """RFC 7970 §3.13 History.

    A log of the actions taken during the handling of the incident.
    """

    history_items: Annotated[list[HistoryItem], Child("HistoryItem", required=True), Field(min_length=1)]
