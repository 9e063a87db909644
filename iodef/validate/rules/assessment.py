"""RFC 7970 §3.10-§3.13: Confidence, and the course of action of HistoryItem (and Expectation, §3.15)."""

from __future__ import annotations

from lxml import etree

from ._context import _P, _Ctx, _local, _text

# --------------------------------------------------------------------------- §3.12.5 Confidence


def _check_confidence(ctx: _Ctx, el: etree._Element) -> None:
    rule = "RFC7970 §3.12.5"
    rating = el.get("rating")
    has_content = bool(_text(el)) or len(el) > 0
    if rating == "numeric":
        if not has_content:
            # §3.12.5 describes the value but does not say MUST: a warning under both profiles
            if ctx.profile == "rfc7970-errata":
                ctx.add("warning", el, rule, 'rating="numeric" but no value: §3.12.5 puts the REAL here')
            else:
                ctx.add(
                    "warning",
                    el,
                    rule,
                    'rating="numeric" but no value: §3.12.5 puts a REAL here, which the published schema '
                    "forbids (erratum 5543); check with --profile rfc7970-errata",
                )
    elif has_content and ctx.profile == "rfc7970-errata":
        ctx.add("error", el, rule, f"rating={rating!r}: Confidence must be empty unless rating is 'numeric'")


def _check_action(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("action") != "defined-coa":
        return
    if el.find(f"{_P}DefinedCOA") is None:
        name = _local(el.tag)
        section = "RFC7970 §3.15" if name == "Expectation" else "RFC7970 §3.13.1"
        ctx.add(
            "error", el, section, 'action="defined-coa" needs a DefinedCOA child naming the course of action'
        )
