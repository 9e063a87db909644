"""What ``check`` finds valid under either profile, ``iodef.parse`` reads (and writes back losslessly)."""

from __future__ import annotations

from pathlib import Path

import pytest

import iodef
from iodef.validate import PROFILES, check
from tests.conftest import FIXTURES, canonical

CASES = sorted((FIXTURES / "validate").rglob("*.xml")) + sorted((FIXTURES / "valid").glob("*.xml"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_valid_means_readable(path: Path) -> None:
    valid = [p for p in PROFILES if check(path, profile=p).valid and check(path, profile=p).version == "2.0"]
    if not valid:
        pytest.skip("invalid under both profiles")
    data = path.read_bytes()
    doc = iodef.parse(data)
    assert canonical(iodef.dumps(doc)) == canonical(data)
