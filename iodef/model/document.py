"""RFC 7970 §3.1-§3.8: IODEF-Document, Incident, IncidentID, AlternativeID, RelatedActivity,
ThreatActor, Campaign.
"""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import Field, model_validator

from .. import _hooks
from ..errors import IODEFWarning
from ._base import Attr, Child, Text
from ._mixins import LangAttr, ObservableIDAttr, RestrictionAttrs, SimpleContent
from .enums import IncidentPurpose, IncidentStatus

if TYPE_CHECKING:
    from ..safexml import Source
    from .assessment import Assessment, Confidence, Discovery, History, Method
    from .contact import Contact
    from .datatypes import ExtensionType, MLStringType
    from .event import EventData
    from .indicator import IndicatorData, IndicatorID

__all__ = [
    "AlternativeID",
    "Campaign",
    "IODEFDocument",
    "Incident",
    "IncidentID",
    "RelatedActivity",
    "ThreatActor",
]


class IODEFDocument(LangAttr):
    """RFC 7970 §3.1 IODEF-Document.

    The root of an IODEF v2 document: one or more incidents.
    """

    version: Annotated[str, Attr("version")] = "2.00"
    format_id: Annotated[str | None, Attr("format-id")] = None
    private_enum_name: Annotated[str | None, Attr("private-enum-name")] = None
    private_enum_id: Annotated[str | None, Attr("private-enum-id")] = None
    incidents: Annotated[list[Incident], Child("Incident", required=True), Field(min_length=1)]
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []

    @model_validator(mode="after")
    def _warn_without_lang(self) -> IODEFDocument:
        # Only documents built in code pass through here: reading a document does not validate.
        if self.lang is None:
            warnings.warn(
                'IODEFDocument built without a language: pass lang="en" (the BCP 47 tag of its text); '
                "iodef validate reports a document without xml:lang (RFC 7970 §6)",
                IODEFWarning,
                stacklevel=3,
            )
        return self

    def to_xml(self, *, pretty: bool = False) -> bytes:
        """This document as UTF-8 XML bytes (see :func:`iodef.dumps`)."""
        data: bytes = _hooks.need(_hooks.xml_dumps, "to_xml()")(self, pretty=pretty)
        return data

    @classmethod
    def from_xml(cls, source: Source) -> IODEFDocument:
        """Read a document (see :func:`iodef.parse`)."""
        doc: IODEFDocument = _hooks.need(_hooks.xml_parse, "from_xml()")(source)
        return doc


class Incident(LangAttr, RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.2 Incident.

    One incident: its identifier, times, description, contacts, assessment, events and indicators.
    """

    purpose: Annotated[IncidentPurpose, Attr("purpose")]
    ext_purpose: Annotated[str | None, Attr("ext-purpose")] = None
    status: Annotated[IncidentStatus | None, Attr("status")] = None
    ext_status: Annotated[str | None, Attr("ext-status")] = None
    incident_id: Annotated[IncidentID, Child("IncidentID", required=True)]
    alternative_id: Annotated[AlternativeID | None, Child("AlternativeID")] = None
    related_activities: Annotated[list[RelatedActivity], Child("RelatedActivity")] = []
    detect_time: Annotated[datetime | None, Child("DetectTime")] = None
    start_time: Annotated[datetime | None, Child("StartTime")] = None
    end_time: Annotated[datetime | None, Child("EndTime")] = None
    recovery_time: Annotated[datetime | None, Child("RecoveryTime")] = None
    report_time: Annotated[datetime | None, Child("ReportTime")] = None
    generation_time: Annotated[datetime, Child("GenerationTime", required=True)]
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    discoveries: Annotated[list[Discovery], Child("Discovery")] = []
    assessments: Annotated[list[Assessment], Child("Assessment")] = []
    methods: Annotated[list[Method], Child("Method")] = []
    contacts: Annotated[list[Contact], Child("Contact", required=True), Field(min_length=1)]
    event_data_list: Annotated[list[EventData], Child("EventData")] = []
    indicator_data: Annotated[IndicatorData | None, Child("IndicatorData")] = None
    history: Annotated[History | None, Child("History")] = None
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class IncidentID(SimpleContent, RestrictionAttrs):
    """RFC 7970 §3.4 IncidentID.

    An incident tracking number, qualified by the name of the CSIRT that issued it.
    """

    name: Annotated[str, Attr("name")]
    instance: Annotated[str | None, Attr("instance")] = None
    value: Annotated[str, Text()]


class AlternativeID(RestrictionAttrs):
    """RFC 7970 §3.5 AlternativeID.

    Identifiers other parties use for the same incident.
    """

    incident_ids: Annotated[list[IncidentID], Child("IncidentID", required=True), Field(min_length=1)]


class RelatedActivity(RestrictionAttrs):
    """RFC 7970 §3.6 RelatedActivity.

    Incidents, URLs, actors, campaigns or indicators related to this incident.
    """

    incident_ids: Annotated[list[IncidentID], Child("IncidentID")] = []
    urls: Annotated[list[str], Child("URL")] = []
    threat_actors: Annotated[list[ThreatActor], Child("ThreatActor")] = []
    campaigns: Annotated[list[Campaign], Child("Campaign")] = []
    indicator_ids: Annotated[list[IndicatorID], Child("IndicatorID")] = []
    confidence: Annotated[Confidence | None, Child("Confidence")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class ThreatActor(RestrictionAttrs):
    """RFC 7970 §3.7 ThreatActor.

    The actor behind the activity.
    """

    threat_actor_ids: Annotated[list[str], Child("ThreatActorID")] = []
    #: RFC 7970 §3.7 says zero or more; the published schema wants one (see SOURCES.md).
    urls: Annotated[list[str], Child("URL")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class Campaign(RestrictionAttrs):
    """RFC 7970 §3.8 Campaign.

    The campaign this activity belongs to.
    """

    campaign_ids: Annotated[list[str], Child("CampaignID")] = []
    urls: Annotated[list[str], Child("URL")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []
