"""One naming rule for the model's fields, a hint for a mistyped keyword, a warning for a missing language."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

import iodef
from iodef.model import MODEL_CLASSES
from iodef.model._base import plural_field_name
from iodef.model._binding import plan_of


def _snake(xml_name: str) -> str:
    name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", xml_name.replace("-", "_"))
    return name.lower()


def _child_fields() -> list[tuple[str, str, str, bool]]:
    rows = []
    for cls in MODEL_CLASSES.values():
        plan = plan_of(cls)
        for spec in plan.specs:
            if spec.kind == 1:  # a child element
                rows.append((cls.__name__, spec.name, spec.xml.rpartition("}")[2], spec.many))
    return rows


@pytest.mark.parametrize(("cls", "field", "xml", "many"), _child_fields())
def test_a_list_field_has_a_plural_name_and_a_single_field_does_not(
    cls: str, field: str, xml: str, many: bool
) -> None:
    if many:
        assert field == plural_field_name(_snake(xml)), (cls, field, xml)
    else:
        assert field == _snake(xml), (cls, field, xml)


def test_the_names_the_issue_named() -> None:
    fields = iodef.Incident.model_fields
    assert "event_data_list" in fields
    assert "event_data" not in fields
    assert "indicator_data" in fields  # a single IndicatorData
    assert "node" in iodef.System.model_fields  # a single Node
    assert "addresses" in iodef.Node.model_fields


def test_a_wrong_keyword_names_the_field_it_probably_meant() -> None:
    with pytest.raises(ValidationError, match=r"System has no field 'nodes': did you mean node="):
        iodef.System(category="source", nodes=[])
    with pytest.raises(ValidationError, match=r"did you mean event_data_list="):
        iodef.Incident(purpose="reporting", event_data=[])
    with pytest.raises(ValidationError, match=r"Node has no field 'address': did you mean addresses="):
        iodef.Node(address=[])


def _document(**kwargs: object) -> iodef.IODEFDocument:
    return iodef.IODEFDocument(
        incidents=[
            iodef.Incident(
                purpose="reporting",
                incident_id=iodef.IncidentID(name="csirt.example.org", value="1"),
                generation_time=datetime(2026, 1, 1, tzinfo=UTC),
                contacts=[iodef.Contact(role="creator", type="organization")],
            )
        ],
        **kwargs,
    )


def test_building_a_document_without_lang_warns_in_python_spelling() -> None:
    with pytest.warns(iodef.IODEFWarning, match=r'lang="en"') as caught:
        _document()
    assert caught[0].filename == __file__  # the warning points at the caller, not at pydantic
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _document(lang="en")


def test_reading_a_document_without_lang_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        data = _document().to_xml()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        iodef.parse(data)
