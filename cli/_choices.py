"""The fixed choices of the command line, as enums so that Typer lists them in ``--help`` and
refuses anything else with a usage error (exit 2).

They are spelled out here rather than imported from the library so that loading a command does
not load the typed model or the validator just to know its options; ``tests/cli/test_choices.py``
checks each against the library's own list, so the two cannot drift.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PROFILE_HELP", "LogLevel", "OutputFormat", "Profile", "Restriction", "SqliteSync"]


class OutputFormat(StrEnum):
    """``--format``: lines for people, or JSON (one object per line) for programs."""

    text = "text"
    json = "json"


class Profile(StrEnum):
    """``--profile``: which XSD the validator uses (:data:`iodef.validate.PROFILES`)."""

    rfc7970 = "rfc7970"
    rfc7970_errata = "rfc7970-errata"


PROFILE_HELP = (
    "rfc7970: the schema as published; rfc7970-errata: with errata 5543, 5544, 5583 applied and the RFC's "
    "prose followed where it is right (docs/rfc7970-conflicts.md)."
)


class Restriction(StrEnum):
    """RFC 7970 §3.3.1 restriction values (the registry, without ``ext-value``)."""

    public = "public"
    partner = "partner"
    need_to_know = "need-to-know"
    private = "private"
    default = "default"
    white = "white"
    green = "green"
    amber = "amber"
    red = "red"


class SqliteSync(StrEnum):
    """``iodef serve --sqlite-sync``: SQLite's ``synchronous`` pragma for the store."""

    full = "full"
    normal = "normal"


class LogLevel(StrEnum):
    """``iodef serve --log-level``: uvicorn's log levels."""

    critical = "critical"
    error = "error"
    warning = "warning"
    info = "info"
    debug = "debug"
    trace = "trace"
