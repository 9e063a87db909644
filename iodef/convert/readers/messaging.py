"""Spam reports from messaging platforms: RCS / 5G-message chatbot reports and XMPP spam reports.

- **RCS / 5G messaging chatbot reports** (``rcs-json``): what a MaaP chatbot platform receives when
  a user reports a chatbot's messages as spam (GSMA RCC.07 spam reporting; the platform's
  ``/notice/rcsspam`` callback carries ``messageId`` (a list), ``spamType`` and ``freeText``).
  One JSON object per line (a single object or a JSON array of them is accepted too), with the
  chatbot (``chatbotId``, or ``chatbot``/``botId``), the reporting user (``userId``, or
  ``user``/``msisdn``, a ``tel:`` URI or number), the time (``timestamp``, or ``time``/``reportTime``)
  and optionally the reported text (``messageText``). ``spamType`` (spam, phishing, fraud,
  malware, other) becomes the event.
- **XMPP spam reports** (``xmpp-report``, XEP-0377 with XEP-0191 blocking): ``<iq type='set'>``
  stanzas holding ``<block xmlns='urn:xmpp:blocking'><item jid='...'><report
  xmlns='urn:xmpp:reporting:1' reason='urn:xmpp:reporting:spam'>`` (or the older ``<spam/>`` /
  ``<abuse/>`` children), as a server logs them: one after another or inside any wrapper element.
  The report time is the stanza's XEP-0203 ``<delay stamp='...'/>``, which the logging server adds;
  a report without one is refused rather than given an invented time. ``stanza-id`` elements name
  the reported messages; ``<text>`` is the user's comment.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO, Any, Final

from lxml import etree
from pydantic import ValidationError

from ...errors import IODEFError, RecordError
from ...xml import parse_xml
from .._times import parse_time
from ..spam import SpamRecord
from ._base import OnError, describe, json_lines, peek_head, read_all
from ._xmlscan import ChildScan, local_name, scan_children

__all__ = ["read_rcs_json", "read_xmpp_report"]

_SPAM_TYPES: Final = {
    "spam": "spam",
    "advertising": "spam",
    "phishing": "phishing",
    "fraud": "fraud",
    "scam": "fraud",
    "malware": "malware",
    "abuse": "other",
    "other": "other",
}


def _first(obj: dict[str, Any], *keys: str) -> Any:
    for k in keys:
        if obj.get(k) not in (None, ""):
            return obj[k]
    return None


def _rcs_record(obj: Any, name: str, line: int, raw: str) -> SpamRecord:
    if not isinstance(obj, dict):
        raise ValueError("not a JSON object")
    bot = _first(obj, "chatbotId", "chatbot", "botId")
    if not isinstance(bot, str):
        raise ValueError("chatbotId is missing")
    when = _first(obj, "timestamp", "time", "reportTime")
    if not isinstance(when, str):
        raise ValueError("timestamp is missing")
    user = _first(obj, "userId", "user", "msisdn")
    ids = obj.get("messageId") or []
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list):
        raise ValueError("messageId is neither a list nor a string")
    spam_type = str(obj.get("spamType") or "spam").strip().lower()
    t = parse_time(when)
    return SpamRecord(
        time=t,
        event=_SPAM_TYPES.get(spam_type, "other"),
        format="rcs-json",
        source=name,
        line=line,
        raw=raw,
        channel="chatbot",
        sender=bot,
        recipient=str(user) if user is not None else None,
        reporter=str(user) if user is not None else None,
        reported_at=t,
        body=obj.get("messageText") or None,
        message_id=", ".join(str(i) for i in ids) or None,
        comment=obj.get("freeText") or None,
    )


def read_rcs_json(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[SpamRecord]:
    """Read RCS / 5G-message chatbot spam reports (JSON lines, or one JSON array)."""
    head, stream = peek_head(fh, 64)
    items: Iterator[tuple[int, str, Any]]
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        data = read_all(stream, name)
        try:
            whole = json.loads(data.decode("utf-8-sig"))
        except (ValueError, UnicodeDecodeError) as exc:
            on_error(RecordError(f"not a JSON array: {exc}", source=name, line=1))
            return
        items = iter([(1, json.dumps(o), o) for o in whole])
    else:
        items = json_lines(stream, name, on_error)
    for number, raw, obj in items:
        try:
            record = _rcs_record(obj, name, number, raw)
        except (ValueError, ValidationError, TypeError) as exc:
            on_error(RecordError(f"bad chatbot report: {describe(exc)}", source=name, line=number))
            continue
        yield record


BLOCKING: Final = "urn:xmpp:blocking"
REPORTING: Final = "urn:xmpp:reporting:1"
DELAY: Final = "urn:xmpp:delay"
SID: Final = "urn:xmpp:sid:0"
_REASONS: Final = {"urn:xmpp:reporting:spam": "spam", "urn:xmpp:reporting:abuse": "other"}


def _bare(jid: str | None) -> str | None:
    return jid.split("/", 1)[0] if jid else None


def _xmpp_container(root: Any) -> Any:
    """The element holding the stanzas: the wrapper, or the input's own root if it wraps them."""
    kids = [c for c in root if isinstance(c.tag, str)]
    if (
        len(kids) == 1
        and local_name(kids[0].tag) != "iq"
        and not (root.text or "").strip()
        and not (kids[0].tail or "").strip()
    ):
        return kids[0]
    return root


def _xmpp_reports(stanzas: ChildScan, name: str, on_error: OnError, offset: int) -> Iterator[Any]:
    """The XEP-0377 reports of each ``iq``; an ``iq`` that holds none is reported, not skipped."""
    for iq in stanzas:
        reports = list(iq.iter(f"{{{REPORTING}}}report"))
        if not reports:
            on_error(
                RecordError(
                    "an <iq> without an XEP-0377 <report>; it was not read",
                    source=name,
                    line=(iq.sourceline or 1) + offset,
                )
            )
            stanzas.reported += 1
        yield from reports


def read_xmpp_report(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[SpamRecord]:
    """Read XEP-0377 spam reports (``iq`` stanzas, one after another or wrapped)."""
    data = read_all(fh, name)
    body = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith(b"<?xml"):
        body = body[body.find(b"?>") + 2 :]
    offset = data.count(b"\n") - body.count(b"\n")
    try:
        root = parse_xml(b"<reports>" + body + b"</reports>", source_name=name)
    except IODEFError as exc:
        on_error(RecordError(exc.message, source=name, line=(exc.line or 1) + offset))
        return
    found = False
    stanzas = scan_children(
        _xmpp_container(root), "iq", name, on_error, offset=offset, last_line=body.count(b"\n") + 1
    )
    for report in _xmpp_reports(stanzas, name, on_error, offset):
        found = True
        line = (report.sourceline or 1) + offset
        try:
            item = report.getparent()
            if item is None or etree.QName(item).text != f"{{{BLOCKING}}}item" or not item.get("jid"):
                raise ValueError("the report is not inside a blocking <item jid='...'>")
            stanza = item
            while stanza.getparent() is not None and etree.QName(stanza).localname != "iq":
                stanza = stanza.getparent()
            delay = stanza.find(f".//{{{DELAY}}}delay")
            stamp = delay.get("stamp") if delay is not None else None
            note = None
            if delay is not None and not stamp:
                raise ValueError("the XEP-0203 <delay> has no stamp='...' giving the report's time")
            if not stamp:  # a client's own stanza, as the server receives it live: no delay
                stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
                note = "the stanza carries no XEP-0203 delay stamp; the time of conversion is given"
            reason = report.get("reason")
            if reason is None:
                kids = {etree.QName(c).localname for c in report if isinstance(c.tag, str)}
                reason = "urn:xmpp:reporting:spam" if "spam" in kids else "urn:xmpp:reporting:abuse"
            ids = [s.get("id") for s in report.iter(f"{{{SID}}}stanza-id") if s.get("id")]
            text_el = report.find(f"{{{REPORTING}}}text")
            reporter = _bare(stanza.get("from"))
            t = parse_time(str(stamp))
            record = SpamRecord(
                time=t,
                event=_REASONS.get(reason, "other"),
                format="xmpp-report",
                source=name,
                line=line,
                raw=etree.tostring(stanza, encoding="unicode", with_tail=False),
                channel="im",
                sender=_bare(str(item.get("jid"))) or "",
                recipient=reporter,
                reporter=reporter,
                reported_at=t,
                message_id=", ".join(str(i) for i in ids) or None,
                comment="; ".join(
                    x for x in ((text_el.text or "").strip() if text_el is not None else None, note) if x
                )
                or None,
            )
        except (ValueError, ValidationError) as exc:
            on_error(RecordError(f"spam report: {describe(exc)}", source=name, line=line))
            continue
        yield record
    if not found and not stanzas.reported:
        on_error(
            RecordError("no XEP-0377 <report xmlns='urn:xmpp:reporting:1'> in the input", source=name, line=1)
        )
