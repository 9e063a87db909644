"""The README's first command, the first thing a newcomer sees, is clean: no warning, exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_validate_fixtures_valid_prints_only_its_summary() -> None:
    iodef = Path(sys.executable).with_name("iodef")
    done = subprocess.run(
        [str(iodef), "validate", "fixtures/valid"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == ["2 documents, 2 valid, 0 invalid, 0 unreadable (profile rfc7970)"]
    assert "warning" not in done.stderr
    assert "iodef validate fixtures/valid" in (ROOT / "README.md").read_text(encoding="utf-8")
