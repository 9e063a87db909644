"""RFC 7970 rules that the XSD cannot express, run on the lxml tree (so every issue has a line).

Each rule cites the section it enforces; a MUST gives severity ``error``, a SHOULD (or a
plausibility check such as times out of their natural order) gives ``warning``. Rules report
only what the schema of the chosen profile does not already report, so one problem is one issue.
:data:`RULES` describes every rule (slug, section, severity, profiles); the fixtures under
``fixtures/validate/`` hold a passing and a failing document for each slug.

The rules visit only the elements they concern (``root.iter(*tags)``), so their cost grows with
the number of matching elements. Most documents break no rule: a screen (:func:`_may_report`)
answers that for all per-element handlers in one cheap pass, and the handlers run, unchanged,
only when it cannot; the attribute rules find their elements with a byte search of the raw
document when its encoding allows, else with XPath scans in libxml2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final

from lxml import etree

from ...errors import Issue
from ._context import RuleInfo, _Ctx
from .dispatch import _HANDLERS, _TAGS
from .document import _rule_attributes, _rule_document, _rule_incident_ids, check_encoding
from .indicator import _rule_references
from .prose import _rule_prose_spellings
from .screen import _may_report
from .times import _rule_years

__all__ = ["RULES", "RuleInfo", "iter_rule_infos", "run_rules"]

RULES: Final[tuple[RuleInfo, ...]] = (
    RuleInfo(
        "ext-value", "RFC7970 §5.1.1", "error", "ext-value needs the matching ext-<attr>, and the reverse"
    ),
    RuleInfo(
        "version", "RFC7970 §3.2", "error", "IODEF-Document@version is required (the XSD has it optional)"
    ),
    RuleInfo("private-enum", "RFC7970 §3.2", "error", "private-enum-id needs private-enum-name"),
    RuleInfo("language", "RFC7970 §6", "error", "the document states its language; xml:lang is a BCP 47 tag"),
    RuleInfo(
        "encoding", "RFC7970 §4.1", "error", "XML declaration with an explicit encoding (UTF-8 or UTF-16)"
    ),
    RuleInfo(
        "confidence", "RFC7970 §3.12.5", "error", "Confidence holds a REAL for rating numeric, else nothing"
    ),
    RuleInfo(
        "time-order", "RFC7970 §3.2", "error", "StartTime not after EndTime; other times in natural order"
    ),
    RuleInfo("address", "RFC7970 §3.18.1", "error", "Address content matches its category"),
    RuleInfo(
        "nameserver-address", "RFC7970 §3.19.1", "error", "a Nameservers Address is ipv4-addr or ipv6-addr"
    ),
    RuleInfo(
        "portlist", "RFC7970 §2.9", "error", "PORTLIST syntax, ports up to 65535, ranges N-M with N <= M"
    ),
    RuleInfo("extension-dtype", "RFC7970 §2.16", "error", "ExtensionType content matches its dtype"),
    RuleInfo("references", "RFC7970 §3.29.6", "error", "references point at the right kind of element"),
    RuleInfo("indicator-reference", "RFC7970 §3.29.7", "error", "IndicatorReference has uid-ref or euid-ref"),
    RuleInfo("duplicate-incident-id", "RFC7970 §3.4", "error", "no IncidentID twice in one document"),
    RuleInfo("required-child", "RFC7970 §3", "error", "classes that need at least one child have one"),
    RuleInfo("node-address", "RFC7970 §3.18", "error", "Node has an Address or DomainData", ("rfc7970",)),
    RuleInfo("defined-coa", "RFC7970 §3.15", "error", "action defined-coa needs a DefinedCOA"),
    RuleInfo(
        "service-protocol", "RFC7970 §3.20", "error", "Service with ports or protocol details has ip-protocol"
    ),
    RuleInfo(
        "header-field", "RFC7970 §3.21", "error", "header fields carry name (and dtype string for email)"
    ),
    RuleInfo("software-custom", "RFC7970 §2.15.1", "error", "SoftwareReference spec-name custom needs dtype"),
    RuleInfo("expression", "RFC7970 §3.29.4", "error", "operator not takes exactly one operand"),
    RuleInfo("datetime", "RFC7970 §2.7", "error", "a DATETIME year is 0001-9999 (what the model holds)"),
    RuleInfo(
        "prose-spelling",
        "RFC7970 §3",
        "warning",
        "a spelling of the prose that the published schema does not know",
        ("rfc7970-errata",),
    ),
)


_WHOLE_DOCUMENT: Final[tuple[Callable[[_Ctx], None], ...]] = (
    _rule_document,
    _rule_attributes,
    _rule_references,
    _rule_incident_ids,
    _rule_years,
    _rule_prose_spellings,
)


def run_rules(
    root: etree._Element,
    profile: str,
    path_of: Callable[[etree._Element], str],
    prefix: bytes | None = None,
    data: bytes | None = None,
    facts: int | None = None,
) -> list[Issue]:
    """All RFC 7970 rule issues for the IODEF v2 document *root*, in document order.

    *prefix* is the start of the raw document, when there was one, for the §4.1 encoding rule;
    *data* the whole raw document, when there was one (it lets :func:`_rule_attributes` skip
    scans that cannot find anything); *facts* what the C walk found, when the caller has it.
    """
    ctx = _Ctx(root, profile, path_of, data, facts)
    if prefix is not None:
        check_encoding(prefix, root, ctx)
    for whole in _WHOLE_DOCUMENT:
        whole(ctx)
    if _may_report(root, profile, path_of):
        handlers = _HANDLERS
        for el in root.iter(*_TAGS):
            for handler in handlers[el.tag]:
                handler(ctx, el)
    ctx.issues.sort(key=_order)
    return ctx.issues


def _order(issue: Issue) -> tuple[int, str]:
    return (issue.line or 0, issue.rule)


def iter_rule_infos() -> Iterator[RuleInfo]:
    yield from RULES
