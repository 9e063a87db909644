"""The compiled loop over rdp.log lines (``_czeek``) reads what the Python path reads, or leaves it.

The Zeek TSV reader hands each run of an rdp log's lines to ``_czeek.RdpLines.take``, which makes
the rows of the lines it is sure of and stops at the first it is not, which the Python path then
reads. Here the reader is run both ways on the real samples, on pinned odd lines and on generated
and mutated lines: the rows (their keys in order, the type and value of each field) and the
reported errors must be the same. Under ``CI=true`` the module must be built.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from iodef.convert.readers import zeek
from iodef.errors import RecordError

from ._mutate import mutated
from .conftest import SHARED_SAMPLES, require_samples

SAMPLES = SHARED_SAMPLES / "rat" / "zeek-tsv"
COMPILED = zeek._COMPILED  # built, whether IODEF_PURE_PYTHON turns it off for the reader or not


@pytest.fixture(autouse=True)
def _built() -> None:
    if COMPILED is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the C accelerator _czeek is not built (setup.py builds it on install)")
        pytest.skip("the C accelerator _czeek is not built (no Cython or C compiler at install)")


class _Counted:
    """``_czeek`` with a count of the rows its loop made (to tell which path read a line)."""

    taken = 0
    COLUMNS_READ = COMPILED.COLUMNS_READ if COMPILED is not None else 0

    class RdpLines:
        def __init__(self, *args: Any) -> None:
            self._inner = COMPILED.RdpLines(*args)

        def take(self, lines: list[str], start: int, number: int) -> tuple[list[dict[str, Any]], int]:
            got, stop = self._inner.take(lines, start, number)
            _Counted.taken += len(got)
            return got, stop


def _typed(rows: list[Any]) -> list[list[tuple[str, str, Any, Any]]]:
    """Each row's fields in order, with the type of each value and the tzinfo of a datetime."""
    fields = [r if isinstance(r, dict) else r.__dict__ for r in rows]
    return [[(k, type(v).__name__, v, getattr(v, "tzinfo", None)) for k, v in f.items()] for f in fields]


def read(data: bytes, fast: bool, *, rows: bool = True) -> tuple[list[Any], list[str], int]:
    """The rows (or records), the reported errors and the rows the compiled loop made."""
    errors: list[str] = []

    def on_error(e: RecordError) -> None:
        errors.append(str(e))

    saved = zeek._USED
    zeek._USED = _Counted if fast else None
    _Counted.taken = 0
    try:
        got = list(zeek.read_zeek_tsv(io.BytesIO(data), "rdp.log", on_error, rows=rows))
    finally:
        zeek._USED = saved
    return _typed(got), errors, _Counted.taken


def same_both_ways(data: bytes, *, rows: bool = True) -> int:
    """Read *data* both ways, check they agree; the number of rows the compiled loop made."""
    fast_rows, fast_errors, taken = read(data, True, rows=rows)
    assert (fast_rows, fast_errors) == read(data, False, rows=rows)[:2]
    return taken


HEADER = (
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\trdp\n"
    "#open\t2025-03-01-00-00-00\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\tsecurity_protocol"
    "\tclient_channels\tkeyboard_layout\tclient_build\tclient_name\tclient_dig_product_id\tdesktop_width"
    "\tdesktop_height\trequested_color_depth\tcert_type\tcert_count\tcert_permanent\tencryption_level"
    "\tencryption_method\n"
    "#types\ttime\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tvector[string]\tstring\tstring"
    "\tstring\tstring\tcount\tcount\tstring\tstring\tcount\tbool\tstring\tstring\n"
)
COLUMNS = HEADER.split("#fields\t")[1].split("\n")[0].split("\t")
LINE = (
    "1740787200.500000\tC1\t198.51.0.1\t49152\t10.20.0.5\t3389\tadmin\tUser authentication failed"
    "\tRDP\trdpdr,cliprdr\tEnglish - United States\tRDP 8.1\tWIN-0\t-\t1024\t768\t24bit\t-\t0\t-\t-\t-"
)
VALUES = LINE.split("\t")


def with_column(name: str, value: str, line: str = LINE) -> str:
    values = line.split("\t")
    values[COLUMNS.index(name)] = value
    return "\t".join(values)


def test_real_samples_read_the_same_and_plain_rdp_lines_take_the_compiled_loop() -> None:
    require_samples(SAMPLES)
    files = sorted(SAMPLES.glob("*.log"))
    assert files
    rdp_lines = 0
    for path in files:
        data = path.read_bytes()
        plain = [t for t in data.decode().splitlines() if t and t[0] != "#" and "\\" not in t]
        expected = len(plain) if b"#path\trdp" in data else 0
        assert same_both_ways(data) == expected, path.name
        assert same_both_ways(data, rows=False) == expected, path.name
        rdp_lines += expected
    assert rdp_lines > 50


@pytest.mark.parametrize(
    ("line", "fast"),
    [
        (LINE, True),
        # each event, and the markers in each column the loop reads
        (with_column("result", "Success"), True),
        (with_column("result", "encrypted"), True),
        (with_column("result", "-"), True),
        (with_column("result", "(empty)"), True),
        (with_column("result", ""), True),
        (with_column("result", "success"), True),
        (with_column("result", "Success "), True),
        (with_column("cookie", "-"), True),
        (with_column("cookie", "(empty)"), True),
        (with_column("cookie", ""), True),
        (with_column("client_name", "(empty)"), True),
        (with_column("uid", "-"), True),
        (with_column("security_protocol", "-"), True),
        (with_column("id.orig_p", "-"), True),
        (with_column("id.resp_p", "-"), True),
        (with_column("id.orig_p", "0"), True),
        (with_column("id.orig_p", "65535"), True),
        (with_column("id.orig_p", "00080"), True),
        (with_column("id.orig_h", "-"), True),
        (with_column("id.resp_h", "-"), True),
        (with_column("id.orig_h", "2001:DB8::0:1"), True),
        (with_column("id.orig_h", "::ffff:198.51.0.1"), True),
        (with_column("id.resp_h", "fe80::1%eth0"), True),
        # times across the range of Zeek's shape
        (with_column("ts", "1000000000.000000"), True),
        (with_column("ts", "9999999999.999999"), True),
        (with_column("ts", "1709164800.000000"), True),  # 2024-02-29
        (with_column("ts", "4107542399.999999"), True),  # 2100-02-28T23:59:59 (not a leap year)
        (with_column("ts", "1740787199.999999"), True),
        # left to the Python path, which reads or refuses them
        (with_column("cookie", "FTBCO\\\\A70"), False),
        (with_column("cookie", "\\x2d"), False),
        (with_column("cookie", "admé"), False),
        (with_column("cookie", "adm\udcff"), False),
        (with_column("ts", "1740787200.5"), False),
        (with_column("ts", "1740787200"), False),
        (with_column("ts", "0740787200.500000"), False),
        (with_column("ts", "174078720.5000000"), False),
        (with_column("ts", "1740787200,500000"), False),
        (with_column("ts", "17407872\uff110.500000"), False),
        (with_column("ts", "-"), False),
        (with_column("ts", "-1.500000"), False),
        (with_column("id.orig_p", "65536"), False),
        (with_column("id.orig_p", "123456"), False),
        (with_column("id.orig_p", "+80"), False),
        (with_column("id.orig_p", " 80"), False),
        (with_column("id.orig_p", "8_0"), False),
        (with_column("id.orig_p", ""), False),
        (with_column("id.resp_p", "(empty)"), False),
        (with_column("id.resp_p", "\u0663"), False),
        (with_column("id.orig_h", "(empty)"), False),
        (with_column("id.orig_h", "198.51.0.256"), False),
        (with_column("id.orig_h", ""), False),
        (with_column("id.resp_h", "host.example"), False),
        (LINE + "\t", False),
        (LINE.rsplit("\t", 1)[0], False),
        ("", False),
        ("#close\t2025-03-07-00-00-00", False),
        ("# a comment", False),
    ],
)
def test_each_line_is_read_as_the_python_path_reads_it(line: str, fast: bool) -> None:
    data = (HEADER + LINE + "\n" + line + "\n" + LINE + "\n").encode("utf-8", "surrogateescape")
    assert same_both_ways(data) == (3 if fast else 2)


ODD_HEADERS = [
    # the columns in another order, some of them missing
    "#separator \\x09\n#path\trdp\n#fields\tid.resp_p\tid.resp_h\tid.orig_p\tid.orig_h\tts\tresult\n",
    "#separator \\x09\n#path\trdp\n#fields\tts\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\n",
    # an authentication method (empty or unset: the security protocol instead) and a client name
    "#separator \\x09\n#path\trdp\n#fields\tts\tclient_name\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p"
    "\tauthentication_method\tsecurity_protocol\n",
    # other markers
    "#separator \\x09\n#unset_field\tNULL\n#empty_field\t\n#path\trdp\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\n",
    "#separator \\x09\n#unset_field\t\u2013\n#path\trdp\n"
    "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\n",
    # another separator; no #path (the fields say rdp); a path the loop leaves to Python
    "#separator \\x20\n#path rdp\n#fields ts uid id.orig_h id.orig_p id.resp_h id.resp_p cookie result\n",
    "#separator \\x09\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tcookie\tresult\n",
    "#separator \\x09\n#path\tssh\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p"
    "\tauth_success\tauth_attempts\n",
    # a header the reader refuses: the lines under it are each reported
    "#separator \\x09\n#path\trdp\n#fields\tts\tuid\tid.orig_h\n",
]


@pytest.mark.parametrize("header", ODD_HEADERS)
def test_odd_headers_and_headers_between_runs_read_the_same(header: str) -> None:
    lines = [
        "1740787200.500000\tC1\t198.51.0.1\t49152\t10.20.0.5\t3389\tadmin\tSuccess",
        "1740787201.500000\tC2\t198.51.0.1\tNULL\t10.20.0.5\t3389\t\tencrypted",
        "1740787202.500000\tC3\t-\t-\t10.20.0.5\t3389\t-\t-",
        "1740787203.500000 C4 198.51.0.1 5 10.20.0.5 3389 admin Success",
        "1740787204.500000\tC5\t198.51.0.1\t\u2013\t10.20.0.5\t3389\t\u2013\t\u2013",
        "1740787205.500000\tC6\t198.51.0.1\t5\t10.20.0.5\t3389\t\tHYBRID",
    ]
    body = "".join(line + "\n" for line in lines)
    data = HEADER + LINE + "\n" + header + body + HEADER + body + LINE + "\n" + header + body
    same_both_ways(data.encode())


def test_runs_across_blocks_and_odd_lines_among_them_read_the_same() -> None:
    """Thousands of lines (several of the reader's 256 KiB blocks, a line cut at each block's end),
    odd lines among them, CRLF endings, and a last line without a line ending."""
    lines = [
        with_column("uid", f"C{i:x}", with_column("ts", f"{1740787200 + i // 3}.{i % 7:06d}"))
        for i in range(6000)
    ]
    for i in range(0, 6000, 97):
        lines[i] = with_column("cookie", "a\\x09b", lines[i])
    for i in range(13, 6000, 501):
        lines[i] = with_column("id.orig_p", "99999", lines[i])
    for i in range(29, 6000, 1009):
        lines[i] = "#fields\t" + "\t".join(COLUMNS)
    body = "\r\n".join(lines)
    assert same_both_ways((HEADER + body).encode()) > 5000
    assert same_both_ways((HEADER + body + "\n" + "admé\n" + body).encode()) > 10000


# generated lines: each column a typical value, a marker, or random text, then a random edit
_COLUMN_VALUES: dict[str, st.SearchStrategy[str]] = {
    "ts": st.one_of(
        st.tuples(st.integers(0, 10**10 + 5), st.integers(0, 999999)).map(lambda t: f"{t[0]}.{t[1]:06d}"),
        st.sampled_from(["1740787200.5", "-", "1e9", "1740787200.500000 "]),
    ),
    "id.orig_h": st.sampled_from(
        ["198.51.0.1", "10.20.1.2", "2001:db8::1", "::1", "-", "(empty)", "x", "1.2.3"]
    ),
    "id.resp_h": st.sampled_from(["10.20.0.5", "10.20.0.6", "FE80::1", "-", "256.1.1.1"]),
    "id.orig_p": st.one_of(st.integers(-5, 70000).map(str), st.sampled_from(["-", "(empty)", "080", ""])),
    "id.resp_p": st.sampled_from(["3389", "-", "65536", "3389.0"]),
    "result": st.sampled_from(["Success", "encrypted", "User authentication failed", "-", "(empty)", ""]),
    "cookie": st.sampled_from(["admin", "-", "(empty)", "", "a,b", "adm\\x41n"]),
}


@st.composite
def _line(draw: st.DrawFn) -> str:
    values = list(VALUES)
    for name, strategy in _COLUMN_VALUES.items():
        if draw(st.booleans()):
            values[COLUMNS.index(name)] = draw(strategy)
    for i in draw(st.lists(st.integers(0, len(values) - 1), max_size=3)):
        values[i] = draw(st.text(max_size=6))
    text = "\t".join(values)
    text = mutated(draw, text, "\t\\#-. 0952é\x01")
    return text.replace("\n", " ").replace("\r", " ")


@settings(max_examples=1500, deadline=None)
@given(st.lists(_line(), min_size=1, max_size=4))
def test_generated_and_mutated_lines_read_the_same(lines: list[str]) -> None:
    data = HEADER + "".join(f"{LINE}\n{line}\n" for line in lines)
    same_both_ways(data.encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("pure", [False, True])
def test_iodef_pure_python_turns_the_compiled_loop_off(pure: bool) -> None:
    env = {k: v for k, v in os.environ.items() if k != "IODEF_PURE_PYTHON"}
    if pure:
        env["IODEF_PURE_PYTHON"] = "1"
    code = "from iodef.convert.readers import zeek; print(zeek._USED is None, zeek._COMPILED is None)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(pure), "False"]
