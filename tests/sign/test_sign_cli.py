"""`iodef sign` and `iodef verify` through Typer's runner, and the docs page's example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import trustme
from iodef.cli.main import app
from typer.testing import CliRunner

from tests.conftest import FIXTURES, ROOT, canonical

runner = CliRunner()


@pytest.fixture(scope="module")
def pem(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("cli-pki")
    ca = trustme.CA()
    leaf = ca.issue_cert("csirt.example", common_name="CSIRT signer")
    paths = {"ca": base / "ca.pem", "key": base / "key.pem", "cert": base / "cert.pem"}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    leaf.private_key_pem.write_to_path(str(paths["key"]))
    leaf.cert_chain_pems[0].write_to_path(str(paths["cert"]))
    return paths


def test_sign_then_verify_with_a_pinned_certificate_and_with_a_ca(
    pem: dict[str, Path], tmp_path: Path
) -> None:
    sources = [FIXTURES / "valid" / "minimal.xml", FIXTURES / "valid" / "every-element.xml"]
    out = tmp_path / "signed"
    signed = runner.invoke(
        app,
        ["sign", "--key", str(pem["key"]), "--cert", str(pem["cert"]), "-o", str(out), *map(str, sources)],
    )
    assert signed.exit_code == 0, signed.stderr
    files = sorted(out.iterdir())
    assert [f.name for f in files] == ["every-element.xml", "minimal.xml"]
    pinned = runner.invoke(app, ["verify", "--cert", str(pem["cert"]), *map(str, files)])
    assert pinned.exit_code == 0, pinned.stderr
    assert pinned.stderr.count("signed by CN=CSIRT signer") == 2
    data = tmp_path / "data"
    by_ca = runner.invoke(
        app, ["verify", "--ca", str(pem["ca"]), "--subject", "CSIRT signer", "-o", str(data), str(files[1])]
    )
    assert by_ca.exit_code == 0, by_ca.stderr
    assert canonical((data / "minimal.xml").read_bytes()) == canonical(sources[0].read_bytes())


def test_verify_names_each_bad_document_and_goes_on(pem: dict[str, Path], tmp_path: Path) -> None:
    signed = runner.invoke(app, ["sign", "--key", str(pem["key"]), "--cert", str(pem["cert"]), "-"],
                           input=(FIXTURES / "valid" / "minimal.xml").read_bytes())  # fmt: skip
    assert signed.exit_code == 0
    good = tmp_path / "good.xml"
    good.write_bytes(signed.stdout_bytes)
    bad = tmp_path / "bad.xml"
    bad.write_bytes(signed.stdout_bytes.replace(b"2026-0001", b"2026-0002"))
    result = runner.invoke(app, ["verify", "--cert", str(pem["cert"]), str(bad), str(good)])
    assert result.exit_code == 1
    assert f"iodef verify: {bad}: signature verification failed" in result.stderr
    assert f"{good}: signed by CN=CSIRT signer" in result.stderr


def test_verify_wants_exactly_one_kind_of_trust(pem: dict[str, Path]) -> None:
    doc = str(FIXTURES / "valid" / "minimal.xml")
    assert runner.invoke(app, ["verify", doc]).exit_code == 2
    assert runner.invoke(app, ["verify", "--ca", str(pem["ca"]), doc]).exit_code == 2
    assert (
        runner.invoke(app, ["verify", "--cert", str(pem["cert"]), "--ca", str(pem["ca"]), doc]).exit_code == 2
    )


def test_sign_reports_an_unreadable_key_as_io(tmp_path: Path, pem: dict[str, Path]) -> None:
    doc = str(FIXTURES / "valid" / "minimal.xml")
    result = runner.invoke(
        app, ["sign", "--key", str(tmp_path / "nope.pem"), "--cert", str(pem["cert"]), doc]
    )
    assert result.exit_code == 3
    assert "cannot read" in result.stderr


def test_the_python_examples_in_the_docs_run(pem: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    page = ROOT / "docs" / "signatures.md"
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    assert blocks
    monkeypatch.chdir(pem["key"].parent)
    (pem["key"].parent / "minimal.xml").write_bytes((FIXTURES / "valid" / "minimal.xml").read_bytes())
    for block in blocks:
        exec(compile(block, str(page), "exec"), {})
