"""A straightforward pydantic-xml binding of the IODEF classes the codec benchmark documents use.

Only for comparison in bench_codec.py: it shows what the obvious pydantic-xml design costs.
"""

from __future__ import annotations

from datetime import datetime

from pydantic_xml import BaseXmlModel, attr, element

NS = "urn:ietf:params:xml:ns:iodef-2.0"
NSMAP = {"iodef": NS}


class _M(BaseXmlModel, ns="iodef", nsmap=NSMAP, search_mode="ordered"):
    pass


class Description(_M, tag="Description"):
    value: str


class Address(_M, tag="Address"):
    category: str | None = attr(default=None)
    value: str


class Node(_M, tag="Node"):
    addresses: list[Address] = element(tag="Address", default_factory=list)


class Counter(_M, tag="Counter"):
    type: str = attr()
    unit: str = attr()
    value: float


class Service(_M, tag="Service"):
    ip_protocol: int | None = attr(name="ip-protocol", default=None)
    port: int | None = element(tag="Port", default=None)


class System(_M, tag="System"):
    category: str | None = attr(default=None)
    node: Node = element(tag="Node")
    services: list[Service] = element(tag="Service", default_factory=list)
    counters: list[Counter] = element(tag="Counter", default_factory=list)
    descriptions: list[Description] = element(tag="Description", default_factory=list)


class Flow(_M, tag="Flow"):
    systems: list[System] = element(tag="System")


class AdditionalData(_M, tag="AdditionalData"):
    dtype: str = attr()
    meaning: str | None = attr(default=None)
    value: str


class EventData(_M, tag="EventData"):
    descriptions: list[Description] = element(tag="Description", default_factory=list)
    start_time: datetime | None = element(tag="StartTime", default=None)
    end_time: datetime | None = element(tag="EndTime", default=None)
    flows: list[Flow] = element(tag="Flow", default_factory=list)
    additional_data_list: list[AdditionalData] = element(tag="AdditionalData", default_factory=list)


class Email(_M, tag="Email"):
    email_to: str = element(tag="EmailTo")


class ContactName(_M, tag="ContactName"):
    value: str


class Contact(_M, tag="Contact"):
    role: str = attr()
    type: str = attr()
    contact_names: list[ContactName] = element(tag="ContactName", default_factory=list)
    emails: list[Email] = element(tag="Email", default_factory=list)


class IncidentID(_M, tag="IncidentID"):
    name: str = attr()
    value: str


class Incident(_M, tag="Incident"):
    purpose: str = attr()
    restriction: str | None = attr(default=None)
    incident_id: IncidentID = element(tag="IncidentID")
    generation_time: datetime = element(tag="GenerationTime")
    descriptions: list[Description] = element(tag="Description", default_factory=list)
    contacts: list[Contact] = element(tag="Contact")
    event_data_list: list[EventData] = element(tag="EventData", default_factory=list)


class IODEFDocument(_M, tag="IODEF-Document"):
    version: str = attr(default="2.00")
    incidents: list[Incident] = element(tag="Incident")
