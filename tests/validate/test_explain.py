"""The quick explainer writes, word for word, the issues xmlschema's report gives, or declines.

:func:`iodef.validate.explain.explain` reports the common single schema errors without loading
xmlschema. Wherever it answers, its issues must equal :func:`iodef.validate.xsd._xmlschema_issues`
for the same document and log: checked here on every fixture libxml2 rejects, and on thousands of
documents mutated in each way the explainer knows (and in ways close to them it must decline).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from iodef.safexml import IODEF_NS, parse_xml
from iodef.validate import _explain_rejected, _quick_check, _Rejected, check
from iodef.validate._paths import ElementPaths
from iodef.validate.decider import decider_schema
from iodef.validate.explain import _index, explain
from iodef.validate.xsd import _xmlschema_issues
from tests.conftest import FIXTURES, cli_then

PROFILES = ("rfc7970", "rfc7970-errata")
NS = f"{{{IODEF_NS}}}"


def _compare(root: etree._Element, profile: str, stats: Counter[str]) -> None:
    schema = decider_schema(profile)
    if schema.validate(root):
        stats["valid"] += 1
        return
    log = schema.error_log
    quick = explain(root, profile, log, ElementPaths())
    if quick is None:
        stats["declined"] += 1
        return
    slow = _xmlschema_issues(root, profile, log, ElementPaths())
    assert quick == slow, etree.tostring(root, encoding="unicode")[:2000]
    stats[log[0].type_name] += 1


def _fixtures() -> Iterator[Path]:
    for path in sorted(FIXTURES.rglob("*.xml")):
        if "hostile" not in path.parts:
            yield path


@pytest.mark.parametrize("profile", PROFILES)
def test_every_fixture_is_explained_as_xmlschema_explains_it(profile: str) -> None:
    stats: Counter[str] = Counter()
    for path in _fixtures():
        try:
            root = parse_xml(path.read_bytes())
        except Exception:  # not readable: nothing to explain
            continue
        _compare(root, profile, stats)
    assert stats["declined"] > 0  # fixtures with errors the explainer leaves to xmlschema
    explained = sum(n for kind, n in stats.items() if kind not in ("valid", "declined"))
    assert explained >= 5  # and fixtures it words itself (8 or more today, under each profile)


def _seed_roots() -> list[etree._Element]:
    roots = []
    for folder in ("valid", "lossless", "validate"):
        for path in sorted((FIXTURES / folder).rglob("*.xml")):
            try:
                root = parse_xml(path.read_bytes())
            except Exception:
                continue
            if root.tag == f"{NS}IODEF-Document" and decider_schema("rfc7970").validate(root):
                roots.append(root)
    return roots


def _iodef_elements(root: etree._Element) -> list[etree._Element]:
    return [e for e in root.iter() if isinstance(e.tag, str) and e.tag.startswith(NS) and e is not root]


def _mutations(rng: random.Random, root: etree._Element, names: list[str]) -> Iterator[etree._Element]:
    """Copies of *root*, each broken once in a way the explainer knows or one close to it."""
    for _ in range(6):
        doc = etree.fromstring(etree.tostring(root))
        el = rng.choice(_iodef_elements(doc))
        kind = rng.randrange(8)
        if kind == 0 and el.attrib:  # a (perhaps required) attribute dropped
            del el.attrib[rng.choice(sorted(el.attrib))]
        elif kind == 1 and el.attrib:  # an attribute value outside its enumeration, or odd
            name = rng.choice(sorted(el.attrib))
            el.set(name, rng.choice(["bogus", "ext-valuex", "", "two words", "caf\u00e9", "it's"]))
        elif kind == 2 and len(el) == 0:  # text no value of the element's type
            el.text = rng.choice(["x1", "12a", "yesterday", " 5 ", "1" * 30, "0000-01-01T00:00:00Z", "-"])
        elif kind == 3 and el.getparent() is not None:  # an element the model has no room for
            parent = el.getparent()
            assert parent is not None
            stranger = etree.Element(NS + rng.choice(names))
            parent.insert(rng.randrange(len(parent) + 1), stranger)
        elif kind == 4 and el.getparent() is not None:  # a child repeated
            el.addnext(etree.fromstring(etree.tostring(el)))
        elif kind == 5 and el.getparent() is not None:  # a child moved to the front
            parent = el.getparent()
            assert parent is not None
            parent.insert(0, el)
        elif kind == 6 and el.getparent() is not None:  # a child removed
            parent = el.getparent()
            assert parent is not None
            parent.remove(el)
        elif kind == 7:  # an attribute the element does not have
            el.set(rng.choice(["dtype", "bogus", "ext-category", "{urn:example}x"]), "1")
        else:
            continue
        yield doc


@pytest.mark.parametrize("profile", PROFILES)
def test_mutated_documents_are_explained_as_xmlschema_explains_them(profile: str) -> None:
    rng = random.Random(7970)
    names = sorted(_index(profile))
    stats: Counter[str] = Counter()
    for root in _seed_roots():
        for _ in range(40):
            for doc in _mutations(rng, root, names):
                _compare(doc, profile, stats)
    # each kind the explainer knows was met and agreed with xmlschema, many times
    for kind in (
        "SCHEMAV_CVC_COMPLEX_TYPE_4",
        "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1",
        "SCHEMAV_CVC_ENUMERATION_VALID",
        "SCHEMAV_CVC_DATATYPE_VALID_1_2_1",
        "SCHEMAV_ELEMENT_CONTENT",
    ):
        assert stats[kind] >= 20, stats
    assert stats["declined"] >= 100, stats


def test_a_value_with_the_shape_of_its_type_is_left_to_xmlschema() -> None:
    root = parse_xml((FIXTURES / "valid" / "every-element.xml").read_bytes())
    schema = decider_schema("rfc7970")
    generation = root.find(f".//{NS}GenerationTime")
    assert generation is not None
    generation.text = "2026-02-29T00:00:00Z"  # a dateTime's shape: the libraries' calendars decide
    assert not schema.validate(root)
    assert explain(root, "rfc7970", schema.error_log, ElementPaths()) is None
    generation.text = "yesterday"
    assert not schema.validate(root)
    quick = explain(root, "rfc7970", schema.error_log, ElementPaths())
    assert quick is not None
    assert quick[0].message == "'yesterday' is not a valid value of xs:dateTime"
    generation.text = "2026-02-28T00:00:00Z"
    port = root.find(f".//{NS}Port")
    assert port is not None
    port.text = "22x"
    assert not schema.validate(root)
    quick = explain(root, "rfc7970", schema.error_log, ElementPaths())
    assert quick is not None
    assert quick[0].message == "'22x' is not a valid value of xs:integer"


def test_declining_after_checking_the_children_keeps_libxml2s_first_verdict() -> None:
    # Contact out of place (a content error the explainer knows) and, inside a child the model
    # names, an attribute libxml2 never reached: the explainer validates that child, declines,
    # and the worker's hand-over must still carry the document's own log, not the child's
    doc = (FIXTURES / "valid" / "minimal.xml").read_text(encoding="utf-8")
    contact_start = doc.index("    <Contact")
    contact = doc[contact_start : doc.index("</Contact>") + len("</Contact>\n")]
    moved = doc.replace(contact, "").replace("    <GenerationTime>", contact + "    <GenerationTime>")
    moved = moved.replace("<ContactName>", '<ContactName bogus="1">')
    data = moved.encode()
    quick = _quick_check(data)
    assert isinstance(quick, _Rejected)
    assert [e.type_name for e in quick.log] == ["SCHEMAV_ELEMENT_CONTENT"]
    assert _explain_rejected(data, quick) == check(data)
    assert [i.rule for i in check(data).issues] == ["xsd:cvc-complex-type.2.4", "xsd:cvc-complex-type.3.2.2"]


def test_a_run_of_common_errors_never_loads_xmlschema(tmp_path: Path) -> None:
    doc = (FIXTURES / "valid" / "minimal.xml").read_text(encoding="utf-8")
    broken = {
        "missing.xml": doc.replace(' name="csirt.example.org"', ""),
        "enum.xml": doc.replace('purpose="reporting"', 'purpose="reportin"'),
        "order.xml": doc.replace("<Description>", "<Phone>+1</Phone><Description>"),
        "valid.xml": doc,
    }
    for name, text in broken.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    reported, output = cli_then(["validate", "--jobs", "1", str(tmp_path)], "'xmlschema' in sys.modules")
    assert reported == "1 False"
    assert "4 documents, 1 valid, 3 invalid" in output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        # a child repeated past its maxOccurs: the visit had moved on to the next particle
        (
            lambda d: d.replace(
                "<Description>", "<GenerationTime>2026-11-20T08:15:00Z</GenerationTime><Description>"
            ),
            "Unexpected child with tag 'GenerationTime' at position 3. Tag 'Contact' expected.",
        ),
        # a child the model names, before its place: the required particle it skips is named
        (
            lambda d: d.replace("<GenerationTime>", "<Description>early</Description><GenerationTime>"),
            "Unexpected child with tag 'Description' at position 2. Tag 'GenerationTime' expected.",
        ),
        # the first child out of place: the first particle is required
        (
            lambda d: d.replace("<IncidentID", "<Description>first</Description><IncidentID"),
            "Unexpected child with tag 'Description' at position 1. Tag 'IncidentID' expected.",
        ),
    ],
)
def test_content_model_misfits_are_worded_as_xmlschema_words_them(change: Any, message: str) -> None:
    text = change((FIXTURES / "valid" / "minimal.xml").read_text(encoding="utf-8"))
    root = parse_xml(text.encode())
    schema = decider_schema("rfc7970")
    assert not schema.validate(root)
    log = schema.error_log
    quick = explain(root, "rfc7970", log, ElementPaths())
    assert quick is not None
    assert quick[0].message.startswith(message)
    assert quick == _xmlschema_issues(root, "rfc7970", log, ElementPaths())


@pytest.mark.parametrize(("prefix", "explained"), [("iodef", True), ("x", False)])
def test_a_prefix_other_than_iodef_is_left_to_xmlschema(prefix: str, explained: bool) -> None:
    # xmlschema names the stray child with the document's own prefix: 'x:Phone', but 'Phone' for
    # the iodef prefix (which a report strips, as it strips the namespace of a default one)
    body = (FIXTURES / "valid" / "minimal.xml").read_text(encoding="utf-8").split("\n", 2)[2]
    body = body.replace("<Description>", "<Phone>1</Phone><Description>")
    body = re.sub(r"<(/?)(\w)", rf"<\1{prefix}:\2", body).replace("xmlns=", f"xmlns:{prefix}=")
    root = parse_xml(body.encode())
    schema = decider_schema("rfc7970")
    assert not schema.validate(root)
    log = schema.error_log
    quick = explain(root, "rfc7970", log, ElementPaths())
    slow = _xmlschema_issues(root, "rfc7970", log, ElementPaths())
    assert (quick is not None) is explained
    assert quick in (None, slow)
    assert slow[0].message.startswith("Unexpected child with tag '" + ("Phone" if explained else "x:Phone"))
