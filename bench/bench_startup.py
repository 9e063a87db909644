"""Start-up time of the ``iodef`` command: wall and CPU time of short runs, side by side.

    python bench/bench_startup.py                          # this checkout's iodef
    python bench/bench_startup.py --before /path/to/other/venv/bin/iodef --repeat 20

Each command runs ``--repeat`` times; with ``--before``, the two programs alternate run by run so
that a busy machine slows both alike, and the table gives the ratio of the medians. CPU time
(user + system of the child) is steadier than wall time when other work shares the cores.
``python -X importtime`` shows where the time goes, e.g.::

    python -X importtime -m iodef.cli.main --help 2>&1 >/dev/null | sort -t'|' -k2 -n | tail
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONE = str(ROOT / "fixtures" / "valid" / "minimal.xml")

COMMANDS: list[list[str]] = [
    ["--help"],
    ["--version"],
    ["validate", ONE],
    ["fmt", ONE],  # reads into the model: pays for importing it
    ["validate", "--help"],
    ["pull", "--help"],
    ["convert", "--help"],
]


def run_once(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    here = Path(sys.executable).parent / "iodef"
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--after", default=str(here), help="the iodef program to time (default: %(default)s)")
    parser.add_argument("--before", help="another iodef program to compare with")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        help="time only the commands whose words contain this (repeatable)",
    )
    args = parser.parse_args()
    programs = {"after": args.after} | ({"before": args.before} if args.before else {})
    env_note = f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    print(f"# {args.repeat} runs each, {env_note}; median (min) in seconds")
    baseline = [run_once([sys.executable, "-c", "pass"]) for _ in range(args.repeat)]
    print(f"python -c pass: wall {statistics.median(w for w, _ in baseline):.3f}")
    header = f"{'command':<34}" + "".join(f"{name + ' wall':>20}{name + ' cpu':>18}" for name in programs)
    print(header + ("   ratio wall / cpu" if args.before else ""))
    for command in COMMANDS:
        label = " ".join(c if c != ONE else "one.xml" for c in command)
        if args.only and not any(word in label for word in args.only):
            continue
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in programs}
        for _ in range(args.repeat):
            for name, program in programs.items():
                times[name].append(run_once([program, *command]))
        row = f"iodef {label:<28}"
        medians: dict[str, tuple[float, float]] = {}
        for name in programs:
            walls = [w for w, _ in times[name]]
            cpus = [c for _, c in times[name]]
            medians[name] = (statistics.median(walls), statistics.median(cpus))
            row += f"{medians[name][0]:>12.3f} ({min(walls):.3f}){medians[name][1]:>10.3f} ({min(cpus):.3f})"
        if args.before:
            wall_ratio = medians["after"][0] / medians["before"][0]
            cpu_ratio = medians["after"][1] / medians["before"][1]
            row += f"   {wall_ratio:.2f} / {cpu_ratio:.2f}"
        print(row)


if __name__ == "__main__":
    main()
