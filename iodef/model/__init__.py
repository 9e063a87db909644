"""The typed IODEF v2 model (RFC 7970 §2-§3 and the §10.2 registries).

Class names are the RFC's; fields are snake_case, lists are plural (``Incident.contacts``), and
the XML spelling lives only in the binding markers. Every class is a pydantic model: build
documents with keyword arguments, read them with :func:`iodef.parse`, write them with
:func:`iodef.dumps` or :meth:`IODEFDocument.to_xml`.
"""

from __future__ import annotations

from typing import Any

from . import assessment, contact, datatypes, document, enums, event, indicator, record
from ._base import AnyXML, IODEFModel, UnregisteredValue
from ._mixins import LangAttr, ObservableIDAttr, RestrictionAttrs, SimpleContent
from .assessment import *
from .contact import *
from .datatypes import *
from .document import *
from .enums import *
from .event import *
from .indicator import *
from .record import *

_MODULES = (datatypes, document, contact, assessment, event, record, indicator)


def _rebuild() -> None:
    namespace: dict[str, Any] = {}
    for module in (*_MODULES, enums):
        namespace.update({name: getattr(module, name) for name in module.__all__})
    for module in _MODULES:
        for name in module.__all__:
            getattr(module, name).model_rebuild(_types_namespace=namespace)


_rebuild()

#: Every model class, by its RFC 7970 class name.
MODEL_CLASSES: dict[str, type[IODEFModel]] = {
    name: getattr(module, name) for module in _MODULES for name in module.__all__
}

__all__ = [
    "MODEL_CLASSES",
    "Action",
    "Address",
    "AddressCategory",
    "AlternativeID",
    "AlternativeIndicatorID",
    "AnyXML",
    "ApplicationHeader",
    "Assessment",
    "AttackPhase",
    "BulkObservable",
    "BulkObservableFormat",
    "BulkObservableType",
    "BusinessImpact",
    "BusinessImpactSeverity",
    "BusinessImpactType",
    "Campaign",
    "Certificate",
    "CertificateData",
    "Confidence",
    "ConfidenceRating",
    "Contact",
    "ContactRole",
    "ContactType",
    "Counter",
    "CounterType",
    "CounterUnit",
    "DType",
    "DetectionPattern",
    "Discovery",
    "DiscoverySource",
    "DomainContacts",
    "DomainData",
    "DomainDataDomainStatus",
    "DomainDataSystemStatus",
    "Duration",
    "Email",
    "EmailData",
    "EmailType",
    "EventData",
    "Expectation",
    "ExtensionType",
    "File",
    "FileData",
    "Flow",
    "FuzzyHash",
    "Hash",
    "HashData",
    "HashDataScope",
    "History",
    "HistoryItem",
    "IODEFDocument",
    "IODEFModel",
    "Incident",
    "IncidentID",
    "IncidentPurpose",
    "IncidentStatus",
    "Indicator",
    "IndicatorData",
    "IndicatorExpression",
    "IndicatorExpressionOperator",
    "IndicatorID",
    "IndicatorReference",
    "Key",
    "KeyRegistryAction",
    "LangAttr",
    "MLStringType",
    "Method",
    "MonetaryImpact",
    "Nameservers",
    "Node",
    "NodeRole",
    "NodeRoleCategory",
    "Observable",
    "ObservableIDAttr",
    "ObservableReference",
    "Occurrence",
    "PostalAddress",
    "PostalAddressType",
    "Record",
    "RecordData",
    "RecordPattern",
    "RecordPatternOffsetUnit",
    "RecordPatternType",
    "Reference",
    "RegistryHandle",
    "RegistryHandleRegistry",
    "RelatedActivity",
    "Restriction",
    "RestrictionAttrs",
    "Service",
    "ServiceName",
    "Severity",
    "SignatureData",
    "SimpleContent",
    "SoftwareReference",
    "SoftwareReferenceDType",
    "SoftwareReferenceSpecName",
    "SoftwareType",
    "System",
    "SystemCategory",
    "SystemImpact",
    "SystemImpactCompletion",
    "SystemImpactType",
    "SystemOwnership",
    "Telephone",
    "TelephoneType",
    "ThreatActor",
    "TimeImpact",
    "TimeImpactMetric",
    "UnregisteredValue",
    "WindowsRegistryKeysModified",
    "YesNoUnknown",
]
