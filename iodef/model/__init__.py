"""The typed IODEF v2 model (RFC 7970 §2-§3 and the §10.2 registries).

Class names are the RFC's; fields are snake_case, lists are plural (``Incident.contacts``), and
the XML spelling lives only in the binding markers. Every class is a pydantic model: build
documents with keyword arguments, read them with :func:`iodef.parse`, write them with
:func:`iodef.dumps` or :meth:`IODEFDocument.to_xml`.
"""

from __future__ import annotations

import importlib
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


def _resolve_fields(classes: list[type[IODEFModel]], namespace: dict[str, Any]) -> bool:
    """Resolve each class's field types now, leaving its validator to be built on first use.

    Building every validator at import took ~0.6 s of the ~0.9 s ``import iodef.model`` cost, and
    most programs use a few classes (the XML binding needs only the resolved fields). This uses
    pydantic's internal field rebuild (pydantic >= 2.11); where it is missing or has changed, the
    caller falls back to building everything at import, as before.
    """
    try:
        from pydantic._internal._config import ConfigWrapper
        from pydantic._internal._namespace_utils import NsResolver
    except ImportError:
        return False
    construction = importlib.import_module("pydantic._internal._model_construction")
    rebuild_model_fields = getattr(construction, "rebuild_model_fields", None)
    if rebuild_model_fields is None:
        return False
    try:
        resolver = NsResolver(parent_namespace=namespace)
        resolved = [
            rebuild_model_fields(
                cls,
                config_wrapper=ConfigWrapper(cls.model_config, check=False),
                ns_resolver=resolver,
                typevars_map={},
            )[0]
            for cls in classes
        ]
    except Exception:  # another pydantic's internals: build eagerly instead
        return False
    for cls, fields in zip(classes, resolved, strict=True):
        cls.__pydantic_fields__ = fields
        # the namespace a deferred build resolves the class's annotations in (cross-module names)
        cls.__pydantic_parent_namespace__ = namespace
    return True


def _rebuild(lazy: bool = True) -> None:
    namespace: dict[str, Any] = {}
    for module in (*_MODULES, enums):
        namespace.update({name: getattr(module, name) for name in module.__all__})
    classes = [getattr(module, name) for module in _MODULES for name in module.__all__]
    if lazy and _resolve_fields(classes, namespace):
        return
    for cls in classes:
        cls.model_rebuild(_types_namespace=namespace)


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
