"""RFC 7970 §3.14-§3.20 and §2.9: Address, Nameservers, Portlist, Service."""

from __future__ import annotations

from typing import Final

from lxml import etree

from ..syntax import (
    _ADDRESS_CHECKS,
    _PORTLIST,
    _SIMPLE_PORTS,
    _guess_category,
    _ipv6_compressed,
    portlist_problem,
)
from ._context import _P, _Ctx, _local, _text

# --------------------------------------------------------------------------- §3.18.1 Address


def _is_nameserver(el: etree._Element) -> bool:
    parent = el.getparent()
    return parent is not None and parent.tag == f"{_P}Nameservers"


def _check_address(ctx: _Ctx, el: etree._Element) -> None:
    declared = el.get("category")
    category = declared if declared is not None else "ipv6-addr"
    text = _text(el)
    if category not in ("ipv4-addr", "ipv6-addr") and _is_nameserver(el):
        ctx.add(
            "error",
            el,
            "RFC7970 §3.19.1",
            f"a nameserver's Address must have category ipv4-addr or ipv6-addr, not {category!r}",
        )
        return
    check = _ADDRESS_CHECKS.get(category)
    if check is None:
        return  # atm, ext-value: no syntax to check
    ok, wanted = check
    if ok(text):
        if category == "ipv6-addr":
            canonical = _ipv6_compressed(text)
            if canonical != text:
                ctx.add(
                    "warning",
                    el,
                    "RFC7970 §3.18.1",
                    f"ipv6-addr {text!r} is not in the RFC 5952 text form; write {canonical!r}",
                )
        return
    how = f"category {category!r}" if declared is not None else "category 'ipv6-addr' (the default)"
    guess = _guess_category(text)
    hint = f'; it looks like {guess}, so set category="{guess}"' if guess and guess != category else ""
    ctx.add("error", el, "RFC7970 §3.18.1", f"{text!r} is not {wanted}, as {how} requires{hint}")


# --------------------------------------------------------------------------- §2.9 PORTLIST


def _check_portlist(ctx: _Ctx, el: etree._Element) -> None:
    text = _text(el)
    if _SIMPLE_PORTS.fullmatch(text):
        return  # ports below 10000, no ranges: nothing to check
    if not _PORTLIST.fullmatch(text):
        return  # the schema's PortlistType pattern reports the syntax
    problem = portlist_problem(text)
    if problem is not None:
        ctx.add("error", el, "RFC7970 §2.9", problem)


_PROTO_CHILDREN: Final = frozenset({"Port", "Portlist", "ProtoCode", "ProtoType", "ProtoField"})


def _check_service(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("ip-protocol") is not None:
        return
    present = sorted({_local(c.tag) for c in el if isinstance(c.tag, str)} & _PROTO_CHILDREN)
    if present:
        ctx.add(
            "error",
            el,
            "RFC7970 §3.20",
            f"Service has {', '.join(present)} so it needs the ip-protocol attribute (e.g. 6 for TCP)",
        )
