"""Readers: real input formats -> typed records, one generator per format.

Every reader has the signature ``read(fh: IO[bytes], name: str, on_error) -> Iterator[Record]``:
it reads the binary stream *fh* incrementally (document formats such as ARF or XML are read whole,
up to 32 MiB), yields one record per input record, and reports each record it cannot read to
``on_error`` as a :class:`~iodef.RecordError` naming *name* and the line, then goes on.

:data:`READERS` maps family -> format name -> :class:`ReaderSpec`; :func:`detect` picks a format
from the first bytes and the file name.
"""

from __future__ import annotations

import re
from typing import Any, Final

from ...errors import ConvertError
from ._base import OnError, ReaderSpec, first_json_object, peek_head, raise_error
from .canonical import read_rat_jsonl, read_spam_jsonl, read_vms_jsonl
from .messaging import read_rcs_json, read_xmpp_report
from .ratlogs import read_anydesk, read_suricata, read_teamviewer
from .ratservice import read_anydesk_trace, read_teamviewer_log
from .rcsspam import SR_NS, read_rcs_report
from .spamfeeds import read_arf, read_sms_csv, read_x1247_csv
from .unifi import read_unifi_protect
from .vmsfeeds import read_hikvision, read_onvif, read_syslog, read_vms_audit_csv, read_vms_audit_json
from .windows import read_winevt_json, read_winevt_xml
from .xarf import is_xarf, read_xarf, read_xarf_rat
from .zeek import read_zeek_json, read_zeek_tsv

__all__ = ["READERS", "OnError", "ReaderSpec", "detect", "peek_head", "raise_error"]


def _json_has(*keys: str) -> Any:
    def sniff(head: bytes, filename: str) -> bool:
        obj = first_json_object(head)
        return obj is not None and all(_has(obj, k) for k in keys)

    return sniff


def _has(obj: dict[str, Any], dotted: str) -> bool:
    if dotted in obj:
        return True
    cur: Any = obj
    for part in dotted.split("."):
        if not isinstance(cur, dict) or part not in cur:
            return False
        cur = cur[part]
    return True


def _canonical(head: bytes, filename: str) -> bool:
    obj = first_json_object(head)
    return obj is not None and "time" in obj and "event" in obj


def _zeek_tsv(head: bytes, filename: str) -> bool:
    return head.startswith(b"#separator") or b"\n#fields\t" in head


def _zeek_json(head: bytes, filename: str) -> bool:
    obj = first_json_object(head)
    return obj is not None and "ts" in obj and ("id.orig_h" in obj or isinstance(obj.get("id"), dict))


def _winevt_xml(head: bytes, filename: str) -> bool:
    return (
        head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
        and b"schemas.microsoft.com/win/2004/08/events/event" in head
    )


def _winevt_json(head: bytes, filename: str) -> bool:
    obj = first_json_object(head)
    return obj is not None and (isinstance(obj.get("Event"), dict) or isinstance(obj.get("winlog"), dict))


def _teamviewer(head: bytes, filename: str) -> bool:
    if filename.lower().endswith("connections_incoming.txt"):
        return True
    first = head.lstrip(b"\r\n").split(b"\n", 1)[0]  # TeamViewer starts the file with an empty line
    cols = first.rstrip(b"\r\t").split(b"\t")
    return len(cols) in (6, 7) and cols[0].strip().isdigit() and b"-" in cols[2]


def _anydesk_trace(head: bytes, filename: str) -> bool:
    return (
        re.search(rb"(?m)^ {0,12}\w{1,12} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ +\S+ +\d+ +\d+ ", head)
        is not None
    )


def _teamviewer_log(head: bytes, filename: str) -> bool:
    return re.search(rb"(?m)^Start: +\d{4}/\d\d/\d\d ", head) is not None and b"TeamViewer" in head


def _anydesk(head: bytes, filename: str) -> bool:
    if filename.lower().endswith("connection_trace.txt"):
        return True
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # connection_trace.txt is UTF-16 with a BOM
        head = head.decode("utf-16", "replace").encode("utf-8")
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return s.startswith((b"Incoming ", b"Outgoing ", b"Incoming\t", b"Outgoing\t"))


def _csv_header(*columns: str) -> Any:
    def sniff(head: bytes, filename: str) -> bool:
        first = head.split(b"\n", 1)[0].lstrip(b"\xef\xbb\xbf").decode("utf-8", "replace").lower()
        cols = {c.strip().strip('"') for c in first.split(",")}
        return all(c in cols for c in columns)

    return sniff


def _rcs(head: bytes, filename: str) -> bool:
    return (b'"chatbotId"' in head or b'"chatbot"' in head) and b'"spamType"' in head


def _rcs_report(head: bytes, filename: str) -> bool:
    return SR_NS.encode() in head or (b'"bodyText"' in head and (b'"PD94bWw' in head or b'"PFNS' in head))


def _xmpp(head: bytes, filename: str) -> bool:
    return b"urn:xmpp:reporting:1" in head


def _arf(head: bytes, filename: str) -> bool:
    h = head.lower()
    if b"multipart/report" in h and b"feedback-report" in h:
        return True
    # a complaint that forwards the message (Hotmail style): a MIME message holding message/rfc822
    return b"mime-version:" in h and b"multipart/" in h and b"message/rfc822" in h


def _xarf(head: bytes, filename: str) -> bool:
    return is_xarf(first_json_object(head)) or (b'"ReporterInfo"' in head and b'"Report"' in head)


def _xarf_messaging(head: bytes, filename: str) -> bool:
    return _xarf(head, filename) and not _xarf_login(head, filename)


def _xarf_login(head: bytes, filename: str) -> bool:
    h = head.lower()
    return _xarf(head, filename) and (b"loginattack" in h or b'"login_attack"' in h)


def _onvif(head: bytes, filename: str) -> bool:
    return b"http://docs.oasis-open.org/wsn/b-2" in head and b"NotificationMessage" in head


def _hikvision(head: bytes, filename: str) -> bool:
    return b"EventNotificationAlert" in head


def _vms_audit_json(head: bytes, filename: str) -> bool:
    obj = first_json_object(head)
    return obj is not None and "timestamp" in obj and "action" in obj


def _unifi(head: bytes, filename: str) -> bool:
    obj = first_json_object(head)
    return obj is not None and obj.get("modelKey") == "event" and "type" in obj and "start" in obj


def _syslog(head: bytes, filename: str) -> bool:
    return re.match(rb"^<\d{1,3}>(1 \d{4}-|[A-Z][a-z]{2} [ \d]\d )", head.lstrip(b"\xef\xbb\xbf")) is not None


READERS: Final[dict[str, dict[str, ReaderSpec[Any]]]] = {
    "spam": {
        "arf": ReaderSpec("arf", read_arf, "ARF abuse report (RFC 5965), one message per file", _arf),
        "xarf": ReaderSpec(
            "xarf", read_xarf, "XARF v3/v4 messaging reports (spam, phishing; smtp, sms ...)", _xarf_messaging
        ),
        "sms-csv": ReaderSpec(
            "sms-csv",
            read_sms_csv,
            "SMS spam-report feed of the GSMA 7726 kind (CSV)",
            _csv_header("reported_at", "reporter_msisdn", "spam_sender"),
            mapped=True,
            rows=True,
        ),
        "x1247-csv": ReaderSpec(
            "x1247-csv",
            read_x1247_csv,
            "X.1246/X.1247 customer-feedback records (CSV)",
            _csv_header("reporter_msisdn", "reported_number", "event_start"),
            mapped=True,
        ),
        "rcs-json": ReaderSpec(
            "rcs-json", read_rcs_json, "RCS / 5G-message chatbot spam reports (JSON)", _rcs
        ),
        "rcs-report": ReaderSpec(
            "rcs-report",
            read_rcs_report,
            "GSMA RCS spam report XML (<SR>), alone or in a chatbot platform's JSON envelope",
            _rcs_report,
        ),
        "xmpp-report": ReaderSpec(
            "xmpp-report", read_xmpp_report, "XMPP spam reports (XEP-0377 iq stanzas)", _xmpp
        ),
        "jsonl": ReaderSpec("jsonl", read_spam_jsonl, "canonical SpamRecord JSON lines", _canonical),
    },
    "rat": {
        "zeek-tsv": ReaderSpec(
            "zeek-tsv", read_zeek_tsv, "Zeek rdp/ssh/rfb.log, TSV with #fields", _zeek_tsv, rows=True
        ),
        "zeek-json": ReaderSpec("zeek-json", read_zeek_json, "Zeek rdp/ssh/rfb.log, JSON lines", _zeek_json),
        "winevt-xml": ReaderSpec(
            "winevt-xml", read_winevt_xml, "Windows 4624/4625/4778 as Event Viewer XML", _winevt_xml
        ),
        "winevt-json": ReaderSpec(
            "winevt-json",
            read_winevt_json,
            "Windows events as evtx_dump/chainsaw or Winlogbeat JSON",
            _winevt_json,
            rows=True,
        ),
        "teamviewer": ReaderSpec(
            "teamviewer", read_teamviewer, "TeamViewer Connections_incoming.txt", _teamviewer
        ),
        "anydesk": ReaderSpec("anydesk", read_anydesk, "AnyDesk connection_trace.txt", _anydesk),
        "anydesk-trace": ReaderSpec(
            "anydesk-trace", read_anydesk_trace, "AnyDesk ad.trace / ad_svc.trace service log", _anydesk_trace
        ),
        "teamviewer-log": ReaderSpec(
            "teamviewer-log",
            read_teamviewer_log,
            "TeamViewer service log (TeamViewerNN_Logfile.log)",
            _teamviewer_log,
        ),
        "suricata": ReaderSpec(
            "suricata",
            read_suricata,
            "Suricata EVE JSON (alerts, rdp/ssh events)",
            _json_has("event_type", "timestamp"),
        ),
        "xarf": ReaderSpec(
            "xarf", read_xarf_rat, "XARF v3 LoginAttack / v4 login_attack reports", _xarf_login
        ),
        "jsonl": ReaderSpec("jsonl", read_rat_jsonl, "canonical RatRecord JSON lines", _canonical),
    },
    "vms": {
        "onvif": ReaderSpec("onvif", read_onvif, "ONVIF wsnt:NotificationMessage XML", _onvif),
        "hikvision": ReaderSpec(
            "hikvision", read_hikvision, "Hikvision ISAPI EventNotificationAlert XML", _hikvision
        ),
        "vms-audit-csv": ReaderSpec(
            "vms-audit-csv",
            read_vms_audit_csv,
            "VMS audit log, CSV",
            _csv_header("timestamp", "action"),
            mapped=True,
        ),
        "vms-audit-json": ReaderSpec(
            "vms-audit-json", read_vms_audit_json, "VMS audit log, JSON lines", _vms_audit_json
        ),
        "unifi-protect": ReaderSpec(
            "unifi-protect", read_unifi_protect, "UniFi Protect events (/api/events JSON)", _unifi
        ),
        "syslog": ReaderSpec("syslog", read_syslog, "camera/NVR syslog, RFC 5424 or RFC 3164", _syslog),
        "jsonl": ReaderSpec("jsonl", read_vms_jsonl, "canonical VmsRecord JSON lines", _canonical),
    },
}


def detect(family: str, head: bytes, filename: str) -> str:
    """The name of the reader whose format *head* (the first bytes) and *filename* look like.

    Raises :class:`~iodef.ConvertError` when no format, or more than one, fits.
    """
    specs = READERS[family]
    fits = [name for name, spec in specs.items() if spec.sniff(head, filename)]
    if "jsonl" in fits and len(fits) > 1:
        fits.remove("jsonl")
    if len(fits) == 1:
        return fits[0]
    known = ", ".join(specs)
    if not fits:
        elsewhere = [
            f"{fmt} of the {other} family"
            for other, others in READERS.items()
            if other != family
            for fmt, spec in others.items()
            if fmt != "jsonl" and spec.sniff(head, filename)
        ]
        hint = f"; it looks like {' or '.join(elsewhere)}: convert it with that family" if elsewhere else ""
        raise ConvertError(
            f"cannot tell the input format of this {family} input (tried {known}){hint}; name it with --from",
            source=filename,
        )
    raise ConvertError(f"the input could be any of {', '.join(fits)}; name it with --from", source=filename)
