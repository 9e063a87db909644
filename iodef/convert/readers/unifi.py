"""UniFi Protect events as the console's ``/api/events`` returns them (a JSON array, or one per line).

Each event has ``type``, ``start``/``end`` in epoch milliseconds (``end`` null while open), the
``camera`` (or sensor, light) ID, the ``user`` ID, and ``metadata`` whose values are wrapped as
``{"text": ...}`` in newer firmware. Types map to VMS events: ``disconnect`` -> ``video-loss`` (the
camera left the console), ``access`` -> ``login`` (a user opened the console), ``motion``,
``smartDetectZone``, ``sensorMotion`` and ``lightMotion`` -> ``motion``, ``sensorOpened``/
``sensorClosed`` -> ``digital-input``, anything else (``ring``, ``nfcCardScanned``,
``fingerprintIdentified`` ...) -> ``other``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Final

from pydantic import ValidationError

from ...errors import RecordError
from ..vms import VmsRecord
from ._base import OnError, describe, json_objects

__all__ = ["read_unifi_protect"]

_TYPES: Final = {
    "disconnect": "video-loss",
    "access": "login",
    "motion": "motion",
    "smartdetectzone": "motion",
    "smartdetectline": "motion",
    "sensormotion": "motion",
    "lightmotion": "motion",
    "sensoropened": "digital-input",
    "sensorclosed": "digital-input",
}
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def _ms(value: Any, what: str) -> datetime:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} is not a time in epoch milliseconds")
    try:
        return _EPOCH + timedelta(milliseconds=value)
    except OverflowError:
        raise ValueError(f"{what} {value} is out of the range of dates") from None


def _meta(obj: dict[str, Any]) -> str | None:
    meta = obj.get("metadata")
    if not isinstance(meta, dict):
        return None
    parts = []
    for key, value in meta.items():
        if isinstance(value, dict):
            value = value.get("text")
        if value not in (None, "", []):
            parts.append(f"{key}={value}")
    return ", ".join(parts) or None


def _record(obj: dict[str, Any], name: str, line: int, raw: str) -> VmsRecord:
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise ValueError("the event has no type")
    device = obj.get("camera") or obj.get("sensor") or obj.get("light")
    smart = obj.get("smartDetectTypes") or []
    detail = " ".join(x for x in (kind, " ".join(str(s) for s in smart if s), _meta(obj) or "") if x)
    return VmsRecord(
        time=_ms(obj.get("start"), "start"),
        event=_TYPES.get(kind.lower(), "other"),
        format="unifi-protect",
        source=name,
        line=line,
        raw=raw,
        device=str(device) if device else None,
        device_kind="camera" if obj.get("camera") else "sensor",
        vendor="Ubiquiti",
        user=str(obj["user"]) if obj.get("user") else None,
        detail=detail or None,
    )


def read_unifi_protect(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[VmsRecord]:
    """Read UniFi Protect events (``/api/events``: a JSON array, pretty or not, or JSON lines)."""
    for number, raw, obj in json_objects(fh, name, on_error):
        try:
            record = _record(obj, name, number, raw)
        except (ValueError, ValidationError, TypeError) as exc:
            on_error(RecordError(f"bad UniFi Protect event: {describe(exc)}", source=name, line=number))
            continue
        yield record
