#!/usr/bin/python3
"""Reference outputs for vptlab's ADE20K segmentation pipeline (dev.vptlab.data.SegPipeline), from OpenCV + numpy.

Regenerate with Debian's Python (OpenCV 4.6, numpy 1.24, torch 1.13 only to write the file; deterministic,
byte-identical on re-run on the same kind of CPU):

    /usr/bin/python3 lib/src/test/python/make_seg_pipeline_fixtures.py

Writes lib/src/test/resources/fixtures/seg/seg_pipeline.safetensors (relative to this file).

The pipeline is mmsegmentation v0.15.0's (mmseg/datasets/pipelines/transforms.py) on top of mmcv, whose
arithmetic is restated here from its source (mmcv is not installed here):
  mmcv.imrescale / rescale_size   f = min(max(scale) / max(h, w), min(scale) / min(h, w));
                                  new (w, h) = (int(w * f + 0.5), int(h * f + 0.5))
  mmcv.imresize                   cv2.resize(img, (w, h), interpolation=INTER_LINEAR | INTER_NEAREST)
  mmcv.bgr2hsv / hsv2bgr          cv2.cvtColor(img, COLOR_BGR2HSV | COLOR_HSV2BGR)
  mmcv.imnormalize(to_rgb=True)   float32; cv2.cvtColor BGR2RGB; cv2.subtract(img, mean64); cv2.multiply(img, 1/std64)
  PhotoMetricDistortion.convert   np.clip(img.astype(np.float32) * alpha + beta, 0, 255).astype(np.uint8)
  hue step                        (h.astype(int) + delta) % 180
  RandomCrop acceptance           labels, cnt = np.unique(crop, return_counts=True); cnt = cnt[labels != 255];
                                  len(cnt) > 1 and np.max(cnt) / np.sum(cnt) < cat_max_ratio

OpenCV's HSV->BGR kernel is CPU-dispatched: on x86-64 with AVX2 the first 32*floor(w/32) pixels of a row are
truncated, the rest rounded. The script asserts that this CPU behaves so (metadata "hsv_simd_block": 32).

Keys (U8 images HWC BGR; I64 arrays; doubles stored as I64 bit patterns, "..bits"):
  img.<name>                     U8 [h, w, 3] inputs; label.<name> I64 [h, w] (values 0..149, 255)
  linear.<name>.<H>x<W>          cv2.resize INTER_LINEAR of img.<name>
  nearest.<name>.<H>x<W>         cv2.resize INTER_NEAREST of label.<name> (as uint8)
  hsv.<name>                     cv2.cvtColor(img, BGR2HSV); bgr.<name> = cv2.cvtColor(hsv.<name>, HSV2BGR)
  sat.<name>.<i>, hue.<name>.<i> the saturation / hue steps with sat.alpha.bits[i] / hue.delta[i]
  convert.params.bits            I64 [n, 2] (alpha, beta) bit patterns; convert.out U8 [n, 256] on values 0..255
  rescale.cases                  I64 [n, 6]: h, w, scale_long, scale_short, new_h, new_w
  crop.labels I64 [n, 8, 9]; crop.boxes I64 [n, 4] (y1, y2, x1, x2); crop.ratio.bits; crop.accept I64 [n]
  normalize.<name>               F32 [h, w, 3] RGB, mmcv.imnormalize
  test.<name>.<ratio_index>      F32 [h, w, 3] RGB: a test view (rescale to (int(2048 r), int(512 r)), flip, normalize)
Metadata: exhaustive SHA-256 digests of BGR2HSV over all 2^24 colours (as a 4096x4096 image, B fastest... see
cube_bgr) and of HSV2BGR over all H 0..179, S, V (rows of 90 pixels, see cube_hsv).
"""

import hashlib
import os
import sys

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import save_safetensors  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_DIR = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "seg"))
OUT = os.path.join(OUT_DIR, "seg_pipeline.safetensors")

cv2.setNumThreads(1)
MEAN = np.array([123.675, 116.28, 103.53])
STD = np.array([58.395, 57.12, 57.375])


def u8(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.uint8))


def i64(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.int64))


def f32(a):
    return torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32))


def bits(a):
    return i64(np.ascontiguousarray(a, dtype=np.float64).view(np.int64))


def rescale_size(h, w, scale):
    f = min(max(scale) / max(h, w), min(scale) / min(h, w))
    return int(h * f + 0.5), int(w * f + 0.5)


def convert(img, alpha=1, beta=0):
    img = img.astype(np.float32) * alpha + beta
    img = np.clip(img, 0, 255)
    return img.astype(np.uint8)


def imnormalize(img):
    img = img.copy().astype(np.float32)
    mean = np.float64(MEAN.reshape(1, -1))
    stdinv = 1 / np.float64(STD.reshape(1, -1))
    cv2.cvtColor(img, cv2.COLOR_BGR2RGB, img)
    cv2.subtract(img, mean, img)
    cv2.multiply(img, stdinv, img)
    return img


def cube_bgr():
    """All 2^24 BGR colours as a 4096x4096 image: pixel k has B = k & 255, G = (k >> 8) & 255, R = k >> 16."""
    k = np.arange(1 << 24, dtype=np.int64)
    return np.stack([k & 255, (k >> 8) & 255, k >> 16], -1).astype(np.uint8).reshape(4096, 4096, 3)


def cube_hsv():
    """All H 0..179, S, V as rows of 90 pixels: pixel k has V = k & 255, S = (k >> 8) & 255, H = k >> 16."""
    k = np.arange(180 << 16, dtype=np.int64)
    return np.stack([k >> 16, (k >> 8) & 255, k & 255], -1).astype(np.uint8).reshape(-1, 90, 3)


def hsv_block_check():
    """Asserts this CPU's HSV2BGR truncates the first 32 pixels of a 33-pixel row and rounds the 33rd."""
    pixels = cube_hsv().reshape(-1, 3)[::997]
    rows = np.ascontiguousarray(np.repeat(pixels[:, None, :], 33, axis=1))
    out = cv2.cvtColor(rows, cv2.COLOR_HSV2BGR).astype(int)
    assert (out[:, :32] == out[:, :1]).all(), "the first 32 pixels of a row should agree"
    d = out[:, 32] - out[:, 0]
    assert ((d == 0) | (d == 1)).all() and (d == 1).any(), "the 33rd pixel should round where the block truncates"


def main():
    hsv_block_check()
    rng = np.random.default_rng(20261206)
    t = {}
    meta = {"opencv": cv2.__version__, "numpy": np.__version__, "hsv_simd_block": "32"}

    imgs = {
        "a": rng.integers(0, 256, (23, 37, 3), dtype=np.uint8),
        "b": rng.integers(0, 256, (16, 9, 3), dtype=np.uint8),
    }
    # a smooth-ish image too (random noise never shows interpolation rounding on flat areas)
    yy, xx = np.mgrid[0:19, 0:41]
    imgs["c"] = np.stack([(xx * 6) % 256, (yy * 13) % 256, (xx * yy) % 256], -1).astype(np.uint8)
    labels = {name: rng.choice(np.array([255, 0, 1, 2, 5, 149]), size=im.shape[:2]) for name, im in imgs.items()}
    sizes = [(50, 81), (11, 17), (31, 29), (46, 74), (12, 19), (7, 5), (64, 100), (23, 37), (1, 1), (3, 200), (40, 3)]
    for name, im in imgs.items():
        t["img." + name] = u8(im)
        t["label." + name] = i64(labels[name])
        for H, W in sizes:
            t[f"linear.{name}.{H}x{W}"] = u8(cv2.resize(im, (W, H), interpolation=cv2.INTER_LINEAR))
            t[f"nearest.{name}.{H}x{W}"] = u8(cv2.resize(labels[name].astype(np.uint8), (W, H),
                                                         interpolation=cv2.INTER_NEAREST))
        t["normalize." + name] = f32(imnormalize(im))

    # HSV: a 40x70 image (one 64-pixel SIMD stretch per row and a 6-pixel tail) and the steps
    hsvimg = rng.integers(0, 256, (40, 70, 3), dtype=np.uint8)
    imgs_hsv = {"h": hsvimg, "a": imgs["a"]}
    sat_alphas = [0.5, 0.6180339887, 1.0, 1.3, 1.4999]
    hue_deltas = [-18, -7, 0, 1, 17]
    t["sat.alpha.bits"] = bits(sat_alphas)
    t["hue.delta"] = i64(hue_deltas)
    for name, im in imgs_hsv.items():
        t["img." + name] = u8(im)
        hsv = cv2.cvtColor(im, cv2.COLOR_BGR2HSV)
        t["hsv." + name] = u8(hsv)
        t["bgr." + name] = u8(cv2.cvtColor(hsv, cv2.COLOR_HSV2BGR))
        for i, a in enumerate(sat_alphas):
            x = cv2.cvtColor(im, cv2.COLOR_BGR2HSV)
            x[:, :, 1] = convert(x[:, :, 1], alpha=a)
            t[f"sat.{name}.{i}"] = u8(cv2.cvtColor(x, cv2.COLOR_HSV2BGR))
        for i, d in enumerate(hue_deltas):
            x = cv2.cvtColor(im, cv2.COLOR_BGR2HSV)
            x[:, :, 0] = (x[:, :, 0].astype(int) + d) % 180
            t[f"hue.{name}.{i}"] = u8(cv2.cvtColor(x, cv2.COLOR_HSV2BGR))

    # exhaustive digests
    cb = cube_bgr()
    meta["bgr2hsv_sha256"] = hashlib.sha256(cv2.cvtColor(cb, cv2.COLOR_BGR2HSV).tobytes()).hexdigest()
    ch = cube_hsv()
    meta["hsv2bgr_sha256"] = hashlib.sha256(cv2.cvtColor(ch, cv2.COLOR_HSV2BGR).tobytes()).hexdigest()

    # brightness / contrast: every uint8 value under many (alpha, beta)
    params = [(1, -32.0), (1, 31.999999), (1, 0.5), (1, -0.5), (0.5, 0), (1.5, 0), (1.4999999, 0), (1.0, 0)]
    params += [(1, float(b)) for b in rng.uniform(-32, 32, 40)]
    params += [(float(a), 0) for a in rng.uniform(0.5, 1.5, 40)]
    vals = np.arange(256, dtype=np.uint8)
    t["convert.params.bits"] = bits(params)
    t["convert.out"] = u8(np.stack([convert(vals, alpha=a, beta=b) for a, b in params]))

    # rescale_size: random cases and hand-picked ones
    cases = [(512, 683, 2048, 512), (683, 512, 2048, 512), (1, 1, 2048, 512), (2048, 512, 2048, 512),
             (300, 4000, 1024, 256), (256, 256, 3072, 768), (375, 500, 1536, 384), (23, 37, 128, 32)]
    for _ in range(400):
        r = rng.random() * 1.5 + 0.5
        cases.append((int(rng.integers(1, 3000)), int(rng.integers(1, 3000)), int(2048 * r), int(512 * r)))
    rows = []
    for h, w, sl, ss in cases:
        nh, nw = rescale_size(h, w, (sl, ss))
        if nh >= 1 and nw >= 1:
            rows.append((h, w, sl, ss, nh, nw))
    t["rescale.cases"] = i64(rows)

    # crop acceptance: small label maps with few classes and boxes inside them
    n = 300
    labs = rng.choice(np.array([255, 0, 3, 7]), size=(n, 8, 9), p=[0.2, 0.5, 0.2, 0.1])
    for k in range(0, n, 7):
        labs[k] = labs[k][0, 0]  # some single-valued maps
    boxes, accept = [], []
    ratio = 0.75
    for k in range(n):
        y1 = int(rng.integers(0, 8)); y2 = int(rng.integers(y1 + 1, 9))
        x1 = int(rng.integers(0, 9)); x2 = int(rng.integers(x1 + 1, 10))
        seg = labs[k][y1:y2, x1:x2]
        labels_, cnt = np.unique(seg, return_counts=True)
        cnt = cnt[labels_ != 255]
        ok = len(cnt) > 1 and np.max(cnt) / np.sum(cnt) < ratio
        boxes.append((y1, y2, x1, x2))
        accept.append(int(ok))
    t["crop.labels"] = i64(labs)
    t["crop.boxes"] = i64(boxes)
    t["crop.ratio.bits"] = bits([ratio])
    t["crop.accept"] = i64(accept)

    # test views of img.a: rescale to (int(2048 r), int(512 r)), flip, normalize
    test_ratios = [0.03125, 0.0625, 0.05]
    t["test.ratio.bits"] = bits(test_ratios)
    for i, r in enumerate(test_ratios):
        im = imgs["a"]
        nh, nw = rescale_size(im.shape[0], im.shape[1], (int(2048 * r), int(512 * r)))
        x = cv2.resize(im, (nw, nh), interpolation=cv2.INTER_LINEAR)
        x = np.flip(x, axis=1)
        t[f"test.a.{i}"] = f32(imnormalize(x))

    os.makedirs(OUT_DIR, exist_ok=True)
    save_safetensors(OUT, t, meta)
    print("wrote", OUT, os.path.getsize(OUT), "bytes;", meta)


if __name__ == "__main__":
    main()
