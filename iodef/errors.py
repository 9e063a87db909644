"""The exception tree of iodef: every error the public API raises is an :class:`IODEFError`.

Each error carries where it happened (``source``: a file name or ``"<bytes>"``; ``line`` and
``column``, 1-based; ``path``: an element path such as ``/IODEF-Document/Incident[2]/Contact``)
and a sentence a person can act on. ``str(error)`` puts them together as
``source:line:column: path: message``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .validate import Issue

__all__ = [
    "ConvertError",
    "DocumentInvalidError",
    "DocumentTooLargeError",
    "ForbiddenXMLError",
    "IODEFError",
    "ParseError",
    "RecordError",
    "RuleViolation",
    "SchemaValidationError",
    "UnsupportedVersionError",
]


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


class ParseError(IODEFError):
    """The input could not be read as an IODEF v2 document.

    Raised for input that is not well-formed XML, is empty, has the wrong root element or
    namespace, or holds an element or value the IODEF v2 model cannot represent.
    """


class UnsupportedVersionError(ParseError):
    """The input is an IODEF document of another version (RFC 5070 IODEF v1)."""


class ForbiddenXMLError(ParseError):
    """The input uses XML features refused for safety: a DOCTYPE, entities, excessive depth."""


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
