"""The §5.1.1 table the validator carries (``rules/_ext_pairs.py``) is the model's own."""

from __future__ import annotations

import subprocess
import sys

from iodef.model import IODEFDocument, IODEFModel
from iodef.model._binding import plan_of
from iodef.validate.rules._ext_pairs import EXT_PAIRS

NS = "urn:ietf:params:xml:ns:iodef-2.0"


def _from_the_model() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    seen: set[type[IODEFModel]] = set()
    todo: list[tuple[str, type[IODEFModel]]] = [(f"{{{NS}}}IODEF-Document", IODEFDocument)]
    while todo:
        tag, cls = todo.pop()
        plan = plan_of(cls)
        pairs = {xml for _n, xml, _en, _ex in plan.ext_pairs}
        if pairs:
            table.setdefault(tag, set()).update(pairs)
        if cls in seen:
            continue
        seen.add(cls)
        for spec in plan.child_list:
            if spec.model is not None:
                todo.append((spec.xml, spec.model))
    return {tag: frozenset(v) for tag, v in table.items()}


def test_the_written_out_table_is_the_models() -> None:
    assert _from_the_model() == EXT_PAIRS


def test_checking_an_ext_value_document_does_not_import_the_model() -> None:
    code = (
        "import sys\n"
        "from iodef.validate import check\n"
        "doc = open('fixtures/valid/minimal.xml', encoding='utf-8').read()\n"
        "doc = doc.replace('<Incident purpose=\"reporting\"', "
        '\'<Incident purpose="ext-value" ext-purpose="triage"\', 1)\n'
        "assert 'ext-purpose' in doc, 'the fixture changed'\n"
        "report = check(doc)\n"
        "assert 'iodef.model' not in sys.modules, 'the model was imported'\n"
        "print(report.valid)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
