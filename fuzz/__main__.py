"""``python -m fuzz``: run the fuzz targets for a while and report what broke.

    python -m fuzz --inputs 4000 --seed 1           # the short run .ci/run makes
    python -m fuzz --minutes 30 --save              # a long run; findings minimised into fixtures/fuzz/
    python -m fuzz --inputs 1000000 --save          # a fixed number of inputs across the targets
    python -m fuzz --engine atheris --target document --seconds 600   # coverage-guided (atheris)

Exit status 0 when every oracle held, 1 when something broke (each distinct failure is listed once,
with the seed input it came from and the command that replays it).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import warnings
from pathlib import Path

from .minimise import minimise
from .oracles import Finding
from .runner import run, run_parallel
from .targets import FIXTURES, Target, all_targets

FINDINGS_DIR = FIXTURES / "fuzz"


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__.split("\n\n")[0])
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, help="run this long (default 60)")
    budget.add_argument("--minutes", type=float, help="run this long")
    budget.add_argument("--inputs", type=int, help="run this many inputs across the targets")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1): same seed, same inputs")
    parser.add_argument(
        "--target", action="append", dest="targets", help="a target to run (repeatable; default: all)"
    )
    parser.add_argument("--save", action="store_true", help="minimise each finding into fixtures/fuzz/")
    parser.add_argument("--engine", choices=("random", "atheris"), default="random")
    parser.add_argument(
        "--jobs", type=int, default=1, help="worker processes, each with its own seed (default 1)"
    )
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser.parse_args(argv)


def _budget(args: argparse.Namespace) -> tuple[float, int | None]:
    if args.inputs is not None:
        return float("inf"), args.inputs
    if args.minutes is not None:
        return args.minutes * 60, None
    return (args.seconds if args.seconds is not None else 60.0), None


def _save(target: Target, finding: Finding, label: str, data: bytes) -> Path:
    small = minimise(target, finding.kind, data, label)
    digest = hashlib.sha256(small).hexdigest()[:10]
    folder = FINDINGS_DIR / target.name
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{digest}.input"
    path.write_bytes(small)
    meta = {"target": target.name, "kind": finding.kind, "detail": finding.detail, "seed": label}
    path.with_suffix(".json").write_text(
        json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return path


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    warnings.simplefilter("ignore")  # the API's warnings are not findings
    targets = all_targets()
    if args.targets:
        unknown = sorted(set(args.targets) - set(targets))
        if unknown:
            print(f"unknown target(s): {', '.join(unknown)}; known: {', '.join(targets)}", file=sys.stderr)
            return 2
        targets = {name: targets[name] for name in args.targets}
    if args.engine == "atheris":
        from .atheris_engine import run_atheris

        return run_atheris(list(targets.values()), *_budget(args), seed=args.seed)
    seconds, inputs = _budget(args)
    if args.jobs > 1:
        tallies = run_parallel(list(targets), seconds, inputs, args.seed, args.jobs, args.quiet)
    else:
        tallies = run(list(targets.values()), seconds, inputs, args.seed, args.quiet)
    failures = 0
    print(f"{'target':16} {'seeds':>6} {'inputs':>9} {'inputs/s':>9} {'failures':>9}")
    for name, tally in tallies.items():
        rate = tally.inputs / tally.seconds if tally.seconds else 0.0
        seeds = len(targets[name].seeds)
        print(f"{name:16} {seeds:>6} {tally.inputs:>9} {rate:>9.0f} {len(tally.findings):>9}")
        failures += len(tally.findings)
    for name, tally in tallies.items():
        for kind, (finding, label, data) in tally.findings.items():
            where = ""
            if args.save:
                saved = _save(targets[name], finding, label, data)
                where = f" -> {saved.relative_to(FINDINGS_DIR.parent.parent)}"
            print(f"FAIL [{name}] {kind}: {finding.detail} (seed {label}){where}")
    total = sum(t.inputs for t in tallies.values())
    print(f"{total} inputs, {failures} failure(s) (seed {args.seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
