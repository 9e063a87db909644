"""Check that two iodef installations give byte-identical ``iodef validate`` output.

    python bench/compare_validate.py OLD_IODEF NEW_IODEF PATH [PATH ...]

Runs ``iodef validate --format json`` (and the text format) of both commands over the same
paths, under both profiles, with the default worker count and with ``--jobs 1``, and compares
stdout and the exit code byte for byte. Used to show that a speed-up changed no verdict and no
report (e.g. an older checkout's ``.venv/bin/iodef`` against this one's).
"""

from __future__ import annotations

import subprocess
import sys


def main() -> int:
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    old, new, *paths = sys.argv[1:]
    failed = 0
    for profile in ("rfc7970", "rfc7970-errata"):
        for fmt in ("json", "text"):
            for jobs in ([], ["--jobs", "1"]):
                args = ["validate", "--profile", profile, "--format", fmt, *jobs, *paths]
                a = subprocess.run([old, *args], capture_output=True, check=False)
                b = subprocess.run([new, *args], capture_output=True, check=False)
                same = a.stdout == b.stdout and a.returncode == b.returncode
                lines = a.stdout.count(b"\n")
                verdict = "same" if same else "DIFFERENT"
                print(f"{verdict}: {' '.join(args[:7])} ({lines} lines, exit {a.returncode})")
                failed += not same
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
