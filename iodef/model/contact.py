"""RFC 7970 §3.9: Contact and its RegistryHandle, PostalAddress, Email and Telephone."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from ._base import Attr, Child, IODEFModel, Text
from ._mixins import RestrictionAttrs, SimpleContent
from .enums import (
    ContactRole,
    ContactType,
    EmailType,
    PostalAddressType,
    RegistryHandleRegistry,
    TelephoneType,
)

if TYPE_CHECKING:
    from .datatypes import ExtensionType, MLStringType

__all__ = ["Contact", "Email", "PostalAddress", "RegistryHandle", "Telephone"]


class Contact(RestrictionAttrs):
    """RFC 7970 §3.9 Contact.

    A person or organisation involved in the incident, with its role and how to reach it; contacts may nest.
    """

    role: Annotated[ContactRole, Attr("role")]
    ext_role: Annotated[str | None, Attr("ext-role")] = None
    type: Annotated[ContactType, Attr("type")]
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    contact_names: Annotated[list[MLStringType], Child("ContactName")] = []
    contact_titles: Annotated[list[MLStringType], Child("ContactTitle")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    registry_handles: Annotated[list[RegistryHandle], Child("RegistryHandle")] = []
    postal_addresses: Annotated[list[PostalAddress], Child("PostalAddress")] = []
    emails: Annotated[list[Email], Child("Email")] = []
    telephones: Annotated[list[Telephone], Child("Telephone")] = []
    timezone: Annotated[str | None, Child("Timezone")] = None
    contacts: Annotated[list[Contact], Child("Contact")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class RegistryHandle(SimpleContent):
    """RFC 7970 §3.9.1 RegistryHandle.

    A handle of the contact in an Internet registry (RIR, InterNIC or local).
    """

    registry: Annotated[RegistryHandleRegistry | None, Attr("registry")] = None
    ext_registry: Annotated[str | None, Attr("ext-registry")] = None
    value: Annotated[str, Text()]


class PostalAddress(IODEFModel):
    """RFC 7970 §3.9.2 PostalAddress.

    A postal address of a contact.
    """

    type: Annotated[PostalAddressType | None, Attr("type")] = None
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    p_address: Annotated[MLStringType, Child("PAddress", required=True)]
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class Email(IODEFModel):
    """RFC 7970 §3.9.3 Email.

    An e-mail address of a contact.
    """

    type: Annotated[EmailType | None, Attr("type")] = None
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    email_to: Annotated[str, Child("EmailTo", required=True)]
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class Telephone(IODEFModel):
    """RFC 7970 §3.9.4 Telephone.

    A telephone number of a contact.
    """

    type: Annotated[TelephoneType | None, Attr("type")] = None
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    telephone_number: Annotated[str, Child("TelephoneNumber", required=True)]
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
