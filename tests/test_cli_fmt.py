"""`iodef fmt`: read into the model and write back, through Typer's runner and a real process."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from iodef.cli.main import app
from typer.testing import CliRunner

from tests.conftest import FIXTURES, canonical

runner = CliRunner()


def test_fmt_writes_the_document_back_losslessly() -> None:
    source = FIXTURES / "valid" / "every-element.xml"
    result = runner.invoke(app, ["fmt", str(source)])
    assert result.exit_code == 0
    assert canonical(result.stdout_bytes) == canonical(source.read_bytes())


def test_fmt_reads_stdin_and_writes_a_file(tmp_path: Path) -> None:
    source = (FIXTURES / "valid" / "minimal.xml").read_bytes()
    out = tmp_path / "out.xml"
    result = runner.invoke(app, ["fmt", "-", "-o", str(out), "--compact"], input=source)
    assert result.exit_code == 0
    assert b"\n  <iodef:" not in out.read_bytes()
    assert canonical(out.read_bytes()) == canonical(source)


def test_fmt_reports_a_broken_file_with_its_line() -> None:
    source = FIXTURES / "invalid" / "unexpected-element.xml"
    result = runner.invoke(app, ["fmt", str(source)])
    assert result.exit_code == 1
    assert f"{source}:7: /IODEF-Document/Incident/Contact/Phone: unexpected element Phone" in result.stderr


def test_fmt_exit_code_for_an_unwritable_output(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["fmt", str(FIXTURES / "valid" / "minimal.xml"), "-o", str(tmp_path / "no" / "dir.xml")]
    )
    assert result.exit_code == 3
    assert "cannot write" in result.stderr


def test_installed_command_runs_in_a_real_process() -> None:
    exe = shutil.which("iodef", path=str(Path(sys.executable).parent))
    assert exe is not None, "the iodef console script is not installed in this environment"
    done = subprocess.run(
        [exe, "fmt", str(FIXTURES / "valid" / "minimal.xml")], capture_output=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert canonical(done.stdout) == canonical((FIXTURES / "valid" / "minimal.xml").read_bytes())
