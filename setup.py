"""Builds the optional C accelerators (iodef works without them): the validator's rule screen,
the Windows JSON reader's line check, the CSV feeds' row split and the Zeek TSV reader's loop over
rdp.log lines.

Everything else about the package is in pyproject.toml. The extensions are compiled when Cython,
lxml (for its C API headers) and a C compiler are there; otherwise, or if compiling fails, the
package installs without them: the rule screen walks the tree in Python, the Windows reader
decodes each line with json.loads, the CSV feeds read every row with the csv module and the Zeek
reader reads each line in Python.
"""

from __future__ import annotations

from typing import Any

from setuptools import Extension, setup


def _extensions() -> list[Any]:
    try:
        import lxml
        from Cython.Build import cythonize
    except ImportError:
        return []
    ext = Extension(
        "iodef.validate.rules._cscreen",
        ["iodef/validate/rules/_cscreen.pyx"],
        include_dirs=lxml.get_include(),
        # the walk reads lxml's and libxml2's structures: iodef uses it only beside this lxml
        define_macros=[("IODEF_BUILT_WITH_LXML", f'"{lxml.__version__}"')],
        optional=True,
    )
    evtx = Extension("iodef.convert.readers._cevtx", ["iodef/convert/readers/_cevtx.pyx"], optional=True)
    csv = Extension("iodef.convert.readers._ccsv", ["iodef/convert/readers/_ccsv.pyx"], optional=True)
    zeek = Extension("iodef.convert.readers._czeek", ["iodef/convert/readers/_czeek.pyx"], optional=True)
    return list(cythonize([ext, evtx, csv, zeek], language_level=3, quiet=True))


setup(ext_modules=_extensions())
