"""Pictures of a network with matplotlib (``pip install matplotlib``): its linear regions
coloured by the output or by activation pattern, the boundaries coloured by layer as in
ginn's viewer, and the decision boundary dashed."""

from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

# The viewer's layer colours: layer 1 blue, 2 red, 3 green, then more.
LAYER_COLORS = ["#2b59f0", "#e0281e", "#1ea83c", "#9b3bd6", "#e08a00", "#00a6a6", "#7a5230", "#d6338a"]


def network(net: Any, ax: Any = None, color: str = "output", boundaries: bool = True, domain: Union[None, str, tuple] = None) -> Any:
    """Draws ``net`` (a ``ginn.Network``); see ``Network.plot``."""
    import matplotlib.pyplot as plt
    from matplotlib.collections import PolyCollection

    if color not in ("output", "pattern"):
        raise ValueError(f'color must be "output" or "pattern", got {color!r}')
    if ax is None:
        _, ax = plt.subplots(figsize=(5, 5))
    shown = net if domain is None else net.with_domain(net.regions(domain).domain)
    r = shown.regions()
    polys = [r.polygon(i) for i in range(r.count)]
    if color == "output":
        centres = np.array([p.mean(axis=0) for p in polys])
        z = np.einsum("rok,rk->ro", r.maps, np.c_[centres, np.ones(len(centres))])
        d = z[:, 0] if z.shape[1] == 1 else z[:, 1] - z[:, 0]
        facecolors = plt.cm.gray(1.0 / (1.0 + np.exp(-np.clip(d, -50, 50))))
    else:
        # A colour per pattern, stable for a pattern: a hash of its bits.
        weights = np.arange(1, r.patterns.shape[1] + 1) * 2654435761 % 1000003
        h = (r.patterns.astype(np.int64) @ weights) % 1000
        facecolors = plt.cm.tab20((h % 20) / 20.0)
    ax.add_collection(PolyCollection(polys, facecolors=facecolors, edgecolors="none"))
    if boundaries:
        for layer, _unit, lines in shown.boundaries():
            c = LAYER_COLORS[(layer - 1) % len(LAYER_COLORS)]
            for line in lines:
                ax.plot(line[:, 0], line[:, 1], color=c, lw=1.2)
        for line in shown.decision_boundary():
            ax.plot(line[:, 0], line[:, 1], color="#ffbf00", lw=1.5, ls="--")
    x0, x1, y0, y1 = r.domain
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    if not net.y_up:
        ax.invert_yaxis()  # an image's rows: y grows downwards, as ginn draws it
    ax.set_aspect("equal")
    ax.set_title(f"{r.count} linear regions")
    return ax
