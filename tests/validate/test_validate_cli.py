"""`iodef validate` through Typer's runner, and once through the installed command."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from iodef.cli.main import app
from typer.testing import CliRunner

from tests.conftest import FIXTURES

V = FIXTURES / "validate"
GOOD = V / "version" / "pass.xml"
BAD = V / "address" / "fail.xml"
LINE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+)(?::(?P<col>\d+))?: (?P<sev>error|warning|note): "
    r"(?P<path>\S+): .+ \[(?P<rule>[^\]]+)\]$"
)

runner = CliRunner()


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, ["validate", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_all_valid_exits_0() -> None:
    code, out, _ = run(str(GOOD), str(FIXTURES / "valid"))
    assert code == 0, out
    assert out.splitlines()[-1].startswith("3 documents, 3 valid, 0 invalid, 0 unreadable (profile rfc7970)")


def test_invalid_exits_1_with_one_line_per_issue() -> None:
    code, out, _ = run(str(BAD))
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 6
    for line in lines[:-1]:
        m = LINE.match(line)
        assert m, line
        assert m["file"] == str(BAD)
        assert m["rule"] == "RFC7970 §3.18.1"
    assert lines[-1] == "1 document, 0 valid, 1 invalid, 0 unreadable (profile rfc7970)"


def test_warnings_fail_only_with_strict() -> None:
    latin1 = str(V / "encoding" / "latin1.xml")
    assert run(latin1)[0] == 0
    code, out, _ = run("--strict", latin1)
    assert code == 1
    assert "0 valid, 1 invalid" in out


def test_profile_changes_the_verdict() -> None:
    training = str(V / "errata-5583" / "training.xml")
    assert run(training)[0] == 1
    code, out, _ = run("--profile", "rfc7970-errata", training)
    assert code == 0
    assert "(profile rfc7970-errata)" in out


def test_json_is_one_object_per_document(tmp_path: Path) -> None:
    code, out, err = run("--format", "json", str(GOOD), str(BAD))
    assert code == 1
    *objects, summary = [json.loads(line) for line in out.splitlines()]
    assert [o["status"] for o in objects] == ["valid", "invalid"]
    assert summary == {
        "summary": {
            "documents": 2,
            "valid": 1,
            "invalid": 1,
            "unreadable": 0,
            "iodef_v1": 0,
            "profile": "rfc7970",
        }
    }
    assert objects[1]["profile"] == "rfc7970"
    assert {i["rule"] for i in objects[1]["issues"]} == {"RFC7970 §3.18.1"}
    assert objects[1]["issues"][0]["line"] == 15
    assert "2 documents, 1 valid, 1 invalid" in err


def test_quiet_leaves_out_the_summary_but_not_the_report() -> None:
    code, out, err = run("--quiet", str(BAD), str(GOOD))
    assert code == 1
    lines = out.splitlines()
    assert lines
    assert all(line.startswith(f"{BAD}:") for line in lines)
    assert "documents" not in out + err


def test_directories_globs_and_stdin(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    shutil.copy(GOOD, nested / "one.xml")
    shutil.copy(GOOD, tmp_path / "two.xml")
    (tmp_path / "notes.txt").write_text("not a document")
    code, out, _ = run(str(tmp_path), str(tmp_path / "*.xml"), "-", stdin=BAD.read_bytes())
    assert code == 1
    assert "<stdin>:15: error:" in out
    assert out.splitlines()[-1].startswith("4 documents, 3 valid, 1 invalid, 0 unreadable")


def test_unreadable_and_hostile_files_are_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_bytes(b"")
    (tmp_path / "junk.xml").write_bytes(os.urandom(64).replace(b"<", b"."))
    (tmp_path / "bomb.xml").write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>'
    )
    (tmp_path / "text.xml").write_text("hello")
    locked = tmp_path / "locked.xml"
    shutil.copy(GOOD, locked)
    locked.chmod(0)
    shutil.copy(GOOD, tmp_path / "z-good.xml")
    try:
        code, out, _ = run(str(tmp_path), str(tmp_path / "vanished.xml"))
    finally:
        locked.chmod(0o644)
    assert code == 3  # vanished.xml could not be opened: an I/O failure outranks invalid content
    summary = out.splitlines()[-1]
    readable_by_root = os.geteuid() == 0  # root reads a mode-0 file
    unreadable = 5 if readable_by_root else 6
    assert summary.startswith(f"7 documents, {7 - unreadable} valid, 0 invalid, {unreadable} unreadable")
    assert out.count("[unreadable]") == unreadable
    assert "vanished.xml: error: no such file or directory [unreadable]" in out


def test_usage_errors_exit_2() -> None:
    assert run()[0] == 2
    assert run("--profile", "rfc5070", str(GOOD))[0] == 2
    assert run("--format", "xml", str(GOOD))[0] == 2
    assert run("--jobs", "0", str(GOOD))[0] == 2


def test_iodef_v1_is_named_in_the_report() -> None:
    code, out, _ = run(str(V / "iodef-v1" / "valid-v1.xml"))
    assert code == 0
    assert "IODEF v1 document (RFC 5070), checked against the bundled iodef-1.0.xsd" in out
    assert "1 IODEF v1" in out.splitlines()[-1]


def test_jobs_gives_the_same_report_in_the_same_order() -> None:
    one = run(str(V))
    two = run("--jobs", "2", str(V))
    assert one == two
    assert one[0] == 1


def test_no_progress_bar_when_stderr_is_no_terminal() -> None:
    code, _out, err = run(str(V / "address"), str(V / "language"), str(V / "version"))
    assert code == 1
    assert "/6" not in err


def test_installed_command_in_a_real_subprocess(tmp_path: Path) -> None:
    exe = shutil.which("iodef", path=str(Path(sys.executable).parent)) or shutil.which("iodef")
    assert exe, "the iodef command is not installed (pip install -e .)"
    shutil.copy(GOOD, tmp_path / "good.xml")
    shutil.copy(BAD, tmp_path / "bad.xml")
    (tmp_path / "junk.xml").write_bytes(b"\x00\x01")
    proc = subprocess.run(
        [exe, "validate", "--jobs", "2", "--format", "json", str(tmp_path), "-"],
        input=GOOD.read_bytes(),
        capture_output=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    statuses = [json.loads(line)["status"] for line in proc.stdout.decode().splitlines()[:-1]]
    assert statuses == ["invalid", "valid", "unreadable", "valid"]
    assert b"4 documents, 2 valid, 1 invalid, 1 unreadable" in proc.stderr
    ok = subprocess.run([exe, "validate", str(GOOD)], capture_output=True, check=False, timeout=120)
    assert ok.returncode == 0
    assert ok.stderr == b""


def test_progress_bar_on_a_real_terminal(tmp_path: Path) -> None:
    pty = pytest.importorskip("pty")
    exe = shutil.which("iodef", path=str(Path(sys.executable).parent)) or shutil.which("iodef")
    assert exe
    for n in range(8):
        shutil.copy(GOOD, tmp_path / f"d{n}.xml")
    master, slave = pty.openpty()
    proc = subprocess.run(
        [exe, "validate", str(tmp_path)], stderr=slave, stdout=subprocess.PIPE, check=False, timeout=120
    )
    os.close(slave)
    shown = b""
    try:
        while chunk := os.read(master, 4096):
            shown += chunk
    except OSError:
        pass
    os.close(master)
    assert proc.returncode == 0
    assert b"8/8" in shown
    assert b"8/8" not in proc.stdout


def test_jobs_gives_the_same_json_and_strict_verdicts() -> None:
    args = ("--format", "json", "--strict", str(V), str(FIXTURES / "invalid"))
    assert run(*args) == run("--jobs", "2", *args)


def test_jobs_without_fork_sends_the_jobs_to_the_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where workers are spawned they do not share the job list: it goes with the initializer."""
    import multiprocessing  # the module iodef.cli.validate imports when --jobs asks for workers

    real = multiprocessing.get_context
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(multiprocessing, "get_context", lambda method=None: real("spawn"))
    args = (str(V / "address"), str(V / "xsd"), str(FIXTURES / "invalid"))
    assert run("--jobs", "2", *args) == run(*args)


def test_nothing_to_validate_is_not_a_pass(tmp_path: Path) -> None:
    code, out, err = run(str(tmp_path))
    assert code == 1
    assert f"no documents found in {tmp_path}" in out + err


def test_an_unexpected_element_report_names_what_may_stand_there() -> None:
    code, out, _ = run(str(FIXTURES / "validate" / "xsd" / "unexpected-element.xml"))
    assert code == 1
    line = next(line for line in out.splitlines() if "Unexpected child with tag 'Phone'" in line)
    assert "Expected one of: ContactName, " in line
    assert "Telephone" in line
