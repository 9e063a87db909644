"""The command reference, generated at build time from the Typer app behind ``iodef``.

Every command ``iodef --help`` lists gets a page ``commands/<name>.md``. A hand-written page of
that name keeps its prose and gets the generated reference where it says ``<!-- iodef:options -->``;
a command without one gets a page made only of its help text and reference.
"""

from __future__ import annotations

import enum
import html
import re
import typing
from collections.abc import Iterator
from typing import Any

MARKER = "<!-- iodef:options -->"


def root_command() -> Any:
    from iodef.cli.main import app  # importing `app` registers every command
    from typer.main import get_command

    return get_command(app)


def _subcommands(group: Any) -> dict[str, Any]:
    """name -> command of a group, asking it the way click does (a lazy group loads them then)."""
    if not hasattr(group, "list_commands"):
        return dict(getattr(group, "commands", None) or {})
    ctx = type(group).context_class(group, info_name=group.name) if hasattr(group, "context_class") else None
    names = group.list_commands(ctx)
    return {name: group.get_command(ctx, name) for name in names}


def iter_commands(group: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(full name, command) for every visible command, subcommands after their group."""
    subs = _subcommands(group)
    for name in sorted(subs):
        cmd = subs[name]
        if cmd is None or getattr(cmd, "hidden", False):
            continue
        full = f"{prefix}{name}"
        yield full, cmd
        if hasattr(cmd, "list_commands") or getattr(cmd, "commands", None):
            yield from iter_commands(cmd, full + " ")


def top_level_names() -> list[str]:
    return [name for name, _ in iter_commands(root_command()) if " " not in name]


def _cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _prose(text: object) -> str:
    """Help text as Markdown that shows what it says: ``<url prefix>`` is no tag, ``*.xml`` no emphasis."""
    parts = re.split(r"(`[^`]*`)", str(text))  # code spans stay as they are
    for i in range(0, len(parts), 2):
        parts[i] = html.escape(parts[i], quote=False).replace("*", "\\*").replace("_", "\\_")
    return _cell("".join(parts))


def _type_of(param: Any) -> str:
    desc = getattr(param, "type_descriptor", None)
    tp = getattr(desc, "annotation", None)
    if tp is None:
        tp = getattr(param, "type", None)
        choices = getattr(tp, "choices", None)
        if choices:
            return " \\| ".join(f"`{c}`" for c in choices)
        return _cell(getattr(tp, "name", "") or "")
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if (typing.get_origin(tp) in (list, tuple) and args) or len(args) == 1:
        tp = args[0]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return " \\| ".join(f"`{m.value}`" for m in tp)
    if tp is bool:
        return "flag"
    name = {"str": "text", "Path": "path", "int": "integer", "float": "number"}.get(
        getattr(tp, "__name__", ""), _cell(getattr(tp, "__name__", tp))
    )
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is not None and high is not None:
        return f"{name}, {low} to {high}"
    if low is not None:
        return f"{name}, at least {low}"
    if high is not None:
        return f"{name}, at most {high}"
    return name


def _default(param: Any) -> str:
    default = getattr(param, "default", None)
    if getattr(param, "is_flag", False) or default in (None, False, (), []):
        return ""
    if getattr(param, "show_default", True) is False:
        return ""
    if isinstance(default, enum.Enum):
        default = default.value
    return f"`{_cell(default)}`"


def _usage(full: str, cmd: Any) -> str:
    words = [f"iodef {full}", "[OPTIONS]" if any(_is_option(p) for p in cmd.params) else ""]
    for p in cmd.params:
        if not _is_option(p):
            many = "..." if getattr(p, "nargs", 1) != 1 else ""
            name = p.name.upper() + many
            words.append(name if p.required else f"[{name}]")
    if hasattr(cmd, "list_commands"):
        words.append("COMMAND [ARGS]...")
    return " ".join(w for w in words if w)


def _is_option(param: Any) -> bool:
    return any(o.startswith("-") for o in getattr(param, "opts", ()))


def reference(full: str, cmd: Any) -> str:
    """The Markdown reference of one command: usage, arguments, options, subcommands."""
    out = [f"```text\n{_usage(full, cmd)}\n```", ""]
    args = [p for p in cmd.params if not _is_option(p)]
    opts = [p for p in cmd.params if _is_option(p) and p.name != "help"]
    if args:
        out += ["| argument | value | meaning |", "|---|---|---|"]
        for p in args:
            req = " (required)" if p.required else ""
            out.append(f"| `{p.name.upper()}` | {_type_of(p)} | {_prose(p.help or '')}{req} |")
        out.append("")
    if opts:
        out += ["| option | value | default | meaning |", "|---|---|---|---|"]
        for p in opts:
            names = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
            meaning = _prose(p.help or "")
            if p.required:
                meaning += " (required)"
            if getattr(p, "envvar", None):
                meaning += f" Environment: `{p.envvar}`."
            out.append(f"| {names} | {_type_of(p)} | {_default(p)} | {meaning} |")
        out.append("")
    subs = _subcommands(cmd) if hasattr(cmd, "list_commands") or getattr(cmd, "commands", None) else {}
    if subs:
        out += ["| command | what it does |", "|---|---|"]
        for name in sorted(subs):
            first = (subs[name].help or "").strip().splitlines()[0] if subs[name].help else ""
            out.append(
                f"| [`iodef {full} {name}`](#iodef-{full.replace(' ', '-')}-{name}) | {_prose(first)} |"
            )
        out.append("")
        for name in sorted(subs):
            sub = subs[name]
            out += [
                f"### iodef {full} {name}",
                "",
                "\n\n".join(_prose(p) for p in (sub.help or "").strip().split("\n\n")),
                "",
                reference(f"{full} {name}", sub),
            ]
    return "\n".join(out)


def generated_page(full: str, cmd: Any) -> str:
    """A whole page for a command that has no hand-written one."""
    paragraphs = "\n\n".join(_prose(p) for p in (cmd.help or "").strip().split("\n\n"))
    return f"# iodef {full}\n\n{paragraphs}\n\n## Reference\n\n{reference(full, cmd)}\n"


def index_page() -> str:
    """The commands index: every top-level command with the first line of its help."""
    out = [
        "# Commands",
        "",
        "Every command of `iodef`, generated from the command itself when the site is built. All of",
        "them take `--help`. Exit status everywhere: 0 ok, 1 some input invalid or refused, 2 usage",
        "error, 3 I/O, network or TLS failure. Machine output goes to standard output, messages for",
        "people to standard error.",
        "",
        "| command | what it does |",
        "|---|---|",
    ]
    for full, cmd in iter_commands(root_command()):
        if " " not in full:
            first = (cmd.help or "").strip().splitlines()[0] if cmd.help else ""
            out.append(f"| [`iodef {full}`]({full}.md) | {_prose(first)} |")
    return "\n".join([*out, ""])


def fill(markdown: str, full: str) -> str:
    cmd = dict(iter_commands(root_command()))[full]
    return markdown.replace(MARKER, reference(full, cmd))
