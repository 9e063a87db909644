"""Grouping, the incident table, stable identity, privacy and streaming of the converters."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

import iodef
from iodef.convert import ConvertOptions, rat, spam, vms
from iodef.convert._addresses import address_for, classify_address
from iodef.convert._grouping import Grouper
from iodef.convert.rat import RatRecord
from iodef.convert.spam import SpamRecord
from iodef.convert.vms import VmsRecord

from .conftest import GENERATION_TIME, assert_valid_document

T0 = datetime(2025, 3, 4, 3, 0, tzinfo=UTC)
OPTS = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME)


def brute_force(source: str = "203.0.113.9", failures: int = 600, start: datetime = T0) -> list[RatRecord]:
    recs = [
        RatRecord(
            time=start + timedelta(seconds=i),
            event="login-failure",
            protocol="rdp",
            source_ip=source,
            target_ip="10.20.0.5",
            target_port=3389,
            user=f"user{i % 7}",
        )
        for i in range(failures)
    ]
    recs.append(
        RatRecord(
            time=start + timedelta(seconds=failures + 5),
            event="login-success",
            protocol="rdp",
            source_ip=source,
            target_ip="10.20.0.5",
            target_port=3389,
            user="operator",
        )
    )
    return recs


def _counter(inc: iodef.Incident, meaning: str) -> float:
    return next(c.value for c in inc.assessments[0].counters if c.meaning == meaning)


def test_600_failures_then_a_success_are_one_incident() -> None:
    doc = rat.convert(brute_force(), OPTS)
    assert len(doc.incidents) == 1
    inc = doc.incidents[0]
    assert _counter(inc, "login-failure") == 600
    assert _counter(inc, "login-success") == 1
    impacts = {(i.type, i.completion) for i in inc.assessments[0].system_impacts}
    assert ("takeover-account", "succeeded") in impacts
    assert "brute-force" in [c.value for c in inc.assessments[0].incident_categories]
    assert_valid_document(doc)


def test_sources_group_apart_and_the_window_splits_bursts() -> None:
    records = brute_force("203.0.113.9", 5) + brute_force("198.51.100.1", 5)
    records += brute_force("203.0.113.9", 5, start=T0 + timedelta(hours=3))
    records.sort(key=lambda r: r.time)
    assert len(rat.convert(records, OPTS).incidents) == 3
    wide = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, window=timedelta(hours=4))
    assert len(rat.convert(records, wide).incidents) == 2


def test_keys_are_an_option() -> None:
    records = brute_force("203.0.113.9", 3) + brute_force("198.51.100.1", 3)
    by_target = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, keys=("target",))
    assert len(rat.convert(records, by_target).incidents) == 1
    with pytest.raises(ValueError, match="unknown grouping key"):
        rat.convert(records, ConvertOptions(keys=("nonsense",)))


def test_max_span_caps_an_endless_session() -> None:
    records = [
        RatRecord(time=T0 + timedelta(minutes=30 * i), event="login-failure", source_ip="203.0.113.9")
        for i in range(100)
    ]
    opts = ConvertOptions(generation_time=GENERATION_TIME, max_span=timedelta(hours=12))
    incidents = list(rat.incidents(records, opts))
    assert len(incidents) > 1
    assert all(i.end_time is not None and i.start_time is not None for i in incidents)
    assert all(i.end_time - i.start_time <= timedelta(hours=12) for i in incidents)  # type: ignore[operator]


def test_motion_is_counted_not_an_incident_unless_the_table_says_so() -> None:
    records = [VmsRecord(time=T0 + timedelta(seconds=i), event="motion", device="cam-1") for i in range(50)]
    grouper = vms.grouper(OPTS)
    out = [g for r in records for g in grouper.add(r)] + grouper.flush()
    assert out == []
    assert grouper.skipped_records == 50
    assert grouper.skipped_events["motion"] == 50
    table = ConvertOptions(generation_time=GENERATION_TIME, incident_table={"motion": True})
    assert len(list(vms.incidents(records, table))) == 1


def test_a_login_joins_the_incident_of_its_window() -> None:
    records = [
        VmsRecord(
            time=T0 + timedelta(seconds=i), event="login-failed", source_ip="198.51.100.4", user="admin"
        )
        for i in range(600)
    ]
    records.append(
        VmsRecord(time=T0 + timedelta(minutes=11), event="login", source_ip="198.51.100.4", user="admin")
    )
    records.append(
        VmsRecord(
            time=T0 + timedelta(minutes=12), event="export", source_ip="198.51.100.4", device="lobby-03"
        )
    )
    (inc,) = vms.incidents(records, OPTS)
    impacts = {(i.type, i.completion) for i in inc.assessments[0].system_impacts}
    assert ("takeover-account", "succeeded") in impacts
    assert ("breach-privacy", "succeeded") in impacts
    assert _counter(inc, "login-failed") == 600


def test_incident_ids_are_stable_and_depend_on_the_name() -> None:
    a = [i.incident_id.value for i in rat.incidents(brute_force(), OPTS)]
    b = [i.incident_id.value for i in rat.incidents(brute_force(), OPTS)]
    other = ConvertOptions(name="other.example", generation_time=GENERATION_TIME)
    c = [i.incident_id for i in rat.incidents(brute_force(), other)]
    assert a == b
    assert c[0].name == "other.example"
    assert c[0].value != a[0]
    assert "203.0.113.9" not in a[0]


def sms_campaign(recipients: int) -> Iterator[SpamRecord]:
    for i in range(recipients):
        yield SpamRecord(
            time=T0 + timedelta(seconds=i % 1800),
            event="fraud",
            channel="sms",
            sender="+447700900999",
            recipient=f"+4477009{i:05d}",
            body="Parcel held, pay GBP1.99 at https://parcel-fee.example/pay",
            operator="ExampleMobile",
        )


def test_one_sender_to_4812_recipients_is_one_incident_with_counters() -> None:
    (inc,) = spam.incidents(sorted(sms_campaign(4812), key=lambda r: r.time), OPTS)
    assert _counter(inc, "messages") == 4812
    assert _counter(inc, "distinct recipients") == 4812
    targets = [s for s in inc.event_data_list[0].flows[0].systems if s.category == "target"]
    assert len(targets) == OPTS.max_samples
    assert all(t.restriction == "private" for t in targets)
    assert "smishing" in [c.value for c in inc.assessments[0].incident_categories]
    assert inc.indicator_data is not None
    assert_valid_document(iodef.IODEFDocument(lang="en", incidents=[inc]))


def test_pseudonymisation_hides_personal_data_and_says_so() -> None:
    key = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, pseudonymize_key=b"s3cret")
    doc = spam.convert(list(sms_campaign(20)), key)
    xml = iodef.dumps(doc).decode()
    assert "+447700900000" not in xml
    assert "Parcel held" not in xml
    assert "+447700900999" in xml  # the sender is not personal data of the recipient
    notes = [a for a in doc.incidents[0].additional_data_list if a.meaning == "pseudonymisation"]
    assert notes
    assert "HMAC-SHA-256" in (notes[0].value or "")
    assert_valid_document(doc)
    again = iodef.dumps(spam.convert(list(sms_campaign(20)), key)).decode()
    assert again == xml
    other = ConvertOptions(name="csirt.example", generation_time=GENERATION_TIME, pseudonymize_key=b"other")
    assert iodef.dumps(spam.convert(list(sms_campaign(20)), other)).decode() != xml


def test_user_names_are_pseudonymised_in_rat_and_vms() -> None:
    key = ConvertOptions(generation_time=GENERATION_TIME, pseudonymize_key=b"k")
    xml = iodef.dumps(rat.convert(brute_force(failures=10), key)).decode()
    assert "operator" not in xml
    assert "user3" not in xml
    recs = [VmsRecord(time=T0, event="login-failed", user="alice.smith", device="vms-01")]
    xml = iodef.dumps(vms.convert(recs, key)).decode()
    assert "alice.smith" not in xml


def test_restriction_defaults_and_option() -> None:
    (inc,) = rat.incidents(brute_force(failures=3), OPTS)
    assert inc.restriction == "amber"
    record = inc.event_data_list[0].record
    assert record is not None
    assert all(rd.restriction == "private" for rd in record.record_data_list)
    red = ConvertOptions(generation_time=GENERATION_TIME, restriction="red")
    assert next(rat.incidents(brute_force(failures=3), red)).restriction == "red"


def test_grouper_holds_only_open_windows() -> None:
    """20,000 records from 10,000 sources, one a second: the open groups stay bounded by the window."""
    grouper: Grouper[RatRecord] = rat.grouper(ConvertOptions(window=timedelta(minutes=5)))
    peak = closed = 0
    for i in range(20_000):
        r = RatRecord.model_construct(
            time=T0 + timedelta(seconds=i),
            event="login-failure",
            source_ip=f"10.{i % 10_000 // 256}.{i % 256}.1",
        )
        closed += len(grouper.add(r))
        peak = max(peak, grouper.open_groups)
    closed += len(grouper.flush())
    assert closed == 20_000  # every record its own group: sources repeat after 10,000 s
    assert peak <= 5 * 60 + 2


def test_incidents_stream_out_before_the_input_ends() -> None:
    consumed = 0

    def records() -> Iterator[RatRecord]:
        nonlocal consumed
        for hour in range(5):
            for r in brute_force(f"203.0.113.{hour + 1}", 10, start=T0 + timedelta(hours=3 * hour)):
                consumed += 1
                yield r

    it = rat.incidents(records(), OPTS)
    next(it)
    assert consumed < 5 * 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("192.0.2.1", ("ipv4-addr", None)),
        ("2001:db8::1", ("ipv6-addr", None)),
        ("alice@example.com", ("e-mail", None)),
        ("+447700900999", ("ext-value", "e164")),
        ("60123", ("ext-value", "short-code")),
        ("ALERTS", ("ext-value", "alphanumeric")),
        ("sip:+447700900888@rcs.example.com", ("ext-value", "sip-uri")),
        ("tel:+447700900111", ("ext-value", "tel-uri")),
        ("https://bank-verify.example/login", ("site-uri", None)),
    ],
)
def test_address_categories(text: str, expected: tuple[str, str | None]) -> None:
    assert classify_address(text) == expected
    addr = address_for(text)
    assert (addr.category, addr.ext_category) == expected


def test_model_builder_checks_what_pydantic_would() -> None:
    from iodef import Address, Counter, NodeRole
    from iodef.convert._building import mk

    assert mk(NodeRole, category="camera").category == "camera"
    with pytest.raises(ValueError, match="not a NodeRoleCategory"):
        mk(NodeRole, category="plc")
    with pytest.raises(ValueError, match="needs"):
        mk(Counter, type="counter", value=3)  # unit is required
    with pytest.raises(ValueError, match="ext-category"):
        mk(Address, category="ext-value", value="+447700900999")
    with pytest.raises(TypeError, match="no field"):
        mk(Address, colour="red", value="192.0.2.1")


@pytest.mark.parametrize("family", ["spam", "rat", "vms"])
def test_convert_without_incidents_raises_a_convert_error(family: str) -> None:
    import importlib

    module = importlib.import_module(f"iodef.convert.{family}")
    with pytest.raises(iodef.ConvertError, match="no incident-worthy records"):
        module.convert([])


def _restrictions(doc: iodef.IODEFDocument) -> set[str]:
    from lxml import etree

    root = etree.fromstring(iodef.dumps(doc))
    return {str(el.get("restriction")) for el in root.iter() if el.get("restriction")}


def test_pseudonymised_parts_are_marked_at_the_incidents_level_in_every_family() -> None:
    """Keyed hashes are no longer personal data in the clear: nothing is marked above the Incident,
    so the whole incident reaches a peer cleared for it (issue 12 §2); in the clear it stays private."""
    vms_records = [
        VmsRecord(time=T0 + timedelta(seconds=i), event="login-failed", user=f"u{i}", device="vms-01")
        for i in range(3)
    ]
    converted = {
        "spam": lambda o: spam.convert(list(sms_campaign(20)), o),
        "rat": lambda o: rat.convert(brute_force(failures=10), o),
        "vms": lambda o: vms.convert(vms_records, o),
    }
    for family, convert in converted.items():
        clear = convert(ConvertOptions(generation_time=GENERATION_TIME))
        assert _restrictions(clear) == {"amber", "private"}, family
        for level in ("green", "amber", "red"):
            keyed = ConvertOptions(generation_time=GENERATION_TIME, restriction=level, pseudonymize_key=b"k")
            doc = convert(keyed)
            assert _restrictions(doc) == {level}, (family, level)
            assert_valid_document(doc)
        # a private_restriction set below the Incident's still applies to the hashed parts
        lower = ConvertOptions(
            generation_time=GENERATION_TIME,
            restriction="amber",
            private_restriction="green",
            pseudonymize_key=b"k",
        )
        assert _restrictions(convert(lower)) == {"amber", "green"}, family


def test_rat_lists_what_records_past_the_kept_signatures_bring() -> None:
    """A group keeps 4096 distinct signatures and notes what they tell when it is built; a record
    whose signature comes after those is noted as it comes, in its place after them."""
    recs = [
        RatRecord(
            time=T0 + timedelta(seconds=i / 10),
            event="login-failure",
            protocol="rdp",
            source_ip="203.0.113.9",
            target_ip="10.20.0.5" if i < 4500 else "10.20.0.6",
            target_port=3389,
            user=f"user{i}",
        )
        for i in range(4600)
    ]
    (inc,) = rat.incidents(recs, OPTS)
    flow = inc.event_data_list[0].flows[0]
    targets = [s.node.addresses[0].value for s in flow.systems if s.category.value == "target"]
    assert targets == ["10.20.0.5", "10.20.0.6"]
    counters = {c.meaning: c.value for c in inc.assessments[0].counters}
    assert counters["login-failure"] == 4600
    descriptions = [d.value for rd in inc.event_data_list[0].record.record_data_list for d in rd.descriptions]
    assert any("1000" in d for d in descriptions), descriptions  # users: counted up to the limit
