"""The Python examples in docs/json.md and docs/upgrade.md run as written."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

PAGES = ["docs/json.md", "docs/upgrade.md"]


def _blocks() -> list[tuple[str, int, str]]:
    found = []
    for page in PAGES:
        text = (ROOT / page).read_text()
        for n, match in enumerate(re.finditer(r"```python\n(.*?)```", text, re.S)):
            found.append((page, n, match.group(1)))
    return found


@pytest.mark.parametrize(("page", "n", "code"), _blocks(), ids=lambda v: str(v)[:20])
def test_docs_example_runs(page: str, n: int, code: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(code, f"{page}[{n}]", "exec"), {})
