# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True
"""The Zeek TSV reader's hot loop in C, for rdp.log: a run of lines to their light rows.

:class:`RdpLines` is the ``build`` closure of ``zeek._tsv_builder`` for an rdp log (and the line
split and loop around it), without the interpreter: ``take(lines, start, number)`` reads
``lines[start:]`` one line after another into rows (the record fields as dicts, as ``build``
gives them), at most a batch of 32 a call, and stops at the first line it cannot be sure of,
which the Python path then reads (and reads or reports as before). A line makes a row here only
when:

- it is ASCII (a ``str`` of one-byte characters all below 128), holds no backslash (Zeek's
  escapes are undone in Python) and does not start with ``#`` (a header line);
- it has exactly the header's number of tab-separated columns;
- its ``ts`` is ten digits (not starting with 0), a dot and six digits (Zeek's own shape, 2001 to
  2286): turned into the same aware UTC datetime as ``fromisoformat`` gives in Python;
- its ports are the unset marker or one to five digits up to 65535;
- its addresses are ones the Python path reads (it asks the same cache and the same function).

Everything it makes is what the Python path makes: the same key order (a copy of the same
template), equal strings, ints and datetimes, the event named by the same rule. The column text
of an address is compared with the last line's, whose result is reused (log lines come in runs
from one source).

Built by setup.py when Cython and a C compiler are there; without it (or with
``IODEF_PURE_PYTHON=1``) every line takes the Python path (tests/convert/test_zeek_fast.py runs
both ways on the real samples and on generated and mutated lines).
"""

from cpython.datetime cimport datetime_new, import_datetime
from cpython.dict cimport PyDict_Copy, PyDict_GetItem, PyDict_SetItem
from cpython.list cimport PyList_GET_ITEM, PyList_GET_SIZE
from cpython.object cimport PyObject
from cpython.unicode cimport PyUnicode_DATA, PyUnicode_GET_LENGTH
from libc.string cimport memchr, memcmp

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    object PyUnicode_Substring(object text, Py_ssize_t start, Py_ssize_t end)

import_datetime()

DEF MAX_COLUMNS = 256
# the most rows one take() makes: a few dozen rows are still in the CPU's caches when the grouper
# reads them (a whole 256 KiB block's rows, ~1,500, were not, and the grouper took twice as long)
DEF BATCH = 32
#: the most columns a header may have for its lines to be read here
COLUMNS_READ = MAX_COLUMNS

# the column text is not read here: the line goes to the Python path
DEF DECLINE = -2
# the column holds the unset marker
DEF UNSET = -1


cdef inline bint is_digit(unsigned char c) noexcept:
    return 48 <= c <= 57


cdef inline bint equal(const char *p, Py_ssize_t n, bytes marker) noexcept:
    return n == len(marker) and memcmp(p, <const char *>marker, n) == 0


cdef inline bint same_text(const char *p, Py_ssize_t n, str seen) noexcept:
    """Whether *seen* (an ASCII str) holds the *n* bytes at *p*."""
    return PyUnicode_GET_LENGTH(seen) == n and memcmp(p, PyUnicode_DATA(seen), n) == 0


cdef class RdpLines:
    """The rows of an rdp log's lines under one header (see the module's doc)."""

    cdef Py_ssize_t nfields
    # the columns read: ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p (always there), then
    # client_name, authentication_method, security_protocol, uid, cookie, result (-1 when absent)
    cdef Py_ssize_t i_ts, i_oh, i_op, i_rh, i_rp
    cdef Py_ssize_t j_client, j_method, j_secproto, j_uid, j_cookie, j_result
    cdef bytes unset, empty
    cdef dict template, ips
    cdef object address_of, utc
    # the last line's address columns and what they were read as
    cdef str last_orig, last_resp
    cdef object last_src, last_dst
    # the days since the epoch of the last time read, and their date
    cdef long long last_days
    cdef int year, month, day

    def __init__(self, Py_ssize_t nfields, tuple columns, str unset, str empty, dict template,
                 dict ips, address_of, utc):
        if not 0 < nfields <= MAX_COLUMNS:
            raise ValueError(f"{nfields} columns: more than {MAX_COLUMNS}")
        self.nfields = nfields
        (self.i_ts, self.i_oh, self.i_op, self.i_rh, self.i_rp, self.j_client, self.j_method,
         self.j_secproto, self.j_uid, self.j_cookie, self.j_result) = columns
        self.unset = unset.encode("ascii")
        self.empty = empty.encode("ascii")
        self.template = template
        self.ips = ips
        self.address_of = address_of
        self.utc = utc
        self.last_orig = self.last_resp = None
        self.last_src = self.last_dst = None
        self.last_days = -1

    def take(self, list lines, Py_ssize_t start, Py_ssize_t number):
        """``(rows, stop)``: the rows of ``lines[start:stop]`` (line ``number + 1`` is
        ``lines[0]``), *stop* being the first line not read here: one it leaves to the Python
        path (when no rows came), the end of the batch, or ``len(lines)``."""
        cdef list rows = []
        cdef Py_ssize_t i = start, n = PyList_GET_SIZE(lines)
        if n > start + BATCH:
            n = start + BATCH
        cdef object row
        while i < n:
            row = self.row(<object>PyList_GET_ITEM(lines, i), number + i + 1)
            if row is None:
                break
            rows.append(row)
            i += 1
        return rows, i

    cdef object row(self, object text, Py_ssize_t number):
        """The row of one line, or None (see the module's doc)."""
        cdef Py_ssize_t starts[MAX_COLUMNS + 1]
        cdef Py_ssize_t n, k, a, b
        cdef const char *p
        cdef const char *tab
        cdef object ts, src, dst, source_port, target_port, key, event
        cdef object client = None, method = None, uid = None, user = None
        cdef int port
        cdef dict data
        if type(text) is not str or not PyUnicode_IS_ASCII(text):
            return None
        n = PyUnicode_GET_LENGTH(text)
        p = <const char *>PyUnicode_DATA(text)
        if n == 0 or p[0] == 35 or memchr(p, 92, n) != NULL:  # empty, '#', a backslash
            return None
        # the columns' starts; starts[k + 1] - 1 is where column k ends
        starts[0] = 0
        k = 1
        tab = <const char *>memchr(p, 9, n)
        while tab != NULL:
            if k == self.nfields:
                return None  # more columns than the header's
            starts[k] = tab - p + 1
            k += 1
            tab = <const char *>memchr(tab + 1, 9, n - (tab - p) - 1)
        if k != self.nfields:
            return None
        starts[k] = n + 1

        ts = self.time(p + starts[self.i_ts], starts[self.i_ts + 1] - 1 - starts[self.i_ts])
        if ts is None:
            return None

        a, b = starts[self.i_oh], starts[self.i_oh + 1] - 1
        if self.last_orig is not None and same_text(p + a, b - a, self.last_orig):
            src = self.last_src
        else:
            key = PyUnicode_Substring(text, a, b)
            src = self.address(key)
            if src is None and not equal(p + a, b - a, self.unset):
                return None  # not an address: the Python path says so
            self.last_orig, self.last_src = key, src
        a, b = starts[self.i_rh], starts[self.i_rh + 1] - 1
        if self.last_resp is not None and same_text(p + a, b - a, self.last_resp):
            dst = self.last_dst
        else:
            key = PyUnicode_Substring(text, a, b)
            dst = self.address(key)
            if dst is None and not equal(p + a, b - a, self.unset):
                return None
            self.last_resp, self.last_dst = key, dst

        port = self.port(p + starts[self.i_op], starts[self.i_op + 1] - 1 - starts[self.i_op])
        if port == DECLINE:
            return None
        source_port = None if port == UNSET else port
        port = self.port(p + starts[self.i_rp], starts[self.i_rp + 1] - 1 - starts[self.i_rp])
        if port == DECLINE:
            return None
        target_port = None if port == UNSET else port

        # the event, by the result's text: none or "encrypted" is a session
        event = "session"
        if self.j_result >= 0:
            a, b = starts[self.j_result], starts[self.j_result + 1] - 1
            if not (self.absent(p + a, b - a) or (b - a == 9 and memcmp(p + a, b"encrypted", 9) == 0)):
                if b - a == 7 and memcmp(p + a, b"Success", 7) == 0:
                    event = "login-success"
                else:
                    event = "login-failure"

        if self.j_client >= 0:
            client = self.text(text, p, starts[self.j_client], starts[self.j_client + 1] - 1)
        if self.j_method >= 0:
            method = self.text(text, p, starts[self.j_method], starts[self.j_method + 1] - 1)
        if not method and self.j_secproto >= 0:  # no authentication method (or an empty one)
            method = self.text(text, p, starts[self.j_secproto], starts[self.j_secproto + 1] - 1)
        if self.j_uid >= 0:
            uid = self.text(text, p, starts[self.j_uid], starts[self.j_uid + 1] - 1)
        if self.j_cookie >= 0:
            user = self.text(text, p, starts[self.j_cookie], starts[self.j_cookie + 1] - 1)

        data = PyDict_Copy(self.template)
        PyDict_SetItem(data, "time", ts)
        PyDict_SetItem(data, "event", event)
        PyDict_SetItem(data, "line", number)
        PyDict_SetItem(data, "raw", text)
        PyDict_SetItem(data, "source_ip", src)
        PyDict_SetItem(data, "source_port", source_port)
        PyDict_SetItem(data, "source_name", client)
        PyDict_SetItem(data, "target_ip", dst)
        PyDict_SetItem(data, "target_port", target_port)
        PyDict_SetItem(data, "user", user)
        PyDict_SetItem(data, "auth_method", method)
        PyDict_SetItem(data, "session_id", uid)
        return data

    cdef inline bint absent(self, const char *p, Py_ssize_t n) noexcept:
        return equal(p, n, self.unset) or equal(p, n, self.empty)

    cdef inline object text(self, object line, const char *p, Py_ssize_t a, Py_ssize_t b):
        """A column's text, None for the unset or empty marker."""
        if self.absent(p + a, b - a):
            return None
        return PyUnicode_Substring(line, a, b)

    cdef object address(self, object key):
        """The canonical text of an address column (None when none), as the Python path reads it."""
        cdef PyObject *got = PyDict_GetItem(self.ips, key)
        if got != NULL:
            return <object>got
        return self.address_of(key)

    cdef int port(self, const char *p, Py_ssize_t n) noexcept:
        """A port column's number, UNSET, or DECLINE (not one to five digits up to 65535)."""
        cdef int value = 0
        cdef Py_ssize_t k
        if equal(p, n, self.unset):
            return UNSET
        if not 1 <= n <= 5:
            return DECLINE
        for k in range(n):
            if not is_digit(p[k]):
                return DECLINE
            value = value * 10 + (p[k] - 48)
        return value if value <= 65535 else DECLINE

    cdef object time(self, const char *p, Py_ssize_t n):
        """Zeek's ``ts`` (ten digits, a dot, six digits; see the module's doc), or None."""
        cdef long long secs = 0, days, z, era, doe, yoe, doy, mp
        cdef int us = 0, k, rem
        if n != 17 or p[10] != 46 or p[0] == 48:
            return None
        for k in range(10):
            if not is_digit(p[k]):
                return None
            secs = secs * 10 + (p[k] - 48)
        for k in range(11, 17):
            if not is_digit(p[k]):
                return None
            us = us * 10 + (p[k] - 48)
        days = secs // 86400
        rem = secs - days * 86400
        if days != self.last_days:
            # the civil date of a day count (H. Hinnant's days_from_civil inverted; days >= 0 here)
            z = days + 719468
            era = z // 146097
            doe = z - era * 146097
            yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
            doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
            mp = (5 * doy + 2) // 153
            self.day = <int>(doy - (153 * mp + 2) // 5 + 1)
            self.month = <int>(mp + 3 if mp < 10 else mp - 9)
            self.year = <int>(yoe + era * 400 + (1 if self.month <= 2 else 0))
            self.last_days = days
        return datetime_new(self.year, self.month, self.day, rem // 3600, rem % 3600 // 60, rem % 60, us,
                            self.utc)
