"""The one place where the exchange checks a document before accepting, sending or saving it.

It is :func:`iodef.validate.iter_issues`: the profile's XSD (offline) plus the RFC 7970 rules the
schema cannot express. The receiver, the sender and the puller all go through
:func:`check_document`, so all three judge a document the same way.
"""

from __future__ import annotations

from lxml import etree

from ..validate import PROFILES, Issue, iter_issues

__all__ = ["PROFILES", "Issue", "check_document", "has_errors"]


def check_document(
    root: etree._Element, profile: str = "rfc7970", *, source: str | None = None
) -> list[Issue]:
    """Every issue of the IODEF document *root* under *profile* (warnings too; empty when clean)."""
    return list(iter_issues(root, profile=profile, source_name=source))


def has_errors(issues: list[Issue]) -> bool:
    """Whether any issue is an error (warnings alone do not make a document invalid)."""
    return any(i.severity == "error" for i in issues)
