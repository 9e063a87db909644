"""tools/rfc_audit.py: the RFC 7970 prose/schema audit runs, finds what is known, and the docs match it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED
from tools import rfc_audit
from tools.rfc_verdicts import VERDICTS, verdict

RFC = SHARED / "reference" / "rfc7970.txt"


@pytest.fixture(scope="module")
def conflicts() -> list[rfc_audit.Conflict]:
    if not RFC.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{RFC} is missing under CI")
        pytest.skip(f"RFC 7970 text not found at {RFC} (../shared beside the repository)")
    return rfc_audit.compare(rfc_audit.read_rfc(RFC), rfc_audit.Schema())


def _by_key(conflicts: list[rfc_audit.Conflict]) -> dict[str, rfc_audit.Conflict]:
    return {c.key: c for c in conflicts}


def test_the_program_runs_and_the_docs_table_is_its_output(conflicts: list[rfc_audit.Conflict]) -> None:
    assert conflicts
    run = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "rfc_audit.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert (ROOT / "docs" / "rfc7970-conflicts.md").read_text("utf-8") == rfc_audit.markdown(conflicts)


def test_the_known_conflicts_are_found_with_their_lines(conflicts: list[rfc_audit.Conflict]) -> None:
    found = _by_key(conflicts)
    key = found["spelling:Key:KeyValue"]
    assert (key.rfc, key.schema, key.rfc_line, key.schema_line) == ("KeyValue", "Value", 4900, 1323)
    assert found["ext-value:BulkObservable:type=ext-value"].rfc_line == 5887
    assert found["multiplicity:ThreatActor:URL"].schema == "1..*"
    assert found["multiplicity:AttackPhase:URL"].rfc == "0..*"
    # the four errata ever reported on the schema are among the findings
    assert "enum-missing:Expectation:action=training" in found  # erratum 5583
    assert found["text:Confidence:content"].rfc == "REAL"  # erratum 5543
    assert "at-least-one:Node:children" in found  # erratum 5544
    assert "enum-missing:Contact:role=vendor-support" in found
    assert "required:IODEF-Document:version" in found


def test_the_extraction_is_complete() -> None:
    if not RFC.is_file():
        pytest.skip(f"RFC 7970 text not found at {RFC}")
    lines = rfc_audit.read_rfc(RFC)
    assert len(rfc_audit.registries(lines)) == 34  # §10.2: "34 identically structured registries"
    classes = rfc_audit.prose_classes(lines)
    assert [c.name for c in classes["Key"].children] == ["KeyName", "KeyValue"]
    assert [v for v, _line in classes["Key"].attrs["registryaction"].enum][-1] == "ext-value"
    assert classes["Incident"].attrs["purpose"].required
    schema = rfc_audit.Schema()
    for name, pc in classes.items():
        assert schema.cls(name) is not None, f"{name} (§{pc.section}) has no schema counterpart"


def test_every_conflict_is_judged_and_every_verdict_is_used(conflicts: list[rfc_audit.Conflict]) -> None:
    for c in conflicts:
        right, why, action = verdict(c)
        assert all((right, why, action)), c.key
    assert set(VERDICTS) == {c.key for c in conflicts}


def test_check_fails_when_the_docs_are_stale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not RFC.is_file():
        pytest.skip(f"RFC 7970 text not found at {RFC}")
    stale = tmp_path / "conflicts.md"
    stale.write_text("# old\n", "utf-8")
    monkeypatch.setattr(rfc_audit, "DOC", stale)
    assert rfc_audit.main(["--check"]) == 1
