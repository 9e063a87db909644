"""The JSON Schema (2020-12) of iodef's RFC 8727 JSON, generated from the same plans as the codec.

``python -m iodef.jsonbind.schema > schemas/iodef-2.0.schema.json`` regenerates the shipped file; a
test checks that the shipped file is what this module generates.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib import resources
from typing import Any, Final

from ..model._base import IODEFModel
from ..model._binding import _ATTR, Spec
from ._plan import CHOICE, EXTRA_PREFIX, FOLD, MODEL, OPEN, XMLNODE, JMember, jplan_of

__all__ = ["SCHEMA_ID", "generate", "schema_errors", "shipped"]

SCHEMA_ID: Final = "urn:iodef:json-schema:iodef-2.0"
DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
_NONFINITE: Final = ["NaN", "INF", "-INF"]
#: RFC 3339 date-time; the offset may be missing, as in XML Schema's xs:dateTime (RFC 7970 §2.7)
_DATE_TIME: Final = (
    r"^-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})?$"
)


def _scalar(spec: Spec) -> dict[str, Any]:
    if spec.table is not None:
        values = sorted({str(v) for v in spec.table})
        return {"type": "string", "enum": values}
    load = spec.load
    if load is None:
        return {"type": "string"}
    if load.__name__ == "_load_int":
        return {"type": "integer"}
    if load.__name__ == "_load_float":
        return {"anyOf": [{"type": "number"}, {"enum": _NONFINITE}]}
    # the pattern checks what "format" only annotates unless jsonschema's optional format extras are installed
    return {"type": "string", "format": "date-time", "pattern": _DATE_TIME}


def _item(spec: Spec) -> dict[str, Any]:
    if spec.model is not None:
        return {"$ref": f"#/$defs/{spec.model.__name__}"}
    if spec.anyxml:
        return {"type": "string", "contentMediaType": "application/xml"}
    return _scalar(spec)


def _array(schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "minItems": 1, "items": schema}


def _member(m: JMember) -> dict[str, Any]:
    if m.kind == CHOICE:
        alts = [
            {
                "type": "object",
                "properties": {key: _item(spec)},
                "required": [key],
                "additionalProperties": False,
            }
            for key, spec in m.alts.items()
            if isinstance(key, str)
        ]
        return _array({"oneOf": alts})
    if m.kind == OPEN:
        return {"type": "string"}
    spec = m.inner if m.kind == FOLD and m.inner is not None else m.spec
    schema = _item(spec) if m.kind in (MODEL, XMLNODE, FOLD) else _scalar(spec)
    return _array(schema) if m.many else schema


def _definition(cls: type[IODEFModel]) -> dict[str, Any]:
    jp = jplan_of(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for m in jp.members:
        properties[m.key] = _member(m)
        spec = m.spec
        if m.kind != CHOICE and spec.required and not (spec.kind == _ATTR and spec.default is not None):
            required.append(m.key)
    doc = (cls.__doc__ or cls.__name__).strip().splitlines()[0]
    definition: dict[str, Any] = {
        "description": doc,
        "type": "object",
        "properties": properties,
        # iodef's own members for what RFC 8727 has no place for: "@{ns}attr", "@Flow", "@Record"
        "patternProperties": {f"^{EXTRA_PREFIX}": {}},
        "additionalProperties": False,
    }
    if required:
        definition["required"] = required
    if jp.ml:
        return {"description": doc, "anyOf": [{"type": "string"}, definition]}
    return definition


def _classes() -> list[type[IODEFModel]]:
    from ..model.document import IODEFDocument

    seen: dict[str, type[IODEFModel]] = {}
    todo: list[type[IODEFModel]] = [IODEFDocument]
    while todo:
        cls = todo.pop()
        if cls.__name__ in seen:
            continue
        seen[cls.__name__] = cls
        for m in jplan_of(cls).members:
            specs = list(m.alts.values()) if m.kind == CHOICE else [m.inner if m.kind == FOLD else m.spec]
            todo.extend(s.model for s in specs if s is not None and s.model is not None)
    return [seen[name] for name in sorted(seen)]


def generate() -> dict[str, Any]:
    """The whole JSON Schema as plain data."""
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        "title": "IODEF v2 (RFC 7970) in JSON (RFC 8727), as iodef reads and writes it",
        "$ref": "#/$defs/IODEFDocument",
        "$defs": {cls.__name__: _definition(cls) for cls in _classes()},
    }


def dumps() -> str:
    return json.dumps(generate(), indent=1, sort_keys=False, ensure_ascii=False) + "\n"


@cache
def shipped() -> dict[str, Any]:
    """The schema file shipped in ``iodef.schemas`` (``iodef-2.0.schema.json``)."""
    text = resources.files("iodef.schemas").joinpath("iodef-2.0.schema.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(shipped(), format_checker=Draft202012Validator.FORMAT_CHECKER)


def schema_errors(data: Any) -> list[tuple[str, str]]:
    """``(json path, message)`` for each place *data* breaks the shipped JSON Schema."""
    errors = sorted(_validator().iter_errors(data), key=lambda e: list(map(str, e.absolute_path)))
    return [(e.json_path, e.message if len(e.message) < 300 else e.message[:297] + "...") for e in errors]


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(dumps())
