"""Commands load lazily, and the one-line help stored beside each registration stays true."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
from cli_helpers import IODEF, root_command
from iodef.cli.app import COMMANDS
from iodef.cli.main import app
from typer._click import Context

from tests.conftest import FIXTURES

COMMAND_MODULES = sorted({entry.module for entry in COMMANDS.values()})
#: what no command needs just to start: the typed model, the network, the database, Rich, pydantic
HEAVY = (
    "pydantic",
    "rich",
    "httpx",
    "sqlalchemy",
    "uvicorn",
    "iodef.model",
    "iodef.convert",
    "iodef.exchange",
)


def modules_after(*argv: str) -> tuple[str, list[str]]:
    """Run ``iodef ARGV`` in a fresh interpreter; its stdout and the modules it imported."""
    code = (
        "import json, sys\n"
        f"sys.argv = ['iodef', *{list(argv)!r}]\n"
        "from iodef.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    out, _, last = done.stdout.rstrip("\n").rpartition("\n")
    return out, json.loads(last)


def loaded(modules: list[str], names: tuple[str, ...] | list[str]) -> list[str]:
    return [m for m in modules if any(m == n or m.startswith(n + ".") for n in names)]


def test_the_root_help_lists_every_command_without_importing_one() -> None:
    out, modules = modules_after("--help")
    assert loaded(modules, COMMAND_MODULES) == []
    assert loaded(modules, HEAVY) == []
    flat = " ".join(out.split())
    for name, entry in COMMANDS.items():
        assert f"{name} {entry.short_help}" in flat


@pytest.mark.parametrize("name", list(COMMANDS))
def test_a_command_s_help_imports_only_its_own_module(name: str) -> None:
    out, modules = modules_after(name, "--help")
    assert f"Usage: iodef {name}" in out
    assert loaded(modules, COMMAND_MODULES) == [COMMANDS[name].module]


def test_validating_one_file_imports_neither_pydantic_nor_rich() -> None:
    out, modules = modules_after("validate", str(FIXTURES / "valid" / "minimal.xml"))
    assert "1 document, 1 valid" in out
    assert loaded(modules, COMMAND_MODULES) == ["iodef.cli.validate"]
    assert loaded(modules, HEAVY) == []
    assert "multiprocessing" not in modules  # only --jobs N needs it


@pytest.mark.parametrize(("name", "entry"), COMMANDS.items())
def test_the_stored_short_help_is_the_first_paragraph_of_the_command_s_help(name: str, entry: object) -> None:
    root = root_command()
    command = root.get_command(Context(root, info_name="iodef"), name)
    first_paragraph = inspect.cleandoc(command.help or "").split("\n\n")[0]
    assert " ".join(first_paragraph.split()) == entry.short_help  # type: ignore[attr-defined]


def test_every_registered_command_is_in_the_table() -> None:
    registered = {
        info.name or (info.callback.__name__ if info.callback else "") for info in app.registered_commands
    }
    registered |= {group.name for group in app.registered_groups if group.name}
    assert registered == set(COMMANDS)


def test_a_table_entry_whose_module_registers_nothing_is_a_clear_error() -> None:
    root = root_command()
    root.lazy_commands = {**COMMANDS, "ghost": type(COMMANDS["fmt"])("iodef.cli.fmt", "Nothing.")}
    with pytest.raises(LookupError, match="does not register the command 'ghost'"):
        root.get_command(Context(root, info_name="iodef"), "ghost")


def test_a_misspelt_command_gets_a_suggestion_from_every_command() -> None:
    done = subprocess.run([*IODEF, "valdate", "x.xml"], capture_output=True, text=True, check=False)
    assert done.returncode == 2
    assert "No such command 'valdate'. Did you mean 'validate'?" in done.stderr
    assert "Traceback" not in done.stderr
