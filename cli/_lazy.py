"""A command group that imports a command's module only when that command is wanted.

``iodef --help`` lists every command from the one-line help stored beside its registration
(:class:`LazyCommand`), so it imports none of them; ``iodef validate ...`` imports
``iodef.cli.validate`` and nothing else; ``iodef pull --help`` imports ``iodef.cli.exchange``.
The modules register their commands on the shared Typer app as before (``@app.command("pull")``
or ``app.add_typer(sub_app, name="outbox")``); this group builds the Click command from that
registration the first time the word is used.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import TYPE_CHECKING

import typer
import typer.main
from typer.core import TyperGroup

from ._params import lighten, lighten_params

if TYPE_CHECKING:  # Typer's own (vendored) Click types, for the signatures we override
    from typer._click import Command, Context, HelpFormatter, Parameter
    from typer._click.shell_completion import CompletionItem

__all__ = ["LazyCommand", "LazyGroup"]


@dataclass(frozen=True, slots=True)
class LazyCommand:
    """Where a command lives, and the line ``iodef --help`` shows for it without importing it.

    ``short_help`` must be the first paragraph of the command's own help (its docstring, or the
    ``help=`` of a sub-app); ``tests/cli/test_lazy.py`` checks that they agree.
    """

    module: str
    short_help: str


class LazyGroup(TyperGroup):
    """A :class:`typer.core.TyperGroup` whose commands are imported on first use.

    Subclasses set :attr:`lazy_commands` (word -> :class:`LazyCommand`, in the order ``--help``
    lists them) and :attr:`typer_app` (the Typer app the modules register on). Without lazy
    commands it is an ordinary group whose list shows each command's whole first paragraph
    rather than a cut one (``typer.Typer(cls=LazyGroup)`` for a sub-app such as ``outbox``).
    """

    lazy_commands: Mapping[str, LazyCommand] = {}
    typer_app: typer.Typer | None = None

    # -- what the group holds ---------------------------------------------------------------------

    def list_commands(self, ctx: Context) -> list[str]:
        eager = [name for name in self.commands if name not in self.lazy_commands]
        return [*self.lazy_commands, *eager]

    def get_command(self, ctx: Context, cmd_name: str) -> Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name in self.lazy_commands:
            command = self._load(cmd_name)
            self.commands[cmd_name] = command
        lightened: Command | None = lighten(command)
        return lightened

    def get_params(self, ctx: Context) -> list[Parameter]:
        # the group's own options (--version, --install-completion, -h) without pydantic
        return lighten_params(super().get_params(ctx))

    def _load(self, name: str) -> Command:
        """Import the module of *name* and build its Click command from the Typer registration."""
        app = self.typer_app
        assert app is not None, "LazyGroup.typer_app is not set"
        importlib.import_module(self.lazy_commands[name].module)
        for info in app.registered_commands:
            callback = info.callback
            command_name = info.name or (typer.main.get_command_name(callback.__name__) if callback else "")
            if command_name == name:
                return typer.main.get_command_from_info(
                    info,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=self.rich_markup_mode,
                )
        for group in app.registered_groups:
            if group.name == name:
                return typer.main.get_group_from_info(
                    group,
                    pretty_exceptions_short=app.pretty_exceptions_short,
                    rich_markup_mode=self.rich_markup_mode,
                    suggest_commands=self.suggest_commands,
                )
        raise LookupError(f"{self.lazy_commands[name].module} does not register the command {name!r}")

    def _short_helps(self, ctx: Context, incomplete: str = "") -> Iterator[tuple[str, str]]:
        """(word, one-line help) of the visible commands, without importing any module."""
        for name in self.list_commands(ctx):
            if not name.startswith(incomplete):
                continue
            entry = self.lazy_commands.get(name)
            if entry is not None and name not in self.commands:
                yield name, entry.short_help
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                yield name, command.get_short_help_str(limit=200)

    # -- help, suggestions and completion that do not import every command ---------------------------

    def format_commands(self, ctx: Context, formatter: HelpFormatter) -> None:
        rows = list(self._short_helps(ctx))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        from typer._click.exceptions import UsageError

        try:
            return self._click_resolve_command(ctx, args)
        except UsageError as exc:
            # TyperGroup suggests only among the commands already loaded
            matches = get_close_matches(args[0], self.list_commands(ctx)) if args else []
            if matches and self.suggest_commands:
                suggestions = ", ".join(repr(m) for m in matches)
                exc.message = f"{exc.message.rstrip('.')}. Did you mean {suggestions}?"
            raise

    def shell_complete(self, ctx: Context, incomplete: str) -> list[CompletionItem]:
        from typer._click.shell_completion import CompletionItem

        results = [CompletionItem(name, help=text) for name, text in self._short_helps(ctx, incomplete)]
        # the group's own options, as Click completes them (TyperGroup adds the commands first)
        results.extend(super(TyperGroup, self).shell_complete(ctx, incomplete))
        return results
