"""Property oracles for the STIX bridge: round trips keep the data, junk only raises StixError."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iodef
from iodef.stix import StixError, from_stix, to_stix
from tests.conftest import canonical

TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
    lambda s: s.strip() == s and s
)
NAME = st.from_regex(r"[a-z][a-z0-9.-]{0,20}", fullmatch=True)
IPV4 = st.tuples(*[st.integers(0, 255)] * 4).map(lambda t: ".".join(map(str, t)))


@st.composite
def documents(draw: st.DrawFn) -> iodef.IODEFDocument:
    incidents = []
    for n in range(draw(st.integers(1, 3))):
        addresses = draw(st.lists(IPV4, max_size=3))
        indicators = [
            iodef.Indicator(
                indicator_id=iodef.IndicatorID(name=draw(NAME), version="1", value=f"ind-{n}-{i}"),
                observable=iodef.Observable(address=iodef.Address(value=a, category="ipv4-addr")),
            )
            for i, a in enumerate(addresses)
        ]
        incidents.append(
            iodef.Incident(
                purpose=draw(st.sampled_from(["reporting", "mitigation", "traceback", "watch"])),
                restriction=draw(st.sampled_from(["public", "green", "amber", "red", "need-to-know"])),
                incident_id=iodef.IncidentID(name=draw(NAME), value=f"{draw(NAME)}-{n}"),
                generation_time=datetime(2026, 1, 1, tzinfo=UTC),
                descriptions=[iodef.MLStringType(value=d) for d in draw(st.lists(TEXT, max_size=2))],
                contacts=[
                    iodef.Contact(
                        role="creator",
                        type="organization",
                        contact_names=[iodef.MLStringType(value=draw(TEXT))],
                    )
                ],
                indicator_data=iodef.IndicatorData(indicators=indicators) if indicators else None,
            )
        )
    return iodef.IODEFDocument(lang="en", incidents=incidents)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_iodef_stix_iodef_keeps_the_document(doc: iodef.IODEFDocument) -> None:
    back = from_stix(to_stix(doc).serialize())
    assert canonical(iodef.dumps(back)) == canonical(iodef.dumps(doc))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(JSON, st.fixed_dictionaries({"type": st.just("bundle"), "objects": st.lists(JSON, max_size=3)}))
)
def test_from_stix_raises_only_stix_errors(data: object) -> None:
    with contextlib.suppress(StixError):
        from_stix(json.dumps(data), unmapped=[])
