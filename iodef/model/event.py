"""RFC 7970 §3.14-§3.20: EventData, Expectation, Flow, System, Node, Address, NodeRole, Counter,
DomainData, Service.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from ._base import Attr, Child, IODEFModel, Text
from ._mixins import ObservableIDAttr, RestrictionAttrs, SimpleContent
from .enums import (
    Action,
    AddressCategory,
    CounterType,
    CounterUnit,
    DomainDataDomainStatus,
    DomainDataSystemStatus,
    Duration,
    NodeRoleCategory,
    Severity,
    SystemCategory,
    SystemOwnership,
    YesNoUnknown,
)

if TYPE_CHECKING:
    from .assessment import Assessment, Discovery, Method
    from .contact import Contact, PostalAddress
    from .datatypes import ExtensionType, MLStringType, SoftwareType
    from .record import EmailData, Record

__all__ = [
    "Address",
    "ApplicationHeader",
    "Counter",
    "DomainContacts",
    "DomainData",
    "EventData",
    "Expectation",
    "Flow",
    "Nameservers",
    "Node",
    "NodeRole",
    "Service",
    "ServiceName",
    "System",
]


class Counter(SimpleContent):
    """RFC 7970 §3.18.3 Counter.

    A count or rate of something observed (bytes, packets, events, messages, ...).
    """

    type: Annotated[CounterType, Attr("type")]
    ext_type: Annotated[str | None, Attr("ext-type")] = None
    unit: Annotated[CounterUnit, Attr("unit")]
    ext_unit: Annotated[str | None, Attr("ext-unit")] = None
    meaning: Annotated[str | None, Attr("meaning")] = None
    duration: Annotated[Duration | None, Attr("duration")] = None
    ext_duration: Annotated[str | None, Attr("ext-duration")] = None
    value: Annotated[float, Text()]


class EventData(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.14 EventData.

    A description of the events that make up the incident; EventData may nest.
    """

    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    detect_time: Annotated[datetime | None, Child("DetectTime")] = None
    start_time: Annotated[datetime | None, Child("StartTime")] = None
    end_time: Annotated[datetime | None, Child("EndTime")] = None
    recovery_time: Annotated[datetime | None, Child("RecoveryTime")] = None
    report_time: Annotated[datetime | None, Child("ReportTime")] = None
    contacts: Annotated[list[Contact], Child("Contact")] = []
    discoveries: Annotated[list[Discovery], Child("Discovery")] = []
    assessment: Annotated[Assessment | None, Child("Assessment")] = None
    methods: Annotated[list[Method], Child("Method")] = []
    flows: Annotated[list[Flow], Child("Flow")] = []
    expectations: Annotated[list[Expectation], Child("Expectation")] = []
    record: Annotated[Record | None, Child("Record")] = None
    event_data_list: Annotated[list[EventData], Child("EventData")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class Flow(IODEFModel):
    """RFC 7970 §3.16 Flow.

    The systems involved in one flow of the activity.
    """

    systems: Annotated[list[System], Child("System", required=True), Field(min_length=1)]


class System(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.17 System.

    A host or network involved in the incident, with its role in it.
    """

    category: Annotated[SystemCategory | None, Attr("category")] = None
    ext_category: Annotated[str | None, Attr("ext-category")] = None
    interface: Annotated[str | None, Attr("interface")] = None
    spoofed: Annotated[YesNoUnknown | None, Attr("spoofed")] = None
    virtual: Annotated[YesNoUnknown | None, Attr("virtual")] = None
    ownership: Annotated[SystemOwnership | None, Attr("ownership")] = None
    ext_ownership: Annotated[str | None, Attr("ext-ownership")] = None
    node: Annotated[Node, Child("Node", required=True)]
    node_roles: Annotated[list[NodeRole], Child("NodeRole")] = []
    services: Annotated[list[Service], Child("Service")] = []
    operating_systems: Annotated[list[SoftwareType], Child("OperatingSystem")] = []
    counters: Annotated[list[Counter], Child("Counter")] = []
    asset_ids: Annotated[list[str], Child("AssetID")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    additional_data_list: Annotated[list[ExtensionType], Child("AdditionalData")] = []


class Node(IODEFModel):
    """RFC 7970 §3.18 Node.

    Where a system is: names, addresses, location.
    """

    domain_data_list: Annotated[list[DomainData], Child("DomainData")] = []
    addresses: Annotated[list[Address], Child("Address")] = []
    postal_address: Annotated[PostalAddress | None, Child("PostalAddress")] = None
    locations: Annotated[list[MLStringType], Child("Location")] = []
    counters: Annotated[list[Counter], Child("Counter")] = []


class DomainData(ObservableIDAttr):
    """RFC 7970 §3.19 DomainData.

    A domain name and what is known about its registration and DNS.
    """

    system_status: Annotated[DomainDataSystemStatus | None, Attr("system-status")] = None
    ext_system_status: Annotated[str | None, Attr("ext-system-status")] = None
    domain_status: Annotated[DomainDataDomainStatus | None, Attr("domain-status")] = None
    ext_domain_status: Annotated[str | None, Attr("ext-domain-status")] = None
    name: Annotated[str, Child("Name", required=True)]
    date_domain_was_checked: Annotated[datetime | None, Child("DateDomainWasChecked")] = None
    registration_date: Annotated[datetime | None, Child("RegistrationDate")] = None
    expiration_date: Annotated[datetime | None, Child("ExpirationDate")] = None
    related_dns_list: Annotated[list[ExtensionType], Child("RelatedDNS")] = []
    nameservers: Annotated[list[Nameservers], Child("Nameservers")] = []
    domain_contacts: Annotated[DomainContacts | None, Child("DomainContacts")] = None


class Nameservers(IODEFModel):
    """RFC 7970 §3.19.1 Nameservers.

    A name server of a domain and its addresses.
    """

    server: Annotated[str, Child("Server", required=True)]
    addresses: Annotated[list[Address], Child("Address", required=True), Field(min_length=1)]


class Address(SimpleContent, ObservableIDAttr):
    """RFC 7970 §3.18.1 Address.

    A network address of a node, of the kind its category names.
    """

    category: Annotated[AddressCategory | None, Attr("category")] = None
    ext_category: Annotated[str | None, Attr("ext-category")] = None
    vlan_name: Annotated[str | None, Attr("vlan-name")] = None
    vlan_num: Annotated[int | None, Attr("vlan-num")] = None
    value: Annotated[str, Text()]


class DomainContacts(IODEFModel):
    """RFC 7970 §3.19.2 DomainContacts.

    The contacts of a domain, or the name of a domain that shares them.
    """

    same_domain_contact: Annotated[str | None, Child("SameDomainContact")] = None
    contacts: Annotated[list[Contact], Child("Contact")] = []


class NodeRole(IODEFModel):
    """RFC 7970 §3.18.2 NodeRole.

    The intended function of a system (mail server, camera, SCADA, ...).
    """

    category: Annotated[NodeRoleCategory, Attr("category")]
    ext_category: Annotated[str | None, Attr("ext-category")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class Service(ObservableIDAttr):
    """RFC 7970 §3.20 Service.

    A network service of a system: protocol, port(s), application.
    """

    ip_protocol: Annotated[int | None, Attr("ip-protocol")] = None
    service_name: Annotated[ServiceName | None, Child("ServiceName")] = None
    port: Annotated[int | None, Child("Port")] = None
    portlist: Annotated[str | None, Child("Portlist")] = None
    proto_type: Annotated[int | None, Child("ProtoType")] = None
    proto_code: Annotated[int | None, Child("ProtoCode")] = None
    proto_field: Annotated[int | None, Child("ProtoField")] = None
    application_header: Annotated[ApplicationHeader | None, Child("ApplicationHeader")] = None
    email_data: Annotated[EmailData | None, Child("EmailData")] = None
    application: Annotated[SoftwareType | None, Child("Application")] = None


class ServiceName(IODEFModel):
    """RFC 7970 §3.20.1 ServiceName.

    The name of a service: IANA name, URLs, description.
    """

    iana_service: Annotated[str | None, Child("IANAService")] = None
    urls: Annotated[list[str], Child("URL")] = []
    descriptions: Annotated[list[MLStringType], Child("Description")] = []


class ApplicationHeader(IODEFModel):
    """RFC 7970 §3.20.2 ApplicationHeader.

    Fields of an application-layer protocol header.
    """

    application_header_fields: Annotated[
        list[ExtensionType], Child("ApplicationHeaderField", required=True), Field(min_length=1)
    ]


class Expectation(RestrictionAttrs, ObservableIDAttr):
    """RFC 7970 §3.15 Expectation.

    An action the sender asks the recipient to take.
    """

    action: Annotated[Action | None, Attr("action")] = None
    ext_action: Annotated[str | None, Attr("ext-action")] = None
    severity: Annotated[Severity | None, Attr("severity")] = None
    descriptions: Annotated[list[MLStringType], Child("Description")] = []
    defined_coas: Annotated[list[str], Child("DefinedCOA")] = []
    start_time: Annotated[datetime | None, Child("StartTime")] = None
    end_time: Annotated[datetime | None, Child("EndTime")] = None
    contact: Annotated[Contact | None, Child("Contact")] = None
