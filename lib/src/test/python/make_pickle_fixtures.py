#!/usr/bin/python3
"""Fixtures for TorchZipReaderTest (the safe .pth reader).

Regenerate with Debian's PyTorch (torch 1.13, numpy 1.24):

    /usr/bin/python3 lib/src/test/python/make_pickle_fixtures.py

Writes small files under lib/src/test/resources/fixtures/pickle/:
  state_dict.pth        real torch.save output (protocol 2): many dtypes, strided views, 0-dim, empty,
                        nn.Parameter, an optimizer state_dict, a module state_dict with _metadata, scalars
  state_dict_p4.pth     the same object saved with pickle_protocol=4 (FRAME, MEMOIZE, STACK_GLOBAL, ...)
  expected.json         for every tensor path "a/b/c": dtype, shape, row-major little-endian bytes (hex)
                        and float values; plus the expected plain values
  plain_p5.pkl          pickle.dumps (protocol 5) of containers only (sets, frozensets, bytes, nesting)
  evil_*.pth            objects whose __reduce__ names a forbidden global, saved with torch.save.
                        They are NEVER loaded here; only written.
  legacy.pth            torch.save(..., _use_new_zipfile_serialization=False)
  plain_pickle.pkl      a non-zip, non-torch pickle
  small.pth             {"t": arange(6).reshape(2, 3)}, the base of the broken files below
  truncated.pth         the first part of a valid checkpoint
  short_storage.pth     a valid checkpoint whose storage entry was cut short (rewritten, ZIP_STORED)
  view_past_end.pth     a checkpoint whose tensor size was edited to read past its storage
  missing_storage.pth   a checkpoint with one storage entry removed
  expand_bomb.pth,      stride-0 views of a 6-element storage claiming 201 MB / 12.9 GB of elements
  huge_view.pth
  no_data_pkl.zip       a zip without data.pkl
  big_endian.pth        a valid checkpoint with a byteorder record saying "big"
  random.bin            random bytes
"""

import argparse
import collections
import io
import json
import os
import pickle
import random
import zipfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "pickle"))


def path(name):
    return os.path.join(OUT, name)


def build_object():
    """The checkpoint-shaped object saved in state_dict.pth; returns (obj, {path: tensor})."""
    torch.manual_seed(0)
    w = torch.randn(3, 4)
    model = collections.OrderedDict()
    model["w"] = w
    model["w_t"] = w.t()                    # non-contiguous view of w's storage
    model["w_slice"] = w[1:, 2:]            # offset view, shares w's storage
    model["w_col"] = w[:, 1]                # strided 1-d view
    model["half"] = torch.tensor([1.5, -2.25, 65504.0, 6.1e-5], dtype=torch.float16)
    model["bf16"] = torch.tensor([[1.0, -3.140625], [1e30, 0.0078125]], dtype=torch.bfloat16)
    model["f64"] = torch.tensor([0.1, -1e300, 2.0 ** -1074], dtype=torch.float64)
    model["i64"] = torch.tensor([0, -1, 2 ** 40 + 1, -(2 ** 52)], dtype=torch.int64)
    model["i32"] = torch.tensor([7, -8], dtype=torch.int32)
    model["u8"] = torch.tensor([0, 255], dtype=torch.uint8)
    model["flags"] = torch.tensor([True, False, True])
    model["scalar"] = torch.tensor(3.5)     # 0-dim
    model["empty"] = torch.zeros(0, 3)
    model["param"] = torch.nn.Parameter(torch.tensor([0.25, -0.5]))

    lin = torch.nn.Linear(2, 3)
    with torch.no_grad():
        lin.weight.copy_(torch.arange(6, dtype=torch.float32).reshape(3, 2) / 8)
        lin.bias.copy_(torch.tensor([1.0, 2.0, 3.0]))
    opt = torch.optim.AdamW(lin.parameters(), lr=1e-3)
    lin(torch.ones(1, 2)).sum().backward()
    opt.step()

    obj = {
        "model": model,
        "module": lin.state_dict(),         # OrderedDict with _metadata attached via BUILD
        "optimizer": opt.state_dict(),
        "epoch": 7,
        "neg": -5,
        "big": 2 ** 70,
        "pi": 3.25,
        "name": "vit_base",
        "flag": True,
        "nothing": None,
        "raw": b"\x00\x01\xff",        # protocol 2: _codecs.encode(str, "latin1")
        "no_raw": b"",                    # protocol 2: bytes()
        "shape": (2, None, "x"),
        "nested": [1, [2.5, [False]], {"k": (1,)}],
    }
    tensors = {}

    def walk(prefix, o):
        if isinstance(o, torch.Tensor):
            tensors[prefix] = o
        elif isinstance(o, dict):
            for k, v in o.items():
                walk(f"{prefix}/{k}" if prefix else str(k), v)
        elif isinstance(o, (list, tuple)):
            for i, v in enumerate(o):
                walk(f"{prefix}/{i}", v)

    walk("", obj)
    return obj, tensors


DTYPES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.uint8: "U8", torch.bool: "BOOL",
}


def expectation(t):
    t = t.detach().contiguous()
    raw = t.view(torch.int16) if t.dtype == torch.bfloat16 else t
    return {
        "dtype": DTYPES[t.dtype],
        "shape": list(t.shape),
        "hex": raw.numpy().tobytes().hex(),
        "values": [float(v) for v in t.float().reshape(-1).tolist()],
    }


def rewrite_zip(src, dst, edit):
    """Copies zip src to dst (ZIP_STORED), passing each (name, bytes) through edit (None drops it)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(stored(info.filename), data)
        extra = edit("<add>", None)
        if extra:
            zout.writestr(stored(extra[0]), extra[1])


def stored(name):
    """A ZIP_STORED entry with a fixed timestamp, so that regenerated fixtures are byte-identical."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    return info


class Evil:
    """Pickles as a call of `target(*args)`; only ever written, never loaded."""

    def __init__(self, target, args):
        self.target, self.args = target, args

    def __reduce__(self):
        return (self.target, self.args)


def main():
    os.makedirs(OUT, exist_ok=True)
    obj, tensors = build_object()
    torch.save(obj, path("state_dict.pth"))
    torch.save(obj, path("state_dict_p4.pth"), pickle_protocol=4)
    expected = {
        "tensors": {k: expectation(v) for k, v in tensors.items()},
        "optimizer_lr": obj["optimizer"]["param_groups"][0]["lr"],
        "optimizer_betas": list(obj["optimizer"]["param_groups"][0]["betas"]),
        "optimizer_params": obj["optimizer"]["param_groups"][0]["params"],
        "optimizer_keys": sorted(obj["optimizer"]["param_groups"][0].keys()),
        "big": str(obj["big"]),
    }
    with open(path("expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)

    with open(path("plain_p5.pkl"), "wb") as f:
        pickle.dump({"s": {1, 2}, "fs": frozenset({"a"}), "b": b"xy", "t": (1, (2, 3)), "l": [None, True],
                     "f": -0.5, "u": "\u00e9\u4e2d", "neg": -(2 ** 63), "od": collections.OrderedDict(a=1)},
                    f, protocol=5)

    # Forbidden globals. torch.save pickles os.system as 'posix system' (its real module) and, at
    # protocol 2, builtins.eval as '__builtin__ eval'.
    torch.save({"x": Evil(os.system, ("echo pwned",))}, path("evil_os_system.pth"))
    torch.save({"x": Evil(eval, ("1+1",))}, path("evil_eval.pth"))
    torch.save({"x": Evil(eval, ("1+1",))}, path("evil_eval_p4.pth"), pickle_protocol=4)
    torch.save({"args": argparse.Namespace(lr=0.1), "model": {"w": torch.ones(1)}}, path("evil_namespace.pth"))
    # Spell the global 'os system', as other platforms' pickles do.
    rewrite_zip(path("evil_os_system.pth"), path("evil_os_literal.pth"),
                lambda n, d: d.replace(b"cposix\nsystem\n", b"cos\nsystem\n") if n.endswith("data.pkl") else d)

    torch.save({"w": torch.ones(2)}, path("legacy.pth"), _use_new_zipfile_serialization=False)
    with open(path("plain_pickle.pkl"), "wb") as f:
        pickle.dump({"a": 1}, f, protocol=2)

    small = {"t": torch.arange(6, dtype=torch.float32).reshape(2, 3)}
    torch.save(small, path("small.pth"))
    with open(path("small.pth"), "rb") as f:
        blob = f.read()
    with open(path("truncated.pth"), "wb") as f:
        f.write(blob[: len(blob) // 2])
    rewrite_zip(path("small.pth"), path("short_storage.pth"),
                lambda n, d: d[:20] if n.endswith("/data/0") else d)
    rewrite_zip(path("small.pth"), path("missing_storage.pth"),
                lambda n, d: None if n.endswith("/data/0") else d)

    def grow(n, d):
        if not (n and n.endswith("data.pkl")):
            return d
        old = b"K\x00K\x02K\x03\x86"   # storage_offset 0, size (2, 3)
        assert d.count(old) == 1, d
        return d.replace(old, b"K\x00K\x03K\x03\x86")
    rewrite_zip(path("small.pth"), path("view_past_end.pth"), grow)

    def expand(size_op):
        def edit(n, d):
            if not (n and n.endswith("data.pkl")):
                return d
            old = b"K\x00K\x02K\x03\x86q\x08K\x03K\x01\x86"   # offset 0, size (2, 3), stride (3, 1)
            assert d.count(old) == 1, d
            return d.replace(old, b"K\x00" + size_op + b"K\x03\x86q\x08K\x00K\x00\x86")  # stride (0, 0)
        return edit
    # A stride-0 view of 6 floats claiming 2**24 x 3 elements (201 MB) or 2**30 x 3 (12.9 GB).
    rewrite_zip(path("small.pth"), path("expand_bomb.pth"), expand(b"J\x00\x00\x00\x01"))
    rewrite_zip(path("small.pth"), path("huge_view.pth"), expand(b"J\x00\x00\x00\x40"))

    def add_big(n, d):
        if n == "<add>":
            return ("small/byteorder", b"big")
        return d
    rewrite_zip(path("small.pth"), path("big_endian.pth"), add_big)

    with zipfile.ZipFile(path("no_data_pkl.zip"), "w", zipfile.ZIP_STORED) as z:
        z.writestr(stored("archive/version"), b"3\n")

    rnd = random.Random(1234)
    with open(path("random.bin"), "wb") as f:
        f.write(bytes(rnd.randrange(256) for _ in range(512)))

    for name in sorted(os.listdir(OUT)):
        print(f"{os.path.getsize(path(name)):7d}  {name}")


if __name__ == "__main__":
    main()
