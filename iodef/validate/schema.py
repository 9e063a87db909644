"""The bundled XSDs (package ``iodef.schemas``), loaded offline for xmlschema and for lxml.

RFC 7970's schema imports four remote locations; each is mapped to a file shipped in the wheel
(see ``schemas/SOURCES.md``). Nothing is ever fetched from the network.
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path
from typing import Any, Final

from lxml import etree

__all__ = ["IMPORT_MAP", "lxml_schema", "schema_dir", "xmlschema_schema"]

IMPORT_MAP: Final[dict[str, tuple[str, str]]] = {
    # schemaLocation in iodef-2.0.xsd -> (namespace, bundled file)
    "http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd": (
        "http://www.w3.org/2000/09/xmldsig#",
        "xmldsig-core-schema.xsd",
    ),
    "http://www.iana.org/assignments/xml-registry/schema/iodef-enum-1.0.xsd": (
        "urn:ietf:params:xml:ns:iodef-enum-1.0",
        "iodef-enum-1.0.xsd",
    ),
    "http://www.iana.org/assignments/xml-registry/schema/iodef-sci-1.0.xsd": (
        "urn:ietf:params:xml:ns:iodef-sci-1.0",
        "iodef-sci-1.0.xsd",
    ),
    "http://www.w3c.org/2001/xml.xsd": ("http://www.w3.org/XML/1998/namespace", "xml.xsd"),
    "http://www.w3.org/2001/xml.xsd": ("http://www.w3.org/XML/1998/namespace", "xml.xsd"),
    "http://www.w3.org/2009/01/xml.xsd": ("http://www.w3.org/XML/1998/namespace", "xml.xsd"),
}


@functools.cache
def schema_dir() -> Path:
    """The directory holding the bundled schema files."""
    path = Path(str(resources.files("iodef.schemas")))
    if not (path / "iodef-2.0.xsd").is_file():  # pragma: no cover - broken installation
        raise FileNotFoundError(f"the bundled IODEF schemas are missing from {path}")
    return path


class _LocalResolver(etree.Resolver):  # type: ignore[misc]
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:
        target = IMPORT_MAP.get(system_url)
        if target is not None:
            return self.resolve_filename(str(schema_dir() / target[1]), context)
        return None


def _schema_parser() -> etree.XMLParser:
    parser = etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)
    parser.resolvers.add(_LocalResolver())
    return parser


@functools.cache
def lxml_schema(name: str = "iodef-2.0.xsd") -> etree.XMLSchema:
    """A compiled libxml2 schema for a bundled XSD (imports resolved to bundled files)."""
    doc = etree.parse(str(schema_dir() / name), _schema_parser())
    return etree.XMLSchema(doc)


@functools.cache
def xmlschema_schema(name: str = "iodef-2.0.xsd") -> Any:
    """An ``xmlschema.XMLSchema10`` for a bundled XSD, built offline."""
    import xmlschema

    base = schema_dir()
    locations = sorted({(ns, str(base / file)) for ns, file in IMPORT_MAP.values()})
    return xmlschema.XMLSchema10(str(base / name), locations=locations, allow="local")
