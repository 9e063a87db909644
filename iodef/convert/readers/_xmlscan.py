"""Walking the children of an XML container so that nothing in it is skipped without a report.

The XML readers take records from one container element (``<Events>``, a ``PullMessagesResponse``,
the wrapper around bare stanzas). :func:`scan_children` yields the record elements and reports,
as unreadable records with file and line, every other element and every non-blank line of text
between them; comments and processing instructions carry no data and pass silently.

lxml gives elements a line but not text: a text's lines are counted back from the node that
follows it (or from the end tag of its parent), which is exact as long as end tags fit on one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

from ...errors import RecordError
from ._base import OnError

__all__ = ["ChildScan", "closing_tag_line", "local_name", "scan_children"]


def local_name(tag: Any) -> str:
    """The local name of an element's tag; ``""`` for comments and processing instructions."""
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def closing_tag_line(body: bytes) -> int:
    """The line (in *body*) of the document element's end tag: the last ``</`` in *body*."""
    pos = body.rfind(b"</")
    return body.count(b"\n", 0, pos) + 1 if pos >= 0 else body.count(b"\n") + 1


def _end_line(el: Any, last_line: int) -> int:
    """The line on which *el* ends (its end tag), counted back from what follows it."""
    tail_lines = (el.tail or "").count("\n")
    nxt = el.getnext()
    if nxt is not None:
        return int(nxt.sourceline or 0) - tail_lines
    parent = el.getparent()
    if parent is None:
        return last_line
    return _end_line(parent, last_line) - tail_lines


def _report_text(text: str | None, end: int, what: str, name: str, offset: int, on_error: OnError) -> int:
    """Report each non-blank line of *text*, which ends on line *end*; return how many."""
    if not text or text.isspace():
        return 0
    parts = text.split("\n")
    last = len(parts) - 1
    count = 0
    for k, part in enumerate(parts):
        stripped = part.strip()
        if stripped:
            snippet = stripped if len(stripped) <= 60 else stripped[:57] + "..."
            on_error(
                RecordError(
                    f"text outside any {what}, not read: {snippet!r}",
                    source=name,
                    line=end - (last - k) + offset,
                )
            )
            count += 1
    return count


class ChildScan:
    """The children of *parent* named *want*; everything else in *parent* is reported.

    *also* names child elements that are expected beside the records and carry nothing to read
    (an ONVIF response's ``CurrentTime``, say). *last_line* is the line of the document element's
    end tag and *offset* the number of lines cut off before the parsed body. :attr:`reported`
    counts the reports made.
    """

    def __init__(
        self,
        parent: Any,
        want: str,
        name: str,
        on_error: OnError,
        *,
        offset: int = 0,
        last_line: int = 0,
        also: frozenset[str] = frozenset(),
    ) -> None:
        self.parent = parent
        self.want = want
        self.name = name
        self.on_error = on_error
        self.offset = offset
        self.last_line = last_line
        self.also = also
        self.reported = 0
        self.found = 0

    def __iter__(self) -> Iterator[Any]:
        what = f"<{self.want}>"
        parent, name, offset = self.parent, self.name, self.offset
        first = next(iter(parent), None)
        head_end = int(first.sourceline or 0) if first is not None else _end_line(parent, self.last_line)
        self.reported += _report_text(parent.text, head_end, what, name, offset, self.on_error)
        for child in parent:
            local = local_name(child.tag)
            if local == self.want:
                self.found += 1
                yield child
            elif local and local not in self.also:
                self.on_error(
                    RecordError(
                        f"<{local}> where {what} elements are expected; it was not read",
                        source=name,
                        line=int(child.sourceline or 0) + offset or None,
                    )
                )
                self.reported += 1
            tail = child.tail
            if tail and not tail.isspace():
                self.reported += _report_text(
                    tail, _tail_end(child, self.last_line), what, name, offset, self.on_error
                )


def _tail_end(child: Any, last_line: int) -> int:
    """The line on which *child*'s tail ends: where the next node starts or the parent ends."""
    nxt = child.getnext()
    if nxt is not None:
        return int(nxt.sourceline or 0)
    parent = child.getparent()
    return _end_line(parent, last_line) if parent is not None else last_line


def scan_children(
    parent: Any,
    want: str,
    name: str,
    on_error: OnError,
    *,
    offset: int = 0,
    last_line: int = 0,
    also: frozenset[str] = frozenset(),
) -> ChildScan:
    """A :class:`ChildScan` over *parent* (iterate it for the *want* children)."""
    return ChildScan(parent, want, name, on_error, offset=offset, last_line=last_line, also=also)
