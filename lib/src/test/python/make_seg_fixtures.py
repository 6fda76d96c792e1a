#!/usr/bin/python3
"""Reference script for vptlab's segmentation parity fixtures (package dev.vptlab.seg).

Regenerate with (Debian's PyTorch, torch 1.13 / numpy 1.24), after make_fixtures.py:

    /usr/bin/python3 lib/src/test/python/make_seg_fixtures.py

Writes lib/src/test/resources/fixtures/seg/ (relative to this file):
  pup_decode.safetensors, pup_aux.safetensors  SETR-PUP head: train-mode forward, gradients, running statistics,
                                               eval-mode forward with non-trivial running statistics;
  bilinear.safetensors                         F.interpolate(bilinear, align_corners=False) values and gradients;
  pixel_loss.safetensors                       pixel cross-entropy with ignore 255, mean over all pixels;
  slide.safetensors                            slide inference with a window-dependent per-window model;
  poly_lr.json, miou.json                      float64 / integer expectations (exact);
  taps.safetensors                             dense block taps of the tiny ViT with VPT-deep and gated prompts;
  backbone_dropout.safetensors                 CVPT (position 3) with the backbone's plain dropout (drop_rate) active,
                                               the dropout masks given: dense taps, logits and gradients;
  cross_attention.safetensors                  CVPT (position 3, evaluation): each block's attention over the prompts
                                               and cross-attention output, and the per-block statistics of them that
                                               vptlab's analysis reports (entropy, largest weight, spatial share).

This is a from-the-papers-and-code restatement of mmsegmentation v0.15.0 / mmcv 1.3.9 (SETRUPHead, resize,
CrossEntropyLoss, EncoderDecoder.slide_inference, intersect_and_union / total_intersect_and_union,
PolyLrUpdaterHook); mmseg itself is not imported. Deterministic (fixed seeds, one thread, CPU). Parameters and
inputs are drawn in float32; expected values are computed in float64 from them and stored as float32.
"""

import collections
import json
import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_fixtures as mf  # noqa: E402  (tiny ViT, prompt methods, safetensors writer)

OUT = os.path.join(mf.OUT, "seg")
LN_EPS, BN_EPS, BN_MOMENTUM = 1e-6, 1e-5, 0.1
IGNORE = 255

torch.set_num_threads(1)


def f32(t):
    return t.detach().float().contiguous()


# ====================================================================== SETR-PUP head
def pup_forward(P, R, x, convs, up, training):
    """mmseg v0.15.0 SETRUPHead.forward (dropout 0). P: parameters, R: running stats (updated in place)."""
    n, c, h, w = x.shape
    t = x.reshape(n, c, h * w).transpose(2, 1)
    t = F.layer_norm(t, (c,), P["norm.weight"], P["norm.bias"], eps=LN_EPS)
    x = t.transpose(1, 2).reshape(n, c, h, w)
    for i in range(convs):
        p = f"up_convs.{i}.0."
        x = F.conv2d(x, P[p + "conv.weight"], None, padding=1)
        x = F.batch_norm(x, R[p + "bn.running_mean"], R[p + "bn.running_var"], P[p + "bn.weight"], P[p + "bn.bias"],
                         training, BN_MOMENTUM, BN_EPS)
        x = F.relu(x)
        x = F.interpolate(x, scale_factor=up, mode="bilinear", align_corners=False)
    return F.conv2d(x, P["conv_seg.weight"], P["conv_seg.bias"])


def pup_case(name, seed, in_dim, channels, convs, up, classes, batch, grid):
    g = torch.Generator().manual_seed(seed)
    P = collections.OrderedDict()
    P["norm.weight"] = 1 + 0.1 * torch.randn(in_dim, generator=g)
    P["norm.bias"] = 0.1 * torch.randn(in_dim, generator=g)
    for i in range(convs):
        cin = in_dim if i == 0 else channels
        p = f"up_convs.{i}.0."
        P[p + "conv.weight"] = torch.randn(channels, cin, 3, 3, generator=g) * math.sqrt(2.0 / (channels * 9))
        P[p + "bn.weight"] = 1 + 0.1 * torch.randn(channels, generator=g)
        P[p + "bn.bias"] = 0.1 * torch.randn(channels, generator=g)
    P["conv_seg.weight"] = 0.3 * torch.randn(classes, channels, 1, 1, generator=g)
    P["conv_seg.bias"] = 0.1 * torch.randn(classes, generator=g)
    P = collections.OrderedDict((k, f32(v)) for k, v in P.items())
    R0 = collections.OrderedDict()
    for i in range(convs):
        p = f"up_convs.{i}.0.bn."
        R0[p + "running_mean"] = f32(0.2 * torch.randn(channels, generator=g))
        R0[p + "running_var"] = f32(0.5 + torch.rand(channels, generator=g))
    x = f32(torch.randn(batch, in_dim, grid, grid, generator=g))
    out_side = grid * up ** convs
    probe = f32(torch.randn(batch, classes, out_side, out_side, generator=g))

    def run(dtype, training):
        Pd = {k: v.detach().clone().to(dtype).requires_grad_(True) for k, v in P.items()}
        Rd = {k: v.detach().clone().to(dtype) for k, v in R0.items()}
        xd = x.detach().clone().to(dtype).requires_grad_(True)
        y = pup_forward(Pd, Rd, xd, convs, up, training)
        if training:
            (y * probe.to(dtype)).sum().backward()
        return y.detach(), {k: v.grad for k, v in Pd.items()}, xd.grad, Rd

    y, grads, gx, R1 = run(torch.float64, True)
    y32, grads32, _, _ = run(torch.float32, True)
    ye, _, _, _ = run(torch.float64, False)
    assert y.shape == (batch, classes, out_side, out_side)
    err = (y32.double() - y).abs().max().item() / y.abs().max().item()
    gerr = max(((grads32[k].double() - grads[k]).abs().max() / grads[k].abs().max()).item() for k in grads)
    T = collections.OrderedDict()
    T["map"] = x
    T["probe"] = probe
    for k, v in P.items():
        T["param." + k] = v
        T["grad." + k] = f32(grads[k])
    for k, v in R0.items():
        T["buffer." + k] = v
        T["updated." + k] = f32(R1[k])
    T["grad.map"] = f32(gx)
    T["logits_train"] = f32(y)
    T["logits_eval"] = f32(ye)
    meta = dict(in_dim=in_dim, channels=channels, convs=convs, up_scale=up, classes=classes, batch=batch, grid=grid,
                loss="sum(logits_train * probe)", computed_in="float64")
    mf.save_safetensors(os.path.join(OUT, name + ".safetensors"), T, meta)
    print(f"[pup] {name}: logits {tuple(y.shape)} max|y|={y.abs().max():.3f}; fp32 rel err logits={err:.1e} "
          f"grads={gerr:.1e}")


# ====================================================================== bilinear
BILINEAR_CASES = collections.OrderedDict([
    ("up2", ((2, 3, 5, 6), (10, 12))),
    ("up4", ((2, 3, 5, 6), (20, 24))),
    ("up7to16", ((1, 2, 7, 7), (16, 16))),
    ("down", ((2, 3, 13, 21), (7, 9))),
    ("mixed", ((1, 2, 13, 21), (16, 9))),       # up in H, down in W
])


def write_bilinear():
    g = torch.Generator().manual_seed(300)
    T = collections.OrderedDict()
    for name, (shape, size) in BILINEAR_CASES.items():
        x = f32(torch.randn(*shape, generator=g))
        probe = f32(torch.randn(shape[0], shape[1], *size, generator=g))
        xd = x.double().requires_grad_(True)
        y = F.interpolate(xd, size=size, mode="bilinear", align_corners=False)
        (y * probe.double()).sum().backward()
        y32 = F.interpolate(x, size=size, mode="bilinear", align_corners=False)
        T[name + ".x"], T[name + ".probe"], T[name + ".y"], T[name + ".grad"] = x, probe, f32(y), f32(xd.grad)
        print(f"[bilinear] {name}: {shape} -> {size}; fp32 torch err {(y32.double() - y).abs().max():.1e}")
    mf.save_safetensors(os.path.join(OUT, "bilinear.safetensors"), T, {"computed_in": "float64"})


# ====================================================================== pixel loss
def pixel_loss(logits, labels):
    """mmseg v0.15.0: resize(seg_logit, label size, bilinear, align_corners False) then CrossEntropyLoss
    (reduction 'mean' over every element of the unreduced loss, ignored pixels contribute 0)."""
    logits = F.interpolate(logits, size=labels.shape[1:], mode="bilinear", align_corners=False) \
        if logits.shape[2:] != labels.shape[1:] else logits
    per_pixel = F.cross_entropy(logits, labels, reduction="none", ignore_index=IGNORE)
    return per_pixel.mean()


PIXEL_CASES = collections.OrderedDict([
    ("same", ((2, 5, 9, 10), (2, 9, 10))),
    ("up", ((2, 5, 6, 7), (2, 11, 13))),
    ("down", ((2, 5, 12, 16), (2, 7, 9))),
])


def write_pixel_loss():
    g = torch.Generator().manual_seed(400)
    T = collections.OrderedDict()
    for name, (ls, ys) in PIXEL_CASES.items():
        logits = f32(2 * torch.randn(*ls, generator=g))
        labels = torch.randint(0, ls[1], ys, generator=g)
        labels[torch.rand(*ys, generator=g) < 0.2] = IGNORE
        n_ignored = int((labels == IGNORE).sum())
        assert n_ignored > 0
        ld = logits.double().requires_grad_(True)
        loss = pixel_loss(ld, labels)
        loss.backward()
        # the denominator counts ignored pixels: the non-ignored mean differs
        valid = F.cross_entropy(F.interpolate(ld.detach(), size=ys[1:], mode="bilinear", align_corners=False),
                                labels, ignore_index=IGNORE)
        assert abs(valid.item() - loss.item()) > 1e-3
        T[name + ".logits"], T[name + ".labels"] = logits, labels
        T[name + ".loss"], T[name + ".grad"] = f32(loss.reshape(1)), f32(ld.grad)
        print(f"[pixel_loss] {name}: loss {loss.item():.6f} ({n_ignored} ignored of {labels.numel()})")
    mf.save_safetensors(os.path.join(OUT, "pixel_loss.safetensors"), T, {"computed_in": "float64"})


# ====================================================================== slide inference
def slide_inference(img, crop, stride, classes, f):
    """mmseg v0.15.0 EncoderDecoder.slide_inference (one image, no rescale)."""
    _, _, h_img, w_img = img.shape
    h_grids = max(h_img - crop + stride - 1, 0) // stride + 1
    w_grids = max(w_img - crop + stride - 1, 0) // stride + 1
    preds = img.new_zeros((1, classes, h_img, w_img))
    count = img.new_zeros((1, 1, h_img, w_img))
    for h_idx in range(h_grids):
        for w_idx in range(w_grids):
            y1, x1 = h_idx * stride, w_idx * stride
            y2, x2 = min(y1 + crop, h_img), min(x1 + crop, w_img)
            y1, x1 = max(y2 - crop, 0), max(x2 - crop, 0)
            out = f(img[:, :, y1:y2, x1:x2])
            preds += F.pad(out, (int(x1), int(preds.shape[3] - x2), int(y1), int(preds.shape[2] - y2)))
            count[:, :, y1:y2, x1:x2] += 1
    assert (count == 0).sum() == 0
    return preds / count, count


SLIDE_CASES = collections.OrderedDict([
    ("c8s5", (8, 5)),          # 2 x 4 windows, overlaps, the last ones clamped to the image
    ("c16s10", (16, 10)),      # taller than the image: one row of windows of height 13
    ("c32s20", (32, 20)),      # the image is smaller than the crop: one window, the whole image
])


def write_slide():
    g = torch.Generator().manual_seed(500)
    C, K = 3, 4
    img = f32(torch.randn(1, C, 13, 21, generator=g))
    W = f32(torch.randn(K, C, generator=g))
    b = f32(torch.randn(K, generator=g))
    W2 = f32(torch.randn(K, C, generator=g))
    Wd, bd, W2d = W.double(), b.double(), W2.double()

    def f(window):  # a 1x1 conv plus a term from the window's mean: the window placement matters
        local = torch.einsum("kc,bchw->bkhw", Wd, window) + bd.view(1, K, 1, 1)
        glob = torch.einsum("kc,bc->bk", W2d, window.mean(dim=(2, 3)))
        return local + glob.view(1, K, 1, 1)

    T = collections.OrderedDict(image=img, w=W, b=b, w2=W2)
    for name, (crop, stride) in SLIDE_CASES.items():
        y, count = slide_inference(img.double(), crop, stride, K, f)
        T[name + ".logits"], T[name + ".count"] = f32(y), f32(count)
        print(f"[slide] {name}: counts {sorted(set(count.flatten().tolist()))}")
    mf.save_safetensors(os.path.join(OUT, "slide.safetensors"), T, {"computed_in": "float64"})


# ====================================================================== poly lr
def poly_lr(base, t, total, power=0.9, min_lr=1e-4):
    """mmcv 1.3.9 PolyLrUpdaterHook.get_lr (by_epoch False)."""
    coeff = (1 - t / total) ** power
    return (base - min_lr) * coeff + min_lr


def write_poly_lr():
    cases = []
    for base, total in ((1e-2, 160000), (1e-3, 160000), (1e-3, 10), (5e-2, 7)):
        for t in sorted({0, 1, total // 3, total // 2, total - 1, total}):
            cases.append(dict(base=base, t=t, total=total, lr=poly_lr(base, t, total)))
    with open(os.path.join(OUT, "poly_lr.json"), "w") as fh:
        json.dump({"computed_in": "float64", "cases": cases}, fh, indent=1)
    print(f"[poly_lr] {len(cases)} cases")


# ====================================================================== mIoU
def intersect_and_union(pred, label, num_classes, ignore_index=IGNORE):
    """mmseg v0.15.0 mmseg/core/evaluation/metrics.py intersect_and_union (label_map {}, reduce_zero_label False)."""
    mask = label != ignore_index
    pred, label = pred[mask], label[mask]
    intersect = pred[pred == label]
    area_intersect = torch.histc(intersect.float(), bins=num_classes, min=0, max=num_classes - 1)
    area_pred = torch.histc(pred.float(), bins=num_classes, min=0, max=num_classes - 1)
    area_label = torch.histc(label.float(), bins=num_classes, min=0, max=num_classes - 1)
    return area_intersect, area_pred + area_label - area_intersect, area_pred, area_label


def write_miou():
    g = torch.Generator().manual_seed(600)
    K = 6                                   # class 5 never appears in predictions or labels: union 0
    images = []
    ti = torch.zeros(K, dtype=torch.float64)
    tu, tp, tl = ti.clone(), ti.clone(), ti.clone()
    for (h, w) in ((7, 9), (5, 11), (8, 8)):
        label = torch.randint(0, K - 1, (h, w), generator=g)
        pred = label.clone()
        flip = torch.rand(h, w, generator=g) < 0.4
        pred[flip] = torch.randint(0, K - 1, (int(flip.sum()),), generator=g)
        label[torch.rand(h, w, generator=g) < 0.15] = IGNORE
        i, u, p, l = intersect_and_union(pred, label, K)
        ti, tu, tp, tl = ti + i.double(), tu + u.double(), tp + p.double(), tl + l.double()
        images.append(dict(prediction=pred.flatten().tolist(), label=label.flatten().tolist()))
    iou = ti / tu
    assert torch.isnan(iou[K - 1])
    res = dict(classes=K, images=images, intersection=ti.tolist(), union=tu.tolist(), area_label=tl.tolist(),
               iou=[None if math.isnan(v) else v for v in iou.tolist()],
               miou=float(np.nanmean(iou.numpy())), aacc=float(ti.sum() / tl.sum()))
    with open(os.path.join(OUT, "miou.json"), "w") as fh:
        json.dump(res, fh)
    print(f"[miou] mIoU {res['miou']:.6f} aAcc {res['aacc']:.6f} iou {res['iou']}")


# ====================================================================== dense taps
TAPS = (4, 8, 11)
TAP_CASES = collections.OrderedDict([
    ("vpt_deep_mae", dict(kind="vpt", deep=True)),
    ("gated_mae", dict(kind="gated")),
])


def prompted_taps(cfg, T, P, images, taps):
    """The block loop of make_fixtures.forward_case (VPT-deep and gated), read at `taps` (0-based): CLS and the
    prompt tokens dropped, patches row-major to [B, D, grid, grid], no final norm (mmseg final_norm=False)."""
    B = images.shape[0]
    x = mf.embed(T, images)
    x = torch.cat([x[:, :1], P["prompt_embeddings"].expand(B, -1, -1), x[:, 1:]], dim=1)
    out = {}
    for i in range(max(taps) + 1):
        if cfg["kind"] == "vpt" and cfg.get("deep") and i > 0:
            x = torch.cat([x[:, :1], P["deep_prompt_embeddings"][i - 1].expand(B, -1, -1), x[:, 1 + mf.NP:]], dim=1)
        gated = cfg["kind"] == "gated" and "gate_logit" in P and i < mf.DEPTH - 1
        if gated:
            gv = torch.sigmoid(P["gate_logit"][i])
            p_in = x[:, 1:1 + mf.NP]
        tau = P["temp"][i] if (cfg["kind"] == "gated" and "temp" in P) else None
        x = mf.block(T, i, x, tau=tau)
        if gated:
            x = torch.cat([x[:, :1], gv * x[:, 1:1 + mf.NP] + (1 - gv) * p_in, x[:, 1 + mf.NP:]], dim=1)
        if i in taps:
            patches = x[:, -mf.NPATCH:]
            out[i] = patches.transpose(1, 2).reshape(B, mf.D, mf.GRID, mf.GRID)
    return out


def write_taps():
    trunk = mf.load_safetensors(os.path.join(mf.VIT_DIR, "vit_timm.safetensors"))
    images = mf.load_safetensors(os.path.join(mf.VIT_DIR, "inputs.safetensors"))["images"]
    T = {k: v.double() for k, v in trunk.items()}
    out = collections.OrderedDict()
    for name, cfg in TAP_CASES.items():
        saved = mf.load_safetensors(os.path.join(mf.METHODS_DIR, name + ".safetensors"))
        P = {k[6:]: v.double() for k, v in saved.items() if k.startswith("param.")}
        if "temp" in P:
            P["temp"] = P["temp"].float().clamp(0.01, 10.0).double()   # as the trainer's projection does
        taps = prompted_taps(cfg, T, P, images.double(), TAPS)
        for i, t in taps.items():
            out[f"{name}.tap{i}"] = f32(t)
        print(f"[taps] {name}: " + " ".join(f"{i}:{t.abs().max():.3f}" for i, t in taps.items()))
    mf.save_safetensors(os.path.join(OUT, "taps.safetensors"), out,
                        {"taps": ",".join(map(str, TAPS)), "computed_in": "float64",
                         "source": "methods/<case>.safetensors param.* on vit/vit_timm.safetensors"})


# ====================================================================== backbone dropout (CVPT's drop_rate)
DROP_RATE = 0.1          # drop_rate of the ViT in CVPT's released ADE20K config
PROMPT_DROP = 0.1        # CVPT's prompt dropout
DROP_CASES = collections.OrderedDict([
    # segmentation: dense taps, no drop-path (the config sets drop_rate only)
    ("taps", dict(seed=300, drop_path=0.0)),
    # classification forward: CLS pooling and head, drop-path 0.1·i/11 as CVPT's train.py
    ("logits", dict(seed=301, drop_path=0.1)),
])


class Masks:
    """Keep masks for every random draw of one forward, made on the fly from a numpy seed: u ~ U[0,1) in float32,
    kept where u < 1 - rate (float32). Draws are recorded in order so the Java test can replay them."""

    def __init__(self, seed):
        self.rng = np.random.RandomState(seed)
        self.drawn = []

    def keep(self, shape, rate):
        u = self.rng.random_sample(shape).astype(np.float32)
        k = u < (np.float32(1) - np.float32(rate))
        self.drawn.append(k)
        return torch.from_numpy(k.astype(np.float64))

    def drop(self, x, rate):
        """nn.Dropout in train mode: elementwise mask, kept values scaled by 1/(1 - rate)."""
        if rate == 0:
            return x
        return x * (self.keep(tuple(x.shape), rate) / float(np.float32(1) - np.float32(rate))).to(x.dtype)

    def drop_path(self, x, rate):
        """timm DropPath: one mask per sample."""
        if rate == 0:
            return x
        return x * (self.keep((x.shape[0], 1, 1), rate) / float(np.float32(1) - np.float32(rate))).to(x.dtype)


def dropout_mlp(T, i, x, M, p):
    """timm / mmseg Mlp with drop=p: fc1 -> GELU -> Dropout -> fc2 -> Dropout."""
    q = f"blocks.{i}.mlp."
    h = M.drop(F.gelu(F.linear(x, T[q + "fc1.weight"], T[q + "fc1.bias"])), p)
    return M.drop(F.linear(h, T[q + "fc2.weight"], T[q + "fc2.bias"]), p)


def cvpt_dropout_forward(T, prompts, images, M, p, drop_path, taps=None):
    """CVPT at insert position 3 with the ViT's drop_rate p active (train mode), from CVPT's backbone and timm's Block:
    pos_drop after the position embedding; per block, proj_drop after the attention projection, DropPath, prompt
    dropout on the [B, M, D] broadcast, the cross-attention with proj_drop after its projection (no DropPath), the MLP
    with both dropouts, DropPath. Attention-probability dropout 0. Masks are drawn in exactly this order."""
    B = images.shape[0]
    x = M.drop(mf.embed(T, images), p)                                         # pos_drop
    out = {}
    last = max(taps) if taps else mf.DEPTH - 1
    for i in range(last + 1):
        q = f"blocks.{i}."
        rate = drop_path * i / (mf.DEPTH - 1)
        ln1 = mf.layer_norm(x, T[q + "norm1.weight"], T[q + "norm1.bias"])
        x = x + M.drop_path(M.drop(mf.self_attention(T, i, ln1), p), rate)      # proj_drop, DropPath
        pr = M.drop(prompts[i].unsqueeze(0).expand(B, -1, -1), PROMPT_DROP)       # prompt dropout
        x = x + M.drop(mf.cross_attention(T, i, x, pr), p)                       # CA proj_drop, no DropPath
        ln2 = mf.layer_norm(x, T[q + "norm2.weight"], T[q + "norm2.bias"])
        x = x + M.drop_path(dropout_mlp(T, i, ln2, M, p), rate)                  # Mlp drops, DropPath
        if taps and i in taps:
            out[i] = x[:, -mf.NPATCH:].transpose(1, 2).reshape(B, mf.D, mf.GRID, mf.GRID)
    return out if taps else x


def write_backbone_dropout():
    trunk = mf.load_safetensors(os.path.join(mf.VIT_DIR, "vit_timm.safetensors"))
    inputs = mf.load_safetensors(os.path.join(mf.VIT_DIR, "inputs.safetensors"))
    images, labels = inputs["images"].double(), inputs["labels"]
    saved = mf.load_safetensors(os.path.join(mf.METHODS_DIR, "cvpt_pos3.safetensors"))
    T = {k: v.double() for k, v in trunk.items()}
    out = collections.OrderedDict()
    for name, cfg in DROP_CASES.items():
        P = {k[6:]: v.double().requires_grad_(True) for k, v in saved.items() if k.startswith("param.")}
        M = Masks(cfg["seed"])
        if name == "taps":
            taps = cvpt_dropout_forward(T, P["Prompt_Tokens"], images, M, DROP_RATE, cfg["drop_path"], TAPS)
            loss = sum((t ** 2).mean() for t in taps.values())
            for i, t in taps.items():
                out[f"taps.tap{i}"] = f32(t)
        else:
            x = cvpt_dropout_forward(T, P["Prompt_Tokens"], images, M, DROP_RATE, cfg["drop_path"])
            logits = F.linear(mf.pool(T, x, "moco"), P["head.weight"], P["head.bias"])
            loss = F.cross_entropy(logits, labels)
            out["logits.logits"] = f32(logits)
        loss.backward()
        out[f"{name}.loss"] = f32(loss.reshape(1))
        for k, v in P.items():
            if v.grad is not None:
                assert v.grad.abs().max() > 1e-6, f"{name}: gradient of {k} is ~0"
                out[f"{name}.grad.{k}"] = f32(v.grad)
        out[f"{name}.keep"] = torch.from_numpy(np.concatenate([k.ravel() for k in M.drawn]).astype(np.uint8))
        out[f"{name}.draw_sizes"] = torch.tensor([k.size for k in M.drawn], dtype=torch.int64)
        kept = np.concatenate([k.ravel() for k in M.drawn]).mean()
        print(f"[dropout] {name}: {len(M.drawn)} draws, {out[name + '.keep'].numel()} elements, kept {kept:.3f}, "
              f"loss {loss.item():.6f}")
    # the masks matter: without them (eval mode) the taps differ
    P = {k[6:]: v.double() for k, v in saved.items() if k.startswith("param.")}
    plain = mf.embed(T, images)
    for i in range(max(TAPS) + 1):
        plain = mf.block(T, i, plain, ca_prompts=P["Prompt_Tokens"][i].unsqueeze(0).expand(2, -1, -1), ca_pos=3)
    assert (plain[:, -mf.NPATCH:].transpose(1, 2).reshape(2, mf.D, mf.GRID, mf.GRID).float()
            - out[f"taps.tap{max(TAPS)}"]).abs().max() > 1e-2
    mf.save_safetensors(os.path.join(OUT, "backbone_dropout.safetensors"), out,
                        {"drop_rate": str(DROP_RATE), "prompt_dropout": str(PROMPT_DROP), "insert": "3",
                         "taps": ",".join(map(str, TAPS)), "computed_in": "float64",
                         "drop_path": ",".join(f"{n}:{c['drop_path']}" for n, c in DROP_CASES.items()),
                         "source": "methods/cvpt_pos3.safetensors param.* on vit/vit_timm.safetensors"})


# ====================================================================== CVPT cross-attention analysis
def cross_attention_stats(a, o):
    """Over the patch tokens (index >= 1; the taps drop CLS) of one block: the attention's entropy over the M prompts
    divided by log M, and its largest weight, each averaged over images, heads and patches; and the share of the
    cross-attention output that varies across patches, sqrt(sum |o - mean_patches o|^2 / sum |o|^2)."""
    p = a[:, :, 1:, :]
    m = p.shape[-1]
    entropy = (-(p * p.clamp_min(1e-300).log()).sum(-1) / math.log(m)).mean() if m > 1 else torch.tensor(float("nan"))
    largest = p.max(-1).values.mean()
    op = o[:, 1:, :]
    spatial = ((op - op.mean(1, keepdim=True)) ** 2).sum() / (op ** 2).sum()
    return entropy, largest, spatial.sqrt()


def write_cross_attention():
    trunk = mf.load_safetensors(os.path.join(mf.VIT_DIR, "vit_timm.safetensors"))
    images = mf.load_safetensors(os.path.join(mf.VIT_DIR, "inputs.safetensors"))["images"].double()
    saved = mf.load_safetensors(os.path.join(mf.METHODS_DIR, "cvpt_pos3.safetensors"))
    T = {k: v.double() for k, v in trunk.items()}
    P = saved["param.Prompt_Tokens"].double()
    B = images.shape[0]
    out = collections.OrderedDict()
    stats = []
    x = mf.embed(T, images)
    for i in range(mf.DEPTH):                      # position 3, evaluation (no dropout): make_fixtures.block's order
        q = f"blocks.{i}."
        x = x + mf.self_attention(T, i, mf.layer_norm(x, T[q + "norm1.weight"], T[q + "norm1.bias"]))
        pr = P[i].unsqueeze(0).expand(B, -1, -1)
        W, b = T[q + "attn.qkv.weight"], T[q + "attn.qkv.bias"]
        H, hd = mf.HEADS, mf.D // mf.HEADS
        qq = F.linear(x, W[:mf.D], b[:mf.D]).reshape(B, -1, H, hd).permute(0, 2, 1, 3)
        kk = F.linear(pr, W[mf.D:2 * mf.D], b[mf.D:2 * mf.D]).reshape(B, -1, H, hd).permute(0, 2, 1, 3)
        a = ((qq @ kk.transpose(-2, -1)) * hd ** -0.5).softmax(-1)                # [B, H, N, M]
        o = mf.cross_attention(T, i, x, pr)
        out[f"block{i}.weights"] = f32(a)
        out[f"block{i}.output"] = f32(o)
        stats.append(cross_attention_stats(a, o))
        x = x + o
        x = x + mf.mlp(T, i, mf.layer_norm(x, T[q + "norm2.weight"], T[q + "norm2.bias"]))
    for j, name in enumerate(["entropy", "largest", "spatial"]):
        out[name] = f32(torch.stack([s[j] for s in stats]))
    print("[cross] entropy " + " ".join(f"{s[0]:.3f}" for s in stats) + "; spatial " + " ".join(f"{s[2]:.3f}" for s in stats))
    mf.save_safetensors(os.path.join(OUT, "cross_attention.safetensors"), out,
                        {"insert": "3", "computed_in": "float64", "mode": "evaluation",
                         "source": "methods/cvpt_pos3.safetensors param.* on vit/vit_timm.safetensors"})


def main():
    os.makedirs(OUT, exist_ok=True)
    pup_case("pup_decode", 200, in_dim=12, channels=8, convs=2, up=2, classes=5, batch=2, grid=4)
    pup_case("pup_aux", 201, in_dim=12, channels=8, convs=2, up=4, classes=5, batch=2, grid=2)
    write_bilinear()
    write_pixel_loss()
    write_slide()
    write_poly_lr()
    write_miou()
    write_taps()
    write_backbone_dropout()
    write_cross_attention()
    total = 0
    for fn in sorted(os.listdir(OUT)):
        if fn.startswith("seg_pipeline"):      # make_seg_pipeline_fixtures.py's, not this script's
            continue
        size = os.path.getsize(os.path.join(OUT, fn))
        total += size
        assert size < 512 * 1024, f"{fn} is too large: {size}"
    print(f"total seg fixture size: {total / 1e3:.1f} kB in {OUT}")


if __name__ == "__main__":
    sys.exit(main())
