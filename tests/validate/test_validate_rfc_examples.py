"""The examples of RFC 7970 §7 (from ../shared/reference), validated under both profiles."""

from __future__ import annotations

from pathlib import Path

import pytest

from iodef.validate import check
from tests.model.test_rfc_examples import rfc_examples


@pytest.fixture(scope="module")
def examples(shared_dir: Path) -> dict[str, bytes]:
    return rfc_examples((shared_dir / "reference" / "rfc7970.txt").read_text(encoding="utf-8"))


def _issues(data: bytes, profile: str) -> list[tuple[str, str, int | None]]:
    return [(i.rule, i.path, i.line) for i in check(data, profile=profile).issues]


def test_section_7_1_is_valid_under_both_profiles(examples: dict[str, bytes]) -> None:
    assert _issues(examples["7.1"], "rfc7970") == []
    assert _issues(examples["7.1"], "rfc7970-errata") == []


def test_section_7_2_fails_as_the_rfc_wrote_it(examples: dict[str, bytes]) -> None:
    """§7.2 has a ThreatActor without URL (fine with the errata) and BulkObservable type="fqdn",
    which no version of the schema allows (the registry has domain-name)."""
    fqdn = (
        "xsd:cvc-enumeration-valid",
        "/IODEF-Document/Incident/IndicatorData/Indicator/Observable/BulkObservable/@type",
        52,
    )
    url = ("xsd:cvc-complex-type.2.4", "/IODEF-Document/Incident/RelatedActivity/ThreatActor/Description", 16)
    assert _issues(examples["7.2"], "rfc7970") == [url, fqdn]
    assert _issues(examples["7.2"], "rfc7970-errata") == [fqdn]


def test_section_7_2_with_the_prose_bulkobservable_type_is_valid_under_the_errata(
    examples: dict[str, bytes],
) -> None:
    """§7.2's list of C2 domains typed as §3.29.3.1 allows (value 28 ``ext-value`` with
    ``ext-type``, §5.1.1): valid under rfc7970-errata, with a warning that the published schema
    does not know ``ext-value`` there; still invalid under rfc7970."""
    data = examples["7.2"].replace(
        b'<BulkObservable type="fqdn">', b'<BulkObservable type="ext-value" ext-type="fqdn">'
    )
    assert data != examples["7.2"]
    report = check(data, profile="rfc7970-errata")
    assert report.valid
    assert [(i.severity, i.rule) for i in report.issues] == [("warning", "RFC7970 §3.29.3.1")]
    published = check(data, profile="rfc7970")
    assert [i.path.rsplit("/", 1)[-1] for i in published.errors] == ["Description", "@type"]
