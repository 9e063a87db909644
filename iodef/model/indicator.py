"""RFC 7970 §3.28-§3.29: IndicatorData, Indicator, Observable, BulkObservable, IndicatorExpression
and references.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ._base import Attr, Child, IODEFModel, Text
from ._mixins import RestrictionAttrs, SimpleContent
from .enums import BulkObservableType, IndicatorExpressionOperator

if TYPE_CHECKING:
    from .assessment import Assessment, Confidence, DetectionPattern, HistoryItem, Reference
    from .contact import Contact, RegistryHandle
    from .datatypes import ExtensionType, MLStringType
    from .document import Incident
    from .event import Address, DomainData, EventData, Expectation, NodeRole, Service, System
    from .record import CertificateData, EmailData, FileData, Hash, RecordData, WindowsRegistryKeysModified

__all__ = [
    "AlternativeIndicatorID",
    "AttackPhase",
    "BulkObservable",
    "BulkObservableFormat",
    "Indicator",
    "IndicatorData",
    "IndicatorExpression",
    "IndicatorID",
    "IndicatorReference",
    "Observable",
    "ObservableReference",
]


class IndicatorID(SimpleContent):
    """RFC 7970 §3.29.1 IndicatorID.

    The identifier of an indicator, with its issuer's name and a version.
    """

    name: Annotated[str, Attr("name")]
    version: Annotated[str, Attr("version")]
    value: Annotated[str, Text()]


class IndicatorData(IODEFModel):
    """RFC 7970 §3.28 IndicatorData.

    The indicators of this incident.
    """

    indicators: Annotated[list[Indicator], Child("Indicator", required=True), Field(min_length=1)]


class Indicator(RestrictionAttrs):
    """RFC 7970 §3.29 Indicator.

    One indicator: an observable, a reference to one, or an expression combining them.
    """

    indicator_id: Annotated[IndicatorID, Child("IndicatorID", required=True)]
    alternative_indicator_ids: Annotated[list[AlternativeIndicatorID], Child("AlternativeIndicatorID")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    start_time: Annotated[datetime | None, Child("StartTime")] = None
    end_time: Annotated[datetime | None, Child("EndTime")] = None
    confidence: Annotated[Confidence | None, Child("Confidence")] = None
    contacts: Annotated[list[Contact], Child("Contact")] = []
    observable: Annotated[Observable | None, Child("Observable")] = None
    observable_reference: Annotated[ObservableReference | None, Child("ObservableReference")] = None
    indicator_expression: Annotated[IndicatorExpression | None, Child("IndicatorExpression")] = None
    indicator_reference: Annotated[IndicatorReference | None, Child("IndicatorReference")] = None
    node_roles: Annotated[list[NodeRole], Child("NodeRole")] = []
    attack_phases: Annotated[list[AttackPhase], Child("AttackPhase")] = []
    references: Annotated[list[Reference], Child("Reference")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class AlternativeIndicatorID(RestrictionAttrs):
    """RFC 7970 §3.29.2 AlternativeIndicatorID.

    Identifiers other parties use for the same indicator.
    """

    indicator_ids: Annotated[list[IndicatorID], Child("IndicatorID", required=True), Field(min_length=1)]


class Observable(RestrictionAttrs):
    """RFC 7970 §3.29.3 Observable.

    One observable thing: an address, a system, a file, an e-mail, a bulk list, ...
    """

    system: Annotated[System | None, Child("System")] = None
    address: Annotated[Address | None, Child("Address")] = None
    domain_data: Annotated[DomainData | None, Child("DomainData")] = None
    service: Annotated[Service | None, Child("Service")] = None
    email_data: Annotated[EmailData | None, Child("EmailData")] = None
    windows_registry_keys_modified: Annotated[
        WindowsRegistryKeysModified | None, Child("WindowsRegistryKeysModified")
    ] = None
    file_data: Annotated[FileData | None, Child("FileData")] = None
    certificate_data: Annotated[CertificateData | None, Child("CertificateData")] = None
    registry_handle: Annotated[RegistryHandle | None, Child("RegistryHandle")] = None
    record_data: Annotated[RecordData | None, Child("RecordData")] = None
    event_data: Annotated[EventData | None, Child("EventData")] = None
    incident: Annotated[Incident | None, Child("Incident")] = None
    expectation: Annotated[Expectation | None, Child("Expectation")] = None
    reference: Annotated[Reference | None, Child("Reference")] = None
    assessment: Annotated[Assessment | None, Child("Assessment")] = None
    detection_pattern: Annotated[DetectionPattern | None, Child("DetectionPattern")] = None
    history_item: Annotated[HistoryItem | None, Child("HistoryItem")] = None
    bulk_observable: Annotated[BulkObservable | None, Child("BulkObservable")] = None
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class BulkObservable(IODEFModel):
    """RFC 7970 §3.29.3.1 BulkObservable.

    Many observables of one type in one list.
    """

    type: Annotated[BulkObservableType, Attr("type")]
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    bulk_observable_format: Annotated[BulkObservableFormat | None, Child("BulkObservableFormat")] = None
    bulk_observable_list: Annotated[str, Child("BulkObservableList", required=True)]
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class BulkObservableFormat(IODEFModel):
    """RFC 7970 §3.29.3.1.1 BulkObservableFormat.

    How the entries of a BulkObservableList are written (hash or other format).
    """

    hash: Annotated[Hash | None, Child("Hash")] = None
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class ObservableReference(IODEFModel):
    """RFC 7970 §3.29.6 ObservableReference.

    A reference to an observable elsewhere in the document (by observable-id).
    """

    uid_ref: Annotated[str, Attr("uid-ref")]


class IndicatorExpression(IODEFModel):
    """RFC 7970 §3.29.4 IndicatorExpression.

    A logical expression (and, or, xor, not) over observables and indicators.
    """

    operator: Annotated[IndicatorExpressionOperator | None, Attr("operator")] = None
    ext_operator: Annotated[str | None, Attr("ext-operator")] = None
    indicator_expressions: Annotated[list[IndicatorExpression], Child("IndicatorExpression")] = []
    observables: Annotated[list[Observable], Child("Observable")] = []
    observable_references: Annotated[list[ObservableReference], Child("ObservableReference")] = []
    indicator_references: Annotated[list[IndicatorReference], Child("IndicatorReference")] = []
    confidences: Annotated[list[Confidence], Child("Confidence")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class IndicatorReference(IODEFModel):
    """RFC 7970 §3.29.7 IndicatorReference.

    A reference to another indicator, in this document or elsewhere.
    """

    uid_ref: Annotated[str | None, Attr("uid-ref")] = None
    euid_ref: Annotated[str | None, Attr("euid-ref")] = None
    version: Annotated[str | None, Attr("version")] = None


class AttackPhase(IODEFModel):
    """RFC 7970 §3.29.8 AttackPhase.

    The phase of an attack (kill-chain step) an indicator belongs to.
    """

    attack_phase_ids: Annotated[list[str], Child("AttackPhaseID")] = []
    urls: Annotated[list[str], Child("URL")] = []
    """Zero or more in §3.29.8 (one or more in the published schema; optional under
    ``rfc7970-errata``, as ThreatActor's)."""
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []
