"""MkDocs hook: generate the reference pages from the code when the site is built.

Nothing generated is committed, so nothing can go stale: the model reference comes from
``iodef.model`` and its binding plans, the converter reference from ``iodef.convert``, and one page
per command from the Typer app (see the modules beside this one).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).parent))

import cli_ref
import convert_ref
import model_ref

log = logging.getLogger("mkdocs.hooks.iodef")


@event_priority(100)  # before the nav plugin and mkdocstrings see the files
def on_files(files: Files, config: Any) -> Files:
    generated = {**model_ref.pages(), **convert_ref.pages(), "commands/index.md": cli_ref.index_page()}
    root = cli_ref.root_command()
    for full, cmd in cli_ref.iter_commands(root):
        if " " in full:
            continue  # subcommands are sections of their group's page
        src = f"commands/{full}.md"
        page = files.get_file_from_path(src)
        if page is None:
            generated[src] = cli_ref.generated_page(full, cmd)
        elif cli_ref.MARKER not in Path(page.abs_src_path or "").read_text(encoding="utf-8"):
            log.warning("docs/%s has no %s where the generated reference goes", src, cli_ref.MARKER)
    for src, content in generated.items():
        if files.get_file_from_path(src) is not None:
            log.warning("docs/%s is generated; remove the hand-written file", src)
            continue
        files.append(File.generated(config, src, content=content))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Files) -> str:
    src = page.file.src_uri
    if src.startswith("commands/") and cli_ref.MARKER in markdown:
        return cli_ref.fill(markdown, src.removeprefix("commands/").removesuffix(".md"))
    return markdown
