"""RFC 7970 §3.1-§3.8, §4.1, §5.1.1, §6: the document, incidents, encoding, extended values, language."""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

from ..syntax import bcp47_problem
from ._context import _FACT_EXT, _FACT_SHIFT, _LANG, _P, _Ctx, _text
from ._ext_pairs import EXT_PAIRS

# --------------------------------------------------------------------------- §5.1.1 ext-value


def _ext_table() -> dict[str, frozenset[str]]:
    """Element tag -> the attributes X that have an ``ext-X`` partner (the model's, written out)."""
    return EXT_PAIRS


#: the elements each attribute-driven rule looks at (§5.1.1 and §6), found by libxml2
_EXT_XPATH: Final = etree.XPath("//*[@*[. = 'ext-value' or starts-with(local-name(), 'ext-')]]")
_LANG_XPATH: Final = etree.XPath("//*[@xml:lang]")


def _rule_attributes(ctx: _Ctx) -> None:
    root = ctx.root
    ext_hits: list[etree._Element]
    facts = ctx.facts()
    if facts is not None:  # the C walk has looked at every attribute
        ext_hits = _EXT_XPATH(root) if facts & _FACT_EXT else []
        root_lang = root.get(_LANG) is not None
        lang_hits = ([root] if root_lang else []) if facts >> _FACT_SHIFT <= root_lang else _LANG_XPATH(root)
        if ext_hits:
            _rule_ext_value(ctx, ext_hits)
        _rule_language(ctx, lang_hits)
        return
    raw = ctx.ascii_source()
    # (b"&" first: one byte is found with memchr, many documents have no reference at all)
    if raw is not None and b"ext-" not in raw and (b"&" not in raw or b"&#" not in raw):
        ext_hits = []
    else:
        ext_hits = _EXT_XPATH(root)
    root_lang = root.get(_LANG) is not None
    if raw is not None and raw.count(b":lang") <= root_lang:
        lang_hits = [root] if root_lang else []  # no other element can have xml:lang
    else:
        lang_hits = _LANG_XPATH(root)
    if ext_hits:
        _rule_ext_value(ctx, ext_hits)
    _rule_language(ctx, lang_hits)


def _rule_ext_value(ctx: _Ctx, hits: list[etree._Element]) -> None:
    table = _ext_table()
    rule = "RFC7970 §5.1.1"
    for el in hits:
        pairs = table.get(el.tag)
        if not pairs:
            continue
        attrib = el.attrib
        for name in sorted(pairs):
            value = attrib.get(name)
            ext = attrib.get("ext-" + name)
            if value == "ext-value" and not ext:
                ctx.add(
                    "error",
                    el,
                    rule,
                    f"{name}='ext-value' needs the ext-{name} attribute with the extended value",
                    name,
                )
            elif ext is not None and value != "ext-value":
                got = f"is {value!r}" if value is not None else "is not set"
                ctx.add(
                    "error",
                    el,
                    rule,
                    f"ext-{name} is set but {name} {got}; ext-{name} is used only with {name}='ext-value'",
                    "ext-" + name,
                )


# --------------------------------------------------------------------------- §3.2 document


def _rule_document(ctx: _Ctx) -> None:
    root = ctx.root
    if root.get("version") is None:
        ctx.add("error", root, "RFC7970 §3.2", 'the version attribute is required and must be "2.00"')
    if root.get("private-enum-id") is not None and root.get("private-enum-name") is None:
        ctx.add(
            "error",
            root,
            "RFC7970 §3.2",
            "private-enum-id is set, so private-enum-name (the CSIRT's FQDN) must be set too",
            "private-enum-id",
        )


# --------------------------------------------------------------------------- §6 language


def _rule_language(ctx: _Ctx, hits: list[etree._Element]) -> None:
    root = ctx.root
    doc_lang = root.get(_LANG)
    if doc_lang is None or not doc_lang.strip():
        ctx.add(
            "error",
            root,
            "RFC7970 §6",
            'the document does not state its language: set xml:lang on IODEF-Document (e.g. xml:lang="en")',
        )
    for el in hits:
        value = el.get(_LANG)
        if not value:
            continue  # xml:lang="" means "no language" (XML §2.12); handled above for the root
        problem = bcp47_problem(value)
        if problem is not None:
            ctx.add("error", el, "RFC7970 §6", problem, "xml:lang")


# --------------------------------------------------------------------------- §4.1 encoding

_DECL: Final = re.compile(rb"<\?xml\s[^>]*?\?>")
_ENC: Final = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def check_encoding(prefix: bytes, root: etree._Element, ctx: _Ctx) -> None:
    """§4.1 on the raw start of the document (skipped when only a tree was given)."""
    rule = "RFC7970 §4.1"
    data = prefix
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: decode the declaration
        try:
            data = data.decode("utf-16").encode("utf-8", "replace")
        except UnicodeDecodeError:
            data = data[2:]
    elif data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    m = _DECL.match(data)
    if m is None:
        ctx.add(
            "error",
            root,
            rule,
            'the document must begin with an XML declaration, e.g. <?xml version="1.0" encoding="UTF-8"?>',
        )
        return
    enc = _ENC.search(m.group(0))
    if enc is None:
        ctx.add("error", root, rule, 'the XML declaration must state the encoding, e.g. encoding="UTF-8"')
        return
    name = enc.group(1).decode("ascii").upper().replace("_", "-")
    if name not in ("UTF-8", "UTF-16", "UTF-16LE", "UTF-16BE"):
        ctx.add(
            "warning",
            root,
            rule,
            f"encoding {enc.group(1).decode('ascii')!r}: "
            "encodings other than UTF-8 and UTF-16 should not be used",
        )


# --------------------------------------------------------------------------- §3.4 IncidentID


def _rule_incident_ids(ctx: _Ctx) -> None:
    if len(ctx.root) < 2:
        return  # one child at most, so not two incidents
    seen: dict[tuple[str | None, str], etree._Element] = {}
    for incident in ctx.root.iterchildren(f"{_P}Incident"):
        iid = incident.find(f"{_P}IncidentID")
        if iid is None:
            continue
        key = (iid.get("name"), _text(iid))
        first = seen.get(key)
        if first is not None:
            ctx.add(
                "error",
                iid,
                "RFC7970 §3.4",
                f"IncidentID {key[1]!r} of {key[0]!r} is used again (first on line {first.sourceline}); "
                "each incident in a document needs its own",
            )
        else:
            seen[key] = iid
