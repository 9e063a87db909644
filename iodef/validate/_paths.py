"""Element paths for reports, each computed once per document (not rescanned per issue)."""

from __future__ import annotations

from lxml import etree

__all__ = ["ElementPaths"]


class ElementPaths:
    """:func:`iodef._tree.element_path`, with every path and sibling count kept for one document.

    ``element_path`` scans the siblings of every step to number repeated names, so 4,000
    issues on 4,000 sibling Incidents cost 4,000 x 4,000 steps. Here each parent's children are
    numbered once and each element's path is built once, from its parent's: the same strings
    (tests/validate/test_validate_speed.py compares them on every fixture), in linear time.
    """

    __slots__ = ("_numbers", "_paths")

    def __init__(self) -> None:
        self._paths: dict[etree._Element, str] = {}
        self._numbers: dict[etree._Element, dict[etree._Element, int]] = {}

    def __call__(self, el: etree._Element) -> str:
        known = self._paths.get(el)
        if known is not None:
            return known
        # climb to the nearest element whose path is known (or the root), then come down
        chain: list[etree._Element] = []
        node: etree._Element | None = el
        while node is not None and node not in self._paths:
            chain.append(node)
            node = node.getparent()
        base = self._paths[node] if node is not None else ""
        for step in reversed(chain):
            base = f"{base}/{self._step(step)}"
            self._paths[step] = base
        return base

    def _step(self, el: etree._Element) -> str:
        tag = el.tag
        if not isinstance(tag, str):
            return "node()"
        local: str = etree.QName(el).localname
        parent = el.getparent()
        if parent is None:
            return local
        numbers = self._numbers.get(parent)
        if numbers is None:
            numbers = self._numbers[parent] = _number(parent)
        n = numbers.get(el)
        return f"{local}[{n}]" if n else local


def _number(parent: etree._Element) -> dict[etree._Element, int]:
    """The position of each child among its same-named siblings, for names that repeat."""
    by_tag: dict[str, list[etree._Element]] = {}
    for child in parent:
        if isinstance(child.tag, str):
            by_tag.setdefault(child.tag, []).append(child)
    return {c: i for same in by_tag.values() if len(same) > 1 for i, c in enumerate(same, 1)}
