"""The model's validators are built on first use, not at import; building them all eagerly still works."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import iodef
from iodef import model

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "valid"


def test_import_leaves_validators_unbuilt_and_first_use_builds_them() -> None:
    code = (
        "import iodef.model as m\n"
        "assert not m.Incident.__pydantic_complete__, 'built at import'\n"
        "assert m.Incident.model_fields['incident_id'].annotation is m.IncidentID\n"
        "inc = m.Incident(purpose='reporting', incident_id=m.IncidentID(value='1', name='a.example'),"
        " report_time='2025-01-01T00:00:00Z', generation_time='2025-01-01T00:00:00Z',"
        " contacts=[m.Contact(role='creator', type='organization')])\n"
        "assert m.Incident.__pydantic_complete__\n"
        "print(type(inc.incident_id).__name__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "IncidentID"


def test_the_eager_fallback_builds_every_class_and_documents_still_round_trip() -> None:
    model._rebuild(lazy=False)  # what an unknown pydantic version gets
    assert all(cls.__pydantic_complete__ for cls in model.MODEL_CLASSES.values())
    for path in sorted(FIXTURES.glob("*.xml"))[:5]:
        data = path.read_bytes()
        doc = iodef.parse(data)
        again = iodef.parse(iodef.dumps(doc))
        assert again == doc, path.name
        assert type(doc).model_validate(doc.model_dump()) == doc
