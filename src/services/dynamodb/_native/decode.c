/*
 * _decode: wire items (DynamoDB JSON as orjson parsed it, or botocore's form) to Python
 * values, in C. The pure-Python decoder (_values._Decoder) is the reference: a Decoder
 * made here reads S, N, BOOL, NULL, L and M itself, hands every other tag to `other`
 * (B, SS, NS, BS, and anything unknown), and on ANY error, or any value it does not
 * read exactly as the reference does (not one tag, a map or list of another type),
 * clears the error and returns `fallback(wire)`: the reference's result or its error.
 * It never raises an error of its own.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>

typedef struct {
    PyObject_HEAD
    PyObject *number;   /* str -> number: every N but a short integer (all of them if exact) */
    PyObject *other;    /* (tag, raw) -> value */
    PyObject *fallback; /* wire item -> item: the reference decoder */
    int short_ints;     /* read N of at most 18 ASCII digits (and a '-') as int here */
    vectorcallfunc vectorcall;
} Decoder;

static PyObject *value(Decoder *self, PyObject *av);

static PyObject *map(Decoder *self, PyObject *wire) {
    if (!PyDict_CheckExact(wire)) {
        PyErr_SetString(PyExc_TypeError, "not a dict");
        return NULL;
    }
    PyObject *out = PyDict_New();
    if (out == NULL) return NULL;
    Py_ssize_t pos = 0;
    PyObject *name, *av;
    while (PyDict_Next(wire, &pos, &name, &av)) {
        Py_INCREF(name); /* held: the functions value() calls are Python code */
        Py_INCREF(av);
        PyObject *decoded = value(self, av);
        int failed = decoded == NULL || PyDict_SetItem(out, name, decoded) < 0;
        Py_XDECREF(decoded);
        Py_DECREF(av);
        Py_DECREF(name);
        if (failed) {
            Py_DECREF(out);
            return NULL;
        }
    }
    return out;
}

static PyObject *list(Decoder *self, PyObject *raw) {
    if (!PyList_CheckExact(raw)) {
        PyErr_SetString(PyExc_TypeError, "not a list");
        return NULL;
    }
    Py_ssize_t size = PyList_GET_SIZE(raw);
    PyObject *out = PyList_New(size);
    if (out == NULL) return NULL;
    for (Py_ssize_t i = 0; i < size; i++) {
        if (i >= PyList_GET_SIZE(raw)) { /* changed while read: the Python decoder decides */
            PyErr_SetString(PyExc_RuntimeError, "list changed size");
            Py_DECREF(out);
            return NULL;
        }
        PyObject *element = Py_NewRef(PyList_GET_ITEM(raw, i));
        PyObject *decoded = value(self, element);
        Py_DECREF(element);
        if (decoded == NULL) {
            Py_DECREF(out);
            return NULL;
        }
        PyList_SET_ITEM(out, i, decoded);
    }
    return out;
}

/* An integer of 1 to 18 ASCII digits, maybe negative, as int; NULL (no error) otherwise. */
static PyObject *short_int(PyObject *raw) {
    Py_ssize_t size = PyUnicode_GET_LENGTH(raw);
    if (!PyUnicode_IS_ASCII(raw) || size == 0 || size > 18) return NULL;
    const char *text = (const char *)PyUnicode_DATA(raw);
    Py_ssize_t start = text[0] == '-' ? 1 : 0;
    if (start == size) return NULL;
    long long total = 0;
    for (Py_ssize_t i = start; i < size; i++) {
        if (text[i] < '0' || text[i] > '9') return NULL;
        total = total * 10 + (text[i] - '0');
    }
    return PyLong_FromLongLong(start ? -total : total);
}

static PyObject *number(Decoder *self, PyObject *raw) {
    if (self->short_ints && PyUnicode_CheckExact(raw)) {
        PyObject *decoded = short_int(raw);
        if (decoded != NULL) return decoded;
    }
    return PyObject_CallOneArg(self->number, raw);
}

static PyObject *value(Decoder *self, PyObject *av) {
    if (!PyDict_CheckExact(av) || PyDict_GET_SIZE(av) != 1) {
        PyErr_SetString(PyExc_ValueError, "not one tag");
        return NULL;
    }
    Py_ssize_t pos = 0;
    PyObject *tag, *raw;
    PyDict_Next(av, &pos, &tag, &raw);
    if (!PyUnicode_CheckExact(tag) || !PyUnicode_IS_ASCII(tag)) {
        PyErr_SetString(PyExc_ValueError, "not a tag");
        return NULL;
    }
    Py_ssize_t size = PyUnicode_GET_LENGTH(tag);
    const char *text = (const char *)PyUnicode_DATA(tag);
    if (size == 1 && text[0] == 'S') return Py_NewRef(raw);
    if (size == 1 && text[0] == 'N') return number(self, raw);
    if (size == 4 && memcmp(text, "BOOL", 4) == 0) return Py_NewRef(raw);
    if (size == 4 && memcmp(text, "NULL", 4) == 0) Py_RETURN_NONE;
    if (size == 1 && (text[0] == 'L' || text[0] == 'M')) {
        if (Py_EnterRecursiveCall(" while decoding an item")) return NULL;
        PyObject *decoded = text[0] == 'L' ? list(self, raw) : map(self, raw);
        Py_LeaveRecursiveCall();
        return decoded;
    }
    return PyObject_CallFunctionObjArgs(self->other, tag, raw, NULL);
}

static PyObject *decoder_vectorcall(
    PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames
) {
    Decoder *self = (Decoder *)callable;
    if (PyVectorcall_NARGS(nargsf) != 1 || kwnames != NULL) {
        PyErr_SetString(PyExc_TypeError, "a decoder takes one wire item");
        return NULL;
    }
    PyObject *decoded = map(self, args[0]);
    if (decoded != NULL) return decoded;
    PyErr_Clear();
    return PyObject_CallOneArg(self->fallback, args[0]);
}

static PyObject *decoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"number", "other", "fallback", "short_ints", NULL};
    PyObject *number_, *other, *fallback;
    int short_ints;
    if (!PyArg_ParseTupleAndKeywords(
            args, kwargs, "OOOp", names, &number_, &other, &fallback, &short_ints)) {
        return NULL;
    }
    Decoder *self = (Decoder *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->number = Py_NewRef(number_);
    self->other = Py_NewRef(other);
    self->fallback = Py_NewRef(fallback);
    self->short_ints = short_ints;
    self->vectorcall = decoder_vectorcall;
    return (PyObject *)self;
}

static int decoder_traverse(Decoder *self, visitproc visit, void *arg) {
    Py_VISIT(self->number);
    Py_VISIT(self->other);
    Py_VISIT(self->fallback);
    return 0;
}

static int decoder_clear(Decoder *self) {
    Py_CLEAR(self->number);
    Py_CLEAR(self->other);
    Py_CLEAR(self->fallback);
    return 0;
}

static void decoder_dealloc(Decoder *self) {
    PyObject_GC_UnTrack(self);
    decoder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_decode.Decoder",
    .tp_doc = "Decoder(number, other, fallback, short_ints): call it with a wire item.",
    .tp_basicsize = sizeof(Decoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = decoder_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Decoder, vectorcall),
    .tp_traverse = (traverseproc)decoder_traverse,
    .tp_clear = (inquiry)decoder_clear,
    .tp_dealloc = (destructor)decoder_dealloc,
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_decode", "Wire items to Python values, in C.", -1, NULL,
};

PyMODINIT_FUNC PyInit__decode(void) {
    if (PyType_Ready(&DecoderType) < 0) return NULL;
    PyObject *made = PyModule_Create(&module);
    if (made == NULL) return NULL;
    if (PyModule_AddObjectRef(made, "Decoder", (PyObject *)&DecoderType) < 0) {
        Py_DECREF(made);
        return NULL;
    }
    return made;
}
