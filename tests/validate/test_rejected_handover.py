"""A worker's findings on a document libxml2 rejects, explained by another process, give check()'s report.

``iodef validate`` with workers sends the main process, for such a document, libxml2's log and the
rule issues; the main process parses it again and only explains it (xmlschema is loaded there
alone). The report must be the one :func:`iodef.validate.check` gives, whatever the document.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from iodef import IODEFError
from iodef.validate import Report, _explain_rejected, _quick_check, _Rejected, check
from tests.conftest import FIXTURES


def _rejected(path: Path) -> bool:
    try:
        return not check(path).valid
    except IODEFError:  # not readable XML: nothing to explain
        return False


INVALID = sorted(p for p in FIXTURES.rglob("*.xml") if "hostile" not in p.parts and _rejected(p))


def test_there_are_invalid_fixtures() -> None:
    assert len(INVALID) >= 20


@pytest.mark.parametrize("profile", ["rfc7970", "rfc7970-errata"])
@pytest.mark.parametrize("path", INVALID, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_handed_over_report_is_checks_report(path: Path, profile: str) -> None:
    want = check(path, profile=profile)
    quick = _quick_check(path, profile=profile)
    if not isinstance(quick, _Rejected):
        assert quick == want  # rule-only findings, common single errors and floods: whole here
        return
    sent = pickle.loads(pickle.dumps(quick))  # what crosses the process boundary
    assert _explain_rejected(path, sent) == want


def test_a_file_changed_after_the_worker_read_it_is_not_explained_from_stale_findings(tmp_path: Path) -> None:
    bad = next(p for p in INVALID if isinstance(_quick_check(p), _Rejected))
    doc = tmp_path / "d.xml"
    doc.write_bytes(bad.read_bytes())
    quick = _quick_check(doc)
    assert isinstance(quick, _Rejected)
    doc.write_bytes((FIXTURES / "valid" / "minimal.xml").read_bytes())
    assert _explain_rejected(doc, quick) is None  # the caller checks it again whole


def test_a_flood_of_errors_is_reported_where_it_was_found() -> None:
    # more errors than a report lists: libxml2's log is the report, no xmlschema is needed
    doc = (FIXTURES / "valid" / "minimal.xml").read_text(encoding="utf-8")
    attrs = " ".join(f'a{i}="1"' for i in range(300))
    flood = doc.replace("<ContactName>", f"<ContactName {attrs}>").encode()
    quick = _quick_check(flood)
    assert isinstance(quick, Report)
    assert not quick.valid
    assert quick == check(flood)
    assert quick.issues[-1].rule == "report-limit"
