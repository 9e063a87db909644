"""The xmlschema schemas used for reports are built without checking the XSD against the meta-schema.

That check is the larger part of building them, and the bundled schema documents do not change
between runs: here, once, each profile is built strictly, must be a valid schema, and must
report exactly what the quick build reports on every fixture.
"""

from __future__ import annotations

import pytest
from lxml import etree

from iodef.validate.profiles import PROFILES, V1_PROFILE, xmlschema_for
from iodef.xml import parse_xml
from tests.conftest import FIXTURES

DOCS = sorted(p for p in FIXTURES.rglob("*.xml") if "hostile" not in p.parts)


def _errors(schema: object, root: etree._Element) -> list[tuple[str, str, str]]:
    return [
        (str(e.path), str(e.reason), type(e).__name__)
        for e in schema.iter_errors(root, use_location_hints=False)  # type: ignore[attr-defined]
    ]


@pytest.mark.parametrize("profile", [*PROFILES, V1_PROFILE])
def test_strict_and_quick_builds_agree(profile: str) -> None:
    strict = xmlschema_for(profile, validation="strict")
    quick = xmlschema_for(profile)
    assert strict is not quick
    assert strict.validity == "valid"
    assert strict.all_errors == []
    assert quick.validation == "skip"
    compared = 0
    for path in DOCS:
        try:
            root = parse_xml(path.read_bytes(), source_name=str(path))
        except Exception:
            continue
        assert _errors(quick, root) == _errors(strict, root), path
        compared += 1
    assert compared > 50


def test_a_broken_schema_document_fails_only_the_strict_build(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the strict build is for: a schema error the quick build would not notice."""
    import iodef.validate.profiles as profiles

    real = profiles.schema_document

    def broken(profile: str) -> etree._ElementTree:
        tree = real(profile)
        # a facet xs:restriction does not allow: the meta-schema rejects it
        restriction = tree.getroot().find(f".//{{{profiles.XS}}}restriction")
        assert restriction is not None
        etree.SubElement(restriction, f"{{{profiles.XS}}}annotation").addprevious(
            etree.Element(f"{{{profiles.XS}}}bogus")
        )
        return tree

    monkeypatch.setattr(profiles, "schema_document", broken)
    monkeypatch.setattr(profiles, "_xmlschema_cache", {})
    with pytest.raises(Exception, match="bogus"):
        xmlschema_for("rfc7970", validation="strict")
