"""The layers point down: the import-linter contract in pyproject.toml, and the CLI on top of it all."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _module_name(path: Path) -> str:
    return ".".join(("iodef", *path.relative_to(ROOT / "iodef").with_suffix("").parts))


def _imports(source: str, module: str, is_package: bool = False) -> set[str]:
    """Every module *source* imports, at module level or inside a function, as absolute names."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            if node.level:
                base = base[: len(base) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_nothing_in_the_library_imports_the_cli() -> None:
    offenders = {
        str(path.relative_to(ROOT))
        for path in (ROOT / "iodef").rglob("*.py")
        if any(
            name == "iodef.cli" or name.startswith("iodef.cli.")
            for name in _imports(
                path.read_text(encoding="utf-8"), _module_name(path), path.name == "__init__.py"
            )
        )
    }
    assert not offenders, f"library modules import the CLI (layer 8): {sorted(offenders)}"


def test_the_scan_sees_a_lazy_import_inside_a_function() -> None:
    # the checker above must be able to fail: an import inside a function counts
    assert "iodef.cli" in _imports("def f():\n    from ..cli import main\n", "iodef.convert.spam")
    assert "iodef.cli.main" in _imports("import iodef.cli.main\n", "iodef.xml")


def test_the_contract_names_every_layer_of_the_architecture() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    layers = [layer.replace(" ", "") for layer in contract["layers"]]
    order = [
        next(i for i, layer in enumerate(layers) if name in layer.split(":") or name in layer.split("|"))
        for name in (
            "iodef.exchange",
            "iodef.convert",
            "iodef.validate",
            "iodef.xml",
            "iodef.model",
            "iodef.safexml",
            "iodef.errors",
        )
    ]
    assert order == sorted(order), layers


def test_the_import_linter_contract_is_kept() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports"))], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
