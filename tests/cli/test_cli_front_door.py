"""What a newcomer tries first: --version, completion, --quiet, colour on a terminal only."""

from __future__ import annotations

import os
import pty
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import pytest
from cli_helpers import IODEF, iodef, walk

from tests.conftest import FIXTURES

ONE = str(FIXTURES / "valid" / "minimal.xml")
BAD = str(FIXTURES / "validate" / "address" / "fail.xml")
SMS = str(FIXTURES / "convert" / "spam" / "sms-csv" / "7726-feed.csv")
CLOSED = "http://127.0.0.1:9/feeds/incidents"  # the discard port: nothing listens there
PROGRAM = Path(sys.executable).parent / "iodef"  # the console script pip installed


def test_version() -> None:
    done = iodef("--version")
    assert done.returncode == 0
    assert done.stdout == f"iodef {version('iodef')}\n"


# -- shell completion ---------------------------------------------------------------------------------


def complete(words: str, index: int) -> list[str]:
    """What bash offers for ``COMP_WORDS=words`` at word *index*, through the script we install."""
    if shutil.which("bash") is None or not PROGRAM.exists():
        pytest.skip("needs bash and the installed iodef script")
    script = subprocess.run(
        [str(PROGRAM), "--show-completion", "bash"], capture_output=True, text=True, check=True
    )
    assert "_IODEF_COMPLETE=complete_bash" in script.stdout
    shell = (
        f"{script.stdout}\n"
        f"COMP_WORDS=({words}); COMP_CWORD={index}; _iodef_completion iodef\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    env = {**os.environ, "PATH": f"{PROGRAM.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, env=env, check=True)
    return done.stdout.split()


def test_bash_completes_commands_subcommands_and_choices() -> None:
    assert complete("iodef va", 1) == ["validate"]
    assert complete("iodef outbox ''", 2) == ["list", "flush", "drop", "requeue", "purge-dead"]
    assert complete("iodef serve --sqlite-sync ''", 3) == ["full", "normal"]
    assert "--retries" in complete("iodef send --re", 2)


def test_install_completion_writes_the_script_and_sources_it(tmp_path: Path) -> None:
    done = iodef("--install-completion", "bash", env={"HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr
    script = tmp_path / ".bash_completions" / "iodef.sh"
    assert "_iodef_completion" in script.read_text()
    assert f"source '{script}'" in (tmp_path / ".bashrc").read_text()


_ORPHAN = """
import os, subprocess, sys, time
out, argv = sys.argv[1], sys.argv[2:]
if os.fork():
    os._exit(0)  # the child is orphaned: no shell among the processes above it
os.setsid()
time.sleep(0.2)
done = subprocess.run(argv, capture_output=True, text=True)
with open(out + ".tmp", "w") as fh:
    fh.write(f"{done.returncode}\\n{done.stdout}{done.stderr}")
os.replace(out + ".tmp", out)
"""


def _run_orphaned(tmp_path: Path, *args: str) -> tuple[int, str]:
    """Run iodef with no shell above it (as from a service or a script's daemon)."""
    if not PROGRAM.exists() or not hasattr(os, "fork"):
        pytest.skip("needs the installed iodef script and fork()")
    result = tmp_path / "result.txt"
    result.unlink(missing_ok=True)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", _ORPHAN, str(result), str(PROGRAM), *args], env=env, check=True)
    for _ in range(600):
        if result.exists():
            code, _, text = result.read_text().partition("\n")
            return int(code), text
        time.sleep(0.1)
    raise AssertionError("the orphaned iodef did not finish in 60 s")


def test_a_named_shell_is_used_where_none_can_be_detected(tmp_path: Path) -> None:
    # Typer's own options detect the shell from the parent processes and ignore the name
    code, text = _run_orphaned(tmp_path, "--install-completion", "bash")
    assert code == 0, text
    assert "bash completion installed" in text
    assert "_iodef_completion" in (tmp_path / ".bash_completions" / "iodef.sh").read_text()
    code, text = _run_orphaned(tmp_path, "--show-completion=zsh")
    assert code == 0, text
    assert "#compdef iodef" in text


# -- --quiet ------------------------------------------------------------------------------------------


def test_every_command_has_quiet() -> None:
    for path, command in walk():
        if path and not hasattr(command, "commands"):
            options = {opt for param in command.params for opt in param.opts}
            assert {"--quiet", "-q"} <= options, f"iodef {' '.join(path)} has no --quiet"


def test_quiet_keeps_output_and_errors_and_drops_the_summary(tmp_path: Path) -> None:
    loud = iodef("convert", "spam", SMS, "--format", "json-summary")
    quiet = iodef("convert", "spam", SMS, "--format", "json-summary", "--quiet")
    assert loud.returncode == quiet.returncode == 0
    assert "record(s) read" in loud.stderr
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout  # machine output untouched

    loud = iodef("validate", "--format", "json", BAD)
    quiet = iodef("validate", "--format", "json", "-q", BAD)
    assert loud.returncode == quiet.returncode == 1
    assert "1 document" in loud.stderr
    assert quiet.stderr == ""
    assert quiet.stdout == loud.stdout

    missing = iodef("validate", "-q", str(tmp_path / "gone.xml"))
    assert missing.returncode == 3
    assert "no such file" in missing.stdout  # the problem is reported, the summary is not
    assert "document" not in missing.stdout


def test_quiet_send_still_says_what_failed(tmp_path: Path) -> None:
    args = ["send", ONE, "--to", CLOSED, "--retries", "1", "--outbox", str(tmp_path / "o.sqlite")]
    loud = iodef(*args)
    quiet = iodef(*args, "--quiet")
    assert loud.returncode == quiet.returncode == 3
    assert "iodef send: 0 delivered" in loud.stderr
    assert "iodef send:" not in quiet.stderr
    assert "wait in the outbox" in quiet.stderr  # why the exit code is 3
    assert quiet.stdout.startswith("queued")

    listed = iodef("outbox", "list", "--outbox", str(tmp_path / "o.sqlite"), "-q")
    assert listed.returncode == 0
    assert listed.stderr == ""
    assert "minimal.xml" in listed.stdout


def test_quiet_pull_still_reports_the_network_error(tmp_path: Path) -> None:
    done = iodef("pull", CLOSED, "-o", str(tmp_path), "--retries", "1", "-q")
    assert done.returncode == 3
    assert done.stderr.startswith("iodef pull:")


# -- colour on a terminal only -----------------------------------------------------------------------


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> bytes:
    """Run ``iodef ARGS`` with stdout and stderr on a pseudo-terminal; everything it wrote."""
    leader, follower = pty.openpty()
    inherited = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    full_env = {**inherited, "TERM": "xterm", **(env or {})}
    proc = subprocess.Popen([*IODEF, *args], stdout=follower, stderr=follower, env=full_env)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed with the process
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=60)
    os.close(leader)
    return b"".join(chunks)


def test_colour_on_a_terminal_never_in_a_pipe_and_not_with_no_color() -> None:
    terminal = on_a_terminal("validate", BAD)
    assert b"\x1b[1;31merror\x1b[0m" in terminal
    piped = iodef("validate", BAD, env={"TERM": "xterm"})
    assert ": error: " in piped.stdout
    assert "\x1b[" not in piped.stdout + piped.stderr
    plain = on_a_terminal("validate", BAD, env={"NO_COLOR": "1"})
    assert b": error: " in plain
    assert b"\x1b[" not in plain


def test_no_colour_on_a_dumb_terminal() -> None:
    assert b"\x1b[" not in on_a_terminal("validate", BAD, env={"TERM": "dumb"})


# -- durations ------------------------------------------------------------------------------------------


def test_a_window_without_a_unit_is_refused_with_the_units() -> None:
    done = iodef("convert", "spam", SMS, "--window", "90")
    assert done.returncode == 2
    assert "--window '90' has no unit" in done.stderr
    assert "s, m, h or d" in done.stderr
    assert iodef("convert", "spam", SMS, "--window", "90s", "-q", "--format", "json-summary").returncode == 0


def test_no_color_also_reaches_typer_s_own_messages(tmp_path: Path) -> None:
    home = {"HOME": str(tmp_path)}
    assert b"\x1b[32mbash completion installed" in on_a_terminal("--install-completion", "bash", env=home)
    plain = on_a_terminal("--install-completion", "bash", env={**home, "NO_COLOR": "1"})
    assert b"bash completion installed" in plain
    assert b"\x1b[" not in plain
