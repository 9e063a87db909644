"""IODEF in CBOR (RFC 8727): :func:`parse_cbor` and :func:`dumps_cbor` on the typed model.

The same binding as :mod:`iodef.json`, with the integer map keys of RFC 8727 §5 instead of member
names (names without a map key, such as ``ext-scope``, stay text). Dates are text, as in RFC 8727's
CBOR examples; a date-time tag (0 or 1) or a URI tag (32) is accepted on reading. Open XML content
is a text string of its canonical XML. Uses the ``cbor2`` library.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from .errors import ParseError
from .json import DEFAULT_MAX_BYTES, JSONSource, _read, document_to_data
from .jsonbind import document_from_data
from .jsonbind._mapkeys import MAPKEYS

if TYPE_CHECKING:
    from .model import IODEFDocument

__all__ = ["MEDIA_TYPE", "dumps_cbor", "loads_cbor_data", "parse_cbor", "to_cbor_bytes"]

MEDIA_TYPE: Final = "application/cbor"
MAX_DEPTH: Final = 200


def _keys(data: Any) -> Any:
    """Member names -> RFC 8727 §5 map keys, through the whole document."""
    if isinstance(data, dict):
        return {MAPKEYS.get(k, k): _keys(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_keys(v) for v in data]
    return data


def dumps_cbor(doc: IODEFDocument, *, allow_loss: bool = False) -> bytes:
    """Write *doc* as RFC 8727 CBOR (see :func:`iodef.dumps_json` for *allow_loss*)."""
    import cbor2

    return bytes(cbor2.dumps(_keys(document_to_data(doc, allow_loss=allow_loss))))


def _values(data: Any, depth: int = 0) -> Any:
    """CBOR-only values (tags, byte strings) as the JSON binding's plain values."""
    import cbor2

    if depth > MAX_DEPTH:
        raise ParseError("the document is nested too deeply")
    if isinstance(data, dict):
        return {k: _values(v, depth + 1) for k, v in data.items()}
    if isinstance(data, list):
        return [_values(v, depth + 1) for v in data]
    if isinstance(data, datetime):
        text = data.isoformat()
        return (
            text[:-6] + "Z" if data.utcoffset() == UTC.utcoffset(None) and text.endswith("+00:00") else text
        )
    if isinstance(data, (bytes, bytearray)):
        return bytes(data).decode("utf-8", errors="replace")
    if isinstance(data, cbor2.CBORTag) and data.tag == 32 and isinstance(data.value, str):
        return data.value
    if isinstance(data, (cbor2.CBORTag, cbor2.CBORSimpleValue, set, frozenset)) or data is cbor2.undefined:
        raise ParseError(f"a CBOR value RFC 8727 does not use: {data!r:.60}")
    return data


def loads_cbor_data(data: bytes, name: str = "<bytes>") -> Any:
    """Decode CBOR bytes into the JSON binding's plain data; bad input raises :class:`ParseError`."""
    import cbor2

    if not data:
        raise ParseError("the input is empty; an IODEF CBOR document was expected", source=name)
    try:
        decoded = cbor2.loads(data)
    except RecursionError:
        raise ParseError("the document is nested too deeply", source=name) from None
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, MemoryError) as exc:
        raise ParseError(f"not CBOR: {exc}", source=name) from None
    try:
        return _values(decoded)
    except ParseError as exc:
        raise ParseError(exc.message, source=name) from None


def parse_cbor(source: JSONSource, *, max_bytes: int = DEFAULT_MAX_BYTES) -> IODEFDocument:
    """Read an RFC 8727 CBOR document (bytes, a path or a binary file object) into the typed model."""
    if isinstance(source, str) and not os.path.exists(source):
        raise ParseError("no such file", source=source)
    data, name = _read(source, max_bytes)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    doc: IODEFDocument = document_from_data(loads_cbor_data(raw, name), name)
    return doc


def to_cbor_bytes(xml_bytes: bytes, *, allow_loss: bool = True) -> bytes:
    """IODEF XML bytes as RFC 8727 CBOR bytes (for a server answering ``Accept: application/cbor``)."""
    from .xml import parse

    return dumps_cbor(parse(xml_bytes), allow_loss=allow_loss)
