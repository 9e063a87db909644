"""Helpers for the tests of the command line as a whole (``tests/cli``)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import typer.main
from iodef.cli.main import app
from typer._click import Command, Context

#: the installed entry point, run as a program (``main()``, not Typer's test runner)
IODEF = [sys.executable, "-m", "iodef.cli.main"]


def iodef(
    *args: str, env: Mapping[str, str] | None = None, stdin: bytes | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``iodef ARGS`` as a separate process; text output, never raises on a non-zero exit."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [*IODEF, *args],
        input=stdin.decode() if stdin is not None else None,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


def root_command() -> Any:
    """The Click group behind ``iodef``, every command module imported."""
    return typer.main.get_command(app)


def walk(group: Any | None = None, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Command]]:
    """Every command and group under *group* with its words: ((), root), (("validate",), ...), ..."""
    group = root_command() if group is None else group
    yield path, group
    if hasattr(group, "commands"):
        ctx = Context(group, info_name=path[-1] if path else "iodef")
        for name in group.list_commands(ctx):
            yield from walk(group.get_command(ctx, name), (*path, name))


def leaf_commands() -> list[tuple[tuple[str, ...], Command]]:
    """The commands that do something (not the groups)."""
    return [(path, cmd) for path, cmd in walk() if not hasattr(cmd, "commands")]
