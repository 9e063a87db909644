"""``iodef validate`` on an IODEF v1 document says that ``iodef upgrade`` exists, in every output form."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import FIXTURES

V1 = str(FIXTURES / "v1" / "minimal.xml")
V2 = str(FIXTURES / "valid" / "minimal.xml")


def iodef(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from iodef.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_v1_note_names_iodef_upgrade() -> None:
    done = iodef("validate", V1)
    assert done.returncode == 0
    (note,) = [line for line in done.stdout.splitlines() if "[iodef-v1]" in line]
    assert "note:" in note
    assert "'iodef upgrade FILE' rewrites it as IODEF v2" in note


def test_the_json_report_and_require_v2_carry_the_hint_and_v2_gets_none() -> None:
    done = iodef("validate", "--format", "json", V1, V2)
    v1, v2 = (json.loads(line) for line in done.stdout.splitlines()[:2])
    (note,) = [i for i in v1["issues"] if i["rule"] == "iodef-v1"]
    assert "iodef upgrade" in note["message"]
    assert not any("iodef upgrade" in i["message"] for i in v2["issues"])
    refused = iodef("validate", "--require-v2", V1)
    assert refused.returncode == 1
    assert "iodef upgrade" in refused.stdout
