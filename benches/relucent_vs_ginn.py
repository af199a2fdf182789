"""ginn's exact regions beside relucent's (https://pypi.org/project/relucent/): the same
networks, the linear regions of the whole plane counted by both, both timed. Not run in CI.

    python -m venv /tmp/rv && /tmp/rv/bin/pip install torch relucent ./python
    /tmp/rv/bin/python benches/relucent_vs_ginn.py          # prints a Markdown table

A count that differs is a bug to find, in either program: the script stops with both.
"""

import platform
import statistics
import sys
import time

import numpy as np
import relucent
import torch
from torch import nn

import ginn


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def mlp(widths, seed):
    torch.manual_seed(seed)
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1]).double()


def trained(model, steps=2000):
    """Trained on XOR points in TensorFlow Playground's [-6, 6]^2."""
    g = torch.Generator().manual_seed(1)
    x = (torch.rand(400, 2, generator=g, dtype=torch.float64) * 12 - 6)
    y = ((x[:, 0] * x[:, 1]) >= 0).long()
    opt = torch.optim.Adam(model.parameters(), 3e-3)
    for _ in range(steps):
        opt.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        opt.step()
    return model


def relucent_count(model, workers):
    t = time.perf_counter()
    c = relucent.Complex(model)
    c.bfs(nworkers=workers, verbose=0)
    return len(c), time.perf_counter() - t


def ginn_count(model, reps=7):
    net = ginn.Network.from_torch(model)
    times, count = [], None
    for _ in range(reps):
        t = time.perf_counter()
        count = net.regions("all").count
        times.append(time.perf_counter() - t)
    return count, statistics.median(times)


def main():
    workers = 2
    print(f"CPU: {cpu_name()}; Python {platform.python_version()}, torch {torch.__version__}, "
          f"relucent {relucent.__version__} ({workers} worker processes), ginn {ginn.__version__} (one thread)\n")
    print("| network | weights | regions (relucent) | regions (ginn) | relucent | ginn | ratio |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for widths in ([2, 16, 16, 16, 2], [2, 32, 32, 2]):
        for kind in ("random", "trained"):
            model = mlp(widths, seed=0)
            if kind == "trained":
                model = trained(model)
            rc, rt = relucent_count(model, workers)
            gc, gt = ginn_count(model)
            name = "-".join(map(str, widths))
            print(f"| {name} | {kind} | {rc:,} | {gc:,} | {rt:.1f} s | {gt * 1e3:.1f} ms | {rt / gt:,.0f}× |", flush=True)
            if rc != gc:
                sys.exit(f"{name} {kind}: relucent counts {rc} regions, ginn {gc}")


if __name__ == "__main__":
    main()
