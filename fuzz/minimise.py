"""Shrink a failing input while the same kind of failure still shows: elements first, then lines."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable

from lxml import etree

from .oracles import Finding, harness_kind

__all__ = ["minimise"]


def _same_failure(run: Callable[[bytes, str], None], kind: str, label: str) -> Callable[[bytes], bool]:
    def fails(data: bytes) -> bool:
        try:
            run(data, label)
        except Finding as finding:
            return finding.kind == kind
        except Exception as exc:
            return harness_kind(exc) == kind
        return False

    return fails


def _shrink_elements(data: bytes, fails: Callable[[bytes], bool], deadline: float) -> bytes:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return data
    declaration = data.lstrip().startswith(b"<?xml")
    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        for index in range(len(list(root.iter())) - 1, 0, -1):
            if time.monotonic() >= deadline:
                break
            trial = copy.deepcopy(root)
            victim = list(trial.iter())[index]
            parent = victim.getparent()
            if parent is None:
                continue
            parent.remove(victim)
            candidate: bytes = etree.tostring(
                trial.getroottree(), encoding="UTF-8", xml_declaration=declaration
            )
            if fails(candidate):
                root, data, changed = trial, candidate, True
                break
    return data


def _shrink_lines(data: bytes, fails: Callable[[bytes], bool], deadline: float) -> bytes:
    lines = data.split(b"\n")
    step = max(1, len(lines) // 2)
    while step >= 1 and time.monotonic() < deadline:
        i = 0
        shrunk = False
        while i < len(lines) and time.monotonic() < deadline:
            trial = lines[:i] + lines[i + step :]
            if trial and fails(b"\n".join(trial)):
                lines = trial
                shrunk = True
            else:
                i += step
        if not shrunk:
            step //= 2
    return b"\n".join(lines)


def minimise(target: object, kind: str, data: bytes, label: str, seconds: float = 30.0) -> bytes:
    """The smallest input found within *seconds* that still fails with *kind* (or *data* itself)."""
    run: Callable[[bytes, str], None] = target.run  # type: ignore[attr-defined]
    fails = _same_failure(run, kind, label)
    if not fails(data):
        return data  # not reproducible on its own (depends on process state): keep it whole
    deadline = time.monotonic() + seconds
    if data.lstrip().startswith((b"<", b"\xef\xbb\xbf<")):
        data = _shrink_elements(data, fails, deadline)
    return _shrink_lines(data, fails, deadline)
