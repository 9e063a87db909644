# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The Windows JSON reader's two costs in C: decoding a line, and picking an event's values.

:func:`event`: one ``evtx_dump -o jsonl`` line, checked and cut down to what the reader reads.

``json.loads`` builds every key and value of an event (thirty-odd strings, seven dicts) for the
reader to read eight of them: that was most of the cost of a Windows conversion. :func:`event`
checks the whole line against the JSON grammar in one pass without building anything, and
decodes only the members :func:`iodef.convert.readers.windows._evtx_dump` reads (``Event``'s
``System``, ``EventData`` and ``UserData``; ``System``'s ``Provider``, ``EventID``,
``TimeCreated`` and ``Computer``; the ``EventData`` members the reader looks up), each the object
``json.loads`` would have given: a string without escapes is its own text, a short plain integer
its int, any other value is decoded by the scanner ``json.loads`` itself ends in. A key repeated
keeps its last value, as in ``json.loads``.

It answers ``None`` whenever it cannot be sure, and the reader then decodes the line with
``json.loads`` as before: a line that is not JSON (so that the error is json's own), a top level
that is not an object whose only key is ``Event`` with an object (a Winlogbeat line is declined at
its first key), a key with an escape on the path to a value read,
a number longer than 100 characters (json refuses integers of over 4300 digits), NaN/Infinity,
nesting deeper than 64, a line with a character beyond Latin-1 (rare in these logs; the walk
reads the one-byte form of a ``str``).

:func:`values` is ``windows._values`` (the first of each group of keys that has a value) without
the interpreter's loop.

Built by setup.py when Cython and a C compiler are there; without it iodef reads the Windows
JSON with ``json.loads`` and picks the values in Python (tests/convert/test_evtx_fast.py compares
the two).
"""

from cpython.unicode cimport PyUnicode_DATA, PyUnicode_GET_LENGTH, PyUnicode_KIND
from libc.string cimport memcmp

# the scanner json.loads ends in, and the EventData members the reader looks up by the length of
# their names (each a (name's bytes, name) pair; see configure())
cdef object _scan = None
cdef list _wanted = [[] for _ in range(64)]

DEF MAX_DEPTH = 64
DEF MAX_NUMBER = 100

# how an object is walked, and what one of its members is to the walk
DEF SKIP = 0      # checked, nothing kept
DEF KEEP = 1      # a member decoded whole into the object kept
DEF TOP = 2       # the line: its Event walked
DEF EVENT = 3     # Event: its System and EventData walked, its UserData kept
DEF SYSTEM = 4    # System: its Provider and TimeCreated walked, its EventID and Computer kept
DEF DATA = 5      # EventData: the members the reader looks up kept
DEF PROVIDER = 6  # System's Provider and TimeCreated: their #attributes walked
DEF CREATED = 7
DEF PROVIDER_ATTRS = 8  # and of those, the Name and the SystemTime kept
DEF CREATED_ATTRS = 9

def configure(scan, wanted):
    """Set the scanner that decodes a value and the EventData keys to keep (ASCII names)."""
    global _scan, _wanted
    _scan = scan
    table = [[] for _ in range(64)]
    for name in wanted:
        table[len(name)].append((name.encode("ascii"), name))
    _wanted = table


cdef struct Text:
    const unsigned char *b
    Py_ssize_t n


cdef inline unsigned char at(Text *t, Py_ssize_t i) noexcept:
    # 0 past the end: NUL is not JSON anywhere (a control character in a string is refused too)
    return t.b[i] if i < t.n else 0


cdef inline Py_ssize_t space(Text *t, Py_ssize_t i) noexcept:
    cdef unsigned char c = at(t, i)
    while c == 32 or c == 9 or c == 10 or c == 13:
        i += 1
        c = at(t, i)
    return i


cdef inline bint is_hex(unsigned char c) noexcept:
    return 48 <= c <= 57 or 65 <= c <= 70 or 97 <= c <= 102


cdef Py_ssize_t string(Text *t, Py_ssize_t i, bint *escaped) noexcept:
    """The end of the string that starts at *i* (its opening quote), or -1."""
    cdef const unsigned char *b = t.b
    cdef Py_ssize_t n = t.n
    cdef unsigned char c
    cdef int k
    i += 1
    while True:
        while i < n and b[i] >= 32 and b[i] != 34 and b[i] != 92:
            i += 1
        c = at(t, i)
        if c == 34:  # "
            return i + 1
        if c != 92:  # a control character (json.loads is strict), or the end of the text
            return -1
        escaped[0] = True
        c = at(t, i + 1)
        if c == 117:  # u and four hex digits (a lone surrogate is JSON too)
            for k in range(2, 6):
                if not is_hex(at(t, i + k)):
                    return -1
            i += 6
        elif c == 34 or c == 92 or c == 47 or c == 98 or c == 102 or c == 110 or c == 114 or c == 116:
            i += 2
        else:
            return -1


cdef inline Py_ssize_t digits(Text *t, Py_ssize_t i) noexcept:
    cdef unsigned char c = at(t, i)
    while 48 <= c <= 57:
        i += 1
        c = at(t, i)
    return i


cdef Py_ssize_t number(Text *t, Py_ssize_t i) noexcept:
    """The end of the number at *i*, or -1 (also for one too long to be sure of, see above)."""
    cdef Py_ssize_t start = i, j
    cdef unsigned char c
    if at(t, i) == 45:  # -
        i += 1
    c = at(t, i)
    if c == 48:
        i += 1
    elif 49 <= c <= 57:
        i = digits(t, i + 1)
    else:
        return -1
    if at(t, i) == 46:  # .
        j = digits(t, i + 1)
        if j == i + 1:
            return -1
        i = j
    c = at(t, i)
    if c == 101 or c == 69:  # e E
        i += 1
        c = at(t, i)
        if c == 43 or c == 45:
            i += 1
        j = digits(t, i)
        if j == i:
            return -1
        i = j
    return i if i - start <= MAX_NUMBER else -1


cdef inline bint same(Text *t, Py_ssize_t start, Py_ssize_t n, const char *name, Py_ssize_t size) noexcept:
    return n == size and start + n <= t.n and memcmp(t.b + start, name, size) == 0


cdef inline Py_ssize_t word(Text *t, Py_ssize_t i, const char *w, Py_ssize_t size) noexcept:
    return i + size if same(t, i, size, w, size) else -1


cdef Py_ssize_t value(Text *t, Py_ssize_t i, int depth) noexcept:
    """The end of the JSON value at *i* (checked, nothing built), or -1."""
    cdef unsigned char c = at(t, i)
    cdef bint escaped = False
    if c == 34:
        return string(t, i, &escaped)
    if c == 123:  # {
        return skipped(t, i, depth + 1)
    if c == 91:  # [
        return items(t, i, depth + 1)
    if c == 45 or 48 <= c <= 57:
        return number(t, i)
    if c == 116:
        return word(t, i, b"true", 4)
    if c == 102:
        return word(t, i, b"false", 5)
    if c == 110:
        return word(t, i, b"null", 4)
    return -1


cdef Py_ssize_t items(Text *t, Py_ssize_t i, int depth) noexcept:
    if depth > MAX_DEPTH:
        return -1
    i = space(t, i + 1)
    if at(t, i) == 93:  # ]
        return i + 1
    while True:
        i = value(t, i, depth)
        if i < 0:
            return -1
        i = space(t, i)
        if at(t, i) == 93:
            return i + 1
        if at(t, i) != 44:  # ,
            return -1
        i = space(t, i + 1)


cdef Py_ssize_t skipped(Text *t, Py_ssize_t i, int depth) noexcept:
    """The end of the object at *i* (checked, nothing built), or -1."""
    cdef bint escaped = False
    if depth > MAX_DEPTH:
        return -1
    i = space(t, i + 1)
    if at(t, i) == 125:  # }
        return i + 1
    while True:
        if at(t, i) != 34:
            return -1
        i = string(t, i, &escaped)
        if i < 0:
            return -1
        i = space(t, i)
        if at(t, i) != 58:  # :
            return -1
        i = value(t, space(t, i + 1), depth)
        if i < 0:
            return -1
        i = space(t, i)
        if at(t, i) == 125:
            return i + 1
        if at(t, i) != 44:  # ,
            return -1
        i = space(t, i + 1)


cdef object role(Text *t, Py_ssize_t start, Py_ssize_t n, int walk, int *kind):
    """The key (an interned name) of a member whose key is the *n* characters at *start* and
    what it is (*kind*) to an object walked as *walk*; ``None`` for a member not kept."""
    cdef tuple pair
    kind[0] = KEEP
    if walk == TOP:
        if same(t, start, n, b"Event", 5):
            kind[0] = EVENT
            return "Event"
    elif walk == EVENT:
        if same(t, start, n, b"System", 6):
            kind[0] = SYSTEM
            return "System"
        if same(t, start, n, b"EventData", 9):
            kind[0] = DATA
            return "EventData"
        if same(t, start, n, b"UserData", 8):
            return "UserData"
    elif walk == SYSTEM:
        if same(t, start, n, b"Provider", 8):
            kind[0] = PROVIDER
            return "Provider"
        if same(t, start, n, b"EventID", 7):
            return "EventID"
        if same(t, start, n, b"TimeCreated", 11):
            kind[0] = CREATED
            return "TimeCreated"
        if same(t, start, n, b"Computer", 8):
            return "Computer"
    elif walk == PROVIDER or walk == CREATED:
        if same(t, start, n, b"#attributes", 11):
            kind[0] = PROVIDER_ATTRS if walk == PROVIDER else CREATED_ATTRS
            return "#attributes"
    elif walk == PROVIDER_ATTRS:
        if same(t, start, n, b"Name", 4):
            return "Name"
    elif walk == CREATED_ATTRS:
        if same(t, start, n, b"SystemTime", 10):
            return "SystemTime"
    elif n < 64:  # DATA
        for pair in <list>_wanted[n]:
            if same(t, start, n, <bytes>pair[0], n):
                return pair[1]
    kind[0] = SKIP
    return None


cdef object integer(Text *t, Py_ssize_t start, Py_ssize_t end):
    """The int a plain JSON integer of up to 18 characters is, or ``None`` for any other value."""
    cdef long long v = 0
    cdef Py_ssize_t i = start
    cdef bint negative = at(t, i) == 45
    if end - start > 18:
        return None
    if negative:
        i += 1
    while i < end:
        if not 48 <= t.b[i] <= 57:
            return None
        v = v * 10 + (t.b[i] - 48)
        i += 1
    return -v if negative else v


cdef class _Walk:
    """The line being walked, and what the last walk of an object kept of it."""

    cdef Text t
    cdef str line
    cdef object kept


cdef Py_ssize_t members(_Walk w, Py_ssize_t i, int depth, int walk) except -2:
    """The end of the object at *i* (checked), or -1; what *walk* keeps of it is left in
    ``w.kept`` (for TOP, the kept Event: a later Event replaces it, as in json.loads)."""
    cdef Text *t = &w.t
    cdef Py_ssize_t key, end
    cdef bint escaped
    cdef int kind
    cdef unsigned char c
    cdef object name, number
    cdef dict kept = {} if walk != TOP else None
    if depth > MAX_DEPTH:
        return -1
    i = space(t, i + 1)
    if at(t, i) != 125:  # }
        while True:
            if at(t, i) != 34:
                return -1
            escaped = False
            key = i + 1
            end = string(t, i, &escaped)
            if end < 0 or escaped:  # a key the reader might look up, spelled with an escape
                return -1
            name = role(t, key, end - 1 - key, walk, &kind)
            if walk == TOP and kind == SKIP:  # not evtx_dump's layout (Winlogbeat): decline at once
                return -1
            i = space(t, end)
            if at(t, i) != 58:  # :
                return -1
            i = space(t, i + 1)
            c = at(t, i)
            if kind == SKIP:
                end = value(t, i, depth)
            elif c == 123 and kind != KEEP:  # an object to walk
                end = members(w, i, depth + 1, kind)
                if end >= 0 and kind != EVENT:
                    kept[name] = w.kept
            elif kind == EVENT:  # an Event that is no object: the reader's other paths decide
                return -1
            elif c == 34:
                escaped = False
                end = string(t, i, &escaped)
                if end >= 0:
                    # a string without escapes is its own text, as json's scanstring gives it
                    kept[name] = _scan(w.line, i)[0] if escaped else w.line[i + 1 : end - 1]
            else:  # any other value, as json.loads decodes it (the reader refuses what it must)
                end = value(t, i, depth)
                if end >= 0:
                    number = integer(t, i, end) if c == 45 or 48 <= c <= 57 else None
                    kept[name] = _scan(w.line, i)[0] if number is None else number
            if end < 0:
                return -1
            i = space(t, end)
            c = at(t, i)
            if c == 125:
                break
            if c != 44:  # ,
                return -1
            i = space(t, i + 1)
    if kept is not None:
        w.kept = kept
    return i + 1


def event(str line):
    """``{"Event": ...}`` with what the reader reads of the line's event, or ``None`` (see above)."""
    cdef _Walk w
    cdef Py_ssize_t end
    if PyUnicode_KIND(line) != 1:
        return None
    w = _Walk()
    w.line = line
    w.t.b = <const unsigned char *>PyUnicode_DATA(line)
    w.t.n = PyUnicode_GET_LENGTH(line)
    end = space(&w.t, 0)
    if at(&w.t, end) != 123:
        return None
    end = members(w, end, 1, TOP)
    if end < 0 or w.kept is None or space(&w.t, end) != w.t.n:
        return None
    return {"Event": w.kept}


def values(dict data, tuple groups):
    """What ``windows._values`` gives, in C (the reader's other per-event cost).

    For each group of keys, the first value that is neither empty nor ``-``, as stripped text.
    """
    cdef list found = []
    cdef object text, v
    for keys in groups:
        text = None
        for key in <tuple>keys:
            v = data.get(key)
            if v is not None:
                text = (v if type(v) is str else str(v)).strip()
                if text and text != "-":
                    break
                text = None
        found.append(text)
    return found
