"""Malformed input, reader by reader: each bad record is reported with its file and line and
skipped, and every good record around it still comes through.

Line-based readers get the good fixture with bad lines spliced in (a truncated record, a record
with the wrong number of columns or a missing field, a bad timestamp, a line that is not UTF-8);
document readers get truncated, mis-encoded and hostile documents.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import FIXTURES, convert_bytes, fixture_options, run_reader

# (family, format, fixture, number of header lines before the first record)
LINE_READERS = [
    ("rat", "zeek-tsv", "rat/zeek-tsv/rdp.log", 8),
    ("rat", "zeek-json", "rat/zeek-json/conn-mix.json", 0),
    ("rat", "winevt-json", "rat/winevt-json/evtx_dump.jsonl", 0),
    ("rat", "teamviewer", "rat/teamviewer/Connections_incoming.txt", 0),
    ("rat", "anydesk", "rat/anydesk/connection_trace.txt", 0),
    ("rat", "suricata", "rat/suricata/eve.json", 0),
    ("rat", "jsonl", "rat/jsonl/rat.jsonl", 0),
    ("spam", "sms-csv", "spam/sms-csv/7726-feed.csv", 1),
    ("spam", "x1247-csv", "spam/x1247-csv/feedback.csv", 1),
    ("spam", "jsonl", "spam/jsonl/spam.jsonl", 0),
    ("spam", "rcs-json", "spam/rcs-json/maap-notices.jsonl", 0),
    ("vms", "vms-audit-csv", "vms/vms-audit-csv/audit.csv", 1),
    ("vms", "vms-audit-json", "vms/vms-audit-json/audit.jsonl", 0),
    ("vms", "syslog", "vms/syslog/rfc5424.log", 0),
    ("vms", "jsonl", "vms/jsonl/vms.jsonl", 0),
]

# Per format: bad records of each kind (a truncated one, one with the wrong shape, one whose
# timestamp is not a time).
BAD: dict[str, dict[str, bytes]] = {
    "zeek-tsv": {
        "truncated": b"1741057300.000000\tCtr\t203.0.113.9\t4915",
        "columns": b"1741057300.000000\tCx\t203.0.113.9\t1\t10.20.0.5\t3389\tu\tSuccess",
        "timestamp": b"yesterday\tCts\t203.0.113.9\t49152\t10.20.0.5\t3389\toperator\tSuccess\tRDP"
        b"\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-",
        "address": b"1741057300.0\tCad\t203.0.113.999\t49152\t10.20.0.5\t3389\toperator\tSuccess\tRDP"
        b"\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-\t-",
    },
    "zeek-json": {
        "truncated": b'{"ts":1741057200.1,"uid":"CjRdp1","id.orig_h":"203.0.1',
        "columns": b'{"ts":1741057200.1,"uid":"Cx","id.orig_h":"203.0.113.9","id.resp_h":"10.20.0.5"}',
        "timestamp": b'{"ts":"not a time","uid":"Ct","id.orig_h":"203.0.113.9","id.resp_h":"10.20.0.5",'
        b'"cookie":"x","result":"Success"}',
    },
    "winevt-json": {
        "truncated": b'{"Event": {"System": {"EventID": 4625, "TimeCreated": {"#attri',
        "columns": b'{"Event": {"System": {"TimeCreated": {"#attributes": {"SystemTime": '
        b'"2025-03-06T10:00:00Z"}}}, "EventData": {}}}',
        "timestamp": b'{"Event": {"System": {"EventID": 4625, "TimeCreated": {"#attributes": {"SystemTime": '
        b'"2025-13-45T99:00:00Z"}}, "Computer": "x"}, '
        b'"EventData": {"LogonType": 3, "IpAddress": "192.0.2.1"}}}',
    },
    "teamviewer": {
        "truncated": b"1234567890\tJohn Contractor\t04-03-2025 02:1",
        "columns": b"1234567890\tJohn\t04-03-2025 02:10:11\t04-03-2025 02:55:40\toperator\tRemoteControl"
        b"\t{x}\textra",
        "timestamp": b"1234567890\tJohn\t31-02-2025 02:10:11\t04-03-2025 02:55:40\toperator"
        b"\tRemoteControl\t{x}",
    },
    "anydesk": {
        "truncated": b"Incoming    2025-03-04, 03:4",
        "columns": b"Incoming    2025-03-04, 03:46    Unknownmethod    x    123456789",
        "timestamp": b"Incoming    2025-02-30, 03:46    REJECTED    x    123456789",
    },
    "suricata": {
        "truncated": b'{"timestamp":"2025-03-04T03:00:01.123456+0000","flow_id":1,"event_type":"al',
        "columns": b'{"timestamp":"2025-03-04T03:00:01+0000","event_type":"alert","src_ip":"203.0.113.9"}',
        "timestamp": b'{"timestamp":"03/04/2025 03:00","event_type":"rdp","src_ip":"203.0.113.9",'
        b'"dest_ip":"10.20.0.5"}',
    },
    "jsonl": {
        "truncated": b'{"time":"2025-03-04T03:12:00Z","event":"login-suc',
        "columns": b'{"time":"2025-03-04T03:12:00Z"}',
        "timestamp": b'{"time":"the fourth of March","event":"spam","sender":"x"}',
    },
    "rcs-json": {
        "truncated": b'{"timestamp": "2025-03-08T12:00:05Z", "chatbotId": "sip:parcel-alerts@botpla',
        "columns": b'{"timestamp": "2025-03-08T12:00:05Z", "spamType": "spam"}',
        "timestamp": b'{"timestamp": "8 March", "chatbotId": "sip:x@botplatform.example.com", '
        b'"spamType": "spam"}',
    },
    "sms-csv": {
        "truncated": b"R9,2025-03-04T09:10:00Z,+447700901299",
        "columns": b"R9,2025-03-04T09:10:00Z,+447700901299,ExampleMobile,+447700900999,text,"
        b"2025-03-04T09:00:00Z,x",
        "timestamp": b"R9,04/03/2025 09:10,+447700901299,ExampleMobile,+447700900999,text,",
    },
    "x1247-csv": {
        "truncated": b"+8613800138000,12321,+86170000",
        "columns": b"+8613800138000,12321,+8617000000001,voice,2025-03-07T08:00:00+08:00",
        "timestamp": b"+8613800138000,12321,+8617000000001,voice,2025-03-07 8am,,,fraud,",
    },
    "vms-audit-csv": {
        "truncated": b"2025-03-04T02:00:10Z,vms-01,admin,,198.51.",
        "columns": b"2025-03-04T02:00:10Z,vms-01,admin,,198.51.100.4,Web Client,login_failed,,,,"
        b"failure,extra",
        "timestamp": b"2025-03-04T25:00:10Z,vms-01,admin,,198.51.100.4,Web Client,login_failed,,,,failure",
        "action": b"2025-03-04T02:00:10Z,vms-01,admin,,198.51.100.4,Web Client,reboot,,,,success",
    },
    "vms-audit-json": {
        "truncated": b'{"timestamp":"2025-03-04T02:00:10Z","server":"nvr-02","user":"ro',
        "columns": b'{"timestamp":"2025-03-04T02:00:10Z","server":"nvr-02"}',
        "timestamp": b'{"timestamp":"2025-03-04X02:00:10","action":"login","result":"failure"}',
    },
    "syslog": {
        "truncated": b"<38>1 2025-03-04T02:11:09Z cam-lobby-03",
        "columns": b"<999>1 2025-03-04T02:11:09Z cam-lobby-03 httpd - - - Login failed user=admin",
        "timestamp": b"<38>1 2025-03-04T02:61:09Z cam-lobby-03 httpd - - - Login failed user=admin",
    },
}


def _splice(data: bytes, header: int, bad: list[bytes]) -> tuple[bytes, list[int]]:
    """Put one bad line after the header and each record line; return the data and bad lines' numbers."""
    lines = data.splitlines(keepends=True)
    out: list[bytes] = lines[:header]
    where: list[int] = []
    pending = list(bad)
    for line in lines[header:]:
        out.append(line)
        if pending and not line.startswith(b"#"):
            out.append(pending.pop(0) + b"\n")
            where.append(len(out))
    for b in pending:
        out.append(b + b"\n")
        where.append(len(out))
    return b"".join(out), where


CASES = [
    pytest.param(family, fmt, fixture, header, kind, id=f"{fixture}-{kind}")
    for family, fmt, fixture, header in LINE_READERS
    for kind in [*BAD[fmt], "non-utf8"]
]


@pytest.mark.parametrize(("family", "fmt", "fixture", "header", "kind"), CASES)
def test_bad_lines_are_reported_and_skipped(
    family: str, fmt: str, fixture: str, header: int, kind: str
) -> None:
    path = FIXTURES / fixture
    good = path.read_bytes()
    extra = fixture_options(path)
    expected, errors = run_reader(family, fmt, good, path.name, extra)
    assert not errors
    assert expected
    if kind == "non-utf8":
        first = good.splitlines()[header]
        bad = [first[: len(first) // 2] + b"\xff\xfe" + first[len(first) // 2 :]]
    else:
        bad = [BAD[fmt][kind]]
    data, where = _splice(good, header, bad)
    records, errors = run_reader(family, fmt, data, "broken.input", extra)
    assert [e.line for e in errors] == where, [str(e) for e in errors]
    assert all(e.source == "broken.input" and e.message for e in errors)
    assert [(r.time, r.event) for r in records] == [(r.time, r.event) for r in expected]


def test_truncated_last_line_without_newline_is_reported() -> None:
    good = (FIXTURES / "rat/zeek-json/conn-mix.json").read_bytes()
    data = good + b'{"ts":1741057200.1,"id.orig_h":"203'
    records, errors = run_reader("rat", "zeek-json", data, "x.json")
    assert len(records) == len(good.splitlines())
    assert [e.line for e in errors] == [len(good.splitlines()) + 1]


def test_zeek_record_before_fields_header_is_reported() -> None:
    data = b"1741057200.0\tC1\t203.0.113.9\t1\t10.0.0.1\t3389\n"
    records, errors = run_reader("rat", "zeek-tsv", data, "rdp.log")
    assert records == []
    assert errors[0].line == 1
    assert "#fields" in errors[0].message


def test_csv_header_without_required_columns_is_reported() -> None:
    data = b"id,when,text\n1,2025-03-04T00:00:00Z,hello\n"
    records, errors = run_reader("spam", "sms-csv", data, "feed.csv")
    assert records == []
    assert errors[0].line == 1
    assert "reporter_msisdn" in errors[0].message


# --------------------------------------------------------------------------- document readers

DOCUMENTS = [
    ("rat", "winevt-xml", "rat/winevt-xml/security-eventviewer.xml"),
    ("vms", "onvif", "vms/onvif/pullmessages.xml"),
    ("vms", "hikvision", "vms/hikvision/alertstream.txt"),
    ("spam", "xarf", "spam/xarf/spam_sample.json"),
]


@pytest.mark.parametrize(("family", "fmt", "fixture"), DOCUMENTS, ids=lambda v: str(v))
def test_truncated_document_is_reported(family: str, fmt: str, fixture: str) -> None:
    data = (FIXTURES / fixture).read_bytes()
    cut = data.rindex(b"Date") if fmt == "xarf" else data.rindex(b"<", 0, len(data) - 30)
    _records, errors = run_reader(family, fmt, data[:cut], "cut")
    assert errors, "a truncated document must be reported"
    assert errors[0].source == "cut"
    assert errors[0].line is not None
    assert errors[0].line >= 1


@pytest.mark.parametrize(("family", "fmt", "fixture"), DOCUMENTS[:2], ids=lambda v: str(v))
def test_xml_with_a_doctype_is_refused(family: str, fmt: str, fixture: str) -> None:
    data = (FIXTURES / fixture).read_bytes()
    evil = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
    if data.startswith(b"<?xml"):
        end = data.index(b"?>") + 2
        data = data[:end] + b"\n" + evil + data[end:]
    else:
        data = evil + data
    records, errors = run_reader(family, fmt, data, "evil.xml")
    assert records == []
    assert errors
    assert "DOCTYPE" in errors[0].message or "DTD" in errors[0].message or "entit" in errors[0].message


def test_hikvision_alert_with_an_entity_reference_is_refused() -> None:
    data = (FIXTURES / "vms/hikvision/shelteralarm-ns.xml").read_bytes().replace(b"shelter alarm", b"&xxe;")
    records, errors = run_reader("vms", "hikvision", data, "alert.xml")
    assert records == []
    assert len(errors) == 1
    assert "not well-formed" in errors[0].message


def test_onvif_bad_time_names_the_message_line() -> None:
    data = (FIXTURES / "vms/onvif/pullmessages.xml").read_bytes()
    broken = data.replace(b'UtcTime="2025-03-04T02:12:30Z"', b'UtcTime="2025-03-04 half past two"', 1)
    records, errors = run_reader("vms", "onvif", broken, "pull.xml")
    good, _ = run_reader("vms", "onvif", data, "pull.xml")
    assert len(records) == len(good) - 1
    assert len(errors) == 1
    line = errors[0].line
    assert line is not None
    assert b"NotificationMessage" in broken.splitlines()[line - 1]


def test_hikvision_non_utf8_alert_is_reported_and_others_kept() -> None:
    data = (FIXTURES / "vms/hikvision/alertstream.txt").read_bytes()
    broken = data.replace(b"HDD full", b"HDD \xff\xfe full", 1)
    records, errors = run_reader("vms", "hikvision", broken, "stream")
    good, _ = run_reader("vms", "hikvision", data, "stream")
    assert len(records) == len(good) - 1
    assert len(errors) == 1
    assert errors[0].line is not None


def test_windows_xml_bad_time_is_reported() -> None:
    data = (FIXTURES / "rat/winevt-xml/security-eventviewer.xml").read_bytes()
    broken = data.replace(b"2025-03-04T03:12:00.0000000Z", b"2025-03-04T03:12:00.0000000Q", 1)
    records, errors = run_reader("rat", "winevt-xml", broken, "sec.xml")
    good, _ = run_reader("rat", "winevt-xml", data, "sec.xml")
    assert len(records) == len(good) - 1
    assert len(errors) == 1
    assert errors[0].line is not None
    assert errors[0].line > 2


def test_arf_that_is_not_a_report_is_reported() -> None:
    records, errors = run_reader("spam", "arf", b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n", "x.eml")
    assert records == []
    assert "multipart/report" in errors[0].message


def test_arf_without_feedback_type_is_reported() -> None:
    data = (FIXTURES / "spam/arf/with-original.eml").read_bytes().replace(b"Feedback-Type: abuse\r\n", b"")
    records, errors = run_reader("spam", "arf", data, "x.eml")
    assert records == []
    assert "Feedback-Type" in errors[0].message


def test_arf_with_bad_source_ip_is_reported() -> None:
    data = (
        (FIXTURES / "spam/arf/with-original.eml")
        .read_bytes()
        .replace(b"Source-IP: 192.0.2.77", b"Source-IP: 192.0.2.777")
    )
    records, errors = run_reader("spam", "arf", data, "x.eml")
    assert records == []
    assert "Source-IP" in errors[0].message


def test_bad_records_are_counted_and_the_rest_converted(tmp_path: Path) -> None:
    good = (FIXTURES / "vms/vms-audit-csv/audit.csv").read_bytes()
    data, where = _splice(good, 1, [BAD["vms-audit-csv"]["timestamp"], BAD["vms-audit-csv"]["columns"]])
    _produced, stats = convert_bytes("vms", "vms-audit-csv", data, "audit.csv")
    _clean, clean_stats = convert_bytes("vms", "vms-audit-csv", good, "audit.csv")
    assert stats.bad_records == 2
    assert [e.line for e in stats.errors] == where
    assert stats.records == clean_stats.records
    assert stats.incidents == clean_stats.incidents


def test_xmpp_report_without_a_time_is_refused_and_others_kept() -> None:
    data = (FIXTURES / "spam/xmpp-report/reports.xml").read_bytes()
    broken = data.replace(b'stamp="2025-03-09T20:40:00.250Z"', b"", 1)
    records, errors = run_reader("spam", "xmpp-report", broken, "reports.xml")
    good, _ = run_reader("spam", "xmpp-report", data, "reports.xml")
    assert len(records) == len(good) - 1
    assert len(errors) == 1
    assert "delay" in errors[0].message
    assert errors[0].line == 16


def test_xmpp_report_with_a_doctype_is_refused() -> None:
    data = b'<!DOCTYPE iq [<!ENTITY x "y">]>' + (FIXTURES / "spam/xmpp-report/reports.xml").read_bytes()
    records, errors = run_reader("spam", "xmpp-report", data, "reports.xml")
    assert records == []
    assert len(errors) == 1
