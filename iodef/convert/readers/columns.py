"""Operators' CSV exports differ: a column mapping onto the reader's columns, a time format, a zone.

``--columns sender=From,time=Date,body=Text`` (or a TOML file with a ``[columns]`` table and
optional ``time_format``/``timezone`` keys) names, for each field of the family's canonical record,
the column that holds it: by header name, or by 1-based position for a file without a header row
(``sender=3,time=5,body=8+``; ``N+`` joins column N and all after it with commas, for text that was
written unquoted and spilled into the next columns). Record field names are translated to the
reader's own column names (``sender`` is ``spam_sender`` in the SMS feed); the reader's own names
are accepted as well.

``--time-format`` is a :func:`datetime.strptime` format for the time columns; a time without a zone
is taken in ``--timezone`` (an IANA name or ``UTC``; default UTC), and the documents say so.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .._times import in_range, parse_time

__all__ = ["ALIASES", "ReadOptions", "parse_columns"]

#: per reader: canonical record field -> the reader's column
ALIASES: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "sms-csv": {
        "time": ("received_at", "reported_at"),
        "sender": ("spam_sender",),
        "body": ("spam_text",),
        "recipient": ("reporter_msisdn",),
        "reporter": ("reporter_msisdn",),
        "event": ("category",),
        "operator": ("reporter_operator",),
    },
    "x1247-csv": {
        "time": ("event_start",),
        "end_time": ("event_end",),
        "sender": ("reported_number",),
        "recipient": ("reporter_msisdn",),
        "reporter": ("reporter_msisdn",),
        "reported_at": ("feedback_at",),
        "event": ("category",),
        "comment": ("free_text",),
        "reported_via": ("antispam_number",),
    },
    "vms-audit-csv": {
        "time": ("timestamp",),
        "event": ("action",),
        "source_ip": ("client_ip",),
        "device": ("camera_id",),
        "detail": ("details",),
    },
}


@dataclass(frozen=True)
class ReadOptions:
    """How to read an operator's CSV export: column mapping, time format, time zone."""

    columns: Mapping[str, str] = field(default_factory=dict)
    time_format: str | None = None
    timezone: str = "UTC"

    @property
    def zone(self) -> tzinfo:
        if self.timezone.upper() in ("UTC", "Z"):
            return UTC
        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {self.timezone!r}; use an IANA name such as Europe/Berlin"
            ) from None

    @property
    def active(self) -> bool:
        return bool(self.columns) or self.time_format is not None or self.zone is not UTC

    def time_parser(self) -> Callable[[str], datetime]:
        """Text -> aware datetime: with the time format if given, else ISO 8601; naive -> the zone."""
        fmt, zone = self.time_format, self.zone

        def parse(text: str) -> datetime:
            s = text.strip()
            if fmt is not None:
                dt = datetime.strptime(s, fmt)
                return in_range(dt if dt.tzinfo else dt.replace(tzinfo=zone))
            if zone is UTC:
                return parse_time(s)
            dt = parse_time(s)
            has_zone = s.endswith(("Z", "z")) or (len(s) > 19 and s[-6] in "+-")
            return dt if has_zone else in_range(dt.replace(tzinfo=zone))

        return parse

    def note(self) -> str | None:
        """What the documents should say about how times were read, when not plain ISO in UTC."""
        if self.time_format is None and self.zone is UTC:
            return None
        return f"times without a zone were read in {self.timezone}" + (
            f" with the format {self.time_format!r}" if self.time_format else ""
        )

    def header_for(self, reader: str, header: list[str] | None, width: int) -> tuple[list[str], bool]:
        """The canonical header for a file: its own header renamed by the mapping, or (for a file
        without one, when the mapping names positions) a header built from the mapping. The flag
        says whether the first row was a header row (and so is not a record)."""
        aliases = ALIASES.get(reader, {})
        positional = bool(self.columns) and all(v.rstrip("+").isdigit() for v in self.columns.values())
        if positional:
            names = [f"#{i + 1}" for i in range(width)]
        else:
            names = [h.strip().lower() for h in header or []]
        for key, column in self.columns.items():
            targets = aliases.get(key, (key,))
            want = f"#{column.rstrip('+')}" if positional else column.strip().lower()
            if want not in names:
                raise ValueError(f"--columns {key}={column}: the file has no column {column!r}")
            i = names.index(want)
            names[i] = targets[0]
            for extra in targets[1:]:
                if extra not in names:
                    names.append(extra)  # filled from the first target by spread()
        return names, not positional

    def spread(self, reader: str, names: list[str], row: list[str]) -> list[str]:
        """*row* fitted to *names*: spilled text joined back, alias copies filled in."""
        width = len(names)
        for _key, column in self.columns.items():
            if column.endswith("+") and column[:-1].isdigit():
                i = int(column[:-1]) - 1
                row = [*row[:i], ",".join(row[i:]).rstrip(","), *([""] * max(0, len(row) - i - 1))]
        row = row[:width] + [""] * max(0, width - len(row))
        aliases = ALIASES.get(reader, {})
        for key in self.columns:
            targets = aliases.get(key, ())
            if len(targets) > 1:
                src = names.index(targets[0])
                for extra in targets[1:]:
                    j = names.index(extra)
                    if not row[j]:
                        row[j] = row[src]
        return row


def parse_columns(
    text: str | None, time_format: str | None = None, timezone: str | None = None
) -> ReadOptions:
    """``--columns`` (``field=column,...`` or a TOML file) with ``--time-format``/``--timezone``."""
    columns: dict[str, str] = {}
    fmt, zone = time_format, timezone
    if text:
        path = Path(text)
        if text.endswith(".toml") or (path.is_file() and "=" not in text):
            try:
                data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError) as exc:
                raise ValueError(f"--columns {text}: {exc}") from None
            table = data.get("columns", {})
            if not isinstance(table, dict):
                raise ValueError(f"--columns {text}: [columns] is not a table")
            columns = {str(k): str(v) for k, v in table.items()}
            fmt = fmt or data.get("time_format")
            zone = zone or data.get("timezone")
        else:
            for item in text.split(","):
                key, sep, value = item.partition("=")
                if not sep or not key.strip() or not value.strip():
                    raise ValueError(f"--columns {item!r}: write FIELD=COLUMN, e.g. sender=From")
                columns[key.strip()] = value.strip()
    opts = ReadOptions(columns=columns, time_format=fmt, timezone=zone or "UTC")
    _ = opts.zone  # refuse an unknown zone now
    return opts
