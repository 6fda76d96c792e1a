#!/usr/bin/python3
"""Reference for vptlab's analytic training-memory estimate (dev.vptlab.seg.SegMemory).

Regenerate with Debian's PyTorch (torch 1.13):

    /usr/bin/python3 lib/src/test/python/make_seg_memory_fixtures.py

Writes lib/src/test/resources/fixtures/seg/memory.json: for a tiny segmentor (4-block ViT, width 48, 3 heads,
8x8 grid, 3 prompts; SETR-PUP decode head 16 channels, 2 convs x2, auxiliary heads 16 channels, 1 conv x4, 5
classes, batch 2, crop 32) the bytes of the tensors autograd saves for backward in one training step, measured
with torch.autograd.graph.saved_tensors_hooks: unique storages counted once, storages of parameters (frozen or
trainable) and 0-d tensors not counted, split into the trunk's forward and the heads' forward plus losses.

The forward restates vptlab's op sequence op for op (PromptedVit.features, EncoderBlock, Attention, Mlp,
VptDeep / GatedPrompts / VptShallow / CrossVisualPrompts at position 3, SetrPupHead with its hand-written BatchNorm, PixelLoss), not timm's or mmseg's code.
"""

import json
import os
import sys

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "seg"))

B, IMG, PATCH, IN_CH, D, DEPTH, HEADS, HIDDEN, NP = 2, 32, 4, 3, 48, 4, 3, 192, 3
GRID = IMG // PATCH
HD = D // HEADS
TAPS = (1, 2, 3)
CHANNELS, DEC_CONVS, DEC_UP, AUX_CONVS, AUX_UP, CLASSES = 16, 2, 2, 1, 4, 5
PROMPT_DROP = 0.1
INSERT = {"vpt-shallow@3": 3}                            # 1-based block before which the prompts enter
DROP_RATE = 0.1                                          # CVPT's backbone drop_rate (its released ADE20K config)
LN_EPS, BN_EPS = 1e-6, 1e-5


class Counter:
    def __init__(self, excluded):
        self.excluded = excluded          # data_ptrs of parameter storages
        self.seen = set()
        self.bytes = {"trunk": 0, "heads": 0}
        self.phase = "trunk"

    def pack(self, t):
        s = t.storage()
        key = s.data_ptr()
        if t.dim() > 0 and key not in self.excluded and key not in self.seen:
            self.seen.add(key)
            self.bytes[self.phase] += s.nbytes()
        return t

    @staticmethod
    def unpack(t):
        return t


def param(*shape, grad=False):
    return torch.randn(*shape).mul_(0.1).requires_grad_(grad)


def trunk():
    T = {"patch.w": param(D, IN_CH, PATCH, PATCH), "patch.b": param(D), "cls": param(1, 1, D),
         "pos": param(1, 1 + GRID * GRID, D)}
    for i in range(DEPTH):
        p = f"b{i}."
        for n, shape in [("ln1.w", (D,)), ("ln1.b", (D,)), ("qkv.w", (3 * D, D)), ("qkv.b", (3 * D,)),
                         ("proj.w", (D, D)), ("proj.b", (D,)), ("ln2.w", (D,)), ("ln2.b", (D,)),
                         ("fc1.w", (HIDDEN, D)), ("fc1.b", (HIDDEN,)), ("fc2.w", (D, HIDDEN)), ("fc2.b", (D,))]:
            T[p + n] = param(*shape)
    return T


def dropout(x, rate):
    keep = 1 - rate
    mask = (torch.rand(x.shape) < keep).float() / keep
    return x * mask


def attention(T, p, x, tau):
    b, n, _ = x.shape
    qkv = F.linear(x, T[p + "qkv.w"], T[p + "qkv.b"])
    parts = qkv.reshape(b, n, 3, HEADS, HD).permute(2, 0, 3, 1, 4)
    q, k, v = parts[0], parts[1], parts[2]
    logits = torch.matmul(q, k.permute(0, 1, 3, 2)) * torch.full((), HD ** -0.5)
    if tau is not None:
        logits = logits / tau
    out = torch.matmul(logits.softmax(-1), v)
    out = out.permute(0, 2, 1, 3).reshape(b, n, D)
    return F.linear(out, T[p + "proj.w"], T[p + "proj.b"])


def block(T, i, x, tau):
    p = f"b{i}."
    x = x + attention(T, p, F.layer_norm(x, (D,), T[p + "ln1.w"], T[p + "ln1.b"], LN_EPS), tau)
    h = F.gelu(F.linear(F.layer_norm(x, (D,), T[p + "ln2.w"], T[p + "ln2.b"], LN_EPS), T[p + "fc1.w"], T[p + "fc1.b"]))
    return x + F.linear(h, T[p + "fc2.w"], T[p + "fc2.b"])


def cross_attention(T, p, x, prompts):
    """CVPT's cross-attention with the block's frozen self-attention weights: queries from the tokens, keys and
    values from the prompts (Attention.crossAttend)."""
    b, n, _ = x.shape
    w, bias = T[p + "qkv.w"], T[p + "qkv.b"]

    def heads(t):
        return t.reshape(t.shape[0], t.shape[1], HEADS, HD).permute(0, 2, 1, 3)

    q = heads(F.linear(x, w[:D], bias[:D]))
    k = heads(F.linear(prompts, w[D:2 * D], bias[D:2 * D]))
    v = heads(F.linear(prompts, w[2 * D:], bias[2 * D:]))
    logits = torch.matmul(q, k.permute(0, 1, 3, 2)) * torch.full((), HD ** -0.5)
    out = torch.matmul(logits.softmax(-1), v).permute(0, 2, 1, 3).reshape(b, n, D)
    return F.linear(out, T[p + "proj.w"], T[p + "proj.b"])


def cvpt_block(T, i, x, prompts):
    """EncoderBlock with CVPT's branch at position 3 (after self-attention) and the backbone's drop_rate: dropout
    after the attention projection, the cross-attention projection and both MLP layers."""
    p = f"b{i}."
    sa = dropout(attention(T, p, F.layer_norm(x, (D,), T[p + "ln1.w"], T[p + "ln1.b"], LN_EPS), None), DROP_RATE)
    x = x + sa
    pr = dropout(prompts.expand(B, NP, D), PROMPT_DROP)
    x = x + dropout(cross_attention(T, p, x, pr), DROP_RATE)
    h = F.gelu(F.linear(F.layer_norm(x, (D,), T[p + "ln2.w"], T[p + "ln2.b"], LN_EPS), T[p + "fc1.w"], T[p + "fc1.b"]))
    h = dropout(h, DROP_RATE)
    return x + dropout(F.linear(h, T[p + "fc2.w"], T[p + "fc2.b"]), DROP_RATE)


def features(kind, T, P, images):
    x = F.conv2d(images, T["patch.w"], T["patch.b"], stride=PATCH).flatten(2).transpose(1, 2)
    x = torch.cat([T["cls"].expand(B, 1, D), x], 1) + T["pos"]
    taps = []
    first = INSERT.get(kind, 1) - 1                    # VPT-shallow at block k: the block-location study
    if kind == "cvpt":
        x = dropout(x, DROP_RATE)                      # pos_drop
    for i in range(max(TAPS) + 1):
        if kind == "cvpt":
            x = cvpt_block(T, i, x, P["cross_prompts"][i:i + 1])
            if i in TAPS:
                taps.append(x[:, 1:].permute(0, 2, 1).reshape(B, D, GRID, GRID))
            continue
        if i == first or (kind == "vpt-deep" and i > 0):
            pr = P["prompts"] if i == first else P["deep_prompts"][i - 1:i]
            pr = dropout(pr.expand(B, NP, D), PROMPT_DROP)
            x = torch.cat([x[:, :1], pr, x[:, 1 + (NP if i > first else 0):]], 1)
        tau = P["temperatures"][i] if kind == "gated" else None
        gated = kind == "gated" and i < DEPTH - 1
        x_in = x
        out = block(T, i, x, tau)
        if gated:
            g = torch.sigmoid(P["gate_logits"][i])
            mixed = out[:, 1:1 + NP] * g + x_in[:, 1:1 + NP] * (g.neg() + 1)
            out = torch.cat([out[:, :1], mixed, out[:, 1 + NP:]], 1)
        x = out
        if i in TAPS:
            n = x.shape[1]
            taps.append(x[:, n - GRID * GRID:].permute(0, 2, 1).reshape(B, D, GRID, GRID))
    return taps


def head_params(convs):
    H = {"norm.w": param(D, grad=True), "norm.b": param(D, grad=True),
         "seg.w": param(CLASSES, CHANNELS, 1, 1, grad=True), "seg.b": param(CLASSES, grad=True)}
    for i in range(convs):
        H[f"conv{i}"] = param(CHANNELS, D if i == 0 else CHANNELS, 3, 3, grad=True)
        H[f"bn{i}.w"] = param(CHANNELS, grad=True)
        H[f"bn{i}.b"] = param(CHANNELS, grad=True)
    return H


def head(H, m, convs, up):
    b, c, h, w = m.shape
    t = F.layer_norm(m.reshape(b, c, h * w).permute(0, 2, 1), (c,), H["norm.w"], H["norm.b"], LN_EPS)
    x = t.permute(0, 2, 1).reshape(b, c, h, w)
    for i in range(convs):
        x = F.conv2d(x, H[f"conv{i}"], None, padding=1)
        n = torch.full((), float(x.numel() // CHANNELS))
        mean = x.sum((0, 2, 3), keepdim=True) / n
        centred = x - mean
        var = centred.square().sum((0, 2, 3), keepdim=True) / n
        x = centred / (var + torch.full((), BN_EPS)).sqrt() * H[f"bn{i}.w"].reshape(1, CHANNELS, 1, 1) \
            + H[f"bn{i}.b"].reshape(1, CHANNELS, 1, 1)
        x = torch.relu(x)
        x = F.interpolate(x, size=(x.shape[2] * up, x.shape[3] * up), mode="bilinear", align_corners=False)
    return F.conv2d(x, H["seg.w"], H["seg.b"])


def pixel_loss(logits, y):
    valid = y != 255
    safe = y * valid.long()
    one_hot = F.one_hot(safe, CLASSES).float() * valid.float().unsqueeze(3)
    logp = logits.log_softmax(1).permute(0, 2, 3, 1)
    return -(logp * one_hot).sum() / torch.full((), float(y.numel()))


def measure(kind):
    torch.manual_seed(7)
    T = trunk()
    if kind == "vpt-deep":
        P = {"prompts": param(1, NP, D, grad=True), "deep_prompts": param(DEPTH - 1, NP, D, grad=True)}
    elif kind == "cvpt":
        P = {"cross_prompts": param(DEPTH, NP, D, grad=True)}
    elif kind.startswith("vpt-shallow"):
        P = {"prompts": param(1, NP, D, grad=True)}
    else:
        P = {"prompts": param(1, NP, D, grad=True), "gate_logits": param(DEPTH - 1, grad=True),
             "temperatures": torch.ones(DEPTH, requires_grad=True)}
    heads = [head_params(DEC_CONVS)] + [head_params(AUX_CONVS) for _ in TAPS[:-1]]
    images = torch.randn(B, IN_CH, IMG, IMG)
    labels = torch.randint(0, CLASSES, (B, IMG, IMG))
    labels[:, :3] = 255
    params = list(T.values()) + list(P.values()) + [t for H in heads for t in H.values()]
    c = Counter({t.storage().data_ptr() for t in params})
    with torch.autograd.graph.saved_tensors_hooks(c.pack, c.unpack):
        taps = features(kind, T, P, images)
        c.phase = "heads"
        outs = [head(heads[0], taps[-1], DEC_CONVS, DEC_UP)]
        outs += [head(H, m, AUX_CONVS, AUX_UP) for H, m in zip(heads[1:], taps[:-1])]
        loss = pixel_loss(outs[0], labels)
        for o in outs[1:]:
            loss = loss + pixel_loss(o, labels) * torch.full((), 0.4)
    loss.backward()                                    # the graph is complete and runs
    return {"backbone_bytes": c.bytes["trunk"], "head_bytes": c.bytes["heads"]}


def main():
    torch.set_num_threads(1)
    out = {"torch": torch.__version__, "batch": B, "image": IMG, "patch": PATCH, "dim": D, "depth": DEPTH,
           "heads": HEADS, "mlp": HIDDEN, "prompts": NP, "prompt_dropout": PROMPT_DROP, "cvpt_drop_rate": DROP_RATE, "taps": list(TAPS),
           "channels": CHANNELS, "decode": [DEC_CONVS, DEC_UP], "aux": [AUX_CONVS, AUX_UP], "classes": CLASSES,
           "cases": {k: measure(k) for k in ("vpt-deep", "gated", "vpt-shallow", "vpt-shallow@3", "cvpt")}}
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "memory.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(json.dumps(out["cases"]))


if __name__ == "__main__":
    sys.exit(main())
