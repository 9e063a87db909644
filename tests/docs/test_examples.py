"""Every Python and shell example of the README and docs/ runs here, so none can rot.

Python blocks of a page run in order in one fresh interpreter and one namespace (later blocks use
what earlier ones built); a traceback names the Markdown file and line. Shell blocks run through
``bash -e -o pipefail`` with the ``iodef`` under test first on PATH; a failing command fails the
test with its output. ``console`` blocks are transcripts whose output must match. All of them run
in a fresh copy of the examples' working directory (conftest.py), against a real ``iodef serve``
standing for the peers they name (``https://peer.example/feeds/...``).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from blocks import Block, all_blocks, blocks_of, pages
from docs_env import PEER_URL, example_env

#: page -> how many of its blocks carry `<!-- not-run: ... -->`. A page that marks a block gets
#: a line here, so skipping an example is a decision someone wrote down.
NOT_RUN = {
    "README.md": 6,  # the install and test commands (they install; the second is this suite), the
    # exchange walk-through and the signature-requiring server (they start `iodef serve`, which runs
    # until stopped), the benchmarks, `mkdocs serve`
    "docs/commands/serve.md": 1,  # starts a server
    "docs/getting-started/analyst.md": 1,  # installs packages
    "docs/guides/deployment.md": 5,  # start servers (two of them need a PostgreSQL), install PostgreSQL
    "docs/validate-speed.md": 1,  # the benchmark: minutes of CPU on 10,000 documents and an 11.7 MB one
    "docs/index.md": 1,  # installs packages
}

BLOCKS = all_blocks()
TIMEOUT = 300

_RUNNER = """
import json, os, sys
blocks = json.load(sys.stdin)
namespace = {"__name__": "__main__"}
for page, line, code in blocks:
    exec(compile("\\n" * (line - 1) + code, page, "exec"), namespace)
"""


def _uses_peer(code: str) -> bool:
    return PEER_URL.search(code) is not None


def _to_peer(code: str, peer: str | None) -> str:
    return PEER_URL.sub(peer, code) if peer else code


def _run(args: list[str], workspace: Path, *, stdin: bytes, timeout: float = TIMEOUT) -> tuple[int, str]:
    proc = subprocess.run(
        args,
        input=stdin,
        cwd=workspace,
        env=example_env(workspace),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        timeout=timeout,
        check=False,
    )
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def _page_params(lang: str) -> list[object]:
    by_page: dict[str, list[Block]] = {}
    for block in BLOCKS:
        if block.lang == lang and block.not_run is None:
            by_page.setdefault(block.page, []).append(block)
    return [pytest.param(page, blocks, id=page) for page, blocks in by_page.items()]


def _block_params(lang: str) -> list[object]:
    return [pytest.param(b, id=b.id) for b in BLOCKS if b.lang == lang and b.not_run is None]


@pytest.mark.parametrize(("page", "blocks"), _page_params("python"))
def test_python_examples(
    page: str, blocks: list[Block], workspace: Path, request: pytest.FixtureRequest
) -> None:
    peer = request.getfixturevalue("peer") if any(_uses_peer(b.code) for b in blocks) else None
    payload = [(b.page, b.line, _to_peer(b.code, peer)) for b in blocks]
    status, output = _run([sys.executable, "-c", _RUNNER], workspace, stdin=json.dumps(payload).encode())
    assert status == 0, f"the Python examples of {page} failed:\n{output}"


@pytest.mark.parametrize("block", _block_params("shell"))
def test_shell_example(block: Block, workspace: Path, request: pytest.FixtureRequest) -> None:
    code = _to_peer(block.code, request.getfixturevalue("peer") if _uses_peer(block.code) else None)
    stdin = (workspace / "incident.xml").read_bytes()  # for examples that read `-`
    status, output = _run(["bash", "-e", "-o", "pipefail", "-c", code], workspace, stdin=stdin)
    assert status == 0, f"{block.id}: the example exited {status}:\n{block.code}\n--- output ---\n{output}"


def _transcript(code: str) -> list[tuple[str, list[str]]]:
    """[(command, expected output lines)] of a console block."""
    steps: list[tuple[str, list[str]]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            steps.append((line[2:], []))
        elif steps:
            steps[-1][1].append(line.rstrip())
    return steps


def _matches(expected: list[str], actual: list[str]) -> bool:
    """Line by line, where a line `...` stands for any number of lines."""
    pattern = "\n".join(".*?" if line == "..." else re.escape(line) for line in expected)
    pattern = pattern.replace("\n.*?\n", "(?:\n.*?)?\n")
    return re.fullmatch(pattern, "\n".join(actual), re.DOTALL) is not None


@pytest.mark.parametrize("block", _block_params("console"))
def test_console_transcript(block: Block, workspace: Path) -> None:
    steps = _transcript(block.code)
    assert steps, f"{block.id}: a console block needs `$ command` lines"
    for command, expected in steps:
        _status, output = _run(["bash", "-c", command], workspace, stdin=b"")
        actual = [line.rstrip() for line in output.rstrip("\n").splitlines()]
        assert _matches(expected, actual), (
            f"{block.id}: `{command}` printed\n"
            + "\n".join(actual)
            + "\n--- the page says ---\n"
            + "\n".join(expected)
        )


def _toml_blocks() -> list[object]:
    found = []
    for path in pages():
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"^```toml\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
            if "[[peers]]" in m.group(1):
                line = text.count("\n", 0, m.start()) + 2
                found.append(pytest.param(m.group(1), id=f"{path.relative_to(pages()[0].parent)}:{line}"))
    return found


def _is_client_config(text: str) -> bool:
    """A `[[peers]]` table keyed by `url` is a sender's client config (`--config`); one keyed by `name` is
    a server's peers file (`--peers`)."""
    import tomllib

    peers = tomllib.loads(text).get("peers", [])
    return bool(peers) and all(isinstance(p, dict) and "url" in p and "name" not in p for p in peers)


@pytest.mark.parametrize("text", _toml_blocks())
def test_peers_files_in_the_docs_load(text: str, tmp_path: Path) -> None:
    """A peers file shown in the docs is one `iodef serve --peers` accepts, a client config with
    `[[peers]]` one `iodef send --config` accepts."""
    from iodef.exchange.config import load_server_config
    from iodef.exchange.credentials import load_client_config

    path = tmp_path / "peers.toml"
    path.write_text(text, encoding="utf-8")
    config = load_client_config(path) if _is_client_config(text) else load_server_config(path)
    assert config.peers


def test_skipped_blocks_are_exactly_the_documented_ones() -> None:
    counted = Counter(b.page for b in BLOCKS if b.not_run is not None)
    assert dict(counted) == NOT_RUN


def test_there_are_examples_to_run() -> None:
    """The collector sees the README's examples (a broken fence parser would make every test vacuous)."""
    readme = blocks_of(pages()[0])
    assert Counter(b.lang for b in readme if b.not_run is None) >= Counter(
        {"python": 4, "shell": 2, "console": 1}
    )


def test_the_collector_reads_markers_and_languages(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# t\n\n```python\nx = 1\n```\n\n<!-- not-run: needs a peer -->\n```sh\niodef send\n```\n\n"
        "```toml\na = 1\n```\n\n```console\n$ iodef --help\n...\n```\n",
        encoding="utf-8",
    )
    import blocks as blocks_module

    original = blocks_module.ROOT
    blocks_module.ROOT = tmp_path
    try:
        found = blocks_of(page)
    finally:
        blocks_module.ROOT = original
    assert [(b.lang, b.line, b.not_run) for b in found] == [
        ("python", 4, None),
        ("shell", 9, "needs a peer"),
        ("console", 17, None),
    ]


def test_transcripts_fail_on_different_output() -> None:
    assert _matches(["a", "...", "z"], ["a", "b", "c", "z"])
    assert _matches(["a", "...", "z"], ["a", "z"])
    assert not _matches(["a", "...", "z"], ["a", "b", "y"])
    assert not _matches(["a", "b"], ["a", "b", "c"])


def test_the_readme_test_command_is_what_ci_runs() -> None:
    readme = next(b for b in blocks_of(pages()[0]) if "python -m pytest" in b.code)
    ci = (pages()[0].parent / ".ci" / "run").read_text(encoding="utf-8")
    for step in ("pip install -e '.[test]'", "python -m pytest"):
        assert step in readme.code
        assert step.replace("pip install -e", "pip install --quiet -e") in ci or step in ci
