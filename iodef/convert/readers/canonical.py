"""The canonical JSON-lines record of each family: one JSON object per line, validated against
:class:`~iodef.convert.spam.SpamRecord`, :class:`~iodef.convert.rat.RatRecord` or
:class:`~iodef.convert.vms.VmsRecord`. Any other source can feed a converter by writing these.
``source``, ``line`` and ``raw`` are filled in by the reader (``raw`` is the line itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import IO, TypeVar

from pydantic import ValidationError

from ...errors import RecordError
from .._options import BaseRecord
from ..rat import RatRecord
from ..spam import SpamRecord
from ..vms import VmsRecord
from ._base import OnError, describe, json_lines

__all__ = ["read_rat_jsonl", "read_spam_jsonl", "read_vms_jsonl"]

R = TypeVar("R", bound=BaseRecord)


def _reader(model: type[R]) -> Callable[[IO[bytes], str, OnError], Iterator[R]]:
    def read(fh: IO[bytes], name: str, on_error: OnError) -> Iterator[R]:
        for number, text, obj in json_lines(fh, name, on_error):
            obj.setdefault("format", "jsonl")
            obj["source"], obj["line"], obj["raw"] = name, number, text
            try:
                yield model.model_validate(obj)
            except ValidationError as exc:
                on_error(RecordError(f"not a {model.__name__}: {describe(exc)}", source=name, line=number))

    read.__doc__ = f"Read canonical {model.__name__} JSON lines."
    return read


read_spam_jsonl = _reader(SpamRecord)
read_rat_jsonl = _reader(RatRecord)
read_vms_jsonl = _reader(VmsRecord)
