"""`iodef upgrade FILE...` through the CLI: documents out, notes as text or JSON Lines."""

from __future__ import annotations

import json
from pathlib import Path

from iodef.cli.main import app
from typer.testing import CliRunner

import iodef
from tests.conftest import FIXTURES, canonical

runner = CliRunner()
V1 = FIXTURES / "v1"


def test_upgrade_one_file_to_stdout_with_notes_on_stderr() -> None:
    result = runner.invoke(app, ["upgrade", str(V1 / "every-class.xml")])
    assert result.exit_code == 0, result.stderr
    assert canonical(result.stdout_bytes) == canonical((V1 / "every-class.v2.xml").read_bytes())
    expected = (V1 / "every-class.notes.txt").read_text().splitlines()
    assert result.stderr.splitlines() == [f"{V1 / 'every-class.xml'}: {line}" for line in expected]


def test_upgrade_many_files_into_a_directory_with_json_notes(tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<IODEF-Document")
    sources = [str(V1 / "minimal.xml"), str(broken), str(V1 / "impact-types.xml")]
    result = runner.invoke(app, ["upgrade", *sources, "-o", str(tmp_path), "--notes-format", "json"])
    assert result.exit_code == 1
    assert "broken.xml" in result.stderr
    notes = [json.loads(line) for line in result.stdout.splitlines()]
    assert {n["file"] for n in notes} == {sources[0], sources[2]}
    assert set(notes[0]) == {"file", "path", "what", "old", "new"}
    assert iodef.validate.is_valid((tmp_path / "minimal.v2.xml").read_bytes())
    assert (tmp_path / "impact-types.v2.xml").is_file()


def test_upgrade_to_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["upgrade", "--to", "json", "-"], input=(V1 / "minimal.xml").read_bytes())
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["version"] == "2.00"


def test_upgrade_refuses_a_v2_document_and_several_inputs_without_output() -> None:
    v2 = runner.invoke(app, ["upgrade", str(FIXTURES / "valid" / "minimal.xml")])
    assert v2.exit_code == 1
    assert "not an IODEF v1 document" in v2.stderr
    many = runner.invoke(app, ["upgrade", str(V1 / "minimal.xml"), str(V1 / "impact-types.xml")])
    assert many.exit_code == 2


def test_fmt_of_a_v1_document_points_at_upgrade() -> None:
    result = runner.invoke(app, ["fmt", str(V1 / "minimal.xml")])
    assert result.exit_code == 1
    assert "'iodef upgrade' rewrites it as IODEF v2" in result.stderr
