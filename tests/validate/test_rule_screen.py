"""The rule screen (``_rules._may_report`` and the byte tests of ``_rule_attributes``) hides nothing.

The screen lets documents that break no rule skip the per-element handlers. Here the issues with
the screen are compared with the issues of the handlers run unconditionally and of the XPath
scans, on every fixture and on documents written to get past a careless screen: every test runs
twice, with the compiled walk (``_cscreen``, when it is built; under ``CI=true`` it must be) and
with the pure-Python one.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from iodef._tree import element_path
from iodef.validate import PROFILES, check
from iodef.validate import rules as _rules
from iodef.validate.rules import _accel
from iodef.validate.rules import screen as _screen
from iodef.validate.rules import structure as _structure
from iodef.validate.rules import times as _times
from iodef.xml import parse_xml
from tests.conftest import FIXTURES

NS = "urn:ietf:params:xml:ns:iodef-2.0"
_BUILT = _screen._accelerated


@pytest.fixture(autouse=True, params=["compiled", "python"])
def walk(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test with the compiled walk and with the pure-Python one."""
    if request.param == "python":
        monkeypatch.setattr(_screen, "_accelerated", None)
        monkeypatch.setattr(_accel, "ACCELERATED", None)
    elif _BUILT is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the C accelerator _cscreen is not built (setup.py builds it on install)")
        pytest.skip("the C accelerator _cscreen is not built (no Cython or C compiler at install)")
    return str(request.param)


def test_the_compiled_walk_knows_the_names_the_python_tables_have() -> None:
    if _BUILT is None:
        pytest.skip("the C accelerator _cscreen is not built")
    assert tuple(f"{{{NS}}}{n}" for n in _BUILT.TIME_NAMES) == tuple(_times._TIME_TAGS)
    assert set(_BUILT.RECORD_DATA_NAMES) == _structure._REQUIRED_CHILD["RecordData"][1]
    assert set(_BUILT.NODE_NAMES) == _structure._REQUIRED_CHILD["Node"][1]
    from iodef.validate.rules import _context

    assert _BUILT.FACTS == {
        "ext": _context._FACT_EXT,
        "references": _context._FACT_REFERENCES,
        "id_content": _context._FACT_ID_CONTENT,
        "id_attribute": _context._FACT_ID_ATTRIBUTE,
        "dates": _context._FACT_DATES,
        "shift": _context._FACT_SHIFT,
        "many_attributes": _context._FACT_MANY_ATTRIBUTES,
        "many": _context._MANY_ATTRIBUTES,
    }
    codes = _screen._accelerator_codes()
    assert set(codes) == {tag[len(NS) + 2 :] for tag in _rules._TAGS}
    assert set(codes.values()) <= set(_BUILT.CODES)


def _iodef_v2(path: Path) -> bool:
    """Readable IODEF v2 documents only: the screen has nothing to say about the others."""
    try:
        return bool(parse_xml(path.read_bytes()).tag == f"{{{NS}}}IODEF-Document")
    except Exception:
        return False


CASES = sorted(p for p in FIXTURES.rglob("*.xml") if "hostile" not in p.parts and _iodef_v2(p))


def _unscreened(root: etree._Element, profile: str) -> list[tuple[object, ...]]:
    ctx = _rules._Ctx(root, profile, element_path)
    saved = _accel.ACCELERATED
    _accel.ACCELERATED = None  # neither the C walk's facts
    try:
        for whole in _rules._WHOLE_DOCUMENT:
            whole(ctx)  # nor raw bytes: the XPath scans
    finally:
        _accel.ACCELERATED = saved
    for el in root.iter(*_rules._TAGS):
        for handler in _rules._HANDLERS[el.tag]:
            handler(ctx, el)
    ctx.issues.sort(key=_rules._order)
    return [(i.severity, i.path, i.line, i.rule, i.message) for i in ctx.issues]


def _screened(data: bytes, profile: str) -> tuple[list[tuple[object, ...]], bool]:
    root = parse_xml(data, source_name="t")
    issues = _rules.run_rules(root, profile, element_path, None, data)
    return [(i.severity, i.path, i.line, i.rule, i.message) for i in issues], _rules._may_report(
        root, profile, element_path
    )


def _handler_issues(root: etree._Element, profile: str) -> bool:
    ctx = _rules._Ctx(root, profile, element_path)
    for el in root.iter(*_rules._TAGS):
        for handler in _rules._HANDLERS[el.tag]:
            handler(ctx, el)
    return bool(ctx.issues)


def _assert_same(data: bytes, profile: str) -> list[tuple[object, ...]]:
    root = parse_xml(data, source_name="t")
    want = _unscreened(root, profile)
    got, may_report = _screened(data, profile)
    assert got == want
    if _handler_issues(root, profile):
        assert may_report, "the screen hid a handler's issue"
    return got


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("path", CASES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_screen_agrees_on_every_fixture(path: Path, profile: str) -> None:
    _assert_same(path.read_bytes(), profile)


def test_screened_tags_have_the_handlers_the_screen_knows() -> None:
    for tag, handlers in _screen._SCREENED.items():
        assert _rules._HANDLERS[tag] == handlers, tag


DOC = """<?xml version="1.0" encoding="{enc}"?>
<IODEF-Document version="2.00" xml:lang="en" xmlns="{ns}" xmlns:x="urn:example:x">
  <Incident purpose="reporting">
    <IncidentID name="csirt.example.org">1</IncidentID>
    <GenerationTime>2026-11-23T08:00:00Z</GenerationTime>
    <Contact role="creator" type="organization"><ContactName>CSIRT</ContactName></Contact>
    <EventData>{body}</EventData>
  </Incident>
</IODEF-Document>
"""

TRICKS = {
    "ext-value spelt with a character reference": (
        '<Flow><System category="source"><Node><Address category="&#x65;xt-value">x</Address>'
        "</Node></System></Flow>",
        "RFC7970 §5.1.1",
    ),
    "nested xml:lang that is not BCP 47": ('<Description xml:lang="english!">d</Description>', "RFC7970 §6"),
    "foreign Port in a Service without ip-protocol": (
        '<Flow><System category="source"><Node><Address category="ipv4-addr">192.0.2.1</Address></Node>'
        "<Service><x:Port>22</x:Port></Service></System></Flow>",
        "RFC7970 §3.20",
    ),
    "nameserver address of the wrong category": (
        '<Flow><System category="source"><Node><DomainData><Name>x.example</Name><Nameservers>'
        '<Server>ns.example</Server><Address category="e-mail">a@b.example</Address></Nameservers>'
        "</DomainData></Node></System></Flow>",
        "RFC7970 §3.19.1",
    ),
    "portlist range backwards": (
        '<Flow><System category="source"><Node><Address category="ipv4-addr">192.0.2.1</Address></Node>'
        '<Service ip-protocol="6"><Portlist>80,9000-8000</Portlist></Service></System></Flow>',
        "RFC7970 §2.9",
    ),
    "event detected before it started": (
        "<DetectTime>2026-11-23T06:00:00Z</DetectTime><StartTime>2026-11-23T07:00:00Z</StartTime>",
        "RFC7970 §3.14",
    ),
    "string RecordItem holding XML": (
        '<Record><RecordData><RecordItem dtype="string"><x:b>1</x:b></RecordItem></RecordData></Record>',
        "RFC7970 §2.16",
    ),
    "non-canonical IPv6 text": (
        '<Flow><System category="source"><Node><Address category="ipv6-addr">2001:DB8::1</Address></Node>'
        "</System></Flow>",
        "RFC7970 §3.18.1",
    ),
    "Node without Address or DomainData": (
        '<Flow><System category="source"><Node><Location>here</Location></Node></System></Flow>',
        "RFC7970 §3.18",
    ),
    "EventData with only a comment": ("<!-- nothing -->", "RFC7970 §3.14"),
    "Address text in CDATA": (
        '<Flow><System category="source"><Node><Address category="ipv4-addr"><![CDATA[192.0.2.999]]>'
        "</Address></Node></System></Flow>",
        "RFC7970 §3.18.1",
    ),
    "Address text cut by a comment": (
        '<Flow><System category="source"><Node><Address category="ipv4-addr">192.0<!-- c -->.2.1'
        "</Address></Node></System></Flow>",
        "RFC7970 §3.18.1",
    ),
    "Address category spelt with a character reference": (
        '<Flow><System category="source"><Node><Address category="ipv4&#x2D;addr">2001:db8::1'
        "</Address></Node></System></Flow>",
        "RFC7970 §3.18.1",
    ),
    "event ends before it starts, both in UTC": (
        "<StartTime>2026-11-23T08:00:00Z</StartTime><EndTime>2026-11-23T07:59:59Z</EndTime>",
        "RFC7970 §3.14",
    ),
    "event ends before it starts, with offsets": (
        "<StartTime>2026-11-23T08:00:00+01:00</StartTime><EndTime>2026-11-23T06:59:59Z</EndTime>",
        "RFC7970 §3.14",
    ),
    "event ends before it starts, with white space": (
        "<StartTime> 2026-11-23T08:00:00Z</StartTime><EndTime>2026-11-23T07:00:00Z </EndTime>",
        "RFC7970 §3.14",
    ),
    "a five-digit year": ("<DetectTime>12026-11-23T08:00:00Z</DetectTime>", "RFC7970 §2.7"),
    "a negative year after white space": (
        "<DetectTime>\n -2026-11-23T08:00:00Z</DetectTime>",
        "RFC7970 §2.7",
    ),
    "a negative year in CDATA after white space": (
        "<DetectTime> <![CDATA[-2026-11-23T08:00:00Z]]></DetectTime>",
        "RFC7970 §2.7",
    ),
    "a negative year spelt with a character reference": (
        "<DetectTime>&#45;2026-11-23T08:00:00Z</DetectTime>",
        "RFC7970 §2.7",
    ),
    "ext-value as a namespaced attribute's value": (
        '<Flow><System category="source" x:t="ext-value"><Node><Address category="ipv4-addr">192.0.2.1'
        '</Address></Node></System></Flow><Record><RecordData><RecordItem dtype="ext-value">1</RecordItem>'
        "</RecordData></Record>",
        "RFC7970 §5.1.1",
    ),
    "xml:lang on a nested element and a foreign one": (
        '<Description xml:lang="en">d</Description><AdditionalData dtype="xml"><x:a xml:lang="e_n"/>'
        '</AdditionalData><Description xml:lang="-bad">e</Description>',
        "RFC7970 §6",
    ),
    "numeric Confidence without a value": (
        '<Assessment><Impact type="unknown"/><Confidence rating="numeric"/></Assessment>',
        "RFC7970 §3.12.5",
    ),
    "RecordData without the content it needs": (
        "<Record><RecordData><DateTime>2026-11-23T06:00:00Z</DateTime></RecordData></Record>",
        "RFC7970 §3.22.1",
    ),
}


@pytest.mark.parametrize("encoding", ["UTF-8", "UTF-16"])
@pytest.mark.parametrize("name", sorted(TRICKS))
def test_screen_is_not_fooled(name: str, encoding: str) -> None:
    body, rule = TRICKS[name]
    data = DOC.format(enc=encoding, ns=NS, body=body).encode(encoding.lower())
    issues = _assert_same(data, "rfc7970")
    assert rule in {i[3] for i in issues}, issues
    assert rule in {i.rule for i in check(data).issues}


def test_the_valid_skeleton_has_no_rule_issue() -> None:
    data = DOC.format(enc="UTF-8", ns=NS, body="<Description>d</Description>").encode()
    assert _assert_same(data, "rfc7970") == []


EVENT = """<EventData><Description>e</Description><DetectTime>2026-11-23T07:0{k}:00Z</DetectTime>
<Flow><System category="source"><Node><Address category="ipv4-addr">198.51.100.{k}</Address></Node>
<Service ip-protocol="6"><Port>22</Port></Service></System>
<System category="target"><Node><DomainData><Name>h{k}.example.net</Name></DomainData>
<Address category="ipv6-addr">2001:db8::{k}</Address></Node>
<Service ip-protocol="6"><Portlist>22,80,8000-8080</Portlist></Service></System></Flow>
<Record><RecordData><DateTime>2026-11-23T07:00:30Z</DateTime><RecordItem dtype="string">log {k}</RecordItem>
</RecordData></Record></EventData>"""

MUTATIONS = (
    ('category="ipv4-addr"', 'category="ipv6-addr"'),
    ('category="ipv6-addr"', 'category="ipv4-addr"'),
    ('category="ipv4-addr"', 'category="e-mail"'),
    ("2001:db8::", "2001:DB8::"),
    ('<Service ip-protocol="6">', "<Service>"),
    ("8000-8080", "9000-8080"),
    ("8000-8080", "8000-80800"),
    ('<Address category="ipv4-addr">198', '<Address category="ipv4-addr"> 198'),
    ('<RecordItem dtype="string">', '<RecordItem dtype="integer">'),
    ('<RecordItem dtype="string">', '<RecordItem dtype="string"><x:b>1</x:b>'),
    ("<Description>e</Description>", '<Description xml:lang="en_US">e</Description>'),
    ("<DetectTime>", "<StartTime>2026-11-24T00:00:00Z</StartTime><DetectTime>"),
    ("<Description>e</Description><DetectTime>", "<!-- c --><DetectTime>"),
    ('<Service ip-protocol="6"><Port>', '<Service ip-protocol="6"><!--c--><Port>'),
    ("<Node><DomainData>", "<Node><!--c--><DomainData>"),
    ("<DateTime>2026-11-23T07:00:30Z</DateTime><RecordItem", "<RecordItem"),
    ('<RecordItem dtype="string">log', '<URL>https://example.org/</URL><RecordItem dtype="string">log'),
    ("<DetectTime>2026", "<DetectTime>-2026"),
    ("<DetectTime>2026", "<DetectTime>  20260"),
    ("<DetectTime>2026", "<DetectTime><![CDATA[2026]]>2026"),
    ("07:00:30Z</DateTime>", "07:00:30+02:00</DateTime>"),
    ("</Description><DetectTime>", "</Description><EndTime>2026-11-23T06:00:00Z</EndTime><DetectTime>"),
    ("<Description>e</Description>", "<StartTime>2026-11-23T07:00:00Z</StartTime>"),
    ('<Address category="ipv4-addr">198', '<Address category="ipv4-addr"><![CDATA[198]]>198'),
    ('category="ipv6-addr">2001', 'category="ipv6-addr"><!--c-->2001'),
    ('<Service ip-protocol="6">', '<Service ip-protocol="">'),
    ('dtype="string">log', 'dtype="string"><!--c-->log'),
)


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("seed", range(40))
def test_screen_agrees_on_mutated_documents(seed: int, profile: str) -> None:
    import random

    rng = random.Random(seed)
    body = "".join(EVENT.format(k=k) for k in range(1, rng.randint(2, 5)))
    for old, new in rng.sample(MUTATIONS, rng.randint(1, 3)):
        body = body.replace(old, new, rng.randint(1, 2))
    # the events sit in DOC's EventData (EventData may hold EventData)
    _assert_same(DOC.format(enc="UTF-8", ns=NS, body=body).encode(), profile)


ID_CASES = {
    "duplicate observable-id in an invalid document": (
        '<Flow><System category="source"><Node><Address category="ipv4-addr" observable-id="a">192.0.2.1'
        '</Address><Address category="ipv4-addr" observable-id="a">192.0.2.2</Address></Node></System>'
        "</Flow><Bogus/>",
        "xsd:cvc-id.2",
    ),
    "observable-id and nested EventData": (
        '<Flow><System category="source"><Node><Address category="ipv4-addr" observable-id="a">192.0.2.1'
        '</Address></Node></System></Flow><Record><RecordData><RecordItem dtype="string">x</RecordItem>'
        "</RecordData></Record><EventData><Description>e</Description><EventData><Description>f</Description>"
        "</EventData></EventData>",
        None,
    ),
}


@pytest.mark.parametrize("name", sorted(ID_CASES))
def test_identifier_checks_see_what_the_walk_sees(name: str, walk: str) -> None:
    """xs:ID and xs:IDREF (which libxml2 leaves to iodef) are checked the same with and without C."""
    body, rule = ID_CASES[name]
    data = DOC.format(enc="UTF-8", ns=NS, body=body).encode()
    got = [(i.severity, i.path, i.line, i.rule, i.message) for i in check(data).issues]
    if rule is not None:
        assert rule in {i[3] for i in got}, got
    # the same document checked without any help from the C walk
    saved = (_screen._accelerated, _accel.ACCELERATED)
    try:
        _screen._accelerated = _accel.ACCELERATED = None
        want = [(i.severity, i.path, i.line, i.rule, i.message) for i in check(data).issues]
    finally:
        _screen._accelerated, _accel.ACCELERATED = saved
    assert got == want


@settings(max_examples=400, deadline=None)
@given(value=st.integers(min_value=0, max_value=2**128 - 1), zeros=st.integers(min_value=0, max_value=8))
def test_the_quick_ipv6_form_check_agrees_with_ipaddress(value: int, zeros: int) -> None:
    """What the screen clears without ipaddress is exactly ipaddress's compressed form."""
    # runs of zero groups, the cases the compression rule is about
    groups = [(value >> (16 * i)) & 0xFFFF for i in range(8)]
    for i in range(zeros):
        groups[(value + i) % 8] = 0
    address = ipaddress.IPv6Address(sum(g << (16 * i) for i, g in enumerate(groups)))
    assert _screen._ipv6_plainly_canonical(address.compressed) or "." in address.compressed
    for text in (address.exploded, address.compressed.upper(), address.compressed.replace("::", ":0:", 1)):
        if _screen._ipv6_plainly_canonical(text):
            assert text == address.compressed


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet="0123456789abcdef:", max_size=45))
def test_the_quick_ipv6_form_check_clears_no_other_text(text: str) -> None:
    if _screen._ipv6_plainly_canonical(text):
        assert ipaddress.IPv6Address(text).compressed == text


_IPV4_TEXTS = [
    "192.0.2.1",
    " 192.0.2.1\n",
    "0.0.0.0",
    "255.255.255.255",
    "192.0.2.01",
    "192.0.2.00",
    "01.2.3.4",
    "256.0.0.1",
    "192.0.2.256",
    "1920.0.2.1",
    "192.0.2",
    "1.2.3.4.5",
    "1.2.3.4.",
    ".1.2.3.4",
    "1..2.3",
    "1.2. 3.4",
    "1.2.3.4 x",
    "",
    " ",
    "\uff11.2.3.4",
    "192.0.2.1\u00a0",
    "2001:db8::1",
    "1.2.3.-4",
]
_PORTLISTS = [
    "22",
    " 22,80 ",
    "22,80,443",
    "0",
    "9999",
    "65535",
    "70000",
    "22,70000",
    "22,,80",
    ",22",
    "22,",
    "22 ,80",
    "8000-8080",
    "9000-8000",
    "00022",
    "\uff12\uff12",
    "",
]


@pytest.mark.parametrize("text", _IPV4_TEXTS)
def test_the_walk_clears_only_plain_ipv4_addresses(text: str) -> None:
    """The compiled walk clears a dotted-quad ipv4-addr without asking Python: each of these is
    screened as the Python screen would, and whatever _check_address says gets through."""
    body = (
        '<Flow><System category="source"><Node><Address category="ipv4-addr">'
        f"{text}</Address></Node></System></Flow>"
    )
    data = DOC.format(enc="UTF-8", ns=NS, body=body).encode()
    _assert_same(data, "rfc7970")


@pytest.mark.parametrize("text", _PORTLISTS)
def test_the_walk_clears_only_simple_port_lists(text: str) -> None:
    body = (
        '<Flow><System category="source"><Node><Address category="ipv4-addr">192.0.2.1</Address></Node>'
        f'<Service ip-protocol="6"><Portlist>{text}</Portlist></Service></System></Flow>'
    )
    data = DOC.format(enc="UTF-8", ns=NS, body=body).encode()
    _assert_same(data, "rfc7970")


@pytest.mark.parametrize("count", [64, 65])
def test_an_element_with_many_attributes_is_reported_alike_by_both_walks(
    count: int, walk: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above 64 attributes on one element, the report is libxml2's (xmlschema's cost grows with
    their square): the compiled walk's fact and the Python XPath draw that line alike."""
    attrs = " ".join(f'a{i}="x"' for i in range(count))
    data = DOC.format(enc="UTF-8", ns=NS, body=f"<Description {attrs}>d</Description>").encode()
    got = check(data).issues
    if walk == "compiled":
        from iodef.validate.rules import _context

        many = _BUILT.facts(parse_xml(data, source_name="t")) & _context._FACT_MANY_ATTRIBUTES
        assert bool(many) == (count > 64)
    monkeypatch.setattr(_screen, "_accelerated", None)
    monkeypatch.setattr(_accel, "ACCELERATED", None)
    assert check(data).issues == got
    assert len(got) >= count  # one issue per stray attribute, whoever explains them


def _ipv6_cases() -> st.SearchStrategy[str]:
    """Compressed, exploded and damaged IPv6 texts, and strings of their alphabet."""
    addresses = st.builds(
        lambda value, zeros, at: ipaddress.IPv6Address(
            sum(((0 if (i - at) % 8 < zeros else (value >> (16 * i)) & 0xFFFF) << (16 * i)) for i in range(8))
        ),
        st.integers(min_value=0, max_value=2**128 - 1),
        st.integers(min_value=0, max_value=8),
        st.integers(min_value=0, max_value=7),
    )
    forms = addresses.flatmap(
        lambda a: st.sampled_from(
            [
                a.compressed,
                a.exploded,
                a.compressed.upper(),
                a.compressed.replace("::", ":0:", 1),
                f" {a.compressed}\n",
            ]
        )
    )
    return forms | _any_compression() | st.text(alphabet="0123456789abcdefA:. \t", max_size=45)


@st.composite
def _any_compression(draw: st.DrawFn) -> str:
    """Eight groups (many of them zero) with "::" standing for any run of zeros, not only the
    one RFC 5952 picks: the compression rule is what tells these apart."""
    groups = [draw(st.sampled_from(["0", "0", "0", "1", "ab", "ffff"])) for _ in range(8)]
    runs = [(i, j) for i in range(8) for j in range(i + 1, 9) if all(g == "0" for g in groups[i:j])]
    if not runs or draw(st.booleans()):
        return ":".join(groups)
    i, j = draw(st.sampled_from(runs))
    return ":".join(groups[:i]) + "::" + ":".join(groups[j:])


@settings(max_examples=2000, deadline=None)
@given(text=_ipv6_cases())
def test_the_compiled_ipv6_form_check_is_the_python_one(text: str) -> None:
    if _BUILT is None:
        pytest.skip("the C accelerator _cscreen is not built")
    assert _BUILT.ipv6_canonical(text.encode()) == _screen._ipv6_plainly_canonical(text.strip(" \t\r\n"))


_IPV6_TEXTS = [
    "2001:db8::1",
    " 2001:db8::1 ",
    "2001:DB8::1",
    "2001:db8:0:0:1:0:0:1",
    "1:2:3:4:5:6:7::",
    "::",
    "x",
]


@pytest.mark.parametrize("category", ['category="ipv6-addr"', ""])
@pytest.mark.parametrize("text", _IPV6_TEXTS)
def test_the_walk_clears_only_canonical_ipv6_addresses(text: str, category: str) -> None:
    body = (
        f'<Flow><System category="source"><Node><Address {category}>{text}</Address></Node></System></Flow>'
    )
    data = DOC.format(enc="UTF-8", ns=NS, body=body).encode()
    _assert_same(data, "rfc7970")
