"""No traceback, ever: every command given a garbage argument or a missing file exits 2 or 3 with a
sentence, as the installed program (``main()``) runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import iodef, leaf_commands

from tests.conftest import FIXTURES

ONE = str(FIXTURES / "valid" / "minimal.xml")
CLOSED = "http://127.0.0.1:9/feeds/incidents"  # the discard port: nothing listens there

#: (arguments, expected exit code, a word the message must contain); {tmp} is a fresh directory
CASES: list[tuple[list[str], int, str]] = [
    (["--bogus"], 2, "No such option"),
    (["bogus"], 2, "No such command"),
    (["validate", "--bogus", ONE], 2, "No such option"),
    (["validate", "{tmp}/missing.xml"], 3, "no such file"),
    (["fmt", "--bogus", ONE], 2, "No such option"),
    (["fmt", "{tmp}/missing.xml"], 3, "No such file"),
    (["fmt", ONE, "-o", "{tmp}/no/such/dir/out.xml"], 3, "cannot write"),
    (["convert", "bogus", ONE], 2, "'bogus' is not one of"),
    (["convert", "spam", "--bogus", ONE], 2, "No such option"),
    (["convert", "spam", "{tmp}/missing.eml"], 3, "No such file"),
    (["convert", "spam", "{tmp}/missing.eml", "--window", "90"], 2, "no unit"),
    (["send", "--bogus", ONE], 2, "No such option"),
    (["send", "{tmp}/missing.xml", "--to", CLOSED, "--outbox", "{tmp}/o.sqlite"], 3, "No such file"),
    (["send", ONE, "--to", "ftp://peer/feed", "--outbox", "{tmp}/o.sqlite"], 2, "not an http(s) URL"),
    (["pull", "--bogus"], 2, "No such option"),
    (["pull", CLOSED, "-o", "{tmp}/in", "--config", "{tmp}/missing.toml"], 2, "No such file"),
    (["pull", CLOSED, "-o", "{tmp}/in", "--retries", "1"], 3, "iodef pull:"),
    (["upgrade", "--bogus", ONE], 2, "No such option"),
    (["upgrade", "{tmp}/missing.xml"], 3, "No such file"),
    (["stix", "bogus"], 2, "No such command"),
    (["stix", "export", "{tmp}/missing.xml"], 3, "No such file"),
    (["stix", "import", "{tmp}/missing.json"], 3, "No such file"),
    (["sign", "--bogus", ONE], 2, "No such option"),
    (["sign", "--key", "{tmp}/k.pem", "--cert", "{tmp}/c.pem", ONE], 3, "No such file"),
    (["verify", "--bogus", ONE], 2, "No such option"),
    (["verify", "--cert", "{tmp}/c.pem", "{tmp}/missing.xml"], 3, "No such file"),
    (["redact", "--bogus", ONE], 2, "No such option"),
    (["redact", "{tmp}/missing.xml", "--above", "green"], 3, "No such file"),
    (["outbox", "bogus"], 2, "No such command"),
    (["outbox", "list", "--bogus"], 2, "No such option"),
    (["outbox", "list", "--outbox", "{tmp}"], 3, "iodef outbox:"),
    (["outbox", "flush", "--bogus"], 2, "No such option"),
    (["outbox", "flush", "--outbox", "{tmp}"], 3, "iodef outbox:"),
    (["serve", "--bogus"], 2, "No such option"),
    (["serve", "--insecure-http", "--peers", "{tmp}/missing.toml"], 2, "No such file"),
    (["serve", "--upgrade-v1", "--insecure-http", "--peers", "{tmp}/missing.toml"], 2, "No such file"),
    (
        ["serve", "--no-auth", "--port", "0", "--tls-cert", "{tmp}/missing.pem", "--tls-key", "{tmp}/k.pem"],
        3,
        "iodef serve:",
    ),
]


@pytest.mark.parametrize(("args", "code", "words"), CASES, ids=[" ".join(c[0]) for c in CASES])
def test_no_traceback_and_the_documented_exit_code(
    args: list[str], code: int, words: str, tmp_path: Path
) -> None:
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    done = iodef(*argv, env={"IODEF_TOKEN": ""}, timeout=60)
    assert "Traceback" not in done.stderr + done.stdout
    assert done.returncode == code, done.stderr
    assert words.lower() in (done.stderr + done.stdout).lower()  # validate reports on stdout


def test_every_command_is_tried_with_garbage_and_with_a_missing_file() -> None:
    tried = {
        tuple(a for a in args if not a.startswith("-") and "/" not in a and a != "bogus")[:2]
        for args, _, _ in CASES
    }
    for path, _ in leaf_commands():
        assert path in tried or path[:1] in tried, f"iodef {' '.join(path)} has no exit-code case"


def test_an_unforeseen_error_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from iodef.cli.app import app\n"
        "@app.command('boom')\n"
        "def boom() -> None:\n"
        "    raise RuntimeError('kaboom')\n"
        "sys.argv = ['iodef', 'boom']\n"
        "from iodef.cli.main import main\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "iodef: unexpected error: RuntimeError: kaboom" in done.stderr
    shown = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "IODEF_TRACEBACK": "1"},
    )
    assert "Traceback" in shown.stderr
    assert "kaboom" in shown.stderr
