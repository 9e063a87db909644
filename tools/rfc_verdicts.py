"""Which side of each RFC 7970 prose/schema conflict is right, and what iodef does about it.

:mod:`tools.rfc_audit` finds the conflicts by program; these verdicts are judgement, written by
people, keyed by :attr:`Conflict.key`. A conflict without a verdict makes ``verdict`` raise,
so a new finding of the extractor cannot slip into the docs unjudged (tests/validate/test_rfc_audit.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from tools.rfc_audit import Conflict

INTRO: Final = """# RFC 7970: where the prose and the schema disagree

RFC 7970 describes IODEF v2 twice: as an information model in prose (§2-§3: class diagrams,
aggregate classes with their multiplicity, attributes with their enumerations, §10.2's registry
table) and as the XML schema of §8. Only four errata were ever reported, but the two disagree
in many more places. `tools/rfc_audit.py` extracts both sides from `../shared/reference/rfc7970.txt`
and `schemas/iodef-2.0.xsd` and compares them; this page is its output
(`python tools/rfc_audit.py --markdown`; `tests/validate/test_rfc_audit.py` fails when it is out of
date). The verdicts are people's judgement (`tools/rfc_verdicts.py`); the reasons cite RFC 7970
§5.1.1, the RFC's own examples (§7), and RFC 8727, the JSON binding whose CDDL was written
from the same information model a few years later
(`../shared/reference/draft-ietf-mile-jsoniodef-14.txt`).

What iodef does, in general:

- **Reading is liberal.** A document valid under the schema, or written from the prose, reads
  into the model and writes back in the spelling it came with (`Key/KeyValue` stays `KeyValue`;
  values outside the registries, such as `vendor-support`, are kept as
  `iodef.UnregisteredValue`; child order is kept).
- **`rfc7970` is the schema as published**; **`rfc7970-errata` follows the prose where the prose
  is clearly right**. Where both spellings are in use, `rfc7970-errata` accepts both and warns
  on the prose's (rule `prose-spelling`: a peer validating against the published schema refuses
  it). Each patch checks its target first (`iodef/validate/profiles.py`).
- **Writing is conservative.** The model, the converters and `iodef fmt` write what the
  published schema accepts (`Value`, `vendor-services`, `counter`), unless the document came
  with the other spelling.

Columns: *RFC (line)* and *schema (line)* give what each side says and where
(`rfc7970.txt`, `iodef-2.0.xsd`); *right* is the side iodef takes as correct.
"""

_PROSE_RULE = "prose is right: a MUST of the information model the schema does not express"
_REQ_CHILD = "RFC rule `required-child` (both profiles)"
_DEFAULT = (
    "prose (RFC 8727 has the same `.default`)",
    "the default gives an absent attribute its meaning; the schema omits it, which changes no verdict",
    "absent stays absent (lossless); readers take the prose's default",
)
_REQUIRED_WITH_DEFAULT = (
    "schema",
    "the prose says Required *and* gives a default, which only an optional attribute can have; "
    "the schema's optional-with-default is the consistent reading",
    "follows the schema under both profiles",
)
_REQUIRED_NO_DEFAULT = (
    "prose (RFC 8727 agrees)",
    "without the attribute the element says nothing; RFC 8727 makes it mandatory",
    "not enforced: documents valid under the published schema omit it (iodef's own DomainData "
    "fixtures do); follows the schema under both profiles",
)

VERDICTS: Final[dict[str, tuple[str, str, str]]] = {
    "at-least-one:SoftwareType:children": (
        "prose",
        _PROSE_RULE + " (§2.15)",
        _REQ_CHILD + " on OperatingSystem, Application, AssociatedSoftware",
    ),
    "at-least-one:RelatedActivity:children": ("prose", _PROSE_RULE + " (§3.6)", _REQ_CHILD),
    "at-least-one:Campaign:children": ("prose", _PROSE_RULE + " (§3.8)", _REQ_CHILD),
    "at-least-one:Reference:children": ("prose", _PROSE_RULE + " (§3.11.1)", _REQ_CHILD),
    "at-least-one:Service:children": ("prose", _PROSE_RULE + " (§3.20)", _REQ_CHILD),
    "at-least-one:ServiceName:children": ("prose", _PROSE_RULE + " (§3.20.1)", _REQ_CHILD),
    "default:SoftwareReference:dtype": _DEFAULT,
    "default:ExtensionType:dtype": (
        "prose",
        "the default gives an absent dtype its meaning (the schema requires dtype anyway)",
        "the model requires dtype, as the schema does",
    ),
    "default:BusinessImpact:severity": _DEFAULT,
    "default:TimeImpact:duration": _DEFAULT,
    "default:EventData:restriction": _DEFAULT,
    "default:Expectation:restriction": _DEFAULT,
    "default:RecordPattern:type": _DEFAULT,
    "required:IODEF-Document:version": (
        "prose",
        "the schema fixes the value (2.00) but lets it be left out; §3.1 requires it",
        "RFC rule `version` (both profiles)",
    ),
    "required:RegistryHandle:registry": _REQUIRED_NO_DEFAULT,
    "required:DomainData:system-status": _REQUIRED_NO_DEFAULT,
    "required:DomainData:domain-status": _REQUIRED_NO_DEFAULT,
    "required:SystemImpact:type": _REQUIRED_WITH_DEFAULT,
    "required:BusinessImpact:type": _REQUIRED_WITH_DEFAULT,
    "required:Address:category": _REQUIRED_WITH_DEFAULT,
    "required:BulkObservable:type": (
        "schema",
        "a list of observables without their type cannot be read; RFC 8727 keeps it optional, but "
        "every example types it",
        "follows the schema; the model requires `type`",
    ),
    "multiplicity:ThreatActor:URL": (
        "prose",
        "§3.7 says zero or more and the RFC's own §7.2 example has a ThreatActor without URL",
        "`rfc7970-errata` makes URL optional",
    ),
    "multiplicity:AttackPhase:URL": (
        "prose",
        "§3.29.8 says zero or more, the same pattern as ThreatActor and Campaign",
        "`rfc7970-errata` makes URL optional; the model reads an AttackPhase without one",
    ),
    "multiplicity:RecordData:FileData": (
        "schema",
        "the schema's zero-or-more accepts every document the prose's zero-or-one does; RFC 8727 has a list",
        "follows the schema; the model has a list",
    ),
    "enum-missing:Contact:role=vendor-support": (
        "both in use",
        "the prose and RFC 8727 spell it `vendor-support`; the schema, and so the IANA registry "
        "(§10.2 fills it from the schema), `vendor-services`",
        "`rfc7970-errata` accepts both and warns on `vendor-support`; written as read",
    ),
    "enum-extra:Contact:role=vendor-services": (
        "both in use",
        "see `vendor-support`",
        "the model's `ContactRole.VENDOR_SERVICES`",
    ),
    "enum-missing:Counter:type=count": (
        "both in use",
        "the prose and RFC 8727 have count/peak/average; the schema and the IANA registry "
        "counter/rate/average",
        "`rfc7970-errata` accepts both and warns on `count`; written as read",
    ),
    "enum-missing:Counter:type=peak": (
        "both in use",
        "see `count`",
        "`rfc7970-errata` accepts both and warns on `peak`; written as read",
    ),
    "enum-extra:Counter:type=counter": ("both in use", "see `count`", "the model's `CounterType`"),
    "enum-extra:Counter:type=rate": ("both in use", "see `count`", "the model's `CounterType`"),
    "enum-missing:Expectation:action=training": (
        "prose",
        "erratum 5583",
        "`rfc7970-errata` adds `training`; the model has it",
    ),
    "text:Confidence:content": (
        "prose",
        "erratum 5543: Confidence holds a REAL when rating is numeric; the schema makes it empty",
        "`rfc7970-errata` gives it float-or-empty content; RFC rule `confidence` pairs content and rating",
    ),
    "at-least-one:Node:children": (
        "prose",
        "erratum 5544: a Node needs an Address or a DomainData; the schema's repeated choice has "
        "both optional",
        '`rfc7970-errata` removes the two minOccurs="0"; RFC rule `node-address` under `rfc7970`',
    ),
    "text:Node:PostalAddress": (
        "schema",
        "§3.18 types Node's PostalAddress as POSTAL (text, §2.10) but the schema has one global "
        "PostalAddress, the §3.9.2 class; RFC 8727 uses the class in Node too",
        "follows the schema",
    ),
    "order:Service:children": (
        "schema",
        "XML needs one order and the schema's is the published one; the prose lists the "
        "children without saying their order is normative",
        "reads either order and writes back the order read; new documents in schema order",
    ),
    "spelling:Key:KeyValue": (
        "prose",
        "§3.23.1 and RFC 8727 say `KeyValue`; the schema reuses a generic global `Value`; "
        "documents written from the prose (e.g. converted from RFC 8727 JSON) use `KeyValue`",
        "the model reads both and writes back the one read (`Value` for new documents); "
        "`rfc7970-errata` accepts both and warns on `KeyValue`",
    ),
    "spelling:SignatureData:Signature": (
        "schema",
        "the same element: the prose omits the `ds:` prefix it uses elsewhere for XML Signature",
        "no effect",
    ),
    "child-missing:AlternativeIndicatorID:IndicatorReference": (
        "schema",
        "alternative *identifiers* are IndicatorIDs, which the schema and RFC 8727 both have",
        "follows the schema; a prose-style IndicatorReference is not read",
    ),
    "child-extra:AlternativeIndicatorID:IndicatorID": (
        "schema",
        "see IndicatorReference",
        "the model has `indicator_ids`",
    ),
    "ext-value:BulkObservable:type=ext-value": (
        "prose",
        "§3.29.3.1 lists value 28 `ext-value` and the class has `ext-type`, which §5.1.1 makes "
        "usable only with `ext-value`",
        "`rfc7970-errata` adds `ext-value` (warning); the model has `BulkObservableType.EXT_VALUE`",
    ),
    "ext-value:IndicatorExpression:operator=ext-value": (
        "neither",
        "both sides (and RFC 8727) have `ext-operator` but no `ext-value` to go with it (§5.1.1); "
        "not clearly an oversight of either",
        "follows both: `ext-operator` alone is kept as read",
    ),
    "registry:Restriction:Restriction": (
        "schema",
        "§10.2 Table 1 names the type `iodef-restriction-type`; the schema calls it `restriction-type`",
        "no effect on documents",
    ),
    "registry:SoftwareReference:SoftwareReference-spec-id": (
        "schema",
        "the registry is named after `spec-id` and points at `softwarereference-spec-id-type`; "
        "the attribute is `spec-name`, its type `softwarereference-spec-name-type`",
        "no effect on documents",
    ),
}


def verdict(conflict: Conflict) -> tuple[str, str, str]:
    """(right side, why, what iodef does) for *conflict*; KeyError when nobody judged it yet."""
    return VERDICTS[conflict.key]
