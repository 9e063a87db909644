"""Regression tests for the converter findings of the fuzzing issue (issue 9).

Each test names the class of failure it holds fixed: raw exceptions out of a reader (KeyError,
TypeError, OverflowError, ``Header`` objects, ``_csv.Error``), slow paths (a folded 8-bit header,
a backtracking line pattern: checked by what the code produces, never by a clock), and documents
that were invalid (a Node without an address, an unchecked MAC, repeated IncidentIDs).
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from iodef.convert import ConvertOptions
from iodef.convert._addresses import address_for, mac_address
from iodef.convert._run import Input, Stats, convert_inputs
from iodef.convert._times import from_epoch, parse_time
from iodef.convert.readers import READERS
from iodef.errors import RecordError

from .conftest import FIXTURES, assert_valid_document, convert_bytes, run_reader

ZEEK_HEAD = b"#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\trdp\n"


def test_zeek_tsv_fields_without_ts_is_reported_not_a_key_error() -> None:
    data = ZEEK_HEAD + b"#fields\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\n"
    data += b"C1\t203.0.113.9\t5000\t10.0.0.5\t3389\tadmin\tSuccess\n"
    records, errors = run_reader("rat", "zeek-tsv", data, "rdp.log")
    assert records == []
    assert errors[0].line == 6
    assert "lacks ts" in errors[0].message
    assert errors[1].line == 7  # the record under the refused header is reported, not read


@pytest.mark.parametrize("path", [["rdp"], {"x": 1}, 7, None])
def test_zeek_json_path_that_is_not_a_string_is_no_type_error(path: Any) -> None:
    line = {"ts": 1741057200.5, "_path": path, "id.orig_h": "203.0.113.9", "id.orig_p": 5000}
    line |= {"id.resp_h": "10.0.0.5", "id.resp_p": 3389, "cookie": "admin", "result": "Success"}
    records, errors = run_reader("rat", "zeek-json", json.dumps(line).encode() + b"\n", "rdp.json")
    assert not errors
    assert [r.event for r in records] == ["login-success"]  # the fields say rdp


def test_zeek_json_without_path_whose_fields_say_ssh() -> None:
    sample = b'{"ts":1213964540.292082,"uid":"C","id.orig_h":"10.0.0.1","id.orig_p":59139,'
    sample += b'"id.resp_h":"10.0.0.2","id.resp_p":22,"version":1,"auth_attempts":0,'
    sample += b'"client":"SSH-1.99-Cisco-1.25","server":"SSH-2.0-Cisco-1.25"}\n'
    records, errors = run_reader("rat", "zeek-json", sample, "ssh.json")
    assert not errors
    assert records[0].protocol == "ssh"


@pytest.mark.parametrize(
    ("fmt", "data"),
    [
        (
            "zeek-tsv",
            ZEEK_HEAD + b"#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n"
            b"99999999999999\t203.0.113.9\t5000\t10.0.0.5\t3389\n",
        ),
        (
            "zeek-json",
            b'{"ts": 1e20, "_path": "rdp", "id.orig_h": "203.0.113.9", "id.orig_p": 1,'
            b' "id.resp_h": "10.0.0.5", "id.resp_p": 3389}\n',
        ),
        (
            "suricata",
            b'{"timestamp": "9999-12-31T23:00:00-05:00", "event_type": "alert",'
            b' "src_ip": "203.0.113.9", "dest_ip": "10.0.0.5", "alert": {"signature": "x"}}\n',
        ),
        (
            "jsonl",
            b'{"time": "9999-12-31T23:30:00-01:00", "event": "login-failure", "source_ip": "203.0.113.9"}\n',
        ),
    ],
)
def test_times_out_of_range_are_reported_not_overflow_errors(fmt: str, data: bytes) -> None:
    records, errors = run_reader("rat", fmt, data, "input")
    assert records == []
    assert len(errors) == 1
    assert errors[0].line is not None


def test_time_helpers_raise_value_errors_only() -> None:
    with pytest.raises(ValueError, match="out of the range"):
        from_epoch("-99999999999999")
    with pytest.raises(ValueError, match="out of the range"):
        parse_time("9999-12-31T23:00:00-05:00")


def test_a_record_at_the_end_of_time_groups_without_overflow() -> None:
    line = b'{"time": "9999-12-31T23:59:59Z", "event": "login-failure", "source_ip": "203.0.113.9"}\n'
    _, stats = convert_bytes("rat", "jsonl", line, "end.jsonl")
    assert stats.incidents == 1


def _arf(outer_extra: bytes = b"", feedback_extra: bytes = b"") -> bytes:
    return (
        b"From: fbl@provider.example\nDate: Thu, 8 Mar 2025 14:00:00 +0000\n"
        + outer_extra
        + b"MIME-Version: 1.0\nContent-Type: multipart/report; report-type=feedback-report;"
        b' boundary="b"\n\n--b\nContent-Type: text/plain\n\nA complaint.\n'
        b"--b\nContent-Type: message/feedback-report\n\nFeedback-Type: abuse\nUser-Agent: X/1.0\n"
        b"Version: 1\nOriginal-Mail-From: <spammer@bulk.example>\nArrival-Date: Thu, 8 Mar 2025"
        b" 13:00:00 +0000\nSource-IP: 192.0.2.1\n" + feedback_extra + b"\n--b--\n"
    )


@pytest.mark.parametrize("header", [b"Subject", b"Message-ID", b"Date"])
def test_eight_bit_mail_headers_are_text_not_header_objects(header: bytes) -> None:
    value = "Prüfung - 检查".encode()
    records, errors = run_reader("spam", "arf", _arf(outer_extra=header + b": " + value + b"\n"), "r.eml")
    assert not errors
    assert len(records) == 1


def test_a_long_eight_bit_feedback_header_is_kept_as_written_not_folded() -> None:
    # folding it back into encoded words took seconds (quadratic); the raw record is the text itself
    long_value = "é" * 20000
    data = _arf(feedback_extra=b"X-Note: " + long_value.encode() + b"\n")
    records, errors = run_reader("spam", "arf", data, "r.eml")
    assert not errors
    assert f"X-Note: {long_value}" in (records[0].raw or "")


SMS_HEADER = b"reported_at,reporter_msisdn,spam_sender,spam_text\n"


def test_csv_row_with_a_bare_cr_is_reported_and_the_next_row_read() -> None:
    data = SMS_HEADER + b"2025-03-04T10:00:00Z,+447700900001,80001,bad\rtext\n"
    data += b"2025-03-04T10:01:00Z,+447700900002,80002,fine\n"
    records, errors = run_reader("spam", "sms-csv", data, "feed.csv")
    assert [r.sender for r in records] == ["80002"]
    assert errors[0].line == 2
    assert "CSV" in errors[0].message


def test_csv_field_over_the_csv_module_limit_is_reported() -> None:
    data = SMS_HEADER + b'2025-03-04T10:00:00Z,+447700900001,80001,"' + b"x" * 200_000 + b'"\n'
    data += b"2025-03-04T10:01:00Z,+447700900002,80002,fine\n"
    records, errors = run_reader("spam", "sms-csv", data, "feed.csv")
    assert [r.sender for r in records] == ["80002"]
    assert errors
    assert errors[0].line == 2


def test_vms_audit_csv_with_a_bare_cr_is_reported() -> None:
    data = b"timestamp,action,user,client_ip\n2025-03-04T10:00:00Z,login,ad\rmin,203.0.113.9\n"
    records, errors = run_reader("vms", "vms-audit-csv", data, "audit.csv")
    assert records == []
    assert errors[0].line == 2


def test_anydesk_line_is_split_without_a_whole_line_pattern() -> None:
    # the old pattern backtracked over a long line (5 s at 8 KB); the alias now comes from slicing
    alias = "A" + " " * 8000 + "B"
    line = f"Incoming 2025-03-04, 03:46 User {alias} 123456789\n".encode()
    records, errors = run_reader("rat", "anydesk", line, "connection_trace.txt")
    assert not errors
    assert records[0].source_id == "123456789"
    assert records[0].source_name == alias
    junk = ("Incoming 2025-03-04, 03:46 User " + " " * 8000 + "x\n").encode()
    records, errors = run_reader("rat", "anydesk", junk, "connection_trace.txt")
    assert records == []
    assert len(errors) == 1


def test_anydesk_connection_trace_in_utf16_with_bom() -> None:
    text = "Incoming 2025-03-04, 03:46 User Helper 123456789\r\n"
    records, errors = run_reader(
        "rat", "anydesk", "\ufeff".encode("utf-16-le") + text.encode("utf-16-le"), "c.txt"
    )
    assert not errors
    assert records[0].source_id == "123456789"


@pytest.mark.parametrize(
    ("family", "line"),
    [
        ("rat", {"time": "2025-03-04T03:00:00Z", "event": "alert", "signature": "ET SCAN"}),
        ("rat", {"time": "2025-03-04T03:00:00Z", "event": "login-failure", "user": "admin"}),
        ("vms", {"time": "2025-03-04T03:00:00Z", "event": "tamper", "device_kind": "camera"}),
    ],
)
def test_records_without_an_address_give_valid_documents(family: str, line: dict[str, Any]) -> None:
    produced, stats = convert_bytes(family, "jsonl", json.dumps(line).encode() + b"\n", "x.jsonl")
    assert stats.incidents == 1
    assert_valid_document(produced)


@pytest.mark.parametrize(("mac", "kept"), [("not-a-mac", None), ("AA-BB-CC-DD-EE-0F", "aa:bb:cc:dd:ee:0f")])
def test_mac_addresses_are_checked_before_category_mac(mac: str, kept: str | None) -> None:
    line = {"time": "2025-03-04T03:00:00Z", "event": "tamper", "device": "cam-1", "device_mac": mac}
    produced, _ = convert_bytes("vms", "jsonl", json.dumps(line).encode() + b"\n", "x.jsonl")
    assert_valid_document(produced)
    assert (b'category="mac"' in produced) is (kept is not None)
    if kept:
        assert kept.encode() in produced
    assert mac_address("aabb.ccdd.eeff") == "aa:bb:cc:dd:ee:ff"
    with pytest.raises(ValueError, match="not a MAC address"):
        address_for("zz:zz", kind="mac")


def _ids(family: str, inputs: list[tuple[str, bytes, str]]) -> list[str]:
    stats = Stats()
    errors: list[RecordError] = []
    opts = ConvertOptions(name="csirt.example")
    streams = [Input(name, io.BytesIO(data), fmt) for name, data, fmt in inputs]
    ids = [i.incident_id.value for i in convert_inputs(family, streams, opts, stats, errors.append)]
    assert not errors
    return ids


def test_the_same_input_twice_in_one_run_gives_distinct_incident_ids() -> None:
    rdp = (FIXTURES / "rat/zeek-tsv/rdp.log").read_bytes()
    ids = _ids("rat", [("rdp.log", rdp, "zeek-tsv"), ("copy-of-rdp.log", rdp, "zeek-tsv")])
    assert len(ids) > len(_ids("rat", [("rdp.log", rdp, "zeek-tsv")]))  # closed groups reopen
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize(
    ("family", "path", "fmt"),
    [
        ("spam", "spam/sms-csv/7726-feed.csv", "sms-csv"),
        ("vms", "vms/vms-audit-csv/audit.csv", "vms-audit-csv"),
    ],
)
def test_csv_inputs_converted_twice_in_one_run_give_distinct_ids(family: str, path: str, fmt: str) -> None:
    data = (FIXTURES / path).read_bytes()
    ids = _ids(family, [("a.csv", data, fmt), ("b.csv", data, fmt)])
    assert len(set(ids)) == len(ids)


def test_a_record_reopening_a_closed_group_gets_its_own_incident_id() -> None:
    lines = [
        {"time": "2025-03-04T10:00:00Z", "event": "login-failure", "source_ip": "203.0.113.9"},
        {"time": "2025-03-04T12:00:00Z", "event": "login-failure", "source_ip": "203.0.113.9"},
        {"time": "2025-03-04T10:00:00Z", "event": "login-failure", "source_ip": "203.0.113.9"},
    ]
    data = "".join(json.dumps(x) + "\n" for x in lines).encode()
    ids = _ids("rat", [("late.jsonl", data, "jsonl")])
    assert len(ids) == 3
    assert len(set(ids)) == 3


@pytest.mark.parametrize(
    ("family", "fmt"),
    [
        ("vms", "onvif"),
        ("vms", "hikvision"),
        ("rat", "winevt-xml"),
        ("spam", "xmpp-report"),
        ("spam", "rcs-report"),
    ],
)
def test_xml_readers_name_the_line_of_a_parse_error(family: str, fmt: str) -> None:
    bad = b'<?xml version="1.0"?>\n<root>\n<a>\n</b>\n</root>\n'
    _, errors = run_reader(family, fmt, bad, "x.xml")
    assert errors
    assert all(e.line is not None for e in errors)


def test_every_reader_survives_bytes_that_are_not_its_format() -> None:
    junk = b"\x00\xff\xfe{[<\r\n" * 50
    for family, specs in READERS.items():
        for fmt in specs:
            records, errors = run_reader(family, fmt, junk, "junk")
            assert records == [], (family, fmt)
            assert errors, (family, fmt)
