# cython: language_level=3, boundscheck=False, wraparound=False
"""The CSV feeds' row split in C: one line into the fields ``csv.reader`` reads from it, or ``None``.

``csv.reader`` walks a row a character at a time through its state machine and its per-character
function calls: that was about a fifth of an SMS feed's conversion. :func:`split` finds the fields
of a one-line row by scanning for the delimiter and the quotes, and cuts each field out of the
line as one slice. It gives what ``csv.reader`` (the excel dialect: ``,`` and ``"`` with doubled
quotes, not strict) gives for ``line + "\\n"``, and answers ``None`` whenever it cannot be sure,
so that the reader hands that row to ``csv.reader`` as before:

- an empty line (csv's ``[]``), a line longer than the field size limit (csv's error);
- a carriage return or a NUL anywhere (csv's error, or its own handling);
- a quoted field still open at the end of the line (the row goes on on the next line);
- text after a closing quote other than the delimiter (csv's lenient ``"a"b`` is ``ab``).

Built by setup.py when Cython and a C compiler are there; without it every row goes through
``csv.reader`` (tests/convert/test_csv_fast.py compares the two ways).
"""

from cpython.unicode cimport PyUnicode_DATA, PyUnicode_GET_LENGTH, PyUnicode_KIND
from libc.string cimport memchr


cdef extern from "Python.h":
    Py_UCS4 PyUnicode_READ(int kind, void *data, Py_ssize_t index) nogil
    int PyUnicode_1BYTE_KIND


cdef inline Py_ssize_t _find(int kind, void *data, Py_ssize_t start, Py_ssize_t n, Py_UCS4 c):
    """The index of the first *c* in ``data[start:n]``, or *n*: memchr on the one-byte form of a
    str (ASCII and Latin-1 text, nearly every feed), a loop on the others."""
    cdef const void *at
    if kind == PyUnicode_1BYTE_KIND:
        at = memchr(<const char *>data + start, <int>c, <size_t>(n - start))
        return n if at == NULL else <const char *>at - <const char *>data
    while start < n and PyUnicode_READ(kind, data, start) != c:
        start += 1
    return start


def split(str line, Py_ssize_t limit):
    """The fields of *line* as ``csv.reader`` reads ``line + "\\n"``, or ``None`` when unsure
    (see the module's text). *limit* is ``csv.field_size_limit()``."""
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(line)
    if n == 0 or n > limit:
        return None
    cdef int kind = PyUnicode_KIND(line)
    cdef void *data = PyUnicode_DATA(line)
    if _find(kind, data, 0, n, u'\r') < n or _find(kind, data, 0, n, 0) < n:
        return None
    cdef list fields = []
    cdef Py_ssize_t i = 0, start, end
    cdef bint doubled
    while True:
        if i < n and PyUnicode_READ(kind, data, i) == u'"':
            start = i + 1
            end = start
            doubled = False
            while True:
                end = _find(kind, data, end, n, u'"')
                if end >= n:
                    return None  # still open at the end of the line: the field spans lines
                if end + 1 < n and PyUnicode_READ(kind, data, end + 1) == u'"':
                    doubled = True
                    end += 2
                    continue
                break
            field = line[start:end]
            fields.append(field.replace('""', '"') if doubled else field)
            i = end + 1
            if i == n:
                return fields
            if PyUnicode_READ(kind, data, i) != u',':
                return None  # text after the closing quote
            i += 1
        else:
            start = i
            i = _find(kind, data, i, n, u',')
            fields.append(line[start:i])
            if i == n:
                return fields
            i += 1  # past the delimiter; one that ends the line leaves an empty last field
