"""RFC 7970 prose spellings the published §8 schema does not know (profile ``rfc7970-errata``).

Where the RFC's information model (§3) and its schema (§8) spell the same thing differently and
both spellings are in use (RFC 8727's JSON binding follows the prose), the ``rfc7970-errata``
profile accepts both (:mod:`iodef.validate.profiles`). A document that uses the prose spelling
is then valid but gets a warning: peers that validate against the published schema refuse it.
Under ``rfc7970`` the schema itself reports these, so this rule stays silent there.
"""

from __future__ import annotations

from typing import Final

from lxml import etree

from ._context import NS, _Ctx

# (XPath, section, what to say)
_SPELLINGS: Final = (
    (
        "//iodef:Key/iodef:KeyValue",
        "RFC7970 §3.23.1",
        "KeyValue is the prose's (and RFC 8727's) name; the published schema knows only Value",
    ),
    (
        "//iodef:BulkObservable[normalize-space(@type)='ext-value']/@type",
        "RFC7970 §3.29.3.1",
        "type 'ext-value' is listed in the prose (value 28) but not in the published schema",
    ),
    (
        "//iodef:Contact[normalize-space(@role)='vendor-support']/@role",
        "RFC7970 §3.9",
        "role 'vendor-support' is the prose's (and RFC 8727's); the published schema spells it "
        "'vendor-services'",
    ),
    (
        "//iodef:Counter[normalize-space(@type)='count' or normalize-space(@type)='peak']/@type",
        "RFC7970 §3.18.3",
        "Counter types 'count' and 'peak' are the prose's (and RFC 8727's); the published schema "
        "has 'counter' and 'rate' instead",
    ),
)
_FIND: Final = etree.XPath(" | ".join(x for x, _s, _m in _SPELLINGS), namespaces={"iodef": NS})
_ONE: Final = tuple(etree.XPath(x, namespaces={"iodef": NS}) for x, _s, _m in _SPELLINGS)
#: what the raw document must contain for any of them to be there
_NEEDLES: Final = (b"KeyValue", b"ext-value", b"vendor-support", b"count", b"peak")
_TAIL: Final = "; peers validating against the published schema refuse it"


def _rule_prose_spellings(ctx: _Ctx) -> None:
    if ctx.profile != "rfc7970-errata":
        return
    data = ctx.data
    # unless UTF-16/32 (NULs in the first bytes), a byte search tells when nothing can be found
    if data is not None and b"\x00" not in data[:4] and not any(n in data for n in _NEEDLES):
        return
    if not _FIND(ctx.root):
        return
    for find, (_x, section, message) in zip(_ONE, _SPELLINGS, strict=True):
        for hit in find(ctx.root):
            if isinstance(hit, etree._Element):
                ctx.add("warning", hit, section, message + _TAIL)
            else:
                owner = hit.getparent()
                ctx.add("warning", owner, section, message + _TAIL, attr=hit.attrname)
