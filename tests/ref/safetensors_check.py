#!/usr/bin/python3
"""safetensors_check.py -- read a safetensors file by hand (json + numpy) and
print one TSV line per tensor: name, dtype, shape, sum, sum of |x|.

Independent of lib/engine/safetensors.c; used to cross-check files written by the C
code (st_write) and by tests/ref/*.py. Besides the format itself it enforces
the rules of the reference (Rust) reader that lib/engine/safetensors.c relaxes:
data_offsets, sorted by begin, must be contiguous from 0 and cover the whole
data area (checked with --strict; a violation exits 1).

Usage: /usr/bin/python3 tests/ref/safetensors_check.py [--strict] FILE...
"""
import json
import struct
import sys

import numpy as np

DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"), "U8": np.dtype("u1"), "BOOL": np.dtype("?"),
    "U16": np.dtype("<u2"), "U32": np.dtype("<u4"), "U64": np.dtype("<u8"),
}
SIZES = {"BF16": 2, "F8_E4M3": 1, "F8_E5M2": 1, **{k: v.itemsize for k, v in DTYPES.items()}}


def fail(path, msg):
    sys.stderr.write(f"safetensors_check: {path}: {msg}\n")
    sys.exit(1)


def load(path, strict):
    with open(path, "rb") as f:
        buf = f.read()
    if len(buf) < 8:
        fail(path, "shorter than 8 bytes")
    (n,) = struct.unpack("<Q", buf[:8])
    if n > len(buf) - 8:
        fail(path, f"header length {n} beyond end of file")
    raw = buf[8:8 + n]
    try:
        hdr = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(path, f"header is not valid JSON: {e}")
    if not isinstance(hdr, dict):
        fail(path, "header is not a JSON object")
    if strict and not raw.startswith(b"{"):
        fail(path, "header does not start with '{'")
    data = buf[8 + n:]
    meta = hdr.pop("__metadata__", None) or {}
    if not all(isinstance(v, str) for v in meta.values()):
        fail(path, "__metadata__ values must be strings")
    out, spans = [], []
    for name, e in hdr.items():
        dt, shape, (b, en) = e["dtype"], e["shape"], e["data_offsets"]
        if not (0 <= b <= en <= len(data)):
            fail(path, f"tensor '{name}': data_offsets [{b}, {en}] outside data ({len(data)} bytes)")
        numel = int(np.prod(shape, dtype=np.int64)) if shape else 1
        if dt in SIZES and numel * SIZES[dt] != en - b:
            fail(path, f"tensor '{name}': {en - b} bytes but {dt} x {shape} needs {numel * SIZES[dt]}")
        chunk = data[b:en]
        if dt == "BF16":
            x = (np.frombuffer(chunk, "<u2").astype(np.uint32) << 16).view(np.float32)
        elif dt in DTYPES:
            x = np.frombuffer(chunk, DTYPES[dt])
        else:
            x = None
        out.append((name, dt, list(shape), x))
        spans.append((b, en, name))
    if strict:
        pos = 0
        for b, en, name in sorted(spans):
            if b != pos:
                fail(path, f"tensor '{name}': offsets not contiguous (begins at {b}, expected {pos})")
            pos = en
        if pos != len(data):
            fail(path, f"data area has {len(data)} bytes but tensors cover {pos}")
        if n % 8:
            sys.stderr.write(f"safetensors_check: {path}: note: header length {n} is not a multiple of 8\n")
    return meta, out


def main(argv):
    strict = "--strict" in argv
    files = [a for a in argv if a != "--strict"]
    if not files:
        sys.stderr.write(__doc__)
        return 2
    for path in files:
        meta, tensors = load(path, strict)
        for k in sorted(meta):
            print(f"#meta\t{k}\t{meta[k]}")
        print("name\tdtype\tshape\tsum\tabssum")
        for name, dt, shape, x in sorted(tensors, key=lambda t: t[0]):
            shp = "x".join(str(d) for d in shape) or "scalar"
            if x is None:
                print(f"{name}\t{dt}\t{shp}\t-\t-")
            else:
                x = x.astype(np.float64)
                print(f"{name}\t{dt}\t{shp}\t{x.sum():.9g}\t{np.abs(x).sum():.9g}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
