"""The exception tree of iodef: every error the public API raises is an :class:`IODEFError`.

Each error carries where it happened (``source``: a file name or ``"<bytes>"``; ``line`` and
``column``, 1-based; ``path``: an element path such as ``/IODEF-Document/Incident[2]/Contact``)
and a sentence a person can act on. ``str(error)`` puts them together as
``source:line:column: path: message``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "ConvertError",
    "DocumentInvalidError",
    "DocumentTooLargeError",
    "ExchangeError",
    "ExchangeProtocolError",
    "ExchangeRejectedError",
    "ExchangeTransportError",
    "ExchangeUnavailableError",
    "ForbiddenXMLError",
    "IODEFError",
    "IODEFWarning",
    "Issue",
    "ParseError",
    "RecordError",
    "RestrictedDocumentError",
    "RuleViolation",
    "SchemaValidationError",
    "SerializationError",
    "UnsupportedVersionError",
]


Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a document.

    ``path`` is the element path (``/IODEF-Document/Incident[2]/Contact``, with ``/@attr`` when an
    attribute is at fault); ``line`` and ``column`` are 1-based, None when unknown; ``rule`` names
    the XSD constraint (``xsd:cvc-...``) or the RFC section (``RFC7970 §3.18.1``).
    """

    severity: Severity
    path: str
    line: int | None
    column: int | None
    rule: str
    message: str

    def format(self, source: str = "<document>") -> str:
        """``source:line:col: severity: path: message [rule]``; what is unknown is left out."""
        where = source
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        path = f" {self.path}:" if self.path and self.path != "-" else ""
        return f"{where}: {self.severity}:{path} {self.message} [{self.rule}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "message": self.message,
        }


class IODEFError(Exception):
    """Root of all iodef errors."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.path = path

    def __str__(self) -> str:
        where = ""
        if self.source is not None:
            where = self.source
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        elif self.line is not None:
            where = f"line {self.line}: "
        if self.path:
            where += f"{self.path}: "
        return where + self.message


class IODEFWarning(UserWarning):
    """A warning iodef gives about something that works but is probably not what was meant."""


class ParseError(IODEFError):
    """The input could not be read as an IODEF v2 document.

    Raised for input that is not well-formed XML, is empty, has the wrong root element or
    namespace, or holds an element or value the IODEF v2 model cannot represent.
    """


class UnsupportedVersionError(ParseError):
    """The input is an IODEF document of another version (RFC 5070 IODEF v1)."""


class ForbiddenXMLError(ParseError):
    """The input uses XML features refused for safety: a DOCTYPE, entities, excessive depth."""


class SerializationError(IODEFError):
    """The model holds something XML cannot carry (a control character, a lone surrogate)."""


class DocumentTooLargeError(ParseError):
    """The input is larger than the configured size cap; it was not read whole."""


class ConvertError(IODEFError):
    """Input for ``iodef convert`` could not be used: unknown or undetectable format, bad options."""


class RecordError(ConvertError):
    """One input record could not be read; ``source`` and ``line`` say which.

    Converters report these and go on with the next record; the caller decides whether the run
    as a whole failed.
    """


class DocumentInvalidError(IODEFError):
    """The document was read but is not valid; ``issues`` says why (see :mod:`iodef.validate`).

    ``issues`` holds every :class:`iodef.Issue` found (warnings too); ``profile`` names the
    schema profile used (``rfc7970``, ``rfc7970-errata``, or ``iodef-v1`` for RFC 5070 documents).
    """

    def __init__(
        self,
        message: str,
        *,
        issues: list[Issue],
        profile: str | None = None,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, source=source, line=line, column=column, path=path)
        self.issues = issues
        self.profile = profile


class SchemaValidationError(DocumentInvalidError):
    """The document violates the XSD of the profile used."""


class RuleViolation(DocumentInvalidError):
    """The document satisfies the XSD but breaks a rule of the RFC 7970 text."""


class ExchangeError(IODEFError):
    """Sending a document to a peer, or reading a peer's feed, failed.

    ``url`` is the address that was asked, when there was one.
    """

    def __init__(self, message: str, *, url: str | None = None, source: str | None = None) -> None:
        super().__init__(message, source=source)
        self.url = url
        #: How many requests were made before giving up (set by the client).
        self.attempts = 0


class ExchangeTransportError(ExchangeError):
    """The peer could not be reached: connection refused, DNS, timeout, TLS handshake or certificate."""


class ExchangeRejectedError(ExchangeError):
    """The peer answered with a refusal (a 4xx status other than 408 and 429, which are retried).

    A refusal of the content (400, 413, 415, 422, ...) is final; one of access or addressing
    (401, 403, 404, ...) keeps a document in the outbox until the cause is fixed.

    ``status`` is the HTTP status, ``problem`` the peer's RFC 9457 problem details (a dict, possibly
    empty) with, for an invalid document, the list of issues the peer found under ``"issues"``.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        problem: dict[str, object] | None = None,
        url: str | None = None,
        source: str | None = None,
    ) -> None:
        super().__init__(message, url=url, source=source)
        self.status = status
        self.problem = problem or {}


class ExchangeUnavailableError(ExchangeError):
    """The peer stayed unavailable (429 or 5xx) through every retry; the document may be sent later."""

    def __init__(
        self, message: str, *, status: int | None = None, url: str | None = None, source: str | None = None
    ) -> None:
        super().__init__(message, url=url, source=source)
        self.status = status


class ExchangeProtocolError(ExchangeError):
    """The peer answered something ROLIE / AtomPub does not allow (e.g. a feed that is not Atom)."""


class RestrictedDocumentError(ExchangeError):
    """The document is marked ``private`` or ``red`` and sending it was not explicitly allowed."""
