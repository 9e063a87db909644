"""Building model objects fast and XML-safe: what every family's build step uses.

:func:`mk` fills a model object without pydantic's validation pass (still checking enumerations,
required fields and ext-value pairs); :func:`fast_record`/:func:`whole_record` do the same for
reader records; :func:`xml_safe` escapes characters XML 1.0 cannot hold; small helpers build the
Contact, AdditionalData and document parts the three families share.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any, Final, TypeVar

from pydantic import BaseModel

from ..errors import ConvertError
from ..model import Contact, ExtensionType, Incident, IODEFDocument, IODEFModel, Node
from ..model._binding import Spec, plan_of

__all__ = [
    "creator_contact",
    "fast_record",
    "listed_of",
    "mk",
    "not_listed_item",
    "one_document",
    "text_item",
    "whole_record",
    "xml_safe",
    "xml_text",
]

M = TypeVar("M", bound=IODEFModel)


_setattr = object.__setattr__


class _Shape:
    """What :func:`mk` needs to know of a class, worked out once."""

    __slots__ = ("enums", "ext", "ext_pairs", "lists", "members", "required", "scalars", "specs")

    def __init__(self, cls: type[IODEFModel]) -> None:
        plan = plan_of(cls)
        self.enums: dict[str, type[Enum]] = {}
        for name, info in cls.model_fields.items():
            args = typing.get_args(info.annotation) or (info.annotation,)
            for arg in args:
                if isinstance(arg, type) and issubclass(arg, Enum):
                    self.enums[name] = arg
        self.specs = {s.name: s for s in plan.specs}
        self.scalars = dict(plan.scalar_defaults)
        self.scalars["extra_attributes"] = None
        self.lists = tuple(plan.lists)
        self.required = tuple(s for s in plan.specs if s.required)
        self.ext = bool(plan.ext_pairs)
        self.ext_pairs = tuple(plan.ext_pairs)
        #: value -> member of each enumerated field, the lookup Enum's own call makes
        self.members = {name: dict(enum._value2member_map_) for name, enum in self.enums.items()}


_SHAPES: dict[type[Any], _Shape] = {}


def _coerce(spec: Spec, value: Any) -> Any:
    model = spec.model
    if model is not None:
        if isinstance(value, IODEFModel):
            return value
        if isinstance(value, dict):
            return mk(model, **value)
        return mk(model, value=value)  # a bare value of a simple-content class
    if spec.load is not None and isinstance(value, str) and not isinstance(value, Enum):
        try:
            return spec.load(value)  # enumerations: the member, or an error for a bad value
        except ValueError as exc:
            raise ValueError(f"{spec.name}: {exc}") from None
    return value


def mk(cls: type[M], **fields: Any) -> M:
    """Build a model object from values of the right types, without pydantic's validation pass.

    Converters build thousands of incidents from values they typed themselves; this does what
    the XML reader of :mod:`iodef.model` does (fill ``__dict__`` directly) while still checking
    enumerated values, required fields and ext-value pairs (RFC 7970 §5.1.1). Bare strings for
    simple-content children (``descriptions=["text"]``) and dicts for nested classes are accepted.
    """
    shape = _SHAPES.get(cls)
    if shape is None:
        shape = _SHAPES[cls] = _Shape(cls)
    specs = shape.specs
    values = shape.scalars.copy()
    for name in shape.lists:
        values[name] = []
    for name, value in fields.items():
        spec = specs.get(name)
        if spec is None:
            raise TypeError(f"{cls.__name__} has no field {name!r}")
        if spec.many:
            values[name] = [_coerce(spec, v) for v in value]
        elif value is not None:
            members = shape.members.get(name)
            if members is not None and not isinstance(value, Enum):
                member = members.get(value)
                if member is None:
                    enum = shape.enums[name]
                    try:  # the XML reader keeps unknown values from peers; a converter writes only known ones
                        member = enum(value)
                    except ValueError:
                        raise ValueError(
                            f"{cls.__name__}.{name}: {value!r} is not a {enum.__name__} value"
                        ) from None
                values[name] = member
            else:
                values[name] = _coerce(spec, value)
    for spec in shape.required:
        got = values[spec.name]
        if got is None or (spec.many and not got):
            raise ValueError(f"{cls.__name__} needs {spec.name}")
    if cls is Node and not values["addresses"] and not values["domain_data_list"]:
        # RFC 7970 §3.18: a Node is an Address or a DomainData; the schema lets it slip
        raise ValueError("Node needs an Address or a DomainData")
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", values)
    _setattr(obj, "__pydantic_fields_set__", set(fields))
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", {"_xml": None})
    if shape.ext:
        # RFC 7970 §5.1.1, the test of IODEFModel.ext_value_problems() inline; its sentences
        # are asked for only when a pair is wrong
        for enum_name, _, ext_name, _ in shape.ext_pairs:
            value = values[enum_name]
            ext = values[ext_name]
            if value is None and ext is None:
                continue
            is_ext = value is not None and getattr(value, "value", value) == "ext-value"
            if (is_ext and not ext) or (ext is not None and not is_ext):
                problems = "; ".join(obj.ext_value_problems())  # the model's own sentences
                raise ValueError(f"{cls.__name__}: {problems}")
    return obj


R = TypeVar("R", bound=BaseModel)


_RECORD_DEFAULTS: dict[type[Any], tuple[dict[str, Any], tuple[str, ...], set[str]]] = {}


def fast_record(cls: type[R], values: dict[str, Any]) -> R:
    """A record from *values* a reader has already parsed and typed (its hot path).

    Fields left out take their defaults. Readers whose input is arbitrary JSON validate with
    ``model_validate`` instead.
    """
    got = _RECORD_DEFAULTS.get(cls)
    if got is None:
        defaults: dict[str, Any] = {}
        lists: list[str] = []
        for name, info in cls.model_fields.items():
            if info.is_required():
                continue
            if isinstance(info.default, list):
                lists.append(name)
            else:
                defaults[name] = info.default
        got = _RECORD_DEFAULTS[cls] = (defaults, tuple(lists), set(cls.model_fields))
    data = got[0].copy()
    for name in got[1]:
        data[name] = []
    data.update(values)
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", data)
    _setattr(obj, "__pydantic_fields_set__", got[2].copy())
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


def whole_record(cls: type[R], data: dict[str, Any], fields_set: set[str]) -> R:
    """Like :func:`fast_record` for a reader that supplies every field (the hottest path)."""
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", data)
    _setattr(obj, "__pydantic_fields_set__", fields_set.copy())
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")


def _escape_char(m: re.Match[str]) -> str:
    return f"\\x{ord(m.group(0)):02x}" if ord(m.group(0)) < 0x100 else f"\\u{ord(m.group(0)):04x}"


def xml_text(value: str) -> str:
    """*value* with the characters XML 1.0 cannot hold written as ``\\xHH`` escapes."""
    return _NOT_XML.sub(_escape_char, value) if _NOT_XML.search(value) else value


def xml_safe(obj: Any) -> Any:
    """Make every string in a model tree XML-safe, in place (input text may hold control bytes)."""
    search = _NOT_XML.search
    kinds = _KINDS
    if isinstance(obj, IODEFModel):
        values = obj.__dict__
        for name, value in values.items():
            kind = kinds.get(value.__class__)
            if kind is None:
                kind = _kind(value.__class__)
            if kind is _TEXT:
                if search(value):
                    values[name] = xml_text(value)
            elif kind is _TREE and value:
                xml_safe(value)
    elif isinstance(obj, list):
        for i, item in enumerate(obj):
            kind = kinds.get(item.__class__)
            if kind is None:
                kind = _kind(item.__class__)
            if kind is _TEXT:
                if search(item):
                    obj[i] = xml_text(item)
            elif kind is _TREE:
                xml_safe(item)
    return obj


#: what xml_safe() does with a value, by its class: escape it (text), walk it (a model or a list),
#: or nothing (no text: unset, times, numbers, and the model's own enumerated values, which are
#: str but never hold control characters). Worked out once per class: an incident holds hundreds
#: of values and their few classes.
_TEXT: Final = "text"
_TREE: Final = "tree"
_LEAF: Final = "leaf"
_KINDS: dict[type[Any], str] = {type(None): _LEAF, bool: _LEAF, int: _LEAF, float: _LEAF, datetime: _LEAF}


def _kind(cls: type[Any]) -> str:
    if issubclass(cls, str) and not issubclass(cls, Enum):
        kind = _TEXT
    elif issubclass(cls, (IODEFModel, list)):
        kind = _TREE
    else:
        kind = _LEAF
    _KINDS[cls] = kind
    return kind


def creator_contact(name: str) -> Contact:
    """The producer of the document (RFC 7970 §3.9, role ``creator``)."""
    return mk(Contact, role="creator", type="organization", contact_names=[name])


def text_item(value: str, *, meaning: str | None = None, restriction: str | None = None) -> ExtensionType:
    """A string RecordItem; control characters of the input (XML 1.0 cannot carry them) escaped."""
    if _NOT_XML.search(value):
        value = xml_text(value)
    return mk(ExtensionType, dtype="string", meaning=meaning, value=value, restriction=restriction)


def listed_of(what: str, total: int, shown: int, more: bool = False) -> str | None:
    """``"16 of 30 source addresses listed"`` when a list was cut, else ``None``.

    *total* is how many distinct values the group kept; *more* says it stopped keeping them (the
    count is then a lower bound). Incidents use this to say what they leave out.
    """
    if shown >= total and not more:
        return None
    return f"{min(shown, total)} of {'more than ' if more else ''}{total} {what} listed"


def not_listed_item(notes: list[str | None]) -> ExtensionType | None:
    """One AdditionalData item naming the lists an incident cut, or ``None`` when it cut none."""
    kept = [n for n in notes if n]
    return text_item("; ".join(kept), meaning="values-not-listed") if kept else None


def one_document(incidents: Iterable[Incident]) -> IODEFDocument:
    """All *incidents* in one document; :class:`ConvertError` when there are none (§3.1 needs one)."""
    found = [xml_safe(i) for i in incidents]
    if not found:
        raise ConvertError("no incident-worthy records in the input")
    return mk(IODEFDocument, lang="en", incidents=found)  # the descriptions are English (RFC 7970 §6)


def join_fields(*fields: str) -> str:
    """Fields as one grouping key, ``a|b|c``; a ``|`` or ``\\`` inside a field is escaped.

    Device names, user names and protocols come from the input and may hold ``|`` themselves:
    :func:`split_fields` gives the fields back exactly.
    """
    if not any("|" in f or "\\" in f for f in fields):
        return "|".join(fields)
    return "|".join(f.replace("\\", "\\\\").replace("|", "\\|") for f in fields)


def split_fields(key: str) -> list[str]:
    """The fields of a key made by :func:`join_fields`."""
    if "\\" not in key:
        return key.split("|")
    fields: list[str] = []
    current: list[str] = []
    escaped = False
    for ch in key:
        if escaped:
            current.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "|":
            fields.append("".join(current))
            current = []
        else:
            current.append(ch)
    fields.append("".join(current))
    return fields
