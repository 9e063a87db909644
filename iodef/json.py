"""IODEF in JSON (RFC 8727): :func:`parse_json` and :func:`dumps_json` on the typed model.

The binding is derived from the model's XML declarations (see :mod:`iodef.jsonbind`): attributes
and child elements become members named as in XML, every repeatable element is an array (also
with one item), the wrapper classes RFC 8727 §3.2 deletes are folded, a Description without a
language is a bare string, dates are RFC 3339 strings. Open XML content (``dtype="xml"``
AdditionalData, ``ds:`` elements, SCI classes) is carried as a string of its canonical XML, so
XML -> JSON -> XML keeps it. Where RFC 8727 has no place for something the document holds,
:func:`dumps_json` refuses with :class:`LossError` naming each part (``allow_loss=True`` writes anyway).

Reading is hardened: a size cap, strict UTF-8, no duplicate member names, no numbers too long to
be exact, no NaN/Infinity literals, bounded nesting. Every failure is an :class:`iodef.ParseError`.
"""

from __future__ import annotations

import json as _json
import math
import os
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Final, Literal

from .errors import DocumentTooLargeError, ParseError
from .jsonbind import LossError, document_from_data, to_data

if TYPE_CHECKING:
    from .model import IODEFDocument

__all__ = [
    "CBOR_MEDIA_TYPE",
    "MEDIA_TYPE",
    "XML_MEDIA_TYPE",
    "JSONSource",
    "LossError",
    "binding_to_xml",
    "detect_format",
    "document_to_data",
    "dumps_json",
    "json_schema_errors",
    "loads_json_data",
    "negotiate",
    "parse_json",
    "render",
    "to_json_bytes",
    "to_xml_bytes",
]

#: The media type of IODEF JSON documents (RFC 8727 §7 registers none; this is the generic one).
MEDIA_TYPE: Final = "application/json"
DEFAULT_MAX_BYTES: Final = 32 * 1024 * 1024
#: Longest integer literal accepted: RFC 8727 §3.2 notes JSON numbers are exact to 2**53 only.
MAX_INT_DIGITS: Final = 20
MAX_FLOAT_CHARS: Final = 64

JSONSource = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]


def _read(source: JSONSource, max_bytes: int) -> tuple[bytes | str, str]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data: bytes | str = bytes(source)
        name = "<bytes>"
    elif isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        data, name = source, "<string>"
    elif isinstance(source, (str, os.PathLike)):
        name = os.fspath(source)
        try:
            path = Path(source)
            if path.is_file() and path.stat().st_size > max_bytes:
                raise _too_large(name, max_bytes)
            with path.open("rb") as fh:
                data = fh.read(max_bytes + 1)
        except OSError as exc:
            raise ParseError(f"cannot read file: {exc.strerror or exc}", source=name) from exc
    else:
        name = getattr(source, "name", None) or "<stream>"
        data = source.read(max_bytes + 1)
        if isinstance(data, str):
            raise ParseError("the stream gives text; open the file in binary mode ('rb')", source=name)
    if len(data) > max_bytes:
        raise _too_large(name, max_bytes)
    return data, name


def _too_large(name: str, max_bytes: int) -> DocumentTooLargeError:
    return DocumentTooLargeError(f"document is larger than the limit of {max_bytes:,} bytes", source=name)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        seen: set[str] = set()
        dup = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise _Refused(f"the member name {dup!r} occurs twice in one object (RFC 8259 §4 wants unique names)")
    return data


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"the number {text[:24]}... has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_FLOAT_CHARS:
        raise _Refused(f"the number {text[:24]}... is longer than {MAX_FLOAT_CHARS} characters")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {text} is out of the range of a double")
    return value


def _constant(text: str) -> Any:
    raise _Refused(f"{text} is not JSON (RFC 8259 has no NaN or Infinity literals)")


class _Refused(ValueError):
    pass


_DECODER: Final = _json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_int=_int, parse_float=_float, parse_constant=_constant
)


def loads_json_data(data: bytes | str, name: str = "<bytes>") -> Any:
    """Hardened ``json.loads``: plain data, or :class:`ParseError` with line and column."""
    if isinstance(data, bytes):
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(
                f"the input is not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "RFC 8259 §8.1 wants JSON in UTF-8",
                source=name,
            ) from None
    else:
        text = data
    if not text.strip():
        raise ParseError("the input is empty; an IODEF JSON document was expected", source=name)
    try:
        return _DECODER.decode(text)
    except _json.JSONDecodeError as exc:
        raise ParseError(f"not JSON: {exc.msg}", source=name, line=exc.lineno, column=exc.colno) from None
    except _Refused as exc:
        raise ParseError(str(exc), source=name) from None
    except RecursionError:
        raise ParseError("the document is nested too deeply", source=name) from None


def parse_json(source: JSONSource, *, max_bytes: int = DEFAULT_MAX_BYTES) -> IODEFDocument:
    """Read an RFC 8727 JSON document into the typed model.

    *source* is bytes, a str holding JSON (it starts with ``{``), a path or a binary file object.
    Raises :class:`iodef.ParseError` with the file and a JSON path (``$.Incident[0].Contact``).
    """
    data, name = _read(source, max_bytes)
    doc: IODEFDocument = document_from_data(loads_json_data(data, name), name)
    return doc


def document_to_data(doc: IODEFDocument, *, allow_loss: bool = False) -> dict[str, Any]:
    """*doc* as plain JSON data (what :func:`dumps_json` writes, before encoding)."""
    losses: list[str] = []
    data: dict[str, Any] = to_data(doc, losses)
    if losses and not allow_loss:
        raise LossError(losses)
    return data


def dumps_json(doc: IODEFDocument, *, pretty: bool = False, allow_loss: bool = False) -> bytes:
    """Write *doc* as RFC 8727 JSON (UTF-8 bytes).

    Raises :class:`LossError` (an :class:`iodef.SerializationError`) naming what RFC 8727 cannot
    carry (several Flow groups of one EventData, Record attributes, comments between elements),
    unless *allow_loss* is true.
    """
    data = document_to_data(doc, allow_loss=allow_loss)
    if pretty:
        return _json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return _json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- for other layers


def detect_format(data: bytes) -> Literal["xml", "json", "cbor"]:
    """Which encoding *data* is in, by content: XML starts with ``<``, JSON with ``{``, else CBOR."""
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<") or head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "xml"
    if head.startswith((b"{", b"[")):
        return "json"
    return "cbor"


def to_xml_bytes(data: bytes, *, source: str = "<bytes>", pretty: bool = False) -> bytes:
    """JSON or CBOR bytes (detected by content) as the IODEF XML the validator checks.

    XML input is returned unchanged. Raises :class:`iodef.ParseError` for input that is no
    IODEF document in either binding.
    """
    from .xml import dumps

    kind = detect_format(data)
    if kind == "xml":
        return data
    if kind == "json":
        doc = document_from_data(loads_json_data(data, source), source)
    else:
        from .cbor import loads_cbor_data

        doc = document_from_data(loads_cbor_data(data, source), source)
    return dumps(doc, pretty=pretty)


def to_json_bytes(xml_bytes: bytes, *, allow_loss: bool = True) -> bytes:
    """IODEF XML bytes as RFC 8727 JSON bytes (for a server answering ``Accept: application/json``)."""
    from .xml import parse

    return dumps_json(parse(xml_bytes), allow_loss=allow_loss)


def json_schema_errors(data: bytes | Any) -> list[tuple[str, str]]:
    """Check JSON (bytes or parsed data) against the shipped JSON Schema: ``(json path, message)`` pairs."""
    from .jsonbind.schema import schema_errors

    if isinstance(data, (bytes, bytearray)):
        data = loads_json_data(bytes(data))
    return schema_errors(data)


def binding_to_xml(data: bytes, name: str = "<bytes>") -> tuple[bytes, list[tuple[str, str]]] | None:
    """For a validator front end: JSON or CBOR *data* as IODEF XML plus the JSON Schema's findings.

    Returns None for XML input (check it as it is). For JSON, the findings are the shipped JSON
    Schema's ``(json path, message)`` pairs; CBOR (integer keys) is checked by the model's rules
    only. Raises :class:`iodef.ParseError` for input that is no IODEF document in either binding.
    """
    kind = detect_format(data)
    if kind == "xml":
        return None
    from .xml import dumps

    if kind == "json":
        plain = loads_json_data(data, name)
        findings = json_schema_errors(plain)
        return dumps(document_from_data(plain, name)), findings
    from .cbor import loads_cbor_data

    return dumps(document_from_data(loads_cbor_data(data, name), name)), []


XML_MEDIA_TYPE: Final = "application/xml"
CBOR_MEDIA_TYPE: Final = "application/cbor"
_OFFERED: Final = (XML_MEDIA_TYPE, MEDIA_TYPE, CBOR_MEDIA_TYPE)


def negotiate(accept: str | None) -> str:
    """The media type to answer an HTTP ``Accept`` header with: XML (the default), JSON or CBOR.

    Honours q-values (``q=0`` refuses a type); ``*/*``, ``application/*`` and an absent or
    unknown header give XML; ``+json``/``+xml`` structured-syntax suffixes count as their base.
    """
    if not accept:
        return XML_MEDIA_TYPE
    best, best_q = XML_MEDIA_TYPE, -1.0
    for rank, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        kind = fields[0].lower()
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if kind.endswith("+json"):
            kind = MEDIA_TYPE
        elif kind.endswith("+xml") or kind == "text/xml":
            kind = XML_MEDIA_TYPE
        if kind in ("*/*", "application/*"):
            kind = XML_MEDIA_TYPE
        if kind in _OFFERED and q > 0 and (q > best_q or (q == best_q and rank == 0)):
            best, best_q = kind, q
    return best


def render(xml_bytes: bytes, accept: str | None) -> tuple[bytes, str]:
    """A stored XML document in the binding *accept* asks for: ``(body, media type)``.

    XML is returned as stored (byte for byte); JSON and CBOR are written with ``allow_loss=True``,
    so an answer is always possible (what RFC 8727 cannot carry is left out, as documented).
    """
    media = negotiate(accept)
    if media == MEDIA_TYPE:
        return to_json_bytes(xml_bytes), media
    if media == CBOR_MEDIA_TYPE:
        from .cbor import to_cbor_bytes

        return to_cbor_bytes(xml_bytes), media
    return xml_bytes, media
