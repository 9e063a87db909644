"""STIX 2.1 both ways, with the OASIS ``stix2`` library.

:func:`to_stix` writes an IODEF document as a STIX bundle (an ``incident`` per Incident, with its
identities, indicators, observed data, threat actors, campaigns, vulnerabilities and attack
patterns, under TLP 2.0 markings); :func:`from_stix` reads one back. What STIX has no property
for travels in the ``x-iodef`` extension (:data:`EXTENSION_ID`, defined by the
``extension-definition`` object every bundle carries), so IODEF -> STIX -> IODEF loses nothing.
The mapping, class by class: docs/stix.md.
"""

from __future__ import annotations

from ._common import EXTENSION_ID, StixError, extension_definition
from ._export import to_stix
from ._import import from_stix, load_bundle

__all__ = ["EXTENSION_ID", "StixError", "extension_definition", "from_stix", "load_bundle", "to_stix"]
