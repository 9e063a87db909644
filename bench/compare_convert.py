"""Convert the same inputs with this tree and an earlier checkout; compare the documents (C14N 2.0).

A check for speed work on the converters, whose output must not change: every real sample in
``../shared/samples`` (family, reader and column mapping from ``tests/convert/test_real_samples.py``)
and any further files given (e.g. the inputs ``bench_convert.py --keep DIR`` left) are converted by
``iodef convert`` of both trees, with a fixed ``--generation-time``; the documents are compared
canonically, and so are the exit code and the summary line.

    python bench/compare_convert.py --baseline DIR [--input FAMILY:READER:FILE ...]

DIR is a checkout of the earlier commit (``git worktree add --detach DIR main``); its ``cli/``
and ``schemas/`` must be importable as ``iodef.cli``/``iodef.schemas`` (symlink them into
``DIR/iodef``). Exits 1 when any input differs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "samples"
FIXED = ["--name", "compare.example", "--generation-time", "2026-01-01T00:00:00Z", "--skip-bad"]


def _samples() -> list[tuple[str, str, Path, list[str]]]:
    sys.path.insert(0, str(ROOT))
    from tests.convert.test_real_samples import EXPECTED

    cases = []
    for rel, want in sorted(EXPECTED.items()):
        extra = ["--from", want.reader]
        if want.columns:
            extra += ["--columns", want.columns]
        if want.time_format:
            extra += ["--time-format", want.time_format]
        cases.append((rel, want.family, SAMPLES / rel, extra))
    return cases


def _run(cmd: list[str], out: Path) -> tuple[int, str, bytes | None]:
    proc = subprocess.run([*cmd, "-o", str(out)], capture_output=True, text=True, check=False)
    summary = [line for line in proc.stderr.splitlines() if "record(s) read" in line]
    doc = None
    if out.exists():
        doc = etree.canonicalize(from_file=str(out)).encode()
        out.unlink()
    return proc.returncode, "\n".join(summary), doc


def _mask(doc: bytes | None) -> bytes | None:
    if doc is None:
        return None
    today = datetime.now(UTC).strftime("%Y-%m-%d").encode()
    doc = re.sub(rb"%sT\d\d:\d\d:\d\dZ" % today, b"NOW", doc)
    return re.sub(rb">(spam|rat|vms)-[0-9a-f]{24}<", rb">\1-ID<", doc)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("--input", action="append", default=[], help="FAMILY:READER:FILE (READER may be empty)")
    args = ap.parse_args()
    iodef_cmd = shutil.which("iodef", path=os.path.dirname(sys.executable)) or "iodef"
    launcher = (
        f"import sys; sys.path.insert(0, {str(args.baseline)!r}); sys.argv[0] = 'iodef'; "
        "from iodef.cli.main import main; main()"
    )
    cases = _samples() if SAMPLES.is_dir() else []
    for spec in args.input:
        family, reader, path = spec.split(":", 2)
        cases.append((path, family, Path(path), ["--from", reader] if reader else []))
    work = Path(tempfile.mkdtemp(prefix="iodef-compare-"))
    differ = 0
    try:
        for label, family, path, extra in cases:
            convert = ["convert", family, str(path), *extra, *FIXED]
            new = _run([iodef_cmd, *convert], work / "new.xml")
            old = _run([sys.executable, "-c", launcher, *convert], work / "old.xml")
            same = new == old
            note = ""
            if not same and new[2] is not None and new != _run([iodef_cmd, *convert], work / "new.xml"):
                # the input has no times of its own and the converter reads the clock: compare
                # with the clock's times and the IDs made from them masked
                same = (new[0], new[1], _mask(new[2])) == (old[0], old[1], _mask(old[2]))
                note = ", clock times masked"
            differ += not same
            docs = "no document" if new[2] is None else f"{len(new[2]):,} bytes canonical"
            print(f"{'same' if same else 'DIFFERENT'}: {label} (exit {new[0]}, {docs}{note})")
            if not same:
                print(f"    new: exit {new[0]} {new[1]}\n    old: exit {old[0]} {old[1]}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{len(cases) - differ} of {len(cases)} inputs give the same documents")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
