"""The GSMA RCS spam report (``application/vnd.gsma.rcsspam-report+xml``), alone or in the JSON
envelope chatbot platforms log it in.

The report is ``<SR xmlns="urn:gsma:params:xml:ns:rcs:rcs:spamreport">`` with ``Chatbot`` (the
reported chatbot's SIP URI), ``spam-type`` (may be empty: then ``spam``), ``free-text`` and any
number of ``Message-ID``. It carries no time and no reporter: in a JSON envelope (``bodyText``
holding the XML, plain or base64, beside ``senderAddress`` and a ``dateTime``/``timestamp``) they
come from the envelope; a bare report gets the time it is converted, and says so.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, Final

from pydantic import ValidationError

from ...errors import IODEFError, RecordError
from ...xml import parse_xml
from .._times import parse_time
from ..spam import SpamRecord
from ._base import OnError, describe, json_objects, peek_head, read_all
from ._xmlscan import local_name

__all__ = ["SR_NS", "read_rcs_report"]

SR_NS: Final = "urn:gsma:params:xml:ns:rcs:rcs:spamreport"
_TYPES: Final = {"": "spam", "spam": "spam", "fraud": "fraud", "scam": "fraud", "phishing": "phishing"}


def _sr_fields(xml: bytes, name: str) -> dict[str, Any]:
    root = parse_xml(xml, source_name=name)
    if local_name(root.tag) != "SR":
        raise ValueError(f"the document element is <{local_name(root.tag)}>, not an RCS spam report <SR>")
    fields: dict[str, Any] = {"Message-ID": []}
    for child in root:
        key = local_name(child.tag)
        text = (child.text or "").strip()
        if key == "Message-ID":
            fields["Message-ID"].append(text)
        elif key:
            fields[key] = text
    if not fields.get("Chatbot"):
        raise ValueError("the report names no Chatbot")
    return fields


def _record(
    fields: dict[str, Any],
    when: datetime,
    reporter: str | None,
    name: str,
    line: int,
    raw: str,
    note: str | None,
) -> SpamRecord:
    spam_type = str(fields.get("spam-type") or "").lower()
    comment = "; ".join(x for x in (fields.get("free-text"), note) if x) or None
    return SpamRecord(
        time=when,
        event=_TYPES.get(spam_type, "other"),
        format="rcs-report",
        source=name,
        line=line,
        raw=raw,
        channel="chatbot",
        sender=fields["Chatbot"],
        recipient=reporter,
        reporter=reporter,
        reported_at=when,
        message_id=", ".join(fields["Message-ID"]) or None,
        comment=comment,
    )


def _envelope(obj: dict[str, Any], name: str) -> tuple[dict[str, Any], datetime, str | None]:
    body = obj.get("bodyText") or obj.get("body")
    if not isinstance(body, str):
        raise ValueError("the envelope has no bodyText")
    text = body.strip()
    if not text.startswith("<"):
        try:
            xml = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("bodyText is neither XML nor base64") from None
    else:
        xml = text.encode("utf-8")
    when = obj.get("dateTime") or obj.get("timestamp") or obj.get("time")
    if not isinstance(when, str):
        raise ValueError("the envelope has no dateTime or timestamp")
    sender = obj.get("senderAddress") or obj.get("userId")
    return _sr_fields(xml, name), parse_time(when), str(sender) if sender else None


def read_rcs_report(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[SpamRecord]:
    """Read one ``<SR>`` document, or JSON envelopes (lines or an array) each holding one."""
    head, fh = peek_head(fh, 256)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        data = read_all(fh, name)
        try:
            fields = _sr_fields(data, name)
        except IODEFError as exc:
            on_error(RecordError(exc.message, source=name, line=exc.line or 1))
            return
        except ValueError as exc:
            on_error(RecordError(str(exc), source=name, line=1))
            return
        now = datetime.now(UTC).replace(microsecond=0)
        note = "the report carries no time; the time of conversion is given"
        try:
            yield _record(fields, now, None, name, 1, data.decode("utf-8", "replace"), note)
        except ValidationError as exc:
            on_error(RecordError(f"bad report: {describe(exc)}", source=name, line=1))
        return
    for number, raw, obj in json_objects(fh, name, on_error):
        try:
            fields, when, sender = _envelope(obj, name)
            record = _record(fields, when, sender, name, number, raw, None)
        except IODEFError as exc:
            on_error(RecordError(f"the report in bodyText: {exc.message}", source=name, line=number))
            continue
        except (ValueError, ValidationError, TypeError) as exc:
            on_error(RecordError(f"bad report: {describe(exc)}", source=name, line=number))
            continue
        yield record
