"""Small lxml helpers shared by the model binding and the validator, free of pydantic.

The validator imports these without importing the typed model, which keeps ``iodef validate``
from loading pydantic and the model classes it does not use.
"""

from __future__ import annotations

import re
from typing import Final

from lxml import etree

__all__ = ["element_path"]

_DT_RE: Final = re.compile(
    r"(-?[0-9]{4,})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)


def element_path(el: etree._Element) -> str:
    """An XPath-like path of local names, with [n] where a name repeats among siblings."""
    parts: list[str] = []
    node: etree._Element | None = el
    while node is not None:
        tag = node.tag
        local = etree.QName(node).localname if isinstance(tag, str) else "node()"
        parent = node.getparent()
        if parent is not None and isinstance(tag, str):
            same = [c for c in parent if c.tag == tag]
            if len(same) > 1:
                local += f"[{same.index(node) + 1}]"
        parts.append(local)
        node = parent
    return "/" + "/".join(reversed(parts))
