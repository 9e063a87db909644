"""The project's own fixtures: valid documents validate and round-trip; broken ones fail clearly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

import iodef
from iodef.model import MODEL_CLASSES, IODEFModel
from iodef.validate.schema import lxml_schema, xmlschema_schema
from tests.conftest import FIXTURES, canonical

VALID = sorted((FIXTURES / "valid").glob("*.xml"))
LOSSLESS = sorted((FIXTURES / "lossless").glob("*.xml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.xml"))


def test_fixture_sets_are_not_empty() -> None:
    assert len(VALID) >= 2
    assert len(LOSSLESS) >= 5
    assert len(INVALID) >= 5


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_valid_fixture_validates_against_the_xsd(path: Path) -> None:
    schema = lxml_schema()
    assert schema.validate(etree.parse(str(path))), str(schema.error_log)
    errors = [e.reason for e in xmlschema_schema().iter_errors(str(path))]
    assert errors == []


@pytest.mark.parametrize("path", VALID + LOSSLESS, ids=lambda p: p.name)
def test_round_trip_is_lossless(path: Path) -> None:
    original = path.read_bytes()
    doc = iodef.parse(original)
    for pretty in (False, True):
        written = iodef.dumps(doc, pretty=pretty)
        assert canonical(written) == canonical(original)
        assert iodef.parse(written) == doc


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.name)
def test_written_valid_documents_stay_valid(path: Path) -> None:
    written = iodef.dumps(iodef.parse(path))
    schema = lxml_schema()
    assert schema.validate(etree.fromstring(written)), str(schema.error_log)


@pytest.mark.parametrize("path", LOSSLESS, ids=lambda p: p.name)
def test_lossless_fixture_explains_itself(path: Path) -> None:
    # each fixture here is an edge case; its first comment says which
    root = etree.parse(str(path)).getroot()
    comment = root.getprevious()
    assert isinstance(comment, etree._Comment)
    assert comment.text.strip()


def _classes_in(obj: Any, seen: set[str]) -> None:
    if isinstance(obj, IODEFModel):
        seen.add(type(obj).__name__)
        for value in obj.__dict__.values():
            _classes_in(value, seen)
    elif isinstance(obj, list):
        for value in obj:
            _classes_in(value, seen)


def test_every_element_fixture_uses_every_class_and_element() -> None:
    path = FIXTURES / "valid" / "every-element.xml"
    seen: set[str] = set()
    _classes_in(iodef.parse(path), seen)
    assert set(MODEL_CLASSES) - seen == set()
    used = {etree.QName(e).localname for e in etree.parse(str(path)).iter() if isinstance(e.tag, str)}
    declared = {
        name for name, el in xmlschema_schema().elements.items() if el.target_namespace == iodef.IODEF_NS
    }
    assert declared - used == set()


def _expected(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.with_suffix(".expected.json").read_text())
    return data


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.name)
def test_broken_fixture_fails_with_a_clear_error(path: Path) -> None:
    expected = _expected(path)
    with pytest.raises(iodef.IODEFError) as info:
        iodef.parse(path)
    err = info.value
    assert type(err).__name__ == expected["error"]
    assert isinstance(err, iodef.ParseError)
    assert err.source == str(path)
    assert err.line == expected["line"]
    if "path" in expected:
        assert err.path == expected["path"]
    for fragment in expected["message"]:
        assert fragment in err.message
    # the printed form names file, line and element
    text = str(err)
    assert text.startswith(f"{path}:{expected['line']}:" if expected["line"] else f"{path}: ")
    if "path" in expected:
        assert expected["path"] in text


def _c14n_with_comments(xml: bytes) -> str:
    root = etree.fromstring(xml)
    for el in root.iter():
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.canonicalize(root.getroottree(), with_comments=True, rewrite_prefixes=True)


@pytest.mark.parametrize("path", VALID + LOSSLESS, ids=lambda p: p.name)
def test_comments_and_processing_instructions_survive(path: Path) -> None:
    original = path.read_bytes()
    doc = iodef.parse(original)
    for pretty in (False, True):
        assert _c14n_with_comments(iodef.dumps(doc, pretty=pretty)) == _c14n_with_comments(original)


def test_kept_comments_survive_copies_and_pickles() -> None:
    import copy
    import pickle

    source = (FIXTURES / "lossless" / "comments-and-pis.xml").read_bytes()
    doc = iodef.parse(source)
    assert doc.incidents[0].descriptions[0].value == "Phishing kit on a shared host"
    for other in (copy.deepcopy(doc), pickle.loads(pickle.dumps(doc))):
        assert iodef.dumps(other) == iodef.dumps(doc)
    # once the text is changed, the nodes that stood inside it are no longer written
    doc.incidents[0].descriptions[0].value = "Phishing kit"
    assert b"<!--the kit" not in iodef.dumps(doc)
    assert b"<?highlight" not in iodef.dumps(doc)


def test_text_after_a_comment_in_element_only_content_is_refused() -> None:
    source = (
        (FIXTURES / "valid" / "minimal.xml")
        .read_bytes()
        .replace(b"<Contact ", b"<!-- note -->IMPORTANT: victim is 10.0.0.5<Contact ", 1)
    )
    with pytest.raises(iodef.ParseError, match=r"IMPORTANT: victim is 10\.0\.0\.5"):
        iodef.parse(source)
