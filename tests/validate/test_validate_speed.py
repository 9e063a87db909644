"""What the speed work must not change: paths, verdicts and reports, with workers by default."""

from __future__ import annotations

from pathlib import Path

import pytest
from iodef.cli import validate as cli_validate
from iodef.cli.main import app
from lxml import etree
from typer.testing import CliRunner

from iodef._tree import element_path
from iodef.errors import ParseError
from iodef.validate._paths import ElementPaths
from iodef.xml import parse_xml
from tests.conftest import FIXTURES

runner = CliRunner()
DOCUMENTS = sorted(FIXTURES.rglob("*.xml"))


def test_element_paths_are_element_path_on_every_fixture() -> None:
    checked = 0
    for path in DOCUMENTS:
        try:
            root = parse_xml(path.read_bytes())
        except ParseError:
            continue
        paths = ElementPaths()
        everything = list(root.iter())
        # in reverse too: a path asked for before its parent's must come out the same
        for el in [*reversed(everything), *everything]:
            assert paths(el) == element_path(el), (path, el)
        checked += len(everything)
    assert checked > 1000


def test_element_paths_number_only_repeated_names() -> None:
    root = etree.XML("<a><b/><c/><b/><!-- x --><d><b/></d></a>")
    paths = ElementPaths()
    assert [paths(el) for el in root.iter()] == [
        "/a",
        "/a/b[1]",
        "/a/c",
        "/a/b[2]",
        "/a/node()",
        "/a/d",
        "/a/d/b",
    ]


def test_many_files_use_one_worker_per_cpu_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_validate, "_cpus", lambda: 3)
    assert cli_validate.default_jobs(cli_validate._PARALLEL_MIN_FILES, None) == 3
    assert cli_validate.default_jobs(cli_validate._PARALLEL_MIN_FILES - 1, None) == 1
    assert cli_validate.default_jobs(10_000, 1) == 1
    assert cli_validate.default_jobs(2, 4) == 4


def test_the_default_run_reports_as_one_process_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Enough files for workers: the same lines in the same order as with --jobs 1."""
    args = [str(FIXTURES / "validate"), str(FIXTURES / "invalid"), str(FIXTURES / "valid")]
    files = [p for a in args for p in sorted(Path(a).rglob("*.xml"))]
    assert len(files) >= cli_validate._PARALLEL_MIN_FILES
    used: list[int] = []
    real = cli_validate._checked

    def spy(jobs, profile, strict, rules, n_jobs):  # type: ignore[no-untyped-def]
        used.append(n_jobs)
        return real(jobs, profile, strict, rules, n_jobs)

    monkeypatch.setattr(cli_validate, "_checked", spy)
    monkeypatch.setattr(cli_validate, "_cpus", lambda: 2)
    default = runner.invoke(app, ["validate", *args])
    one = runner.invoke(app, ["validate", "--jobs", "1", *args])
    assert used == [2, 1]
    assert default.exit_code == one.exit_code == 1
    assert default.stdout == one.stdout


def _whole_subtree(target, decl, schema, profile):  # type: ignore[no-untyped-def]
    for error in decl.iter_errors(target):
        yield error, None


_EVENT = (
    "<EventData><Description>e</Description><Flow><System category='source'><Node>"
    "<Address category='ipv4-addr'>192.0.2.{n}</Address></Node>"
    "<Service ip-protocol='6'><Port>{port}</Port></Service></System></Flow></EventData>"
)


def _mutants() -> list[str]:
    minimal = (FIXTURES / "valid" / "minimal.xml").read_text("utf-8")
    events = "".join(_EVENT.format(n=n, port=22) for n in range(1, 6))
    base = minimal.replace("</Contact>", "</Contact>" + events)
    out = []
    laters = [
        ("", ""),
        ("<Port>", "<Port>x"),
        ("<Address category='ipv4-addr'>", "<Address category='ipv4-addr' bad='1'>"),
        ("<Node>", "<Node><Bogus/>"),
    ]
    for before in ("", "<Phone>1</Phone>", "<EventData><Bogus/></EventData>", "<Telephone a='1'/>", "text"):
        for old, new in laters:
            doc = base.replace("<Contact ", before + "<Contact ", 1) if before else base
            if old:
                i = doc.rindex(old)
                doc = doc[:i] + new + doc[i + len(old) :]
            out.append(doc.replace("</Incident>", "<!-- c --><?pi x?></Incident>"))
    return out


@pytest.mark.parametrize("profile", ["rfc7970", "rfc7970-errata"])
def test_explaining_by_subtree_reports_as_the_whole_run(
    monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    """The stub-and-children explanation gives the issues xmlschema's whole-subtree run gives."""
    from iodef.validate import check, xsd

    sources: list[bytes | Path] = [
        p for p in DOCUMENTS if p.parts[len(FIXTURES.parts)] in ("invalid", "validate", "hostile")
    ]
    sources += [m.encode() for m in _mutants()]
    fast: list[object] = []
    for source in sources:
        try:
            fast.append(check(source, profile=profile).issues)
        except ParseError:
            fast.append(None)
    monkeypatch.setattr(xsd, "_subtree_errors", _whole_subtree)
    for source, got in zip(sources, fast, strict=True):
        try:
            want = check(source, profile=profile).issues
        except ParseError:
            want = None
        assert got == want, source


def test_the_byte_search_for_id_references_misses_none() -> None:
    """Where the tree has an IDREF or IndicatorID, the byte search finds it too (it may find more)."""
    from iodef.validate.xsd import _needs_id_check

    found = 0
    for path in DOCUMENTS:
        data = path.read_bytes()
        try:
            root = parse_xml(data)
        except ParseError:
            continue
        if _needs_id_check(root):
            found += 1
            assert _needs_id_check(root, data), path
    utf16 = (FIXTURES / "valid" / "minimal.xml").read_text("utf-8").replace("UTF-8", "UTF-16")
    data = utf16.replace("</Incident>", "<IndicatorData/></Incident>").encode("utf-16")
    assert _needs_id_check(parse_xml(data), data) is False  # answered from the tree: no IDREF
    assert found > 3
