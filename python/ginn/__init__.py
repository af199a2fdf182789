"""ginn in Python: exact linear regions, boundaries and the report's measures of 2-input
ReLU networks, from a notebook or a training loop.

    import ginn
    net = ginn.Network.from_torch(model, domain=(-6, 6, -6, 6))
    r = net.regions()            # r.count, r.vertices, r.polygons, r.patterns, r.maps
    net.plot()                   # with matplotlib

The numbers come from ginn's Rust core (the same as the ``ginn`` command line); this
module turns them into numpy arrays. Errors are Python exceptions with the command line's
one-line messages (``ValueError`` for a bad network or argument, ``FileNotFoundError`` for
a missing file).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _ginn

__all__ = ["Network", "Regions", "Recorder", "analyze", "__version__"]
__version__ = _ginn.__version__

Domain = Tuple[float, float, float, float]


def _array(value: Any) -> np.ndarray:
    """A numpy array from a numpy array, a torch tensor (duck-typed) or a sequence."""
    if hasattr(value, "detach"):
        value = value.detach()
    if hasattr(value, "cpu"):
        value = value.cpu()
    if hasattr(value, "numpy"):
        value = value.numpy()
    return np.asarray(value)


def _tensors(state_dict: Any) -> List[Tuple[str, List[int], bytes]]:
    """``(name, shape, float32 bytes)`` for each entry of a state dict."""
    if hasattr(state_dict, "state_dict") and callable(state_dict.state_dict):
        state_dict = state_dict.state_dict()
    if not hasattr(state_dict, "items"):
        raise ValueError("a state dict must be a mapping of names to arrays or tensors")
    out = []
    for name, value in state_dict.items():
        a = _array(value)
        if a.dtype.kind not in "fiu":
            raise ValueError(f"tensor `{name}` is not numeric ({a.dtype})")
        a = np.ascontiguousarray(a, dtype="<f4")
        out.append((str(name), list(a.shape), a.tobytes()))
    return out


def _polyline(b: bytes) -> np.ndarray:
    return np.frombuffer(b, dtype="<f8").reshape(-1, 2)


@dataclass
class Regions:
    """The exact linear regions of a network over a rectangle of its input.

    ``vertices`` (V × 2, float64) in the network's input coordinates; ``polygons`` a list
    of int arrays into ``vertices``, one per region, in order around it; ``patterns`` a
    bool array (regions × hidden units, layer by layer): which units are active;
    ``maps`` (regions × outputs × 3): each logit as ``a·x + b·y + c`` on the region;
    ``per_layer`` the number of regions after each hidden layer; ``domain`` the rectangle.
    """

    count: int
    vertices: np.ndarray
    polygons: List[np.ndarray]
    patterns: np.ndarray
    maps: np.ndarray
    per_layer: List[int]
    domain: Domain

    def polygon(self, i: int) -> np.ndarray:
        """Region ``i``'s corners (k × 2)."""
        return self.vertices[self.polygons[i]]


class Network:
    """A 2-input MLP of linear layers with ReLU (or LeakyReLU) between them, and the
    rectangle of its input it is shown on (its *domain*, ``(x0, x1, y0, y1)``)."""

    def __init__(self, inner: "_ginn.Network", notes: Sequence[str] = ()):
        self._inner = inner
        self.notes: List[str] = list(notes)

    # -- making one ---------------------------------------------------------------
    @classmethod
    def from_state_dict(
        cls,
        state_dict: Any,
        activation: str = "relu",
        domain: Optional[Domain] = None,
        layers: Optional[Sequence[str]] = None,
    ) -> "Network":
        """A network from a state dict (numpy arrays or torch tensors), chained by shape
        as ``ginn import`` does; ``activation`` is ``"relu"`` or ``"leaky_relu:0.1"``;
        ``domain`` the inputs it was trained on (default: the unit square)."""
        inner, notes = _ginn.network_from_state_dict(
            _tensors(state_dict), activation, _domain(domain), list(layers) if layers else None
        )
        return cls(inner, notes)

    @classmethod
    def from_torch(cls, module: Any, activation: str = "relu", domain: Optional[Domain] = None, layers: Optional[Sequence[str]] = None) -> "Network":
        """A network from a torch module (anything with ``state_dict()``)."""
        return cls.from_state_dict(module.state_dict(), activation, domain, layers)

    @classmethod
    def load(cls, path: Union[str, os.PathLike], at: Union[str, int] = "last", activation: Optional[str] = None, domain: Optional[Domain] = None) -> "Network":
        """A network from a file: a ginn run file (the snapshot at iteration ``at``, or the
        last), a safetensors state dict or a ``torch.save`` checkpoint."""
        return cls(_ginn.load(os.fspath(path), str(at), activation, _domain(domain)))

    # -- what it is -----------------------------------------------------------------
    @property
    def widths(self) -> List[int]:
        return self._inner.widths

    @property
    def outputs(self) -> int:
        return self._inner.outputs

    @property
    def activation(self) -> str:
        return self._inner.activation

    @property
    def domain(self) -> Domain:
        return self._inner.domain

    @property
    def y_up(self) -> bool:
        """Whether y grows upwards when drawn (False for ginn's image runs: y is the row)."""
        return self._inner.y_up

    @property
    def iteration(self) -> Optional[int]:
        return self._inner.iteration

    def with_domain(self, domain: Domain) -> "Network":
        """The same network shown on another rectangle."""
        return Network(self._inner.with_domain(_domain(domain)))

    def state_dict(self) -> Dict[str, np.ndarray]:
        """The parameters as an ``nn.Sequential`` state dict of float32 arrays."""
        return {
            name: np.frombuffer(b, dtype="<f4").reshape(shape).copy()
            for name, shape, b in self._inner.state_dict()
        }

    def __repr__(self) -> str:
        w = "-".join(str(v) for v in [2, *self.widths, self.outputs])
        return f"ginn.Network({w} {self.activation}, domain={self.domain})"

    # -- what it computes -------------------------------------------------------------
    def predict(self, points: Any) -> np.ndarray:
        """Logits (n × outputs, float64) at points (n × 2) in the network's coordinates."""
        p = np.ascontiguousarray(_array(points), dtype="<f8")
        if p.ndim == 1 and p.shape == (2,):
            p = p.reshape(1, 2)
        if p.ndim != 2 or p.shape[1] != 2:
            raise ValueError(f"points must be an (n, 2) array, got shape {p.shape}")
        out = self._inner.predict(p.tobytes(), p.shape[0])
        return np.frombuffer(out, dtype="<f8").reshape(p.shape[0], self.outputs).copy()

    def regions(self, domain: Union[None, str, Domain] = None) -> Regions:
        """The exact linear regions over ``domain`` (default the network's own; ``"all"``:
        the whole plane, unbounded regions included)."""
        r = self._inner.regions(domain if isinstance(domain, str) else _domain(domain))
        units = sum(self.widths)
        count = r["count"]
        return Regions(
            count=count,
            vertices=np.frombuffer(r["vertices"], dtype="<f8").reshape(-1, 2).copy(),
            polygons=[np.asarray(p, dtype=np.int64) for p in r["polygons"]],
            patterns=np.frombuffer(r["patterns"], dtype=np.uint8).reshape(count, units).astype(bool),
            maps=np.frombuffer(r["maps"], dtype="<f8").reshape(count, self.outputs, 3).copy(),
            per_layer=list(r["per_layer"]),
            domain=tuple(r["domain"]),
        )

    def boundaries(self) -> List[Tuple[int, int, List[np.ndarray]]]:
        """Each hidden unit's boundary over the domain: ``(layer, unit, [k × 2 arrays])``,
        layer and unit from 1, as in the command line."""
        return [(l, u, [_polyline(b) for b in lines]) for l, u, lines in self._inner.boundaries()]

    def decision_boundary(self) -> List[np.ndarray]:
        """The decision boundary's polylines (k × 2) over the domain."""
        return [_polyline(b) for b in self._inner.decision_boundary()]

    def plot(self, ax: Any = None, color: str = "output", boundaries: bool = True, domain: Union[None, str, Domain] = None) -> Any:
        """Draws the regions with matplotlib, coloured by the network's output (``"output"``,
        the probability of class 1 at each region's centre) or by activation pattern
        (``"pattern"``), with the boundaries coloured by layer as in the viewer (blue, red,
        green, …) and the decision boundary dashed. Returns the axes."""
        from . import plot as _plot

        return _plot.network(self, ax=ax, color=color, boundaries=boundaries, domain=domain)


def _domain(domain: Optional[Sequence[float]]) -> Optional[Domain]:
    if domain is None:
        return None
    d = tuple(float(v) for v in domain)
    if len(d) != 4:
        raise ValueError(f"domain must be (x0, x1, y0, y1), got {domain!r}")
    return d  # type: ignore[return-value]


class Recorder:
    """Writes a ginn run file as training goes on: ``rec.record(model, step)`` adds a
    snapshot and rewrites the file atomically, so ``ginn view run.json`` opens it any time,
    ``ginn view --follow run.json`` shows it live, and an interrupted process loses nothing
    recorded. With ``target`` (a built-in name or an image) or ``points`` (circle, xor,
    gauss, spiral or a CSV file), each snapshot's loss and accuracy are measured on them.

        with ginn.Recorder("run.json", points="xor.csv") as rec:
            for step in range(3000):
                ...
                if step % 100 == 0:
                    rec.record(model, step)
    """

    def __init__(self, path: Union[str, os.PathLike], target: Optional[str] = None, points: Optional[str] = None, domain: Optional[Domain] = None, resolution: int = 200):
        self._inner = _ginn.Recorder(os.fspath(path), target, points, _domain(domain), resolution)
        self.closed = False

    @property
    def path(self) -> str:
        return os.fspath(self._inner.path)

    def record(self, model_or_state_dict: Any, step: int, loss: Optional[float] = None, activation: Optional[str] = None) -> None:
        """Records the network at training step ``step`` (steps must increase)."""
        if self.closed:
            raise ValueError(f"{self.path}: the recorder is closed")
        self._inner.record(_tensors(model_or_state_dict), int(step), None if loss is None else float(loss), activation)

    def __len__(self) -> int:
        return len(self._inner)

    def close(self) -> None:
        """Stops recording (the file already holds every record)."""
        self.closed = True

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def analyze(path: Union[str, os.PathLike], only: Optional[Sequence[str]] = None, thresholds: Optional[Dict[str, float]] = None) -> Dict[str, Any]:
    """The report's phenomena measured over a run file: the object ``ginn analyze --json``
    prints (dicts, lists, floats). ``only`` names measures (``["copycats", "indecisive"]``);
    ``thresholds`` changes thresholds by name (``{"copycat_cosine": 0.98}``)."""
    th = None if thresholds is None else [(str(k), float(v)) for k, v in thresholds.items()]
    return json.loads(_ginn.analyze(os.fspath(path), list(only) if only else None, th))
