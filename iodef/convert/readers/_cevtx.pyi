"""Type stub of the compiled check of evtx_dump lines (``_cevtx.pyx``)."""

from collections.abc import Callable, Iterable
from typing import Any

def configure(scan: Callable[[str, int], tuple[Any, int]], wanted: Iterable[str]) -> None: ...
def event(line: str) -> dict[str, Any] | None: ...
