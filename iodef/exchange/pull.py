"""The puller: copy a peer's new documents into a directory, remembering how far it got.

Fit for cron: each run reads the feed newest first (with ``?since=`` the last run's newest
time, and stopping by itself at entries older than that for peers that ignore the parameter),
follows ``next`` links, downloads each new entry's document, checks it, and writes it
atomically as ``DIR/<entry-uuid>.xml``. A document that fails the checks goes to
``DIR/invalid/`` with its issues beside it (``.issues.json``): reported, never dropped.
The state file is written only after a run went through, so an interrupted run is simply
done again (the same files are written again under the same names).

Each run asks for what arrived since :data:`OVERLAP` before the newest entry it saw last time,
and skips the entries of that window it already has: a document that a busy repository (several
workers on one database) committed a moment after a newer one is still fetched, once.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from ..errors import ExchangeError
from ._checks import has_errors
from .client import Client, PulledDocument
from .rolie import rfc3339

__all__ = ["OVERLAP", "PullReport", "pull_to_directory"]

#: How far back each run looks again, for entries committed after newer ones were listed.
OVERLAP: Final = timedelta(seconds=30)


@dataclass
class PullReport:
    """What :func:`pull_to_directory` did: documents saved, invalid ones set aside, entries seen before."""

    saved: list[Path] = field(default_factory=list)
    invalid: list[Path] = field(default_factory=list)
    skipped: int = 0
    #: Documents the peer served with parts withheld above this reader's clearance.
    redacted: int = 0


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _file_name(entry_id: str) -> str:
    tail = entry_id.rsplit(":", 1)[-1]
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", tail).strip("._") or "entry"
    return safe[:150]


def _read_state(path: Path, url: str) -> tuple[datetime | None, dict[str, datetime]]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, {}
    except (OSError, ValueError) as exc:
        raise ExchangeError(f"cannot read the pull state: {exc}", source=str(path)) from None
    if not isinstance(raw, dict) or raw.get("url") != url:
        return None, {}
    since = raw.get("since")
    try:
        when = datetime.fromisoformat(since.replace("Z", "+00:00")) if isinstance(since, str) else None
    except ValueError:
        when = None
    seen: dict[str, datetime] = {}
    recent = raw.get("recent")
    if isinstance(recent, dict):
        for key, value in recent.items():
            try:
                seen[str(key)] = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            except ValueError:
                continue
    elif when is not None and isinstance(raw.get("seen"), list):  # a state file of an older iodef
        seen = {str(s): when for s in raw["seen"]}
    return when, seen


def pull_to_directory(
    client: Client,
    out_dir: Path,
    *,
    state_path: Path | None = None,
    on_document: Callable[[PulledDocument, Path], None] | None = None,
) -> PullReport:
    """Fetch the documents of *client*'s feed that are new since the last run into *out_dir*."""
    state_path = state_path or out_dir / ".iodef-pull-state.json"
    newest, seen = _read_state(state_path, client.url)
    since = newest - OVERLAP if newest is not None else None
    report = PullReport()
    for entry in client.iter_entries(since=since):
        if since is not None and entry.updated is not None and entry.updated < since:
            break  # a peer that ignores ?since=: everything from here on is old
        if entry.id in seen:
            report.skipped += 1
            continue
        pulled = client.fetch(entry)
        if entry.withheld:
            report.redacted += 1
        target = _save(out_dir, entry.id, pulled, report)
        if on_document is not None:
            on_document(pulled, target)
        if entry.updated is not None:
            seen[entry.id] = entry.updated
            if newest is None or entry.updated > newest:
                newest = entry.updated
    if newest is not None:
        window = newest - OVERLAP
        recent = {k: rfc3339(v) for k, v in seen.items() if v >= window}
        state = {"url": client.url, "since": rfc3339(newest), "recent": recent}
        _write_atomic(state_path, json.dumps(state, indent=2).encode())
    return report


def _save(out_dir: Path, entry_id: str, pulled: PulledDocument, report: PullReport) -> Path:
    name = _file_name(entry_id)
    if pulled.error is None and not has_errors(pulled.issues):
        target = out_dir / f"{name}.xml"
        _write_atomic(target, pulled.body)
        report.saved.append(target)
        return target
    target = out_dir / "invalid" / f"{name}.xml"
    _write_atomic(target, pulled.body)
    sidecar = {
        "entry": entry_id,
        "source": pulled.entry.content_src,
        "error": pulled.error,
        "issues": [i.to_dict() for i in pulled.issues],
    }
    _write_atomic(target.with_suffix(".issues.json"), json.dumps(sidecar, indent=2).encode())
    report.invalid.append(target)
    return target
