"""What export and import share: the ``x-iodef`` extension, TLP 2.0 markings, identifiers."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Final

import stix2

from ..errors import IODEFError

__all__ = [
    "EXTENSION_ID",
    "IODEF_IDENTITY",
    "STIX_NS",
    "TLP_BY_RESTRICTION",
    "StixError",
    "extension_definition",
    "iodef_extension",
    "stable_id",
    "tlp_markings",
]


class StixError(IODEFError):
    """A STIX bundle could not be read, or a document could not be expressed as one."""


#: Namespace of the placeholders in the document envelope (see docs/stix.md).
STIX_NS: Final = "urn:iodef:stix:2.1"
#: UUIDv5 namespace for the identifiers of exported objects: the same document gives the same ids.
_ID_NS: Final = uuid.UUID("6f0b1c8e-4f7d-5b0e-9a57-0f7e2d0c4a11")
_DEFINED: Final = datetime(2026, 12, 1, tzinfo=UTC)

#: The ``x-iodef`` property extension (STIX 2.1 §7.3): what STIX has no property for.
EXTENSION_ID: Final = "extension-definition--2a5d3bd0-4b6e-4bb4-8c36-5c9e8f7f1d01"

IODEF_IDENTITY: Final = stix2.v21.Identity(
    id="identity--c7f5e9c3-18b3-4f0e-a1f5-5f3a3f0e9b2d",
    created=_DEFINED,
    modified=_DEFINED,
    name="iodef toolkit",
    identity_class="system",
    description="The IODEF v2 (RFC 7970) toolkit that defines the x-iodef extension.",
)


def extension_definition() -> stix2.v21.ExtensionDefinition:
    """The extension-definition object every exported bundle carries."""
    return stix2.v21.ExtensionDefinition(
        id=EXTENSION_ID,
        created_by_ref=IODEF_IDENTITY.id,
        created=_DEFINED,
        modified=_DEFINED,
        name="x-iodef",
        description=(
            "RFC 7970 (IODEF v2) content with no STIX 2.1 property: the incident's purpose, status, "
            "restriction and times, and the IODEF XML of each Incident (iodef_xml) and of the "
            "document around them (iodef_envelope), so that IODEF -> STIX -> IODEF loses nothing."
        ),
        schema=(
            "Property extension on incident and report objects. incident: iodef_xml (string, the "
            "IODEF Incident element), purpose, status, restriction (strings, RFC 7970 §3.2), "
            "detect_time, start_time, end_time, recovery_time, report_time, generation_time "
            "(RFC 3339 strings as written in the IODEF document). report: iodef_envelope (string, "
            "the IODEF-Document with each Incident replaced by <s:incident ref='incident--...'/> "
            f"in the namespace {STIX_NS}). Described in the iodef documentation, docs/stix.md."
        ),
        version="1.0.0",
        extension_types=["property-extension"],
    )


def iodef_extension(properties: dict[str, Any]) -> dict[str, Any]:
    """The ``extensions`` value of an object carrying *properties* in the x-iodef extension."""
    return {EXTENSION_ID: {"extension_type": "property-extension", **properties}}


def stable_id(stix_type: str, *parts: str) -> str:
    """A deterministic STIX identifier for an exported object of *stix_type*."""
    return f"{stix_type}--{uuid.uuid5(_ID_NS, '|'.join((stix_type, *parts)))}"


_TLP_EXTENSION: Final = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
_TLP_CREATED: Final = "2022-10-01T00:00:00.000Z"
#: The five TLP 2.0 marking definitions (identifiers fixed by the STIX 2.1 TLP 2.0 extension).
_TLP2: Final[dict[str, str]] = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
#: IODEF restriction -> TLP 2.0 level (RFC 7970 §3.3.1 and the TLP names it admits).
TLP_BY_RESTRICTION: Final[dict[str, str]] = {
    "public": "clear",
    "white": "clear",
    "partner": "green",
    "green": "green",
    "need-to-know": "amber",
    "amber": "amber",
    "default": "amber",
    "private": "red",
    "red": "red",
}
#: TLP 2.0 level -> IODEF restriction, for STIX -> IODEF.
RESTRICTION_BY_TLP: Final[dict[str, str]] = {
    "clear": "public",
    "white": "public",
    "green": "partner",
    "amber": "need-to-know",
    "amber+strict": "need-to-know",
    "red": "private",
}
TLP_LEVEL_BY_MARKING: Final[dict[str, str]] = {v: k for k, v in _TLP2.items()}
# the TLP 1.0 definitions stix2 ships, read too
TLP_LEVEL_BY_MARKING.update(
    {
        stix2.TLP_WHITE.id: "white",
        stix2.TLP_GREEN.id: "green",
        stix2.TLP_AMBER.id: "amber",
        stix2.TLP_RED.id: "red",
    }
)


def tlp_marking(level: str) -> stix2.v21.MarkingDefinition:
    """The TLP 2.0 marking definition of *level*."""
    return stix2.v21.MarkingDefinition(
        id=_TLP2[level],
        created=_TLP_CREATED,
        name=f"TLP:{level.upper()}",
        extensions={_TLP_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
    )


def tlp_markings(restriction: str | None) -> list[str]:
    """The object_marking_refs for an IODEF *restriction* (none when it has no TLP meaning)."""
    if not restriction:
        return []
    # ext-value and unknown values count as need-to-know, as the exchange policy has it
    return [_TLP2[TLP_BY_RESTRICTION.get(restriction, "amber")]]
