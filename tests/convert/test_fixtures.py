"""Every fixture of a real input format converts to the IODEF beside it (compared under C14N 2.0),
the produced document is valid, and the format is detected from the input itself.

Set ``IODEF_REGEN=1`` to rewrite the expected documents after a deliberate mapping change, then
review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from lxml import etree

from iodef.convert.readers import READERS, detect

from .conftest import FIXTURES, assert_valid_document, canonical, convert_bytes, fixture_options, run_reader

SIDE_SUFFIXES = (".iodef.xml", ".options.json")


def _inputs() -> list[Path]:
    found = []
    for path in sorted(FIXTURES.rglob("*")):
        if not path.is_file() or path.name.endswith(SIDE_SUFFIXES) or "bad" in path.parts:
            continue
        found.append(path)
    return found


INPUTS = _inputs()


def _ident(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def _family_format(path: Path) -> tuple[str, str]:
    rel = path.relative_to(FIXTURES).parts
    return rel[0], rel[1]


def test_every_reader_has_a_fixture() -> None:
    covered = {_family_format(p) for p in INPUTS}
    missing = [(f, n) for f, specs in READERS.items() for n in specs if (f, n) not in covered]
    assert not missing


@pytest.mark.parametrize("path", INPUTS, ids=_ident)
def test_fixture_converts_to_expected_iodef(path: Path) -> None:
    family, fmt = _family_format(path)
    extra = fixture_options(path)
    data = path.read_bytes()
    records, errors = run_reader(family, fmt, data, path.name, extra)
    assert not errors, [str(e) for e in errors]
    assert records, "the fixture yields no records"
    produced, stats = convert_bytes(family, fmt, data, path.name, extra=extra)
    assert stats.records == len(records)
    assert stats.bad_records == 0
    expected_path = path.with_name(path.name + ".iodef.xml")
    if os.environ.get("IODEF_REGEN"):
        tree = etree.fromstring(produced, etree.XMLParser(remove_blank_text=True))
        pretty = etree.tostring(tree, pretty_print=True, xml_declaration=True, encoding="UTF-8")
        expected_path.write_bytes(pretty)
    assert expected_path.exists(), (
        f"no expected document {expected_path.name}; run with IODEF_REGEN=1 and review"
    )
    assert canonical(produced) == canonical(expected_path.read_bytes())


@pytest.mark.parametrize("path", INPUTS, ids=_ident)
def test_fixture_output_is_valid(path: Path) -> None:
    family, fmt = _family_format(path)
    produced, stats = convert_bytes(family, fmt, path.read_bytes(), path.name, extra=fixture_options(path))
    if stats.incidents == 0:
        # inputs made only of events that are not incidents produce no document at all
        assert produced == b""
        assert stats.skipped_records == stats.records > 0
        return
    assert_valid_document(produced)


@pytest.mark.parametrize("path", INPUTS, ids=_ident)
def test_format_is_detected(path: Path) -> None:
    family, fmt = _family_format(path)
    head = path.read_bytes()[:8192]
    assert detect(family, head, path.name) == fmt


@pytest.mark.parametrize("path", INPUTS, ids=_ident)
def test_records_are_complete_and_typed(path: Path) -> None:
    """Readers fill records directly on their hot path: every field must be there and re-validate."""
    family, fmt = _family_format(path)
    records, _ = run_reader(family, fmt, path.read_bytes(), path.name, fixture_options(path))
    for record in records:
        model = type(record)
        assert set(record.__dict__) == set(model.model_fields)
        again = model.model_validate(record.model_dump())
        assert again.model_dump() == record.model_dump()
