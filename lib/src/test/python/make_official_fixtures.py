#!/usr/bin/python3
"""Fixtures for OfficialTrainedFilesTest: trained files laid out as the official trainers save them.

Regenerate (needs only Python 3 and NumPy; no PyTorch):

    python3 lib/src/test/python/make_official_fixtures.py

Inputs: the tiny trunk fixtures/vit/vit_timm.safetensors and the method fixtures written by make_fixtures.py
(fixtures/methods/gated_mae.safetensors, cvpt_pos3.safetensors), whose param.* tensors carry the official names.

Writes under lib/src/test/resources/fixtures/official/:
  gated_last_model.pth  Gated PT's trainer output: torch.save({'model': model.state_dict()}, 'last_model.pth')
                        (GatedPT repo, train.py / the trainer's save routine). The model is `enc` (the prompted
                        ViT: every frozen trunk tensor under enc.*, plus enc.prompt_embeddings, enc.gate_logit,
                        enc.temp) and `head` (an MLP whose linear layer is head.last_layer).
  vpt_deep_model.pth    the same layout for VPT-deep (KMnP/vpt, src/models/vit_prompt/vit_mae.py: enc.prompt_embeddings,
                        enc.deep_prompt_embeddings; head.last_layer), from vpt_deep_mae.
  cvpt_model.pth        CVPT's whole-model state dict, flat (torch.save(model.state_dict(), ...)): the timm
                        trunk keys, Prompt_Tokens and head.{weight,bias}.

The files are written exactly as torch.save (zip serialization) lays them out: <name>/data.pkl (pickle protocol 2,
tensors as torch._utils._rebuild_tensor_v2 over persistent-id storages), <name>/data/<key> (raw little-endian
storage bytes), <name>/byteorder and <name>/version. The pickle names torch's globals through stand-in modules, so
the bytes equal what torch.save writes for the same tensors (storage bytes, opcodes and globals), without PyTorch.
"""

import collections
import json
import os
import pickle
import struct
import sys
import types
import zipfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures"))
OUT = os.path.join(FIX, "official")


def read_safetensors(path):
    with open(path, "rb") as f:
        b = f.read()
    n = struct.unpack("<Q", b[:8])[0]
    header = json.loads(b[8:8 + n])
    out = collections.OrderedDict()
    for k, v in header.items():
        if k == "__metadata__":
            continue
        assert v["dtype"] == "F32", k
        s, e = v["data_offsets"]
        out[k] = np.frombuffer(b[8 + n + s:8 + n + e], dtype="<f4").reshape(v["shape"])
    return out


# Stand-ins for the torch globals torch.save's pickle names (torch.FloatStorage, torch._utils._rebuild_tensor_v2).
torch_mod = types.ModuleType("torch")
utils_mod = types.ModuleType("torch._utils")


class FloatStorage:
    pass


def _rebuild_tensor_v2(*args):
    raise RuntimeError("stand-in, never called")


FloatStorage.__module__ = "torch"
_rebuild_tensor_v2.__module__ = "torch._utils"
torch_mod.FloatStorage = FloatStorage
torch_mod._utils = utils_mod
utils_mod._rebuild_tensor_v2 = _rebuild_tensor_v2
sys.modules.setdefault("torch", torch_mod)
sys.modules.setdefault("torch._utils", utils_mod)


class Storage:
    def __init__(self, key, array):
        self.key = key
        self.array = np.ascontiguousarray(array, dtype="<f4")


class Tensor:
    def __init__(self, storage, shape):
        self.storage = storage
        self.shape = tuple(int(d) for d in shape)

    def __reduce_ex__(self, protocol):
        stride = []
        acc = 1
        for d in reversed(self.shape):
            stride.insert(0, acc)
            acc *= d
        return (_rebuild_tensor_v2, (self.storage, 0, self.shape, tuple(stride), False, collections.OrderedDict()))


def save(obj_builder, name):
    """obj_builder(tensor) builds the object, wrapping arrays with tensor(a); torch.save's zip layout."""
    storages = []

    def tensor(a):
        s = Storage(str(len(storages)), a)
        storages.append(s)
        return Tensor(s, a.shape)

    obj = obj_builder(tensor)

    class Pickler(pickle.Pickler):
        def persistent_id(self, o):
            if isinstance(o, Storage):
                return ("storage", FloatStorage, o.key, "cpu", int(o.array.size))
            return None

    import io
    buf = io.BytesIO()
    Pickler(buf, protocol=2).dump(obj)
    prefix = os.path.splitext(name)[0]
    os.makedirs(OUT, exist_ok=True)
    def entry(z, path, data):
        # A fixed timestamp, so that regenerating gives the same bytes.
        z.writestr(zipfile.ZipInfo(prefix + "/" + path, date_time=(1980, 1, 1, 0, 0, 0)), data)

    with zipfile.ZipFile(os.path.join(OUT, name), "w", zipfile.ZIP_STORED) as z:
        entry(z, "data.pkl", buf.getvalue())
        entry(z, "byteorder", "little")
        for s in storages:
            entry(z, "data/" + s.key, s.array.tobytes())
        entry(z, "version", "3\n")


def params(case):
    t = read_safetensors(os.path.join(FIX, "methods", case + ".safetensors"))
    return collections.OrderedDict((k[6:], v) for k, v in t.items() if k.startswith("param."))


def main():
    trunk = read_safetensors(os.path.join(FIX, "vit", "vit_timm.safetensors"))

    gated = params("gated_mae")

    def gated_obj(tensor):
        sd = collections.OrderedDict()
        for k, v in trunk.items():
            sd["enc." + k] = tensor(v)
        sd["enc.prompt_embeddings"] = tensor(gated["prompt_embeddings"])
        sd["enc.gate_logit"] = tensor(gated["gate_logit"])
        sd["enc.temp"] = tensor(gated["temp"])
        sd["head.last_layer.weight"] = tensor(gated["head.weight"])
        sd["head.last_layer.bias"] = tensor(gated["head.bias"])
        return {"model": sd}

    save(gated_obj, "gated_last_model.pth")

    vpt = params("vpt_deep_mae")

    def vpt_obj(tensor):
        sd = collections.OrderedDict()
        for k, v in trunk.items():
            sd["enc." + k] = tensor(v)
        sd["enc.prompt_embeddings"] = tensor(vpt["prompt_embeddings"])
        sd["enc.deep_prompt_embeddings"] = tensor(vpt["deep_prompt_embeddings"])
        sd["head.last_layer.weight"] = tensor(vpt["head.weight"])
        sd["head.last_layer.bias"] = tensor(vpt["head.bias"])
        return {"model": sd}

    save(vpt_obj, "vpt_deep_model.pth")

    cvpt = params("cvpt_pos3")

    def cvpt_obj(tensor):
        sd = collections.OrderedDict()
        for k, v in trunk.items():
            sd[k] = tensor(v)
        for k, v in cvpt.items():
            sd[k] = tensor(v)
        return sd

    save(cvpt_obj, "cvpt_model.pth")


if __name__ == "__main__":
    main()
