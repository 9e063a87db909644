"""A griffe extension: read the Sphinx-flavoured bits of iodef's docstrings as Markdown.

The docstrings are written for ``help()`` and the source, with Sphinx roles (``:func:`parse```,
``:class:`~iodef.Incident```) and ``::`` before literal blocks. mkdocstrings renders Markdown, so
here a role becomes a code span (``~`` keeps the last component, as Sphinx does), a line ending in
``::`` ends in ``:``, and a line holding only ``::`` goes; the indented block after it stays code.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:func|meth|class|mod|data|attr|exc|obj|const):`(~?)([^`]+)`")


def _role(m: re.Match[str]) -> str:
    target = m.group(2)
    if m.group(1):
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def to_markdown(text: str) -> str:
    text = _ROLE.sub(_role, text)
    lines = []
    for line in text.splitlines():
        if line.strip() == "::":
            continue
        if line.rstrip().endswith("::"):
            line = line.rstrip()[:-1]
        lines.append(line)
    return "\n".join(lines).replace("``", "`")


class RstRoles(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = to_markdown(obj.docstring.value)
