"""Which handler runs on which element: the table both the rule run and the screen use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from lxml import etree

from ._context import _P, _Ctx
from .assessment import _check_action, _check_confidence
from .datatypes import EXTENSION_ELEMENTS, _check_extension, _check_header_field, _check_software_reference
from .event import _check_address, _check_portlist, _check_service
from .indicator import _check_expression
from .structure import _REQUIRED_CHILD, _check_required_child
from .times import _TIME_ORDER, _check_times

_Handler = Callable[[_Ctx, etree._Element], None]


def _handlers() -> dict[str, list[_Handler]]:
    table: dict[str, list[_Handler]] = {}

    def on(local: str, handler: _Handler) -> None:
        table.setdefault(f"{_P}{local}", []).append(handler)

    on("Confidence", _check_confidence)
    for parent in _TIME_ORDER:
        on(parent, _check_times)
    on("Address", _check_address)
    on("Portlist", _check_portlist)
    for name in EXTENSION_ELEMENTS:
        on(name, _check_extension)
    on("EmailHeaderField", _check_header_field)
    on("ApplicationHeaderField", _check_header_field)
    for name in _REQUIRED_CHILD:
        on(name, _check_required_child)
    on("Expectation", _check_action)
    on("HistoryItem", _check_action)
    on("Service", _check_service)
    on("SoftwareReference", _check_software_reference)
    on("IndicatorExpression", _check_expression)
    return table


_HANDLERS: Final = _handlers()
_TAGS: Final = tuple(_HANDLERS)
