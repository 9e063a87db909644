"""RFC 7970 §2.15-§2.16, §3.20.2 and §3.21: ExtensionType content, header fields, SoftwareReference."""

from __future__ import annotations

from typing import Final

from lxml import etree

from ..syntax import _DTYPE_CHECKS, portlist_problem
from ._context import _WS, _Ctx, _local

# --------------------------------------------------------------------------- §2.16 ExtensionType

#: Elements of type iodef:ExtensionType (RFC 7970 §2.16).
EXTENSION_ELEMENTS: Final = (
    "AdditionalData",
    "ApplicationHeaderField",
    "EmailHeaderField",
    "FileProperties",
    "FuzzyHashValue",
    "RecordItem",
    "RelatedDNS",
)


def _check_extension(ctx: _Ctx, el: etree._Element) -> None:
    dtype = el.get("dtype")
    if dtype is None or dtype in ("xml", "ext-value"):
        return
    rule = "RFC7970 §2.16"
    if len(el) and any(isinstance(c.tag, str) for c in el):
        ctx.add(
            "error",
            el,
            rule,
            f'dtype={dtype!r} but the content holds XML elements; XML content needs dtype="xml" (§5.2)',
        )
        return
    text = "".join(el.itertext()).strip(_WS)
    if dtype == "string":
        return
    if dtype == "portlist":
        problem = portlist_problem(text)
        if problem is not None:
            ctx.add("error", el, "RFC7970 §2.9", problem)
        return
    check = _DTYPE_CHECKS.get(dtype)
    if check is None:
        return
    ok, wanted = check
    if not ok(text):
        shown = text if len(text) <= 40 else text[:37] + "..."
        ctx.add("error", el, rule, f"dtype={dtype!r} but the content {shown!r} is not {wanted}")


# --------------------------------------------------------------------------- §3.21 / §3.20.2 headers


def _check_header_field(ctx: _Ctx, el: etree._Element) -> None:
    name = _local(el.tag)
    section = "RFC7970 §3.21" if name == "EmailHeaderField" else "RFC7970 §3.20.2"
    if not el.get("name"):
        ctx.add("error", el, section, f"{name} must carry the header's field name in its name attribute")
    if name == "EmailHeaderField" and el.get("dtype") not in (None, "string"):
        ctx.add("error", el, section, f'EmailHeaderField must have dtype="string", not {el.get("dtype")!r}')


def _check_software_reference(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("spec-name") == "custom" and el.get("dtype") is None:
        ctx.add("error", el, "RFC7970 §2.15.1", 'spec-name="custom" needs the dtype attribute')
