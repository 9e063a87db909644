"""Validate IODEF documents: the bundled XSD (offline) plus the RFC 7970 rules it cannot express.

The package's modules, each with one job: :mod:`~iodef.validate.api` (this public API),
:mod:`~iodef.validate.schema` (the bundled XSD files and their offline loading),
:mod:`~iodef.validate.profiles` (the schema as published and with its errata patched in),
:mod:`~iodef.validate.xsd` (running the schema: libxml2's verdict, xmlschema's readable report),
:mod:`~iodef.validate.explain` (that report for the common single errors, without xmlschema),
:mod:`~iodef.validate.decider` (the schema libxml2 decides with, and locating libxml2's errors),
:mod:`~iodef.validate.rules` (the RFC rules, one module per group of RFC sections) and
:mod:`~iodef.validate.syntax` (value syntax: addresses, ports, language tags, dtypes).

::

    from iodef.validate import iter_issues, validate, is_valid

    for issue in iter_issues("incident.xml"):             # or bytes, str, IODEFDocument, lxml root
        print(issue.line, issue.severity, issue.path, issue.message, issue.rule)
    validate("incident.xml", profile="rfc7970-errata")    # raises SchemaValidationError / RuleViolation
    report = check("incident.xml")                        # everything at once, with the profile used

Issues are data (:class:`Issue`), like jsonschema's errors: ``rule`` names the XSD constraint
(``xsd:cvc-complex-type.2.4``) or the RFC section (``RFC7970 §3.18.1``); ``error`` for what the
schema or a MUST forbids, ``warning`` for SHOULDs and implausible values.

How the schema part works: libxml2 (lxml) decides whether a document is valid, in microseconds.
libxml2 does not check that xs:IDREF values resolve nor that xs:ID values are unique, so that part
of XSD validation is done here in Python (:mod:`iodef.validate.xsd`). Only for an invalid document is the
slower xmlschema validator run, for its readable report (every error, not only the first per
element, with the element path); its schema is built on first need and kept for the process. A
document with one common error gets the same words from :mod:`iodef.validate.explain`, without it.
The two agree on every fixture (``tests/validate/test_agreement.py``). Schema profiles are
described in :mod:`iodef.validate.profiles`; IODEF v1 (RFC 5070) documents are checked against the
bundled v1 schema and their reports say so (profile ``iodef-v1``).
"""

from __future__ import annotations

from ..errors import Issue
from .api import Report, _explain_rejected, _quick_check, _Rejected, check, is_valid, iter_issues, validate
from .profiles import PROFILES
from .xsd import fast_verdict

__all__ = [
    "PROFILES",
    "Issue",
    "Report",
    "_Rejected",
    "_explain_rejected",
    "_quick_check",
    "check",
    "fast_verdict",
    "is_valid",
    "iter_issues",
    "validate",
]
