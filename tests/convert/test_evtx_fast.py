"""The compiled check of evtx_dump lines (``_cevtx``) reads what json.loads reads, or declines.

The Windows JSON reader tries ``_cevtx.event`` on each line and decodes the line with
``json.loads`` when it answers ``None``, and picks an event's values with ``_cevtx.values``
instead of ``windows._values``. Here the reader is run both ways on the real samples and on many
generated and mutated lines (duplicate keys, escapes, odd numbers, nesting, broken JSON): the
rows and the errors must be the same. Under ``CI=true`` the module must be built.
"""

from __future__ import annotations

import io
import json
import os
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iodef.convert.readers import windows
from iodef.errors import RecordError

from ._mutate import mutated
from .conftest import SHARED_SAMPLES, require_samples

SAMPLES = SHARED_SAMPLES / "rat" / "windows-evtx-json"
COMPILED = windows._COMPILED  # built, whether IODEF_PURE_PYTHON turns it off for the reader or not
BUILT = COMPILED.event if COMPILED is not None else None


@pytest.fixture(autouse=True)
def _built() -> None:
    if COMPILED is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the C accelerator _cevtx is not built (setup.py builds it on install)")
        pytest.skip("the C accelerator _cevtx is not built (no Cython or C compiler at install)")


def read(data: bytes, fast: bool) -> tuple[list[dict[str, Any]], list[str]]:
    """The rows and the reported errors of the Windows JSON reader, with or without ``_cevtx``."""
    errors: list[str] = []

    def on_error(e: RecordError) -> None:
        errors.append(str(e))

    saved = windows._FAST, windows._pick
    windows._FAST, windows._pick = (COMPILED.event, COMPILED.values) if fast else (None, windows._values)
    try:
        rows = list(windows.read_winevt_json(io.BytesIO(data), "x.jsonl", on_error, rows=True))
    finally:
        windows._FAST, windows._pick = saved
    return rows, errors


def same_both_ways(data: bytes) -> None:
    assert read(data, True) == read(data, False)


BENCH_LINE = (
    '{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},'
    '"System":{"Provider":{"#attributes":{"Name":"Microsoft-Windows-Security-Auditing"}},"EventID":4625,'
    '"TimeCreated":{"#attributes":{"SystemTime":"2025-03-01T00:00:00.500000Z"}},"EventRecordID":1,'
    '"Channel":"Security","Computer":"hmi-01.plant.example"},"EventData":{"SubjectUserSid":"S-1-0-0",'
    '"TargetUserName":"admin","TargetDomainName":"PLANT","Status":"0xc000006d","LogonType":3,'
    '"WorkstationName":"WS-0","IpAddress":"198.51.0.1","IpPort":"49152","AuthenticationPackageName":"NTLM"}}}'
)


def test_real_samples_take_the_fast_path_and_read_the_same() -> None:
    require_samples(SAMPLES)
    files = sorted(SAMPLES.glob("*.jsonl"))
    assert files
    for path in files:
        data = path.read_bytes()
        for line in data.decode("utf-8").splitlines():
            assert BUILT is not None
            assert BUILT(line) is not None, line[:120]
        same_both_ways(data)


@pytest.mark.parametrize(
    ("line", "fast"),
    [
        (BENCH_LINE, True),
        # the last of repeated keys, as json.loads keeps it, at every level the reader reads
        (BENCH_LINE.replace('"IpPort":"49152"', '"IpAddress":"203.0.113.9","IpPort":"49152"'), True),
        (BENCH_LINE.replace('"EventID":4625', '"EventID":4625,"EventID":4624'), True),
        (BENCH_LINE.replace('"Channel"', '"Computer":"other","Channel"'), True),
        (BENCH_LINE.replace('{"Event":', '{"Event":{"System":{}},"Event":'), True),
        (BENCH_LINE[:-1] + ',"Event":{"System":{"EventID":4624}}}', True),
        (BENCH_LINE.replace('"EventData":{', '"EventData":{"LogonType":10},"EventData":{'), True),
        # escapes in values, numbers of every JSON form, and spaces
        (BENCH_LINE.replace('"admin"', '"adm\\u0069n\\t\\"x\\""'), True),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":3.0'), True),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":-0'), True),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":1e1'), True),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":123456789012345678901234567890'), True),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":true'), True),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":[10]'), True),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":{"#text":10}'), True),
        (
            BENCH_LINE.replace('"EventID":4625', '"EventID":{"#attributes":{"Qualifiers":0},"#text":4625}'),
            True,
        ),
        (BENCH_LINE.replace(",", " ,\t").replace(":", " : "), True),
        # shapes the reader refuses, refused the same way
        (BENCH_LINE.replace('"EventData":{', '"EventData":["x"],"Unused":{'), True),
        (BENCH_LINE.replace('"TimeCreated":{', '"TimeCreated":{"#attributes":"x"},"Unused":{'), True),
        (BENCH_LINE.replace('"System":{', '"System":"x","Unused":{'), True),
        (BENCH_LINE.replace('"198.51.0.1"', '"not an address"'), True),
        # declined: json.loads decides (and reports)
        (BENCH_LINE.replace('"IpAddress"', '"Ip\\u0041ddress"'), False),
        (BENCH_LINE.replace('"Event"', '"Ev\\u0065nt"'), False),
        (BENCH_LINE.replace('"admin"', '"adm\x01in"'), False),
        (BENCH_LINE.replace('"admin"', '"admé中"'), False),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":NaN'), False),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":03'), False),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":' + "9" * 5000), False),
        (BENCH_LINE.replace('"LogonType":3', '"LogonType":' + "[" * 70 + "]" * 70), False),
        (BENCH_LINE.replace('"admin"', '"admin\\x"'), False),
        (BENCH_LINE[:-1], False),
        (BENCH_LINE + "}", False),
        (BENCH_LINE + " x", False),
        ('{"Event":"x","winlog":{"event_id":4625}}', False),
        (BENCH_LINE[:-1] + ',"winlog":{"event_id":4625}}', False),
        ('{"winlog":{"event_id":4625}}', False),
        ("[1]", False),
    ],
)
def test_each_line_is_read_as_json_loads_reads_it(line: str, fast: bool) -> None:
    assert BUILT is not None
    got = BUILT(line)
    assert (got is not None) is fast
    if got is not None:
        assert isinstance(json.loads(line), dict)  # the fast path never takes what json refuses
    same_both_ways(line.encode("utf-8") + b"\n" + BENCH_LINE.encode() + b"\n")


# generated events: the members the reader reads, and others, each possibly repeated, escaped or
# odd, laid out compactly or with spaces; then a random edit of the text
_NAMES = [k for keys in windows._KEYS for k in keys]
_KEYS = st.sampled_from(
    [
        *_NAMES,
        *("Event", "System", "EventData", "UserData", "Provider", "EventID", "TimeCreated", "Computer"),
        *("#attributes", "#text", "Name", "SystemTime", "Other", "", "Ip\\u0041ddress", 'a\\"b'),
    ]
)
_SCALARS = st.one_of(
    st.sampled_from(
        [
            *("0", "-0", "3", "10", "4624", "4625", "1149", "3.5", "1e2", "-1", "true", "false", "null"),
            *('""', '"-"', '"10"', '"127.0.0.1"', '"[10.0.2.16]:59407"', '"10.0.2.16:52202"', '"fe80::1%10"'),
            *(
                '"2025-03-01T00:00:00.5Z"',
                '"2019-02-13T15:14:52.409734Z"',
                '"LOCAL"',
                '" x "',
                '"a\\u00e9\\n"',
            ),
            *("NaN", "01", '"\x01"', '"\\q"', "1" * 30),
        ]
    ),
    st.text(max_size=8).map(lambda s: json.dumps(s, ensure_ascii=False)),
    st.integers().map(str),
)


def _obj(members: list[tuple[str, str]], sep: str) -> str:
    return "{" + sep.join(f'"{k}":{v}' for k, v in members) + "}"


@st.composite
def _value(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= 3 or draw(st.booleans()):
        return draw(_SCALARS)
    if draw(st.integers(0, 4)) == 0:
        return "[" + ",".join(draw(st.lists(_value(depth + 1), max_size=3))) + "]"
    members = draw(st.lists(st.tuples(_KEYS, _value(depth + 1)), max_size=4))
    return _obj(members, ",")


@st.composite
def _line(draw: st.DrawFn) -> str:
    def attrs(name: str, value: st.SearchStrategy[str]) -> str:
        return _obj([("#attributes", _obj([(name, draw(value)), *draw(extra)], ","))], ",")

    extra = st.lists(st.tuples(_KEYS, _value()), max_size=2)
    system = [
        (
            "Provider",
            attrs("Name", st.sampled_from(['"Microsoft-Windows-Security-Auditing"', '"RdpCoreTS"'])),
        ),
        ("EventID", draw(_SCALARS)),
        ("TimeCreated", attrs("SystemTime", _SCALARS)),
        ("Computer", draw(_SCALARS)),
        *draw(extra),
    ]
    data = [(k, draw(_SCALARS)) for k in draw(st.lists(st.sampled_from(_NAMES), max_size=12))]
    event = [
        ("System", _obj(draw(st.permutations(system)), ",")),
        ("EventData", _obj(data + draw(extra), ",")),
        *draw(extra),
    ]
    sep = draw(st.sampled_from([",", ", ", " ,\n"]))
    text = _obj([("Event", _obj(draw(st.permutations(event)), sep)), *draw(extra)], ",")
    return mutated(draw, text, '{}[]",:\\ 0aé\x01\t')


@settings(max_examples=1500, deadline=None)
@given(_line())
def test_generated_and_mutated_lines_read_the_same(line: str) -> None:
    assert BUILT is not None
    if "\n" in line or "\r" in line:  # a line of its own: what the reader hands the check
        line = line.replace("\n", " ").replace("\r", " ")
    if BUILT(line) is not None:
        assert isinstance(json.loads(line), dict)
    same_both_ways(BENCH_LINE.encode() + b"\n" + line.encode("utf-8", "surrogatepass") + b"\n")


class _Text(str):
    def __str__(self) -> str:
        return "from __str__"


_ODD_VALUES = st.one_of(
    st.none(),
    st.sampled_from(["", "-", " - ", "\u2003x\u2003", "\t", "10", "-0", _Text("x"), _Text("")]),
    st.text(max_size=4),
    st.integers(),
    st.floats(allow_nan=False),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)


@settings(max_examples=500, deadline=None)
@given(st.dictionaries(st.sampled_from([*_NAMES, "Other"]), _ODD_VALUES))
def test_compiled_values_are_the_python_ones(data: dict[str, Any]) -> None:
    assert COMPILED.values(data, windows._KEYS) == windows._values(data, windows._KEYS)
