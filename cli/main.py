"""The ``iodef`` command's entry point.

``iodef --help`` imports no command module and ``iodef validate`` only its own
(:class:`iodef.cli._lazy.LazyGroup`). ``from iodef.cli.main import app`` gives the app with every
command module imported (for tests and tools that walk the commands).

No traceback reaches the user: an error nobody foresaw is reported in one line and exits 3 when it
is an I/O error (a full disk, a closed pipe) and 1 otherwise; ``IODEF_TRACEBACK=1`` shows it whole.
"""

from __future__ import annotations

import importlib
import itertools
import os
import sys
from typing import Any

from .app import COMMANDS, EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE
from .app import app as _app

__all__ = [
    "EXIT_INVALID",
    "EXIT_IO",
    "EXIT_OK",
    "EXIT_USAGE",
    "load_commands",
    "main",
]  # and `app`, on access


def load_commands() -> None:
    """Import every command module (``iodef`` itself imports them one at a time, when used)."""
    for module in dict.fromkeys(entry.module for entry in COMMANDS.values()):
        importlib.import_module(module)


def __getattr__(name: str) -> Any:
    if name == "app":
        load_commands()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


#: the shells ``--install-completion SHELL`` / ``--show-completion SHELL`` take by name
_SHELLS = frozenset({"bash", "zsh", "fish", "powershell", "pwsh"})


def _honour_explicit_shell(argv: list[str]) -> None:
    """Let ``--install-completion bash`` mean bash, wherever it runs.

    Typer's completion options are flags that detect the shell from the parent processes and
    ignore a shell named after them; started from a script, a service or anything that is not a
    shell, that detection fails ("Shell None is not supported"). With a shell named, Typer is told
    (through its own switch for this) to take the option's value instead.
    """
    options = ("--install-completion", "--show-completion")
    named = any(option in options and value in _SHELLS for option, value in itertools.pairwise(argv))
    named = named or any(
        option in options and value in _SHELLS for option, _, value in (arg.partition("=") for arg in argv)
    )
    if named:
        os.environ["_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION"] = "1"


def main() -> None:
    """Console-script entry point."""
    _honour_explicit_shell(sys.argv[1:])
    extra: dict[str, Any] = {"color": False} if os.environ.get("NO_COLOR") else {}
    try:
        _app(prog_name="iodef", **extra)
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("IODEF_TRACEBACK"):
            raise
        if isinstance(exc, BrokenPipeError):  # the reader went away: nothing more to say
            sys.exit(EXIT_IO)
        kind = "I/O error" if isinstance(exc, OSError) else "unexpected error"
        print(f"iodef: {kind}: {type(exc).__name__}: {exc}", file=sys.stderr)
        if not isinstance(exc, OSError):
            print("iodef: this is a bug; IODEF_TRACEBACK=1 shows where it happened", file=sys.stderr)
        sys.exit(EXIT_IO if isinstance(exc, OSError) else EXIT_INVALID)


if __name__ == "__main__":
    main()
