"""Attributes shared by many IODEF classes, declared once (RFC 7970 §3.3), and simple content."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import model_validator

from ._base import XML_NS, Attr, IODEFModel
from .enums import Restriction

__all__ = ["LangAttr", "ObservableIDAttr", "RestrictionAttrs", "SimpleContent"]


class RestrictionAttrs(IODEFModel):
    """RFC 7970 §3.3.1: ``restriction`` (how the data may be shared) and ``ext-restriction``."""

    restriction: Annotated[Restriction | None, Attr("restriction")] = None
    ext_restriction: Annotated[str | None, Attr("ext-restriction")] = None


class ObservableIDAttr(IODEFModel):
    """RFC 7970 §3.3.2: ``observable-id``, the identifier that ObservableReference points at."""

    observable_id: Annotated[str | None, Attr("observable-id")] = None


class LangAttr(IODEFModel):
    """RFC 7970 §2.4/§6: ``xml:lang``, the language of the text (a BCP 47 tag)."""

    lang: Annotated[str | None, Attr("lang", XML_NS)] = None


class SimpleContent(IODEFModel):
    """A class whose element holds a single value (its ``value`` field) plus attributes.

    A bare value stands for ``{"value": ...}``: ``descriptions=["text"]`` works.
    """

    @model_validator(mode="before")
    @classmethod
    def _bare_value(cls, data: Any) -> Any:
        if isinstance(data, (str, int, float)):
            return {"value": data}
        return data
