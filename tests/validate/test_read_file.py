"""check() reads a file in one call when it can, and refuses what the chunked reader refuses."""

from __future__ import annotations

import contextlib
import os
import threading
from pathlib import Path

import pytest

from iodef import DEFAULT_MAX_BYTES, DocumentTooLargeError, ParseError
from iodef.validate import Report, check
from tests.conftest import FIXTURES

MINIMAL = FIXTURES / "valid" / "minimal.xml"


def test_a_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "doc.xml"
    path.write_bytes(MINIMAL.read_bytes())
    assert check(path).valid
    assert check(str(path)).valid


def test_a_file_over_the_cap_is_refused_with_its_size(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    with path.open("wb") as fh:
        fh.truncate(DEFAULT_MAX_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(DocumentTooLargeError, match=f"{DEFAULT_MAX_BYTES + 1:,} bytes"):
        check(path)


def test_a_directory_is_not_readable(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot read file"):
        check(tmp_path)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("attempt", range(5))  # a reopen hangs only when the writer is quick
def test_a_named_pipe_is_streamed_from_one_open(tmp_path: Path, attempt: int) -> None:
    """A pipe must be read from the descriptor that was opened: a second open waits for a writer."""
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    data = MINIMAL.read_bytes()

    def write() -> None:
        # all at once, then closed: whoever opens the pipe after this waits for a new writer
        with contextlib.suppress(BrokenPipeError), fifo.open("wb", buffering=0) as fh:
            fh.write(data)

    results: list[object] = []

    def read() -> None:
        try:
            results.append(check(fifo))
        except Exception as exc:  # pragma: no cover - reported below
            results.append(exc)

    writer = threading.Thread(target=write, daemon=True)
    reader = threading.Thread(target=read, daemon=True)
    writer.start()
    reader.start()
    reader.join(timeout=10)
    assert not reader.is_alive(), "check() is still waiting on the pipe"
    (report,) = results
    assert isinstance(report, Report), report
    assert report.valid
    assert report.source == str(fifo)
