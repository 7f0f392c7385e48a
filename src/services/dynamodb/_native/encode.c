/*
 * _encode: items (plain dicts) to DynamoDB's attribute-value form, in C. The pure-Python
 * encoder (_values.to_wire_item) is the reference: an Encoder made here writes exact str,
 * bool, int (that fits in 64 bits), float, None, dict, list and tuple itself, exactly as
 * the reference writes them, and hands the whole item to `fallback(item, what)` when it
 * meets anything else (bytes, sets, Decimal, a subclass, a huge or non-finite number, a
 * name that is not a str, an empty item) or any error. It never raises an error of its
 * own: what the reference refuses, the reference refuses, with its own message.
 *
 * What an Encoder makes is a tree of fresh dicts and lists over immutable leaves (str,
 * bool): it cannot hold a reference cycle, so each container is untracked by the cyclic
 * collector as it is made, as CPython itself leaves a dict of str untracked. A batch's
 * items then cost no collection a pass over them: 10,000 items made 50,000 tracked
 * containers, which the next young collection walked (5% of a batch write). A dict stays
 * sound if changed: CPython tracks it again when a container goes in. A list does not,
 * so a list of a wire item must not be made part of a cycle (nothing in the package
 * changes one). `wrapped(wires, outer, inner)` makes a batch's write requests,
 * {outer: {inner: wire}}, untracked too where the wire is.
 *
 * `vouched(wires, limit)` serves _values.check_sizes: it counts the leading wire items
 * whose size, by DynamoDB's rules as _values._size counts them, is certainly at most
 * `limit` bytes. It bounds each size from above without serializing anything (a string
 * of n characters is at most n UTF-8 bytes if ASCII, 2n, 3n or 4n otherwise), and stops
 * at the first item it cannot vouch for (too big, or of a form it does not know, which
 * includes anything the Python check would refuse to serialize), from which the Python
 * check decides. Wires that are not a list: it vouches for none.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

typedef struct {
    PyObject_HEAD
    PyObject *fallback; /* (item, what="item") -> wire item: the reference encoder */
    vectorcallfunc vectorcall;
} Encoder;

static PyObject *value(PyObject *python);

/* The container, no longer tracked by the cyclic collector (NULL in: NULL out). */
static PyObject *untracked(PyObject *container) {
    if (container != NULL) PyObject_GC_UnTrack(container);
    return container;
}

/* Not encoded here: the reference decides. An error is set, to be cleared at the top. */
static PyObject *declined(void) {
    PyErr_SetString(PyExc_ValueError, "left to the Python encoder");
    return NULL;
}

/* {tag: raw}, taking the reference to raw (NULL in: NULL out, the error kept). */
static PyObject *tagged(const char *tag, PyObject *raw) {
    if (raw == NULL) return NULL;
    PyObject *av = PyDict_New();
    if (av == NULL || PyDict_SetItemString(av, tag, raw) < 0) {
        Py_XDECREF(av);
        Py_DECREF(raw);
        return NULL;
    }
    Py_DECREF(raw);
    return untracked(av);
}

static PyObject *map(PyObject *values) {
    PyObject *wire = PyDict_New();
    if (wire == NULL) return NULL;
    Py_ssize_t pos = 0;
    PyObject *name, *python;
    while (PyDict_Next(values, &pos, &name, &python)) {
        if (!PyUnicode_CheckExact(name)) {
            Py_DECREF(wire);
            return declined();
        }
        Py_INCREF(name); /* held: the dict is the caller's, and a value's repr is Python code */
        Py_INCREF(python);
        PyObject *av = value(python);
        int failed = av == NULL || PyDict_SetItem(wire, name, av) < 0;
        Py_XDECREF(av);
        Py_DECREF(python);
        Py_DECREF(name);
        if (failed) {
            Py_DECREF(wire);
            return NULL;
        }
    }
    return untracked(wire);
}

static PyObject *list(PyObject *values) {
    Py_ssize_t size = PySequence_Fast_GET_SIZE(values);
    PyObject *wire = PyList_New(size);
    if (wire == NULL) return NULL;
    for (Py_ssize_t i = 0; i < size; i++) {
        if (i >= PySequence_Fast_GET_SIZE(values)) { /* a list that changed: the reference */
            Py_DECREF(wire);
            return declined();
        }
        PyObject *element = Py_NewRef(PySequence_Fast_GET_ITEM(values, i));
        PyObject *av = value(element);
        Py_DECREF(element);
        if (av == NULL) {
            Py_DECREF(wire);
            return NULL;
        }
        PyList_SET_ITEM(wire, i, av);
    }
    return untracked(wire);
}

static PyObject *integer(PyObject *python) {
    int overflow = 0;
    long long number = PyLong_AsLongLongAndOverflow(python, &overflow);
    if (overflow) return declined(); /* beyond 64 bits: the reference checks its digits */
    if (number == -1 && PyErr_Occurred()) return NULL;
    return PyUnicode_FromFormat("%lld", number);
}

static PyObject *real(PyObject *python) {
    double number = PyFloat_AS_DOUBLE(python);
    double size = fabs(number);
    if (!isfinite(number) || (number != 0.0 && !(size >= 1e-130 && size < 1e126))) {
        return declined(); /* the reference refuses it, naming the attribute */
    }
    return PyObject_Repr(python);
}

static PyObject *nested(PyObject *python, int is_map) {
    if (Py_EnterRecursiveCall(" while encoding an item")) return NULL;
    PyObject *wire = is_map ? map(python) : list(python);
    Py_LeaveRecursiveCall();
    return wire;
}

static PyObject *value(PyObject *python) {
    if (PyUnicode_CheckExact(python)) return tagged("S", Py_NewRef(python));
    if (PyBool_Check(python)) return tagged("BOOL", Py_NewRef(python));
    if (PyLong_CheckExact(python)) return tagged("N", integer(python));
    if (PyFloat_CheckExact(python)) return tagged("N", real(python));
    if (python == Py_None) return tagged("NULL", Py_NewRef(Py_True));
    if (PyDict_CheckExact(python)) return tagged("M", nested(python, 1));
    if (PyList_CheckExact(python) || PyTuple_CheckExact(python)) {
        return tagged("L", nested(python, 0));
    }
    return declined();
}

static PyObject *encoder_vectorcall(
    PyObject *callable, PyObject *const *args, size_t nargsf, PyObject *kwnames
) {
    Encoder *self = (Encoder *)callable;
    Py_ssize_t count = PyVectorcall_NARGS(nargsf);
    if (kwnames == NULL && (count == 1 || count == 2) && PyDict_CheckExact(args[0])
        && PyDict_GET_SIZE(args[0]) > 0) {
        PyObject *wire = map(args[0]);
        if (wire != NULL) return wire;
        PyErr_Clear();
    }
    return PyObject_Vectorcall(self->fallback, args, nargsf, kwnames);
}

static PyObject *encoder_new(PyTypeObject *type, PyObject *args, PyObject *kwargs) {
    static char *names[] = {"fallback", NULL};
    PyObject *fallback;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O", names, &fallback)) return NULL;
    Encoder *self = (Encoder *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->fallback = Py_NewRef(fallback);
    self->vectorcall = encoder_vectorcall;
    return (PyObject *)self;
}

static int encoder_traverse(Encoder *self, visitproc visit, void *arg) {
    Py_VISIT(self->fallback);
    return 0;
}

static int encoder_clear(Encoder *self) {
    Py_CLEAR(self->fallback);
    return 0;
}

static void encoder_dealloc(Encoder *self) {
    PyObject_GC_UnTrack(self);
    encoder_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject EncoderType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "_encode.Encoder",
    .tp_doc = "Encoder(fallback): call it as the Python to_wire_item is called.",
    .tp_basicsize = sizeof(Encoder),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = encoder_new,
    .tp_call = PyVectorcall_Call,
    .tp_vectorcall_offset = offsetof(Encoder, vectorcall),
    .tp_traverse = (traverseproc)encoder_traverse,
    .tp_clear = (inquiry)encoder_clear,
    .tp_dealloc = (destructor)encoder_dealloc,
};

/* At least the UTF-8 length of a str (-1: not a str). */
static Py_ssize_t text_bound(PyObject *text) {
    if (!PyUnicode_Check(text)) return -1;
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (PyUnicode_IS_ASCII(text)) return length;
    switch (PyUnicode_KIND(text)) {
    case PyUnicode_1BYTE_KIND: return 2 * length;
    case PyUnicode_2BYTE_KIND: return 3 * length;
    default: return 4 * length;
    }
}

/* The bound of one raw scalar of a tag's kind: 'S', 'N' (its digits, plus 2) or 'B'. */
static Py_ssize_t scalar_bound(char kind, PyObject *raw) {
    if (kind == 'B' && PyBytes_Check(raw)) return PyBytes_GET_SIZE(raw);
    Py_ssize_t bound = text_bound(raw);
    return bound < 0 || kind != 'N' ? bound : bound + 2;
}

static Py_ssize_t value_bound(PyObject *av, Py_ssize_t limit);

/* 3 + each (name +) element + 1, as _size counts a map or a list; -1 past the limit. */
static Py_ssize_t nested_bound(PyObject *raw, int is_map, Py_ssize_t limit) {
    Py_ssize_t total = 3;
    if (is_map) {
        Py_ssize_t pos = 0;
        PyObject *name, *av;
        while (PyDict_Next(raw, &pos, &name, &av)) {
            Py_ssize_t named = text_bound(name), valued = value_bound(av, limit);
            if (named < 0 || valued < 0) return -1;
            total += named + valued + 1;
            if (total > limit) return -1;
        }
        return total;
    }
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(raw); i++) {
        Py_ssize_t valued = value_bound(PyList_GET_ITEM(raw, i), limit);
        if (valued < 0) return -1;
        total += valued + 1;
        if (total > limit) return -1;
    }
    return total;
}

/* Each member of a set (a list), as _size counts a set; -1 past the limit. */
static Py_ssize_t set_bound(char kind, PyObject *raw, Py_ssize_t limit) {
    if (!PyList_CheckExact(raw)) return -1;
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(raw); i++) {
        Py_ssize_t member = scalar_bound(kind, PyList_GET_ITEM(raw, i));
        if (member < 0) return -1;
        total += member;
        if (total > limit) return -1;
    }
    return total;
}

/* The bound of one attribute value {tag: raw}; -1 for any other form, or past the limit. */
static Py_ssize_t value_bound(PyObject *av, Py_ssize_t limit) {
    Py_ssize_t pos = 0;
    PyObject *tag, *raw;
    if (!PyDict_CheckExact(av) || PyDict_GET_SIZE(av) != 1 || !PyDict_Next(av, &pos, &tag, &raw)
        || !PyUnicode_CheckExact(tag) || !PyUnicode_IS_COMPACT_ASCII(tag)) {
        return -1;
    }
    const char *name = (const char *)PyUnicode_DATA(tag);
    if (!strcmp(name, "S") || !strcmp(name, "N") || !strcmp(name, "B")) {
        return scalar_bound(name[0], raw);
    }
    if (!strcmp(name, "BOOL") || !strcmp(name, "NULL")) return PyBool_Check(raw) ? 1 : -1;
    if (!strcmp(name, "SS") || !strcmp(name, "NS") || !strcmp(name, "BS")) {
        return set_bound(name[0], raw, limit);
    }
    int is_map = !strcmp(name, "M");
    if (is_map ? !PyDict_CheckExact(raw) : strcmp(name, "L") || !PyList_CheckExact(raw)) {
        return -1;
    }
    if (Py_EnterRecursiveCall(" while sizing an item")) {
        PyErr_Clear();
        return -1;
    }
    Py_ssize_t bound = nested_bound(raw, is_map, limit);
    Py_LeaveRecursiveCall();
    return bound;
}

/* vouched(wires, limit): how many leading items are certainly at most limit bytes. */
static PyObject *vouched(PyObject *module, PyObject *const *args, Py_ssize_t count) {
    if (count != 2 || !PyLong_CheckExact(args[1])) {
        PyErr_SetString(PyExc_TypeError, "vouched(wires: list, limit: int)");
        return NULL;
    }
    Py_ssize_t limit = PyLong_AsSsize_t(args[1]);
    if (limit == -1 && PyErr_Occurred()) return NULL;
    PyObject *wires = args[0];
    Py_ssize_t index = 0;
    for (; PyList_CheckExact(wires) && index < PyList_GET_SIZE(wires); index++) {
        PyObject *wire = PyList_GET_ITEM(wires, index);
        if (!PyDict_CheckExact(wire)) break;
        Py_ssize_t pos = 0, total = 0;
        PyObject *name, *av;
        while (total <= limit && PyDict_Next(wire, &pos, &name, &av)) {
            Py_ssize_t named = text_bound(name), valued = value_bound(av, limit);
            total = named < 0 || valued < 0 ? limit + 1 : total + named + valued;
        }
        if (total > limit) break;
    }
    return PyLong_FromSsize_t(index);
}

/* {name: value}, untracked when value is (a new reference, or NULL with an error set). */
static PyObject *single(PyObject *name, PyObject *value) {
    PyObject *made = PyDict_New();
    if (made == NULL || PyDict_SetItem(made, name, value) < 0) {
        Py_XDECREF(made);
        return NULL;
    }
    return PyObject_GC_IsTracked(value) ? made : untracked(made);
}

/* wrapped(wires, outer, inner): [{outer: {inner: wire}} for wire in wires]. */
static PyObject *wrapped(PyObject *module, PyObject *const *args, Py_ssize_t count) {
    if (count != 3 || !PyList_CheckExact(args[0]) || !PyUnicode_CheckExact(args[1])
        || !PyUnicode_CheckExact(args[2])) {
        PyErr_SetString(PyExc_TypeError, "wrapped(wires: list, outer: str, inner: str)");
        return NULL;
    }
    Py_ssize_t size = PyList_GET_SIZE(args[0]);
    PyObject *made = PyList_New(size);
    if (made == NULL) return NULL;
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *in = single(args[2], PyList_GET_ITEM(args[0], i));
        PyObject *out = in == NULL ? NULL : single(args[1], in);
        Py_XDECREF(in);
        if (out == NULL) {
            Py_DECREF(made);
            return NULL;
        }
        PyList_SET_ITEM(made, i, out);
    }
    return made;
}

static PyMethodDef functions[] = {
    {"wrapped", (PyCFunction)(void (*)(void))wrapped, METH_FASTCALL,
     "wrapped(wires, outer, inner): [{outer: {inner: wire}} for wire in wires]."},
    {"vouched", (PyCFunction)(void (*)(void))vouched, METH_FASTCALL,
     "vouched(wires, limit): how many leading wire items are certainly within limit bytes."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_encode", "Items to attribute values, in C.", -1, functions,
};

PyMODINIT_FUNC PyInit__encode(void) {
    if (PyType_Ready(&EncoderType) < 0) return NULL;
    PyObject *made = PyModule_Create(&module);
    if (made == NULL) return NULL;
    if (PyModule_AddObjectRef(made, "Encoder", (PyObject *)&EncoderType) < 0) {
        Py_DECREF(made);
        return NULL;
    }
    return made;
}
