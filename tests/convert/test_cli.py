"""``iodef convert`` through Typer's CliRunner, and once as a real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from iodef.cli.main import app
from lxml import etree
from typer.testing import CliRunner

from .conftest import FIXTURES, assert_valid_document, canonical

GEN = ["--name", "csirt.example", "--generation-time", "2025-06-01T00:00:00Z"]
RDP = str(FIXTURES / "rat/zeek-tsv/rdp.log")
SMS = str(FIXTURES / "spam/sms-csv/7726-feed.csv")
AUDIT = str(FIXTURES / "vms/vms-audit-csv/audit.csv")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def _ids(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [e.text or "" for e in root.iterfind(".//{urn:ietf:params:xml:ns:iodef-2.0}IncidentID")]


def test_convert_to_stdout_matches_the_expected_document(runner: CliRunner) -> None:
    result = runner.invoke(app, ["convert", "rat", RDP, *GEN])
    assert result.exit_code == 0, result.stderr
    assert_valid_document(result.stdout_bytes)
    expected = (FIXTURES / "rat/zeek-tsv/rdp.log.iodef.xml").read_bytes()
    assert canonical(result.stdout_bytes) == canonical(expected)
    assert "11 record(s)" in result.stderr


def test_several_inputs_of_different_formats_make_one_document(runner: CliRunner) -> None:
    anydesk = str(FIXTURES / "rat/anydesk/connection_trace.txt")
    result = runner.invoke(app, ["convert", "rat", RDP, anydesk, *GEN])
    assert result.exit_code == 0, result.stderr
    assert_valid_document(result.stdout_bytes)
    assert len(_ids(result.stdout_bytes)) == 3


def test_stdin(runner: CliRunner) -> None:
    data = Path(SMS).read_bytes()
    result = runner.invoke(app, ["convert", "spam", "-", *GEN], input=data)
    assert result.exit_code == 0, result.stderr
    assert len(_ids(result.stdout_bytes)) == 3


def test_output_file_and_split_directory(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "doc.xml"
    result = runner.invoke(app, ["convert", "vms", AUDIT, "-o", str(out), *GEN])
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert_valid_document(out.read_bytes())
    whole = _ids(out.read_bytes())
    split_dir = tmp_path / "split"
    result = runner.invoke(app, ["convert", "vms", AUDIT, "-o", str(split_dir), "--split", *GEN])
    assert result.exit_code == 0, result.stderr
    files = sorted(split_dir.glob("*.xml"))
    assert len(files) == len(whole) == 2
    for f in files:
        assert_valid_document(f.read_bytes())
        assert _ids(f.read_bytes()) == [f.stem]
    assert not list(split_dir.glob(".*"))


def test_same_input_twice_gives_the_same_document(runner: CliRunner) -> None:
    a = runner.invoke(app, ["convert", "spam", SMS, *GEN]).stdout_bytes
    b = runner.invoke(app, ["convert", "spam", SMS, *GEN]).stdout_bytes
    assert a == b
    c = runner.invoke(app, ["convert", "spam", SMS, "--name", "other.example"]).stdout_bytes
    assert set(_ids(a)).isdisjoint(_ids(c))


def test_json_summary(runner: CliRunner, tmp_path: Path) -> None:
    onvif = str(FIXTURES / "vms/onvif/pullmessages.xml")
    result = runner.invoke(app, ["convert", "vms", onvif, "--format", "json-summary", *GEN])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["records"] == 5
    assert summary["incidents"] == len(summary["incident_ids"]) == 2
    assert summary["not_incidents"]["events"] == {"motion": 1}  # the cleared tamper joined its incident
    assert summary["bad_records"] == 0


def test_bad_records_exit_1_unless_skip_bad(runner: CliRunner, tmp_path: Path) -> None:
    broken = tmp_path / "audit.csv"
    lines = Path(AUDIT).read_text().splitlines()
    lines.insert(3, "2025-03-04T99:00:00Z,vms-01,admin,,198.51.100.4,Web,login_failed,,,,failure")
    broken.write_text("\n".join(lines) + "\n")
    result = runner.invoke(app, ["convert", "vms", str(broken), *GEN])
    assert result.exit_code == 1
    assert f"{broken}:4:" in result.stderr
    assert "1 unreadable record(s)" in result.stderr
    assert len(_ids(result.stdout_bytes)) == 2  # the rest was converted
    result = runner.invoke(app, ["convert", "vms", str(broken), "--skip-bad", *GEN])
    assert result.exit_code == 0


def test_pseudonymize_key_and_restriction(runner: CliRunner) -> None:
    result = runner.invoke(
        app, ["convert", "spam", SMS, "--pseudonymize-key", "k3y", "--restriction", "red", *GEN]
    )
    assert result.exit_code == 0, result.stderr
    xml = result.stdout_bytes
    assert b"+447700901200" not in xml
    assert b"parcel is held" not in xml
    assert b'meaning="pseudonymisation"' in xml
    root = etree.fromstring(xml)
    assert {i.get("restriction") for i in root} == {"red"}


def test_window_option(runner: CliRunner) -> None:
    wide = runner.invoke(app, ["convert", "spam", SMS, "--window", "1d", *GEN, "--keys", "channel"])
    narrow = runner.invoke(app, ["convert", "spam", SMS, "--window", "30s", *GEN])
    assert wide.exit_code == narrow.exit_code == 0
    assert len(_ids(wide.stdout_bytes)) == 1
    assert len(_ids(narrow.stdout_bytes)) == 8


def test_target_role(runner: CliRunner) -> None:
    result = runner.invoke(app, ["convert", "rat", RDP, "--target-role", "scada-supervisory", *GEN])
    assert result.exit_code == 0, result.stderr
    assert_valid_document(result.stdout_bytes)
    roles = etree.fromstring(result.stdout_bytes).iterfind(
        ".//{urn:ietf:params:xml:ns:iodef-2.0}System[@category='target']/{urn:ietf:params:xml:ns:iodef-2.0}NodeRole"
    )
    assert {r.get("category") for r in roles} == {"remote-access", "scada-supervisory"}
    bad = runner.invoke(app, ["convert", "rat", RDP, "--target-role", "plc"])
    assert bad.exit_code == 2


def test_incident_table_override(runner: CliRunner) -> None:
    onvif = str(FIXTURES / "vms/onvif/pullmessages.xml")
    result = runner.invoke(
        app, ["convert", "vms", onvif, "--incident", "motion=yes", "--format", "json-summary"]
    )
    assert json.loads(result.stdout)["incidents"] == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["convert", "rat", RDP, "--from", "nope"], "unknown --from"),
        (["convert", "rat", SMS], "--from"),
        (["convert", "rat", RDP, "--split"], "--split needs"),
        (["convert", "rat", RDP, "--window", "soon"], "not a duration"),
        (["convert", "rat", RDP, "--restriction", "secret"], "'secret' is not one of 'public'"),
        (["convert", "rat", RDP, "--keys", "colour"], "unknown grouping key"),
        (["convert", "rat", RDP, "--incident", "motion"], "EVENT=yes"),
    ],
)
def test_usage_errors_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_missing_input_exits_3(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["convert", "rat", str(tmp_path / "absent.log")])
    assert result.exit_code == 3
    assert "absent.log" in result.stderr


def test_no_incidents_writes_no_file(runner: CliRunner, tmp_path: Path) -> None:
    motion = tmp_path / "motion.jsonl"
    motion.write_text('{"time":"2025-03-04T02:15:00Z","event":"motion","device":"cam-4"}\n')
    out = tmp_path / "out.xml"
    result = runner.invoke(app, ["convert", "vms", str(motion), "-o", str(out)])
    assert result.exit_code == 0
    assert not out.exists()
    assert "0 incident(s)" in result.stderr


def test_installed_command_in_a_subprocess(tmp_path: Path) -> None:
    exe = shutil.which("iodef", path=os.path.dirname(sys.executable)) or shutil.which("iodef")
    assert exe, "the iodef console script is not installed"
    data = (FIXTURES / "rat/teamviewer/Connections_incoming.txt").read_bytes()
    proc = subprocess.run(
        [exe, "convert", "rat", "-", "--from", "teamviewer", *GEN],
        input=data,
        capture_output=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr.decode()
    assert_valid_document(proc.stdout)
    expected = (FIXTURES / "rat/teamviewer/Connections_incoming.txt.iodef.xml").read_bytes()
    assert canonical(proc.stdout) == canonical(expected)
    assert b"\r[" not in proc.stderr  # no progress bar when stderr is not a terminal


def test_a_missing_or_unrecognised_file_in_a_batch_does_not_stop_the_rest(
    runner: CliRunner, tmp_path: Path
) -> None:
    stray = tmp_path / "notes.txt"
    stray.write_text("just some notes\n")
    anydesk = str(FIXTURES / "rat/anydesk/connection_trace.txt")
    result = runner.invoke(
        app, ["convert", "rat", RDP, str(tmp_path / "gone.log"), str(stray), anydesk, *GEN]
    )
    assert result.exit_code == 3  # an input could not be read: an I/O failure outranks the rest
    assert "gone.log" in result.stderr
    assert "notes.txt" in result.stderr
    assert "--from" in result.stderr
    assert_valid_document(result.stdout_bytes)
    assert len(_ids(result.stdout_bytes)) == 3  # both readable inputs were converted
    result = runner.invoke(app, ["convert", "rat", RDP, str(stray), *GEN])
    assert result.exit_code == 2
    assert len(_ids(result.stdout_bytes)) == 2


def test_progress_bar_only_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from iodef.cli import convert as cli_convert

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    tty = Tty()
    monkeypatch.setattr(cli_convert.sys, "stderr", tty)
    bar = cli_convert._Progress(1000)
    bar.current = io.BytesIO(b"x" * 1000)
    bar.current.read(250)
    bar(5000)
    assert "25.0%" in tty.getvalue()
    assert "5,000 records" in tty.getvalue()
    plain = io.StringIO()
    monkeypatch.setattr(cli_convert.sys, "stderr", plain)
    quiet = cli_convert._Progress(1000)
    quiet(5000)
    assert plain.getvalue() == ""


def test_pretty_output_is_indented_once_declared_and_the_same_data(runner: CliRunner) -> None:
    pretty = runner.invoke(app, ["convert", "rat", RDP, *GEN, "--pretty"])
    compact = runner.invoke(app, ["convert", "rat", RDP, *GEN])
    assert pretty.exit_code == compact.exit_code == 0
    assert pretty.stdout_bytes.count(b"xmlns:iodef=") == 1
    assert b"\n  <iodef:Incident " in pretty.stdout_bytes
    assert b"\n    <iodef:IncidentID " in pretty.stdout_bytes
    assert canonical(pretty.stdout_bytes) == canonical(compact.stdout_bytes)


def test_output_to_a_pipe_writes_into_it_and_leaves_it_a_pipe(runner: CliRunner, tmp_path: Path) -> None:
    import stat
    import threading

    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = runner.invoke(app, ["convert", "rat", RDP, *GEN, "-o", str(fifo)])
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # not replaced by a regular file
    assert canonical(received[0]) == canonical((FIXTURES / "rat/zeek-tsv/rdp.log.iodef.xml").read_bytes())
