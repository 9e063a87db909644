"""`iodef fmt --to json|cbor|xml` and `iodef validate` on JSON/CBOR, through the CLI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from iodef.cli.main import app
from typer.testing import CliRunner

from tests.conftest import FIXTURES, canonical

runner = CliRunner()
EVERY = FIXTURES / "valid" / "every-element.xml"


def test_fmt_xml_to_json_to_cbor_to_xml_keeps_the_document(tmp_path: Path) -> None:
    as_json = runner.invoke(app, ["fmt", "--to", "json", str(EVERY)])
    assert as_json.exit_code == 0, as_json.stderr
    assert json.loads(as_json.stdout)["Incident"][0]["IncidentID"]["id"]
    as_cbor = runner.invoke(app, ["fmt", "--to", "cbor", "-"], input=as_json.stdout_bytes)
    assert as_cbor.exit_code == 0, as_cbor.stderr
    back = runner.invoke(app, ["fmt", "-"], input=as_cbor.stdout_bytes)
    assert back.exit_code == 0, back.stderr
    assert canonical(back.stdout_bytes) == canonical(EVERY.read_bytes())


def test_fmt_several_inputs_into_a_directory_and_a_bad_one_does_not_stop_the_rest(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": "2.00", "version": "2.00"}')
    minimal = FIXTURES / "valid" / "minimal.xml"
    result = runner.invoke(
        app, ["fmt", "--to", "json", str(bad), str(minimal), str(EVERY), "-o", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert f"{bad}: the member name 'version' occurs twice" in result.stderr
    assert json.loads((tmp_path / "minimal.json").read_text())["version"] == "2.00"
    assert (tmp_path / "every-element.json").is_file()


def test_fmt_refuses_what_json_cannot_carry_unless_allowed() -> None:
    lossy = FIXTURES / "lossless" / "open-content.xml"
    refused = runner.invoke(app, ["fmt", "--to", "json", str(lossy)])
    assert refused.exit_code == 1
    assert "RFC 8727 JSON cannot carry" in refused.stderr
    assert "--allow-loss" in refused.stderr
    allowed = runner.invoke(app, ["fmt", "--to", "json", "--allow-loss", str(lossy)])
    assert allowed.exit_code == 0


def test_validate_takes_json_and_cbor_detected_by_content(tmp_path: Path) -> None:
    as_json = tmp_path / "doc.json"
    as_json.write_bytes(runner.invoke(app, ["fmt", "--to", "json", str(EVERY)]).stdout_bytes)
    as_cbor = tmp_path / "doc.cbor"
    runner.invoke(app, ["fmt", "--to", "cbor", str(EVERY), "-o", str(as_cbor)])
    result = runner.invoke(app, ["validate", str(as_json), str(as_cbor)])
    assert result.exit_code == 0, result.stdout
    assert "2 valid" in result.stdout + result.stderr


def test_validate_reports_the_json_schema_and_the_rules_for_bad_json(tmp_path: Path) -> None:
    data = json.loads(runner.invoke(app, ["fmt", "--to", "json", str(EVERY)]).stdout)
    data["Incident"][0]["purpose"] = "gossip"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = runner.invoke(app, ["validate", "--format", "json", str(bad)])
    assert result.exit_code == 1
    report = json.loads(result.stdout.splitlines()[0])
    rules = {issue["rule"] for issue in report["issues"]}
    assert "json-schema" in rules
    assert any(issue["path"] == "$.Incident[0].purpose" for issue in report["issues"])


def test_validate_reports_unreadable_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"[" * 10000)
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert "nested too deeply" in result.stdout + result.stderr


def test_real_process_converts_to_json() -> None:
    exe = shutil.which("iodef", path=str(Path(sys.executable).parent))
    assert exe is not None
    done = subprocess.run(
        [exe, "fmt", "--to", "json", str(EVERY)], capture_output=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["lang"] == "en"


def test_validate_findings_for_json_carry_no_xml_line_numbers(tmp_path: Path) -> None:
    data = json.loads(runner.invoke(app, ["fmt", "--to", "json", str(EVERY)]).stdout)
    data["Incident"][0]["purpose"] = "gossip"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    result = runner.invoke(app, ["validate", str(bad)])
    findings = [line for line in result.stdout.splitlines() if line.startswith(str(bad))]
    assert findings
    assert all(line.startswith(f"{bad}: ") for line in findings)
