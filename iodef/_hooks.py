"""Slots through which the model reaches the codecs above it without importing them.

The model (layer 3) offers conveniences such as ``IODEFDocument.to_xml()``; the XML codec
(layer 4) fills these slots when it is imported, which ``import iodef`` always does first. So the
model calls the codec without an import that would point up the layers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["xml_dumps", "xml_parse"]

xml_parse: Callable[..., Any] | None = None
xml_dumps: Callable[..., bytes] | None = None


def need(slot: Callable[..., Any] | None, what: str) -> Callable[..., Any]:
    """The codec function in *slot*, or a clear error when its codec was never imported."""
    if slot is None:  # pragma: no cover - import iodef always loads the XML codec
        raise RuntimeError(f"{what} needs the XML codec: import iodef first")
    return slot
