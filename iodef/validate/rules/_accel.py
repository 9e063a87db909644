"""The optional C accelerator of the rule walks (``_cscreen.pyx``, built by setup.py), or None.

``IODEF_PURE_PYTHON=1`` in the environment turns it off (the tests run both ways), and so does
an lxml other than the one it was compiled against. Whoever
uses it configures it with their own tables: :mod:`.screen` (the per-element handlers) and
:mod:`.times` (the xs:dateTime elements).
"""

from __future__ import annotations

import os
from types import ModuleType

import lxml


def _load() -> ModuleType | None:
    if os.environ.get("IODEF_PURE_PYTHON"):
        return None
    try:
        from . import _cscreen
    except ImportError:
        return None
    # compiled against another lxml (upgraded since install): its structures may differ, so the
    # Python walk is used until iodef is installed again
    if lxml.__version__ != _cscreen.BUILT_WITH_LXML:
        return None
    return _cscreen


ACCELERATED: ModuleType | None = _load()
