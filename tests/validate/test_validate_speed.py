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
