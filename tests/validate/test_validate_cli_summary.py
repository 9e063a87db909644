"""``iodef validate``: the JSON summary, the IODEF v1 note in ``issues``, ``--require-v2``."""

from __future__ import annotations

import json

from iodef.cli.main import app
from typer.testing import CliRunner

from tests.conftest import FIXTURES

V = FIXTURES / "validate"
V1 = V / "iodef-v1" / "valid-v1.xml"
V2 = V / "address" / "pass.xml"
runner = CliRunner()


def _json(*args: str) -> tuple[int, list[dict[str, object]], dict[str, object]]:
    result = runner.invoke(app, ["validate", "--format", "json", *args])
    *documents, last = [json.loads(line) for line in result.stdout.splitlines()]
    summary = last["summary"]
    assert isinstance(summary, dict)
    return result.exit_code, documents, summary


def test_json_ends_with_the_summary() -> None:
    code, documents, summary = _json(str(V2), str(V1))
    assert code == 0
    assert [d["status"] for d in documents] == ["valid", "valid"]
    assert summary == {
        "documents": 2,
        "valid": 2,
        "invalid": 0,
        "unreadable": 0,
        "iodef_v1": 1,
        "profile": "rfc7970",
    }


def test_quiet_json_keeps_the_machine_output_and_drops_the_words() -> None:
    """--quiet silences messages for people (stderr); the JSON on stdout, summary included, stays."""
    result = runner.invoke(app, ["validate", "--format", "json", "--quiet", str(V2)])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [doc["status"] for doc in lines[:-1]] == ["valid"]
    assert lines[-1] == {
        "summary": {
            "documents": 1,
            "valid": 1,
            "invalid": 0,
            "unreadable": 0,
            "iodef_v1": 0,
            "profile": "rfc7970",
        }
    }
    assert "documents" not in result.stderr


def test_a_v1_document_carries_its_note_in_issues() -> None:
    _code, (doc,), _summary = _json(str(V1))
    assert doc["version"] == "1.0"
    assert doc["status"] == "valid"
    notes = [i for i in doc["issues"] if i["rule"] == "iodef-v1"]  # type: ignore[attr-defined]
    assert [n["severity"] for n in notes] == ["note"]
    assert "RFC 5070" in notes[0]["message"]
    assert doc["errors"] == doc["warnings"] == 0


def test_require_v2_makes_a_v1_document_invalid() -> None:
    code, (v2, v1), summary = _json("--require-v2", str(V2), str(V1))
    assert code == 1
    assert v2["status"] == "valid"
    assert v1["status"] == "invalid"
    assert v1["issues"][0]["severity"] == "error"  # type: ignore[index]
    assert v1["issues"][0]["rule"] == "iodef-v1"  # type: ignore[index]
    assert summary["invalid"] == 1
    text = runner.invoke(app, ["validate", "--require-v2", str(V1)])
    assert text.exit_code == 1
    assert "error: /IODEF-Document: IODEF v1 document (RFC 5070); --require-v2" in text.stdout
    assert "note:" not in text.stdout
    assert runner.invoke(app, ["validate", str(V1)]).exit_code == 0
