#!/usr/bin/env python3
"""Make the I/O test fixtures with NumPy (run from anywhere; writes next to itself).

Writes .npy/.npz files with NumPy's own writers, .safetensors files with a
small pure-Python writer (struct + json), deliberately corrupt files, and
expected.h: the shape, dtype and little-endian bytes of every array as NumPy
sees them, the error each corrupt file must produce, and the safetensors dtype
name of every tensor. Values come from NumPy, never from ax. Regenerate with:
python3 tests/io_fixtures/make_fixtures.py
"""
import io
import json
import os
import struct
import zipfile
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REL = "tests/io_fixtures"  # paths in expected.h are relative to the repo root
rng = np.random.default_rng(20261127)

arrays = []   # (file, key, ax dtype, shape, little-endian bytes)
errors = []   # (file, ax status)
metas = []    # (file, key, value)
st_names = []  # (file, key, safetensors dtype name), in header order

AX = {"b1": "AX_BOOL", "i1": "AX_INT8", "i2": "AX_INT16", "i4": "AX_INT32", "i8": "AX_INT64",
      "u1": "AX_UINT8", "u2": "AX_UINT16", "u4": "AX_UINT32", "u8": "AX_UINT64",
      "f2": "AX_FLOAT16", "f4": "AX_FLOAT32", "f8": "AX_FLOAT64", "c8": "AX_COMPLEX64"}


def path(*parts):
    p = os.path.join(HERE, *parts)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    return p


def le_bytes(a):
    a = np.ascontiguousarray(a)
    return a.astype(a.dtype.newbyteorder("<")).tobytes()


def record(file, key, a, axdtype=None):
    code = a.dtype.kind + str(a.dtype.itemsize)
    arrays.append((file, key, axdtype or AX[code], a.shape, le_bytes(a)))


def sample(code, shape):
    """Deterministic values of a NumPy dtype, with edge values mixed in."""
    n = int(np.prod(shape))
    dt = np.dtype("<" + code) if code[0] != "b" else np.dtype(bool)
    if code == "b1":
        v = rng.integers(0, 2, n).astype(bool)
    elif code[0] in "iu":
        info = np.iinfo(dt)
        v = rng.integers(info.min, info.max, n, endpoint=True, dtype=dt)
        if n >= 2:
            v[0], v[1] = info.min, info.max
    elif code[0] == "f":
        v = (rng.standard_normal(n) * 100).astype(dt)
        edge = [np.nan, np.inf, -np.inf, -0.0, np.finfo(dt).tiny, np.finfo(dt).max]
        v[: min(n, len(edge))] = edge[: min(n, len(edge))]
    else:  # c8
        v = (rng.standard_normal(n) + 1j * rng.standard_normal(n)).astype(dt)
    return v.reshape(shape)


# ------------------------------------------------------------------ .npy
for code in AX:
    a = sample(code, (2, 3))
    f = f"npy/dtype_{code}.npy"
    np.save(path(f), a)
    record(f, "", a)
    if code not in ("b1", "i1", "u1"):  # big-endian copies (byte-swapped on load)
        b = a.astype(a.dtype.newbyteorder(">"))
        f = f"npy/be_{code}.npy"
        np.save(path(f), b)
        record(f, "", a)

for code, shape in (("f4", (3, 4, 2)), ("i2", (5, 3)), ("c8", (2, 3, 2, 2)), ("f8", (4, 1, 3))):
    a = np.asfortranarray(sample(code, shape))
    f = f"npy/fortran_{code}.npy"
    np.save(path(f), a)
    record(f, "", a)
a = np.asfortranarray(sample("u2", (3, 5)).astype(">u2"))
np.save(path("npy/fortran_be_u2.npy"), a)
record("npy/fortran_be_u2.npy", "", a)

for ver in ((1, 0), (2, 0), (3, 0)):
    a = sample("f8", (3, 2))
    f = f"npy/version_{ver[0]}.npy"
    with open(path(f), "wb") as fh:
        np.lib.format.write_array(fh, a, version=ver)
    record(f, "", a)

for name, a in (("scalar_f8", np.array(3.25)), ("scalar_b1", np.array(True)),
                ("empty_f4", np.zeros((0, 3), np.float32)), ("empty_1d_i8", np.zeros(0, np.int64)),
                ("empty_mid_u1", np.zeros((2, 0, 4), np.uint8)), ("vector_i4", sample("i4", (7,))),
                ("rank5_f2", sample("f2", (2, 1, 3, 1, 2)))):
    f = f"npy/{name}.npy"
    np.save(path(f), a)
    record(f, "", a)

# NumPy's version 2.0 header writer, and a header padded past 64 KiB (version 2.0).
a = sample("i2", (2, 2))
f = "npy/header_2_0.npy"
with open(path(f), "wb") as fh:
    np.lib.format.write_array_header_2_0(fh, {"descr": "<i2", "fortran_order": False, "shape": (2, 2)})
    fh.write(le_bytes(a))
record(f, "", a)
hdr = "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }" + " " * 70000 + "\n"
with open(path("npy/long_header.npy"), "wb") as fh:
    fh.write(b"\x93NUMPY\x02\x00" + struct.pack("<I", len(hdr)) + hdr.encode() + le_bytes(a))
record("npy/long_header.npy", "", a)

# Python 2 era header with long integers: (2L, 3L)
a = sample("i4", (2, 3))
hdr = "{'descr': '<i4', 'fortran_order': False, 'shape': (2L, 3L), }"
hdr = hdr + " " * (63 - (10 + len(hdr)) % 64) + "\n"
with open(path("npy/py2_long.npy"), "wb") as fh:
    fh.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(hdr)) + hdr.encode() + le_bytes(a))
record("npy/py2_long.npy", "", a)

# Unsupported NumPy dtypes -> AX_ERR_DTYPE
for name, a in (("c16", np.arange(4) * (1 + 1j)), ("str_U", np.array(["ab", "cd"])),
                ("bytes_S", np.array([b"ab", b"c"])), ("datetime", np.array(["2020-01-01"], "M8[D]")),
                ("structured", np.zeros(2, [("x", "<f4"), ("y", "<i4")])),
                ("longdouble", np.zeros(3, np.longdouble))):
    f = f"bad/unsupported_{name}.npy"
    np.save(path(f), a)
    errors.append((f, "AX_ERR_DTYPE"))
f = "bad/unsupported_object.npy"
np.save(path(f), np.array([1, "x", None], dtype=object), allow_pickle=True)
errors.append((f, "AX_ERR_DTYPE"))


def raw_npy(header, data=b"", major=1):
    h = header.encode()
    pre = b"\x93NUMPY" + bytes([major, 0]) + (struct.pack("<H", len(h)) if major == 1 else struct.pack("<I", len(h)))
    return pre + h + data


for name, blob in (
        ("bad_magic", b"\x93NUMPZ\x01\x00\x10\x00{}" + b" " * 14),
        ("bad_version", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", b"\0" * 4, major=4)),
        ("missing_key", raw_npy("{'descr': '<f4', 'shape': (1,), }\n", b"\0" * 4)),
        ("extra_key", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}\n", b"\0" * 4)),
        ("dup_key", raw_npy("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}\n", b"\0" * 4)),
        ("bad_shape", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,), }\n")),
        ("shape_not_tuple", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }\n", b"\0" * 12)),
        ("shape_overflow", raw_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n")),
        ("unknown_descr", raw_npy("{'descr': '<q9', 'fortran_order': False, 'shape': (1,), }\n", b"\0" * 4)),
        ("bad_fortran", raw_npy("{'descr': '<f4', 'fortran_order': 1, 'shape': (1,), }\n", b"\0" * 4)),
        ("truncated_data", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }\n", b"\0" * 15)),
        ("trailing_data", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }\n", b"\0" * 5)),
        ("header_past_end", b"\x93NUMPY\x01\x00\xff\x00{'descr'"),
        ("huge_header", b"\x93NUMPY\x02\x00\x00\x00\x00\x40{}"),
        ("trailing_text", raw_npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), } x\n", b"\0" * 4)),
        ("empty_file", b"")):
    f = f"bad/{name}.npy"
    with open(path(f), "wb") as fh:
        fh.write(blob)
    errors.append((f, "AX_ERR_FORMAT"))

# ------------------------------------------------------------------ .npz
npz_arrays = {"weights": sample("f4", (3, 4)), "bias": sample("f8", (4,)), "ids": sample("i8", (5,)),
              "mask": sample("b1", (2, 2)), "half": sample("f2", (3,)), "cplx": sample("c8", (2,)),
              "scalar": np.array(7, np.int16), "empty": np.zeros((0, 2), np.uint32),
              "fortran": np.asfortranarray(sample("u2", (2, 3))), "big_endian": sample("i4", (3,)).astype(">i4"),
              "w\u00e9ight.sub": sample("u8", (2,))}
for fname, fn in (("npz/savez.npz", np.savez), ("npz/savez_compressed.npz", np.savez_compressed)):
    fn(path(fname), **npz_arrays)
    for k, v in npz_arrays.items():
        record(fname, k, v)
np.savez(path("npz/empty_archive.npz"))
# a bigger compressed member: spans several inflate calls
big = np.arange(200000, dtype=np.float32).reshape(400, 500) % 977
np.savez_compressed(path("npz/big_compressed.npz"), big=big)
arrays.append(("npz/big_compressed.npz", "big", "AX_FLOAT32", big.shape, None))  # checked by formula


def npy_bytes(a):
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


def zip_bytes(members, zip64=False):
    """A hand-made zip (stored members). With zip64, sizes and offsets go in
    ZIP64 extra fields and a ZIP64 end of central directory is written."""
    out, central = bytearray(), bytearray()
    for name, data in members:
        n = name.encode()
        crc, off = zlib.crc32(data), len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45, 0, 0, 0, 0x21, crc, len(data), len(data), len(n), 0) + n + data
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, len(data), len(data), off)
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45, 0, 0, 0, 0x21, crc, 0xFFFFFFFF,
                                   0xFFFFFFFF, len(n), len(extra), 0, 0, 0, 0, 0xFFFFFFFF) + n + extra
        else:
            central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, crc, len(data),
                                   len(data), len(n), 0, 0, 0, 0, 0, off) + n
    cd_off = len(out)
    out += central
    if zip64:
        e64 = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, len(members), len(members), len(central), cd_off)
        out += struct.pack("<IIQI", 0x07064B50, 0, e64, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), cd_off, 0)
    return bytes(out)


z64 = {"a": sample("i2", (2, 3)), "b": sample("f4", (4,))}
with open(path("npz/zip64.npz"), "wb") as fh:
    fh.write(zip_bytes([(k + ".npy", npy_bytes(v)) for k, v in z64.items()], zip64=True))
for k, v in z64.items():
    record("npz/zip64.npz", k, v)

def zwrite(z, name, data):  # fixed timestamps: regenerating gives the same bytes
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = z.compression
    z.writestr(info, data)


with zipfile.ZipFile(path("bad/not_npy_member.npz"), "w") as z:
    zwrite(z, "a.npy", npy_bytes(np.arange(3)))
    zwrite(z, "readme.txt", b"hello")
errors.append(("bad/not_npy_member.npz", "AX_ERR_FORMAT"))
with zipfile.ZipFile(path("bad/npy_name_not_npy_data.npz"), "w") as z:
    zwrite(z, "a.npy", b"this is not an npy file at all")
errors.append(("bad/npy_name_not_npy_data.npz", "AX_ERR_FORMAT"))
with open(path("bad/duplicate_member.npz"), "wb") as fh:
    fh.write(zip_bytes([("a.npy", npy_bytes(np.arange(2))), ("a.npy", npy_bytes(np.arange(3)))]))
errors.append(("bad/duplicate_member.npz", "AX_ERR_FORMAT"))
with zipfile.ZipFile(path("bad/bzip2_member.npz"), "w", compression=zipfile.ZIP_BZIP2) as z:
    zwrite(z, "a.npy", npy_bytes(np.arange(3)))
errors.append(("bad/bzip2_member.npz", "AX_ERR_FORMAT"))
with open(path("bad/member_trailing.npz"), "wb") as fh:
    fh.write(zip_bytes([("a.npy", npy_bytes(np.arange(3)) + b"xx")]))
errors.append(("bad/member_trailing.npz", "AX_ERR_FORMAT"))
with open(path("bad/member_unsupported_dtype.npz"), "wb") as fh:
    fh.write(zip_bytes([("a.npy", npy_bytes(np.arange(3) * 1j))]))
errors.append(("bad/member_unsupported_dtype.npz", "AX_ERR_DTYPE"))
with open(path("bad/not_a_zip.npz"), "wb") as fh:
    fh.write(b"PK\x03\x04 this is not a zip archive, just bytes" * 3)
errors.append(("bad/not_a_zip.npz", "AX_ERR_FORMAT"))

# ------------------------------------------------------------------ safetensors
ST = {"BOOL": ("b1", "AX_BOOL"), "U8": ("u1", "AX_UINT8"), "I8": ("i1", "AX_INT8"),
      "I16": ("i2", "AX_INT16"), "U16": ("u2", "AX_UINT16"), "F16": ("f2", "AX_FLOAT16"),
      "I32": ("i4", "AX_INT32"), "U32": ("u4", "AX_UINT32"), "F32": ("f4", "AX_FLOAT32"),
      "F64": ("f8", "AX_FLOAT64"), "I64": ("i8", "AX_INT64"), "U64": ("u8", "AX_UINT64"),
      "C64": ("c8", "AX_COMPLEX64")}


def bf16_bits(x):
    """float32 -> bfloat16 bit patterns, round to nearest even (NaN kept quiet)."""
    u = np.asarray(x, np.float32).view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)
    nan = np.isnan(np.asarray(x, np.float32))
    r[nan] = ((u[nan] >> 16) | 0x40).astype(np.uint16)
    return r


def st_bytes(tensors, metadata=None, align=True, header_text=None, extra=b""):
    """tensors: list of (name, dtype string, shape, raw bytes)."""
    hdr, blob = {}, bytearray()
    if metadata is not None:
        hdr["__metadata__"] = metadata
    for name, dt, shape, raw in tensors:
        hdr[name] = {"dtype": dt, "shape": list(shape), "data_offsets": [len(blob), len(blob) + len(raw)]}
        blob += raw
    h = (header_text if header_text is not None else json.dumps(hdr, separators=(",", ":"))).encode()
    if align:
        h += b" " * (-(8 + len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + bytes(blob) + extra


def st_write(f, data):
    with open(path(f), "wb") as fh:
        fh.write(data)


tensors = []
for i, (dt, (code, axd)) in enumerate(ST.items()):
    shape = [(2, 3), (5,), (), (1, 2, 2), (0, 3)][i % 5]
    a = sample(code, shape)
    tensors.append((dt.lower() + "_t", dt, a.shape, le_bytes(a)))
    record("st/all_dtypes.safetensors", dt.lower() + "_t", a, axd)
bf = bf16_bits(sample("f4", (3, 2)))
tensors.append(("bf16_t", "BF16", bf.shape, le_bytes(bf)))
arrays.append(("st/all_dtypes.safetensors", "bf16_t", "AX_BFLOAT16", bf.shape, le_bytes(bf)))
meta = {"format": "pt", "note": "caf\u00e9 \"quoted\""}
st_write("st/all_dtypes.safetensors", st_bytes(tensors, meta))
st_names += [("st/all_dtypes.safetensors", t[0], t[1]) for t in tensors]
for k, v in meta.items():
    metas.append(("st/all_dtypes.safetensors", k, v))

# Unaligned: no header padding, odd-sized tensor first -> later data misaligned (copied).
u = [("odd", "U8", (3,), bytes([1, 2, 3]))]
a8 = sample("f8", (2, 2))
u.append(("f64", "F64", a8.shape, le_bytes(a8)))
st_write("st/unaligned.safetensors", st_bytes(u, align=False))
arrays.append(("st/unaligned.safetensors", "odd", "AX_UINT8", (3,), bytes([1, 2, 3])))
record("st/unaligned.safetensors", "f64", a8)
st_names += [("st/unaligned.safetensors", t[0], t[1]) for t in u]
st_write("st/empty.safetensors", st_bytes([]))
st_write("st/empty_meta.safetensors", st_bytes([], {"k": "v"}))
metas.append(("st/empty_meta.safetensors", "k", "v"))

# Data stored out of name order (offsets sorted differently from the header).
a, b = sample("i4", (2,)), sample("i4", (3,))
hdr = json.dumps({"z": {"dtype": "I32", "shape": [2], "data_offsets": [12, 20]},
                  "a": {"dtype": "I32", "shape": [3], "data_offsets": [0, 12]}})
st_write("st/reordered.safetensors", st_bytes([], header_text=hdr, extra=le_bytes(b) + le_bytes(a)))
record("st/reordered.safetensors", "z", a)
record("st/reordered.safetensors", "a", b)
st_names += [("st/reordered.safetensors", "z", "I32"), ("st/reordered.safetensors", "a", "I32")]

# 8-bit floats load as uint8 arrays of their raw codes: an E4M3 weight holding
# every code (element i is code i) with its F32 scale, and E5M2 / E8M0 codes
# of other shapes. A generator of its own, so the other fixtures never shift.
r8 = np.random.default_rng(8)
f8 = [("layer.weight", "F8_E4M3", np.arange(256, dtype=np.uint8).reshape(16, 16)),
      ("layer.weight_scale", "F32", np.array(0.0213623046875, np.float32)),
      ("e5m2", "F8_E5M2", r8.integers(0, 256, (3, 5), dtype=np.uint8)),
      ("mx.scales", "F8_E8M0", r8.integers(0, 256, (2, 1, 3), dtype=np.uint8))]
st_write("st/fp8.safetensors", st_bytes([(k, dt, a.shape, le_bytes(a)) for k, dt, a in f8]))
for k, dt, a in f8:
    record("st/fp8.safetensors", k, a)
    st_names.append(("st/fp8.safetensors", k, dt))


def bad_st(name, code, header_text, data=b"", align=True):
    f = f"bad/{name}.safetensors"
    st_write(f, st_bytes([], header_text=header_text, extra=data, align=align))
    errors.append((f, code))


T = lambda dt, shape, offs: {"dtype": dt, "shape": shape, "data_offsets": offs}
J = json.dumps
bad_st("overlap", "AX_ERR_FORMAT", J({"a": T("F32", [2], [0, 8]), "b": T("F32", [2], [4, 12])}), b"\0" * 12)
bad_st("gap", "AX_ERR_FORMAT", J({"a": T("F32", [1], [0, 4]), "b": T("F32", [1], [8, 12])}), b"\0" * 12)
bad_st("size_mismatch", "AX_ERR_FORMAT", J({"a": T("F32", [3], [0, 8])}), b"\0" * 8)
bad_st("past_end", "AX_ERR_FORMAT", J({"a": T("F32", [4], [0, 16])}), b"\0" * 8)
bad_st("trailing_data", "AX_ERR_FORMAT", J({"a": T("F32", [1], [0, 4])}), b"\0" * 12)
bad_st("offsets_reversed", "AX_ERR_FORMAT", J({"a": T("F32", [0], [4, 0])}), b"\0" * 4)
bad_st("offsets_three", "AX_ERR_FORMAT", J({"a": T("F32", [1], [0, 4, 4])}), b"\0" * 4)
bad_st("dtype_f6", "AX_ERR_DTYPE", J({"a": T("F6_E2M3", [4], [0, 3])}), b"\0" * 3)
bad_st("dtype_unknown", "AX_ERR_FORMAT", J({"a": T("Q7", [4], [0, 4])}), b"\0" * 4)
bad_st("shape_negative", "AX_ERR_FORMAT", J({"a": T("U8", [-1], [0, 0])}))
bad_st("shape_fraction", "AX_ERR_FORMAT", J({"a": T("U8", [2.5], [0, 2])}), b"\0\0")
bad_st("shape_overflow", "AX_ERR_FORMAT", J({"a": T("F64", [2**40, 2**40], [0, 8])}), b"\0" * 8)
bad_st("shape_string", "AX_ERR_FORMAT", J({"a": T("U8", "2", [0, 2])}), b"\0\0")
bad_st("missing_dtype", "AX_ERR_FORMAT", J({"a": {"shape": [1], "data_offsets": [0, 1]}}), b"\0")
bad_st("dtype_number", "AX_ERR_FORMAT", J({"a": T(7, [1], [0, 1])}), b"\0")
bad_st("repeated_field", "AX_ERR_FORMAT", '{"a":{"dtype":"U8","shape":[1],"shape":[1],"data_offsets":[0,1]}}', b"\0")
bad_st("duplicate_name", "AX_ERR_FORMAT",
       '{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}',
       b"\0\0")
bad_st("metadata_not_string", "AX_ERR_FORMAT", J({"__metadata__": {"k": 1}}))
bad_st("metadata_not_object", "AX_ERR_FORMAT", J({"__metadata__": ["k"]}))
bad_st("tensor_not_object", "AX_ERR_FORMAT", J({"a": [1, 2]}))
bad_st("json_truncated", "AX_ERR_FORMAT", '{"a": {"dtype": "U8", "shape": [1], "data_')
bad_st("json_array", "AX_ERR_FORMAT", "[1, 2, 3]")
bad_st("json_trailing", "AX_ERR_FORMAT", '{} {}')
for name, blob in (("short", b"\x05\0\0"), ("header_past_end", struct.pack("<Q", 1000) + b"{}"),
                   ("header_huge", struct.pack("<Q", 1 << 62) + b"{}"),
                   ("header_nul", struct.pack("<Q", 8) + b'{"a":\0}')):
    f = f"bad/{name}.safetensors"
    st_write(f, blob)
    errors.append((f, "AX_ERR_FORMAT"))


# ------------------------------------------------------------------ expected.h
def c_bytes(b):
    s = "".join(f"\\x{x:02x}" for x in b)
    return "\n      ".join(f'"{s[i:i + 96]}"' for i in range(0, len(s), 96)) or '""'


def c_str(s):  # octal escapes: exactly 3 digits, so a following character is never swallowed
    return '"' + "".join(c if c.isascii() and (c.isalnum() or c in " ._-/") else
                         "".join(f"\\{x:03o}" for x in c.encode()) for c in s) + '"'


with open(path("expected.h"), "w") as out:
    out.write("/* Generated by tests/io_fixtures/make_fixtures.py from NumPy: do not edit. */\n")
    out.write("typedef struct io_fx_array {\n    const char *file, *key;\n    ax_dtype dtype;\n    int ndim;\n"
              "    int64_t shape[8];\n    size_t nbytes;\n    const char *bytes; /* NULL: see the test */\n} io_fx_array;\n")
    out.write("typedef struct io_fx_error {\n    const char *file;\n    ax_status code;\n} io_fx_error;\n")
    out.write("typedef struct io_fx_meta { /* also a tensor's dtype name (io_fx_st_names) */\n"
              "    const char *file, *key, *value;\n} io_fx_meta;\n\n")
    out.write("static const io_fx_array io_fx_arrays[] = {\n")
    for file, key, dt, shape, raw in arrays:
        shp = ", ".join(str(s) for s in shape) or "0"
        nb = len(raw) if raw is not None else int(np.prod(shape)) * 4
        out.write(f'    {{"{REL}/{file}", {c_str(key)}, {dt}, {len(shape)}, {{{shp}}}, {nb},\n      '
                  f'{c_bytes(raw) if raw is not None else "NULL"}}},\n')
    out.write("};\n\nstatic const io_fx_error io_fx_errors[] = {\n")
    for file, code in errors:
        out.write(f'    {{"{REL}/{file}", {code}}},\n')
    for table, rows in (("io_fx_metas", metas), ("io_fx_st_names", st_names)):
        out.write(f"}};\n\nstatic const io_fx_meta {table}[] = {{\n")
        for file, k, v in rows:
            out.write(f'    {{"{REL}/{file}", {c_str(k)}, {c_str(v)}}},\n')
    out.write("};\n")
print(f"{len(arrays)} arrays, {len(errors)} corrupt files, {len(metas)} metadata entries, "
      f"{len(st_names)} safetensors dtype names")

# ------------------------------------------------------------------ fuzz seeds
# The fixtures double as the libFuzzer seed corpus (fuzz/corpus/<target>/).
import glob
import shutil

CORPUS = os.path.join(HERE, "..", "..", "fuzz", "corpus")
for target, pats in (("fuzz_npy", ("npy/*.npy", "bad/*.npy")), ("fuzz_npz", ("npz/*.npz", "bad/*.npz")),
                     ("fuzz_safetensors", ("st/*.safetensors", "bad/*.safetensors"))):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for pat in pats:
        for src in sorted(glob.glob(os.path.join(HERE, pat))):
            if os.path.getsize(src) > 16384:  # keep seeds small (long_header.npy)
                continue
            rel = os.path.relpath(src, HERE).replace(os.sep, "_")
            shutil.copyfile(src, os.path.join(d, rel))
