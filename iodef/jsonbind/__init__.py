"""The RFC 8727 binding (JSON and CBOR) of the typed model, derived from the XML binding's plans.

The public faces are :mod:`iodef.json` and :mod:`iodef.cbor`; this package holds what they share:
the per-class JSON plans (:mod:`._plan`), writing (:mod:`._write`) and reading (:mod:`._read`)
plain data, the CBOR map keys of RFC 8727 §5 (:mod:`._mapkeys`) and the generated JSON Schema
(:mod:`.schema`).
"""

from __future__ import annotations

from ._plan import LossError, jplan_of
from ._read import document_from_data, from_data
from ._write import to_data

__all__ = ["LossError", "document_from_data", "from_data", "jplan_of", "to_data"]
