"""What must hold for any input, and the comparison the round-trip oracle uses."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from lxml import etree

import iodef

__all__ = ["Finding", "canonical", "guarded", "harness_kind", "timed"]

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_XML_WS = " \t\r\n"
#: the wall a single API call on an input of a few KB must stay under (process CPU seconds)
SLOW_SECONDS = 1.0
T = TypeVar("T")


class Finding(Exception):
    """An oracle that did not hold: ``kind`` groups findings (one kind, one distinct failure)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(kind, detail)  # both in args: a finding pickles across worker processes
        self.kind = kind
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


def _where(exc: BaseException) -> str:
    """The innermost frame of iodef's code that an exception passed through: file:line."""
    tb = exc.__traceback__
    spot = "?"
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if "/iodef/" in filename:
            spot = f"{filename.rpartition('/iodef/')[2]}:{tb.tb_lineno}"
        elif "/cli/" in filename or "/fuzz/" in filename:  # named from the project's root
            spot = f"{os.path.relpath(filename, _ROOT)}:{tb.tb_lineno}"
        tb = tb.tb_next
    return spot


def harness_kind(exc: BaseException) -> str:
    """The kind of a failure that escaped the oracles (the harness's own bug, or a target's gap)."""
    return f"the harness broke: {type(exc).__name__} at {_where(exc)}"


def guarded(what: str, call: Callable[[], T]) -> T:
    """Run *call*; anything but an :class:`iodef.IODEFError` escaping it is a finding."""
    try:
        return call()
    except iodef.IODEFError:
        raise
    except Exception as exc:
        raise Finding(
            f"{what} raised {type(exc).__name__} at {_where(exc)}", f"{type(exc).__name__}: {exc}"[:300]
        ) from exc


#: the promise is about inputs of a few KB: slowness of larger ones is not a finding
SMALL_INPUT = 64 * 1024


class _TooLargeToJudge(Exception):
    """A large input ran out of its time budget: no oracle can be judged on it (not a finding)."""


class _Overtime(BaseException):
    """Raised by the interval timer inside a call that ran far past :data:`SLOW_SECONDS`."""


def _overtime(signum: int, frame: Any) -> None:
    raise _Overtime


def timed(what: str, call: Callable[[], T], size: int) -> T:
    """Run *call*; taking more than :data:`SLOW_SECONDS` of CPU on a small input is a finding.

    A call still running after ``5 x SLOW_SECONDS`` of wall time is interrupted (when it is in
    Python code; a long C call is interrupted when it returns), so one slow input does not stall a
    run: it is reported and the run goes on.
    """
    start = time.process_time()
    armed = threading.current_thread() is threading.main_thread()
    small = size <= SMALL_INPUT
    # a large input (mutations can stack into megabytes) gets time in proportion to its size
    budget = 5 * SLOW_SECONDS * (1 if small else size / SMALL_INPUT)
    if armed:
        previous = signal.signal(signal.SIGALRM, _overtime)
        signal.setitimer(signal.ITIMER_REAL, budget)
    try:
        return call()
    except _Overtime:
        if not small:
            raise _TooLargeToJudge from None
        raise Finding(f"{what} is slow", f"stopped after {budget:.0f} s on {size} bytes") from None
    finally:
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        spent = time.process_time() - start
        if spent > SLOW_SECONDS and small:
            raise Finding(f"{what} is slow", f"{spent:.2f} s of CPU on {size} bytes")


def canonical(data: bytes) -> str:
    """C14N 2.0 of *data*, blind to namespace prefixes and to white space between elements only.

    Comments and processing instructions count, inside the root and around it; text made of
    characters that are not XML white space (U+00A0, U+3000 ...) counts too.
    """
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = etree.fromstring(data, parser)
    for el in root.iter():
        # white space is insignificant in element content: an element with child nodes (elements,
        # comments, PIs) and no other text; an element with no child node keeps it (empty content
        # counts it, and simple content is the value)
        if not len(el):
            continue
        texts = [el.text, *(child.tail for child in el)]
        if any(t is not None and t.strip(_XML_WS) for t in texts):
            continue
        el.text = None
        for child in el:
            child.tail = None
    # with_comments: comments inside the root and around it count; PIs always do
    return etree.canonicalize(root.getroottree(), with_comments=True, strip_text=False, rewrite_prefixes=True)


def verdict(report: Any) -> tuple[bool, frozenset[tuple[str, ...]]]:
    """What two checks of the same data must agree on: validity and the (severity, rule, path) set.

    A report cut at its limit (rule ``report-limit``) keeps the first issues by line, and lines move
    when a document is written again: then the validity must agree.
    """
    if any(i.rule == "report-limit" for i in report.issues):
        return report.valid, frozenset()
    return report.valid, frozenset((i.severity, i.rule, i.path) for i in report.issues)
