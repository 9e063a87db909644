"""Enumerated values of RFC 7970: the attribute value registries of §10.2, one ``str`` Enum each.

Member names are the values in upper case with ``-`` as ``_`` (``ContactRole.CC_IRT == "cc-irt"``). Every
registry that allows private extension has ``EXT_VALUE``; the actual value then goes in the matching
``ext_*`` field (RFC 7970 §5.1.1).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "Action",
    "AddressCategory",
    "BulkObservableType",
    "BusinessImpactSeverity",
    "BusinessImpactType",
    "ConfidenceRating",
    "ContactRole",
    "ContactType",
    "CounterType",
    "CounterUnit",
    "DType",
    "DiscoverySource",
    "DomainDataDomainStatus",
    "DomainDataSystemStatus",
    "Duration",
    "EmailType",
    "HashDataScope",
    "IncidentPurpose",
    "IncidentStatus",
    "IndicatorExpressionOperator",
    "KeyRegistryAction",
    "NodeRoleCategory",
    "Occurrence",
    "PostalAddressType",
    "RecordPatternOffsetUnit",
    "RecordPatternType",
    "RegistryHandleRegistry",
    "Restriction",
    "Severity",
    "SoftwareReferenceDType",
    "SoftwareReferenceSpecName",
    "SystemCategory",
    "SystemImpactCompletion",
    "SystemImpactType",
    "SystemOwnership",
    "TelephoneType",
    "TimeImpactMetric",
    "YesNoUnknown",
]


class Action(StrEnum):
    """Values of the ``Action`` registry."""

    NOTHING = "nothing"
    CONTACT_SOURCE_SITE = "contact-source-site"
    CONTACT_TARGET_SITE = "contact-target-site"
    CONTACT_SENDER = "contact-sender"
    INVESTIGATE = "investigate"
    BLOCK_HOST = "block-host"
    BLOCK_NETWORK = "block-network"
    BLOCK_PORT = "block-port"
    RATE_LIMIT_HOST = "rate-limit-host"
    RATE_LIMIT_NETWORK = "rate-limit-network"
    RATE_LIMIT_PORT = "rate-limit-port"
    REDIRECT_TRAFFIC = "redirect-traffic"
    HONEYPOT = "honeypot"
    UPGRADE_SOFTWARE = "upgrade-software"
    REBUILD_ASSET = "rebuild-asset"
    HARDEN_ASSET = "harden-asset"
    REMEDIATE_OTHER = "remediate-other"
    STATUS_TRIAGE = "status-triage"
    STATUS_NEW_INFO = "status-new-info"
    WATCH_AND_REPORT = "watch-and-report"
    #: RFC 7970 §3.15 lists it; the published schema lacks it (erratum 5583): valid only under
    #: the ``rfc7970-errata`` validation profile.
    TRAINING = "training"
    DEFINED_COA = "defined-coa"
    OTHER = "other"
    EXT_VALUE = "ext-value"


class AddressCategory(StrEnum):
    """Values of the ``AddressCategory`` registry."""

    ASN = "asn"
    ATM = "atm"
    E_MAIL = "e-mail"
    MAC = "mac"
    IPV4_ADDR = "ipv4-addr"
    IPV4_NET = "ipv4-net"
    IPV4_NET_MASKED = "ipv4-net-masked"
    IPV4_NET_MASK = "ipv4-net-mask"
    IPV6_ADDR = "ipv6-addr"
    IPV6_NET = "ipv6-net"
    IPV6_NET_MASKED = "ipv6-net-masked"
    SITE_URI = "site-uri"
    EXT_VALUE = "ext-value"


class BulkObservableType(StrEnum):
    """Values of the ``BulkObservableType`` registry."""

    ASN = "asn"
    ATM = "atm"
    E_MAIL = "e-mail"
    IPV4_ADDR = "ipv4-addr"
    IPV4_NET = "ipv4-net"
    IPV4_NET_MASK = "ipv4-net-mask"
    IPV6_ADDR = "ipv6-addr"
    IPV6_NET = "ipv6-net"
    IPV6_NET_MASK = "ipv6-net-mask"
    MAC = "mac"
    SITE_URI = "site-uri"
    DOMAIN_NAME = "domain-name"
    DOMAIN_TO_IPV4 = "domain-to-ipv4"
    DOMAIN_TO_IPV6 = "domain-to-ipv6"
    DOMAIN_TO_IPV4_TIMESTAMP = "domain-to-ipv4-timestamp"
    DOMAIN_TO_IPV6_TIMESTAMP = "domain-to-ipv6-timestamp"
    IPV4_PORT = "ipv4-port"
    IPV6_PORT = "ipv6-port"
    WINDOWS_REG_KEY = "windows-reg-key"
    FILE_HASH = "file-hash"
    EMAIL_X_MAILER = "email-x-mailer"
    EMAIL_SUBJECT = "email-subject"
    HTTP_USER_AGENT = "http-user-agent"
    HTTP_REQUEST_URI = "http-request-uri"
    MUTEX = "mutex"
    FILE_PATH = "file-path"
    USER_NAME = "user-name"
    EXT_VALUE = "ext-value"
    """Listed in §3.29.3.1 (value 28, with the class's ``ext-type``) but not in the §8 schema:
    valid under the ``rfc7970-errata`` profile only."""


class BusinessImpactSeverity(StrEnum):
    """Values of the ``BusinessImpactSeverity`` registry."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class BusinessImpactType(StrEnum):
    """Values of the ``BusinessImpactType`` registry."""

    BREACH_PROPRIETARY = "breach-proprietary"
    BREACH_PRIVACY = "breach-privacy"
    BREACH_CREDENTIAL = "breach-credential"
    LOSS_OF_INTEGRITY = "loss-of-integrity"
    LOSS_OF_SERVICE = "loss-of-service"
    THEFT_FINANCIAL = "theft-financial"
    THEFT_SERVICE = "theft-service"
    DEGRADED_REPUTATION = "degraded-reputation"
    ASSET_DAMAGE = "asset-damage"
    ASSET_MANIPULATION = "asset-manipulation"
    LEGAL = "legal"
    EXTORTION = "extortion"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class ConfidenceRating(StrEnum):
    """Values of the ``ConfidenceRating`` registry."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    NUMERIC = "numeric"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class ContactRole(StrEnum):
    """Values of the ``ContactRole`` registry."""

    CREATOR = "creator"
    REPORTER = "reporter"
    ADMIN = "admin"
    TECH = "tech"
    PROVIDER = "provider"
    USER = "user"
    BILLING = "billing"
    LEGAL = "legal"
    ABUSE = "abuse"
    IRT = "irt"
    CC = "cc"
    CC_IRT = "cc-irt"
    LEO = "leo"
    VENDOR = "vendor"
    VENDOR_SERVICES = "vendor-services"
    VICTIM = "victim"
    VICTIM_NOTIFIED = "victim-notified"
    EXT_VALUE = "ext-value"


class ContactType(StrEnum):
    """Values of the ``ContactType`` registry."""

    PERSON = "person"
    ORGANIZATION = "organization"
    EXT_VALUE = "ext-value"


class CounterType(StrEnum):
    """Values of the ``CounterType`` registry."""

    COUNTER = "counter"
    RATE = "rate"
    AVERAGE = "average"
    EXT_VALUE = "ext-value"


class CounterUnit(StrEnum):
    """Values of the ``CounterUnit`` registry."""

    BYTE = "byte"
    MBIT = "mbit"
    PACKET = "packet"
    FLOW = "flow"
    SESSION = "session"
    EVENT = "event"
    ALERT = "alert"
    MESSAGE = "message"
    HOST = "host"
    SITE = "site"
    ORGANIZATION = "organization"
    EXT_VALUE = "ext-value"


class DType(StrEnum):
    """Values of the ``DType`` registry."""

    BOOLEAN = "boolean"
    BYTE = "byte"
    BYTES = "bytes"
    CHARACTER = "character"
    DATE_TIME = "date-time"
    INTEGER = "integer"
    NTPSTAMP = "ntpstamp"
    PORTLIST = "portlist"
    REAL = "real"
    STRING = "string"
    FILE = "file"
    PATH = "path"
    FRAME = "frame"
    PACKET = "packet"
    IPV4_PACKET = "ipv4-packet"
    IPV6_PACKET = "ipv6-packet"
    URL = "url"
    CSV = "csv"
    WINREG = "winreg"
    XML = "xml"
    EXT_VALUE = "ext-value"


class DiscoverySource(StrEnum):
    """Values of the ``DiscoverySource`` registry."""

    NIDPS = "nidps"
    HIPS = "hips"
    SIEM = "siem"
    AV = "av"
    THIRD_PARTY_MONITORING = "third-party-monitoring"
    INCIDENT = "incident"
    OS_LOG = "os-log"
    APPLICATION_LOG = "application-log"
    DEVICE_LOG = "device-log"
    NETWORK_FLOW = "network-flow"
    PASSIVE_DNS = "passive-dns"
    INVESTIGATION = "investigation"
    AUDIT = "audit"
    INTERNAL_NOTIFICATION = "internal-notification"
    EXTERNAL_NOTIFICATION = "external-notification"
    LEO = "leo"
    PARTNER = "partner"
    ACTOR = "actor"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class DomainDataDomainStatus(StrEnum):
    """Values of the ``DomainDataDomainStatus`` registry."""

    RESERVED_DELEGATION = "reservedDelegation"
    ASSIGNED_AND_ACTIVE = "assignedAndActive"
    ASSIGNED_AND_INACTIVE = "assignedAndInactive"
    ASSIGNED_AND_ON_HOLD = "assignedAndOnHold"
    REVOKED = "revoked"
    TRANSFER_PENDING = "transferPending"
    REGISTRY_LOCK = "registryLock"
    REGISTRAR_LOCK = "registrarLock"
    OTHER = "other"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class DomainDataSystemStatus(StrEnum):
    """Values of the ``DomainDataSystemStatus`` registry."""

    SPOOFED = "spoofed"
    FRAUDULENT = "fraudulent"
    INNOCENT_HACKED = "innocent-hacked"
    INNOCENT_HIJACKED = "innocent-hijacked"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class Duration(StrEnum):
    """Values of the ``Duration`` registry."""

    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    EXT_VALUE = "ext-value"


class EmailType(StrEnum):
    """Values of the ``EmailType`` registry."""

    DIRECT = "direct"
    HOTLINE = "hotline"
    EXT_VALUE = "ext-value"


class HashDataScope(StrEnum):
    """Values of the ``HashDataScope`` registry."""

    FILE_CONTENTS = "file-contents"
    FILE_PE_SECTION = "file-pe-section"
    FILE_PE_IAT = "file-pe-iat"
    FILE_PE_RESOURCE = "file-pe-resource"
    FILE_PDF_OBJECT = "file-pdf-object"
    EMAIL_HASH = "email-hash"
    EMAIL_HEADERS_HASH = "email-headers-hash"
    EMAIL_BODY_HASH = "email-body-hash"
    EXT_VALUE = "ext-value"


class IncidentPurpose(StrEnum):
    """Values of the ``IncidentPurpose`` registry."""

    TRACEBACK = "traceback"
    MITIGATION = "mitigation"
    REPORTING = "reporting"
    WATCH = "watch"
    OTHER = "other"
    EXT_VALUE = "ext-value"


class IncidentStatus(StrEnum):
    """Values of the ``IncidentStatus`` registry."""

    NEW = "new"
    IN_PROGRESS = "in-progress"
    FORWARDED = "forwarded"
    RESOLVED = "resolved"
    FUTURE = "future"
    EXT_VALUE = "ext-value"


class IndicatorExpressionOperator(StrEnum):
    """Values of the ``IndicatorExpressionOperator`` registry."""

    NOT = "not"
    AND = "and"
    OR = "or"
    XOR = "xor"


class KeyRegistryAction(StrEnum):
    """Values of the ``KeyRegistryAction`` registry."""

    ADD_KEY = "add-key"
    ADD_VALUE = "add-value"
    DELETE_KEY = "delete-key"
    DELETE_VALUE = "delete-value"
    MODIFY_KEY = "modify-key"
    MODIFY_VALUE = "modify-value"
    EXT_VALUE = "ext-value"


class NodeRoleCategory(StrEnum):
    """Values of the ``NodeRoleCategory`` registry."""

    CLIENT = "client"
    CLIENT_ENTERPRISE = "client-enterprise"
    CLIENT_PARTNER = "client-partner"
    CLIENT_REMOTE = "client-remote"
    CLIENT_KIOSK = "client-kiosk"
    CLIENT_MOBILE = "client-mobile"
    SERVER_INTERNAL = "server-internal"
    SERVER_PUBLIC = "server-public"
    WWW = "www"
    MAIL = "mail"
    WEBMAIL = "webmail"
    MESSAGING = "messaging"
    STREAMING = "streaming"
    VOICE = "voice"
    FILE = "file"
    FTP = "ftp"
    P2P = "p2p"
    NAME = "name"
    DIRECTORY = "directory"
    CREDENTIAL = "credential"
    PRINT = "print"
    APPLICATION = "application"
    DATABASE = "database"
    BACKUP = "backup"
    DHCP = "dhcp"
    ASSESSMENT = "assessment"
    SOURCE_CONTROL = "source-control"
    CONFIG_MANAGEMENT = "config-management"
    MONITORING = "monitoring"
    INFRA = "infra"
    INFRA_FIREWALL = "infra-firewall"
    INFRA_ROUTER = "infra-router"
    INFRA_SWITCH = "infra-switch"
    CAMERA = "camera"
    PROXY = "proxy"
    REMOTE_ACCESS = "remote-access"
    LOG = "log"
    VIRTUALIZATION = "virtualization"
    POS = "pos"
    SCADA = "scada"
    SCADA_SUPERVISORY = "scada-supervisory"
    SINKHOLE = "sinkhole"
    HONEYPOT = "honeypot"
    ANONYMIZATION = "anonymization"
    C2_SERVER = "c2-server"
    MALWARE_DISTRIBUTION = "malware-distribution"
    DROP_SERVER = "drop-server"
    HOP_POINT = "hop-point"
    REFLECTOR = "reflector"
    PHISHING_SITE = "phishing-site"
    SPEAR_PHISHING_SITE = "spear-phishing-site"
    RECRUITING_SITE = "recruiting-site"
    FRAUDULENT_SITE = "fraudulent-site"
    EXT_VALUE = "ext-value"


class Occurrence(StrEnum):
    """Values of the ``Occurrence`` registry."""

    ACTUAL = "actual"
    POTENTIAL = "potential"


class PostalAddressType(StrEnum):
    """Values of the ``PostalAddressType`` registry."""

    STREET = "street"
    MAILING = "mailing"
    EXT_VALUE = "ext-value"


class RecordPatternOffsetUnit(StrEnum):
    """Values of the ``RecordPatternOffsetUnit`` registry."""

    LINE = "line"
    BYTE = "byte"
    EXT_VALUE = "ext-value"


class RecordPatternType(StrEnum):
    """Values of the ``RecordPatternType`` registry."""

    REGEX = "regex"
    BINARY = "binary"
    XPATH = "xpath"
    EXT_VALUE = "ext-value"


class RegistryHandleRegistry(StrEnum):
    """Values of the ``RegistryHandleRegistry`` registry."""

    INTERNIC = "internic"
    APNIC = "apnic"
    ARIN = "arin"
    LACNIC = "lacnic"
    RIPE = "ripe"
    AFRINIC = "afrinic"
    LOCAL = "local"
    EXT_VALUE = "ext-value"


class Restriction(StrEnum):
    """Values of the ``Restriction`` registry."""

    DEFAULT = "default"
    PUBLIC = "public"
    PARTNER = "partner"
    NEED_TO_KNOW = "need-to-know"
    PRIVATE = "private"
    WHITE = "white"
    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    EXT_VALUE = "ext-value"


class Severity(StrEnum):
    """Values of the ``Severity`` registry."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class SoftwareReferenceDType(StrEnum):
    """Values of the ``SoftwareReferenceDType`` registry."""

    BYTES = "bytes"
    INTEGER = "integer"
    REAL = "real"
    STRING = "string"
    XML = "xml"
    EXT_VALUE = "ext-value"


class SoftwareReferenceSpecName(StrEnum):
    """Values of the ``SoftwareReferenceSpecName`` registry."""

    CUSTOM = "custom"
    CPE = "cpe"
    SWID = "swid"
    EXT_VALUE = "ext-value"


class SystemCategory(StrEnum):
    """Values of the ``SystemCategory`` registry."""

    SOURCE = "source"
    TARGET = "target"
    INTERMEDIATE = "intermediate"
    SENSOR = "sensor"
    INFRASTRUCTURE = "infrastructure"
    EXT_VALUE = "ext-value"


class SystemImpactCompletion(StrEnum):
    """Values of the ``SystemImpactCompletion`` registry."""

    FAILED = "failed"
    SUCCEEDED = "succeeded"


class SystemImpactType(StrEnum):
    """Values of the ``SystemImpactType`` registry."""

    TAKEOVER_ACCOUNT = "takeover-account"
    TAKEOVER_SERVICE = "takeover-service"
    TAKEOVER_SYSTEM = "takeover-system"
    CPS_MANIPULATION = "cps-manipulation"
    CPS_DAMAGE = "cps-damage"
    AVAILABILITY_DATA = "availability-data"
    AVAILABILITY_ACCOUNT = "availability-account"
    AVAILABILITY_SERVICE = "availability-service"
    AVAILABILITY_SYSTEM = "availability-system"
    DAMAGED_SYSTEM = "damaged-system"
    DAMAGED_DATA = "damaged-data"
    BREACH_PROPRIETARY = "breach-proprietary"
    BREACH_PRIVACY = "breach-privacy"
    BREACH_CREDENTIAL = "breach-credential"
    BREACH_CONFIGURATION = "breach-configuration"
    INTEGRITY_DATA = "integrity-data"
    INTEGRITY_CONFIGURATION = "integrity-configuration"
    INTEGRITY_HARDWARE = "integrity-hardware"
    TRAFFIC_REDIRECTION = "traffic-redirection"
    MONITORING_TRAFFIC = "monitoring-traffic"
    MONITORING_HOST = "monitoring-host"
    POLICY = "policy"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class SystemOwnership(StrEnum):
    """Values of the ``SystemOwnership`` registry."""

    ORGANIZATION = "organization"
    PERSONAL = "personal"
    PARTNER = "partner"
    CUSTOMER = "customer"
    NO_RELATIONSHIP = "no-relationship"
    UNKNOWN = "unknown"
    EXT_VALUE = "ext-value"


class TelephoneType(StrEnum):
    """Values of the ``TelephoneType`` registry."""

    WIRED = "wired"
    MOBILE = "mobile"
    FAX = "fax"
    HOTLINE = "hotline"
    EXT_VALUE = "ext-value"


class TimeImpactMetric(StrEnum):
    """Values of the ``TimeImpactMetric`` registry."""

    LABOR = "labor"
    ELAPSED = "elapsed"
    DOWNTIME = "downtime"
    EXT_VALUE = "ext-value"


class YesNoUnknown(StrEnum):
    """Values of the ``YesNoUnknown`` registry."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"
