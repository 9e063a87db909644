"""XARF abuse reports, v3 and v4, for the spam family (messaging) and the rat family (log-in attacks).

- **X-ARF v3** as abusix publishes it (``Version`` "3", ``ReporterInfo``, ``Report`` with
  ``ReportClass``/``ReportType``, ``SourceIp``, ``Samples``) and as the xarf-spec samples lay it out
  (``Version`` "3.0.0", ``Report.Source`` with ``URL``/``Type`` instead of ``SourceIp``,
  ``Attachment`` instead of ``Samples``).
- **XARF v4** (``xarf_version`` 4.x): ``category`` (or the early drafts' ``class``) and ``type``,
  ``source_identifier``, ``reporter``, ``evidence``; ``messaging`` with ``protocol`` smtp, sms,
  whatsapp, telegram ... goes to the spam family, ``connection``/``login_attack`` to the rat family.

A report of the other family's kind is reported as ``file:line: why`` with the family to use.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterator
from typing import IO, Any, Final, TypeVar

from ...errors import RecordError
from .._addresses import normalise_ip
from .._times import parse_time
from ..rat import RatRecord
from ..spam import SpamRecord, find_urls
from ._base import OnError, describe, json_objects
from .spamfeeds import mail_body, parse_mail

__all__ = ["read_xarf", "read_xarf_rat"]

T = TypeVar("T")

#: v3 ReportType / v4 type -> spam event
_SPAM_TYPES: Final = {
    "spam": "spam",
    "bulk_messaging": "spam",
    "bulk-messaging": "spam",
    "phishing": "phishing",
    "fraud": "fraud",
    "scam": "fraud",
    "social_engineering": "fraud",
    "malware": "malware",
}
_LOGIN_TYPES: Final = {"loginattack", "login_attack", "login-attack", "bruteforce", "brute_force"}
#: v4 messaging protocol -> SpamRecord channel
_CHANNELS: Final = {"smtp": "email", "email": "email", "sms": "sms", "mms": "sms", "rcs": "rcs"}
_SERVICES: Final = {"ssh": "ssh", "rdp": "rdp", "vnc": "vnc", "rfb": "vnc", "telnet": "telnet"}


def _version(obj: dict[str, Any]) -> int:
    v = str(obj.get("xarf_version") or obj.get("Version") or "")
    if v.startswith("4"):
        return 4
    if v.startswith("3"):
        return 3
    raise ValueError(f"no XARF version 3 or 4 (Version/xarf_version {v or 'missing'!r})")


def _kind(obj: dict[str, Any]) -> tuple[str, str]:
    """(category or ReportClass, type or ReportType), lower-case."""
    if _version(obj) == 4:
        return str(obj.get("category") or obj.get("class") or "").lower(), str(obj.get("type") or "").lower()
    report = obj.get("Report")
    if not isinstance(report, dict):
        raise ValueError("no Report object")
    return str(report.get("ReportClass") or "").lower(), str(report.get("ReportType") or "").lower()


def _ip(text: Any, what: str) -> str | None:
    if text is None or text == "":
        return None
    ip = normalise_ip(str(text))
    if ip is None:
        raise ValueError(f"{what} {text!r} is not an IP address")
    return ip


def _evidence_text(items: Any) -> tuple[str | None, str | None]:
    """The first message-like evidence as (subject, body); v3 Samples/Attachment or v4 evidence."""
    for item in items or []:
        if not isinstance(item, dict):
            continue
        payload = item.get("Payload") or item.get("payload") or item.get("Data")
        ctype = str(item.get("ContentType") or item.get("content_type") or "")
        if not isinstance(payload, str) or not ctype.startswith(("message/rfc822", "text/plain")):
            continue
        encoded = item.get("Base64Encoded", "payload" in item or "Data" in item)
        try:
            content = base64.b64decode(payload, validate=False) if encoded else payload.encode()
        except (binascii.Error, ValueError):
            content = payload.encode()
        if ctype.startswith("message/rfc822"):
            m = parse_mail(content)
            return m.get("Subject"), mail_body(m)[0]
        return None, content.decode("utf-8", "replace")
    return None, None


def _spam_v3(obj: dict[str, Any], event: str, name: str, line: int, raw: str) -> SpamRecord:
    report = obj["Report"]
    reporter = obj.get("ReporterInfo") or {}
    source = report.get("Source") if isinstance(report.get("Source"), dict) else {}
    ip = _ip(report.get("SourceIp"), "SourceIp")
    url = source.get("URL") if isinstance(source, dict) else None
    sender = report.get("SmtpMailFromAddress") or ip or url
    if not sender:
        raise ValueError("neither SmtpMailFromAddress, SourceIp nor Source.URL names the source")
    subject, body = _evidence_text(report.get("Samples") or report.get("Attachment"))
    date = report.get("Date")
    if not isinstance(date, str):
        raise ValueError("Report.Date is missing")
    return SpamRecord(
        time=parse_time(date),
        event=event,
        format="xarf",
        source=name,
        line=line,
        raw=raw,
        channel="email" if report.get("SmtpMailFromAddress") or ip else "web",
        sender=str(sender),
        sender_ip=ip,
        sender_port=report.get("SourcePort"),
        recipient=report.get("SmtpRcptToAddress") or None,
        reporter_org=reporter.get("ReporterOrg"),
        reporter_email=reporter.get("ReporterOrgEmail") or reporter.get("ReporterContactEmail"),
        subject=subject,
        body=body,
        urls=[str(url)] if url else find_urls(body),
        report_id=report.get("ReportId") or obj.get("ReportId"),
    )


def _spam_v4(obj: dict[str, Any], event: str, name: str, line: int, raw: str) -> SpamRecord:
    reporter = obj.get("reporter") if isinstance(obj.get("reporter"), dict) else {}
    ident = obj.get("source_identifier")
    ip = normalise_ip(str(ident)) if ident else None
    sender = obj.get("smtp_from") or obj.get("sender_identifier") or ident
    if not sender:
        raise ValueError("neither smtp_from nor source_identifier names the source")
    protocol = str(obj.get("protocol") or "smtp").lower()
    subject, body = _evidence_text(obj.get("evidence"))
    stamp = obj.get("timestamp")
    if not isinstance(stamp, str):
        raise ValueError("timestamp is missing")
    count = obj.get("recipient_count")
    return SpamRecord(
        time=parse_time(obj.get("first_seen") or stamp),
        event=event,
        format="xarf",
        source=name,
        line=line,
        raw=raw,
        channel=_CHANNELS.get(protocol, protocol or "email"),
        sender=str(sender),
        sender_ip=ip,
        sender_port=obj.get("source_port"),
        reporter_org=reporter.get("org") if isinstance(reporter, dict) else None,
        reporter_email=reporter.get("contact") if isinstance(reporter, dict) else None,
        reported_at=parse_time(stamp),
        subject=obj.get("subject") or subject,
        body=body,
        urls=find_urls(body),
        report_id=str(obj.get("report_id")) if obj.get("report_id") else None,
        count=count if isinstance(count, int) and count > 0 else 1,
    )


def _spam(obj: dict[str, Any], name: str, line: int, raw: str) -> SpamRecord:
    category, kind = _kind(obj)
    if kind in _LOGIN_TYPES or (category in ("connection", "activity") and kind not in _SPAM_TYPES):
        raise ValueError(f"a {kind or category} report is a remote-access event: convert it with 'rat'")
    if kind not in _SPAM_TYPES:
        raise ValueError(f"type {kind!r} ({category or 'no category'}) is not a messaging abuse report")
    if _version(obj) == 4:
        return _spam_v4(obj, _SPAM_TYPES[kind], name, line, raw)
    return _spam_v3(obj, _SPAM_TYPES[kind], name, line, raw)


def _rat(obj: dict[str, Any], name: str, line: int, raw: str) -> RatRecord:
    category, kind = _kind(obj)
    if kind not in _LOGIN_TYPES:
        raise ValueError(f"type {kind!r} ({category or 'no category'}) is not a log-in attack report")
    if _version(obj) == 4:
        src, dst = (
            _ip(obj.get("source_identifier"), "source_identifier"),
            _ip(obj.get("destination_ip"), "ip"),
        )
        service = str(obj.get("service") or "").lower()
        time, port, sport = obj.get("first_seen") or obj.get("timestamp"), obj.get("destination_port"), None
        sport = obj.get("source_port")
        attempts = obj.get("attempt_count")
        users = obj.get("username_patterns")
        user = ", ".join(str(u) for u in users) if isinstance(users, list) else None
        success = obj.get("successful_logins")
    else:
        report = obj["Report"]
        src, dst = _ip(report.get("SourceIp"), "SourceIp"), _ip(report.get("DestinationIp"), "DestinationIp")
        tags = " ".join(str(t) for t in (obj.get("InternalProcessing") or {}).get("EventTags") or []).lower()
        service = next((s for s in _SERVICES if s in tags), "")
        time, port, sport = report.get("Date"), report.get("DestinationPort"), report.get("SourcePort")
        attempts, user, success = None, None, None
    if not isinstance(time, str):
        raise ValueError("the report has no time (Date / first_seen / timestamp)")
    return RatRecord(
        time=parse_time(time),
        event="login-success" if isinstance(success, int) and success > 0 else "login-failure",
        format="xarf",
        source=name,
        line=line,
        raw=raw,
        protocol=_SERVICES.get(service),
        tool="xarf",
        source_ip=src,
        source_port=sport if isinstance(sport, int) else None,
        target_ip=dst,
        target_port=port if isinstance(port, int) else None,
        user=user,
        attempts=attempts if isinstance(attempts, int) and attempts > 0 else None,
    )


def _read(
    build: Callable[[dict[str, Any], str, int, str], T],
) -> Callable[[IO[bytes], str, OnError], Iterator[T]]:
    def read(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[T]:
        for number, raw, obj in json_objects(fh, name, on_error):
            try:
                record = build(obj, name, number, raw)
            except (ValueError, TypeError, AttributeError) as exc:
                on_error(RecordError(f"bad XARF report: {describe(exc)}", source=name, line=number))
                continue
            yield record

    return read


#: XARF v3/v4 messaging reports (spam family): one JSON object, several, or one per line
read_xarf = _read(_spam)
#: XARF v3 LoginAttack and v4 connection/login_attack reports (rat family)
read_xarf_rat = _read(_rat)


def is_xarf(obj: dict[str, Any] | None) -> bool:
    return isinstance(obj, dict) and ("ReporterInfo" in obj or "xarf_version" in obj)
