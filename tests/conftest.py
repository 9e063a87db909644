"""Shared test helpers: canonical XML comparison and fixture locations."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED = ROOT.parent / "shared"


def canonical(xml: bytes) -> str:
    """C14N 2.0 of *xml*: prefixes rewritten, comments and whitespace-only text between elements dropped."""
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    for el in root.iter():
        if len(el) and el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.canonicalize(
        root.getroottree(), with_comments=False, strip_text=False, rewrite_prefixes=True
    )


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "reference" / "rfc7970.txt").is_file():
        pytest.skip(f"conformance data not found at {SHARED} (../shared beside the repository)")
    return SHARED
