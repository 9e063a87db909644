"""When an incident lists fewer values than it saw, it says so and its Counters keep the full count.

Finding: the rat converter kept 16 source addresses, 8 ports per target and 4 client names and
said nothing of the rest (30 attackers against one target came out as 16, silently); spam and
vms cut URLs, IDs, servers and sources the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import iodef
from iodef.convert import ConvertOptions, rat, spam, vms
from iodef.convert.rat import RatRecord
from iodef.convert.spam import SpamRecord
from iodef.convert.vms import VmsRecord

from .conftest import GENERATION_TIME, assert_valid_document

T0 = datetime(2025, 3, 4, 3, 0, tzinfo=UTC)
# what an incident lists at most (iodef.convert.rat.LIST_*)
LIST_SOURCES, LIST_PORTS, LIST_NAMES = 16, 8, 4
BY_TARGET = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, keys=("target_ip",))


def _texts(items: list[iodef.MLStringType] | list[str]) -> list[str]:
    return [getattr(i, "value", i) for i in items]


def _only(doc: iodef.IODEFDocument) -> iodef.Incident:
    assert_valid_document(doc)
    assert len(doc.incidents) == 1
    return doc.incidents[0]


def _systems(inc: iodef.Incident, category: str) -> list[iodef.System]:
    flow = inc.event_data_list[0].flows[0]
    return [s for s in flow.systems if s.category == category]


def test_thirty_sources_against_one_target_say_how_many_were_left_out() -> None:
    records = [
        RatRecord(
            time=T0 + timedelta(seconds=i),
            event="login-failure",
            protocol="rdp",
            source_ip=f"203.0.113.{i + 1}",
            target_ip="10.20.0.5",
            target_port=3389,
            user="admin",
        )
        for i in range(30)
    ]
    inc = _only(rat.convert(records, BY_TARGET))
    (source,) = _systems(inc, "source")
    assert len(source.node.addresses) == LIST_SOURCES
    assert f"{LIST_SOURCES} of 30 source addresses listed" in _texts(source.descriptions)
    counters = {c.meaning: c.value for c in inc.assessments[0].counters}
    assert counters["distinct source addresses"] == 30
    assert counters["records"] == 30
    block = next(e for e in inc.event_data_list[0].expectations if e.action == "block-host")
    assert "and 26 more" in _texts(block.descriptions)[0]


def test_twelve_ports_on_one_target_say_how_many_were_left_out() -> None:
    records = [
        RatRecord(
            time=T0 + timedelta(seconds=i),
            event="login-failure",
            protocol="ssh",
            source_ip="203.0.113.9",
            target_ip="10.20.0.5",
            target_port=2200 + i,
        )
        for i in range(12)
    ]
    inc = _only(rat.convert(records, BY_TARGET))
    (target,) = _systems(inc, "target")
    assert len(target.services) == LIST_PORTS
    assert f"{LIST_PORTS} of 12 ports listed" in _texts(target.descriptions)


def test_client_names_beyond_the_listed_are_counted() -> None:
    records = [
        RatRecord(
            time=T0 + timedelta(seconds=i),
            event="session",
            protocol="teamviewer",
            source_name=f"laptop-{i}",
            target_host="hmi-01.plant.example",
        )
        for i in range(7)
    ]
    inc = _only(rat.convert(records, ConvertOptions(name="csirt.example", keys=("target_host",))))
    (source,) = _systems(inc, "source")
    assert len(source.node.domain_data_list) == LIST_NAMES
    assert f"{LIST_NAMES} of 7 client names listed" in _texts(source.descriptions)


def test_no_note_when_nothing_was_left_out() -> None:
    records = [
        RatRecord(
            time=T0 + timedelta(seconds=i),
            event="login-failure",
            protocol="rdp",
            source_ip=f"203.0.113.{i + 1}",
            target_ip="10.20.0.5",
            target_port=3389,
        )
        for i in range(LIST_SOURCES)
    ]
    inc = _only(rat.convert(records, BY_TARGET))
    (source,) = _systems(inc, "source")
    assert not any("listed" in t for t in _texts(source.descriptions))
    assert "distinct source addresses" not in {c.meaning for c in inc.assessments[0].counters}


def _not_listed(inc: iodef.Incident) -> str:
    return next((a.value for a in inc.additional_data_list if a.meaning == "values-not-listed"), "")


def test_spam_urls_and_message_ids_beyond_the_listed_are_named() -> None:
    records = [
        SpamRecord(
            time=T0 + timedelta(seconds=i),
            event="phishing",
            channel="sms",
            sender="+447700900999",
            recipient=f"+4477009001{i:02d}",
            urls=[f"https://pay-{i}.example/x"],
            message_id=f"msg-{i}",
        )
        for i in range(40)
    ]
    inc = _only(spam.convert(records, ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME)))
    assert inc.indicator_data is not None
    assert len(inc.indicator_data.indicators) == 10
    note = _not_listed(inc)
    assert "10 of 40 URLs listed" in note
    assert "32 of 40 message IDs listed" in note


def test_spam_without_cut_lists_has_no_note() -> None:
    records = [
        SpamRecord(time=T0, event="spam", channel="sms", sender="+447700900999", recipient="+447700900123")
    ]
    inc = _only(spam.convert(records, ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME)))
    assert _not_listed(inc) == ""


def test_vms_sources_and_servers_beyond_the_listed_are_named() -> None:
    records = [
        VmsRecord(
            time=T0 + timedelta(seconds=i),
            event="login-failed",
            device="cam-lobby-03",
            server=f"vms-{i % 6}",
            source_ip=f"198.51.100.{i + 1}",
            user="admin",
        )
        for i in range(20)
    ]
    opts = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, keys=("device",))
    inc = _only(vms.convert(records, opts))
    (source,) = _systems(inc, "source")
    assert len(source.node.addresses) == LIST_SOURCES
    assert f"{LIST_SOURCES} of 20 source addresses listed" in _texts(source.descriptions)
    counters = {c.meaning: c.value for c in inc.assessments[0].counters}
    assert counters["distinct source addresses"] == 20
    assert "4 of 6 VMS servers listed" in _not_listed(inc)
