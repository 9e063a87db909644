"""A hypothesis helper shared by the tests of the compiled readers: one random edit of a line."""

from __future__ import annotations

from hypothesis import strategies as st


def mutated(draw: st.DrawFn, text: str, alphabet: str) -> str:
    """*text* as it is, or with one character dropped, one of *alphabet* inserted, or a run of up to
    40 characters repeated: the small damage a compiled reader must decline or read exactly as the
    Python path does."""
    edit = draw(st.integers(0, 3))
    if not edit or not text:
        return text
    at = draw(st.integers(0, len(text) - 1))
    if edit == 1:
        return text[:at] + text[at + 1 :]
    if edit == 2:
        return text[:at] + draw(st.sampled_from(list(alphabet))) + text[at:]
    return text[:at] + text[at : at + draw(st.integers(1, 40))] + text[at:]
