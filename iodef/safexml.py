"""The hardened XML parser: bytes to an lxml tree, knowing nothing of the typed model.

It refuses what an incident feed never needs and an attacker likes: any DOCTYPE (and so
every entity trick and external DTD), entity expansion, network access, documents over a size cap
(refused before they are read whole) and nesting deeper than libxml2's default limit of 256
levels. Each thread gets its own parser.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Final, Literal

from lxml import etree

from .errors import (
    DocumentTooLargeError,
    ForbiddenXMLError,
    ParseError,
    UnsupportedVersionError,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IODEF_NS",
    "IODEF_V1_NS",
    "ROOT_TAG",
    "Source",
    "check_root",
    "detect_version",
    "parse_xml",
]

IODEF_NS: Final = "urn:ietf:params:xml:ns:iodef-2.0"
IODEF_V1_NS: Final = "urn:ietf:params:xml:ns:iodef-1.0"
ROOT_TAG: Final = f"{{{IODEF_NS}}}IODEF-Document"

#: Documents larger than this many bytes are refused unless a caller passes another cap.
DEFAULT_MAX_BYTES: Final = 32 * 1024 * 1024
_CHUNK: Final = 256 * 1024

Source = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]

_local = threading.local()
_LXML_POSITION = re.compile(r", line \d+, column \d+$")
_ENCODING_DECL = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[^\"']*\2")


#: Up to this many bytes a document is read without XML_PARSE_HUGE: libxml2's own limits
#: (XML_MAX_TEXT_LENGTH, XML_MAX_LOOKUP_LIMIT: 10,000,000) cannot be reached by a smaller input.
#: A larger document, up to the caller's cap, is read with ``huge_tree`` and its depth checked here
#: (XML_PARSE_HUGE would otherwise let it nest 2048 levels instead of 256).
HUGE_FROM: Final = 10_000_000
#: from this size a document held whole is parsed from memory rather than fed to the push parser
_IN_MEMORY_FROM: Final = 256 * 1024
_MAX_DEPTH: Final = 256
_TOO_DEEP: Final = etree.XPath("(" + "/*" * (_MAX_DEPTH + 1) + ")[1]")


def _parser(huge: bool = False) -> etree.XMLParser:
    attr = "huge_parser" if huge else "parser"
    parser: etree.XMLParser | None = getattr(_local, attr, None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=huge,
            remove_blank_text=False,
            remove_comments=False,
            collect_ids=False,
        )
        setattr(_local, attr, parser)
    return parser


def _reset_parsers() -> None:
    _local.parser = None
    _local.huge_parser = None


def _source_name(source: Source) -> str:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return "<bytes>"
    if isinstance(source, str):
        return "<string>" if _looks_like_xml(source) else source
    if isinstance(source, os.PathLike):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else "<stream>"


def _looks_like_xml(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("<")


def _too_large(name: str, max_bytes: int, size: int | None = None) -> DocumentTooLargeError:
    got = f"{size:,} bytes" if size is not None else f"more than {max_bytes:,} bytes"
    return DocumentTooLargeError(
        f"document is too large ({got}; the limit is {max_bytes:,} bytes); "
        "raise max_bytes if this size is expected",
        source=name,
    )


def _chunks(source: Source, name: str, max_bytes: int) -> Iterator[bytes]:
    """Yield the raw bytes of *source* in chunks, refusing it as soon as it passes *max_bytes*."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise _too_large(name, max_bytes, len(data))
        yield data
        return
    if isinstance(source, str) and _looks_like_xml(source):
        text = _ENCODING_DECL.sub(r"\1\2UTF-8\2", source, count=1)
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:  # a lone surrogate: no XML character, no UTF-8 form
            raise ParseError(
                f"the text holds U+{ord(text[exc.start]):04X}, a lone surrogate, at character "
                f"{exc.start + 1}; no XML document can carry it (decoded with errors='surrogateescape'?)",
                source=name,
            ) from None
        if len(data) > max_bytes:
            raise _too_large(name, max_bytes, len(data))
        yield data
        return
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if "\x00" in os.fspath(path):
            raise ParseError(
                "not a file name: it holds a NUL character (pass XML text starting with '<', or bytes)",
                source=name.replace("\x00", "\\x00"),
            )
        try:
            size = path.stat().st_size
            if size > max_bytes and path.is_file():
                raise _too_large(name, max_bytes, size)
            with path.open("rb") as fh:
                yield from _read_stream(fh, name, max_bytes)
        except OSError as exc:
            raise ParseError(f"cannot read file: {exc.strerror or exc}", source=name) from exc
        except UnicodeEncodeError as exc:  # a lone surrogate: no file name holds one
            bad = ", ".join(f"U+{ord(c):04X}" for c in exc.object[exc.start : exc.end])
            raise ParseError(
                f"not a file name: it holds {bad}, which no file name can",
                source=name.encode("utf-8", "backslashreplace").decode("utf-8"),
            ) from None
        return
    yield from _read_stream(source, name, max_bytes)


def _read_stream(fh: IO[bytes], name: str, max_bytes: int) -> Iterator[bytes]:
    total = 0
    while True:
        chunk = fh.read(_CHUNK)
        if not chunk:
            return
        if isinstance(chunk, str):
            raise ParseError("the stream gives text; open the file in binary mode ('rb')", source=name)
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(name, max_bytes)
        yield chunk


def _syntax_error(exc: etree.XMLSyntaxError, name: str) -> ParseError:
    """What libxml2's *exc* about the document *name* means, as the error iodef raises."""
    line, column = exc.position if exc.position else (exc.lineno, None)
    msg = _LXML_POSITION.sub("", str(exc.msg or exc).strip())
    if "amplification" in msg or "Detected an entity reference loop" in msg:
        return ForbiddenXMLError(
            "entity expansion refused", source=name, line=line or None, column=column or None
        )
    if "Excessive depth" in msg or "Maximum nesting depth" in msg:
        return ForbiddenXMLError(
            "elements are nested deeper than 256 levels; refused", source=name, line=line or None
        )
    if "Document is empty" in msg or "Start tag expected" in msg:
        return ParseError(
            f"not an XML document: {msg}", source=name, line=line or None, column=column or None
        )
    return ParseError(f"not well-formed XML: {msg}", source=name, line=line or None, column=column or None)


class _PrologGuard:
    """Finds a DOCTYPE before libxml2 sees it, by scanning the prolog (up to the root start tag).

    Comments and processing instructions in the prolog are skipped, so only a real declaration
    counts. Refusing it here means no DTD, entity or external subset is ever parsed.
    """

    __slots__ = ("buffer", "done", "name")

    _LIMIT: Final = 1024 * 1024
    _WINDOW: Final = 4096

    def __init__(self, name: str) -> None:
        self.name = name
        self.buffer = b""
        self.done = False

    def feed(self, chunk: bytes) -> None:
        if self.done:
            return
        self.buffer += chunk
        data = self.buffer
        utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<"))
        # the prolog is nearly always in the first few hundred bytes: decode a window of the
        # input, widened only while the scan needs more (a window cut inside a character
        # loses that character, and the scan then asks for more)
        window = self._WINDOW
        while True:
            part = data[:window]
            self._scan(part.decode("utf-16" if utf16 else "utf-8", errors="ignore"))
            if self.done or window >= len(data):
                break
            window *= 8
        if not self.done and len(self.buffer) > self._LIMIT:
            self.done = True
            self.buffer = b""

    def _scan(self, text: str) -> None:
        """Raise on a DOCTYPE, set ``done`` at the root start tag; return if *text* ends before."""
        i = 0
        n = len(text)
        while True:
            i = text.find("<", i)
            if i < 0 or i + 1 >= n:
                break
            if text.startswith("<?", i):
                end = text.find("?>", i + 2)
                if end < 0:
                    break
                i = end + 2
            elif text.startswith("<!--", i):
                end = text.find("-->", i + 4)
                if end < 0:
                    break
                i = end + 3
            elif text.startswith("<!", i):
                if text[i + 2 : i + 9].upper() == "DOCTYPE" or i + 9 > n:
                    if i + 9 > n:
                        break  # need more input to decide
                    raise ForbiddenXMLError(
                        "the document has a DOCTYPE; IODEF documents must not carry DTDs or entity "
                        "declarations, so it was refused",
                        source=self.name,
                        line=text.count("\n", 0, i) + 1,
                    )
                i += 2
            else:
                self.done = True  # the root element starts: the prolog is over
                self.buffer = b""
                return


def _feed_chunks(
    source: Source, name: str, max_bytes: int, guard: _PrologGuard, pending: list[bytes]
) -> tuple[etree.XMLParser | None, int]:
    """Feed *source* chunk by chunk; the first HUGE_FROM bytes are held in *pending* until it is
    known which parser the document needs (None: not decided, the input ended before)."""
    total = 0
    parser: etree.XMLParser | None = None
    for chunk in _chunks(source, name, max_bytes):
        if not chunk:
            continue
        guard.feed(chunk)
        if parser is not None:
            parser.feed(chunk)
            total += len(chunk)
            continue
        pending.append(chunk)
        total += len(chunk)
        if total > HUGE_FROM:
            parser = _parser(huge=True)
            for held in pending:
                parser.feed(held)
            pending.clear()
    return parser, total


def parse_xml(
    source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES, source_name: str | None = None
) -> etree._Element:
    """Parse *source* with the hardened parser and return the root element.

    *source* is bytes, a str holding XML (it starts with ``<``), a path (str or ``os.PathLike``),
    or a binary file object. Only XML safety is checked here, not the IODEF version or root:
    see :func:`detect_version`.
    """
    name = source_name or _source_name(source)
    guard = _PrologGuard(name)
    # Up to HUGE_FROM bytes are held back: only then is it known which parser the document needs.
    pending: list[bytes] = []
    total = 0
    huge = False  # parsed with XML_PARSE_HUGE, which lets elements nest 2048 deep
    parser: etree.XMLParser | None = None
    try:
        if isinstance(source, bytes) and 0 < len(source) <= min(max_bytes, _IN_MEMORY_FROM):
            # the common case (a document read whole, e.g. by iodef.validate): one chunk
            guard.feed(source)
            total = len(source)
            parser = _parser()
            parser.feed(source)
            root = parser.close()
        elif isinstance(source, bytes) and 0 < len(source) <= max_bytes:
            # a large document held whole: libxml2's parser of a buffer in memory, a fifth
            # to a quarter faster than its push parser there (it costs more on small ones).
            # Without XML_PARSE_HUGE, whatever the size: it needs no more than that for a
            # document within its per-node limits, and it refuses nesting deeper than 256
            # itself (so no depth search afterwards).
            guard.feed(source)
            total = len(source)
            try:
                root = etree.fromstring(source, _parser())
            except etree.XMLSyntaxError:
                # not well-formed, or past a limit only XML_PARSE_HUGE lifts: the push
                # parser decides, as it always has (and its error is the one reports give:
                # the two parsers word some errors differently)
                _reset_parsers()
                huge = total > HUGE_FROM
                parser = _parser(huge=huge)
                parser.feed(source)
                root = parser.close()
        else:
            parser, total = _feed_chunks(source, name, max_bytes, guard, pending)
            if parser is None:
                if not pending:
                    _reset_parsers()
                    raise ParseError("the input is empty; an IODEF document was expected", source=name)
                parser = _parser()
                for held in pending:
                    parser.feed(held)
            root = parser.close()
            huge = total > HUGE_FROM
    except BaseException as exc:
        # Reset the thread's parsers so the next document starts clean.
        _reset_parsers()
        if isinstance(exc, etree.XMLSyntaxError):
            raise _syntax_error(exc, name) from None
        raise
    deep = _TOO_DEEP(root) if huge else None
    if deep:
        raise ForbiddenXMLError(
            f"elements are nested deeper than {_MAX_DEPTH} levels; refused",
            source=name,
            line=deep[0].sourceline,
        )
    tree = root.getroottree()
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise ForbiddenXMLError(
            "the document has a DOCTYPE; IODEF documents must not carry DTDs or entity "
            "declarations, so it was refused",
            source=name,
            line=1,
        )
    if not isinstance(root.tag, str):
        raise ParseError("no root element found", source=name)
    return root


def detect_version(root: etree._Element) -> Literal["2.0", "1.0"] | None:
    """Return "2.0" or "1.0" for an IODEF root element of that version, else None."""
    tag = root.tag
    if tag == ROOT_TAG:
        return "2.0"
    if tag == f"{{{IODEF_V1_NS}}}IODEF-Document":
        return "1.0"
    return None


def check_root(root: etree._Element, name: str) -> None:
    """Raise a :class:`ParseError` unless *root* is an IODEF v2 ``IODEF-Document``."""
    version = detect_version(root)
    if version == "2.0":
        return
    line = root.sourceline
    if version == "1.0":
        raise UnsupportedVersionError(
            "this is an IODEF v1 document (RFC 5070, namespace "
            f"{IODEF_V1_NS}); iodef reads IODEF v2 (RFC 7970). "
            "'iodef upgrade FILE' rewrites it as IODEF v2, and 'iodef validate' can still check it "
            "against the v1 schema",
            source=name,
            line=line,
        )
    qname = etree.QName(root)
    if qname.localname == "IODEF-Document":
        found = f"namespace {qname.namespace!r}" if qname.namespace else "no namespace"
        raise ParseError(
            f"the root element IODEF-Document has {found}; IODEF v2 needs namespace {IODEF_NS}",
            source=name,
            line=line,
        )
    raise ParseError(
        f"not an IODEF document: the root element is {qname.localname!r}"
        + (f" in namespace {qname.namespace!r}" if qname.namespace else "")
        + f", expected IODEF-Document in namespace {IODEF_NS}",
        source=name,
        line=line,
    )
