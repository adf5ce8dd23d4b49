"""An independent PyTorch MoCo v2 step, written from docs/METHOD.md (not from our TypeScript), used by
test/unit/ssl/torchParity.test.ts to check our TensorFlow.js step.

    /usr/bin/python3 test/python/moco_reference.py <dir>

reads <dir>/case.json (the options, view geometry, key permutation) and <dir>/inputs.safetensors (the
query side's and key side's variables, the queue, the two views), runs in float64:

  1. momentum update of the key side (parameters EMA, running statistics copied along),
  2. keys without gradient: the key encoder in training mode on the permuted key batch cut into two
     sub-batches (each with its own BatchNorm statistics), un-permuted, projected, L2-normalised,
  3. queries with gradient; global InfoNCE [q.k+, q.queue] / T, class 0; optionally the local loss:
     corresponding regions of the two views (the G x G grid inside the intersection of the crop boxes,
     RoI-align average pooling through torchvision.ops.roi_align), local projector, InfoNCE per region
     against the other regions of the same image; total = global + weight * local,
  4. SGD with momentum and coupled weight decay, enqueue the keys, momentum update again,

and writes <dir>/outputs.safetensors: the losses, every parameter gradient, the query side after the
update, the queue, and the key side after the second momentum update, all in our names and layouts.

Whitening (training mode, per group of channels, every spatial position a sample): 'iternorm' is the
trace-normalised Newton iteration with T steps; 'zca' is the exact inverse square root of the
covariance from an eigendecomposition (torch.linalg.eigh), the oracle our Newton-Schulz iteration
approximates. Running mean and W with momentum 0.1.

MOCO_REFERENCE_FLOAT32=1 runs it in float32 instead (to tell rounding from a disagreement).

Our layouts: convolution filters [kh, kw, cin, cout], linear weights [in, out]; torch's are
[cout, cin, kh, kw] and [out, in]. Names: ours 'gamma'/'beta' are torch's 'weight'/'bias'.
"""

import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torchvision.ops import roi_align

DT = torch.float32 if os.environ.get("MOCO_REFERENCE_FLOAT32") else torch.float64


# ---------------------------------------------------------------- safetensors (the format is 3 parts)
def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        assert e["dtype"] == "F32", f"{path}: {name} is {e['dtype']}, expected F32"
        b, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(raw[8 + n + b : 8 + n + end]), dtype=torch.float32)
        out[name] = t.reshape(e["shape"]).to(DT)
    return out


def write_safetensors(path, tensors):
    header, chunks, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.float64).contiguous()
        b = t.numpy().tobytes()
        header[name] = {"dtype": "F64", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        chunks.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(chunks))


# ---------------------------------------------------------------- layers
class Whitening(torch.nn.Module):
    def __init__(self, channels, method, group, iterations, eps, momentum=0.1):
        super().__init__()
        self.method, self.c, self.T, self.eps, self.m = method, min(group, channels), iterations, eps, momentum
        self.G = channels // self.c
        self.weight = torch.nn.Parameter(torch.ones(channels, dtype=DT))
        self.bias = torch.nn.Parameter(torch.zeros(channels, dtype=DT))
        self.register_buffer("running_mean", torch.zeros(channels, dtype=DT))
        self.register_buffer("running_wm", torch.eye(self.c, dtype=DT).repeat(self.G, 1, 1))

    def matrix(self, sigma):
        if self.method == "zca":
            lam, V = torch.linalg.eigh(sigma)
            return V @ torch.diag_embed(lam.rsqrt()) @ V.transpose(-1, -2)
        tr = sigma.diagonal(dim1=-2, dim2=-1).sum(-1)[:, None, None]
        sn = sigma / tr
        P = torch.eye(self.c, dtype=DT).expand_as(sigma)
        for _ in range(self.T):
            P = 1.5 * P - 0.5 * P @ P @ P @ sn
        return P / tr.sqrt()

    def forward(self, x):
        N, C, H, W = x.shape
        X = x.permute(0, 2, 3, 1).reshape(-1, C)  # samples x channels
        mu = X.mean(0)
        Xc = (X - mu).reshape(-1, self.G, self.c).transpose(0, 1)  # G x m x c
        sigma = Xc.transpose(1, 2) @ Xc / Xc.shape[1] + self.eps * torch.eye(self.c, dtype=DT)
        Wm = self.matrix(sigma)
        with torch.no_grad():
            self.running_mean.mul_(1 - self.m).add_(self.m * mu)
            self.running_wm.mul_(1 - self.m).add_(self.m * Wm)
        Y = (Xc @ Wm).transpose(0, 1).reshape(N, H, W, C) * self.weight + self.bias
        return Y.permute(0, 3, 1, 2)


# Smallest |input| of a ReLU on the query side: a gradient is only comparable away from the kink (an input
# within float32 rounding of 0 may switch sides between two correct implementations).
KINK = [math.inf]


def relu(x):
    if torch.is_grad_enabled():
        KINK[0] = min(KINK[0], x.detach().abs().min().item())
    return F.relu(x)


def bn(c):
    return torch.nn.BatchNorm2d(c, eps=1e-5, momentum=0.1, dtype=DT)


def conv(cin, cout, k, s, p):
    return torch.nn.Conv2d(cin, cout, k, s, p, bias=False, dtype=DT)


class Basic(torch.nn.Module):
    def __init__(self, cin, w, stride, last_norm):
        super().__init__()
        self.conv1, self.bn1 = conv(cin, w, 3, stride, 1), bn(w)
        self.conv2, self.bn2 = conv(w, w, 3, 1, 1), (last_norm(w) if last_norm else bn(w))
        self.downsample = (
            torch.nn.Sequential(conv(cin, w, 1, stride, 0), bn(w)) if stride != 1 or cin != w else None
        )

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        h = self.bn2(self.conv2(h))
        return relu(h + (self.downsample(x) if self.downsample is not None else x))


class ResNet18(torch.nn.Module):
    """Basic blocks [2, 2, 2, 2]; stem 'small' (3x3/1, no pool) or 'imagenet' (7x7/2 + max-pool 3/2)."""

    def __init__(self, widths, stem, whitening):
        super().__init__()
        self.small = stem == "small"
        self.conv1 = conv(1, widths[0], 3, 1, 1) if self.small else conv(1, widths[0], 7, 2, 3)
        self.bn1 = bn(widths[0])
        cin = widths[0]
        for s in range(4):
            blocks = []
            for b in range(2):
                last = s == 3 and b == 1 and whitening and whitening["position"] == "lastNorm"
                blocks.append(Basic(cin, widths[s], 2 if s > 0 and b == 0 else 1, make_whitening(whitening) if last else None))
                cin = widths[s]
            setattr(self, f"layer{s + 1}", torch.nn.Sequential(*blocks))
        self.whiten_pool = (
            make_whitening(whitening)(widths[3]) if whitening and whitening["position"] == "beforePool" else None
        )

    def forward(self, x):
        h = relu(self.bn1(self.conv1(x)))
        if not self.small:
            h = F.max_pool2d(h, 3, 2, 1)
        stages = []
        for s in range(4):
            h = getattr(self, f"layer{s + 1}")(h)
            stages.append(h)
        if self.whiten_pool is not None:
            h = stages[3] = self.whiten_pool(h)
        return stages, h.mean((2, 3))


def make_whitening(w):
    return lambda c: Whitening(c, w["method"], w["groupSize"], w["iterations"], w["epsilon"])


class Head(torch.nn.Module):
    def __init__(self, d, hidden, out):
        super().__init__()
        self.fc1, self.fc2 = torch.nn.Linear(d, hidden, dtype=DT), torch.nn.Linear(hidden, out, dtype=DT)

    def forward(self, x):
        return self.fc2(relu(self.fc1(x)))


class Side(torch.nn.Module):
    def __init__(self, case):
        super().__init__()
        w = case["widths"]
        self.encoder = ResNet18(w, case["stem"], case.get("whitening"))
        self.projector = Head(w[3], w[3], case["outDim"])
        loc = case.get("local")
        if loc:
            c = w[loc["stage"] - 1]
            self.localProjector = Head(c, c, loc["projectorDim"])


# ---------------------------------------------------------------- our names and layouts
def torch_name(ours):
    n = ours.replace("shortcut.conv", "downsample.0").replace("shortcut.bn", "downsample.1")
    n = n.replace(".whiten2.", ".bn2.")
    parts = n.split(".")
    parts[-1] = {"gamma": "weight", "beta": "bias"}.get(parts[-1], parts[-1])
    return ".".join(parts)


def to_torch(t):
    if t.dim() == 4:  # [kh, kw, cin, cout] -> [cout, cin, kh, kw]
        return t.permute(3, 2, 0, 1)
    return t


def from_torch(name, t):
    if t.dim() == 4:
        return t.permute(2, 3, 1, 0)
    if t.dim() == 2 and name.endswith("weight"):
        return t.t()
    return t


def load_side(side, tensors, prefix):
    sd = side.state_dict()
    seen = set()
    for ours, t in tensors.items():
        if not ours.startswith(prefix):
            continue
        tn = torch_name(ours[len(prefix) :])
        assert tn in sd, f"no torch variable for '{ours}' ({tn})"
        v = to_torch(t)
        if v.dim() == 2 and tn.endswith("weight") and tn.split(".")[-2].startswith("fc"):
            v = v.t()
        assert v.shape == sd[tn].shape, f"'{ours}': {tuple(v.shape)} vs torch {tuple(sd[tn].shape)}"
        sd[tn] = v
        seen.add(tn)
    missing = [k for k in sd if k not in seen and not k.endswith("num_batches_tracked")]
    assert not missing, f"variables not given: {missing[:5]}"
    side.load_state_dict(sd)


def dump_side(side, prefix, out, ours_names):
    """Our names -> values of `side` (parameters and buffers) in our layouts."""
    sd = side.state_dict()
    for ours in ours_names:
        if ours.startswith(prefix):
            out[ours] = from_torch(torch_name(ours[len(prefix) :]), sd[torch_name(ours[len(prefix) :])])


# ---------------------------------------------------------------- MoCo pieces
@torch.no_grad()
def momentum_update(key, query, m):
    for pk, pq in zip(key.parameters(), query.parameters()):
        pk.mul_(m).add_((1 - m) * pq)
    for bk, bq in zip(key.buffers(), query.buffers()):
        bk.copy_(bq)


def region_boxes(gq, gk, grid, min_overlap):
    """The grid regions inside the intersection of the crop boxes, as boxes in each view's pixels; None if skipped."""
    a, b = gq["box"], gk["box"]
    x0, y0 = max(a["x"], b["x"]), max(a["y"], b["y"])
    x1, y1 = min(a["x"] + a["w"], b["x"] + b["w"]), min(a["y"] + a["h"], b["y"] + b["h"])
    if x1 <= x0 or y1 <= y0:
        return None
    area = (x1 - x0) * (y1 - y0)
    if area / (a["w"] * a["h"]) < min_overlap or area / (b["w"] * b["h"]) < min_overlap:
        return None

    def to_view(g, x, y):
        assert g["rotation"] == 0, "the reference maps regions through crop and flips only"
        u, v = (x - g["box"]["x"]) / g["box"]["w"], (y - g["box"]["y"]) / g["box"]["h"]
        if g["flipH"]:
            u = 1 - u
        if g["flipV"]:
            v = 1 - v
        return u * g["width"], v * g["height"]

    out = ([], [])
    for i in range(grid):
        for j in range(grid):
            rx0, rx1 = x0 + j * (x1 - x0) / grid, x0 + (j + 1) * (x1 - x0) / grid
            ry0, ry1 = y0 + i * (y1 - y0) / grid, y0 + (i + 1) * (y1 - y0) / grid
            for k, g in enumerate((gq, gk)):
                ax, ay = to_view(g, rx0, ry0)
                bx, by = to_view(g, rx1, ry1)
                out[k].append([min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)])
    return out


def pool_regions(fmap, images, boxes, view_size):
    """RoI-align (bilinear, 2x2 samples, pixel centres at +0.5) mean of each region -> [V*R, C]."""
    rois = torch.tensor([[img] + bx for img, bs in zip(images, boxes) for bx in bs], dtype=DT)
    pooled = roi_align(fmap, rois, output_size=1, spatial_scale=fmap.shape[-1] / view_size, sampling_ratio=2, aligned=True)
    return pooled.flatten(1)


def info_nce_class0(logits):
    return F.cross_entropy(logits, torch.zeros(logits.shape[0], dtype=torch.long))


def local_loss(ql, kl, V, R, T, cross_image):
    logits = ql @ kl.t() / T
    if not cross_image:
        block = torch.block_diag(*[torch.ones(R, R, dtype=torch.bool)] * V)
        logits = logits.masked_fill(~block, float("-inf"))
    return F.cross_entropy(logits, torch.arange(V * R))


def run(d):
    case = json.load(open(f"{d}/case.json"))
    t = read_safetensors(f"{d}/inputs.safetensors")
    torch.manual_seed(0)
    query, key = Side(case), Side(case)
    load_side(query, t, "query.")
    load_side(key, t, "key.")
    queue = t["queue"].clone()  # [D, K]
    xq = t["xq"].permute(0, 3, 1, 2)  # ours NHWC -> NCHW
    xk = t["xk"].permute(0, 3, 1, 2)  # key views in batch order
    perm, m, T = case["perm"], case["momentum"], case["temperature"]
    N = xq.shape[0]
    loc = case.get("local")
    query.train()
    key.train()

    momentum_update(key, query, m)

    with torch.no_grad():  # keys: two sub-batches of the permuted batch, each its own BatchNorm statistics
        xp = xk[perm]
        cut = N // 2
        outs = [key.encoder(p) for p in (xp[:cut], xp[cut:])]
        inv = torch.empty(N, dtype=torch.long)
        inv[torch.tensor(perm)] = torch.arange(N)
        pooled_k = torch.cat([o[1] for o in outs])[inv]
        k = F.normalize(key.projector(pooled_k), dim=1)

    stages, pooled = query.encoder(xq)
    q = F.normalize(query.projector(pooled), dim=1)
    g_loss = info_nce_class0(torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1) / T)
    total, l_loss, valid = g_loss, None, []
    if loc:
        s = loc["stage"] - 1
        geo = case["geometry"]
        plans = [region_boxes(gq, gk, loc["grid"], loc["minOverlap"]) for gq, gk in geo]
        valid = [i for i, p in enumerate(plans) if p is not None]
        if valid:
            R = loc["grid"] ** 2
            with torch.no_grad():
                fk = torch.cat([o[0][s] for o in outs])[inv]
                kl = F.normalize(key.localProjector(pool_regions(fk, valid, [plans[i][1] for i in valid], case["size"])), dim=1)
            ql = F.normalize(query.localProjector(pool_regions(stages[s], valid, [plans[i][0] for i in valid], case["size"])), dim=1)
            l_loss = local_loss(ql, kl, len(valid), R, loc["temperature"], loc["crossImageNegatives"])
            total = total + loc["weight"] * l_loss
    total.backward()

    names = case["names"]
    out = {
        "loss.total": total.reshape(1),
        "loss.global": g_loss.reshape(1),
        "top1": (torch.cat([(q * k).sum(1, keepdim=True), q @ queue], 1).argmax(1) == 0).double().mean().reshape(1),
    }
    if l_loss is not None:
        out["loss.local"] = l_loss.reshape(1)
    grads = {}
    for ours in names["params"]:
        p = query.get_parameter(torch_name(ours[len("query.") :]))
        grads[ours] = p.grad.clone() if p.grad is not None else torch.zeros_like(p)
        out["grad." + ours] = from_torch(torch_name(ours), grads[ours])

    with torch.no_grad():  # SGD: g + wd * w; buf = mu * buf + g (buf starts at 0); w -= lr * buf
        for ours in names["params"]:
            p = query.get_parameter(torch_name(ours[len("query.") :]))
            p.sub_(case["lr"] * (grads[ours] + case["weightDecay"] * p))
        queue[:, :N] = k.t()  # the pointer starts at 0
    momentum_update(key, query, m)

    after = {}
    dump_side(query, "query.", after, names["all"])
    dump_side(key, "key.", after, ["key." + n[len("query.") :] for n in names["all"]])
    for n, v in after.items():
        out["after." + n] = v
    out["after.queue"] = queue
    write_safetensors(f"{d}/outputs.safetensors", out)
    print(json.dumps({"loss": total.item(), "global": g_loss.item(), "local": None if l_loss is None else l_loss.item(), "valid": valid, "kink": KINK[0]}))


if __name__ == "__main__":
    torch.set_num_threads(1)
    run(sys.argv[1])
