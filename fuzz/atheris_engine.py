"""Coverage-guided fuzzing with atheris (``pip install atheris``), through the same targets and mutators.

libFuzzer keeps a corpus of inputs that reached new code; our structure-aware mutators replace its
byte mutations (``custom_mutator``), so coverage guides edits that keep inputs well-formed.
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from .oracles import Finding
from .targets import Target


def run_atheris(targets: list[Target], seconds: float, inputs: int | None, seed: int) -> int:
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: pip install atheris (or use --engine random)", file=sys.stderr)
        return 2
    if len(targets) != 1:
        print("--engine atheris runs one target at a time: name it with --target", file=sys.stderr)
        return 2
    (target,) = targets
    with atheris.instrument_imports(include=["iodef"]):
        import iodef.convert
        import iodef.validate  # noqa: F401

    seeds = [data for _label, data in target.seeds]
    labels = [label for label, _data in target.seeds]

    def one_input(data: bytes) -> None:
        label = labels[hash(data) % len(labels)] if labels else ""
        try:
            target.run(data, label)
        except Finding:
            raise
        except Exception:
            return  # an IODEFError: the input was refused, as it may be

    def mutator(data: bytes, max_size: int, mutation_seed: int) -> bytes:
        rng = random.Random(mutation_seed)
        base = data if data and rng.random() < 0.8 else rng.choice(seeds)
        return target.mutate(rng, base)[:max_size]

    artifacts = Path(tempfile.gettempdir()) / "iodef-fuzz-"
    argv: list[Any] = [sys.argv[0], f"-seed={seed}", "-max_len=262144", f"-artifact_prefix={artifacts}"]
    print(f"libFuzzer writes a crashing input to {artifacts}*", file=sys.stderr)
    if seconds != float("inf"):
        argv.append(f"-max_total_time={int(seconds)}")
    if inputs is not None:
        argv.append(f"-runs={inputs}")
    atheris.Setup(argv, one_input, custom_mutator=mutator)
    atheris.Fuzz()
    return 0
