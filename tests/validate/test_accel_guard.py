"""The compiled walk is used only beside the lxml it was compiled against."""

from __future__ import annotations

import os

import lxml
import pytest

from iodef.validate.rules import _accel


def test_the_walk_is_used_only_with_the_lxml_it_was_built_for(monkeypatch: pytest.MonkeyPatch) -> None:
    try:
        from iodef.validate.rules import _cscreen
    except ImportError:
        if os.environ.get("CI"):
            raise
        pytest.skip("the compiled walk is not built here")
    monkeypatch.delenv("IODEF_PURE_PYTHON", raising=False)
    assert lxml.__version__ == _cscreen.BUILT_WITH_LXML  # setup.py recorded the version
    assert _accel._load() is _cscreen
    monkeypatch.setattr(_cscreen, "BUILT_WITH_LXML", "0.0-another")
    assert _accel._load() is None
    monkeypatch.setenv("IODEF_PURE_PYTHON", "1")
    monkeypatch.setattr(_cscreen, "BUILT_WITH_LXML", lxml.__version__)
    assert _accel._load() is None
