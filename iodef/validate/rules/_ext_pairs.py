"""RFC 7970 §5.1.1: which attributes of which element have an ``ext-`` partner.

The attribute pairs the model declares (``ext_pairs`` in each class's binding plan), written out
here so that checking a document does not import the typed model (pydantic: most of a second).
tests/validate/test_ext_pairs.py derives the table from the model again and compares.
"""

from __future__ import annotations

from typing import Final

from ._context import _P

#: local element name -> the attributes X that have an ``ext-X`` partner
_BY_NAME: Final[dict[str, frozenset[str]]] = {
    "AdditionalData": frozenset({"dtype", "restriction"}),
    "Address": frozenset({"category"}),
    "AlternativeID": frozenset({"restriction"}),
    "AlternativeIndicatorID": frozenset({"restriction"}),
    "ApplicationHeaderField": frozenset({"dtype", "restriction"}),
    "Assessment": frozenset({"restriction"}),
    "BulkObservable": frozenset({"type"}),
    "BusinessImpact": frozenset({"severity", "type"}),
    "Campaign": frozenset({"restriction"}),
    "CertificateData": frozenset({"restriction"}),
    "Confidence": frozenset({"rating"}),
    "Contact": frozenset({"restriction", "role", "type"}),
    "Counter": frozenset({"duration", "type", "unit"}),
    "DetectionPattern": frozenset({"restriction"}),
    "Discovery": frozenset({"restriction", "source"}),
    "DomainData": frozenset({"domain-status", "system-status"}),
    "Email": frozenset({"type"}),
    "EmailHeaderField": frozenset({"dtype", "restriction"}),
    "EventData": frozenset({"restriction"}),
    "Expectation": frozenset({"action", "restriction"}),
    "FileData": frozenset({"restriction"}),
    "FileProperties": frozenset({"dtype", "restriction"}),
    "FuzzyHashValue": frozenset({"dtype", "restriction"}),
    "HashData": frozenset({"scope"}),
    "History": frozenset({"restriction"}),
    "HistoryItem": frozenset({"action", "restriction"}),
    "Incident": frozenset({"purpose", "restriction", "status"}),
    "IncidentID": frozenset({"restriction"}),
    "Indicator": frozenset({"restriction"}),
    "IndicatorExpression": frozenset({"operator"}),
    "IntendedImpact": frozenset({"severity", "type"}),
    "Key": frozenset({"registryaction"}),
    "Method": frozenset({"restriction"}),
    "NodeRole": frozenset({"category"}),
    "Observable": frozenset({"restriction"}),
    "PostalAddress": frozenset({"type"}),
    "Record": frozenset({"restriction"}),
    "RecordData": frozenset({"restriction"}),
    "RecordItem": frozenset({"dtype", "restriction"}),
    "RecordPattern": frozenset({"offsetunit", "type"}),
    "RegistryHandle": frozenset({"registry"}),
    "RelatedActivity": frozenset({"restriction"}),
    "RelatedDNS": frozenset({"dtype", "restriction"}),
    "SoftwareReference": frozenset({"dtype", "spec-name"}),
    "System": frozenset({"category", "ownership", "restriction"}),
    "SystemImpact": frozenset({"type"}),
    "Telephone": frozenset({"type"}),
    "ThreatActor": frozenset({"restriction"}),
    "TimeImpact": frozenset({"duration", "metric"}),
}

#: the same, by Clark name
EXT_PAIRS: Final[dict[str, frozenset[str]]] = {f"{_P}{name}": attrs for name, attrs in _BY_NAME.items()}
