"""RFC 7970 §3.21-§3.27: EmailData, Record, registry keys, certificates, files, hashes and signatures."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ._base import DS_NS, AnyXML, Attr, Child, IODEFModel, Text
from ._mixins import ObservableIDAttr, RestrictionAttrs, SimpleContent
from .enums import HashDataScope, KeyRegistryAction, RecordPatternOffsetUnit, RecordPatternType

if TYPE_CHECKING:
    from .datatypes import ExtensionType, MLStringType, SoftwareType

__all__ = [
    "Certificate",
    "CertificateData",
    "EmailData",
    "File",
    "FileData",
    "FuzzyHash",
    "Hash",
    "HashData",
    "Key",
    "Record",
    "RecordData",
    "RecordPattern",
    "SignatureData",
    "WindowsRegistryKeysModified",
]


class EmailData(ObservableIDAttr):
    """RFC 7970 §3.21 EmailData.

    An e-mail message involved in the incident: addresses, subject, headers, body, hashes.
    """

    email_to_list: Annotated[list[str], Child("EmailTo")] = []
    email_from: Annotated[str | None, Child("EmailFrom")] = None
    email_subject: Annotated[str | None, Child("EmailSubject")] = None
    email_x_mailer: Annotated[str | None, Child("EmailX-Mailer")] = None
    email_header_fields: Annotated[list[ExtensionType], Child("EmailHeaderField")] = []
    email_headers: Annotated[str | None, Child("EmailHeaders")] = None
    email_body: Annotated[str | None, Child("EmailBody")] = None
    email_message: Annotated[str | None, Child("EmailMessage")] = None
    hash_data_list: Annotated[list[HashData], Child("HashData")] = []
    signature_data_list: Annotated[list[SignatureData], Child("SignatureData")] = []


class HashData(IODEFModel):
    """RFC 7970 §3.26 HashData.

    Hashes of a file, e-mail or other object, and what was hashed.
    """

    scope: Annotated[HashDataScope, Attr("scope")]
    ext_scope: Annotated[str | None, Attr("ext-scope")] = None
    hash_target_id: Annotated[str | None, Child("HashTargetID")] = None
    hashes: Annotated[list[Hash], Child("Hash")] = []
    fuzzy_hashes: Annotated[list[FuzzyHash], Child("FuzzyHash")] = []


class Hash(IODEFModel):
    """RFC 7970 §3.26.1 Hash.

    One cryptographic hash (ds:DigestMethod and ds:DigestValue, kept as XML).
    """

    digest_method: Annotated[AnyXML, Child("DigestMethod", DS_NS, required=True)]
    digest_value: Annotated[AnyXML, Child("DigestValue", DS_NS, required=True)]
    canonicalization_method: Annotated[AnyXML | None, Child("CanonicalizationMethod", DS_NS)] = None
    application: Annotated[SoftwareType | None, Child("Application")] = None


class FuzzyHash(IODEFModel):
    """RFC 7970 §3.26.2 FuzzyHash.

    One fuzzy hash (ssdeep and the like).
    """

    fuzzy_hash_values: Annotated[
        list[ExtensionType], Child("FuzzyHashValue", required=True), Field(min_length=1)
    ]
    application: Annotated[SoftwareType | None, Child("Application")] = None
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class SignatureData(IODEFModel):
    """RFC 7970 §3.27 SignatureData.

    Digital signatures (ds:Signature, kept as XML).
    """

    signatures: Annotated[list[AnyXML], Child("Signature", DS_NS, required=True), Field(min_length=1)]


class Record(RestrictionAttrs):
    """RFC 7970 §3.22 Record.

    Log or other records that support the incident report.
    """

    record_data_list: Annotated[list[RecordData], Child("RecordData", required=True), Field(min_length=1)]


class RecordData(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.22.1 RecordData.

    One group of records: when, from which application, and the records themselves.
    """

    date_time: Annotated[datetime | None, Child("DateTime")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    application: Annotated[SoftwareType | None, Child("Application")] = None
    record_patterns: Annotated[list[RecordPattern], Child("RecordPattern")] = []
    record_items: Annotated[list[ExtensionType], Child("RecordItem")] = []
    urls: Annotated[list[str], Child("URL")] = []
    file_data_list: Annotated[list[FileData], Child("FileData")] = []
    windows_registry_keys_modified_list: Annotated[
        list[WindowsRegistryKeysModified], Child("WindowsRegistryKeysModified")
    ] = []
    certificate_data_list: Annotated[list[CertificateData], Child("CertificateData")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class RecordPattern(SimpleContent):
    """RFC 7970 §3.22.2 RecordPattern.

    A pattern to find the relevant entries in a record.
    """

    type: Annotated[RecordPatternType, Attr("type")]
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    offset: Annotated[int | None, Attr("offset")] = None
    offsetunit: Annotated[RecordPatternOffsetUnit | None, Attr("offsetunit")] = None
    ext_offsetunit: Annotated[str | None, Attr("ext-offsetunit")] = None
    instance: Annotated[int | None, Attr("instance")] = None
    value: Annotated[str, Text()]


class FileData(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.25 FileData.

    Files involved in the incident.
    """

    files: Annotated[list[File], Child("File", required=True), Field(min_length=1)]


class File(ObservableIDAttr):
    """RFC 7970 §3.25.1 File.

    One file: name, size, type, location, hashes, signature, properties.
    """

    file_name: Annotated[str | None, Child("FileName")] = None
    file_size: Annotated[int | None, Child("FileSize")] = None
    file_type: Annotated[str | None, Child("FileType")] = None
    urls: Annotated[list[str], Child("URL")] = []
    hash_data: Annotated[HashData | None, Child("HashData")] = None
    signature_data: Annotated[SignatureData | None, Child("SignatureData")] = None
    associated_software: Annotated[SoftwareType | None, Child("AssociatedSoftware")] = None
    file_properties: Annotated[list[ExtensionType], Child("FileProperties")] = []


class WindowsRegistryKeysModified(ObservableIDAttr):
    """RFC 7970 §3.23 WindowsRegistryKeysModified.

    Windows registry keys that were changed.
    """

    keys: Annotated[list[Key], Child("Key", required=True), Field(min_length=1)]


class Key(ObservableIDAttr):
    """RFC 7970 §3.23.1 Key.

    One Windows registry key and its value (``Value`` or, as the prose spells it, ``KeyValue``).
    """

    registryaction: Annotated[KeyRegistryAction | None, Attr("registryaction")] = None
    ext_registryaction: Annotated[str | None, Attr("ext-registryaction")] = None
    key_name: Annotated[str, Child("KeyName", required=True)]
    value: Annotated[str | None, Child("Value", also=("KeyValue",))] = None
    """``Value`` in the §8 schema, ``KeyValue`` in §3.23.1's prose and RFC 8727: both are read,
    a document is written back with the spelling it came with, a new one with ``Value``."""


class CertificateData(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.24 CertificateData.

    X.509 certificates involved in the incident.
    """

    certificates: Annotated[list[Certificate], Child("Certificate", required=True), Field(min_length=1)]


class Certificate(ObservableIDAttr):
    """RFC 7970 §3.24.1 Certificate.

    One X.509 certificate (ds:X509Data, kept as XML).
    """

    x509_data: Annotated[AnyXML, Child("X509Data", DS_NS, required=True)]
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
