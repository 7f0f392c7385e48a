/*
 * _http: the head of an HTTP/1.1 response, read in C. The pure-Python reader
 * (_wire/http11._parse_lines) is the reference: `head(block)` reads a head that is plainly
 * well formed exactly as the reference reads it, and returns None for any other (a bad
 * status line or header line, a stray CR or LF in a line), which the reference then reads
 * or refuses with its own message.
 *
 * block: the bytes before the blank line. Returns (status, reason, headers) with header
 * names lower-cased, values latin-1 and stripped of spaces and tabs, a repeated header's
 * values joined by ", ".
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

static int is_token(unsigned char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return 1;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The end of the line starting at `at`: the next CRLF, or `end`; -1 for a stray CR or LF. */
static Py_ssize_t line_end(const char *text, Py_ssize_t at, Py_ssize_t end) {
    for (Py_ssize_t i = at; i < end; i++) {
        if (text[i] == '\r' && i + 1 < end && text[i + 1] == '\n') return i;
        if (text[i] == '\r' || text[i] == '\n') return -1;
    }
    return end;
}

/* "HTTP/1.x DDD[ reason]": the status, and the reason in *reason; -1 if not that. */
static int status_line(const char *text, Py_ssize_t end, PyObject **reason) {
    if (end < 12 || memcmp(text, "HTTP/1.", 7) != 0 || (text[7] != '0' && text[7] != '1')
        || text[8] != ' ') {
        return -1;
    }
    int status = 0;
    for (int i = 9; i < 12; i++) {
        if (text[i] < '0' || text[i] > '9') return -1;
        status = status * 10 + (text[i] - '0');
    }
    if (end > 12 && text[12] != ' ') return -1;
    Py_ssize_t start = end > 12 ? 13 : 12;
    *reason = PyUnicode_DecodeLatin1(text + start, end - start, NULL);
    return *reason == NULL ? -2 : status;
}

/* Add one "name: value" line to headers: 1 done, 0 not plainly well formed, -1 error. */
static int header(PyObject *headers, const char *line, Py_ssize_t length) {
    Py_ssize_t colon = 0;
    char name[256];
    while (colon < length && line[colon] != ':') {
        if (!is_token((unsigned char)line[colon]) || colon >= (Py_ssize_t)sizeof(name)) return 0;
        char c = line[colon];
        name[colon] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
        colon++;
    }
    if (colon == 0 || colon == length) return 0;
    Py_ssize_t start = colon + 1, stop = length;
    while (start < stop && (line[start] == ' ' || line[start] == '\t')) start++;
    while (stop > start && (line[stop - 1] == ' ' || line[stop - 1] == '\t')) stop--;
    PyObject *key = PyUnicode_DecodeLatin1(name, colon, NULL);
    PyObject *value = key == NULL ? NULL : PyUnicode_DecodeLatin1(line + start, stop - start, NULL);
    if (value == NULL) {
        Py_XDECREF(key);
        return -1;
    }
    PyObject *before = PyDict_GetItemWithError(headers, key);
    if (before != NULL) {
        PyObject *joined = PyUnicode_FromFormat("%U, %U", before, value);
        Py_DECREF(value);
        value = joined;
    }
    int failed = value == NULL || PyErr_Occurred() || PyDict_SetItem(headers, key, value) < 0;
    Py_DECREF(key);
    Py_XDECREF(value);
    return failed ? -1 : 1;
}

static PyObject *head(PyObject *module, PyObject *block) {
    if (!PyBytes_CheckExact(block)) Py_RETURN_NONE;
    const char *text = PyBytes_AS_STRING(block);
    Py_ssize_t size = PyBytes_GET_SIZE(block);
    Py_ssize_t end = line_end(text, 0, size);
    PyObject *reason = NULL;
    int status = end < 0 ? -1 : status_line(text, end, &reason);
    if (status == -2) return NULL;
    if (status < 0) Py_RETURN_NONE;
    PyObject *headers = PyDict_New();
    if (headers == NULL) {
        Py_DECREF(reason);
        return NULL;
    }
    for (Py_ssize_t at = end + 2; end < size; at = end + 2) {
        end = line_end(text, at, size);
        int done = end < 0 ? 0 : header(headers, text + at, end - at);
        if (done <= 0) {
            Py_DECREF(reason);
            Py_DECREF(headers);
            if (done < 0) return NULL;
            Py_RETURN_NONE;
        }
    }
    return Py_BuildValue("(iNN)", status, reason, headers);
}

static PyMethodDef methods[] = {
    {"head", head, METH_O, "head(block): (status, reason, headers), or None (Python decides)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_http", "An HTTP/1.1 response head, read in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__http(void) { return PyModule_Create(&module); }
