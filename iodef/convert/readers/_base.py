"""Plumbing shared by the readers: line iteration with numbers, error reporting, sniffing."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import json.scanner
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any, Final, Generic, TypeVar, cast

from pydantic import ValidationError

from ...errors import RecordError

__all__ = ["OnError", "ReaderSpec", "describe", "json_lines", "raise_error", "text_blocks", "text_lines"]

OnError = Callable[[RecordError], None]
T = TypeVar("T")


def raise_error(error: RecordError) -> None:
    """The default error handler: stop at the first bad record."""
    raise error


def text_lines(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` for each line, without its line ending.

    A line that is not UTF-8 is reported and skipped (it is not guessed at); a UTF-8 BOM on the
    first line is dropped. Lines end at ``\\n`` (a ``\\r`` before it is dropped too). Decoding
    and splitting happen a large chunk at a time (:func:`text_blocks`).
    """
    for number, lines, checked in text_blocks(fh, name, on_error):
        for text in lines:
            number += 1
            if not checked:
                got = _checked(text, number, name, on_error)
                if got is None:
                    continue
                text = got
            yield number, text


def text_blocks(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[tuple[int, list[str], bool]]:
    """The lines of *fh* a chunk at a time: ``(number of the line before, lines, checked)``.

    What :func:`text_lines` yields line by line, for a reader's hot loop. A block that is not
    *checked* holds non-ASCII text: each of its lines must go through ``_checked`` (which reports
    and refuses a line that is not UTF-8, and drops a BOM on line 1); a checked block is all ASCII
    (the common case) and needs nothing. Bad bytes survive as surrogate escapes only until the line
    is checked. A ``\\r`` before a ``\\n`` is dropped; the last line, without a line ending, is
    kept whole.
    """
    head, fh = peek_head(fh, 4)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        # UTF-16 with a BOM (AnyDesk's connection_trace.txt, Windows exports): the BOM is read
        # by the codec, the rest goes through the same checks
        fh.read(2)
        enc = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        text_fh = io.TextIOWrapper(fh, encoding=enc, errors="surrogatepass", newline="\n")
    else:
        text_fh = io.TextIOWrapper(fh, encoding="utf-8", errors="surrogateescape", newline="\n")
    number = 0

    def read(size: int) -> str:
        try:
            return text_fh.read(size)
        except UnicodeDecodeError as exc:  # UTF-16 cut inside a character: the rest is unreadable
            on_error(
                RecordError(f"the input ends inside a character ({exc.reason})", source=name, line=number + 1)
            )
            return ""

    rest = ""  # the start of a line the last chunk did not end
    try:
        while True:
            chunk = read(_CHUNK)
            if not chunk:
                break
            ascii_ = chunk.isascii() and rest.isascii()
            if "\n" not in chunk:  # one long line: gather its parts without quadratic copying
                parts = [rest, chunk]
                while "\n" not in chunk:
                    chunk = read(_CHUNK)
                    if not chunk:
                        break
                    parts.append(chunk)
                chunk = "".join(parts)
                ascii_ = chunk.isascii()
                rest = ""
                if "\n" not in chunk:
                    rest = chunk
                    break
            lines = chunk.split("\n")
            if rest:
                lines[0] = rest + lines[0]
            rest = lines.pop()
            if "\r" in chunk or lines[0][-1:] == "\r":  # (a chunk may start between \r and \n)
                lines = [t[:-1] if t and t[-1] == "\r" else t for t in lines]
            yield number, lines, ascii_
            number += len(lines)
        if rest:
            # the last line, without a line ending: kept whole (its \r too), always checked
            got = _checked(rest, number + 1, name, on_error)
            if got is not None:
                yield number, [got], True
    finally:
        # hand the binary stream back untouched (a wrapper closes its stream when collected)
        with contextlib.suppress(ValueError, OSError):
            text_fh.detach()


_CHUNK = 1 << 18


def _checked(text: str, number: int, name: str, on_error: OnError) -> str | None:
    """*text* when it is UTF-8 (less a BOM on line 1), else ``None`` after reporting it."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = ord(text[exc.start]) - 0xDC00
        column = len(text[: exc.start].encode("utf-8", "surrogateescape")) + 1
        on_error(
            RecordError(
                f"the line is not UTF-8 (byte 0x{bad:02x} at column {column})",
                source=name,
                line=number,
                column=column,
            )
        )
        return None
    if number == 1 and text.startswith("\ufeff"):
        return text[1:]
    return text


#: a reader's own decoding of a line: the object, or as much of it as the reader reads, or
#: ``None`` when it cannot be sure of giving what ``json.loads`` gives (json.loads decodes it)
LineDecoder = Callable[[str], dict[str, Any] | None]


def json_lines(
    fh: IO[bytes], name: str, on_error: OnError, fast: LineDecoder | None = None
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Yield ``(line_number, text, object)`` for each non-blank line holding a JSON object.

    *fast*, when given, is tried on each line first (see :data:`LineDecoder`)."""
    loads = json.loads
    scan = _SCAN
    for number, lines, checked in text_blocks(fh, name, on_error):
        for text in lines:  # what text_lines() yields, without its generator layer per line
            number += 1
            if not checked:
                got = _checked(text, number, name, on_error)
                if got is None:
                    continue
                text = got
            if not text or text.isspace():  # not text.strip(), without copying the line
                continue
            if fast is not None:
                decoded = fast(text)
                if decoded is not None:
                    yield number, text, decoded
                    continue
            try:
                try:  # json.loads without its two Python layers, for the line that is one value
                    obj, end = scan(text, 0)
                    if end != len(text) and text[end:].strip(_JSON_SPACE):
                        raise ValueError("extra data")
                except (StopIteration, ValueError):
                    obj = loads(text)  # anything else: json.loads, and its own error
            except ValueError as exc:
                on_error(RecordError(f"not a JSON object: {exc}", source=name, line=number))
                continue
            if not isinstance(obj, dict):
                on_error(
                    RecordError(
                        f"expected a JSON object, found {type(obj).__name__}", source=name, line=number
                    )
                )
                continue
            yield number, text, obj


#: the scanner json.loads ends in (a C function; typeshed does not know a decoder is its context),
#: and the whitespace json allows around a value
_SCAN: Final = json.scanner.make_scanner(cast(Any, json.JSONDecoder()))
_JSON_SPACE: Final = " \t\n\r"


def json_objects(
    fh: IO[bytes], name: str, on_error: OnError, fast: LineDecoder | None = None
) -> Iterator[tuple[int, str, dict[str, Any]]]:
    """Yield ``(line, text, object)`` for each JSON object, however the tool laid them out.

    One object per line (read a line at a time); or, when the input starts with ``[`` or its first
    object spans several lines, a whole document: a JSON array, pretty-printed objects one after
    another (``evtx_dump`` without ``-o jsonl``), or an Elasticsearch response whose
    ``hits.hits[]._source`` are the records. Whole documents are read up to 32 MiB. *fast* is
    tried on each line of JSON lines (see :func:`json_lines`).
    """
    head, fh = peek_head(fh, 65536)
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    first_line = start.split(b"\n", 1)[0].strip()
    if not start.startswith(b"[") and (not start.startswith(b"{") or _whole_json_line(first_line)):
        yield from json_lines(fh, name, on_error, fast)
        return
    data = read_all(fh, name)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        on_error(
            RecordError(f"the input is not UTF-8 (byte 0x{data[exc.start]:02x})", source=name, line=line)
        )
        return
    yield from _json_document(text, name, on_error)


def _whole_json_line(line: bytes) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def _json_document(text: str, name: str, on_error: OnError) -> Iterator[tuple[int, str, dict[str, Any]]]:
    decoder = json.JSONDecoder()
    pos = 0
    size = len(text)
    while True:
        while pos < size and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= size:
            return
        line = text.count("\n", 0, pos) + 1
        try:
            obj, end = decoder.raw_decode(text, pos)
        except ValueError as exc:
            on_error(RecordError(f"not JSON: {exc}", source=name, line=line))
            return
        items = obj if isinstance(obj, list) else [obj]
        if isinstance(obj, dict) and isinstance(obj.get("hits"), dict):
            items = [h.get("_source", h) if isinstance(h, dict) else h for h in obj["hits"].get("hits") or []]
        whole = len(items) == 1 and items[0] is obj
        for item in items:
            if isinstance(item, dict):
                # the object's own text when it stands alone; an array's items are re-serialised
                yield line, text[pos:end] if whole else json.dumps(item, ensure_ascii=False), item
            else:
                on_error(
                    RecordError(
                        f"expected a JSON object, found {type(item).__name__}", source=name, line=line
                    )
                )
        pos = end


def csv_rows(
    lines: Iterator[str], name: str, on_error: OnError, line: Callable[[], int], pending: list[str]
) -> Iterator[list[str]]:
    """csv.reader over *lines*, reporting a row the csv module refuses (a bare CR in an unquoted
    field, a field over its size limit) as ``file:line`` and going on with the next row."""
    reader = csv.reader(lines)
    while True:
        try:
            yield from reader  # the reader goes on after an error, with the next row
            return
        except csv.Error as exc:
            on_error(RecordError(f"not a CSV row: {exc}", source=name, line=line()))
            pending.clear()


#: the largest count a document can carry exactly (IODEF's Counter is an xs:double)
MAX_COUNT = 2**53


def count_of(value: Any, what: str) -> int:
    """A count from the input (an integer or its text), 0..2**53, else ValueError naming *what*.

    Input numbers are unbounded (JSON's ``1e400`` is infinity, a fuzzed ``999...9`` has 400
    digits): ``int()`` raises OverflowError on the one, and the other reached a Counter that no
    XML double could hold.
    """
    try:
        n = int(value.strip() if isinstance(value, str) else value)
    except (OverflowError, TypeError, ValueError):
        raise ValueError(f"{what} {str(value)[:40]!r} is not a count") from None
    if not 0 <= n <= MAX_COUNT:
        raise ValueError(f"{what} {str(n)[:40]} is out of range (0 to 2**53)")
    return n


def describe(exc: BaseException) -> str:
    """A one-line account of a validation error (pydantic's own text spans several lines)."""
    if isinstance(exc, ValidationError):
        parts = []
        for err in exc.errors():
            loc = ".".join(str(x) for x in err.get("loc", ()))
            parts.append(f"{loc}: {err.get('msg', 'invalid')}" if loc else str(err.get("msg")))
        return "; ".join(parts)
    return str(exc)


def read_all(fh: IO[bytes], name: str, limit: int = 32 * 1024 * 1024) -> bytes:
    """Read a whole (document-like) input, refusing one larger than *limit* bytes."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise RecordError(f"the input is larger than {limit} bytes; split it", source=name)
    return data


Reader = Callable[[IO[bytes], str, OnError], Iterator[T]]


@dataclass(frozen=True)
class ReaderSpec(Generic[T]):
    """A reader registered for ``--from``: its function, a sentence, and how to recognise its input.

    ``sniff(head, filename)`` sees the first few KiB and the file name and says whether the input
    looks like this format.
    """

    name: str
    read: Reader[T]
    description: str
    sniff: Callable[[bytes, str], bool]
    #: the reader takes ``options=ReadOptions`` (a column mapping, time format and zone)
    mapped: bool = False
    #: the reader takes ``rows=True`` and then yields light rows (a record's fields as a dict,
    #: :data:`~iodef.convert._grouping.Row`) instead of typed records, for the grouper's add_row()
    rows: bool = False

    def bound(self, options: Any = None, *, rows: bool = False) -> Reader[T]:
        """The reader, with *options* (a :class:`~iodef.convert.readers.columns.ReadOptions`)
        given to it when it takes them; a reader that does not ignores them. With *rows*, a reader
        that can yields light rows (see :attr:`rows`)."""
        read: Any = self.read
        extra: dict[str, Any] = {}
        if options is not None and self.mapped:
            extra["options"] = options
        if rows and self.rows:
            extra["rows"] = True
        if not extra:
            return self.read
        return lambda fh, name, on_error: read(fh, name, on_error, **extra)


class PrefixedStream(io.RawIOBase):
    """A binary stream that first returns *head* and then the rest of *fh* (for sniffing stdin)."""

    def __init__(self, head: bytes, fh: IO[bytes]) -> None:
        self._head = memoryview(head)
        self._fh = fh

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._fh.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        return n


def peek_head(fh: IO[bytes], size: int = 8192, *, seek: bool = True) -> tuple[bytes, IO[bytes]]:
    """Read the first *size* bytes of *fh*; return them and a stream that still starts at the top.

    With *seek* false the stream is never sought back (a decompressing stream says it can seek,
    but does so by reading its source again, which a pipe cannot give).
    """
    try:
        start = fh.tell() if seek and fh.seekable() else None
    except (OSError, ValueError):
        start = None
    head = fh.read(size)
    if start is not None:
        try:  # a file: go back rather than put every later read through a Python-level stream
            fh.seek(start)
        except (OSError, ValueError):
            pass
        else:
            return head, fh
    return head, io.BufferedReader(PrefixedStream(head, fh), buffer_size=1 << 16)


def first_json_object(head: bytes) -> dict[str, Any] | None:
    """The first record of *head* as a JSON object, if it is one.

    The first line when it is a whole object (JSON lines); else the first object of a JSON array,
    of pretty-printed objects, or of an Elasticsearch response's ``hits.hits[]._source`` (as far as
    *head* holds it: an object cut off by the end of *head* is not seen).
    """
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    line = start.split(b"\n", 1)[0].strip()
    try:
        obj = json.loads(line)
    except ValueError:
        obj = None
    if isinstance(obj, dict):
        return obj
    if not start.startswith((b"[", b"{")):
        return None
    text = start.decode("utf-8", "replace")
    try:
        obj, _ = json.JSONDecoder().raw_decode(text.lstrip("[ \t\r\n"))
    except ValueError:
        return None
    if isinstance(obj, dict) and isinstance(obj.get("hits"), dict):
        hits = obj["hits"].get("hits") or []
        obj = hits[0].get("_source") if hits and isinstance(hits[0], dict) else None
    return obj if isinstance(obj, dict) else None
