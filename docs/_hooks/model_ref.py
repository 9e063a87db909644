"""The model reference, generated at build time from ``iodef.model``.

It walks :data:`iodef.model.MODEL_CLASSES` and each class's XML binding plan
(``iodef/model/_binding.py``), so the pages say what the code does: for every class its RFC 7970
section, and for every field its Python name, XML name, kind, type and how many values it holds.
"""

from __future__ import annotations

import inspect
import types
import typing
from enum import Enum
from typing import Any

#: module of iodef.model -> page title; the order of the RFC
MODULES = {
    "datatypes": "Data types (§2)",
    "document": "Document and incident (§3.1-§3.8)",
    "contact": "Contact (§3.9)",
    "assessment": "Discovery, method and assessment (§3.10-§3.13)",
    "event": "Events, flows and systems (§3.14-§3.20)",
    "record": "Records (§3.21-§3.27)",
    "indicator": "Indicators (§3.28-§3.29)",
}
XML_NS = "http://www.w3.org/XML/1998/namespace"


def _classes() -> dict[str, type]:
    from iodef.model import MODEL_CLASSES

    return dict(MODEL_CLASSES)


def _page_of(cls: type) -> str:
    return cls.__module__.rsplit(".", 1)[-1]


def _doc(obj: Any) -> tuple[str, str]:
    """(first line, rest) of a docstring."""
    text = inspect.cleandoc(obj.__doc__ or "")
    first, _, rest = text.partition("\n")
    return first.strip(), rest.strip()


def _xml_name(clark: str) -> str:
    from iodef import IODEF_NS

    if clark.startswith("{"):
        ns, _, local = clark[1:].partition("}")
        if ns == IODEF_NS:
            return local
        if ns == XML_NS:
            return f"xml:{local}"
        return f"{{{ns}}}{local}"
    return clark


def _link(tp: Any, here: str) -> str:
    """Markdown for a field's type, linking to the class or enumeration it names."""
    from iodef.model import AnyXML

    if isinstance(tp, type) and tp.__name__ in _classes():
        page = _page_of(tp)
        target = "" if page == here else f"{page}.md"
        return f"[{tp.__name__}]({target}#{tp.__name__.lower()})"
    if isinstance(tp, type) and issubclass(tp, Enum):
        return f"[{tp.__name__}](enums.md#{tp.__name__.lower()})"
    if tp is AnyXML:
        return "XML (`AnyXML`)"
    return f"`{getattr(tp, '__name__', str(tp))}`"


def _field_type(annotation: Any) -> Any:
    tp = annotation
    origin = typing.get_origin(tp)
    if origin is typing.Union or origin is types.UnionType:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        tp = args[0] if len(args) == 1 else tp
    if typing.get_origin(tp) is list:
        (tp,) = typing.get_args(tp)
    return tp


def _count(spec: Any) -> str:
    if spec.many:
        return "1..*" if spec.required else "0..*"
    return "1" if spec.required else "0..1"


_KINDS = {0: "attribute", 1: "element", 2: "text", 3: "any XML"}


def _used_in() -> dict[str, list[tuple[str, str]]]:
    """class name -> [(parent class, XML element name)]."""
    from iodef.model._binding import plan_of

    out: dict[str, list[tuple[str, str]]] = {}
    for name, cls in _classes().items():
        for spec in plan_of(cls).specs:
            if spec.model is not None:
                out.setdefault(spec.model.__name__, []).append((name, _xml_name(spec.xml)))
    return out


def class_section(name: str, cls: type, used_in: dict[str, list[tuple[str, str]]]) -> str:
    from iodef.model._binding import plan_of

    here = _page_of(cls)
    first, rest = _doc(cls)
    out = [f"## {name}", "", f"**{first}**", ""]
    if rest:
        out += [rest, ""]
    parents = used_in.get(name, [])
    if parents:
        where = ", ".join(
            f"`<{tag}>` in {_link(_classes()[parent], here)}" for parent, tag in sorted(set(parents))
        )
        out += [f"Appears as {where}.", ""]
    plan = plan_of(cls)
    if plan.specs:
        out += ["| field | XML | kind | type | count |", "|---|---|---|---|---|"]
        fields = cls.model_fields  # type: ignore[attr-defined]
        for spec in plan.specs:
            xml = (
                "(text content)"
                if spec.kind == 2
                else "(any element)"
                if spec.kind == 3
                else _xml_name(spec.xml)
            )
            if spec.kind == 0:
                xml = "@" + xml
            tp = _link(_field_type(fields[spec.name].annotation), here)
            out.append(f"| `{spec.name}` | `{xml}` | {_KINDS[spec.kind]} | {tp} | {_count(spec)} |")
        out.append("")
    out += ["Every class also has `extra_attributes`: attributes from other namespaces, kept as read.", ""]
    return "\n".join(out)


def module_page(module: str) -> str:
    used_in = _used_in()
    title = MODULES[module]
    names = [n for n, c in _classes().items() if _page_of(c) == module]
    doc = inspect.cleandoc(__import__(f"iodef.model.{module}", fromlist=["x"]).__doc__ or "")
    out = [f"# {title}", "", doc.partition("\n")[0], ""]
    out += [class_section(n, _classes()[n], used_in) for n in names]
    return "\n".join(out)


def enums_page() -> str:
    from iodef.model import enums

    out = ["# Enumerations (§10.2)", "", inspect.cleandoc(enums.__doc__ or ""), ""]
    for name in enums.__all__:
        enum_cls = getattr(enums, name)
        first, rest = _doc(enum_cls)
        out += [f"## {name}", "", first, ""]
        if rest:
            out += [rest, ""]
        out += ["| Python | XML value |", "|---|---|"]
        out += [f"| `{name}.{m.name}` | `{m.value}` |" for m in enum_cls]
        out.append("")
    return "\n".join(out)


def index_page() -> str:
    out = [
        "# The model",
        "",
        "Generated from `iodef.model` when the site is built: every class of the typed model, the RFC 7970",
        "section it implements, and how each field is written in XML. Class names are the RFC's; a field's",
        "name says how many values it holds (plural or `_list` for lists, singular for one value).",
        "",
        "| class | RFC 7970 | page |",
        "|---|---|---|",
    ]
    for name, cls in _classes().items():
        first, _ = _doc(cls)
        section = first.removeprefix("RFC 7970 ").removesuffix(f" {name}.").removesuffix(".")
        page = _page_of(cls)
        out.append(f"| [{name}]({page}.md#{name.lower()}) | {section} | {MODULES[page]} |")
    out += ["", "The enumerations are on [their own page](enums.md).", ""]
    return "\n".join(out)


def pages() -> dict[str, str]:
    """src path (below docs/) -> Markdown."""
    out = {"reference/model/index.md": index_page(), "reference/model/enums.md": enums_page()}
    for module in MODULES:
        out[f"reference/model/{module}.md"] = module_page(module)
    # the menu in the RFC's order (mkdocs-awesome-nav)
    order = "".join(f"  - {module}.md\n" for module in [*MODULES, "enums"])
    out["reference/model/.nav.yml"] = f"title: The model\nappend_unmatched: true\nnav:\n  - index.md\n{order}"
    return out
