"""What every command shares about the screen: ``--quiet``, messages for people, colour.

- Machine output (reports, documents, JSON) goes to stdout and is never affected by ``--quiet``.
- :func:`info` writes a message for people (summaries, hints, "listening on ...") to stderr,
  unless ``--quiet`` was given; errors are written with ``typer.echo(..., err=True)`` as before
  and are never silenced.
- :func:`progress_wanted` says whether to draw a progress bar: stderr is a terminal, not quiet.
- :func:`paint` colours text only for a terminal, never for a pipe or a file, and not at all when
  ``NO_COLOR`` is set (https://no-color.org) or ``TERM=dumb``.

Every command declares ``quiet: Quiet = False``; the option's callback records the choice in the
Click context, so :func:`is_quiet` needs no argument and nothing leaks from one run to the next.
"""

from __future__ import annotations

import os
import sys
from typing import IO, Annotated, Any

import typer
from typer._click.globals import get_current_context  # Typer ships its own Click

__all__ = ["Quiet", "info", "is_quiet", "paint", "progress_wanted", "wants_colour"]

_QUIET_KEY = "iodef.quiet"


def _remember_quiet(ctx: typer.Context, value: bool) -> bool:
    if value:
        ctx.meta[_QUIET_KEY] = True
    return value


#: the ``--quiet`` / ``-q`` option every command declares (``quiet: Quiet = False``)
Quiet = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="No messages for people on stderr (summaries, progress); output and errors stay.",
        callback=_remember_quiet,
    ),
]


def is_quiet() -> bool:
    """Whether the command being run was given ``--quiet``."""
    ctx = get_current_context(silent=True)
    return bool(ctx is not None and ctx.meta.get(_QUIET_KEY))


def info(message: str) -> None:
    """A message for people on stderr (a summary, a hint); left out under ``--quiet``."""
    if not is_quiet():
        typer.echo(message, err=True)


def progress_wanted(stream: IO[Any] | None = None) -> bool:
    """Draw a progress bar? Only on a terminal, and not under ``--quiet``."""
    stream = sys.stderr if stream is None else stream
    return _isatty(stream) and not is_quiet()


def wants_colour(stream: IO[Any]) -> bool:
    """Colour for *stream*: a terminal, ``NO_COLOR`` unset or empty, and ``TERM`` not ``dumb``."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return _isatty(stream)


_COLOURS = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}


def paint(text: str, colour: str, stream: IO[Any], *, bold: bool = False) -> str:
    """*text* in *colour* when :func:`wants_colour` for *stream*, else *text* unchanged."""
    if not wants_colour(stream):
        return text
    codes = f"{'1;' if bold else ''}{_COLOURS[colour]}"
    return f"\033[{codes}m{text}\033[0m"


def _isatty(stream: IO[Any]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
