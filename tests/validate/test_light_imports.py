"""`iodef validate` does not load the typed model: start-up time is most of a small run."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, cli_then


@pytest.mark.parametrize("module", ["iodef", "iodef.validate", "iodef.cli.main", "iodef.cli.validate"])
def test_validation_imports_neither_pydantic_nor_the_model(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "from iodef.validate import check\n"
        f"check({str(ROOT / 'fixtures' / 'valid' / 'minimal.xml')!r})\n"
        "print(sorted(m for m in sys.modules if m == 'pydantic' or m.startswith('iodef.model')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_lazy_names_still_resolve() -> None:
    code = (
        "import iodef\n"
        "from iodef import Incident, Issue\n"
        "assert Incident is iodef.model.Incident and iodef.Issue is Issue\n"
        "assert 'Incident' in dir(iodef)\n"
        "try:\n    iodef.NoSuchName\nexcept AttributeError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "module 'iodef' has no attribute 'NoSuchName'"


def test_the_validate_command_loads_only_its_own_module() -> None:
    # (Typer itself imports pydantic; the model, httpx and SQLAlchemy are ours to avoid)
    heavy = (
        "sorted(m for m in sys.modules if m in ('httpx', 'sqlalchemy')"
        " or m.startswith(('iodef.model', 'iodef.convert', 'iodef.exchange')))"
    )
    reported, output = cli_then(["validate", str(ROOT / "fixtures" / "valid" / "minimal.xml")], heavy)
    assert reported == "0 []"
    assert "1 document, 1 valid" in output
