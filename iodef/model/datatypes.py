"""RFC 7970 §2: the data types shared by many classes (MLStringType, SoftwareType, ExtensionType)."""

from __future__ import annotations

from typing import Annotated

from ._base import AnyXML, Attr, Child, IODEFModel, Text, Wildcard
from ._mixins import LangAttr, ObservableIDAttr, RestrictionAttrs, SimpleContent
from .enums import DType, SoftwareReferenceDType, SoftwareReferenceSpecName

__all__ = ["ExtensionType", "MLStringType", "SoftwareReference", "SoftwareType"]


class MLStringType(SimpleContent, LangAttr):
    """RFC 7970 §2.4 MLStringType.

    A free-form text in a stated language (xml:lang), optionally tied to its translations by translation-id.
    """

    translation_id: Annotated[str | None, Attr("translation-id")] = None
    value: Annotated[str, Text()]


class ExtensionType(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §2.16 ExtensionType.

    Open extension content: a typed value (dtype) that is either text or arbitrary XML; used as
    AdditionalData, RecordItem and the other extension points. Nothing in it is dropped.
    """

    name: Annotated[str | None, Attr("name")] = None
    dtype: Annotated[DType, Attr("dtype")]
    ext_dtype: Annotated[str | None, Attr("ext-dtype")] = None
    meaning: Annotated[str | None, Attr("meaning")] = None
    formatid: Annotated[str | None, Attr("formatid")] = None
    value: Annotated[str | None, Text()] = None
    content: Annotated[list[AnyXML], Wildcard(mixed=True)] = []


class SoftwareType(IODEFModel):
    """RFC 7970 §2.15 SoftwareType.

    A piece of software named by a SoftwareReference, URLs or a description; used as Application,
    OperatingSystem and AssociatedSoftware.
    """

    software_reference: Annotated[SoftwareReference | None, Child("SoftwareReference")] = None
    urls: Annotated[list[str], Child("URL")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class SoftwareReference(IODEFModel):
    """RFC 7970 §2.15.1 SoftwareReference.

    A reference to software in a named specification (CPE, SWID or custom); the reference itself is kept as
    open XML content.
    """

    spec_name: Annotated[SoftwareReferenceSpecName, Attr("spec-name")]
    ext_spec_name: Annotated[str | None, Attr("ext-spec-name")] = None
    dtype: Annotated[SoftwareReferenceDType | None, Attr("dtype")] = None
    ext_dtype: Annotated[str | None, Attr("ext-dtype")] = None
    #: Text content. The published schema allows elements only here, yet RFC 7970 §2.15.1 gives
    #: SoftwareReference a ``dtype`` such as ``string``; text a peer sends is kept (and reported by
    #: the validator), not dropped.
    value: Annotated[str | None, Text()] = None
    content: Annotated[list[AnyXML], Wildcard()] = []
