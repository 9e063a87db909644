"""The fuzzing harness in the test run: the oracles can fail, the targets hold, findings stay fixed.

A short fixed-seed run of every target (``python -m fuzz --inputs 4000``) is a step of ``.ci/run``;
here each target runs a few dozen derandomised hypothesis examples, and every minimised finding
saved under ``fixtures/fuzz/`` by a long run is replayed.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iodef
from fuzz.mutators import mutate_document, mutate_text
from fuzz.oracles import Finding, canonical, guarded, timed
from fuzz.targets import FIXTURES, all_targets, run_document

TARGETS = all_targets()
FINDINGS = sorted((FIXTURES / "fuzz").rglob("*.input"))


# --------------------------------------------------------------------------- the oracles can fail


def test_an_exception_other_than_iodeferror_is_a_finding() -> None:
    with pytest.raises(Finding, match="raised KeyError"):
        guarded("probe", lambda: {}["missing"])
    with pytest.raises(iodef.ParseError):
        guarded("probe", lambda: iodef.parse(b"<"))


def test_a_slow_call_is_a_finding() -> None:
    def spin() -> int:
        total = 0
        for i in range(60_000_000):
            total += i
            if i % 1_000_000 == 0 and total < 0:
                break
        return total

    with pytest.raises(Finding, match="is slow"):
        timed("probe", spin, 10)


def test_canonical_sees_comments_pis_and_non_xml_spaces_but_not_prefixes() -> None:
    a = b'<r xmlns="urn:x"><a>1</a>\n  <b/></r>'
    assert canonical(a) == canonical(b'<p:r xmlns:p="urn:x"><p:a>1</p:a><p:b/></p:r>')
    assert canonical(a) != canonical(b'<r xmlns="urn:x"><a>1<!--c--></a><b/></r>')
    assert canonical(a) != canonical(b'<r xmlns="urn:x"><a>1</a><?pi?><b/></r>')
    assert canonical(a) != canonical('<r xmlns="urn:x"><a>1</a>\u00a0<b/></r>'.encode())
    assert canonical(a) != canonical(b'<!--before--><r xmlns="urn:x"><a>1</a><b/></r>')


def test_the_document_target_catches_a_lossy_round_trip(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (FIXTURES / "valid" / "minimal.xml").read_bytes()
    run_document(data)  # holds as shipped
    real_dumps = iodef.dumps

    def lossy(doc: iodef.IODEFDocument, **kwargs: object) -> bytes:
        return real_dumps(doc, **kwargs).replace(b"Example CSIRT", b"Example CSIRT ")  # type: ignore[arg-type]

    monkeypatch.setattr(iodef, "dumps", lossy)
    with pytest.raises(Finding, match=r"changed the data|not idempotent"):
        run_document(data)


def test_the_mutators_are_deterministic_and_mutate() -> None:
    data = (FIXTURES / "valid" / "every-element.xml").read_bytes()
    first = [mutate_document(random.Random(seed), data) for seed in range(20)]
    assert first == [mutate_document(random.Random(seed), data) for seed in range(20)]
    assert sum(out != data for out in first) >= 18
    text = b"#fields\tts\tuid\n1\tC1\n"
    assert {mutate_text(random.Random(seed), text) for seed in range(20)} != {text}


# --------------------------------------------------------------------------- a fixed-seed sample per target


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_every_target_has_seeds(name: str) -> None:
    assert TARGETS[name].seeds, f"{name} found no seed inputs"


def _property(name: str, examples: int):  # type: ignore[no-untyped-def]
    target = TARGETS[name]

    @settings(
        max_examples=examples,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(seed=st.sampled_from(target.seeds), rng=st.randoms(use_true_random=False))
    def holds(seed: tuple[str, bytes], rng: random.Random) -> None:
        label, data = seed
        target.run(target.mutate(rng, data), label)

    return holds


def test_document_target_holds_on_a_fixed_sample() -> None:
    _property("document", 60)()


@pytest.mark.parametrize("family", ["spam", "rat", "vms"])
def test_converter_target_holds_on_a_fixed_sample(family: str) -> None:
    _property(f"convert-{family}", 60)()


# --------------------------------------------------------------------------- findings stay fixed


@pytest.mark.parametrize("path", FINDINGS, ids=[str(p.relative_to(FIXTURES / "fuzz")) for p in FINDINGS])
def test_a_saved_finding_stays_fixed(path: Path) -> None:
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    TARGETS[meta["target"]].run(path.read_bytes(), meta["seed"])
