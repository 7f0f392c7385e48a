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
 *
 * `response(data)` reads a whole response in one go, as the reader (_wire/http11's
 * ResponseReader) reads it when `data` is all it was fed: a final status, a plainly well
 * formed head and a Content-Length body that ends exactly where `data` does. It returns
 * (status, reason, headers, body, keep_alive), or None for anything else (a part of a
 * response, a chunked body, an interim 1xx, bytes after the end), which the reader reads.
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

/* The head in text[0:size]: (status, reason, headers), None (Python decides), NULL error. */
static PyObject *read_head(const char *text, Py_ssize_t size) {
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

static PyObject *head(PyObject *module, PyObject *block) {
    if (!PyBytes_CheckExact(block)) Py_RETURN_NONE;
    return read_head(PyBytes_AS_STRING(block), PyBytes_GET_SIZE(block));
}

/* Where the first CRLF CRLF starts in text[0:size], or -1. */
static Py_ssize_t blank_line(const char *text, Py_ssize_t size) {
    for (Py_ssize_t i = 0; i + 3 < size; i++) {
        if (text[i] == '\r' && text[i + 1] == '\n' && text[i + 2] == '\r' && text[i + 3] == '\n') {
            return i;
        }
    }
    return -1;
}

/* Whether `word` (lower case) is in `value`, ASCII letters compared case-blind; -1 error. */
static int has_word(PyObject *value, const char *word) {
    Py_ssize_t size, length = (Py_ssize_t)strlen(word);
    const char *text = PyUnicode_AsUTF8AndSize(value, &size);
    if (text == NULL) return -1;
    for (Py_ssize_t i = 0; i + length <= size; i++) {
        Py_ssize_t j = 0;
        while (j < length) {
            char c = text[i + j];
            if (((c >= 'A' && c <= 'Z') ? (char)(c + 32) : c) != word[j]) break;
            j++;
        }
        if (j == length) return 1;
    }
    return 0;
}

/* The body's length by Content-Length (0 for 204 and 304); -1: not a plain length. */
static Py_ssize_t body_length(int status, PyObject *headers) {
    if (PyDict_GetItemString(headers, "transfer-encoding") != NULL) return -1;
    if (status == 204 || status == 304) return 0;
    PyObject *value = PyDict_GetItemString(headers, "content-length");
    if (value == NULL || !PyUnicode_IS_ASCII(value)) return -1;
    Py_ssize_t size = PyUnicode_GET_LENGTH(value);
    const char *digits = (const char *)PyUnicode_DATA(value);
    if (size == 0 || size > 15) return -1;
    Py_ssize_t length = 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        if (digits[i] < '0' || digits[i] > '9') return -1;
        length = length * 10 + (digits[i] - '0');
    }
    return length;
}

/* (status, reason, headers, body, keep_alive) of a whole response whose body starts at
 * text[start] (after the head `read` was read from), else None. */
static PyObject *whole(const char *text, Py_ssize_t size, Py_ssize_t start, PyObject *read) {
    int status = (int)PyLong_AsLong(PyTuple_GET_ITEM(read, 0));
    PyObject *headers = PyTuple_GET_ITEM(read, 2);
    Py_ssize_t length = status < 200 ? -1 : body_length(status, headers);
    if (length < 0 || size - start != length) Py_RETURN_NONE;
    int http10 = text[7] == '0';
    PyObject *connection = PyDict_GetItemString(headers, "connection");
    int found = connection == NULL ? 0 : has_word(connection, http10 ? "keep-alive" : "close");
    if (found < 0) return NULL;
    int keep_alive = http10 ? found : !found;
    return Py_BuildValue(
        "(OOOy#O)", PyTuple_GET_ITEM(read, 0), PyTuple_GET_ITEM(read, 1), headers, text + start,
        length, keep_alive ? Py_True : Py_False);
}

static PyObject *response(PyObject *module, PyObject *data) {
    if (!PyBytes_CheckExact(data)) Py_RETURN_NONE;
    const char *text = PyBytes_AS_STRING(data);
    Py_ssize_t size = PyBytes_GET_SIZE(data);
    Py_ssize_t end = blank_line(text, size);
    if (end < 0) Py_RETURN_NONE;
    PyObject *read = read_head(text, end);
    if (read == NULL || read == Py_None) return read;
    PyObject *answer = whole(text, size, end + 4, read);
    Py_DECREF(read);
    return answer;
}

static PyMethodDef methods[] = {
    {"head", head, METH_O, "head(block): (status, reason, headers), or None (Python decides)."},
    {"response", response, METH_O,
     "response(data): (status, reason, headers, body, keep_alive), or None (Python reads it)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_http", "An HTTP/1.1 response, read in C.", -1, methods,
};

PyMODINIT_FUNC PyInit__http(void) { return PyModule_Create(&module); }
