"""The ``iodef`` command: one Typer app, one module per command group.

Only the module of the command being run is imported, so ``iodef validate`` does not pay for
the typed model, httpx or SQLAlchemy; ``iodef --help`` (or an unknown word) loads them all.
``from iodef.cli.main import app`` gives the app with every command registered.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import Any

from .app import EXIT_INVALID, EXIT_IO, EXIT_OK, EXIT_USAGE
from .app import app as _app

__all__ = [
    "EXIT_INVALID",
    "EXIT_IO",
    "EXIT_OK",
    "EXIT_USAGE",
    "load_commands",
    "main",
]  # and `app`, on access

#: command word -> the module that registers it
COMMAND_MODULES = {
    "fmt": "fmt",
    "upgrade": "upgrade",
    "validate": "validate",
    "convert": "convert",
    "send": "exchange",
    "serve": "exchange",
    "pull": "exchange",
    "outbox": "exchange",
    "stix": "stix",
    "sign": "sign",
    "verify": "sign",
    "redact": "exchange",
}


def load_commands(argv: Sequence[str] | None = None) -> None:
    """Import the command module *argv* asks for, or every command module."""
    word = next((a for a in argv or () if not a.startswith("-")), None)
    if word in COMMAND_MODULES:
        module = COMMAND_MODULES[word]
        if module is not None:
            importlib.import_module(f".{module}", __package__)
        return
    for module in sorted({m for m in COMMAND_MODULES.values() if m is not None}):
        importlib.import_module(f".{module}", __package__)


def __getattr__(name: str) -> Any:
    if name == "app":
        load_commands()
        return _app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Console-script entry point."""
    load_commands(sys.argv[1:])
    _app()


if __name__ == "__main__":
    main()
