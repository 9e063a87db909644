"""Zeek ``rdp.log``, ``ssh.log`` and ``rfb.log``, in Zeek's TSV form and as JSON lines.

TSV (Zeek's ASCII writer): ``#separator`` (written ``\\x09``), ``#set_separator``,
``#empty_field`` (``(empty)``), ``#unset_field`` (``-``), ``#path``, ``#fields`` and ``#types``
header lines, then one tab-separated record per line. Non-printable bytes and separators inside a
value are escaped as ``\\xHH``; a value that is exactly the unset or empty marker is escaped too,
so ``-`` always means unset. Set and vector fields hold their items joined by the set separator.
Several logs may be concatenated (each with its own header block).

JSON (``LogAscii::use_json=T``): one object per line with the same dotted field names
(``id.orig_h``); ``ts`` is epoch seconds or an ISO 8601 string; unset fields are absent. The log
kind comes from ``_path`` when present, else from the fields.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO, Any, Final

from ...errors import RecordError
from .._addresses import normalise_ip
from .._building import fast_record, whole_record
from .._times import ISO_TENS, from_epoch, parse_time
from ..rat import RatRecord
from ._base import OnError, _checked, count_of, json_lines, text_blocks

__all__ = ["read_zeek_json", "read_zeek_tsv", "unescape"]

_ESC = re.compile(r"\\x([0-9a-fA-F]{2})|\\\\")
_KINDS: Final = {"rdp": "rdp", "ssh": "ssh", "rfb": "vnc"}
_NEEDED: Final = ("ts", "id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p")


def unescape(value: str) -> str:
    """Undo Zeek's ASCII escaping (``\\xHH`` and ``\\\\``)."""
    if "\\" not in value:
        return value
    data = bytearray()
    pos = 0
    for m in _ESC.finditer(value):
        data += value[pos : m.start()].encode("utf-8")
        data += bytes([int(m.group(1), 16)]) if m.group(1) else b"\\"
        pos = m.end()
    data += value[pos:].encode("utf-8")
    return data.decode("utf-8", errors="backslashreplace")


@lru_cache(maxsize=65536)
def _ip(value: str) -> str | None:
    return normalise_ip(value)


def _port(value: Any) -> int | None:
    if value is None:
        return None
    try:
        port = int(value)
    except OverflowError:  # JSON's 1e400
        raise ValueError(f"port {value!r} out of range") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} out of range")
    return port


def _event(kind: str, get: Callable[[str], Any]) -> tuple[str, str | None, int | None]:
    """(event, user, attempts) for one Zeek record of log *kind*."""
    if kind == "rdp":
        result = get("result")
        if result is None or result == "encrypted":
            event = "session"
        elif result == "Success":
            event = "login-success"
        else:
            event = "login-failure"
        return event, get("cookie"), None
    if kind == "ssh":
        ok = get("auth_success")
        attempts = get("auth_attempts")
        n = count_of(attempts, "auth_attempts") if attempts is not None else None
        if ok is None:
            event = "session"
        elif ok in (True, "T"):
            event = "login-success"
        else:
            event = "login-failure"
        return event, None, n
    auth = get("auth")
    if auth is None:
        event = "session"
    elif auth in (True, "T"):
        event = "login-success"
    else:
        event = "login-failure"
    return event, None, None


def _record(
    kind: str, ts: datetime, get: Callable[[str], Any], fmt: str, name: str, number: int, raw: str
) -> RatRecord:
    orig = get("id.orig_h")
    resp = get("id.resp_h")
    src = _ip(orig) if orig is not None else None
    dst = _ip(resp) if resp is not None else None
    if orig is not None and src is None:
        raise ValueError(f"id.orig_h {orig!r} is not an IP address")
    if resp is not None and dst is None:
        raise ValueError(f"id.resp_h {resp!r} is not an IP address")
    event, user, attempts = _event(kind, get)
    protocol = _KINDS[kind]
    return fast_record(
        RatRecord,
        {
            "time": ts,
            "event": event,
            "format": fmt,
            "source": name,
            "line": number,
            "raw": raw,
            "protocol": protocol,
            "tool": "zeek",
            "source_ip": src,
            "source_port": _port(get("id.orig_p")),
            "source_name": _str(get("client_name")),
            "target_ip": dst,
            "target_port": _port(get("id.resp_p")),
            "user": _str(user),
            "auth_method": _str(get("authentication_method") or get("security_protocol")),
            "attempts": attempts,
            "session_id": _str(get("uid")),
        },
    )


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a string")
    return value


class _Header:
    __slots__ = ("empty", "fields", "index", "kind", "path", "sep", "set_sep", "types", "unset")

    def __init__(self) -> None:
        self.sep = "\t"
        self.set_sep = ","
        self.empty = "(empty)"
        self.unset = "-"
        self.path: str | None = None
        self.fields: list[str] | None = None
        self.types: list[str] | None = None
        self.index: dict[str, int] = {}
        self.kind: str | None = None


def _directive(h: _Header, text: str, name: str, number: int) -> None:
    if text.startswith("#separator"):
        value = text[len("#separator") :].strip()
        h.sep = unescape(value) if value else "\t"
        return
    key, _, value = text[1:].partition(h.sep)
    if key == "set_separator":
        h.set_sep = unescape(value)
    elif key == "empty_field":
        h.empty = value
    elif key == "unset_field":
        h.unset = value
    elif key == "path":
        h.path = value
        h.kind = value if value in _KINDS else None
        h.fields = None
    elif key == "fields":
        fields = value.split(h.sep)
        index = {f: i for i, f in enumerate(fields)}
        missing = [f for f in _NEEDED if f not in index]
        if missing:
            # no reader is built for this header: the records under it are each reported
            h.fields, h.index = None, {}
            raise RecordError(
                f"the #fields header lacks {', '.join(missing)}; is this a Zeek rdp/ssh/rfb log?",
                source=name,
                line=number,
            )
        h.fields, h.index = fields, index
        if h.kind is None:
            h.kind = _kind_from_fields(set(fields))
    elif key == "types":
        h.types = value.split(h.sep)


def _kind_from_fields(fields: set[str] | dict[str, Any]) -> str | None:
    if "cookie" in fields or "security_protocol" in fields:
        return "rdp"
    if "auth_success" in fields or "host_key" in fields or "auth_attempts" in fields:
        return "ssh"
    if "client" in fields and "server" in fields:  # LogAscii JSON of ssh.log without _path
        return "ssh"
    if "authentication_method" in fields or "desktop_name" in fields:
        return "rfb"
    return None


#: one line's columns (with its number and text) -> the record's fields (see _tsv_builder)
Build = Callable[[list[str], int, str], dict[str, Any]]
#: ``take(lines, start, number)``: the rows of ``lines[start:stop]`` and *stop*; no rows when it
#: leaves ``lines[start]`` to :data:`Build` (``_czeek.RdpLines.take``)
Take = Callable[[list[str], int, int], tuple[list[dict[str, Any]], int]]


def _compiled() -> Any:
    """The compiled line reader of rdp logs (``_czeek``), or ``None`` when it is not built."""
    try:
        from . import _czeek
    except ImportError:
        return None
    return _czeek


_COMPILED: Final = _compiled()
#: what the reader uses: the compiled loop unless ``IODEF_PURE_PYTHON=1`` (to compare)
_USED: Any = None if os.environ.get("IODEF_PURE_PYTHON") else _COMPILED


def _tsv_builder(h: _Header, name: str) -> tuple[Build, Take | None]:
    """A function from one line's columns to a record's fields (in the model's order, every field,
    of its type), with the column positions looked up once; and for an rdp log with tabs and ASCII
    markers, the compiled loop over the lines that gives the same rows (when it is built)."""
    index = h.index
    kind = h.kind or "rdp"
    unset, empty = h.unset, h.empty
    i_ts = index["ts"]
    i_oh, i_op, i_rh, i_rp = index["id.orig_h"], index["id.orig_p"], index["id.resp_h"], index["id.resp_p"]
    i_uid = index.get("uid")
    protocol = _KINDS[kind]

    def opt(values: list[str], i: int | None) -> str | None:
        if i is None:
            return None
        v = values[i]
        if v in (unset, empty):
            return None
        return unescape(v) if "\\" in v else v

    i_cookie, i_result, i_auth_ok, i_attempts, i_auth = (
        index.get("cookie"),
        index.get("result"),
        index.get("auth_success"),
        index.get("auth_attempts"),
        index.get("auth"),
    )
    i_client, i_method, i_secproto = (
        index.get("client_name"),
        index.get("authentication_method"),
        index.get("security_protocol"),
    )

    def event_of(values: list[str]) -> tuple[str, str | None, int | None]:
        if kind == "rdp":
            result = opt(values, i_result)
            if result is None or result == "encrypted":
                return "session", opt(values, i_cookie), None
            return ("login-success" if result == "Success" else "login-failure"), opt(values, i_cookie), None
        ok = opt(values, i_auth_ok if kind == "ssh" else i_auth)
        attempts = opt(values, i_attempts) if kind == "ssh" else None
        n = count_of(attempts, "auth_attempts") if attempts is not None else None
        if ok is None:
            return "session", None, n
        if ok not in ("T", "F"):
            raise ValueError(f"{ok!r} is not a Zeek bool (T or F)")
        return ("login-success" if ok == "T" else "login-failure"), None, n

    # The hot path, one call per log line: optional columns are read inline (a column the header
    # lacks points at a sentinel appended to the line), and the record is filled in directly as
    # whole_record() does.
    sentinel = len(h.fields or ())
    j_client, j_method, j_secproto, j_uid, j_cookie, j_result = (
        sentinel if i is None else i for i in (i_client, i_method, i_secproto, i_uid, i_cookie, i_result)
    )
    absent = (unset, empty)
    rdp = kind == "rdp"
    iso_tens, fromisoformat = ISO_TENS, datetime.fromisoformat
    ports: dict[str, int] = {}  # the text of a port column -> its number, for the lines to come

    # the text of an address column -> its canonical text, for the lines to come: a look-up here
    # costs half a call of the cached _ip(); the unset marker is no address
    ips: dict[str, str | None] = {unset: None}
    missing: Any = object()

    def address_of(text: str) -> str | None:
        """The canonical text of an address column (``None`` when it is none), remembered in *ips*."""
        if len(ips) > 100_000:
            ips.clear()
            ips[unset] = None
        ip = ips[text] = _ip(text)
        return ip

    def port_of(text: str) -> int | None:
        """The port of a column (``None`` when unset), remembered in *ports*."""
        if text == unset:
            return None
        port = int(text)
        if not 0 <= port <= 65535:
            raise ValueError(f"port {port} out of range")
        if len(ports) > 100_000:
            ports.clear()
        ports[text] = port
        return port

    template: dict[str, Any] = {
        "time": None,
        "event": None,
        "format": "zeek-tsv",
        "source": name,
        "line": None,
        "raw": None,
        "protocol": protocol,
        "tool": "zeek",
        "source_ip": None,
        "source_port": None,
        "source_id": None,
        "source_name": None,
        "target_ip": None,
        "target_port": None,
        "target_host": None,
        "user": None,
        "domain": None,
        "auth_method": None,
        "attempts": None,
        "session_id": None,
        "end_time": None,
        "signature": None,
        "signature_id": None,
        "severity": None,
    }
    if list(template) != list(RatRecord.model_fields):
        raise RuntimeError("the zeek-tsv record template no longer follows RatRecord's fields")

    def build(values: list[str], number: int, text: str) -> dict[str, Any]:
        v = values[i_ts]
        # from_epoch's common case, inline: ten digits, a dot and six, in ten seconds seen before
        prefix = iso_tens.get(v[:9])
        frac = v[11:]
        if prefix is not None and len(frac) == 6 and v[10] == "." and frac.isdigit():
            try:
                ts = fromisoformat(f"{prefix}{v[9:]}Z")
            except ValueError:  # digits, but not ASCII ones
                ts = from_epoch(v)
        else:
            ts = from_epoch(v)
        orig, resp = values[i_oh], values[i_rh]
        src = ips.get(orig, missing)
        if src is missing:
            src = address_of(orig)
        dst = ips.get(resp, missing)
        if dst is missing:
            dst = address_of(resp)
        if src is None and orig != unset:
            raise ValueError(f"id.orig_h {orig!r} is not an IP address")
        if dst is None and resp != unset:
            raise ValueError(f"id.resp_h {resp!r} is not an IP address")
        values.append(unset)
        # the plain values first (a marker is unset or empty); Zeek's escapes are undone after,
        # and only on the rare line that holds a backslash
        v = values[j_client]
        client = None if v in absent else v
        v = values[j_method]
        method = None if v in absent else v
        v = values[j_secproto]
        secproto = None if v in absent else v
        v = values[j_uid]
        uid = None if v in absent else v
        if rdp:
            v = values[j_result]
            result = None if v in absent else v
            v = values[j_cookie]
            user = None if v in absent else v
            if "\\" in text:
                result, user = (unescape(x) if x else x for x in (result, user))
            attempts = None
            if result is None or result == "encrypted":
                event = "session"
            else:
                event = "login-success" if result == "Success" else "login-failure"
        else:
            event, user, attempts = event_of(values)
        if "\\" in text:
            client, method, secproto, uid = (unescape(x) if x else x for x in (client, method, secproto, uid))
        if not method:
            method = secproto
        # a port read before is looked up (a third of int() and the range test)
        v = values[i_op]
        source_port = ports.get(v)
        if source_port is None:
            source_port = port_of(v)
        v = values[i_rp]
        target_port = ports.get(v)
        if target_port is None:
            target_port = port_of(v)
        data = template.copy()  # cheaper than a 24-key literal; the keys keep the model's order
        data["time"] = ts
        data["event"] = event
        data["line"] = number
        data["raw"] = text
        data["source_ip"] = src
        data["source_port"] = source_port
        data["source_name"] = client
        data["target_ip"] = dst
        data["target_port"] = target_port
        data["user"] = user
        data["auth_method"] = method
        data["attempts"] = attempts
        data["session_id"] = uid
        return data

    take: Take | None = None
    if (
        _USED is not None
        and rdp
        and h.sep == "\t"
        and unset.isascii()
        and empty.isascii()
        and sentinel <= _USED.COLUMNS_READ
    ):
        columns = (i_ts, i_oh, i_op, i_rh, i_rp, i_client, i_method, i_secproto, i_uid, i_cookie, i_result)
        take = _USED.RdpLines(
            sentinel,
            tuple(-1 if i is None else i for i in columns),
            unset,
            empty,
            template,
            ips,
            address_of,
            UTC,
        ).take
    return build, take


def read_zeek_tsv(fh: IO[bytes], name: str, on_error: OnError, *, rows: bool = False) -> Iterator[Any]:
    """Read Zeek ASCII (TSV) rdp/ssh/rfb logs into :class:`RatRecord` objects (with *rows*, into
    light rows: their fields as dicts, for the grouper)."""
    h = _Header()
    build: Build | None = None
    take: Take | None = None
    all_fields = set(RatRecord.model_fields)
    nfields = 0
    sep = "\t"
    for number, lines, checked in text_blocks(fh, name, on_error):
        done = 0  # the lines of this block read
        while done < len(lines):
            if take is not None:
                # the compiled loop reads a batch of what it can be sure of; when it makes no
                # row, the line it stopped at (a header, an escape, a bad value) goes below
                got, done = take(lines, done, number)
                if got:
                    yield from got if rows else (whole_record(RatRecord, d, all_fields) for d in got)
                    continue
                todo = lines[done : done + 1]
            else:
                todo = lines[done:] if done else lines
            line = number + done
            for text in todo:  # the hot loop without the compiled one
                line += 1
                if not checked:
                    got_text = _checked(text, line, name, on_error)
                    if got_text is None:
                        continue
                    text = got_text
                if not text:
                    continue
                if text[0] == "#":
                    if text.startswith(("#open", "#close")):
                        continue
                    try:
                        _directive(h, text, name, line)
                    except RecordError as exc:
                        on_error(exc)
                    sep = h.sep
                    if h.fields is not None and h.kind is not None:
                        build, take = _tsv_builder(h, name)
                        nfields = len(h.fields)
                    else:
                        build = take = None
                    if take is not None:
                        break  # the rest of the block goes to the compiled loop
                    continue
                if build is None:
                    on_error(
                        RecordError(
                            "a record before any #fields header naming an rdp, ssh or rfb log",
                            source=name,
                            line=line,
                        )
                    )
                    continue
                values = text.split(sep)
                if len(values) != nfields:
                    on_error(
                        RecordError(
                            f"{len(values)} columns where the #fields header has {nfields}",
                            source=name,
                            line=line,
                        )
                    )
                    continue
                try:
                    data = build(values, line, text)
                except (ValueError, TypeError, OverflowError) as exc:  # OverflowError: a ts of 400 digits
                    on_error(RecordError(f"bad value: {exc}", source=name, line=line))
                    continue
                yield data if rows else whole_record(RatRecord, data, all_fields)
            done = line - number


def read_zeek_json(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[RatRecord]:
    """Read Zeek JSON-lines rdp/ssh/rfb logs into :class:`RatRecord` objects."""
    for number, text, obj in json_lines(fh, name, on_error):
        path = obj.get("_path")
        kind = path if isinstance(path, str) and path in _KINDS else _kind_from_fields(obj)
        if kind is None:
            on_error(
                RecordError("neither _path nor the fields say rdp, ssh or rfb", source=name, line=number)
            )
            continue

        def get(field: str, obj: dict[str, Any] = obj) -> Any:
            v = obj.get(field)
            if v is None and "." in field:  # nested form {"id": {"orig_h": ...}}
                outer, _, inner = field.partition(".")
                sub = obj.get(outer)
                v = sub.get(inner) if isinstance(sub, dict) else None
            if isinstance(v, list):
                return ",".join(str(x) for x in v) if v else None
            return v

        try:
            ts_raw = obj.get("ts")
            if isinstance(ts_raw, (int, float)) and not isinstance(ts_raw, bool):
                ts = from_epoch(f"{ts_raw:.6f}")
            elif isinstance(ts_raw, str):
                ts = parse_time(ts_raw)
            else:
                raise ValueError("ts is missing")
            for f in ("id.orig_h", "id.resp_h"):
                if get(f) is not None and not isinstance(get(f), str):
                    raise ValueError(f"{f} is not a string")
            yield _record(kind, ts, get, "zeek-json", name, number, text)
        except (ValueError, TypeError, OverflowError) as exc:  # OverflowError: a ts of 400 digits
            on_error(RecordError(f"bad value: {exc}", source=name, line=number))
