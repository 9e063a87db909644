"""Type stub of the compiled rule-screen walk (``_cscreen.pyx``)."""

from collections.abc import Callable
from typing import Any

from lxml import etree

BUILT_WITH_LXML: str
TIME_NAMES: tuple[str, ...]
RECORD_DATA_NAMES: tuple[str, ...]
NODE_NAMES: tuple[str, ...]
CODES: dict[str, int]

def configure(codes: dict[str, int], time_pairs: dict[str, list[tuple[str, str]]]) -> None: ...
def may_report(
    root: etree._Element,
    node_needs: bool,
    address_memo: dict[Any, bool],
    portlist_memo: dict[Any, bool],
    check: Callable[[etree._Element], bool],
) -> bool: ...
def configure_dates(names: list[str]) -> None: ...

FACTS: dict[str, int]

def facts(root: etree._Element) -> int: ...
def ipv6_canonical(text: bytes) -> bool: ...
