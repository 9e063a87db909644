"""Turn command-line words into str, int, float, bool, Path and enum values without pydantic.

Typer 0.2x converts every parameter through a pydantic ``TypeAdapter``: importing pydantic and
building the adapters is about a third of the CPU time of a short ``iodef validate one.xml``
(see ``bench/bench_startup.py``). The iodef commands only take plain types, which need no
schema machinery; :func:`lighten` gives such parameters a small converter of their own before
Typer builds an adapter. Anything else (a custom parser, clamp, path checks, files, tuples,
dates) is left to Typer. If Typer's internals change so that this does not apply, the commands
still work through Typer's own conversion (``tests/cli/test_startup.py`` notices the lost speed).
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

__all__ = ["lighten", "lighten_params"]

try:  # Typer's conversion layer (private: used only if it is there, as it is in Typer 0.2x)
    from typer._click.exceptions import BadParameter
    from typer._coercion import RuntimeParam
    from typer._param_types import coerce_cli_choice
except ImportError:  # pragma: no cover - another Typer: keep its own conversion
    RuntimeParam = None  # type: ignore[assignment,misc]

_TRUE = frozenset({"1", "true", "t", "yes", "y", "on"})
_FALSE = frozenset({"0", "false", "f", "no", "n", "off", ""})
_MARK = "_iodef_light"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return os.fsdecode(value)
    return str(value)


def _number(value: Any, kind: type[int] | type[float], low: Any, high: Any) -> int | float:
    if isinstance(value, kind) and not isinstance(value, bool):
        number: int | float = value
    else:
        text = _text(value).strip()
        try:
            number = kind(text)
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise ValueError(f"{text!r} is not {noun}.") from None
        if isinstance(number, float) and not math.isfinite(number):
            raise ValueError(f"{text!r} is not a finite number.")
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = " and ".join(
            part
            for part in (f">= {low}" if low is not None else "", f"<= {high}" if high is not None else "")
            if part
        )
        raise ValueError(f"{number} is out of range: it must be {bounds}.")
    return number


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{value!r} is not a boolean (use 1/0, true/false, yes/no).")


def _converter(annotation: Any, info: Any) -> Any:
    """A function word -> value for *annotation*, or None when Typer should convert it."""
    if annotation is str:
        return _text
    if annotation is bool:
        return _flag
    if annotation in (int, float):
        return lambda value: _number(value, annotation, info.min, info.max)
    if isinstance(annotation, type) and issubclass(annotation, Path) and not _path_checks(info):
        return lambda value: annotation(_text(value))
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        choices = list(annotation)
        return lambda value: coerce_cli_choice(value, choices=choices, case_sensitive=info.case_sensitive)
    return None


def _path_checks(info: Any) -> bool:
    return bool(
        info.exists
        or info.resolve_path
        or info.allow_dash
        or info.path_type is not None
        or not info.file_okay
        or not info.dir_okay
        or info.writable
        or not info.readable
    )


if RuntimeParam is not None:

    @dataclass(frozen=True)
    class _Light(RuntimeParam):
        convert: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            try:
                if isinstance(value, (list, tuple)):
                    return type(value)(self.convert(item) for item in value)
                return self.convert(value)
            except ValueError as exc:
                raise BadParameter(str(exc), ctx=ctx, param=param) from None


def _lighten_param(param: Any) -> None:
    try:
        _lighten_typer_param(param)
    except AttributeError:  # pragma: no cover - a Typer whose parameters look different
        return


def _lighten_typer_param(param: Any) -> None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", "absent") is not None:
        return  # not a Typer parameter, or its converter is built already
    info = descriptor.parameter_info
    if info.parser is not None or info.clamp or descriptor.file_annotation is not None:
        return
    annotation = descriptor.annotation
    if get_origin(annotation) is list:
        (annotation,) = get_args(annotation)
    elif get_origin(annotation) is not None:
        return
    convert = _converter(annotation, info)
    if convert is not None:
        param._runtime_param = _Light(parameter_info=info, annotation=descriptor.annotation, convert=convert)


def lighten_params(params: list[Any]) -> list[Any]:
    """Give the plain-typed parameters in *params* pydantic-free converters; return *params*."""
    if RuntimeParam is not None:
        for param in params:
            _lighten_param(param)
    return params


def lighten(command: Any) -> Any:
    """Make *command* (and its subcommands) convert plain-typed parameters without pydantic.

    The command's ``get_params`` is wrapped rather than its parameters changed once, because
    Click adds the help option only when it first lists the parameters.
    """
    if RuntimeParam is None or command is None or getattr(command, _MARK, False):
        return command
    get_params = command.get_params

    def light_get_params(ctx: Any) -> list[Any]:
        return lighten_params(get_params(ctx))

    command.get_params = light_get_params
    for sub in getattr(command, "commands", {}).values():
        lighten(sub)
    setattr(command, _MARK, True)
    return command
