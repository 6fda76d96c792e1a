#!/usr/bin/python3
"""Reference outputs for vptlab's image transforms (dev.vptlab.data.Resize / Crops / Normalize).

Regenerate with Debian's Python (Pillow 9.4, torch 1.13, numpy 1.24; deterministic, byte-identical on re-run):

    /usr/bin/python3 lib/src/test/python/make_transform_fixtures.py

Writes lib/src/test/resources/fixtures/transforms/transforms.safetensors (relative to this file).

What each reference stands for (the VTAB-1K and FGVC pipelines of the official GatedPT/VPT and CVPT code):
  pil_bilinear / pil_bicubic  PIL ``Image.resize((W, H), BILINEAR|BICUBIC)`` on 8-bit images, which is what
                              torchvision's ``Resize`` does on PIL images (FGVC and CVPT pipelines).
  shorter_bilinear            torchvision ``Resize(int)`` on a PIL image: the size rule below, then PIL bilinear.
  torch_bilinear              ``F.interpolate(x, size, mode='bilinear', align_corners=False, antialias=False)``
                              in float32, the stand-in for TF2 ``tf.image.resize(..., 'bilinear')`` (GatedPT/VPT).
                              They are not bit-identical: torch 1.13 computes the source coordinate in double
                              from a float32 scale, TF in float32, which moves outputs by up to ~2e-3 (0..255
                              scale) at sharp edges (printed on generation).
  tf_bilinear                 TF's float32 arithmetic restated in numpy (TensorFlow is not installed here), for a
                              tighter check of a TF-exact implementation; the script asserts it stays within
                              4e-3 of torch and that torch's own index rule, restated, reproduces torch exactly.
  center                      torchvision ``CenterCrop`` offsets.

torchvision is not installed here, so its two pieces of arithmetic are restated from its source
(torchvision/transforms/functional.py):
  Resize(int):  short, long = sorted sides; new_short = size; new_long = int(size * long / short)
  CenterCrop:   top = int(round((H - h) / 2.0)); left = int(round((W - w) / 2.0))   (Python 3 round: half to even)

Layout: images and PIL outputs are U8 HWC ([H, W, 3], or [H, W] for the grey image); torch outputs are F32 CHW
on the 0..255 scale. Keys: ``img.<name>``, ``pil_bilinear.<name>.<H>x<W>``, ``pil_bicubic.<name>.<H>x<W>``,
``shorter_bilinear.<name>.<size>``, ``torch_bilinear.<name>.<H>x<W>``, ``tf_bilinear.<name>.<H>x<W>``,
``center.params`` (I64 [N, 6] rows: H, W, h, w, top, left) and ``center.<name>.<h>x<w>`` (U8 crop).
"""

import json
import os
import struct
import sys

import numpy as np
import PIL
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import save_safetensors  # noqa: E402
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "transforms"))
OUT = os.path.join(OUT_DIR, "transforms.safetensors")

torch.set_num_threads(1)

try:  # Pillow >= 9.1 names the filters in an enum; the old constants have the same values
    BILINEAR, BICUBIC = Image.Resampling.BILINEAR, Image.Resampling.BICUBIC
except AttributeError:  # pragma: no cover
    BILINEAR, BICUBIC = Image.BILINEAR, Image.BICUBIC


# ------------------------------------------------------------------------------------------ safetensors
def save(path, arrays, metadata):
    """Writes numpy arrays with the project's one safetensors writer (make_fixtures.save_safetensors)."""
    save_safetensors(path, {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}, metadata)


# ------------------------------------------------------------------------------------------ images
def make_images():
    rng = np.random.default_rng(20240611)
    imgs = {}
    # Pure noise, odd sizes: every coefficient matters and rounding ties are frequent.
    imgs["noise37x53"] = rng.integers(0, 256, size=(37, 53, 3), dtype=np.uint8)
    # Smooth gradient plus noise, portrait.
    yy, xx = np.mgrid[0:64, 0:48]
    base = np.stack([yy * 4, xx * 5, (yy + xx) * 2], axis=-1).astype(np.int64)
    imgs["grad64x48"] = np.clip(base + rng.integers(-20, 21, size=base.shape), 0, 255).astype(np.uint8)
    # Sharp edges: 0/255 checkerboard of 7-px squares, a saturated disc and thin lines; bicubic overshoots
    # here, so the clipping to 0..255 is exercised.
    yy, xx = np.mgrid[0:90, 0:135]
    checker = (((yy // 7) + (xx // 7)) % 2) * 255
    disc = ((yy - 45) ** 2 + (xx - 90) ** 2) < 22 ** 2
    c = np.stack([checker, 255 - checker, checker], axis=-1)
    c[disc] = [255, 0, 0]
    c[:, 13] = [0, 255, 0]
    c[57, :] = [0, 0, 255]
    imgs["checker90x135"] = c.astype(np.uint8)
    # Grey (PIL mode "L"), stored HW.
    imgs["grey23x31"] = rng.integers(0, 256, size=(23, 31), dtype=np.uint8)
    return imgs


# (H, W) output sizes per image: down, up, mixed, and one axis unchanged (Pillow then skips that pass).
PIL_SIZES = {
    "noise37x53": [(16, 24), (45, 66), (37, 20), (20, 53), (5, 7)],
    "grad64x48": [(32, 32), (69, 50), (7, 5)],
    "checker90x135": [(30, 45), (47, 71), (95, 25), (13, 135)],
    "grey23x31": [(40, 17), (9, 12)],
}
SHORTER_SIZES = {"noise37x53": [32, 40], "grad64x48": [20], "checker90x135": [41]}
TORCH_SIZES = {"noise37x53": [(16, 24), (41, 29)], "grad64x48": [(20, 30), (33, 20)],
               "checker90x135": [(30, 41), (9, 140)]}
TF_SIZES = {"noise37x53": [(41, 29)], "checker90x135": [(30, 41)]}
CENTER = {"noise37x53": [(21, 30), (36, 52), (2, 3)], "checker90x135": [(31, 40), (7, 10)]}


TF_TORCH_GAP = {}


def tf_axis(in_size, out_size):
    """TF ResizeBilinear(half_pixel_centers=True) along one axis, all float32 (resize_bilinear_op.cc):
    scale = in/out; in = (x + 0.5)*scale - 0.5; lower = max(floor(in), 0); upper = min(ceil(in), in-1);
    lerp = in - floor(in)."""
    f = np.float32
    scale = f(in_size) / f(out_size)
    x = np.arange(out_size).astype(f)
    src = (x + f(0.5)) * scale - f(0.5)
    fl = np.floor(src)
    lower = np.maximum(fl, 0).astype(np.int64)
    upper = np.minimum(np.ceil(src), in_size - 1).astype(np.int64)
    return lower, upper, (src - fl).astype(f)


def torch_style_axis(in_size, out_size):
    """torch 1.13's CPU upsample_bilinear2d indices, found to reproduce its lambdas exactly: the float32 scale is
    used in double, src = max(scale*(x + 0.5) - 0.5, 0), lower = int(src), lambda = float(src - lower).
    TF rounds src to float32 first; at a source coordinate near 100 that moves lambda by up to ~8e-6,
    i.e. ~2e-3 on the 0..255 scale at a 0/255 edge."""
    f = np.float32
    scale = np.float64(f(in_size) / f(out_size))
    src = np.maximum(scale * (np.arange(out_size) + 0.5) - 0.5, 0.0)
    lower = src.astype(np.int64)
    upper = np.where(lower < in_size - 1, lower + 1, lower)
    return lower, upper, (src - lower).astype(f)


def bilinear_f32(a, oh, ow, axis):
    """Separable-index bilinear blend in float32 in TF's order: rows by x-lerp, then columns by y-lerp.
    (torch blends as l0*a + l1*b; the difference is rounding noise, ~3e-5 at 255.)"""
    f = np.float32
    img = a.astype(f)
    ly, uy, yl = axis(a.shape[0], oh)
    lx, ux, xl = axis(a.shape[1], ow)
    xl = xl[None, :, None]
    yl = yl[:, None, None]
    top = img[ly][:, lx] + (img[ly][:, ux] - img[ly][:, lx]) * xl
    bot = img[uy][:, lx] + (img[uy][:, ux] - img[uy][:, lx]) * xl
    out = top + (bot - top) * yl
    return np.ascontiguousarray(out.transpose(2, 0, 1)).astype(f)


def shorter_side_size(h, w, size):
    """torchvision Resize(int): returns (new_h, new_w)."""
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_long, new_short) if w <= h else (new_short, new_long)


def center_offsets(h, w, ch, cw):
    return int(round((h - ch) / 2.0)), int(round((w - cw) / 2.0))


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    imgs = make_images()
    arrays = {}
    for name, a in imgs.items():
        arrays["img." + name] = a
        pil = Image.fromarray(a)
        assert pil.mode == ("L" if a.ndim == 2 else "RGB")
        for (h, w) in PIL_SIZES.get(name, []):
            arrays[f"pil_bilinear.{name}.{h}x{w}"] = np.asarray(pil.resize((w, h), BILINEAR))
            arrays[f"pil_bicubic.{name}.{h}x{w}"] = np.asarray(pil.resize((w, h), BICUBIC))
        for s in SHORTER_SIZES.get(name, []):
            nh, nw = shorter_side_size(a.shape[0], a.shape[1], s)
            arrays[f"shorter_bilinear.{name}.{s}"] = np.asarray(pil.resize((nw, nh), BILINEAR))
        if a.ndim == 3:
            x = torch.from_numpy(a.astype(np.float32)).permute(2, 0, 1).unsqueeze(0).contiguous()
            for (h, w) in TORCH_SIZES.get(name, []):
                y = F.interpolate(x, size=(h, w), mode="bilinear", align_corners=False, antialias=False)
                y = y[0].numpy().astype(np.float32)
                arrays[f"torch_bilinear.{name}.{h}x{w}"] = y
                # torch's own index arithmetic, restated, reproduces it up to blend-order rounding (torch's
                # vectorised blend is l0*a + l1*b, ~3e-5 at 255): this pins down where torch and TF part
                # ways, the source coordinate's precision (see torch_style_axis).
                own = float(np.abs(bilinear_f32(a, h, w, torch_style_axis) - y).max())
                assert own < 1e-4, (name, h, w, own)
                tf = bilinear_f32(a, h, w, tf_axis)
                gap = float(np.abs(tf - y).max())
                TF_TORCH_GAP[f"{name}.{h}x{w}"] = gap
                assert gap < 4e-3, (name, h, w, gap)
                if (h, w) in TF_SIZES.get(name, []):
                    arrays[f"tf_bilinear.{name}.{h}x{w}"] = tf
        for (ch, cw) in CENTER.get(name, []):
            top, left = center_offsets(a.shape[0], a.shape[1], ch, cw)
            arrays[f"center.{name}.{ch}x{cw}"] = a[top:top + ch, left:left + cw]

    # Offset table: includes the half-way ties that Python's round sends to the even neighbour.
    rows = []
    for (H, W, h, w) in [(256, 341, 224, 224), (256, 256, 224, 224), (225, 227, 224, 224), (227, 229, 224, 224),
                         (229, 231, 224, 224), (256, 383, 224, 224), (37, 53, 21, 30), (10, 10, 5, 7),
                         (11, 12, 4, 5), (13, 9, 8, 2), (300, 301, 1, 2), (5, 6, 5, 6)]:
        top, left = center_offsets(H, W, h, w)
        rows.append([H, W, h, w, top, left])
    arrays["center.params"] = np.array(rows, dtype=np.int64)

    meta = {"pillow": PIL.__version__, "torch": torch.__version__, "numpy": np.__version__,
            "script": "lib/src/test/python/make_transform_fixtures.py",
            "layout": "img/pil_*/shorter_*/center.<img>: U8 HWC (grey: HW); torch_bilinear/tf_bilinear: F32 CHW 0..255; "
                      "center.params: I64 rows H,W,h,w,top,left"}
    save(OUT, arrays, meta)
    total = os.path.getsize(OUT)
    print(f"wrote {OUT}: {len(arrays)} tensors, {total} bytes")
    for k, v in TF_TORCH_GAP.items():
        print(f"  TF-float32 vs torch bilinear {k}: max |diff| {v:.3g} (0..255 scale)")


if __name__ == "__main__":
    main()
