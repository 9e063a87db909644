"""Audit RFC 7970's prose (§2-§3, §10.2) against its own §8 schema, by program.

From the text of RFC 7970 this extracts every class's aggregate classes (multiplicity and order),
its attributes (required or optional, default, numbered enumeration), the "MUST have at least
one" rules and the §10.2 registry table; from ``schemas/iodef-2.0.xsd`` the same facts
(content models flattened to an effective multiplicity per child, attribute uses, defaults,
enumerations); then compares them. Each difference is a :class:`Conflict` with the RFC line and
the schema line. What is right and what iodef does about it is judged in
:mod:`tools.rfc_verdicts` (people decide that, not the extractor).

Run ``python tools/rfc_audit.py`` for a summary, ``--markdown`` for the table in
``docs/rfc7970-conflicts.md`` (``--check`` fails when that file is out of date).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from lxml import etree

ROOT: Final = Path(__file__).resolve().parent.parent
RFC: Final = ROOT.parent / "shared" / "reference" / "rfc7970.txt"
XSD: Final = ROOT / "schemas" / "iodef-2.0.xsd"
DOC: Final = ROOT / "docs" / "rfc7970-conflicts.md"
XS: Final = "http://www.w3.org/2001/XMLSchema"
INF: Final = 10**9

Mult = tuple[int, int]  # (min, max); max INF for unbounded

_MULT_WORDS: Final[dict[str, Mult]] = {
    "One": (1, 1),
    "Zero or one": (0, 1),
    "Zero or more": (0, INF),
    "One or more": (1, INF),
}


def mult_text(m: Mult) -> str:
    low, high = m
    return f"{low}..{'*' if high >= INF else high}"


# --------------------------------------------------------------------------- the RFC's prose


@dataclass
class Child:
    name: str
    mult: Mult
    line: int
    kind: str | None = None  # STRING, ENUM, ... when the prose gives the child a data type


@dataclass
class Attr:
    name: str
    required: bool
    line: int
    kind: str | None = None
    default: str | None = None
    enum: list[tuple[str, int]] = field(default_factory=list)  # (value, line)


@dataclass
class ProseClass:
    name: str
    section: str
    line: int
    children: list[Child] = field(default_factory=list)
    attrs: dict[str, Attr] = field(default_factory=dict)
    at_least_one: int | None = None  # line of a "MUST have at least one" sentence
    content: tuple[str, int] | None = None  # the class's own content type in its diagram


@dataclass
class Registry:
    name: str
    schema_type: str
    section: str
    line: int


_PAGE_NOISE: Final = re.compile(
    r"^(Danyliw\s+Standards Track\s+\[Page \d+\]|RFC 7970\s+IODEF Version 2\s+.*)$"
)
_HEADING: Final = re.compile(r"^(\d+(?:\.\d+)*)\.\s+(\S.*)$")
_BLOCK: Final = re.compile(
    r"^   The (aggregate class(?:es)?|attributes?) of the (?:iodef:)?([\w-]+) (?:class|type) (?:is|are):"
)
_ENTRY: Final = re.compile(r"^   ([A-Za-z][\w:-]*)\s*$")
_MULT: Final = re.compile(r"^      (One or more|Zero or more|Zero or one|One)\.\s+(?:([A-Z][A-Z_]+)\.)?")
_USE: Final = re.compile(r"^      (Required|Optional)\.\s+(?:([A-Z][A-Z_]+)\.)?")
_ENUM: Final = re.compile(r"^      \s?(\d+)\.\s+([\w-]+)\.")
_DEFAULT: Final = re.compile(r'default (?:value )?(?:is|of)\s+"([^"]+)"')
_AT_LEAST_ONE: Final = re.compile(
    r"MUST\s+have\s+at\s+least\s+one|At\s+least\s+one\s+of\s+these|at\s+least\s+one\s+\w+\s+MUST\s+be"
)
#: a class diagram's first row when it names the class's own content type: "| REAL |"
_BOX_NAME: Final = re.compile(r"^\s+\| ([A-Za-z][\w-]*)\s+\|\s*$")
_BOX_TYPE: Final = re.compile(r"^\s+\| ([A-Z][A-Z_]+)\s+\|")


def read_rfc(path: Path = RFC) -> list[tuple[int, str]]:
    """The RFC's lines (1-based numbers kept), page headers and footers blanked."""
    lines = path.read_text("utf-8").replace("\f", "").splitlines()
    return [(n, "" if _PAGE_NOISE.match(t) else t) for n, t in enumerate(lines, 1)]


def _joined(lines: list[tuple[int, str]], i: int) -> str:
    """Line *i* and the next, white space collapsed (a sentence may wrap)."""
    nxt = lines[i + 1][1] if i + 1 < len(lines) else ""
    return re.sub(r"\s+", " ", f"{lines[i][1]} {nxt}")


def _section_of(lines: list[tuple[int, str]], index: int) -> str:
    for _n, text in reversed(lines[: index + 1]):
        m = _HEADING.match(text)
        if m:
            return m.group(1)
    return "?"


def prose_classes(lines: list[tuple[int, str]]) -> dict[str, ProseClass]:
    """Every class and type of §2-§3 that lists aggregate classes or attributes."""
    end = next(i for i, (_n, t) in enumerate(lines) if t.startswith("4.  Processing Considerations"))
    body = lines[:end]
    classes: dict[str, ProseClass] = {}
    block: str | None = None
    current: ProseClass | None = None
    attr: Attr | None = None
    for i, (n, text) in enumerate(body):
        m = _BLOCK.match(text)
        if m:
            name = m.group(2)
            current = classes.setdefault(name, ProseClass(name, _section_of(body, i), n))
            block = "children" if m.group(1).startswith("aggregate") else "attrs"
            attr = None
            continue
        if _HEADING.match(text):
            block, current, attr = None, None, None
            continue
        if current is None:
            continue
        if current.at_least_one is None and block == "children" and _AT_LEAST_ONE.search(_joined(body, i)):
            current.at_least_one = n
        if text.startswith("   The ") and ("attribute" in text or "aggregate" in text):
            block, attr = None, None  # "The X class has no attributes." ends a block
            continue
        entry = _ENTRY.match(text)
        if entry and block and i + 1 < len(body):
            nxt = body[i + 1][1]
            if block == "children" and (mm := _MULT.match(nxt)):
                current.children.append(Child(entry.group(1), _MULT_WORDS[mm.group(1)], n, mm.group(2)))
            elif block == "attrs" and (mu := _USE.match(nxt)):
                attr = Attr(entry.group(1), mu.group(1) == "Required", n, mu.group(2))
                current.attrs[attr.name] = attr
            continue
        if attr is not None and block == "attrs":
            em = _ENUM.match(text)
            if em:
                attr.enum.append((em.group(2), n))
            elif attr.default is None and (dm := _DEFAULT.search(_joined(body, i))):
                attr.default = dm.group(1)
    _contents(body, classes)
    return classes


def _contents(body: list[tuple[int, str]], classes: dict[str, ProseClass]) -> None:
    """The content type a class diagram gives the class itself (``| Confidence | / | REAL |``)."""
    for i in range(len(body) - 2):
        name = _BOX_NAME.match(body[i][1])
        if name is None or name.group(1) not in classes or not body[i + 1][1].strip().startswith("+-"):
            continue
        kind = _BOX_TYPE.match(body[i + 2][1])
        if kind is not None and not re.match(r"^\s+\| [A-Z][A-Z_]+\s+[\w-]", body[i + 2][1]):
            classes[name.group(1)].content = (kind.group(1), body[i + 2][0])


def registries(lines: list[tuple[int, str]]) -> list[Registry]:
    """The rows of §10.2 Table 1 (cells wrapped over several text lines joined)."""
    start = next(i for i, (_n, t) in enumerate(lines) if t.startswith("10.2.  Enumerated Value Registries"))
    rows: list[Registry] = []
    cells: list[list[str]] = [[], [], []]
    first = 0
    in_table = False
    for n, text in lines[start:]:
        if text.startswith("10.3."):
            break
        stripped = text.strip()
        if "Registry Name" in stripped:
            in_table = True
            continue
        if not in_table or not stripped.startswith("|"):
            continue
        parts = [p.strip() for p in stripped.strip("|").split("|")]
        if not any(parts):
            if any(cells):
                name, stype, sect = ("".join(c) for c in cells)
                rows.append(Registry(name, stype, sect, first))
            cells = [[], [], []]
            continue
        if parts[0] == "" and parts[2] == "(Desc.)":
            continue
        if not any(cells):
            first = n
        for k, part in enumerate(parts):
            if part:
                cells[k].append(part if not cells[k] or cells[k][-1].endswith("-") else " " + part)
    if any(cells):
        name, stype, sect = ("".join(c) for c in cells)
        rows.append(Registry(name, stype, sect, first))
    return rows


# --------------------------------------------------------------------------- the schema


@dataclass
class SchemaChild:
    name: str
    mult: Mult
    line: int


@dataclass
class SchemaAttr:
    name: str
    required: bool
    line: int
    type: str | None
    default: str | None


@dataclass
class SchemaClass:
    name: str
    line: int
    children: list[SchemaChild]
    attrs: dict[str, SchemaAttr]
    text: bool  # simple or mixed content: the element holds text
    choice_needs_one: bool  # a content model that needs one of several children


class Schema:
    """The facts of iodef-2.0.xsd the audit compares, each with its line."""

    def __init__(self, path: Path = XSD) -> None:
        self.tree = etree.parse(str(path))
        root = self.tree.getroot()
        self.elements = {e.get("name"): e for e in root.findall(f"{{{XS}}}element")}
        self.complex = {e.get("name"): e for e in root.findall(f"{{{XS}}}complexType")}
        self.simple = {e.get("name"): e for e in root.findall(f"{{{XS}}}simpleType")}

    def enum(self, type_name: str | None) -> list[tuple[str, int]]:
        node = self.simple.get((type_name or "").removeprefix("iodef:"))
        if node is None:
            return []
        return [(e.get("value", ""), e.sourceline or 0) for e in node.iter(f"{{{XS}}}enumeration")]

    def enum_line(self, type_name: str | None) -> int:
        node = self.simple.get((type_name or "").removeprefix("iodef:"))
        return (node.sourceline or 0) if node is not None else 0

    def cls(self, name: str) -> SchemaClass | None:
        el = self.elements.get(name)
        ctype: etree._Element | None = None
        if el is not None:
            ctype = el.find(f"{{{XS}}}complexType")
            if ctype is None and el.get("type", "").startswith("iodef:"):
                ctype = self.complex.get(el.get("type", "").removeprefix("iodef:"))
            line = el.sourceline or 0
            if ctype is None:
                return SchemaClass(name, line, [], {}, True, False)
        else:
            ctype = self.complex.get(name)
            if ctype is None:
                return None
            line = ctype.sourceline or 0
        children: list[SchemaChild] = []
        needs_one = [False]
        self._content(ctype, (1, 1), children, needs_one)
        attrs: dict[str, SchemaAttr] = {}
        text = ctype.get("mixed") == "true" or ctype.find(f"{{{XS}}}simpleContent") is not None
        base = ctype.find(f"{{{XS}}}complexContent/{{{XS}}}extension")
        if base is not None and base.get("base", "").startswith("iodef:"):
            parent = self.cls(base.get("base", "").removeprefix("iodef:"))
            if parent is not None:
                children = parent.children + children
                attrs.update(parent.attrs)
                text = text or parent.text
        for a in ctype.iter(f"{{{XS}}}attribute"):
            aname = a.get("name") or a.get("ref", "")
            attrs[aname] = SchemaAttr(
                aname, a.get("use") == "required", a.sourceline or 0, a.get("type"), a.get("default")
            )
        return SchemaClass(name, line, children, attrs, text, needs_one[0])

    def _content(
        self, node: etree._Element, outer: Mult, out: list[SchemaChild], needs_one: list[bool]
    ) -> None:
        for part in node:
            if not isinstance(part.tag, str):
                continue
            tag = etree.QName(part).localname
            low = int(part.get("minOccurs", "1"))
            high_s = part.get("maxOccurs", "1")
            high = INF if high_s == "unbounded" else int(high_s)
            mult = (outer[0] * low, min(INF, outer[1] * high))
            if tag == "element":
                name = (part.get("ref") or part.get("name") or "").removeprefix("iodef:")
                out.append(SchemaChild(name, mult, part.sourceline or 0))
            elif tag == "sequence":
                self._content(part, mult, out, needs_one)
            elif tag == "choice":
                alternatives = [c for c in part if isinstance(c.tag, str)]
                inner = (0 if len(alternatives) > 1 else mult[0], mult[1])
                if len(alternatives) > 1 and mult[0] >= 1:
                    needs_one[0] = needs_one[0] or all(
                        int(c.get("minOccurs", "1")) >= 1 for c in alternatives
                    )
                self._content(part, inner, out, needs_one)
            elif tag in ("complexContent", "extension", "simpleContent"):
                self._content(part, outer, out, needs_one)


# --------------------------------------------------------------------------- the comparison


@dataclass(frozen=True)
class Conflict:
    kind: str
    cls: str
    item: str
    rfc_line: int
    schema_line: int
    rfc: str
    schema: str

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.cls}:{self.item}"


def _spelling_pairs(prose: list[str], schema: list[str]) -> list[tuple[str, str]]:
    """Names only one side has, paired when one is a suffix of the other (KeyValue ~ Value)."""
    pairs = []
    for p in prose:
        for s in schema:
            if p.endswith(s) or s.endswith(p) or p.lower() == s.lower():
                pairs.append((p, s))
    return pairs


def _compare_children(pc: ProseClass, sc: SchemaClass, out: list[Conflict]) -> None:
    by_name = {c.name: c for c in sc.children}
    only_prose = [c.name for c in pc.children if c.name not in by_name]
    only_schema = [c.name for c in sc.children if c.name not in {p.name for p in pc.children}]
    paired = _spelling_pairs(only_prose, only_schema)
    for p, s in paired:
        pchild = next(c for c in pc.children if c.name == p)
        out.append(Conflict("spelling", pc.name, p, pchild.line, by_name[s].line, p, s))
    done_p = {p for p, _s in paired}
    done_s = {s for _p, s in paired}
    for c in pc.children:
        if c.name in only_prose and c.name not in done_p:
            out.append(
                Conflict("child-missing", pc.name, c.name, c.line, sc.line, mult_text(c.mult), "absent")
            )
    for name in only_schema:
        if name not in done_s:
            extra = by_name[name]
            out.append(
                Conflict("child-extra", pc.name, name, pc.line, extra.line, "absent", mult_text(extra.mult))
            )
    for c in pc.children:
        target = by_name.get(c.name) or next((by_name[s] for p, s in paired if p == c.name), None)
        if target is None:
            continue
        if c.mult != target.mult and not sc.choice_needs_one:
            out.append(
                Conflict(
                    "multiplicity",
                    pc.name,
                    c.name,
                    c.line,
                    target.line,
                    mult_text(c.mult),
                    mult_text(target.mult),
                )
            )
    rename = dict(paired)
    prose_order = [rename.get(c.name, c.name) for c in pc.children if rename.get(c.name, c.name) in by_name]
    schema_order = [c.name for c in sc.children if c.name in prose_order]
    if prose_order != schema_order:
        out.append(
            Conflict(
                "order",
                pc.name,
                "children",
                pc.children[0].line,
                sc.line,
                ", ".join(prose_order),
                ", ".join(schema_order),
            )
        )


def _compare_attrs(pc: ProseClass, sc: SchemaClass, schema: Schema, out: list[Conflict]) -> None:
    for a in pc.attrs.values():
        s = sc.attrs.get(a.name)
        if s is None:
            out.append(Conflict("attribute-missing", pc.name, a.name, a.line, sc.line, "present", "absent"))
            continue
        if a.required != s.required:
            out.append(
                Conflict(
                    "required",
                    pc.name,
                    a.name,
                    a.line,
                    s.line,
                    "required" if a.required else "optional",
                    "required" if s.required else "optional",
                )
            )
        if a.default is not None and a.default != s.default:
            out.append(Conflict("default", pc.name, a.name, a.line, s.line, a.default, s.default or "none"))
        senum = schema.enum(s.type)
        if a.enum and senum:
            pvals = [v for v, _l in a.enum]
            svals = [v for v, _l in senum]
            for v, line in a.enum:
                if v not in svals:
                    kind = "ext-value" if v == "ext-value" else "enum-missing"
                    out.append(
                        Conflict(
                            kind, pc.name, f"{a.name}={v}", line, schema.enum_line(s.type), "listed", "absent"
                        )
                    )
            for v, line in senum:
                if v not in pvals:
                    out.append(
                        Conflict("enum-extra", pc.name, f"{a.name}={v}", a.line, line, "absent", "listed")
                    )
        no_ext = "ext-value" not in [v for v, _l in senum] and "ext-value" not in [v for v, _l in a.enum]
        if f"ext-{a.name}" in pc.attrs and senum and no_ext:
            out.append(
                Conflict(
                    "ext-value",
                    pc.name,
                    f"{a.name}=ext-value",
                    a.line,
                    schema.enum_line(s.type),
                    "absent",
                    "absent",
                )
            )
    for name, s in sc.attrs.items():
        if name not in pc.attrs and pc.attrs:
            out.append(Conflict("attribute-extra", pc.name, name, pc.line, s.line, "absent", "present"))


#: the prose's data types an element holds as text (POSTAL too: iodef:MLStringType per §2.10)
_TEXT_KINDS: Final = frozenset(
    {"STRING", "ML_STRING", "URL", "DATETIME", "INTEGER", "REAL", "ENUM", "ID", "IDREF"}
    | {"POSTAL", "PHONE", "EMAIL", "PORTLIST", "TIMEZONE", "HEXBIN", "BYTE"}
)


def compare(lines: list[tuple[int, str]], schema: Schema) -> list[Conflict]:
    classes = prose_classes(lines)
    out: list[Conflict] = []
    for pc in classes.values():
        sc = schema.cls(pc.name)
        if sc is None:
            out.append(Conflict("class-missing", pc.name, pc.name, pc.line, 0, "defined", "absent"))
            continue
        if pc.children:
            _compare_children(pc, sc, out)
        _compare_attrs(pc, sc, schema, out)
        for c in pc.children:
            target = schema.cls(c.name)
            if c.kind in _TEXT_KINDS and target is not None and not target.text:
                out.append(Conflict("text", pc.name, c.name, c.line, target.line, c.kind, "element-only"))
        if pc.content is not None and not sc.text:
            kind, line = pc.content
            out.append(Conflict("text", pc.name, "content", line, sc.line, kind, "no text content"))
        if (
            pc.at_least_one is not None
            and not sc.choice_needs_one
            and all(c.mult[0] == 0 for c in sc.children)
        ):
            out.append(
                Conflict(
                    "at-least-one",
                    pc.name,
                    "children",
                    pc.at_least_one,
                    sc.line,
                    "MUST have one",
                    "all optional",
                )
            )
    for reg in registries(lines):
        out.extend(_compare_registry(reg, classes, schema))
    return out


def _compare_registry(reg: Registry, classes: dict[str, ProseClass], schema: Schema) -> list[Conflict]:
    out: list[Conflict] = []
    cls, _, attr = reg.name.partition("-")
    stype = reg.schema_type.replace(" ", "")
    if stype not in schema.simple:
        out.append(Conflict("registry", cls, reg.name, reg.line, 0, stype, "no such type"))
        return out
    pc = classes.get(cls)
    if pc is None or attr not in pc.attrs:
        out.append(
            Conflict(
                "registry", cls, reg.name, reg.line, schema.enum_line(stype), "no such class attribute", stype
            )
        )
        return out
    if pc.section != reg.section:
        out.append(
            Conflict(
                "registry",
                cls,
                reg.name,
                reg.line,
                schema.enum_line(stype),
                f"§{reg.section}",
                f"class in §{pc.section}",
            )
        )
    sattr = schema.cls(cls)
    used = sattr.attrs.get(attr) if sattr else None
    if used is not None and (used.type or "").removeprefix("iodef:") != stype:
        out.append(Conflict("registry", cls, reg.name, reg.line, used.line, stype, used.type or "?"))
    return out


# --------------------------------------------------------------------------- output


def markdown(conflicts: list[Conflict]) -> str:
    from tools.rfc_verdicts import INTRO, verdict

    counts = Counter(c.kind for c in conflicts)
    lines = [INTRO.rstrip(), ""]
    lines.append("| kind | conflicts |")
    lines.append("|---|---|")
    for kind, n in sorted(counts.items()):
        lines.append(f"| {kind} | {n} |")
    lines.append(f"| **all** | **{len(conflicts)}** |")
    lines += [
        "",
        "| # | class | what | RFC (line) | schema (line) | right | why | iodef |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, c in enumerate(conflicts, 1):
        right, why, action = verdict(c)
        rfc = f"{c.rfc} (L{c.rfc_line})"
        sch = f"{c.schema} (L{c.schema_line})" if c.schema_line else c.schema
        lines.append(f"| {i} | {c.cls} | {c.kind}: `{c.item}` | {rfc} | {sch} | {right} | {why} | {action} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rfc", type=Path, default=RFC)
    parser.add_argument("--schema", type=Path, default=XSD)
    parser.add_argument("--markdown", action="store_true", help="print the docs table")
    parser.add_argument("--check", action="store_true", help=f"fail when {DOC.name} is out of date")
    args = parser.parse_args(argv)
    if not args.rfc.is_file():
        print(f"rfc_audit: {args.rfc} not found (../shared/reference beside the repository)", file=sys.stderr)
        return 3
    conflicts = compare(read_rfc(args.rfc), Schema(args.schema))
    if args.markdown:
        sys.stdout.write(markdown(conflicts))
        return 0
    if args.check:
        if not DOC.is_file() or DOC.read_text("utf-8") != markdown(conflicts):
            print(
                f"rfc_audit: {DOC} is out of date; run python tools/rfc_audit.py --markdown", file=sys.stderr
            )
            return 1
        return 0
    for c in conflicts:
        print(
            f"{c.kind:18} {c.cls:24} {c.item:36} RFC L{c.rfc_line:<5} XSD L{c.schema_line:<5} "
            f"{c.rfc} | {c.schema}"
        )
    counts = Counter(c.kind for c in conflicts)
    print(f"{len(conflicts)} conflicts: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
