"""Spam over e-mail and telecom messaging (ITU-T X.1234, X.1238, X.1246/X.1247, X.1248) -> IODEF.

Records come from ARF abuse reports (RFC 5965), XARF v3, SMS spam reports of the GSMA 7726 kind,
X.1246/X.1247 customer-feedback records, RCS / 5G-message chatbot spam reports, XMPP spam reports
(XEP-0377), or the canonical JSON-lines form of :class:`SpamRecord`. Grouping: by default all
records of one sender on one channel within a one-hour session window make one incident, so the
same sender reaching 4,812 recipients is one incident with a Counter of 4,812 messages.

Event types and whether they make an incident (:data:`INCIDENT_TABLE`, overridable):

============  ========  ===============================================================
event         incident  meaning (ARF Feedback-Type in brackets)
============  ========  ===============================================================
spam          yes       unsolicited bulk message (abuse)
phishing      yes       a message luring to a credential- or payment-stealing site
fraud         yes       fraud, smishing (fraud)
malware       yes       a message carrying or linking malware (virus)
other         yes       reported for another reason (other)
auth-failure  no        an authentication-failure report (counted only)
not-spam      no        the user marked the message as not spam (counted only)
opt-out       no        the user asked to be taken off a list (opt-out; counted only)
============  ========  ===============================================================
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from datetime import datetime
from operator import itemgetter
from typing import Final

from ..model import (
    Assessment,
    BusinessImpact,
    Contact,
    Counter,
    Discovery,
    EmailData,
    EventData,
    Expectation,
    ExtensionType,
    Flow,
    Incident,
    IncidentID,
    Indicator,
    IndicatorData,
    IndicatorID,
    IODEFDocument,
    MLStringType,
    Node,
    NodeRole,
    Observable,
    Record,
    RecordData,
    Service,
    SoftwareType,
    System,
    SystemImpact,
)
from ._addresses import address_for, classify_address
from ._building import creator_contact, listed_of, mk, not_listed_item, one_document, text_item
from ._grouping import Fields, Group, Grouper, family_grouper, stream_incidents, table_lookup
from ._identity import Pseudonymizer
from ._options import BaseRecord, ConvertOptions
from ._times import iso

__all__ = ["DEFAULT_KEYS", "INCIDENT_TABLE", "SpamRecord", "convert", "find_urls", "incidents"]

FAMILY: Final = "spam"
INCIDENT_TABLE: Final[dict[str, bool]] = {
    "spam": True,
    "phishing": True,
    "fraud": True,
    "malware": True,
    "other": True,
    "auth-failure": False,
    "not-spam": False,
    "opt-out": False,
}
DEFAULT_KEYS: Final = ("channel", "sender")
CHANNELS: Final = ("email", "sms", "mms", "rcs", "chatbot", "im", "voice")
_CATEGORY: Final = {
    "email": "spam-email",
    "sms": "spam-sms",
    "mms": "spam-mms",
    "rcs": "spam-rcs",
    "chatbot": "spam-rcs-chatbot",
    "im": "spim",
    "voice": "spam-voice",
}
#: Address kinds of senders on channels whose handles look like something else (a JID is not an e-mail).
_HANDLE_KIND: Final = {"im": "im-handle", "chatbot": "chatbot-uri"}
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"')]+", re.IGNORECASE)


def find_urls(text: str | None) -> list[str]:
    """URLs in a message body (``www.`` gets ``http://``), trailing punctuation removed."""
    if not text:
        return []
    out = []
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(".,;:!?")
        if url.lower().startswith("www."):
            url = "http://" + url
        out.append(url)
    return out


class SpamRecord(BaseRecord):
    """One reported or observed spam message. The canonical JSON-lines record is this model.

    Example::

        {"time": "2025-03-04T09:00:00Z", "event": "fraud", "channel": "sms", "sender": "+447700900999",
         "recipient": "+447700900123", "body": "Parcel held, pay at https://parcel-fee.example"}

    ``channel`` is one of email, sms, mms, rcs, chatbot, im, voice. ``count`` says how many
    messages the record stands for (a feed may aggregate).
    """

    channel: str = "email"
    sender: str
    sender_ip: str | None = None
    sender_port: int | None = None
    recipient: str | None = None
    reporter: str | None = None
    reporter_org: str | None = None
    reporter_email: str | None = None
    reported_at: datetime | None = None
    operator: str | None = None
    subject: str | None = None
    body: str | None = None
    urls: list[str] = []
    report_id: str | None = None
    message_id: str | None = None
    count: int = 1
    user_agent: str | None = None
    comment: str | None = None
    #: where the subscriber sent the report: 7726, an operator's anti-spam number (X.1246/X.1247)
    reported_via: str | None = None


_BODY_CACHE: dict[str, tuple[str, list[str]]] = {}


def _body_facts(body: str) -> tuple[str, list[str]]:
    """SHA-256 of the whitespace-collapsed, lower-cased body, and its URLs (cached)."""
    got = _BODY_CACHE.get(body)
    if got is None:
        norm = " ".join(body.split()).lower()
        got = (hashlib.sha256(norm.encode("utf-8")).hexdigest(), find_urls(body))
        if len(_BODY_CACHE) > 4096:
            _BODY_CACHE.clear()
        _BODY_CACHE[body] = got
    return got


#: where a row (:data:`~iodef.convert._grouping.Fields`: the spam Grouper is positional) holds
#: each field
_AT: Final = {name: i for i, name in enumerate(SpamRecord.model_fields)}
_EVENT, _RECIPIENT, _REPORTER, _REPORT_ID = _AT["event"], _AT["recipient"], _AT["reporter"], _AT["report_id"]
_COMMENT, _REPORTED_VIA, _MESSAGE_ID, _OPERATOR = (
    _AT["comment"],
    _AT["reported_via"],
    _AT["message_id"],
    _AT["operator"],
)
_REPORTER_ORG, _REPORTER_EMAIL, _SENDER_IP = _AT["reporter_org"], _AT["reporter_email"], _AT["sender_ip"]
_FORMAT, _SUBJECT, _BODY, _URLS = _AT["format"], _AT["subject"], _AT["body"], _AT["urls"]
_COUNT, _REPORTED_AT = _AT["count"], _AT["reported_at"]

#: what makes a record tell the group something new beyond its recipient, reporter and report ID
#: (one C call per record): a record of a signature seen before has nothing else to note
_SIGNATURE: Final = itemgetter(
    _REPORTER_ORG,
    _REPORTER_EMAIL,
    _OPERATOR,
    _SENDER_IP,
    _FORMAT,
    _SUBJECT,
    _BODY,
    _COMMENT,
    _REPORTED_VIA,
    _MESSAGE_ID,
)


def _observe(g: Group[SpamRecord], d: Fields) -> None:
    # called for every record: note() is skipped for the (mostly) empty fields, where it would do
    # nothing
    note = g.note
    distinct = g.distinct
    recipient, reporter = d[_RECIPIENT], d[_REPORTER]
    if recipient:  # note("recipient", recipient, 10_000), inline: nearly every record has one
        known = distinct.get("recipient")
        if known is not None and recipient not in known and len(known) < 10_000:
            known[recipient] = None
        else:
            note("recipient", recipient, 10_000)
    if reporter != recipient:
        if reporter:
            note("reporter", reporter, 1000)
    elif reporter:
        state = g.state
        if "reporters_are_recipients" not in state:
            state["reporters_are_recipients"] = True
    value = d[_REPORT_ID]
    if value:  # note("report_id", value, 256), inline for the same reason
        known = distinct.get("report_id")
        if known is None:
            note("report_id", value, 256)
        elif value in known:
            pass
        elif len(known) < 256:
            known[value] = None
        else:
            g.overflow.add("report_id")
            # each report has its own ID: those past the kept 256 are counted, so that the
            # incident can give the real number rather than "more than 256"
            g.state["report_ids_past"] = g.state.get("report_ids_past", 0) + 1
    sig = _SIGNATURE(d)
    seen = g.seen
    if sig not in seen:
        if len(seen) < 4096:
            seen[sig] = None
        note("comment", d[_COMMENT], 16)
        note("reported_via", d[_REPORTED_VIA], 4)
        note("message_id", d[_MESSAGE_ID], 64)
        org, email = d[_REPORTER_ORG], d[_REPORTER_EMAIL]
        if org or email:
            note("reporter_org", f"{org or ''}|{email or ''}", 16)
        note("operator", d[_OPERATOR], 16)
        note("sender_ip", d[_SENDER_IP], 64)
        note("format", d[_FORMAT], 16)
        note("subject", d[_SUBJECT], 16)
        body = d[_BODY]
        if body:
            digest, urls = _body_facts(body)
            note("body_hash", digest, 64)
            for url in urls:
                note("url", url, 64)
    for url in d[_URLS]:
        note("url", url, 64)
    count = d[_COUNT]
    if count != 1:  # the group's record count holds one message per record; the rest are added
        state = g.state
        state["more_messages"] = state.get("more_messages", 0) + count - 1
        if count > 1:
            g.events[d[_EVENT]] += count - 1
    reported_at = d[_REPORTED_AT]
    if reported_at is not None:
        state = g.state
        latest = state.get("reported_at")
        if latest is None or reported_at > latest:
            state["reported_at"] = reported_at


def grouper(options: ConvertOptions) -> Grouper[SpamRecord]:
    worthy = table_lookup(INCIDENT_TABLE, options.incident_table, _EVENT)
    return family_grouper(options, SpamRecord, DEFAULT_KEYS, worthy, _observe, positional=True)


def incidents(records: Iterable[SpamRecord], options: ConvertOptions | None = None) -> Iterator[Incident]:
    """Group *records* and yield one Incident per group that holds an incident-worthy event."""
    options = options or ConvertOptions()
    return stream_incidents(grouper(options), records, options, build)


def convert(records: Iterable[SpamRecord], options: ConvertOptions | None = None) -> IODEFDocument:
    """All incidents of *records* in one document (:class:`iodef.ConvertError` when there are none)."""
    return one_document(incidents(records, options))


_DISCOVERY: Final = {"arf": "external-notification", "xarf": "external-notification"}


def _kinds(group: Group[SpamRecord]) -> list[str]:
    """The incident-worthy kinds of message in the group (spam, phishing, fraud ...)."""
    return sorted(k for k in group.events if INCIDENT_TABLE.get(k, True) and not k.startswith("#"))


def _what(kinds: list[str]) -> str:
    """What the messages were, in the words of their event types: ``spam``, ``phishing``, ..."""
    named = [k for k in kinds if k != "other"]
    return "/".join(named) if named else "reported"


def _assessment(group: Group[SpamRecord], messages: int) -> Assessment:
    """Assessment (§3.12): a policy breach, with what the messages were and how many."""
    channel = group.samples[0].channel
    kinds = _kinds(group)
    recipients = group.values("recipient")
    harmful = any(k in ("phishing", "fraud", "malware") for k in kinds)
    categories = [_CATEGORY.get(channel, f"spam-{channel}")]
    categories += [k for k in kinds if k not in ("spam", "other")]
    if channel == "sms" and harmful:
        categories.append("smishing")
    counters = [
        mk(Counter, type="counter", unit="message", value=messages, meaning="messages"),
        mk(Counter, type="counter", unit="event", value=group.count, meaning="reports"),
    ]
    if recipients:
        counters.append(
            mk(
                Counter,
                type="counter",
                unit="ext-value",
                ext_unit="recipient",
                value=len(recipients),
                meaning="distinct recipients" + (" (at least)" if "recipient" in group.overflow else ""),
            )
        )
    span = (group.last - group.first).total_seconds()
    if span >= 60 and messages > 1:
        counters.append(
            mk(
                Counter,
                type="rate",
                unit="message",
                value=round(messages / (span / 3600), 2),
                duration="hour",
                meaning="rate",
            )
        )
    business = []
    if "phishing" in kinds:
        business.append(mk(BusinessImpact, type="breach-credential", severity="medium"))
    if "fraud" in kinds:
        business.append(mk(BusinessImpact, type="theft-financial", severity="medium"))
    impact = mk(
        SystemImpact,
        type="policy",
        completion="succeeded",
        severity="medium" if harmful else "low",
        descriptions=[f"{messages} unsolicited {channel} message(s) delivered"],
    )
    return mk(
        Assessment,
        occurrence="actual",
        incident_categories=categories,
        system_impacts=[impact],
        business_impacts=business,
        counters=counters,
    )


def _systems(group: Group[SpamRecord], options: ConvertOptions, pseudo: Pseudonymizer) -> list[System]:
    """Flow: the sender (source) and the recipients (targets, personal data)."""
    first = group.samples[0]
    channel = first.channel
    kind = _HANDLE_KIND.get(channel)
    sender_kind = (
        kind if kind and classify_address(first.sender)[0] not in ("ipv4-addr", "ipv6-addr") else None
    )
    sender_addrs = [address_for(first.sender, kind=sender_kind)]
    sender_addrs += [address_for(ip) for ip in group.values("sender_ip")]
    services = []
    if channel == "email":
        services.append(
            mk(
                Service,
                ip_protocol=6,
                port=25 if group.values("sender_ip") else None,
                email_data=mk(
                    EmailData,
                    email_from=first.sender if "@" in first.sender else None,
                    email_subject=first.subject,
                    email_x_mailer=first.user_agent,
                ),
            )
        )
    systems = [mk(System, category="source", node=mk(Node, addresses=sender_addrs), services=services)]
    recipients = group.values("recipient")
    rcpt_kind = "im-handle" if channel == "im" else None
    role = "client-mobile" if channel in ("sms", "mms", "rcs", "chatbot", "voice") else None
    for r in recipients[: options.max_samples]:
        systems.append(
            mk(
                System,
                category="target",
                restriction=options.personal(pseudo.active),
                node=mk(Node, addresses=[address_for(r, pseudo, kind=rcpt_kind)]),
                node_roles=[mk(NodeRole, category=role)] if role else [],
            )
        )
    if len(recipients) > options.max_samples:
        # the count of recipients belongs with them, on the first target
        systems[1].descriptions.append(
            mk(
                MLStringType,
                value=f"{len(recipients)}{'+' if 'recipient' in group.overflow else ''} recipients; "
                f"the first {options.max_samples} are listed",
            )
        )
    return systems


def _record_data(
    group: Group[SpamRecord], options: ConvertOptions, pseudo: Pseudonymizer
) -> list[RecordData]:
    """Bodies, reporters' comments and raw reports (private; left out when pseudonymised), body hashes."""
    record_data = []
    if not pseudo.active:
        bodies = list(dict.fromkeys(s.body for s in group.samples if s.body))
        if bodies:
            record_data.append(
                mk(
                    RecordData,
                    restriction=options.private_restriction,
                    descriptions=["distinct message bodies"],
                    record_items=[text_item(b or "", meaning="message-body") for b in bodies],
                )
            )
        comments = group.values("comment")
        if comments:
            record_data.append(
                mk(
                    RecordData,
                    restriction=options.private_restriction,
                    descriptions=["what the reporting users said"],
                    record_items=[text_item(c, meaning="reporter-comment") for c in comments],
                )
            )
        evidence = group.evidence()
        for fmt in group.values("format"):
            lines = [s for s in evidence if s.format == fmt and s.raw]
            if lines:
                record_data.append(
                    mk(
                        RecordData,
                        restriction=options.private_restriction,
                        date_time=lines[0].time,
                        application=mk(SoftwareType, descriptions=[f"{fmt} input"]),
                        descriptions=[f"{len(lines)} of the {group.count} reports"],
                        record_items=[text_item(s.raw or "", meaning="raw-record") for s in lines],
                    )
                )
    hashes = group.values("body_hash")
    if hashes:
        record_data.append(
            mk(
                RecordData,
                descriptions=["SHA-256 of each distinct message body, whitespace-collapsed and lower-cased"],
                record_items=[text_item(h, meaning="body-sha256") for h in hashes[: options.max_samples]],
            )
        )
    return record_data


def _expectations(group: Group[SpamRecord]) -> list[Expectation]:
    first = group.samples[0]
    expectations = [
        mk(
            Expectation,
            action="contact-source-site",
            descriptions=[f"stop {first.channel} traffic from {first.sender}"],
        )
    ]
    if group.values("sender_ip"):
        expectations.append(mk(Expectation, action="block-host"))
    if group.values("url"):
        expectations.append(
            mk(Expectation, action="investigate", descriptions=["take down or block the URLs"])
        )
    return expectations


def _contacts(group: Group[SpamRecord], options: ConvertOptions) -> list[Contact]:
    """The creator, the reporting organisations (or a count of reporting subscribers), the operators."""
    contacts = [creator_contact(options.name)]
    orgs = group.values("reporter_org")
    for org in orgs[:4]:
        oname, _, email = org.partition("|")
        contacts.append(
            mk(
                Contact,
                role="reporter",
                type="organization",
                contact_names=[oname] if oname else [],
                emails=[{"email_to": email}] if email else [],
            )
        )
    reporters = group.values("reporter")
    if group.state.get("reporters_are_recipients"):
        reporters = reporters or group.values("recipient")
    if reporters and not orgs:
        contacts.append(
            mk(
                Contact,
                role="reporter",
                type="person",
                restriction=options.personal(options.pseudonymize_key is not None),
                descriptions=[
                    f"{len(reporters)}{'+' if 'reporter' in group.overflow else ''} subscriber(s) "
                    "reported the messages"
                ],
            )
        )
    for op in group.values("operator")[:4]:
        contacts.append(mk(Contact, role="provider", type="organization", contact_names=[op]))
    return contacts


def _indicators(group: Group[SpamRecord], options: ConvertOptions) -> IndicatorData | None:
    """The URLs of the message bodies as Indicators (§3.29), phishing sites when harmful."""
    urls = group.values("url")
    if not urls:
        return None
    harmful = any(k in ("phishing", "fraud", "malware") for k in _kinds(group))
    ident_base = group.digest(FAMILY, options.name, options.pseudonymize_key)
    return mk(
        IndicatorData,
        indicators=[
            mk(
                Indicator,
                indicator_id=mk(
                    IndicatorID, name=options.name, version="1", value=f"spam-{ident_base}-url{i + 1}"
                ),
                descriptions=["URL in the message body"],
                observable=mk(Observable, address=address_for(u, kind="site-uri")),
                node_roles=[mk(NodeRole, category="phishing-site")] if harmful else [],
            )
            for i, u in enumerate(urls[: options.max_samples])
        ],
    )


def _additional(
    group: Group[SpamRecord], options: ConvertOptions, pseudo: Pseudonymizer
) -> list[ExtensionType]:
    """Pseudonymisation note, reported message and report IDs, and which lists were cut."""
    additional = [n for n in [pseudo.note()] if n is not None]
    message_ids = group.values("message_id")
    report_ids = group.values("report_id")
    if message_ids:
        additional.append(text_item(", ".join(message_ids[:32]), meaning="reported-message-ids"))
    if report_ids:
        additional.append(text_item(", ".join(report_ids[:32]), meaning="source-report-ids"))
    # Say which lists were cut, here or when the values were kept (per-record caps in _observe).
    over = group.overflow
    sender_ips = group.values("sender_ip")
    urls = group.values("url")
    hashes = group.values("body_hash")
    comments = group.values("comment")
    via = group.values("reported_via")
    cut = not_listed_item(
        [
            listed_of("sender IP addresses", len(sender_ips), len(sender_ips), "sender_ip" in over),
            listed_of("URLs", len(urls), options.max_samples, "url" in over),
            listed_of("message body hashes", len(hashes), options.max_samples, "body_hash" in over),
            listed_of(
                "reporting organisations", len(group.values("reporter_org")), 4, "reporter_org" in over
            ),
            listed_of("operators", len(group.values("operator")), 4, "operator" in over),
            listed_of("message IDs", len(message_ids), 32, "message_id" in over),
            listed_of(
                "source report IDs",
                len(report_ids) + group.state.get("report_ids_past", 0),
                32,
                False,  # counted to the last one (each report has its own ID)
            ),
            listed_of("reporter comments", len(comments), len(comments), "comment" in over),
            listed_of("report channels", len(via), len(via), "reported_via" in over),
        ]
    )
    if cut is not None:
        additional.append(cut)
    return additional


def build(group: Group[SpamRecord], options: ConvertOptions, pseudo: Pseudonymizer) -> Incident:
    """One Incident from a closed group of spam records (RFC 7970 §3.2)."""
    first = group.samples[0]
    messages = group.count + group.state.get("more_messages", 0)
    recipients = group.values("recipient")
    urls = group.values("url")
    record_data = _record_data(group, options, pseudo)
    event = mk(
        EventData,
        start_time=group.first,
        end_time=group.last,
        flows=[mk(Flow, systems=_systems(group, options, pseudo))],
        expectations=_expectations(group),
        record=mk(Record, record_data_list=record_data) if record_data else None,
    )
    discoveries = [
        mk(
            Discovery,
            source=_DISCOVERY.get(fmt, "external-notification"),
            descriptions=[f"read from {fmt} input"]
            + [f"subscribers reported to {v}" for v in group.values("reported_via")],
        )
        for fmt in group.values("format")
    ]
    description = (
        f"{messages} {first.channel} {_what(_kinds(group))} message(s) from {first.sender}"
        + (
            f" to {len(recipients)}{'+' if 'recipient' in group.overflow else ''} recipient(s)"
            if recipients
            else ""
        )
        + f" between {iso(group.first)} and {iso(group.last)}"
        + (f"; {len(urls)} URL(s) in the bodies" if urls else "")
        + "."
    )
    ident = group.digest(FAMILY, options.name, options.pseudonymize_key)
    return mk(
        Incident,
        purpose="mitigation",
        status="new",
        restriction=options.restriction,
        incident_id=mk(IncidentID, name=options.name, value=f"spam-{ident}"),
        detect_time=group.first,
        start_time=group.first,
        end_time=group.last,
        report_time=group.state.get("reported_at"),
        generation_time=options.now(),
        descriptions=[description],
        discoveries=discoveries,
        assessments=[_assessment(group, messages)],
        contacts=_contacts(group, options),
        event_data_list=[event],
        indicator_data=_indicators(group, options),
        additional_data_list=_additional(group, options, pseudo),
    )
