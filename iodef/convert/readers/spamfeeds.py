"""Spam report formats: ARF (RFC 5965), XARF v3 JSON, SMS spam-report CSV of the GSMA 7726
kind, and the X.1246/X.1247 customer-feedback CSV.

- **ARF**: one ``multipart/report; report-type=feedback-report`` message per input (an ``.eml``
  file), parsed with the stdlib :mod:`email` package. The ``message/feedback-report`` part gives
  Feedback-Type, Original-Mail-From, Original-Rcpt-To, Arrival-Date, Source-IP, Incidents and
  Reported-URI; the optional third part (``message/rfc822`` or ``text/rfc822-headers``) gives
  Subject, X-Mailer and the body.
- **XARF v3**: one JSON object (``Version`` "3", ``ReporterInfo``, ``Report`` with ``ReportClass``
  "Content"/"Activity" and ``ReportType`` "Spam"), or one per line.
- **SMS 7726 CSV**: a header row naming at least ``reported_at``, ``reporter_msisdn`` and
  ``spam_sender``; optional ``report_id``, ``reporter_operator``, ``spam_text``, ``received_at``,
  ``channel`` (sms, mms) and ``category``.
- **X.1246/X.1247 feedback CSV**: a header row naming at least ``reporter_msisdn``,
  ``reported_number``, ``channel`` and ``event_start``; optional ``antispam_number``,
  ``event_end``, ``feedback_at``, ``category`` and ``free_text``.
"""

from __future__ import annotations

import csv
import email
import email.utils
import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email._policybase import Compat32
from email.message import Message
from typing import IO, Any, Final

from pydantic import ValidationError

from ...errors import RecordError
from .._addresses import normalise_ip
from .._building import whole_record
from .._times import parse_time
from .._times import parse_time as _parse_time
from ..spam import SpamRecord, find_urls
from ._base import OnError, _checked, count_of, describe, read_all, text_blocks, text_lines
from .columns import ReadOptions

__all__ = ["mail_body", "parse_mail", "read_arf", "read_sms_csv", "read_x1247_csv"]


def _compiled_split() -> Callable[[str, int], list[str] | None] | None:
    """The compiled row split (``_ccsv.split``), or ``None`` when it is not built: then every row
    goes through csv.reader."""
    try:
        from ._ccsv import split
    except ImportError:
        return None
    return split


_COMPILED_SPLIT: Final = _compiled_split()
#: what the CSV feeds use: the compiled split unless ``IODEF_PURE_PYTHON=1`` (to compare)
_SPLIT: Callable[[str, int], list[str] | None] | None = (
    None if os.environ.get("IODEF_PURE_PYTHON") else _COMPILED_SPLIT
)

_FEEDBACK: Final = {
    "abuse": "spam",
    "fraud": "fraud",
    "virus": "malware",
    "other": "other",
    "not-spam": "not-spam",
    "auth-failure": "auth-failure",
    "opt-out": "opt-out",
}
_CATEGORY: Final = {
    "spam": "spam",
    "advertising": "spam",
    "marketing": "spam",
    "fraud": "fraud",
    "scam": "fraud",
    "smishing": "phishing",
    "phishing": "phishing",
    "malware": "malware",
    "virus": "malware",
    "not-spam": "not-spam",
    "ham": "not-spam",
}


def _addr(value: str | None) -> str | None:
    if not value:
        return None
    _, addr = email.utils.parseaddr(value.strip())
    return addr or value.strip().strip("<>") or None


def _mail_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):  # a year such as 99999999999
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


class _MailPolicy(Compat32):
    """compat32 whose header values are always ``str``: 8-bit bytes are read as UTF-8.

    compat32 hands back a :class:`email.header.Header` for a value holding 8-bit bytes, which
    breaks every caller expecting text, and folding such a value back into text takes seconds
    on a long one. Here raw 8-bit bytes are decoded as UTF-8 (replacement characters where they
    are not), once, when the value is read.
    """

    def header_fetch_parse(self, name: str, value: str) -> str:
        if value.isascii():
            return value
        raw = value.encode("utf-8", "surrogateescape")
        return raw.decode("utf-8", "replace")


_POLICY: Final = _MailPolicy()


def parse_mail(data: bytes) -> Message:
    return email.message_from_bytes(data, policy=_POLICY)


def _headers_text(msg: Message) -> str:
    """The header block of *msg* as it reads, unfolded (no Generator: it is slow on long values)."""
    return "\n".join(f"{k}: {v}" for k, v in msg.items())


def mail_body(msg: Message) -> tuple[str | None, str | None]:
    """The first text/plain part and the first text/html part of *msg*, decoded."""
    plain = html = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype not in ("text/plain", "text/html") or part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        charset = part.get_content_charset() or "utf-8"
        try:
            text = payload.decode(charset, errors="replace")
        except (LookupError, ValueError):  # no such codec; a NUL in the name is a ValueError
            text = payload.decode("utf-8", errors="replace")
        text = text.replace("\r\n", "\n")
        if ctype == "text/plain" and plain is None:
            plain = text
        elif ctype == "text/html" and html is None:
            html = text
    return plain, html


_HREF: Final = re.compile(r"""(?:href|src)\s*=\s*["']?(https?://[^"'\s<>]{1,2000})""", re.I)


def _urls(plain: str | None, html: str | None) -> list[str]:
    """URLs of the message: those of the plain text, else the links of the HTML (most phishing)."""
    urls = find_urls(plain) if plain else []
    if not urls and html:
        urls = list(dict.fromkeys(m.group(1).replace("&amp;", "&") for m in _HREF.finditer(html)))
        urls = urls or find_urls(html)
    return urls


def _inner_message(part: Message) -> Message | None:
    inner = part.get_payload()
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        return inner[0]
    if isinstance(inner, str):
        return email.message_from_string(inner, policy=_POLICY)
    return None


def _arf_parts(msg: Message) -> tuple[Message | None, Message | None]:
    """The feedback fields and the original message (or its headers) of a report."""
    feedback: Message | None = None
    original: Message | None = None
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/feedback-report" and feedback is None:
            feedback = _inner_message(part)
        elif ctype == "message/rfc822" and original is None:
            original = _inner_message(part)
        elif ctype in ("text/rfc822-headers", "text/rfc822-header") and original is None:
            text = part.get_payload(decode=True)
            if isinstance(text, bytes):
                original = parse_mail(text.lstrip())
    return feedback, original


def _arf_fields(msg: Message, name: str) -> tuple[Message, Message | None, str]:
    """Feedback part, original and Feedback-Type, for ARF and for the Hotmail-style complaint
    (``multipart/mixed`` holding the original as ``message/rfc822`` and no feedback part)."""
    ctype = msg.get_content_type()
    is_report = ctype == "multipart/report" and msg.get_param("report-type") == "feedback-report"
    feedback, original = _arf_parts(msg) if msg.is_multipart() else (None, None)
    if is_report and feedback is None:
        raise RecordError("the report has no message/feedback-report part", source=name, line=1)
    if feedback is not None:
        ftype = (feedback.get("Feedback-Type") or "").strip().lower()
        if not ftype:
            raise RecordError(
                "the feedback report lacks the required Feedback-Type field", source=name, line=1
            )
        return feedback, original, ftype
    if ctype.startswith("multipart/") and original is not None:
        return msg, original, "abuse"  # a complaint forwarding the message: what the user called spam
    raise RecordError(
        f"not an ARF report: Content-Type is {ctype!r}, expected multipart/report; "
        "report-type=feedback-report (or a complaint with the message attached)",
        source=name,
        line=1,
    )


def _arf_sender(feedback: Message, original: Message | None, source_ip: str | None) -> str | None:
    sender = _addr(feedback.get("Original-Mail-From"))
    if not sender and original is not None:
        sender = _addr(original.get("Return-Path")) or _addr(original.get("From"))
    return sender or source_ip


def read_arf(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[SpamRecord]:
    """Read one ARF (RFC 5965) feedback report, or a complaint that forwards the message."""
    msg = parse_mail(read_all(fh, name))
    try:
        feedback, original, ftype = _arf_fields(msg, name)
    except RecordError as exc:
        on_error(exc)
        return
    arrival = feedback.get("Arrival-Date") or feedback.get("Received-Date")
    reported = _mail_time(msg.get("Date"))
    time = _mail_time(arrival) or (_mail_time(original.get("Date")) if original is not None else None)
    time = time or reported
    if time is None:
        on_error(RecordError("no usable Arrival-Date, original Date or report Date", source=name, line=1))
        return
    source_ip_text = feedback.get("Source-IP")
    source_ip = normalise_ip(source_ip_text) if source_ip_text else None
    if source_ip_text and source_ip is None:
        why = f"Source-IP {source_ip_text.strip()!r} is not an IP address"
        on_error(RecordError(why, source=name, line=1))
        return
    sender = _arf_sender(feedback, original, source_ip)
    if not sender:
        why = "neither Original-Mail-From, the original's From nor Source-IP names the sender"
        on_error(RecordError(why, source=name, line=1))
        return
    recipients = [_addr(v) for v in feedback.get_all("Original-Rcpt-To") or []]
    plain, html = mail_body(original) if original is not None and original.get_payload() else (None, None)
    urls = [u.strip().strip("<>") for u in feedback.get_all("Reported-URI") or []]
    try:
        count = count_of(feedback.get("Incidents") or "1", "Incidents")
    except ValueError:
        on_error(RecordError(f"Incidents {feedback.get('Incidents')!r} is not a number", source=name, line=1))
        return
    report_text = _headers_text(feedback)
    message_id = (original.get("Message-ID") or "").strip() or None if original is not None else None
    for i, rcpt in enumerate(recipients or [None]):
        try:
            yield SpamRecord(
                time=time,
                event=_FEEDBACK.get(ftype, "other"),
                format="arf",
                source=name,
                line=1,
                raw=report_text,
                channel="email",
                sender=sender,
                sender_ip=source_ip,
                recipient=rcpt,
                reporter_org=(feedback.get("Reporting-MTA") or "").split(";")[-1].strip() or None,
                reporter_email=_addr(msg.get("From")),
                reported_at=reported,
                subject=original.get("Subject") if original is not None else None,
                body=plain or html,
                urls=urls or _urls(plain, html),
                report_id=(msg.get("Message-ID") or "").strip() or None,
                message_id=message_id,
                count=count if i == 0 else 1,
                user_agent=original.get("X-Mailer") if original is not None else None,
            )
        except ValidationError as exc:
            on_error(RecordError(f"bad report: {describe(exc)}", source=name, line=1))


class _Rows:
    """csv rows with the number of the line each starts on; header checked against *required*."""

    def __init__(
        self,
        fh: IO[bytes],
        name: str,
        on_error: OnError,
        required: tuple[str, ...],
        reader: str = "",
        options: ReadOptions | None = None,
    ) -> None:
        self.reader = reader
        self.options = options if options is not None and options.columns else None
        self.name = name
        self.on_error = on_error
        self.required = required
        self._number = 0
        self.header: list[str] = []
        self._pending: list[str] = []
        self._fh = fh

    def _parsed(self) -> Iterator[tuple[int, list[str], str]]:
        """Every row as ``csv.reader`` reads it, with the number of its first line and its text.

        A row the csv module refuses (a bare CR in an unquoted field, a field over its size limit)
        is reported as ``file:line`` and reading goes on with the next row (what
        :func:`~iodef.convert.readers._base.csv_rows` does, inline: this is the feeds' hot path).
        With the compiled split (``_ccsv``), a row of one line is split in C, and only the rows
        it declines go through ``csv.reader``.
        """
        return self._split_rows(_SPLIT) if _SPLIT is not None else self._csv_rows()

    def _csv_rows(self) -> Iterator[tuple[int, list[str], str]]:
        """:meth:`_parsed` without the compiled split: one csv.reader over all the lines."""
        pending = self._pending
        reader = csv.reader(self._feed(self._fh))
        while True:
            try:
                for row in reader:
                    raw = pending[0] if len(pending) == 1 else "\n".join(pending)
                    pending.clear()
                    yield self._number, row, raw
                return
            except csv.Error as exc:  # the reader goes on after an error, with the next row
                self.on_error(RecordError(f"not a CSV row: {exc}", source=self.name, line=self._number))
                pending.clear()

    def _split_rows(
        self, split: Callable[[str, int], list[str] | None]
    ) -> Iterator[tuple[int, list[str], str]]:
        """:meth:`_parsed` with the compiled split: each row it declines is read by a
        ``csv.reader`` of its own, which takes the next lines as long as the row goes on."""
        pending = self._pending
        limit = csv.field_size_limit()
        lines = text_lines(self._fh, self.name, self.on_error)
        for number, text in lines:
            row = split(text, limit)
            if row is not None:
                yield number, row, text
                continue
            pending.append(text)
            try:
                for row in csv.reader(self._continued(text, lines)):
                    yield number, row, pending[0] if len(pending) == 1 else "\n".join(pending)
                    break
            except csv.Error as exc:
                self.on_error(RecordError(f"not a CSV row: {exc}", source=self.name, line=number))
            pending.clear()

    def _continued(self, text: str, lines: Iterator[tuple[int, str]]) -> Iterator[str]:
        """*text* and the lines after it for csv.reader (each ends in \\n again, for quoted fields
        that span lines), noting each in *pending*."""
        yield text + "\n"
        for _, more in lines:
            self._pending.append(more)
            yield more + "\n"

    def _feed(self, fh: IO[bytes]) -> Iterator[str]:
        """The lines for csv.reader (each ends in \\n again, for quoted fields that span lines),
        noting each in *pending* and the number of the first line of the row."""
        pending = self._pending
        name, on_error = self.name, self.on_error
        for number, lines, checked in text_blocks(fh, name, on_error):  # what text_lines() yields
            for text in lines:
                number += 1
                if not checked:
                    got = _checked(text, number, name, on_error)
                    if got is None:
                        continue
                    text = got
                if not pending:
                    self._number = number
                pending.append(text)
                yield text + "\n"

    def __iter__(self) -> Iterator[tuple[int, dict[str, str], str]]:
        for number, row, raw in self.lists():
            yield number, dict(zip(self.header, row, strict=True)), raw

    def lists(self) -> Iterator[tuple[int, list[str], str]]:
        """Rows as lists (the header is in ``self.header``), with line number and raw text."""
        header: list[str] | None = None
        options = self.options
        width = -1
        for number, row, raw in self._parsed():
            if len(row) == width and options is None:  # the common row, checked at once
                yield number, row, raw
                continue
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if header is None:
                if options is not None:
                    try:
                        header, was_header = options.header_for(self.reader, row, len(row))
                    except ValueError as exc:
                        raise RecordError(str(exc), source=self.name, line=number) from None
                else:
                    header, was_header = [h.strip().lower() for h in row], True
                self.header = header
                width = len(header) if len(header) > 1 else -1  # [""] is a blank row
                missing = [c for c in self.required if c not in header]
                if missing:
                    raise RecordError(
                        f"the header row lacks the column(s) {', '.join(missing)}",
                        source=self.name,
                        line=number,
                    )
                if was_header:
                    continue
            if options is not None:
                row = options.spread(self.reader, header, row)
            if len(row) != len(header):
                self.on_error(
                    RecordError(
                        f"{len(row)} columns where the header has {len(header)}",
                        source=self.name,
                        line=number,
                    )
                )
                continue
            yield number, row, raw


#: the channel names feeds use for the model's (a constant: read for every row of a feed)
_CHANNEL_NAMES: Final = {"call": "voice", "phone": "voice", "text": "sms"}


def _channel(value: str | None, default: str) -> str:
    v = (value or "").strip().lower()
    return _CHANNEL_NAMES.get(v, v) or default


def read_sms_csv(
    fh: IO[bytes], name: str, on_error: OnError, options: ReadOptions | None = None, *, rows: bool = False
) -> Iterator[Any]:
    """Read an SMS spam-report feed of the GSMA 7726 kind (CSV with a header row), or an
    operator's export of another layout through a column mapping (*options*). With *rows*, yield
    light rows (the records' fields as tuples, for the spam Grouper) instead of records."""
    required: tuple[str, ...] = ("reported_at", "reporter_msisdn", "spam_sender")
    if options is not None and options.columns:
        required = ("reported_at", "spam_sender")  # an export of received messages names no reporter
    feed = _Rows(fh, name, on_error, required, "sms-csv", options)
    when = options.time_parser() if options is not None else parse_time
    all_fields = set(SpamRecord.model_fields)
    try:
        header = None
        for number, row, raw in feed.lists():
            if header is None:
                header = feed.header
                col = {c: i for i, c in enumerate(header)}
                i_rep, i_msisdn, i_sender = col["reported_at"], col.get("reporter_msisdn"), col["spam_sender"]
                i_recv, i_text, i_id = col.get("received_at"), col.get("spam_text"), col.get("report_id")
                i_op, i_chan, i_cat = col.get("reporter_operator"), col.get("channel"), col.get("category")
            try:
                v = row[i_rep]
                reported = when(v)
                received = row[i_recv] if i_recv is not None else ""
                t = when(received) if received else reported
                sender = row[i_sender].strip()
                if not sender:
                    raise ValueError("spam_sender is empty")
                reporter = row[i_msisdn].strip() or None if i_msisdn is not None else None
                category = row[i_cat].strip().lower() if i_cat is not None and row[i_cat].strip() else "spam"
                operator = row[i_op].strip() if i_op is not None else ""
                report_id = row[i_id].strip() if i_id is not None else ""
                channel = _channel(row[i_chan], "sms") if i_chan is not None else "sms"
                body = (row[i_text] or None) if i_text is not None else None
                # the record's fields in the model's order (_SMS_ORDER): a tuple is what the spam
                # Grouper reads (a fraction of the cost of a 25-key dict)
                data: tuple[Any, ...] = (
                    t, _CATEGORY.get(category, "spam"), "sms-csv", name, number, raw, channel, sender,
                    None, None, reporter, reporter, None, None, reported, operator or None, None, body,
                    [], report_id or None, None, 1, None, None, "7726",
                )  # fmt: skip
            except ValueError as exc:
                on_error(RecordError(f"bad value: {exc}", source=name, line=number))
                continue
            yield (
                data
                if rows
                else whole_record(SpamRecord, dict(zip(_SMS_ORDER, data, strict=True)), all_fields)
            )
    except RecordError as exc:
        on_error(exc)


#: the fields of read_sms_csv's tuples
_SMS_ORDER: Final = (
    "time", "event", "format", "source", "line", "raw", "channel", "sender", "sender_ip", "sender_port",
    "recipient", "reporter", "reporter_org", "reporter_email", "reported_at", "operator", "subject", "body",
    "urls", "report_id", "message_id", "count", "user_agent", "comment", "reported_via",
)  # fmt: skip
if tuple(SpamRecord.model_fields) != _SMS_ORDER:
    raise RuntimeError("read_sms_csv's rows no longer follow SpamRecord's fields")


def read_x1247_csv(
    fh: IO[bytes], name: str, on_error: OnError, options: ReadOptions | None = None
) -> Iterator[SpamRecord]:
    """Read X.1246/X.1247 customer-feedback records (CSV with a header row, or mapped by *options*)."""
    parse_time = options.time_parser() if options is not None else _parse_time
    try:
        required = ("reporter_msisdn", "reported_number", "channel", "event_start")
        rows = _Rows(fh, name, on_error, required, "x1247-csv", options)
        for number, row, raw in rows:
            try:
                start = parse_time(row["event_start"])
                end = parse_time(row["event_end"]) if row.get("event_end") else None
                if end is not None and end < start:
                    raise ValueError("event_end is before event_start")
                feedback = parse_time(row["feedback_at"]) if row.get("feedback_at") else None
                reporter = row["reporter_msisdn"].strip() or None
                record = SpamRecord(
                    time=start,
                    event=_CATEGORY.get((row.get("category") or "spam").strip().lower(), "spam"),
                    format="x1247-csv",
                    source=name,
                    line=number,
                    raw=raw,
                    channel=_channel(row.get("channel"), "sms"),
                    sender=row["reported_number"].strip(),
                    recipient=reporter,
                    reporter=reporter,
                    reported_at=feedback,
                    comment=(row.get("free_text") or "").strip() or None,
                    reported_via=(row.get("antispam_number") or "").strip() or None,
                )
                if not record.sender:
                    raise ValueError("reported_number is empty")
            except ValueError as exc:
                on_error(RecordError(f"bad value: {describe(exc)}", source=name, line=number))
                continue
            yield record
    except RecordError as exc:
        on_error(exc)
