"""Shared test helpers: canonical XML comparison, fixture locations, the CLI in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys
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


def cli_then(args: list[str], report: str) -> tuple[str, str]:
    """Run ``iodef *args*`` in a fresh interpreter (so that what it imports is its own), then print
    its exit code and the value of the expression *report* (``sys`` is imported): that line, and
    the command's whole output."""
    code = (
        "import sys\n"
        f"sys.argv = ['iodef', *{args!r}]\n"
        "from iodef.cli.main import main\n"
        "code = None\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    code = exit.code\n"
        f"print(code, {report}, file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return out.stderr.strip().splitlines()[-1], out.stdout + out.stderr


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "reference" / "rfc7970.txt").is_file():
        pytest.skip(f"conformance data not found at {SHARED} (../shared beside the repository)")
    return SHARED
