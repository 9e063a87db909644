"""The Python examples of docs/exchange.md run (so they cannot rot)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "exchange.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_examples_of_the_exchange_guide_run(block: str) -> None:
    exec(compile(block, str(DOC), "exec"), {})


def test_the_guide_has_examples() -> None:
    assert BLOCKS
