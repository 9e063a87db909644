"""The base of every model class and the markers that bind fields to XML.

A model class declares its XML binding next to each field with ``Annotated``:

- ``Attr("name")``: an XML attribute (``Attr("lang", XML_NS)`` for ``xml:lang``);
- ``Child("Tag")``: a child element in the IODEF namespace (or another namespace), once or,
  for a ``list`` field, repeated; its type is another model class or a simple value;
- ``Text()``: the character content of an element with simple content;
- ``Wildcard()``: content the schema leaves open (``xs:any``), kept as :class:`AnyXML` nodes.

The binding itself (reading and writing lxml trees) lives in :mod:`iodef.model._binding`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Final

from lxml import etree
from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetJsonSchemaHandler, PrivateAttr
from pydantic import model_validator as _model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

if TYPE_CHECKING:
    from ._binding import Plan

__all__ = [
    "IODEF_NS",
    "XML_NS",
    "AnyXML",
    "Attr",
    "Child",
    "IODEFModel",
    "Text",
    "UnregisteredValue",
    "Wildcard",
    "XMLState",
]

IODEF_NS: Final = "urn:ietf:params:xml:ns:iodef-2.0"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
SCI_NS: Final = "urn:ietf:params:xml:ns:iodef-sci-1.0"
ENUM_NS: Final = "urn:ietf:params:xml:ns:iodef-enum-1.0"


class Attr:
    """Binds a field to an XML attribute."""

    __slots__ = ("name", "namespace")

    def __init__(self, name: str, namespace: str | None = None) -> None:
        self.name = name
        self.namespace = namespace

    @property
    def clark(self) -> str:
        return f"{{{self.namespace}}}{self.name}" if self.namespace else self.name


class Child:
    """Binds a field to a child element (in the IODEF namespace unless another is given).

    ``required`` says the schema needs at least one such element; reading a document without
    it fails with a clear error rather than producing an object that cannot be written back.
    """

    __slots__ = ("also", "name", "namespace", "required")

    def __init__(
        self, name: str, namespace: str = IODEF_NS, *, required: bool = False, also: tuple[str, ...] = ()
    ) -> None:
        self.name = name
        self.namespace = namespace
        self.required = required
        #: other spellings read as this child (RFC 7970's prose where its schema differs); a
        #: document read with one is written back with it, a new one with ``name``
        self.also = also

    @property
    def clark(self) -> str:
        return f"{{{self.namespace}}}{self.name}"


class Text:
    """Binds a field to the character content of an element with simple content."""

    __slots__ = ()


class Wildcard:
    """Binds a ``list[AnyXML]`` field to open content (``xs:any``): kept node for node."""

    __slots__ = ("mixed",)

    def __init__(self, *, mixed: bool = False) -> None:
        self.mixed = mixed


class AnyXML:
    """One node of open content (an element, comment or processing instruction) kept verbatim.

    It holds a standalone lxml node; ``tail`` is the text that followed it in mixed content.
    Two ``AnyXML`` are equal when their canonical (C14N 2.0) forms and tails are equal. Build one
    from an lxml element (it is copied) or from a string of XML.
    """

    __slots__ = ("_node",)

    def __init__(self, node: etree._Element | str | bytes, *, tail: str | None = None) -> None:
        if isinstance(node, (str, bytes)):
            text = node.decode("utf-8") if isinstance(node, bytes) else node
            stripped = text.strip()
            if stripped.startswith("<!--") and stripped.endswith("-->"):
                element = etree.Comment(stripped[4:-3])
            elif stripped.startswith("<?") and stripped.endswith("?>") and not stripped.startswith("<?xml "):
                target, _, rest = stripped[2:-2].partition(" ")
                element = etree.ProcessingInstruction(target, rest or None)
            else:
                from ..safexml import parse_xml

                element = parse_xml(text.encode("utf-8"))
            element.tail = tail
        else:
            element = copy.deepcopy(node)
            if tail is not None:
                element.tail = tail
        self._node = element

    @classmethod
    def _adopt(cls, node: etree._Element) -> AnyXML:
        """Wrap a node copy without copying again (the binding's fast path)."""
        obj = cls.__new__(cls)
        obj._node = node
        return obj

    @property
    def element(self) -> etree._Element:
        """The lxml node (a private copy: change it through this object only)."""
        return self._node

    @property
    def tail(self) -> str | None:
        tail: str | None = self._node.tail
        return tail

    @property
    def tag(self) -> str:
        """The node's tag in Clark notation (``{namespace}local``), or ``""`` for comments and PIs."""
        tag = self._node.tag
        return tag if isinstance(tag, str) else ""

    def to_string(self) -> str:
        """The node as XML text, without its tail."""
        text: str = etree.tostring(self._node, encoding="unicode", with_tail=False)
        return text

    def _canonical(self) -> tuple[str, str]:
        node = self._node
        if isinstance(node.tag, str):
            c14n = etree.tostring(node, method="c14n2", with_tail=False).decode("utf-8")
        else:
            c14n = etree.tostring(node, with_tail=False).decode("utf-8")
        return c14n, node.tail or ""

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AnyXML):
            return NotImplemented
        return self._canonical() == other._canonical()

    def __hash__(self) -> int:
        return hash(self._canonical())

    def __repr__(self) -> str:
        text = self.to_string()
        if len(text) > 80:
            text = text[:77] + "..."
        return f"AnyXML({text!r})"

    def __deepcopy__(self, memo: dict[int, Any]) -> AnyXML:
        return AnyXML._adopt(copy.deepcopy(self._node))

    def __reduce__(self) -> tuple[Any, tuple[str, str, str | None]]:
        node = self._node
        if isinstance(node.tag, str):
            return _restore_anyxml, ("element", self.to_string(), node.tail)
        if node.tag is etree.Comment:
            return _restore_anyxml, ("comment", node.text or "", node.tail)
        return _restore_anyxml, ("pi", f"{node.target}\x00{node.text or ''}", node.tail)

    @classmethod
    def _coerce(cls, value: Any) -> AnyXML:
        if isinstance(value, AnyXML):
            return value
        if isinstance(value, (str, bytes, etree._Element)):
            return cls(value)
        if isinstance(value, dict) and isinstance(value.get("xml"), str):
            tail = value.get("tail")
            return cls(value["xml"], tail=tail if isinstance(tail, str) else None)
        raise TypeError("expected AnyXML, an lxml element, a string of XML or {'xml': ..., 'tail': ...}")

    def _dump(self) -> str | dict[str, str]:
        """Plain data: the XML text, or ``{"xml": ..., "tail": ...}`` when text follows the node."""
        tail = self._node.tail
        return {"xml": self.to_string(), "tail": tail} if tail else self.to_string()

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls._coerce,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v._dump()),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [
                {"type": "string", "contentMediaType": "application/xml"},
                {
                    "type": "object",
                    "properties": {"xml": {"type": "string"}, "tail": {"type": "string"}},
                    "required": ["xml"],
                },
            ]
        }


def _restore_anyxml(kind: str, payload: str, tail: str | None) -> AnyXML:
    """Unpickle an AnyXML (lxml nodes cannot be pickled themselves)."""
    if kind == "element":
        return AnyXML(payload, tail=tail)
    if kind == "comment":
        node = etree.Comment(payload)
    else:
        target, _, text = payload.partition("\x00")
        node = etree.ProcessingInstruction(target, text or None)
    node.tail = tail
    return AnyXML._adopt(node)


class UnregisteredValue(str):
    """An enumerated attribute's value that is not in iodef's copy of the registry.

    IANA may add values to the RFC 7970 §10.2 registries after this library was written, and
    peers make mistakes: reading keeps such a value as it came (the validator reports it) instead
    of refusing the whole document. It is a ``str`` and, like an enum member, has ``value`` and
    ``name``. Code that builds documents uses the enums, or ``ext-value`` with the ``ext_*``
    field for private values (RFC 7970 §5.1.1).
    """

    __slots__ = ()

    @property
    def value(self) -> str:
        return str(self)

    @property
    def name(self) -> str:
        return str(self).upper().replace("-", "_")

    def __repr__(self) -> str:
        return f"UnregisteredValue({str(self)!r})"


class XMLState:
    """What a parsed object remembers of its source so that writing it back loses nothing.

    ``lex`` maps a field name to ``(raw_text, parsed_value)`` where the source spelled a value
    differently from how iodef would write it (``" 80 "``, ``"+01:00"``) or left out an attribute
    that has a default; it is used while the field still holds that very value. ``order`` is the
    sequence of child field indexes when the source's child order differs from schema order.
    ``misc`` holds the comments and processing instructions found between child elements, each
    with the number of elements before it; ``inner`` those inside simple content, as
    ``(text_before, nodes_with_their_tails, value_read)``; ``around``, on the document only, the
    comments and processing instructions before and after the root element; ``nsmap``, on the
    document only, the namespace declarations of the root, so that a default namespace stays
    default. ``kids`` is ``inner`` for the simple-valued children (``EmailTo``, ``StartTime``,
    ``Port``, ``URL`` ...), keyed by ``(field name, index in the list)``: the text and the comments
    or processing instructions inside one such child, or its spelling when it differs from how
    iodef writes the value.
    """

    __slots__ = ("around", "inner", "kids", "lex", "misc", "nsmap", "order")

    def __init__(self) -> None:
        self.kids: dict[tuple[str, int], tuple[str | None, list[AnyXML], Any]] | None = None
        self.nsmap: dict[str | None, str] | None = None
        self.lex: dict[str, tuple[str | None, Any]] | None = None
        self.order: list[int] | None = None
        self.misc: list[tuple[int, AnyXML]] | None = None
        self.inner: tuple[str | None, list[AnyXML], Any] | None = None
        self.around: tuple[list[AnyXML], list[AnyXML]] | None = None


class IODEFModel(BaseModel):
    """Base of all IODEF classes: pydantic validation plus the XML binding's bookkeeping."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        validate_assignment=False,
        ser_json_inf_nan="constants",
        use_attribute_docstrings=False,
        # validators are built on a class's first use, not at import (see model/__init__.py)
        defer_build=True,
    )

    #: Attributes the schema does not define (e.g. from other namespaces), kept as they came,
    #: keyed by Clark name (``{namespace}name``).
    extra_attributes: dict[str, str] | None = Field(default=None, repr=False)

    # What reading remembered for a lossless write; objects read without anything to remember
    # (and objects built in code) have no private storage at all (``__pydantic_private__`` None).
    _xml: XMLState | None = PrivateAttr(default=None)

    __xml_plan__: ClassVar[Plan | None] = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseModel):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    __hash__ = None  # type: ignore[assignment]

    @_model_validator(mode="before")
    @classmethod
    def _refuse_unknown_keywords(cls, data: Any) -> Any:
        """Name the field a mistyped keyword was probably meant to be (``did you mean nodes=?``)."""
        if isinstance(data, dict):
            fields = cls.model_fields
            unknown = [key for key in data if key not in fields]
            if unknown:
                raise ValueError("; ".join(unknown_field_hint(cls, str(key)) for key in unknown))
        return data

    @_model_validator(mode="after")
    def _check_ext_pairs(self) -> IODEFModel:
        problems = list(self.ext_value_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def ext_value_problems(self) -> Iterable[str]:
        """Yield a sentence for each ``ext-value`` without its ``ext-<attr>`` and the reverse.

        RFC 7970 §5.1.1: an enumerated attribute set to ``ext-value`` carries its value in the
        matching ``ext-`` attribute, which is used only then.
        """
        from ._binding import plan_of

        values = self.__dict__
        for enum_name, enum_xml, ext_name, ext_xml in plan_of(type(self)).ext_pairs:
            value = values[enum_name]
            ext = values[ext_name]
            is_ext = value is not None and getattr(value, "value", value) == "ext-value"
            if is_ext and not ext:
                yield f"{enum_xml}='ext-value' needs the {ext_xml} attribute (RFC 7970 §5.1.1)"
            elif ext is not None and not is_ext:
                yield f"{ext_xml} is set but {enum_xml} is not 'ext-value' (RFC 7970 §5.1.1)"


def plural_field_name(snake: str) -> str:
    """The one naming rule for repeated children: the element's snake_case name, made plural.

    English plurals for count nouns (``Address`` -> ``addresses``, ``Description`` ->
    ``descriptions``); names already plural stay (``Nameservers``, ``FileProperties``); names
    that do not take an ``s`` (every ``...Data`` class, ``EmailTo``, ``RelatedDNS``,
    ``WindowsRegistryKeysModified``) get ``_list`` so that a list never hides behind a
    singular-looking name.
    """
    if snake.endswith(("data", "_to", "_modified", "dns")):
        return f"{snake}_list"
    if snake.endswith(("ss", "x", "ch", "sh")):
        return f"{snake}es"
    if snake.endswith("s"):
        return snake
    if snake.endswith("y") and snake[-2:-1] not in ("a", "e", "o", "u"):
        return f"{snake[:-1]}ies"
    return f"{snake}s"


def unknown_field_hint(cls: type[BaseModel], key: str) -> str:
    """A sentence for a keyword ``cls`` does not have, with the closest real field names."""
    import difflib

    names = [name for name in cls.model_fields if name != "extra_attributes"]
    candidates = {name: name for name in names}
    # the singular or XML-looking spelling of a list field points at the list field
    for name in names:
        for stem in (name.removesuffix("_list"), name.removesuffix("es"), name.removesuffix("s")):
            candidates.setdefault(stem, name)
    folded = key.replace("-", "_").lower()
    close = difflib.get_close_matches(folded, list(candidates), n=3, cutoff=0.6)
    suggestions = list(dict.fromkeys(candidates[c] for c in close))
    hint = (
        f"did you mean {' or '.join(f'{s}=' for s in suggestions)}?"
        if suggestions
        else (f"its fields are {', '.join(names)}")
    )
    return f"{cls.__name__} has no field {key!r}: {hint}"


def enum_values(enum_cls: type[Enum]) -> list[str]:
    return [str(m.value) for m in enum_cls]
