"""iodef: the IODEF v2 (RFC 7970) incident exchange toolkit.

Read a document with :func:`parse`, write it with :func:`dumps`, build one in code from the
classes of :mod:`iodef.model` (all re-exported here)::

    import iodef
    doc = iodef.parse("incident.xml")
    xml_bytes = iodef.dumps(doc, pretty=True)

The model classes are loaded on first access (PEP 562), so that
``import iodef.validate`` and the ``iodef validate`` command do not pay for pydantic and the
model; ``iodef.Incident`` and ``from iodef import Incident`` work as before.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import (
    ConvertError,
    DocumentInvalidError,
    DocumentTooLargeError,
    ExchangeError,
    ExchangeProtocolError,
    ExchangeRejectedError,
    ExchangeTransportError,
    ExchangeUnavailableError,
    ForbiddenXMLError,
    IODEFError,
    IODEFWarning,
    Issue,
    ParseError,
    RecordError,
    RestrictedDocumentError,
    RuleViolation,
    SchemaValidationError,
    SerializationError,
    UnsupportedVersionError,
)
from .xml import DEFAULT_MAX_BYTES, IODEF_NS, IODEF_V1_NS, dumps, parse

if TYPE_CHECKING:
    from . import model
    from .cbor import dumps_cbor, parse_cbor
    from .json import dumps_json, parse_json
    from .jsonbind import LossError
    from .model import *
    from .stix import StixError
    from .v1 import UpgradeNote, upgrade
    from .xmlsig import SignatureError, Trust, sign, verify

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IODEF_NS",
    "IODEF_V1_NS",
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
    "ConvertError",
    "Counter",
    "CounterType",
    "CounterUnit",
    "DType",
    "DetectionPattern",
    "Discovery",
    "DiscoverySource",
    "DocumentInvalidError",
    "DocumentTooLargeError",
    "DomainContacts",
    "DomainData",
    "DomainDataDomainStatus",
    "DomainDataSystemStatus",
    "Duration",
    "Email",
    "EmailData",
    "EmailType",
    "EventData",
    "ExchangeError",
    "ExchangeProtocolError",
    "ExchangeRejectedError",
    "ExchangeTransportError",
    "ExchangeUnavailableError",
    "Expectation",
    "ExtensionType",
    "File",
    "FileData",
    "Flow",
    "ForbiddenXMLError",
    "FuzzyHash",
    "Hash",
    "HashData",
    "HashDataScope",
    "History",
    "HistoryItem",
    "IODEFDocument",
    "IODEFError",
    "IODEFModel",
    "IODEFWarning",
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
    "Issue",
    "Key",
    "KeyRegistryAction",
    "LangAttr",
    "LossError",
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
    "ParseError",
    "PostalAddress",
    "PostalAddressType",
    "Record",
    "RecordData",
    "RecordError",
    "RecordPattern",
    "RecordPatternOffsetUnit",
    "RecordPatternType",
    "Reference",
    "RegistryHandle",
    "RegistryHandleRegistry",
    "RelatedActivity",
    "RestrictedDocumentError",
    "Restriction",
    "RestrictionAttrs",
    "RuleViolation",
    "SchemaValidationError",
    "SerializationError",
    "Service",
    "ServiceName",
    "Severity",
    "SignatureData",
    "SignatureError",
    "SimpleContent",
    "SoftwareReference",
    "SoftwareReferenceDType",
    "SoftwareReferenceSpecName",
    "SoftwareType",
    "StixError",
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
    "Trust",
    "UnregisteredValue",
    "UnsupportedVersionError",
    "UpgradeNote",
    "WindowsRegistryKeysModified",
    "YesNoUnknown",
    "__version__",
    "dumps",
    "dumps_cbor",
    "dumps_json",
    "model",
    "parse",
    "parse_cbor",
    "parse_json",
    "sign",
    "upgrade",
    "verify",
]


# subpackages reachable as attributes without an import of their own (``iodef.validate.is_valid``)
_SUBMODULES = frozenset({"model", "validate", "convert", "exchange", "stix", "xmlsig"})
# STIX 2.1 and XML Signatures (issue 14): loaded on first use, with stix2 and signxml
_BRIDGES = {
    "sign": "xmlsig",
    "verify": "xmlsig",
    "Trust": "xmlsig",
    "SignatureError": "xmlsig",
    "StixError": "stix",
}


#: the RFC 8727 and v1 -> v2 codecs, loaded on first use: name -> (module, attribute)
_CODECS = {
    "parse_json": (".json", "parse_json"),
    "dumps_json": (".json", "dumps_json"),
    "LossError": (".jsonbind", "LossError"),
    "parse_cbor": (".cbor", "parse_cbor"),
    "dumps_cbor": (".cbor", "dumps_cbor"),
    "upgrade": (".v1", "upgrade"),
    "UpgradeNote": (".v1", "UpgradeNote"),
}


def __getattr__(name: str) -> Any:
    """Load ``model`` and the model classes on first use (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _CODECS:
        module, attribute = _CODECS[name]
        value = getattr(importlib.import_module(module, __name__), attribute)
        globals()[name] = value
        return value
    if name in _BRIDGES:
        value = getattr(importlib.import_module(f".{_BRIDGES[name]}", __name__), name)
        globals()[name] = value
        return value
    if name in __all__:
        value = getattr(importlib.import_module(".model", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # the public names only: not the module's own helpers (TYPE_CHECKING, annotations, importlib, ...)
    return sorted(set(__all__) | _SUBMODULES)
