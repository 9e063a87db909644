"""Mutators: structure-aware edits of IODEF documents, and line/field/byte edits of converter inputs.

Every mutator takes a :class:`random.Random` and the input's bytes and returns new bytes; the same
seed gives the same output, so a finding is reproduced from (seed input, seed) alone.
"""

from __future__ import annotations

import codecs
import copy
import gzip
import json
import random
from collections.abc import Callable

from lxml import etree

__all__ = ["mutate_document", "mutate_text"]

IODEF_NS = "urn:ietf:params:xml:ns:iodef-2.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

#: values that broke, or could break, a reader of text: odd digits, spaces, dates, numbers, addresses
TEXT_VALUES: tuple[str, ...] = (
    "",
    " ",
    "\u00a0",
    "\u3000",
    "\u0085",
    "\u2028",
    "\t\n",
    "²",
    "١٢٣",
    "0",
    "-1",
    "65536",
    "99999999999999999999999999",
    "1e308",
    "1e999",
    "NaN",
    "INF",
    "-INF",
    "2026-02-30T00:00:00Z",
    "9999999999-01-01T00:00:00Z",
    "10000-01-01T00:00:00Z",
    "0000-01-01T00:00:00Z",
    "-0001-01-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00:00.1234567890123Z",
    "2026-01-01T00:00:00+14:01",
    " 2026-01-01T00:00:00Z ",
    "192.0.2.1",
    "192.0.2.256",
    "::ffff:192.0.2.1",
    "2001:DB8::1",
    "2001:db8:0:0:0:0:0:1",
    "fe80::1%eth0",
    "00:11:22:33:44:55",
    "00-11-22-33-44-5G",
    "1-65535,0",
    "80,443,8080-8079",
    "example.com",
    "xn--bcher-kva.example",
    "A" * 300,
    "é" * 2000,
    "QUJD" * 2000 + " " * 3000 + "=",
    " " * 4000 + "QUJD",
    "&amp;&lt;]]>",
    "x\u200by",
    "\U0001f600",
)

ATTRIBUTE_VALUES: tuple[str, ...] = (
    "ext-value",
    "",
    " ext-value ",
    "unknown",
    "private",
    "amber",
    "numeric",
    "not",
    "and",
    "defined-coa",
    "custom",
    "ipv4-addr",
    "ipv6-addr",
    "mac",
    "byte",
    "xml",
    "portlist",
    "2.00",
    "1.00",
    "en",
    "x-klingon",
    "i-default",
    "zh-Hant-TW-u-co-pinyin",
    "e" * 200,
    "²",
    "\u00a0",
)

_ODD_TYPES = ("iodef:NoSuchType", "xs:string", "iodef:ExtensionType", "NoPrefix:Type", ":", "")


def _elements(root: etree._Element) -> list[etree._Element]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def _leaves(root: etree._Element) -> list[etree._Element]:
    return [el for el in _elements(root) if not any(isinstance(c.tag, str) for c in el)]


def _drop(rng: random.Random, root: etree._Element) -> None:
    victims = _elements(root)[1:]
    if victims:
        el = rng.choice(victims)
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)


def _repeat(rng: random.Random, root: etree._Element) -> None:
    candidates = _elements(root)[1:]
    if not candidates:
        return
    el = rng.choice(candidates)
    times = rng.choice((1, 1, 2, 5, 25, 300))
    for _ in range(times):
        el.addnext(copy.deepcopy(el))


def _move(rng: random.Random, root: etree._Element) -> None:
    elements = _elements(root)
    if len(elements) < 3:
        return
    el = rng.choice(elements[1:])
    target = rng.choice(elements)
    if target is el or el in target.iterancestors() or target in el.iter():
        return
    target.insert(rng.randint(0, len(target)), el)


def _swap(rng: random.Random, root: etree._Element) -> None:
    parents = [el for el in _elements(root) if len(el) >= 2]
    if parents:
        parent = rng.choice(parents)
        i, j = rng.sample(range(len(parent)), 2)
        a, b = parent[i], parent[j]
        a_tail, b_tail = a.tail, b.tail
        parent.insert(i, copy.deepcopy(b))
        parent.remove(parent[i + 1])
        parent.insert(j, copy.deepcopy(a))
        parent.remove(parent[j + 1])
        parent[i].tail, parent[j].tail = a_tail, b_tail


def _text(rng: random.Random, root: etree._Element) -> None:
    leaves = _leaves(root)
    if leaves:
        el = rng.choice(leaves)
        value = rng.choice(TEXT_VALUES)
        el.text = value if rng.random() < 0.7 else (el.text or "") + value


def _attribute(rng: random.Random, root: etree._Element) -> None:
    el = rng.choice(_elements(root))
    names = list(el.attrib)
    if names and rng.random() < 0.8:
        name = rng.choice(names)
        if rng.random() < 0.15:
            del el.attrib[name]
            return
    else:
        name = rng.choice(("category", "type", "restriction", "dtype", "operator", "ext-category"))
    el.set(name, rng.choice(ATTRIBUTE_VALUES))


def _unknown_attributes(rng: random.Random, root: etree._Element) -> None:
    el = rng.choice(_elements(root))
    count = rng.choice((1, 1, 3, 40, 2500))
    foreign = rng.random() < 0.5
    for i in range(count):
        el.set(f"{{urn:example:vendor}}a{i}" if foreign else f"unknown{i}", str(i))


def _odd_type(rng: random.Random, root: etree._Element) -> None:
    el = rng.choice(_elements(root))
    el.set(f"{{{XSI_NS}}}type", rng.choice(_ODD_TYPES))


def _comment_or_pi(rng: random.Random, root: etree._Element) -> None:
    el = rng.choice(_elements(root))
    node: etree._Element = (
        etree.Comment(rng.choice((" c ", "", "x")))
        if rng.random() < 0.5
        else etree.ProcessingInstruction(rng.choice(("pi", "x-y")), rng.choice(("", "data")))
    )
    where = rng.random()
    if where < 0.15 and el is root:
        root.addprevious(node) if rng.random() < 0.5 else root.addnext(node)
        return
    position = rng.randint(0, len(el))
    if len(el) == 0 and el.text and rng.random() < 0.5:
        cut = rng.randint(0, len(el.text))
        before, after = el.text[:cut], el.text[cut:]
        el.text = before
        node.tail = after
        el.append(node)
        return
    el.insert(position, node)


def _stray_space(rng: random.Random, root: etree._Element) -> None:
    el = rng.choice(_elements(root))
    space = rng.choice(("\u00a0", "\u3000", "\u0085", "\u2028", " \n ", "\t"))
    if len(el) and rng.random() < 0.5:
        child = rng.choice(list(el))
        child.tail = (child.tail or "") + space
    else:
        el.text = (el.text or "") + space


def _prefix(rng: random.Random, root: etree._Element) -> etree._Element:
    """The same document with another spelling of the IODEF namespace (default, or another prefix)."""
    prefix = rng.choice((None, "iodef", "i", "x2"))
    nsmap = {k: v for k, v in root.nsmap.items() if v != IODEF_NS and k != prefix}
    nsmap[prefix] = IODEF_NS
    new = etree.Element(root.tag, dict(root.attrib), nsmap=nsmap)
    new.text = root.text
    for child in root:
        new.append(copy.deepcopy(child))
    etree.cleanup_namespaces(new, top_nsmap=nsmap)
    return new


_TREE_MUTATORS: tuple[Callable[[random.Random, etree._Element], None], ...] = (
    _drop,
    _repeat,
    _move,
    _swap,
    _text,
    _text,
    _attribute,
    _attribute,
    _unknown_attributes,
    _odd_type,
    _comment_or_pi,
    _comment_or_pi,
    _stray_space,
)


def _serialise(rng: random.Random, root: etree._Element) -> bytes:
    declaration = rng.random() < 0.85
    encoding = rng.choice(("UTF-8", "UTF-8", "UTF-8", "UTF-16", "ISO-8859-1"))
    try:
        data: bytes = etree.tostring(root.getroottree(), encoding=encoding, xml_declaration=declaration)
    except (ValueError, UnicodeEncodeError):
        data = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=declaration)
    return data


def _bytes(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return b"<"
    choice = rng.random()
    i = rng.randrange(len(data))
    if choice < 0.25:
        return data[:i]
    if choice < 0.5:
        return data[:i] + bytes([rng.randrange(256)]) + data[i + 1 :]
    if choice < 0.7:
        junk = rng.choice(
            (b"<", b">", b"&", b"&#0;", b"&#x10FFFF;", b"]]>", b"\xff\xfe", b"\x00", b"<!DOCTYPE x>")
        )
        return data[:i] + junk + data[i:]
    if choice < 0.85:
        j = rng.randrange(len(data))
        a, b = min(i, j), max(i, j)
        return data[:a] + data[b:]
    return codecs.BOM_UTF8 + data


def mutate_document(rng: random.Random, data: bytes, rounds: int = 0) -> bytes:
    """A structure-aware mutation of the XML document *data* (byte-level when it does not parse)."""
    rounds = rounds or rng.choice((1, 1, 1, 2, 3, 5))
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return _bytes(rng, data)
    if rng.random() < 0.05:
        return _bytes(rng, data)
    for _ in range(rounds):
        rng.choice(_TREE_MUTATORS)(rng, root)
    if rng.random() < 0.3:
        root = _prefix(rng, root)
    out = _serialise(rng, root)
    return _bytes(rng, out) if rng.random() < 0.05 else out


# --------------------------------------------------------------------------- converter inputs

#: field values that broke, or could break, a reader of logs and reports
FIELD_VALUES: tuple[str, ...] = (
    "",
    "-",
    "(empty)",
    "\\x09",
    "null",
    "0",
    "-1",
    "1e400",
    "99999999999999999999",
    "1700000000.123456",
    "253402300800",
    "-62135596801",
    "2026-13-45 99:99:99",
    "31-02-2026 12:00:00",
    "2026-01-01T00:00:00Z",
    "192.0.2.1",
    "10.0.0.1",
    "127.0.0.1",
    "::1",
    "fe80::1%eth0",
    "999.1.1.1",
    "00:11:22:33:44:55",
    "zz:zz:zz:zz:zz:zz",
    "<unknown>",
    "é" * 20000,
    "A" * 140000,
    "a\rb",
    "a\x00b",
    "=?utf-8?b?w6k=?=",
    "\xe9\xe8",
    "\u2028",
)

_JSON_VALUES: tuple[object, ...] = (None, 0, -1, 1e308, 10**30, "", [], {}, True, "x" * 5000, ["a", 1])


def _mutate_json_line(rng: random.Random, line: str) -> str | None:
    try:
        obj = json.loads(line)
    except ValueError:
        return None
    if not isinstance(obj, dict) or not obj:
        return None

    def pick(d: dict[str, object]) -> tuple[dict[str, object], str]:
        key = rng.choice(list(d))
        value = d[key]
        if isinstance(value, dict) and value and rng.random() < 0.6:
            return pick(value)
        return d, key

    target, key = pick(obj)
    if rng.random() < 0.2:
        del target[key]
    else:
        target[key] = rng.choice((*_JSON_VALUES, rng.choice(FIELD_VALUES)))
    return json.dumps(obj, ensure_ascii=rng.random() < 0.5)


def _mutate_line(rng: random.Random, line: str) -> str:
    mutated = _mutate_json_line(rng, line) if line.lstrip().startswith("{") else None
    if mutated is not None:
        return mutated
    for sep in ("\t", ",", ";", " "):
        if sep in line:
            fields = line.split(sep)
            i = rng.randrange(len(fields))
            fields[i] = rng.choice(FIELD_VALUES)
            if rng.random() < 0.1:
                del fields[rng.randrange(len(fields))]
            return sep.join(fields)
    return line + rng.choice(FIELD_VALUES)


def mutate_text(rng: random.Random, data: bytes) -> bytes:
    """A line- and field-aware mutation of a converter input (logs, CSV, JSON, mail, XML)."""
    if data.lstrip().startswith(b"<") and rng.random() < 0.5:
        return mutate_document(rng, data)
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return _bytes(rng, data)
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.split("\n")
    for _ in range(rng.choice((1, 1, 2, 3))):
        choice = rng.random()
        i = rng.randrange(len(lines))
        if choice < 0.55:
            lines[i] = _mutate_line(rng, lines[i])
        elif choice < 0.7:
            lines.insert(i, lines[i])
        elif choice < 0.8:
            del lines[i]
            if not lines:
                lines = [""]
        elif choice < 0.9:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i] + rng.choice(("\r", "\r\n", "\t", "\x00"))
    out = "\n".join(lines).encode("utf-8", errors="surrogateescape")
    if rng.random() < 0.05:
        out = _bytes(rng, out)
    if rng.random() < 0.03:
        out = gzip.compress(out, mtime=0)
    return out
