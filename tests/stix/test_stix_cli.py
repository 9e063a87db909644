"""`iodef stix export|import` end to end: through Typer's runner and a real process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import stix2
from iodef.cli.main import app
from typer.testing import CliRunner

from tests.conftest import FIXTURES, ROOT, canonical

runner = CliRunner()


def test_export_then_import_gives_the_document_back(tmp_path: Path) -> None:
    source = FIXTURES / "valid" / "every-element.xml"
    exported = runner.invoke(app, ["stix", "export", str(source)])
    assert exported.exit_code == 0, exported.stderr
    stix2.parse(exported.stdout, allow_custom=False)
    bundle = tmp_path / "b.json"
    bundle.write_bytes(exported.stdout_bytes)
    imported = runner.invoke(app, ["stix", "import", str(bundle)])
    assert imported.exit_code == 0, imported.stderr
    assert canonical(imported.stdout_bytes) == canonical(source.read_bytes())


def test_export_many_into_a_directory_and_notes_what_has_no_stix_object(tmp_path: Path) -> None:
    sources = [
        FIXTURES / "valid" / "minimal.xml",
        FIXTURES / "convert" / "spam" / "sms-csv" / "7726-feed.csv.iodef.xml",
    ]
    result = runner.invoke(app, ["stix", "export", "-o", str(tmp_path), *map(str, sources)])
    assert result.exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "7726-feed.csv.iodef.xml.stix.json",
        "minimal.xml.stix.json",
    ]
    assert "7726-feed.csv.iodef.xml: not mapped:" in result.stderr
    assert "minimal.xml: not mapped" not in result.stderr


def test_a_broken_input_is_reported_and_the_rest_still_done(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "bundle", "id": "bundle--1", "objects": [{"type": "nonsense"}]}')
    good = FIXTURES / "stix" / "foreign-bundle.json"
    out = tmp_path / "out"
    result = runner.invoke(app, ["stix", "import", "-o", str(out), str(bad), str(good)])
    assert result.exit_code == 1
    assert f"iodef stix import: {bad}: not a valid STIX 2.1 bundle" in result.stderr
    assert (out / "foreign-bundle.json.iodef.xml").is_file()
    assert "malware--2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b: IODEF has no place for it" in result.stderr


def test_import_of_several_bundles_needs_a_directory() -> None:
    good = str(FIXTURES / "stix" / "foreign-bundle.json")
    result = runner.invoke(app, ["stix", "import", good, good])
    assert result.exit_code == 2


def test_the_installed_command_pipes_export_into_import() -> None:
    source = FIXTURES / "valid" / "minimal.xml"
    iodef_cmd = [sys.executable, "-m", "iodef.cli.main"]
    exported = subprocess.run([*iodef_cmd, "stix", "export", str(source)], capture_output=True, check=True)
    assert json.loads(exported.stdout)["type"] == "bundle"
    imported = subprocess.run(
        [*iodef_cmd, "stix", "import", "-"], input=exported.stdout, capture_output=True, check=True
    )
    assert canonical(imported.stdout) == canonical(source.read_bytes())


def test_the_python_examples_in_the_docs_run(monkeypatch: Any) -> None:
    page = ROOT / "docs" / "stix.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    assert blocks
    monkeypatch.chdir(ROOT)
    for block in blocks:
        exec(compile(block, str(page), "exec"), {})
