"""Fenced code blocks of the README and docs/, and the markers that say which ones are not run.

A block's language decides how it runs: ``python``/``py`` blocks of one page run in order in one
namespace; ``sh``/``bash``/``shell`` blocks run through bash; ``console`` blocks are transcripts
(``$ command`` lines followed by the output expected, ``...`` standing for any lines). Blocks in
any other language (``toml``, ``text``, ``xml``, none) are listings, not examples.

``<!-- not-run: REASON -->`` on the line before a fence keeps a block from running; the tests
pin how many such blocks each page has, so a new one is a decision, not an accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNNABLE = {"python": "python", "py": "python", "sh": "shell", "bash": "shell", "shell": "shell"}
RUNNABLE["console"] = "console"

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^`\n]*)$")
_NOT_RUN = re.compile(r"^\s*<!--\s*not-run:\s*(?P<reason>.+?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    page: str  # relative to the repository root
    line: int  # 1-based line of the first line of code
    lang: str  # "python", "shell" or "console"
    code: str
    not_run: str | None  # the reason, when marked

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    """README.md and every Markdown page under docs/ (the hooks directory is code, not pages)."""
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if "_hooks" not in p.parts)
    return [ROOT / "README.md", *docs]


def blocks_of(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    out: list[Block] = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group("fence"), m.group("info").strip()
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].strip().startswith(fence):
            end += 1
        lang = RUNNABLE.get(info.split()[0].lower() if info else "")
        if lang is not None:
            marker = _NOT_RUN.match(lines[i - 1]) if i > 0 else None
            code = "\n".join(line[len(m.group("indent")) :] for line in lines[start:end]) + "\n"
            out.append(
                Block(
                    page=path.relative_to(ROOT).as_posix(),
                    line=start + 1,
                    lang=lang,
                    code=code,
                    not_run=marker.group("reason") if marker else None,
                )
            )
        i = end + 1
    return out


def all_blocks() -> list[Block]:
    return [b for p in pages() for b in blocks_of(p)]
