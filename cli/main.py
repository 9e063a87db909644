"""The ``iodef`` command's entry point.

``iodef --help`` imports no command module and ``iodef validate`` only its own
(:class:`iodef.cli._lazy.LazyGroup`). ``from iodef.cli.main import app`` gives the app with every
command module imported (for tests and tools that walk the commands).

No traceback reaches the user: an error nobody foresaw is reported in one line and exits 3 when it
is an I/O error (a full disk, a closed pipe) and 1 otherwise; ``IODEF_TRACEBACK=1`` shows it whole.
"""

from __future__ import annotations

import importlib
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


def main() -> None:
    """Console-script entry point."""
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
