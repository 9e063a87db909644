"""The fuzzing harness of iodef: mutated documents and converter inputs, checked against oracles.

Run it as ``python -m fuzz`` from the repository root (``--help`` lists the options): a short
run with a fixed seed is part of ``.ci/run``; a long run on demand (``--minutes 30``) saves each
distinct failure, minimised, under ``fixtures/fuzz/<target>/``, where
``tests/fuzz/test_fuzz_regressions.py`` replays it on every test run.

The oracles (:mod:`fuzz.oracles`): only :class:`iodef.IODEFError` escapes the public API;
``dumps(parse(x))`` is re-readable and idempotent; the data survive the round trip (compared
prefix-blind, comments and processing instructions included); ``check(x)`` and
``check(dumps(parse(x)))`` agree; every converter output passes ``iodef validate``; no input of a
few KB takes more than a second.

Inputs come from seeds (the project's fixtures and ``../shared/samples``) through the mutators of
:mod:`fuzz.mutators`: structure-aware ones that edit the XML tree (drop, repeat, move or swap
elements; odd text, attribute values and white space; comments and PIs in odd places; other
namespace prefixes) and line/byte-level ones for the converters' text formats. With atheris
installed, ``--engine atheris`` lets coverage guide the same mutators.
"""
