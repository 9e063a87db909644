"""RFC 7970 §3.29: references between indicators and observables, IndicatorExpression."""

from __future__ import annotations

from typing import Final

from lxml import etree

from ._context import _FACT_REFERENCES, _P, _Ctx, _text

# --------------------------------------------------------------------------- references


def _rule_references(ctx: _Ctx) -> None:
    facts = ctx.facts()
    if facts is not None and not facts & _FACT_REFERENCES:
        return
    root = ctx.root
    refs = list(root.iter(f"{_P}ObservableReference", f"{_P}IndicatorReference"))
    if not refs:
        return
    observable_ids = {el.get("observable-id") for el in root.iterfind(".//*[@observable-id]")}
    if root.get("observable-id") is not None:
        observable_ids.add(root.get("observable-id"))
    indicator_ids = {_text(el) for el in root.iter(f"{_P}IndicatorID")}
    for el in refs:
        uid = el.get("uid-ref")
        if el.tag == f"{_P}IndicatorReference":
            if uid is None and el.get("euid-ref") is None:
                ctx.add(
                    "error",
                    el,
                    "RFC7970 §3.29.7",
                    "IndicatorReference needs a uid-ref or an euid-ref attribute",
                )
                continue
            if uid is not None and uid not in indicator_ids and uid in observable_ids:
                ctx.add(
                    "error",
                    el,
                    "RFC7970 §3.29.7",
                    f"uid-ref {uid!r} names an observable-id; an IndicatorReference points at an IndicatorID",
                    "uid-ref",
                )
        elif uid is not None and uid not in observable_ids and uid in indicator_ids:
            ctx.add(
                "error",
                el,
                "RFC7970 §3.29.6",
                f"uid-ref {uid!r} names an IndicatorID; an ObservableReference points at an observable-id",
                "uid-ref",
            )


_OPERANDS: Final = frozenset(
    {f"{_P}IndicatorExpression", f"{_P}Observable", f"{_P}ObservableReference", f"{_P}IndicatorReference"}
)


def _check_expression(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("operator") != "not":
        return
    count = sum(1 for c in el if c.tag in _OPERANDS)
    if count != 1:
        ctx.add(
            "error",
            el,
            "RFC7970 §3.29.4",
            f'operator="not" negates exactly one operand, this IndicatorExpression has {count}',
        )
