"""The stories of docs/convert.md, through the CLI: events table, overrides, gzip, column mappings."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from iodef.cli.main import app
from typer.testing import CliRunner

from .conftest import FIXTURES, assert_valid_document, canonical

GEN = ["--name", "csirt.example", "--generation-time", "2025-06-01T00:00:00Z"]
RDP = FIXTURES / "rat/zeek-tsv/rdp.log"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "convert.md"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_events_prints_the_family_table(runner: CliRunner) -> None:
    result = runner.invoke(app, ["convert", "rat", "--events"])
    assert result.exit_code == 0
    rows = {line.split()[0]: line.split()[1] for line in result.stdout.splitlines()[1:]}
    assert rows["rdp-tunnel"] == "yes"
    assert rows["internal-session"] == "no"


def test_an_unknown_event_in_incident_is_refused_with_the_known_ones(runner: CliRunner) -> None:
    result = runner.invoke(app, ["convert", "rat", str(RDP), "--incident", "sesion=yes", *GEN])
    assert result.exit_code == 2
    assert "no event 'sesion'" in result.stderr
    assert "internal-session" in result.stderr


def test_summary_names_the_real_event_and_the_override(runner: CliRunner, tmp_path: Path) -> None:
    lines = tmp_path / "internal.jsonl"
    lines.write_text(
        '{"time": "2025-03-04T03:00:00Z", "event": "session", "source_ip": "10.1.2.3", "protocol": "rdp"}\n'
    )
    result = runner.invoke(app, ["convert", "rat", str(lines), *GEN])
    assert "(internal-session 1)" in result.stderr
    assert "--incident internal-session=yes" in result.stderr
    again = runner.invoke(app, ["convert", "rat", str(lines), "--incident", "internal-session=yes", *GEN])
    assert again.exit_code == 0
    assert "1 incident(s)" in again.stderr


def test_gzip_is_read_by_its_magic_bytes_from_a_file_and_from_stdin(
    runner: CliRunner, tmp_path: Path
) -> None:
    plain = runner.invoke(app, ["convert", "rat", str(RDP), *GEN])
    packed = tmp_path / "rdp.log.gz"
    packed.write_bytes(gzip.compress(RDP.read_bytes()))
    from_file = runner.invoke(app, ["convert", "rat", str(packed), *GEN])
    from_stdin = runner.invoke(app, ["convert", "rat", "-", *GEN], input=packed.read_bytes())
    assert from_file.exit_code == 0, from_file.stderr
    assert from_stdin.exit_code == 0, from_stdin.stderr
    assert canonical(from_file.stdout_bytes) == canonical(plain.stdout_bytes)
    assert canonical(from_stdin.stdout_bytes) == canonical(plain.stdout_bytes)


def test_without_name_the_placeholder_is_said_once(runner: CliRunner) -> None:
    result = runner.invoke(app, ["convert", "rat", str(RDP), str(RDP)])
    assert result.stderr.count("iodef.invalid") == 1


def test_an_undetectable_input_is_exit_2_with_the_formats_tried(runner: CliRunner, tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just notes\n")
    result = runner.invoke(app, ["convert", "rat", str(notes), *GEN])
    assert result.exit_code == 2
    assert "tried zeek-tsv" in result.stderr


def test_a_login_attack_given_to_spam_names_the_rat_family(runner: CliRunner) -> None:
    report = FIXTURES / "rat/xarf/login-attack-v4.json"
    result = runner.invoke(app, ["convert", "spam", str(report), *GEN])
    assert result.exit_code == 2
    assert "xarf of the rat family" in result.stderr


def test_a_headerless_export_through_a_toml_mapping_and_a_zone(runner: CliRunner, tmp_path: Path) -> None:
    export = tmp_path / "user14.csv"
    export.write_text(
        "SMS,receive,38400,38400,08/08/2014 13:59,94,SPAM,Get alerts, text CHE to 38400,,,\r\n"
        "SMS,receive,Etisalat,Etisalat,09/08/2014 08:10,95,HAM,Your balance is N50,,,,\r\n"
    )
    mapping = tmp_path / "map.toml"
    mapping.write_text(
        'time_format = "%d/%m/%Y %H:%M"\ntimezone = "Africa/Lagos"\n\n'
        '[columns]\nsender = "3"\ntime = "5"\nevent = "7"\nbody = "8+"\n'
    )
    result = runner.invoke(
        app, ["convert", "spam", str(export), "--from", "sms-csv", "--columns", str(mapping), *GEN]
    )
    assert result.exit_code == 0, result.stderr
    assert_valid_document(result.stdout_bytes)
    text = result.stdout_bytes.decode()
    assert "2014-08-08T12:59:00Z" in text  # 13:59 in Lagos (UTC+1)
    assert "Get alerts, text CHE to 38400" in text  # the spilled text joined back
    assert 'meaning="time-zone"' in text
    assert "(not-spam 1)" in result.stderr  # the HAM row


def test_a_mapping_naming_a_missing_column_is_reported(runner: CliRunner, tmp_path: Path) -> None:
    feed = FIXTURES / "spam/sms-csv/7726-feed.csv"
    result = runner.invoke(app, ["convert", "spam", str(feed), "--columns", "sender=From", *GEN])
    assert result.exit_code == 1
    assert "no column 'From'" in result.stderr


def test_the_python_examples_of_the_docs_run() -> None:
    for block in re.findall(r"```python\n(.*?)```", DOCS.read_text(), re.S):
        exec(compile(block, str(DOCS), "exec"), {})
