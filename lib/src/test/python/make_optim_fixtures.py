#!/usr/bin/python3
"""Reference script for the optimizer parity fixtures (dev.vptlab.train.Sgd / AdamW).

Regenerate with Debian's PyTorch (torch 1.13; the PATH python3 has no torch):

    /usr/bin/python3 lib/src/test/python/make_optim_fixtures.py

Writes lib/src/test/resources/fixtures/optim/{sgd_momentum,sgd_wd,adamw}.safetensors. Each file runs the real
torch.optim optimizer (float32, CPU, single-tensor code path) for 5 steps over three parameters with fixed,
pre-drawn gradients, so the Java side can inject the very same gradients and compare after every step:

  init.<name>            the parameter before step 1
  grad.<k>.<name>        the gradient used at step k (k = 1..5)
  lr                     [5] F32, the learning rate of each step (the stored float32 value IS the value used)
  after.<k>.<name>       the parameter after step k
  state.<name>.<kind>    the optimizer state after step 5 (momentum_buffer | exp_avg, exp_avg_sq, step)

Cases (GatedPT: torch SGD, src/solver/optimizer.py; CVPT: timm create_optimizer_v2 'AdamW', train.py):
  sgd_momentum  SGD(momentum 0.9, wd 0), lrs [0, 0, 0.5, 0.25, 1.0]: the buffer must accumulate at lr = 0
  sgd_wd        SGD(momentum 0.9, wd 1e-4), lr 0.1 every step
  adamw         AdamW(betas (0.9, 0.999), eps 1e-8, wd 0.05), lrs [1e-6, 1e-4, 1e-3, 1e-3, 5e-4]
Parameter names include a dot ("head.weight") so that state-key parsing by suffix is exercised.
"""

import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_fixtures import save_safetensors  # noqa: E402  (the project's hand-written safetensors writer)

OUT = os.path.normpath(os.path.join(HERE, "..", "resources", "fixtures", "optim"))
SHAPES = {"prompt": (1, 3, 8), "gate": (11,), "head.weight": (5, 8)}
STEPS = 5

torch.set_num_threads(1)


def f32(x):
    """The float32 value of x as a Python float: what the Java side reads back from the `lr` tensor."""
    return float(np.float32(x))


def draw(seed):
    g = torch.Generator().manual_seed(seed)
    init = {n: torch.randn(s, generator=g, dtype=torch.float32) for n, s in SHAPES.items()}
    grads = []
    for k in range(STEPS):
        # varied scales per step and tensor so the moments are not trivially proportional
        grads.append({n: (0.5 + k) * (1 + i) * torch.randn(s, generator=g, dtype=torch.float32)
                      for i, (n, s) in enumerate(SHAPES.items())})
    return init, grads


def run(case, make_opt, lrs, seed):
    lrs = [f32(x) for x in lrs]
    init, grads = draw(seed)
    params = {n: torch.nn.Parameter(t.clone()) for n, t in init.items()}
    opt = make_opt(list(params.values()))
    out = {"lr": torch.tensor(lrs, dtype=torch.float32)}
    for n, t in init.items():
        out["init." + n] = t
    for k in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lrs[k]
        for n, p in params.items():
            p.grad = grads[k][n].clone()
            out["grad.%d.%s" % (k + 1, n)] = grads[k][n]
        opt.step()
        opt.zero_grad()
        for n, p in params.items():
            out["after.%d.%s" % (k + 1, n)] = p.detach().clone()
    for n, p in params.items():
        for kind, v in opt.state[p].items():
            v = torch.as_tensor(v)
            if kind == "step":
                v = v.reshape(1).to(torch.int64)
            out["state.%s.%s" % (n, kind)] = v.detach().clone()
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, case + ".safetensors")
    save_safetensors(path, out, {"case": case, "torch": torch.__version__})
    print("wrote", os.path.relpath(path), len(out), "tensors")


def main():
    run("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.0, momentum=0.9, weight_decay=0.0),
        [0.0, 0.0, 0.5, 0.25, 1.0], seed=11)
    run("sgd_wd", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-4),
        [0.1] * STEPS, seed=12)
    run("adamw", lambda ps: torch.optim.AdamW(ps, lr=1e-6, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.05),
        [1e-6, 1e-4, 1e-3, 1e-3, 5e-4], seed=13)


if __name__ == "__main__":
    main()
