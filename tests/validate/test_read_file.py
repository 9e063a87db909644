"""check() reads a file in one call when it can, and refuses what the chunked reader refuses."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from iodef import DEFAULT_MAX_BYTES, DocumentTooLargeError, ParseError
from iodef.validate import check
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
def test_a_named_pipe_is_streamed(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.xml"
    os.mkfifo(fifo)
    data = MINIMAL.read_bytes()

    def write() -> None:
        with fifo.open("wb") as fh:
            fh.write(data)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        report = check(fifo)
    finally:
        writer.join()
    assert report.valid
    assert report.source == str(fifo)
