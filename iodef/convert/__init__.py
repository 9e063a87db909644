"""Converters: spam, RAT-misuse and VMS incidents from real inputs into IODEF v2 documents.

Each family module (:mod:`~iodef.convert.spam`, :mod:`~iodef.convert.rat`, :mod:`~iodef.convert.vms`)
has a typed record model, an incident table, and pure functions ``incidents(records, options)``
(a generator of :class:`~iodef.Incident`) and ``convert(records, options)`` (one
:class:`~iodef.IODEFDocument`). :mod:`iodef.convert.readers` turns real formats into records::

    from iodef.convert import ConvertOptions, rat
    from iodef.convert.readers import READERS

    with open("rdp.log", "rb") as fh:
        records = READERS["rat"]["zeek-tsv"].read(fh, "rdp.log", print)
        doc = rat.convert(records, ConvertOptions(name="csirt.example"))
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Final

from ..model import Incident
from . import rat, spam, vms
from ._grouping import Grouper
from ._identity import Pseudonymizer
from ._options import BaseRecord, ConvertOptions
from .rat import RatRecord
from .spam import SpamRecord
from .vms import VmsRecord

__all__ = [
    "FAMILIES",
    "BaseRecord",
    "ConvertOptions",
    "Grouper",
    "Pseudonymizer",
    "RatRecord",
    "SpamRecord",
    "VmsRecord",
    "incidents",
    "rat",
    "spam",
    "vms",
]

#: family name -> (record model, grouper factory, build function)
FAMILIES: Final[dict[str, Any]] = {"spam": spam, "rat": rat, "vms": vms}


def incidents(family: str, records: Iterable[Any], options: ConvertOptions) -> Iterator[Incident]:
    """The incidents of *records* for the converter *family* (``"spam"``, ``"rat"`` or ``"vms"``).

    The same as ``iodef.convert.<family>.incidents(records, options)``: a generator, so a long
    input is converted as it is read.
    """
    fn: Callable[[Iterable[Any], ConvertOptions], Iterator[Incident]] = FAMILIES[family].incidents
    return fn(records, options)
