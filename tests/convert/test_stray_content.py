"""Content a reader does not understand is reported with file and line, never skipped silently.

Finding: the ``winevt-xml`` reader wrapped bare events in ``<Events>`` and then passed over text
between events and any element that was not an ``Event``; a JSON-lines file read as XML gave
"0 record(s)" and exit 0. The other XML readers walked their documents the same way.
"""

from __future__ import annotations

import io
from pathlib import Path

from iodef.cli.main import app
from typer.testing import CliRunner

from iodef.convert import ConvertOptions
from iodef.convert._run import Input, Stats, convert_inputs

from .conftest import FIXTURES, GENERATION_TIME, run_reader

WEVTUTIL = FIXTURES / "rat/winevt-xml/security-wevtutil.xml"
EVENTVIEWER = FIXTURES / "rat/winevt-xml/security-eventviewer.xml"


def _lines(data: bytes, needle: bytes) -> list[int]:
    return [n for n, line in enumerate(data.splitlines(), 1) if needle in line]


def test_wevtutil_text_and_unknown_element_after_the_events_are_reported() -> None:
    good = WEVTUTIL.read_bytes()
    data = good + b"THIS LINE IS NOT XML\n<Evnt><System/></Evnt>\n"
    records, errors = run_reader("rat", "winevt-xml", data, "sec.xml")
    expected, _ = run_reader("rat", "winevt-xml", good, "sec.xml")
    assert [(r.time, r.event) for r in records] == [(r.time, r.event) for r in expected]
    assert [(e.source, e.line) for e in errors] == [
        ("sec.xml", _lines(data, b"NOT XML")[0]),
        ("sec.xml", _lines(data, b"<Evnt>")[0]),
    ]
    assert "THIS LINE IS NOT XML" in errors[0].message
    assert "Evnt" in errors[1].message


def test_stray_content_is_counted_in_the_summary() -> None:
    data = WEVTUTIL.read_bytes() + b"THIS LINE IS NOT XML\n<Evnt><System/></Evnt>\n"
    stats = Stats()
    opts = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME)
    list(convert_inputs("rat", [Input("sec.xml", io.BytesIO(data), "winevt-xml")], opts, stats))
    assert stats.records == 2
    assert stats.bad_records == 2


def test_event_viewer_document_with_stray_lines_inside_events() -> None:
    good = EVENTVIEWER.read_bytes()
    cut = good.index(b"</Event>") + len(b"</Event>")
    data = good[:cut] + b"\n junk one\n\n junk two\n<Foo a='1'>\nx</Foo>" + good[cut:]
    cut = data.rindex(b"</Event>") + len(b"</Event>")
    data = data[:cut] + b"\nlast junk" + data[cut:]
    records, errors = run_reader("rat", "winevt-xml", data, "ev.xml")
    expected, _ = run_reader("rat", "winevt-xml", good, "ev.xml")
    assert len(records) == len(expected)
    assert [e.line for e in errors] == [
        _lines(data, b"junk one")[0],
        _lines(data, b"junk two")[0],
        _lines(data, b"<Foo")[0],
        _lines(data, b"last junk")[0],
    ]


def test_json_lines_read_as_windows_xml_are_reported() -> None:
    data = (FIXTURES / "rat/winevt-json/evtx_dump.jsonl").read_bytes()
    records, errors = run_reader("rat", "winevt-xml", data, "evtx.jsonl")
    assert records == []
    assert [e.line for e in errors] == list(range(1, len(data.splitlines()) + 1))


def test_windows_xml_without_events_is_reported_but_empty_input_is_not() -> None:
    records, errors = run_reader("rat", "winevt-xml", b"<Events>\n<!-- nothing -->\n</Events>\n", "x.xml")
    assert records == []
    assert len(errors) == 1
    assert "no <Event>" in errors[0].message
    for empty in (b"", b"\n  \n", b"<?xml version='1.0'?>\n<Events/>\n"):
        assert run_reader("rat", "winevt-xml", empty, "x.xml") == ([], [])


def test_onvif_unknown_element_and_text_beside_the_messages_are_reported() -> None:
    good = (FIXTURES / "vms/onvif/pullmessages.xml").read_bytes()
    cut = good.index(b"</wsnt:NotificationMessage>") + len(b"</wsnt:NotificationMessage>")
    data = good[:cut] + b"\n      stray words\n      <wsnt:NotificationMesage/>" + good[cut:]
    cut = data.index(b"</tev:PullMessagesResponse>")
    data = data[:cut] + b"trailing words\n    " + data[cut:]
    records, errors = run_reader("vms", "onvif", data, "pull.xml")
    expected, _ = run_reader("vms", "onvif", good, "pull.xml")
    assert len(records) == len(expected)
    assert [e.line for e in errors] == [
        _lines(data, b"stray words")[0],
        _lines(data, b"NotificationMesage")[0],
        _lines(data, b"trailing words")[0],
    ]


def test_hikvision_stream_content_that_is_not_an_alert_is_reported() -> None:
    good = (FIXTURES / "vms/hikvision/alertstream.txt").read_bytes()
    cut = good.index(b"--boundary", 10)
    data = good[:cut] + b'{"eventType": "VMD", "dateTime": "2025-03-04T10:00:00+08:00"}\n' + good[cut:]
    data += b"THIS LINE IS NOT XML\n"
    records, errors = run_reader("vms", "hikvision", data, "stream")
    expected, _ = run_reader("vms", "hikvision", good, "stream")
    assert len(records) == len(expected)
    assert [e.line for e in errors] == [_lines(data, b'"eventType"')[0], _lines(data, b"NOT XML")[0]]


def test_hikvision_input_without_alerts_reports_its_lines() -> None:
    data = b"hello\n\nworld\n"
    records, errors = run_reader("vms", "hikvision", data, "x")
    assert records == []
    assert [e.line for e in errors] == [1, 3]


def test_xmpp_stanza_without_report_and_stray_text_are_reported() -> None:
    good = (FIXTURES / "spam/xmpp-report/reports.xml").read_bytes()
    extra = b'<iq xmlns="jabber:client" type="get" id="ping-1">\n  <ping xmlns="urn:xmpp:ping"/>\n</iq>\n'
    data = extra + good + b"THIS LINE IS NOT XML\n<message><body>hi</body></message>\n"
    records, errors = run_reader("spam", "xmpp-report", data, "reports.xml")
    expected, _ = run_reader("spam", "xmpp-report", good, "reports.xml")
    assert len(records) == len(expected)
    assert [e.line for e in errors] == [1, _lines(data, b"NOT XML")[0], _lines(data, b"<message>")[0]]


def test_xmpp_stanzas_in_their_own_wrapper_are_still_read() -> None:
    good = (FIXTURES / "spam/xmpp-report/reports.xml").read_bytes()
    records, errors = run_reader("spam", "xmpp-report", b"<log>\n" + good + b"</log>\n", "reports.xml")
    expected, _ = run_reader("spam", "xmpp-report", good, "reports.xml")
    assert errors == []
    assert [r.line - 1 for r in records] == [r.line for r in expected]


def test_cli_counts_stray_content_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "security-wevtutil.xml"
    bad.write_bytes(WEVTUTIL.read_bytes() + b"THIS LINE IS NOT XML\n<Evnt><System/></Evnt>\n")
    result = CliRunner().invoke(app, ["convert", "rat", "--from", "winevt-xml", str(bad)])
    assert result.exit_code == 1, result.stderr
    assert "2 record(s) read" in result.stderr
    assert "2 unreadable record(s)" in result.stderr
    assert f"{bad}:{_lines(bad.read_bytes(), b'NOT XML')[0]}:" in result.stderr


def test_cli_json_lines_read_as_windows_xml_exit_1() -> None:
    jsonl = str(FIXTURES / "rat/winevt-json/evtx_dump.jsonl")
    result = CliRunner().invoke(app, ["convert", "rat", "--from", "winevt-xml", jsonl])
    assert result.exit_code == 1, result.stderr
    assert "0 record(s) read" in result.stderr
    assert "0 unreadable" not in result.stderr
