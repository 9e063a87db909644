"""The public validation API: read the input once, run the schema and the RFC rules, report issues as data."""

from __future__ import annotations

import os
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Final, Literal

from lxml import etree

from ..errors import Issue, ParseError, RuleViolation, SchemaValidationError
from ..safexml import (
    DEFAULT_MAX_BYTES,
    IODEF_NS,
    IODEF_V1_NS,
    _chunks,
    _looks_like_xml,
    _read_stream,
    _source_name,
    _too_large,
    parse_xml,
)
from ._paths import ElementPaths
from .profiles import PROFILE_LABELS, PROFILES, V1_PROFILE
from .rules import _accel, run_rules
from .xsd import LogEntry, _schema_issues, _Unexplained, log_entries, rejected_issues

if TYPE_CHECKING:
    from ..model import IODEFDocument

__all__ = [
    "PROFILES",
    "Issue",
    "Report",
    "check",
    "is_valid",
    "iter_issues",
    "validate",
]

Severity = Literal["error", "warning"]

_V2_ROOT: Final = f"{{{IODEF_NS}}}IODEF-Document"
_V1_ROOT: Final = f"{{{IODEF_V1_NS}}}IODEF-Document"
_DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
_PREFIX_BYTES: Final = 512
_READ_CHUNK: Final = 256 * 1024


@dataclass(frozen=True)
class Report:
    """The outcome of checking one document: what it is, which schema was used, the issues."""

    source: str
    profile: str
    """``rfc7970``, ``rfc7970-errata``, or ``iodef-v1`` for an RFC 5070 document."""
    version: str
    """``"2.0"`` or ``"1.0"`` (IODEF v1); ``"?"`` when the root is not an IODEF-Document."""
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def schema(self) -> str:
        """What the document was checked against, for people (names the profile)."""
        return PROFILE_LABELS[self.profile]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def valid(self) -> bool:
        """No error-severity issue (warnings do not make a document invalid)."""
        return not any(i.severity == "error" for i in self.issues)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "status": "valid" if self.valid else "invalid",
            "version": self.version,
            "profile": self.profile,
            "schema": self.schema,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [i.to_dict() for i in self.issues],
        }


# --------------------------------------------------------------------------- reading


@dataclass
class _Input:
    name: str
    root: etree._Element
    prefix: bytes | None
    data: bytes | None = None


def _is_document(source: Any) -> bool:
    # an IODEFDocument exists only once iodef.model is loaded: do not load it to find out
    model = sys.modules.get("iodef.model")
    return model is not None and isinstance(source, model.IODEFDocument)


def _read(source: Any, source_name: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> _Input:
    if _is_document(source):
        from ..xml import dumps

        data = dumps(source, pretty=True)
        name = source_name or "<document>"
        return _Input(
            name, parse_xml(data, source_name=name, max_bytes=max_bytes), data[:_PREFIX_BYTES], data
        )
    if isinstance(source, etree._Element):
        if not isinstance(source.tag, str):
            raise ParseError(
                "expected an element, got a comment or processing instruction", source=source_name
            )
        return _Input(source_name or "<element>", source, None)
    if isinstance(source, etree._ElementTree):
        return _read(source.getroot(), source_name, max_bytes)
    name = _printable(source_name or _source_name(source))
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not _looks_like_xml(source)):
        data = _read_file(source, name, max_bytes)
    else:
        data = b"".join(_chunks(source, name, max_bytes))  # a lone surrogate: ParseError there
    root = parse_xml(data, source_name=name, max_bytes=max_bytes)
    return _Input(name, root, data[:_PREFIX_BYTES], data)


def _read_file(path: str | os.PathLike[str], name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of the file at *path*, refused as :func:`iodef.xml.parse_xml` would refuse them.

    A regular file is read with one call sized by ``fstat`` (asking for the 32 MiB cap instead
    makes Python allocate that much per file); anything else (a pipe, a device) is streamed in
    chunks from the same open file: opening a named pipe twice would wait for a second writer.
    """
    try:
        with open(path, "rb", buffering=0) as fh:
            st = os.fstat(fh.fileno())
            if stat.S_ISREG(st.st_mode):
                if st.st_size > max_bytes:
                    raise _too_large(name, max_bytes, st.st_size)
                data = fh.read(st.st_size + 1) or b""
                if len(data) <= st.st_size:
                    return data
                # the file grew while being read: go on in chunks, with the cap
                parts = [data]
                total = len(data)
                while chunk := fh.read(_READ_CHUNK):
                    total += len(chunk)
                    if total > max_bytes:
                        raise _too_large(name, max_bytes)
                    parts.append(chunk)
                return b"".join(parts)
            return b"".join(_read_stream(fh, name, DEFAULT_MAX_BYTES))
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}", source=name) from exc
    except UnicodeEncodeError as exc:
        bad = _code_points(exc.object[exc.start : exc.end])
        raise ParseError(
            f"cannot read file: the path holds {bad}, which no file name can", source=name
        ) from None
    except ValueError:  # open() refuses a path with a NUL character
        raise ParseError(
            "cannot read file: the path holds a NUL character, which no file name can", source=name
        ) from None


def _code_points(text: str) -> str:
    return ", ".join(f"U+{ord(c):04X}" for c in text)


def _printable(name: str) -> str:
    """*name*, with what cannot be written out (lone surrogates, NUL) escaped."""
    if "\x00" not in name and name.isprintable():
        return name
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        name = name.encode("utf-8", "backslashreplace").decode("utf-8")
    return name.replace("\x00", "\\x00")


def _profile_for(root: etree._Element, profile: str) -> tuple[str, str]:
    if root.tag == _V1_ROOT:
        return V1_PROFILE, "1.0"
    if root.tag == _V2_ROOT:
        return profile, "2.0"
    return profile, "?"


def _root_issue(root: etree._Element) -> Issue:
    q = etree.QName(root)
    if q.localname == "IODEF-Document":
        found = f"namespace {q.namespace!r}" if q.namespace else "no namespace"
        message = f'IODEF-Document has {found}; IODEF v2 needs xmlns="{IODEF_NS}"'
    else:
        where = f" in namespace {q.namespace!r}" if q.namespace else ""
        message = f"the root element is {q.localname!r}{where}, not an IODEF-Document"
    return Issue("error", "/" + q.localname, root.sourceline, None, "xsd:cvc-elt.1", message)


# --------------------------------------------------------------------------- public API


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of: {', '.join(PROFILES)}")


def _iter(inp: _Input, profile: str, rules: bool, explain: bool = True) -> Iterator[Issue]:
    root = inp.root
    used, version = _profile_for(root, profile)
    if version == "?":
        yield _root_issue(root)
        return
    paths = ElementPaths()  # each element's path worked out once, however many issues name it
    facts = _facts(root, version)  # one C walk answers what the searches of both parts need
    yield from _schema_issues(root, used, explain, paths, inp.data, facts)
    if rules and version == "2.0":
        yield from run_rules(root, used, paths, inp.prefix, inp.data, facts)


def check(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Report:
    """Check *source* and return a :class:`Report` (the issues, and which schema was used).

    Raises :class:`iodef.ParseError` (or a subclass) for input that is not readable XML or that
    the hardened parser refuses (DOCTYPE, entities, too deep, larger than *max_bytes*: 32 MiB
    by default, the cap :func:`iodef.parse` has).
    """
    _check_profile(profile)
    inp = _read(source, source_name, max_bytes)
    used, version = _profile_for(inp.root, profile)
    return Report(inp.name, used, version, tuple(_iter(inp, profile, rules)))


@dataclass(frozen=True, slots=True)
class _Rejected:
    """What a worker process found in a document libxml2 rejected, for the process that explains it.

    The rule issues and libxml2's log are sent (small and picklable), so that the explaining
    process only parses the document again; *size* and *crc* tell it the bytes are the same.
    """

    name: str
    profile: str
    version: str
    log: tuple[LogEntry, ...]
    rule_issues: tuple[Issue, ...]
    size: int | None
    crc: int | None


def _facts(root: etree._Element, version: str) -> int | None:
    accelerated = _accel.ACCELERATED
    return accelerated.facts(root) if accelerated is not None and version == "2.0" else None


def _fingerprint(data: bytes | None) -> tuple[int | None, int | None]:
    return (None, None) if data is None else (len(data), zlib.crc32(data))


def _quick_check(
    source: bytes | str | os.PathLike[str],
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Report | _Rejected:
    """:func:`check`, or, when libxml2 rejects the document's schema validity and only xmlschema
    can explain it, what was found without explaining it (:func:`_explain_rejected` finishes the
    report).

    For callers that spread documents over processes: the invalid ones whose report needs the
    xmlschema schema (a quarter of a second to load in each process) are explained in one
    process; the common single errors, and floods of errors, are reported here from libxml2's log
    (:func:`iodef.validate.xsd.quick_rejected_issues`). Raises like :func:`check`.
    """
    _check_profile(profile)
    inp = _read(source, source_name, max_bytes)
    used, version = _profile_for(inp.root, profile)
    try:
        return Report(inp.name, used, version, tuple(_iter(inp, profile, rules, explain=False)))
    except _Unexplained as exc:
        log, facts = log_entries(exc.log), exc.facts
    rule_issues: tuple[Issue, ...] = ()
    if rules and version == "2.0":
        rule_issues = tuple(run_rules(inp.root, used, ElementPaths(), inp.prefix, inp.data, facts))
    return _Rejected(inp.name, used, version, log, rule_issues, *_fingerprint(inp.data))


def _explain_rejected(
    source: bytes | str | os.PathLike[str],
    rejected: _Rejected,
    *,
    source_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Report | None:
    """The :func:`check` report of a document :func:`_quick_check` returned *rejected* for (None
    when the bytes read now are not the ones checked then). Raises like :func:`check`."""
    inp = _read(source, source_name, max_bytes)
    if _fingerprint(inp.data) != (rejected.size, rejected.crc):
        return None
    root = inp.root
    schema_issues = rejected_issues(
        root, rejected.profile, rejected.log, ElementPaths(), _facts(root, rejected.version)
    )
    return Report(inp.name, rejected.profile, rejected.version, (*schema_issues, *rejected.rule_issues))


def iter_issues(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Iterator[Issue]:
    """Yield every :class:`Issue` of *source*: schema issues first, then RFC rule issues.

    *source* is an :class:`iodef.IODEFDocument`, bytes, a str holding XML, a path (str or
    ``os.PathLike``), a binary file, or an lxml element from :func:`iodef.xml.parse_xml`.
    *profile* is ``"rfc7970"`` (the schema as published) or ``"rfc7970-errata"``; an IODEF v1
    document is always checked against the v1 schema. ``rules=False`` checks the schema only.
    Unreadable or hostile input raises :class:`iodef.ParseError` before anything is yielded.
    """
    _check_profile(profile)
    inp = _read(source, source_name, max_bytes)
    return _iter(inp, profile, rules)


def validate(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> None:
    """Raise if *source* has an error-severity issue; warnings alone pass.

    :class:`iodef.SchemaValidationError` when the schema is violated, otherwise
    :class:`iodef.RuleViolation` when an RFC rule is; both carry ``.issues`` (all of them,
    warnings included) and ``.profile``.
    """
    report = check(source, profile=profile, rules=rules, source_name=source_name, max_bytes=max_bytes)
    errors = report.errors
    if not errors:
        return
    schema_errors = [i for i in errors if i.rule.startswith("xsd:")]
    cls = SchemaValidationError if schema_errors else RuleViolation
    first = (schema_errors or errors)[0]
    what = "is not valid against" if schema_errors else "breaks RFC 7970 rules under"
    more = f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise cls(
        f"the document {what} the {report.schema} [profile {report.profile}]: "
        f"{first.message} [{first.rule}]{more}",
        issues=list(report.issues),
        profile=report.profile,
        source=report.source,
        line=first.line,
        path=first.path,
    )


def is_valid(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> bool:
    """True when *source* has no error-severity issue (schema or RFC rule)."""
    return check(source, profile=profile, rules=rules, source_name=source_name, max_bytes=max_bytes).valid
