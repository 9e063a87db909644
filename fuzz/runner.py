"""Running targets on mutated seeds, in one process or several, and counting what broke."""

from __future__ import annotations

import random
import sys
import time
import warnings
from dataclasses import dataclass, field

from .oracles import Finding, harness_kind
from .targets import Target, all_targets

__all__ = ["Tally", "run", "run_parallel"]


@dataclass
class Tally:
    inputs: int = 0
    seconds: float = 0.0
    harness_errors: int = 0
    findings: dict[str, tuple[Finding, str, bytes]] = field(default_factory=dict)


#: Stacked mutations can grow an input to many MB (one of 12 MB held a worker for 20 minutes);
#: the promises under test concern inputs of a few KB, and the slow-input oracle judges only
#: those, so a larger one is mutated afresh from its seed (and cut, if that is large too).
MAX_INPUT = 1 << 20


def _bounded(target: Target, rng: random.Random, seed_data: bytes, data: bytes) -> bytes:
    for _ in range(3):
        if len(data) <= MAX_INPUT:
            return data
        data = target.mutate(rng, seed_data)
    return data[:MAX_INPUT]


def run(
    targets: list[Target], seconds: float, inputs: int | None, seed: int, quiet: bool
) -> dict[str, Tally]:
    rng = random.Random(seed)
    tallies = {t.name: Tally() for t in targets}
    start = time.monotonic()
    last_note = start
    total = 0
    active = [t for t in targets if t.seeds]
    while active:
        now = time.monotonic()
        if now - start >= seconds or (inputs is not None and total >= inputs):
            break
        target = active[total % len(active)]
        label, seed_data = rng.choice(target.seeds)
        data = target.mutate(rng, seed_data)
        if rng.random() < 0.25:
            data = target.mutate(rng, data)
        data = _bounded(target, rng, seed_data, data)
        tally = tallies[target.name]
        began = time.monotonic()
        try:
            target.run(data, label)
        except Finding as finding:
            if finding.kind not in tally.findings:
                tally.findings[finding.kind] = (finding, label, data)
                if not quiet:
                    print(f"[{target.name}] NEW: {finding}  (seed {label})", file=sys.stderr)
        except Exception as exc:  # the harness's own bug, or an IODEFError the target let through
            # kept with its input like a finding, so it can be saved, replayed and fixed
            tally.harness_errors += 1
            kind = harness_kind(exc)
            if kind not in tally.findings:
                tally.findings[kind] = (Finding(kind, f"{type(exc).__name__}: {exc}"[:300]), label, data)
                if not quiet:
                    print(f"[{target.name}] NEW: {kind}: {exc}  (seed {label})", file=sys.stderr)
        tally.seconds += time.monotonic() - began
        tally.inputs += 1
        total += 1
        if not quiet and now - last_note > 30:
            last_note = now
            print(f"... {total} inputs, {now - start:.0f} s (seed {seed})", file=sys.stderr, flush=True)
    return tallies


def _worker(job: tuple[list[str], float, int | None, int, bool]) -> dict[str, Tally]:
    names, seconds, inputs, seed, quiet = job
    warnings.simplefilter("ignore")
    targets = all_targets()
    return run([targets[n] for n in names], seconds, inputs, seed, quiet)


def run_parallel(
    names: list[str], seconds: float, inputs: int | None, seed: int, jobs: int, quiet: bool = True
) -> dict[str, Tally]:
    """Run *jobs* workers with seeds seed, seed+1, ...; their tallies are added up."""
    import multiprocessing

    share = None if inputs is None else -(-inputs // jobs)
    with multiprocessing.get_context("spawn").Pool(jobs) as pool:
        parts = pool.map(_worker, [(names, seconds, share, seed + k, quiet) for k in range(jobs)])
    tallies = {name: Tally() for name in names}
    for part in parts:
        for name, tally in part.items():
            total = tallies[name]
            total.inputs += tally.inputs
            total.seconds += tally.seconds
            total.harness_errors += tally.harness_errors
            for kind, found in tally.findings.items():
                total.findings.setdefault(kind, found)
    return tallies
