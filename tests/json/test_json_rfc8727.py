"""RFC 8727 §4's examples, taken from the text in ../shared/reference, read as JSON and CBOR."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import iodef
from iodef.cbor import dumps_cbor, parse_cbor
from iodef.json import dumps_json, parse_json

DRAFT = "reference/draft-ietf-mile-jsoniodef-14.txt"


def _text(shared: Path) -> str:
    lines = (shared / DRAFT).read_text().splitlines()
    # drop the page furniture (footer, form feed, header) that breaks a figure across pages
    kept = [ln for ln in lines if not re.match(r"^(Takahashi, et al\.|Internet-Draft  )", ln)]
    return "\n".join(kept)


def _json_figure(text: str, caption: str) -> bytes:
    end = text.index(caption)
    start = text.rindex("\n   {\n", 0, end) if "Minimal" in caption else text.rindex("\n{\n", 0, end)
    body = text[start:end].strip()
    body = body[: body.rindex("}") + 1]
    # a string the RFC wraps over two lines is one JSON string
    body = re.sub(r"the\n\s+Orange", "the Orange", body)
    return body.encode()


def _cbor_figure(text: str, caption: str) -> bytes:
    end = text.index(caption)
    start = text.rindex("\nA3 ", 0, end)
    hexdigits = []
    for line in text[start:end].splitlines():
        code = line.split("#", 1)[0].strip()
        hexdigits.append(code.replace(" ", ""))
    return bytes.fromhex("".join(hexdigits))


@pytest.fixture(scope="module")
def rfc(shared_dir: Path) -> str:
    if not (shared_dir / DRAFT).is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{DRAFT} is missing under CI")
        pytest.skip(f"{DRAFT} not found")
    return _text(shared_dir)


def test_minimal_example_figure_4(rfc: str) -> None:
    doc = parse_json(_json_figure(rfc, "Figure 4: A Minimal Example in JSON"))
    incident = doc.incidents[0]
    assert doc.version == "2.00"  # RFC 8727 writes "2.0"; RFC 7970 fixes "2.00"
    assert incident.incident_id.value == "492382"
    assert incident.incident_id.name == "csirt.example.com"
    assert incident.contacts[0].emails[0].email_to == "contact@csirt.example.com"
    assert incident.generation_time.isoformat() == "2015-07-18T09:00:00-05:00"
    assert iodef.validate.is_valid(iodef.dumps(doc))


def test_campaign_example_figure_6(rfc: str) -> None:
    doc = parse_json(_json_figure(rfc, "Figure 6: Indicators from a Campaign in JSON"))
    incident = doc.incidents[0]
    actor = incident.related_activities[0].threat_actors[0]
    assert actor.threat_actor_ids == ["TA-12-AGGRESSIVE-BUTTERFLY"]
    assert actor.descriptions[0].value == "Aggressive Butterfly"
    assert incident.assessments[0].business_impacts[0].type.value == "breach-proprietary"
    assert incident.indicator_data is not None
    indicator = incident.indicator_data.indicators[0]
    assert indicator.indicator_id.value == "G90823490"
    assert indicator.observable is not None
    assert indicator.observable.bulk_observable is not None
    assert indicator.observable.bulk_observable.bulk_observable_list == "kj290023j09r34.example.com"


@pytest.mark.parametrize(
    ("json_caption", "cbor_caption"),
    [
        ("Figure 4: A Minimal Example in JSON", "Figure 5: A Minimal Example in CBOR"),
        ("Figure 6: Indicators from a Campaign in JSON", "Figure 7: Indicators from a Campaign in CBOR"),
    ],
)
def test_cbor_figures_hold_the_same_document_as_the_json_figures(
    rfc: str, json_caption: str, cbor_caption: str
) -> None:
    from_json = parse_json(_json_figure(rfc, json_caption))
    from_cbor = parse_cbor(_cbor_figure(rfc, cbor_caption))
    assert from_cbor == from_json
    assert parse_cbor(dumps_cbor(from_cbor)) == from_json


def test_our_json_of_the_example_matches_the_figure_but_for_version(rfc: str) -> None:
    figure = _json_figure(rfc, "Figure 4: A Minimal Example in JSON")
    ours = json.loads(dumps_json(parse_json(figure)))
    theirs = json.loads(figure)
    assert ours.pop("version") == "2.00"
    assert theirs.pop("version") == "2.0"
    assert ours == theirs


@pytest.mark.parametrize(
    "caption", ["Figure 4: A Minimal Example in JSON", "Figure 6: Indicators from a Campaign in JSON"]
)
def test_the_rfc_figures_pass_the_shipped_json_schema(rfc: str, caption: str) -> None:
    from iodef.json import json_schema_errors

    assert json_schema_errors(_json_figure(rfc, caption)) == []
