"""The xmlschema schemas used for reports are built without checking the XSD against the meta-schema.

That check is the larger part of building them, and the bundled schema documents do not change
between runs: here, once, each profile is built strictly, must be a valid schema, and must
report exactly what the quick build reports on every fixture.
"""

from __future__ import annotations

import subprocess
import sys

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


_BAD_SELECTOR = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="root">
    <xs:complexType><xs:sequence><xs:element name="item" type="xs:string" maxOccurs="unbounded"/>
    </xs:sequence></xs:complexType>
    <xs:unique name="u"><xs:selector xpath="@item"/><xs:field xpath="."/></xs:unique>
  </xs:element>
</xs:schema>"""

_FRESH_PROCESS = f"""
import xmlschema
from xmlschema.validators.identities import XsdFieldSelector, XsdSelector
from iodef.validate.profiles import xmlschema_for
xmlschema_for("rfc7970")
# not compiled by the quick build (the saving: the meta-schema's selectors were parsed in it),
# and not left match-anything for what comes next
assert XsdSelector.pattern is None and XsdFieldSelector.pattern is None, "compiled or left patched"
other = xmlschema.XMLSchema10({_BAD_SELECTOR!r}, validation="lax")
(unique,) = other.elements["root"].identities
assert [e.message for e in unique.selector.errors] == ["invalid XPath expression for an XsdSelector"]
"""


def test_the_quick_build_leaves_xmlschemas_selector_check_to_other_schemas() -> None:
    """The first build in a process skips compiling xmlschema's selector-syntax regex (its verdict
    is discarded under validation="skip"); a schema built afterwards by anyone else is checked."""
    done = subprocess.run([sys.executable, "-c", _FRESH_PROCESS], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
