#!/usr/bin/python3
"""PyTorch CPU peer of `medssl bench`: the same ResNet-18-shaped encoder (stage widths given,
1-channel input, 7x7/2 stem + 3x3/2 max-pool), the same step (forward, loss = mean(pooled^2),
backward, SGD momentum 0.9), channels-last, N threads. Prints one JSON line.

--serve: for `medssl bench`, which interleaves its own steps with these (both sides then see the
same load on a shared machine). Prints {"ready": ...}, then runs one step per stdin line "step" and
answers {"step_s": seconds}; "quit" or end of input exits."""
import argparse, json, statistics, sys, time

p = argparse.ArgumentParser()
p.add_argument('--batch', type=int, default=64)
p.add_argument('--size', type=int, default=128)
p.add_argument('--widths', default='32,64,128,256')
p.add_argument('--threads', type=int, default=2)
p.add_argument('--warmup', type=int, default=2)
p.add_argument('--steps', type=int, default=5)
p.add_argument('--serve', action='store_true')
a = p.parse_args()

try:
    import torch
    import torch.nn as nn
except Exception as e:  # noqa: BLE001
    print(json.dumps({'error': f'PyTorch not importable: {e}'}))
    sys.exit(0)

torch.set_num_threads(a.threads)
torch.manual_seed(0)
W = [int(w) for w in a.widths.split(',')]


class Basic(nn.Module):
    def __init__(self, cin, w, s):
        super().__init__()
        self.c1 = nn.Conv2d(cin, w, 3, s, 1, bias=False); self.b1 = nn.BatchNorm2d(w)
        self.c2 = nn.Conv2d(w, w, 3, 1, 1, bias=False); self.b2 = nn.BatchNorm2d(w)
        self.sc = None
        if s != 1 or cin != w:
            self.sc = nn.Sequential(nn.Conv2d(cin, w, 1, s, 0, bias=False), nn.BatchNorm2d(w))

    def forward(self, x):
        h = torch.relu(self.b1(self.c1(x)))
        h = self.b2(self.c2(h))
        return torch.relu(h + (self.sc(x) if self.sc is not None else x))


class Enc(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, W[0], 7, 2, 3, bias=False), nn.BatchNorm2d(W[0]), nn.ReLU(), nn.MaxPool2d(3, 2, 1))
        layers, cin = [], W[0]
        for i, w in enumerate(W):
            for b in range(2):
                layers.append(Basic(cin, w, 2 if (i > 0 and b == 0) else 1)); cin = w
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(self.stem(x)).mean(dim=(2, 3))


m = Enc().to(memory_format=torch.channels_last)
opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
x = torch.randn(a.batch, 1, a.size, a.size).to(memory_format=torch.channels_last)


def step():
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = m(x).pow(2).mean()
    loss.backward()
    opt.step()
    return time.perf_counter() - t0


name = f'PyTorch {torch.__version__} CPU'
if a.serve:
    print(json.dumps({'ready': True, 'name': name, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == 'quit':
            break
        if cmd == 'step':
            print(json.dumps({'step_s': step()}), flush=True)
        else:
            print(json.dumps({'error': f'unknown command {cmd!r}'}), flush=True)
    sys.exit(0)

times = []
for i in range(a.warmup + a.steps):
    dt = step()
    if i >= a.warmup:
        times.append(dt)
med = statistics.median(times)
print(json.dumps({'name': name, 'threads': torch.get_num_threads(),
                  'step_s': times, 'median_step_s': med, 'images_per_s': a.batch / med}))
