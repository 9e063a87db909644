"""Type stub of the Zeek TSV reader's compiled loop over rdp.log lines (``_czeek.pyx``)."""

from collections.abc import Callable
from datetime import tzinfo
from typing import Any

COLUMNS_READ: int

class RdpLines:
    def __init__(
        self,
        nfields: int,
        columns: tuple[int, ...],
        unset: str,
        empty: str,
        template: dict[str, Any],
        ips: dict[str, str | None],
        address_of: Callable[[str], str | None],
        utc: tzinfo,
    ) -> None: ...
    def take(self, lines: list[str], start: int, number: int) -> tuple[list[dict[str, Any]], int]: ...
