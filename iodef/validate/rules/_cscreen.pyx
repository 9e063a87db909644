# cython: language_level=3, boundscheck=False, wraparound=False
"""The rule screen's walk in C: the optional accelerator of :mod:`iodef.validate.rules.screen`.

The pure-Python screen visits every element a per-element rule handles through an lxml proxy
(an object per element, a string per tag): about as much time as libxml2's schema validation.
Here the walk runs over libxml2's own tree (``_Element._c_node``, lxml's public C API), and only
the answers that are obvious from the tree are given here: an element is *cleared* when its
handlers cannot report (a Node whose first child is an Address, an Address whose category and
text the Python screen's memo already knows to be clean, ...). Every other element, and every
case that is not plain (attributes or text split over several nodes, comments, CDATA), is
handed to the Python screen's own per-element check, through an lxml proxy made for it alone.
So this module decides nothing the Python screen would not: it only skips what the Python
screen would clear (tests/validate/test_rule_screen.py runs both on every fixture).

Built by setup.py when Cython and a C compiler are there; without it iodef uses the Python walk.
"""

from cpython.dict cimport PyDict_GetItem
from cpython.ref cimport PyObject
from libc.string cimport strcmp, strlen

cimport lxml.includes.etreepublic as cetree
from lxml.includes.etreepublic cimport _Element
from lxml.includes.tree cimport (
    XML_CDATA_SECTION_NODE,
    XML_ELEMENT_NODE,
    XML_TEXT_NODE,
    xmlAttr,
    xmlNode,
    xmlNs,
)

cetree.import_lxml__etree()

cdef extern from *:
    """
    #ifndef IODEF_BUILT_WITH_LXML
    #define IODEF_BUILT_WITH_LXML ""
    #endif
    """
    const char *IODEF_BUILT_WITH_LXML

#: the lxml whose headers this module was compiled against ("" when setup.py did not say)
BUILT_WITH_LXML = IODEF_BUILT_WITH_LXML.decode("ascii")

# what the walk does with an element of the IODEF namespace, by local name
DEF SKIP = 0          # no per-element handler: nothing to do
DEF ADDRESS = 1       # Address: (category, text) in the address memo as clean
DEF PORTLIST = 2      # Portlist: text in the portlist memo as clean
DEF NODE = 3          # Node: first child an Address or DomainData (when the profile needs one)
DEF SERVICE = 4       # Service: ip-protocol set and a child element
DEF EVENT_DATA = 5    # EventData: a child element and at most one time child
DEF RECORD_DATA = 6   # RecordData: one of the required children
DEF RECORD_ITEM = 7   # RecordItem: dtype absent, xml, ext-value, or string without elements
DEF ANY_CHILD = 8     # only "at least one child element": has one
DEF CONFIDENCE = 9    # Confidence: empty, with a rating other than numeric
DEF TIMES = 10        # Incident: its times in order (the strict UTC form compared as text)
DEF DELEGATE = 11     # always the Python screen's check

cdef const char* _NS = b"urn:ietf:params:xml:ns:iodef-2.0"

#: the names this module knows itself (tests/validate/test_rule_screen.py compares them with the
#: Python tables they come from)
TIME_NAMES = ("DetectTime", "StartTime", "EndTime", "RecoveryTime", "ReportTime", "GenerationTime")
RECORD_DATA_NAMES = (
    "RecordItem", "URL", "FileData", "WindowsRegistryKeysModified", "CertificateData", "AdditionalData"
)
NODE_NAMES = ("Address", "DomainData")
CODES = {
    "skip": SKIP, "address": ADDRESS, "portlist": PORTLIST, "node": NODE, "service": SERVICE,
    "event_data": EVENT_DATA, "record_data": RECORD_DATA, "record_item": RECORD_ITEM,
    "any_child": ANY_CHILD, "confidence": CONFIDENCE, "times": TIMES, "delegate": DELEGATE,
}


#: parent local name (bytes) -> ((earlier, later) indexes into TIME_NAMES, ...)
cdef dict _time_pairs = {}


def configure(dict codes, dict time_pairs):
    """Set the code of each local name (the Python screen builds the table from its handlers),
    and the time order rules: parent -> [(earlier, later)] local names."""
    _codes.set({name.encode("utf-8"): code for name, code in codes.items()})
    _time_pairs.clear()
    for parent, pairs in time_pairs.items():
        _time_pairs[parent.encode("utf-8")] = tuple(
            (TIME_NAMES.index(a), TIME_NAMES.index(b)) for a, b in pairs
        )


cdef inline bint _in_ns(xmlNode* c_node, const xmlNs** known):
    cdef const xmlNs* ns = c_node.ns
    if ns is NULL:
        return False
    if ns is known[0]:
        return True
    if ns.href is not NULL and strcmp(<const char*>ns.href, _NS) == 0:
        known[0] = ns
        return True
    return False


# libxml2 keeps one copy of each name (its dictionary; lxml shares one per thread across the
# documents it parses), so the code of a name is kept by the name's address, in a small
# open-addressing table that lives as long as the process: a name's string is made, and looked
# up in the Python table, once, not once per element or per walk. An address is only a hint: a
# hit is confirmed by comparing the text with the table's own copy (a dictionary freed and its
# memory reused for another name is then a miss). Full tables are emptied and refilled.
DEF CACHE = 256
cdef struct _Known:
    const void* name   # the address the name was seen at
    const char* text   # the table's copy of the name (a bytes object kept in _CodeTable.kept)
    int code


cdef class _CodeTable:
    """The code of each local name, from *codes* (bytes -> int), with the address cache."""

    cdef dict codes
    cdef list kept
    cdef _Known slots[CACHE]
    cdef int used

    def __cinit__(self):
        self.codes = {}
        self.kept = []
        self.reset()

    cdef void reset(self):
        cdef int i
        for i in range(CACHE):
            self.slots[i].name = NULL
        self.kept = []
        self.used = 0

    def set(self, dict codes):
        self.codes = codes
        self.reset()

    cdef int code(self, xmlNode* c_node):
        cdef const void* name = <const void*>c_node.name
        cdef size_t slot = (<size_t>name >> 3) & (CACHE - 1)
        cdef int probes = 0
        while self.slots[slot].name is not NULL:
            if self.slots[slot].name == name:
                if strcmp(self.slots[slot].text, <const char*>c_node.name) == 0:
                    return self.slots[slot].code
                break  # the address now holds another name: looked up again, slot reused
            slot = (slot + 1) & (CACHE - 1)
            probes += 1
            if probes == CACHE:
                break
        cdef bytes text = <bytes>(<const char*>c_node.name)
        cdef PyObject* found = PyDict_GetItem(self.codes, text)
        cdef int code = SKIP if found is NULL else <int><object>found
        if self.slots[slot].name is not name:
            if self.used >= CACHE // 2:
                self.reset()
                slot = (<size_t>name >> 3) & (CACHE - 1)
            elif self.slots[slot].name is not NULL:
                return code  # the probe ran out (cannot happen below half full): not kept
            self.used += 1
        self.kept.append(text)
        self.slots[slot].name = name
        self.slots[slot].text = <const char*>text
        self.slots[slot].code = code
        return code


cdef _CodeTable _codes = _CodeTable()


cdef inline xmlNode* _first_non_text(xmlNode* c_node):
    cdef xmlNode* child = c_node.children
    while child is not NULL and child.type == XML_TEXT_NODE:
        child = child.next
    return child


cdef object _NOT_PLAIN = object()


cdef inline object _plain_text(xmlNode* c_node):
    """el.text when it is plain (no child, or one text node), else _NOT_PLAIN."""
    cdef xmlNode* child = c_node.children
    if child is NULL:
        return None
    if child.type != XML_TEXT_NODE or child.next is not NULL or child.content is NULL:
        return _NOT_PLAIN
    return (<const char*>child.content).decode("utf-8")


cdef inline const char* _plain_text_c(xmlNode* c_node):
    """el.text as libxml2 holds it when plain and present (one text node), else NULL."""
    cdef xmlNode* child = c_node.children
    if child is NULL or child.type != XML_TEXT_NODE or child.next is not NULL:
        return NULL
    return <const char*>child.content


cdef inline bint _xml_space(char c):
    return c == c' ' or c == c'\t' or c == c'\r' or c == c'\n'


cdef bint _ipv4_plain(const char* text):
    """True when *text*, stripped of XML white space, is what syntax._IPV4 matches: four decimal
    octets 0-255 without leading zeros, joined by dots (anything else: the Python screen)."""
    cdef int parts = 0
    cdef int digits
    cdef int value
    while _xml_space(text[0]):
        text += 1
    while True:
        digits = 0
        value = 0
        while c'0' <= text[0] <= c'9':
            if digits == 1 and value == 0:
                return False  # a leading zero
            value = value * 10 + (text[0] - c'0')
            digits += 1
            if digits > 3:
                return False
            text += 1
        if digits == 0 or value > 255:
            return False
        parts += 1
        if parts == 4:
            break
        if text[0] != c'.':
            return False
        text += 1
    while _xml_space(text[0]):
        text += 1
    return text[0] == 0


cdef int _hex_groups(const char* s, Py_ssize_t a, Py_ssize_t b, bint* zeros, int at):
    """Split s[a:b] at colons into IPv6 groups written as ipaddress writes them (one to four
    lower-case hex digits, no leading zero), noting which are "0"; the new count, or -1."""
    cdef Py_ssize_t i = a
    cdef Py_ssize_t start
    cdef int count = at
    while True:
        start = i
        while i < b and s[i] != c':':
            i += 1
        if i == start or i - start > 4 or (i - start > 1 and s[start] == c'0') or count >= 8:
            return -1
        zeros[count] = i - start == 1 and s[start] == c'0'
        count += 1
        if i == b:
            return count
        i += 1


cdef bint _ipv6_canonical(const char* text):
    """True when *text*, stripped of XML white space, is screen._ipv6_plainly_canonical: an IPv6
    address exactly in ipaddress's (RFC 5952) form, in the usual shapes (no IPv4 tail, no zone)."""
    cdef Py_ssize_t n
    cdef Py_ssize_t i
    cdef Py_ssize_t dc = -1
    cdef bint zeros[8]
    cdef bint right[8]
    cdef int nl = 0
    cdef int nr = 0
    cdef int gap
    cdef int best_start = -1
    cdef int best_len = 0
    cdef int start = -1
    cdef char c
    while _xml_space(text[0]):
        text += 1
    n = strlen(text)
    while n > 0 and _xml_space(text[n - 1]):
        n -= 1
    if n == 0:
        return False
    for i in range(n):
        c = text[i]
        if not (c'0' <= c <= c'9' or c'a' <= c <= c'f' or c == c':'):
            return False
    for i in range(n - 1):
        if text[i] == c':' and text[i + 1] == c':':
            dc = i
            break
    if dc < 0:
        if _hex_groups(text, 0, n, zeros, 0) != 8:
            return False
        nl = 8
    else:
        if dc > 0:
            nl = _hex_groups(text, 0, dc, zeros, 0)
            if nl < 0:
                return False
        if dc + 2 < n:
            nr = _hex_groups(text, dc + 2, n, right, 0)
            if nr < 0:
                return False
        gap = 8 - nl - nr
        if gap < 2:
            return False
        for i in range(gap):
            zeros[nl + i] = True
        for i in range(nr):
            zeros[nl + gap + i] = right[i]
    for i in range(8):
        if zeros[i]:
            if start < 0:
                start = <int>i
            if i - start + 1 > best_len:
                best_start = start
                best_len = <int>i - start + 1
        else:
            start = -1
    if best_len < 2:
        return dc < 0
    return dc >= 0 and nl == best_start and nr == 8 - best_start - best_len


def ipv6_canonical(bytes text):
    """:func:`_ipv6_canonical` for the tests, which compare it with the Python screen's."""
    return _ipv6_canonical(text)


cdef bint _simple_ports(const char* text):
    """True when *text*, stripped of XML white space, is what syntax._SIMPLE_PORTS matches:
    numbers of one to four digits joined by commas."""
    cdef int digits
    while _xml_space(text[0]):
        text += 1
    while True:
        digits = 0
        while c'0' <= text[0] <= c'9':
            digits += 1
            if digits > 4:
                return False
            text += 1
        if digits == 0:
            return False
        if text[0] != c',':
            break
        text += 1
    while _xml_space(text[0]):
        text += 1
    return text[0] == 0


cdef inline object _attribute(xmlNode* c_node, const char* name):
    """el.get(name) when plain (absent, empty, or one text node), else _NOT_PLAIN."""
    cdef xmlAttr* attr = c_node.properties
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*>attr.name, name) == 0:
            if attr.children is NULL:
                return ""
            if (
                attr.children.type != XML_TEXT_NODE
                or attr.children.next is not NULL
                or attr.children.content is NULL
            ):
                return _NOT_PLAIN
            return (<const char*>attr.children.content).decode("utf-8")
        attr = attr.next
    return None


cdef inline const char* _attribute_c(xmlNode* c_node, const char* name, bint* plain):
    """el.get(name) as libxml2 holds it, when plain (*plain* set); NULL when absent."""
    cdef xmlAttr* attr = c_node.properties
    plain[0] = True
    while attr is not NULL:
        if attr.ns is NULL and strcmp(<const char*>attr.name, name) == 0:
            if attr.children is NULL:
                return b""
            if (
                attr.children.type != XML_TEXT_NODE
                or attr.children.next is not NULL
                or attr.children.content is NULL
            ):
                plain[0] = False
                return NULL
            return <const char*>attr.children.content
        attr = attr.next
    return NULL


cdef inline bint _is_iodef(xmlNode* c_node, const char* local, const xmlNs** known):
    return (
        c_node is not NULL
        and c_node.type == XML_ELEMENT_NODE
        and _in_ns(c_node, known)
        and strcmp(<const char*>c_node.name, local) == 0
    )


cdef bint _has_element_child(xmlNode* c_node):
    cdef xmlNode* child = c_node.children
    while child is not NULL:
        if child.type == XML_ELEMENT_NODE:
            return True
        child = child.next
    return False


cdef inline bint _strict_utc(const char* text):
    """YYYY-MM-DDThh:mm:ssZ exactly: then text order is time order (or the value is no time)."""
    cdef int i
    cdef const char* shape = b"0000-00-00T00:00:00Z"
    for i in range(20):
        if shape[i] == c'0':
            if text[i] < c'0' or text[i] > c'9':
                return False
        elif text[i] != shape[i]:
            return False
    return text[20] == 0


cdef bint _times_in_order(xmlNode* c_node, const xmlNs** known):
    """True when no time-order rule can report on *c_node*'s time children; False: ask Python.

    Like _check_times: the first child of each time name counts. With fewer than two, nothing
    is compared. Otherwise each must be one plain text in the strict UTC form, and every pair
    the rules compare must be in order as text.
    """
    cdef xmlNode* child = c_node.children
    cdef const char* found[6]
    cdef int n = 0
    cdef int i
    cdef const char* name
    cdef const char* text
    for i in range(6):
        found[i] = NULL
    while child is not NULL:
        if child.type == XML_ELEMENT_NODE and _in_ns(child, known):
            name = <const char*>child.name
            i = -1
            if strcmp(name, b"DetectTime") == 0:
                i = 0
            elif strcmp(name, b"StartTime") == 0:
                i = 1
            elif strcmp(name, b"EndTime") == 0:
                i = 2
            elif strcmp(name, b"RecoveryTime") == 0:
                i = 3
            elif strcmp(name, b"ReportTime") == 0:
                i = 4
            elif strcmp(name, b"GenerationTime") == 0:
                i = 5
            if i >= 0 and found[i] is NULL:
                text = NULL
                if (
                    child.children is not NULL
                    and child.children.type == XML_TEXT_NODE
                    and child.children.next is NULL
                ):
                    text = <const char*>child.children.content
                if text is NULL or not _strict_utc(text):
                    text = b""  # not plain: decided below, if it is compared at all
                found[i] = text
                n += 1
        child = child.next
    if n < 2:
        return True
    cdef PyObject* pairs = PyDict_GetItem(_time_pairs, <bytes>(<const char*>c_node.name))
    if pairs is NULL:
        return False
    cdef const char* a
    cdef const char* b
    for pair in <object>pairs:
        a = found[<int>pair[0]]
        b = found[<int>pair[1]]
        if a is NULL or b is NULL:
            continue
        if a[0] == 0 or b[0] == 0 or strcmp(b, a) < 0:
            return False
    return True


cdef bint _has_record_child(xmlNode* c_node, const xmlNs** known):
    cdef xmlNode* child = c_node.children
    cdef const char* name
    while child is not NULL:
        if child.type == XML_ELEMENT_NODE and _in_ns(child, known):
            name = <const char*>child.name
            if (
                strcmp(name, b"RecordItem") == 0
                or strcmp(name, b"URL") == 0
                or strcmp(name, b"FileData") == 0
                or strcmp(name, b"WindowsRegistryKeysModified") == 0
                or strcmp(name, b"CertificateData") == 0
                or strcmp(name, b"AdditionalData") == 0
            ):
                return True
        child = child.next
    return False


cdef bint _cleared(
    xmlNode* c_node, int code, bint node_needs, dict address_memo, dict portlist_memo,
    const xmlNs** known,
):
    """True when the element's handlers cannot report; False: ask the Python screen."""
    cdef object text
    cdef object value
    cdef PyObject* found
    cdef xmlNode* first
    cdef bint plain
    cdef const char* raw
    if code == ADDRESS:
        raw = _attribute_c(c_node, b"category", &plain)
        if raw is not NULL and strcmp(raw, b"ipv4-addr") == 0:
            raw = _plain_text_c(c_node)
            if raw is not NULL and _ipv4_plain(raw):
                return True  # what the memo would say of it, without making its strings
        elif plain and (raw is NULL or strcmp(raw, b"ipv6-addr") == 0):  # absent: ipv6-addr
            raw = _plain_text_c(c_node)
            if raw is not NULL and _ipv6_canonical(raw):
                return True
        value = _attribute(c_node, b"category")
        text = _plain_text(c_node)
        if value is _NOT_PLAIN or text is _NOT_PLAIN:
            return False
        if value is not None and value != "ipv4-addr" and value != "ipv6-addr":
            return False  # a Nameservers parent would matter: Python's check
        found = PyDict_GetItem(address_memo, (value, text))
        return found is not NULL and (<object>found) is True
    if code == PORTLIST:
        raw = _plain_text_c(c_node)
        if raw is not NULL and _simple_ports(raw):
            return True  # _check_portlist returns at once for these
        text = _plain_text(c_node)
        if text is _NOT_PLAIN:
            return False
        found = PyDict_GetItem(portlist_memo, text)
        return found is not NULL and (<object>found) is True
    if code == NODE:
        if not node_needs:
            return True
        first = _first_non_text(c_node)
        return _is_iodef(first, b"Address", known) or _is_iodef(first, b"DomainData", known)
    if code == SERVICE:
        if _attribute_c(c_node, b"ip-protocol", &plain) is NULL:
            return False  # absent (or not plain): _check_service decides
        first = _first_non_text(c_node)
        return first is not NULL and first.type == XML_ELEMENT_NODE
    if code == EVENT_DATA:
        return _has_element_child(c_node) and _times_in_order(c_node, known)
    if code == TIMES:
        return _times_in_order(c_node, known)
    if code == RECORD_DATA:
        return _has_record_child(c_node, known)
    if code == RECORD_ITEM:
        raw = _attribute_c(c_node, b"dtype", &plain)
        if not plain:
            return False
        if raw is NULL or strcmp(raw, b"xml") == 0 or strcmp(raw, b"ext-value") == 0:
            return True
        return strcmp(raw, b"string") == 0 and not _has_element_child(c_node)
    if code == ANY_CHILD:
        return _has_element_child(c_node)
    if code == CONFIDENCE:
        if c_node.children is not NULL:
            return False
        raw = _attribute_c(c_node, b"rating", &plain)
        return plain and (raw is NULL or strcmp(raw, b"numeric") != 0)
    return False


def may_report(
    _Element root, bint node_needs, dict address_memo, dict portlist_memo, object check
):
    """False only when no per-element handler would report on *root*'s tree.

    *check(element)* is the Python screen's answer for one element (True: it may report).
    """
    cdef xmlNode* top = root._c_node
    cdef xmlNode* c_node = top
    cdef xmlNode* nxt
    cdef const xmlNs* known = NULL
    cdef int code
    while c_node is not NULL:
        if c_node.type == XML_ELEMENT_NODE:
            if _in_ns(c_node, &known):
                code = _codes.code(c_node)
                if code != SKIP and not _cleared(
                    c_node, code, node_needs, address_memo, portlist_memo, &known
                ):
                    if check(cetree.elementFactory(root._doc, c_node)):
                        return True
            # depth first, in document order
            nxt = c_node.children
            while nxt is not NULL and nxt.type != XML_ELEMENT_NODE:
                nxt = nxt.next
            if nxt is not NULL:
                c_node = nxt
                continue
        if c_node is top:
            break
        nxt = c_node.next
        while nxt is not NULL and nxt.type != XML_ELEMENT_NODE:
            nxt = nxt.next
        while nxt is NULL:
            c_node = c_node.parent
            if c_node is NULL or c_node is top:
                return False
            nxt = c_node.next
            while nxt is not NULL and nxt.type != XML_ELEMENT_NODE:
                nxt = nxt.next
        c_node = nxt
    return False


#: what facts() notes of an IODEF element by its local name: FACT_REFERENCES / FACT_ID_CONTENT
#: bits, and _IS_DATE for the elements that hold an xs:dateTime (configure_dates)
DEF _IS_DATE = 1024
cdef dict _FACT_NAMES = {b"ObservableReference": 6, b"IndicatorReference": 6, b"IndicatorID": 4}
cdef _CodeTable _fact_codes = _CodeTable()
_fact_codes.set(dict(_FACT_NAMES))


def configure_dates(names):
    """The local names of the elements that hold an xs:dateTime (the §2.7 year rule's)."""
    codes = dict(_FACT_NAMES)
    for name in names:
        key = name.encode("utf-8")
        codes[key] = codes.get(key, 0) | _IS_DATE
    _fact_codes.set(codes)


cdef bint _year_plain(xmlNode* c_node):
    """True when _year_problem() is None for this element's text, seen without Python."""
    cdef xmlNode* child = c_node.children
    cdef const char* text
    cdef int i
    if child is NULL:
        return True  # no text: not an xs:dateTime
    if child.type != XML_TEXT_NODE or child.content is NULL:
        return False
    if child.next is not NULL and (
        child.next.type == XML_TEXT_NODE or child.next.type == XML_CDATA_SECTION_NODE
    ):
        return False  # lxml's text joins them
    text = <const char*>child.content
    while text[0] == c' ' or text[0] == c'\t' or text[0] == c'\r' or text[0] == c'\n':
        text += 1
    if text[0] != c'-' and (text[0] < c'0' or text[0] > c'9'):
        return True  # _DT's year starts with a minus or a digit
    for i in range(4):
        if text[i] < c'0' or text[i] > c'9':
            return False
    return text[4] == c'-'  # a four-digit year: never a problem


# --------------------------------------------------------------------------- document facts

DEF FACT_EXT = 1          # an attribute named ext-* or valued ext-value (or one not plain)
DEF FACT_REFERENCES = 2   # an ObservableReference or IndicatorReference
DEF FACT_ID_CONTENT = 4   # one of those, or an IndicatorID
DEF FACT_ID_ATTRIBUTE = 16  # an observable-id attribute, or a ds:* element with an Id attribute
DEF FACT_DATES = 32       # an xs:dateTime element whose year the §2.7 rule must look at
DEF FACT_MANY_ATTRIBUTES = 64  # an element with more than MANY_ATTRIBUTES attributes
DEF MANY_ATTRIBUTES = 64
DEF FACT_SHIFT = 8        # the number of elements with xml:lang, shifted by this many bits

FACTS = {
    "ext": FACT_EXT, "references": FACT_REFERENCES, "id_content": FACT_ID_CONTENT,
    "id_attribute": FACT_ID_ATTRIBUTE, "dates": FACT_DATES, "shift": FACT_SHIFT,
    "many_attributes": FACT_MANY_ATTRIBUTES, "many": MANY_ATTRIBUTES,
}
cdef const char* _XML_NS = b"http://www.w3.org/XML/1998/namespace"
cdef const char* _DS_NS = b"http://www.w3.org/2000/09/xmldsig#"


cdef int _attribute_facts(xmlNode* c_node):
    cdef xmlAttr* attr = c_node.properties
    cdef int facts = 0
    cdef int count = 0
    cdef const char* name
    while attr is not NULL:
        count += 1
        name = <const char*>attr.name
        if name[0] == c'e' and name[1] == c'x' and name[2] == c't' and name[3] == c'-':
            facts |= FACT_EXT
        elif attr.children is NULL:
            pass
        elif (
            attr.children.type != XML_TEXT_NODE
            or attr.children.next is not NULL
            or attr.children.content is NULL
            or strcmp(<const char*>attr.children.content, b"ext-value") == 0
        ):
            facts |= FACT_EXT
        if (
            attr.ns is not NULL
            and attr.ns.href is not NULL
            and strcmp(name, b"lang") == 0
            and strcmp(<const char*>attr.ns.href, _XML_NS) == 0
        ):
            facts += 1 << FACT_SHIFT
        elif attr.ns is NULL and (
            strcmp(name, b"observable-id") == 0
            or (
                strcmp(name, b"Id") == 0
                and c_node.ns is not NULL
                and c_node.ns.href is not NULL
                and strcmp(<const char*>c_node.ns.href, _DS_NS) == 0
            )
        ):
            facts |= FACT_ID_ATTRIBUTE
        attr = attr.next
    if count > MANY_ATTRIBUTES:
        facts |= FACT_MANY_ATTRIBUTES
    return facts


def facts(_Element root):
    """What the whole-document rules need to know before they search (see FACTS), in one walk.

    FACT_DATES is set unless every element named by configure_dates() plainly has a year the §2.7
    rule accepts (a four-digit one) or no xs:dateTime at all.
    """
    cdef xmlNode* top = root._c_node
    cdef xmlNode* c_node = top
    cdef xmlNode* nxt
    cdef const xmlNs* known = NULL
    cdef long found = 0
    cdef long langs = 0
    cdef int attrs
    cdef int code
    while c_node is not NULL:
        if c_node.type == XML_ELEMENT_NODE:
            if c_node.properties is not NULL:
                attrs = _attribute_facts(c_node)
                found |= attrs & (FACT_EXT | FACT_ID_ATTRIBUTE | FACT_MANY_ATTRIBUTES)
                langs += attrs >> FACT_SHIFT
            if _in_ns(c_node, &known):
                code = _fact_codes.code(c_node)
                found |= code & (FACT_REFERENCES | FACT_ID_CONTENT)
                if code & _IS_DATE and not found & FACT_DATES and not _year_plain(c_node):
                    found |= FACT_DATES
            nxt = c_node.children
            while nxt is not NULL and nxt.type != XML_ELEMENT_NODE:
                nxt = nxt.next
            if nxt is not NULL:
                c_node = nxt
                continue
        if c_node is top:
            break
        nxt = c_node.next
        while nxt is not NULL and nxt.type != XML_ELEMENT_NODE:
            nxt = nxt.next
        while nxt is NULL:
            c_node = c_node.parent
            if c_node is NULL or c_node is top:
                return found | (langs << FACT_SHIFT)
            nxt = c_node.next
            while nxt is not NULL and nxt.type != XML_ELEMENT_NODE:
                nxt = nxt.next
        c_node = nxt
    return found | (langs << FACT_SHIFT)
