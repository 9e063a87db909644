"""Every command's help renders what its source says: placeholders, choices, flags, -h."""

from __future__ import annotations

import inspect
import re
from enum import Enum

import pytest
from cli_helpers import walk
from iodef.cli.main import app
from typer.testing import CliRunner

runner = CliRunner()

COMMANDS = [path for path, _ in walk()]
IDS = [" ".join(path) or "iodef" for path in COMMANDS]
#: what a reader must see verbatim: <placeholders> and [sections] written in help texts
VERBATIM = re.compile(r"<[^<>\n]+>|\[[^\[\]\n]+\]")


def squeeze(text: str) -> str:
    """*text* without whitespace, so that line wrapping does not matter."""
    return re.sub(r"\s+", "", text)


def help_of(path: tuple[str, ...], flag: str = "--help") -> str:
    result = runner.invoke(app, [*path, flag])
    assert result.exit_code == 0, result.output
    return result.stdout


def source_texts(command: object) -> list[str]:
    """The help texts as written in the source: the command's docstring and each parameter's help."""
    texts = [inspect.cleandoc(getattr(command, "help", None) or "")]
    texts += [p.help for p in getattr(command, "params", []) if getattr(p, "help", None)]
    return texts


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_every_placeholder_in_the_source_appears_in_the_help(path: tuple[str, ...]) -> None:
    command = dict(walk())[path]
    out = squeeze(help_of(path))
    written = [m for text in source_texts(command) for m in VERBATIM.findall(text)]
    missing = [m for m in written if squeeze(m) not in out]
    assert not missing, f"iodef {' '.join(path)} --help loses {missing}"


def test_the_pull_help_shows_what_the_issue_found_swallowed() -> None:
    out = squeeze(help_of(("pull",)))
    assert squeeze("saved as DIR/ENTRY.xml") in out
    assert squeeze("one [[peers]] table per destination") in out  # brackets, once swallowed as markup
    assert squeeze("[rule]") in squeeze(help_of(("validate",)))


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_help_is_plain_text_with_flags_as_flags(path: tuple[str, ...]) -> None:
    out = help_of(path)
    assert "\x1b[" not in out  # no colour in a pipe
    assert not set("╭╮╰╯│─") & set(out)  # no boxes either
    assert "<bool>" not in out  # a flag takes no value
    command = dict(walk())[path]
    for param in getattr(command, "params", []):
        if getattr(param, "is_flag", False) and not getattr(param, "hidden", False):
            assert re.search(rf"(^|[ ,]){re.escape(max(param.opts, key=len))}(\s{{2,}}|\n)", out, re.M), (
                param.opts
            )


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_h_is_help(path: tuple[str, ...]) -> None:
    assert help_of(path, "-h") == help_of(path, "--help")


@pytest.mark.parametrize("path", COMMANDS, ids=IDS)
def test_choices_are_listed(path: tuple[str, ...]) -> None:
    out = squeeze(help_of(path))
    command = dict(walk())[path]
    for param in getattr(command, "params", []):
        annotation = param.type_descriptor.annotation
        if isinstance(annotation, type) and issubclass(annotation, Enum):
            listed = "<" + "|".join(str(c.value) for c in annotation) + ">"
            assert squeeze(listed) in out, (param.opts, listed)


OPTIONS_WITH_CHOICES = {
    ("validate",): ["--profile", "--format"],
    ("convert",): ["--restriction", "--format"],
    ("send",): ["--profile", "--format"],
    ("pull",): ["--profile", "--format"],
    ("outbox", "list"): ["--format"],
    ("outbox", "flush"): ["--format"],
    ("serve",): ["--profile", "--sqlite-sync", "--log-level", "--anonymous-read"],
}


@pytest.mark.parametrize(("path", "options"), OPTIONS_WITH_CHOICES.items(), ids=lambda v: str(v))
def test_the_options_with_fixed_choices_are_enums(path: tuple[str, ...], options: list[str]) -> None:
    command = dict(walk())[path]
    by_name = {opt: p for p in command.params for opt in p.opts}
    for option in options:
        annotation = by_name[option].type_descriptor.annotation
        assert isinstance(annotation, type), option
        assert issubclass(annotation, Enum), option


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["serve", "--sqlite-sync", "sometimes"], "'sometimes' is not one of 'full', 'normal'"),
        (["serve", "--log-level", "loud"], "'loud' is not one of 'critical'"),
        (["serve", "--anonymous-read", "everyone"], "'everyone' is not one of 'public'"),
        (
            ["send", "x.xml", "--to", "https://peer/f", "--format", "xml"],
            "'xml' is not one of 'text', 'json'",
        ),
        (["pull", "https://peer/f", "-o", "d", "--profile", "rfc5070"], "'rfc5070' is not one of 'rfc7970'"),
        (["outbox", "list", "--format", "yaml"], "'yaml' is not one of 'text', 'json'"),
        (["convert", "spam", "x", "--restriction", "secret"], "'secret' is not one of 'public'"),
        (["validate", "--jobs", "0", "x.xml"], "0 is out of range: it must be >= 1"),
        (["serve", "--page-size", "5000"], "it must be >= 1 and <= 1000"),
        (["pull", "https://peer/f", "-o", "d", "--timeout", "soon"], "'soon' is not a number"),
    ],
)
def test_a_value_outside_the_choices_is_a_usage_error(args: list[str], expected: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert expected in result.stderr
