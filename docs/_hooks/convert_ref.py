"""The converter reference, generated at build time from ``iodef.convert``.

For each family (spam, rat, vms): the input formats (``READERS``), the default grouping key
(``DEFAULT_KEYS``), the event table (``INCIDENT_TABLE`` says which events become incidents; the
meaning column is read from the table in the module's docstring, and an event missing from either
side is a build error, so the two cannot drift apart) and the fields of the record class.
"""

from __future__ import annotations

import importlib
import inspect
import re
import typing
from typing import Any

FAMILIES = {
    "spam": ("SpamRecord", "Spam over e-mail and telecom messaging"),
    "rat": ("RatRecord", "Misuse of remote access tools"),
    "vms": ("VmsRecord", "Attacks on video management systems"),
}


class DocsDrift(Exception):
    """The docstring's event table and the code's INCIDENT_TABLE disagree."""


def _rst_table(doc: str) -> dict[str, tuple[str, str]]:
    """event -> (yes/no, meaning) from the first simple RST table of a docstring."""
    rows: dict[str, tuple[str, str]] = {}
    rules = 0
    for line in doc.splitlines():
        if re.fullmatch(r"=+(\s+=+)+\s*", line):
            rules += 1
            if rules == 3:
                break
            continue
        if rules == 2 and line.strip():
            event, incident, meaning = line.split(None, 2)
            rows[event] = (incident, meaning.strip())
    return rows


def _intro(doc: str) -> str:
    """The docstring up to its event table, with Sphinx roles made Markdown code."""
    text = doc.split("Event types and whether", 1)[0].strip()
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def _type_name(tp: Any) -> str:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) is list:
        return f"list of {_type_name(args[0])}"
    if len(args) == 1:
        return _type_name(args[0])
    return getattr(tp, "__name__", str(tp))


def event_table(family: str) -> list[str]:
    module = importlib.import_module(f"iodef.convert.{family}")
    documented = _rst_table(inspect.getdoc(module) or "")
    table: dict[str, bool] = module.INCIDENT_TABLE
    missing = sorted(set(table) - set(documented))
    extra = sorted(set(documented) - set(table))
    wrong = sorted(e for e in table if e in documented and documented[e][0] != ("yes" if table[e] else "no"))
    if missing or extra or wrong:
        raise DocsDrift(
            f"iodef/convert/{family}.py: the docstring's event table and INCIDENT_TABLE disagree"
            f" (not documented: {missing}, not in the code: {extra}, yes/no differs: {wrong})"
        )
    impacts = getattr(module, "IMPACTS", {})
    head = "| event | becomes an incident | meaning |"
    rule = "|---|---|---|"
    if impacts:
        head, rule = head + " SystemImpact, severity, category |", rule + "---|"
    out = [head, rule]
    for event, yes in table.items():
        row = f"| `{event}` | {'yes' if yes else 'no, counted'} | {documented[event][1]} |"
        if impacts:
            impact = impacts.get(event)
            row += " " + (", ".join(f"`{v}`" for v in impact) if impact else "") + " |"
        out.append(row)
    return out


def record_table(family: str) -> list[str]:
    from iodef.convert import BaseRecord

    record_cls = getattr(importlib.import_module("iodef.convert"), FAMILIES[family][0])
    out = ["| field | type | default | from |", "|---|---|---|---|"]
    for name, info in record_cls.model_fields.items():
        default = "required" if info.is_required() else f"`{info.get_default(call_default_factory=True)!r}`"
        origin = "all families" if name in BaseRecord.model_fields else family
        out.append(f"| `{name}` | {_type_name(info.annotation)} | {default} | {origin} |")
    return out


def family_page(family: str) -> str:
    from iodef.convert.readers import READERS

    module = importlib.import_module(f"iodef.convert.{family}")
    record_name, title = FAMILIES[family]
    record_cls = getattr(module, record_name)
    out = [f"# {title} (`{family}`)", "", _intro(inspect.getdoc(module) or ""), ""]
    out += ["## Input formats", "", f"`iodef convert {family} --from FORMAT`; detected from the first bytes"]
    out += ["and the file name when not given.", "", "| `--from` | what it reads |", "|---|---|"]
    out += [f"| `{name}` | {spec.description} |" for name, spec in READERS[family].items()]
    keys = ", ".join(f"`{k}`" for k in module.DEFAULT_KEYS)
    out += [
        "",
        "## Events",
        "",
        f"Records are grouped by {keys} (`--keys`) within `--window` (default 1h).",
        "",
    ]
    out += ["Which event types become incidents; `--incident EVENT=yes|no` overrides a row.", ""]
    out += [*event_table(family), ""]
    out += ["## Record fields", "", f"`{record_name}`: {inspect.getdoc(record_cls) or ''}", ""]
    out += [*record_table(family), ""]
    return "\n".join(out).replace("Example::", "Example:")


def index_page() -> str:
    out = [
        "# Converters",
        "",
        "Generated from `iodef.convert` when the site is built. Each family reads the formats operators",
        "collect into typed records, groups them, and writes one IODEF incident per group.",
        "",
        "| family | what | record |",
        "|---|---|---|",
    ]
    for family, (record, title) in FAMILIES.items():
        out.append(f"| [`{family}`]({family}.md) | {title} | `{record}` |")
    return "\n".join([*out, ""])


def pages() -> dict[str, str]:
    out = {"reference/converters/index.md": index_page()}
    for family in FAMILIES:
        out[f"reference/converters/{family}.md"] = family_page(family)
    order = "".join(f"  - {family}.md\n" for family in FAMILIES)
    nav = f"title: Converters\nappend_unmatched: true\nnav:\n  - index.md\n{order}"
    out["reference/converters/.nav.yml"] = nav
    return out
