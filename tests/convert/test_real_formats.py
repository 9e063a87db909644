"""Variants of the formats as real tools write them, for which ../shared/samples has no file."""

from __future__ import annotations

import json
from pathlib import Path

from iodef.cli.main import app
from typer.testing import CliRunner

from .conftest import FIXTURES, assert_valid_document, convert_bytes, run_reader


def _evtx(event_id: int, provider: str, user_data: dict[str, str]) -> bytes:
    record = {
        "Event": {
            "System": {
                "Provider": {"#attributes": {"Name": provider}},
                "EventID": event_id,
                "TimeCreated": {"#attributes": {"SystemTime": "2025-03-04T03:00:00.000000Z"}},
                "Computer": "hmi-01.plant.example",
            },
            "UserData": {"EventXML": {"#attributes": {"xmlns": "Event_NS"}, **user_data}},
        }
    }
    return json.dumps(record).encode() + b"\n"


LSM = "Microsoft-Windows-TerminalServices-LocalSessionManager"


def test_local_session_manager_21_24_25_are_rat_events() -> None:
    data = _evtx(21, LSM, {"User": "PLANT\\operator", "SessionID": "2", "Address": "203.0.113.9"})
    data += _evtx(24, LSM, {"User": "PLANT\\operator", "SessionID": "2", "Address": "203.0.113.9"})
    data += _evtx(25, LSM, {"User": "PLANT\\operator", "SessionID": "2", "Address": "203.0.113.9"})
    records, errors = run_reader("rat", "winevt-json", data, "lsm.jsonl")
    assert not errors
    assert [r.event for r in records] == ["login-success", "logoff", "reconnect"]
    assert {r.source_ip for r in records} == {"203.0.113.9"}
    produced, stats = convert_bytes("rat", "winevt-json", data, "lsm.jsonl")
    assert stats.incidents == 1
    assert_valid_document(produced)


def test_the_same_small_event_id_of_another_provider_is_not_an_rdp_event() -> None:
    data = _evtx(21, "Microsoft-Windows-Kernel-Power", {"Address": "203.0.113.9"})
    records, _ = run_reader("rat", "winevt-json", data, "other.jsonl")
    assert [r.event for r in records] == ["other"]


def test_winlogbeat_elasticsearch_hits_are_read() -> None:
    hit = {
        "@timestamp": "2025-03-04T03:00:00Z",
        "winlog": {
            "event_id": "4625",
            "computer_name": "hmi-01",
            "event_data": {"TargetUserName": "admin", "LogonType": "10", "IpAddress": "203.0.113.9"},
        },
    }
    body = {"took": 3, "hits": {"total": {"value": 2}, "hits": [{"_source": hit}, {"_source": hit}]}}
    records, errors = run_reader("rat", "winevt-json", json.dumps(body, indent=2).encode(), "hits.json")
    assert not errors
    assert [r.event for r in records] == ["login-failure", "login-failure"]


def _complaint(inner_type: bytes, body: bytes) -> bytes:
    return (
        b"From: staff@abuse.example\nTo: abuse@sender.example\nDate: Thu, 6 Mar 2025 10:00:00 +0000\n"
        b"Subject: complaint\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/mixed; boundary="x"\n\n'
        b"--x\nContent-Type: text/plain\n\nThe attached message was reported as spam.\n"
        b"--x\nContent-Type: message/rfc822\n\n"
        b"From: Bank <alerts@phish.example>\nTo: victim@mail.example\nSubject: Verify\n"
        b"Date: Thu, 6 Mar 2025 09:58:01 +0000\nContent-Type: " + inner_type + b"\n\n" + body + b"\n--x--\n"
    )


def test_a_hotmail_style_complaint_is_taken_by_spam() -> None:
    data = _complaint(b"text/plain", b"Verify at https://phish.example/login now")
    records, errors = run_reader("spam", "arf", data, "complaint.eml")
    assert not errors
    assert records[0].sender == "alerts@phish.example"
    assert records[0].urls == ["https://phish.example/login"]
    result = CliRunner().invoke(app, ["convert", "spam", "-", "--name", "csirt.example"], input=data)
    assert result.exit_code == 0, result.stderr  # detected without --from


def test_an_html_original_keeps_its_links() -> None:
    html = b'<html><body><a href="https://phish.example/login?id=1&amp;x=2">Verify</a></body></html>'
    records, errors = run_reader("spam", "arf", _complaint(b"text/html", html), "complaint.eml")
    assert not errors
    assert records[0].urls == ["https://phish.example/login?id=1&x=2"]


def test_xarf_v4_messaging_over_sms_is_an_sms_incident() -> None:
    report = {
        "xarf_version": "4.2.0",
        "report_id": "0f0e0d0c-0000-4000-8000-000000000001",
        "timestamp": "2025-03-04T10:00:00Z",
        "reporter": {"org": "Operator", "contact": "abuse@operator.example"},
        "source_identifier": "+447700900999",
        "category": "messaging",
        "type": "phishing",
        "protocol": "sms",
    }
    records, errors = run_reader("spam", "xarf", json.dumps(report).encode(), "x.json")
    assert not errors
    assert (records[0].channel, records[0].event, records[0].sender) == ("sms", "phishing", "+447700900999")


def test_keys_accept_only_record_fields() -> None:
    rdp = str(FIXTURES / "rat/zeek-tsv/rdp.log")
    result = CliRunner().invoke(app, ["convert", "rat", rdp, "--keys", "model_extra"])
    assert result.exit_code == 2
    assert "unknown grouping key model_extra" in result.stderr
    assert "origin" in result.stderr
    assert "model_fields_set" not in result.stderr


def test_a_vms_audit_export_through_a_column_mapping(tmp_path: Path) -> None:
    export = tmp_path / "audit.csv"
    export.write_text(
        "When,What,Who,From,Outcome\n"
        "04.03.2025 03:00:01,login,admin,203.0.113.9,failed\n"
        "04.03.2025 03:00:05,login,admin,203.0.113.9,failed\n"
        "04.03.2025 03:00:09,export,admin,203.0.113.9,ok\n"
    )
    args = ["convert", "vms", str(export), "--from", "vms-audit-csv", "--name", "csirt.example"]
    args += ["--columns", "time=When,event=What,user=Who,source_ip=From,result=Outcome"]
    args += ["--time-format", "%d.%m.%Y %H:%M:%S", "--timezone", "Europe/Berlin"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert_valid_document(result.stdout_bytes)
    text = result.stdout_bytes.decode()
    assert "2025-03-04T02:00:01Z" in text  # 03:00:01 in Berlin (UTC+1)
    assert "203.0.113.9" in text
    assert "login-failed" in text


def test_the_count_of_report_ids_is_the_real_one_past_the_kept_ones() -> None:
    lines = "".join(
        json.dumps(
            {
                "time": f"2025-03-04T03:{i // 60:02d}:{i % 60:02d}Z",
                "event": "spam",
                "channel": "sms",
                "sender": "80001",
                "report_id": f"R{i}",
            }
        )
        + "\n"
        for i in range(300)
    )
    produced, stats = convert_bytes("spam", "jsonl", lines.encode(), "reports.jsonl")
    assert stats.incidents == 1
    assert b"32 of 300 source report IDs listed" in produced
