"""ginn's Python package, checked against PyTorch's own numbers (the fixtures) and against
an independent forward pass in numpy (never against ginn's own expectations)."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

import ginn

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures"
MODELS = FIX / "pytorch-models"
PT = FIX / "pytorch-pt"
# The command line, to compare with (CI sets it; skipped when it is not built).
GINN_BIN = os.environ.get("GINN_BIN")


def reference(name):
    return json.loads((MODELS / f"{name}.json").read_text())


def numpy_forward(sd, x, slope=0.0):
    """Pre-activations of each layer and the logits, by a plain numpy forward pass of an
    nn.Sequential state dict (layers at even indices)."""
    idx = sorted(int(k.split(".")[0]) for k in sd if k.endswith(".weight"))
    a, pres = np.asarray(x, dtype=np.float64), []
    for k, i in enumerate(idx):
        z = a @ sd[f"{i}.weight"].astype(np.float64).T + sd[f"{i}.bias"].astype(np.float64)
        pres.append(z)
        a = np.where(z > 0, z, slope * z) if k + 1 < len(idx) else z
    return pres


class FakeTensor:
    """What the package duck-types as a torch tensor: detach().cpu().numpy()."""

    def __init__(self, a):
        self.a = np.asarray(a)

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.a


class FakeModule:
    def __init__(self, sd):
        self.sd = sd

    def state_dict(self):
        return {k: FakeTensor(v) for k, v in self.sd.items()}


@pytest.fixture(scope="module")
def relu3():
    return ginn.Network.load(MODELS / "sequential_relu_16x3.safetensors")


def test_loaded_networks_give_pytorchs_logits(relu3):
    ref = reference("sequential_relu_16x3")
    want = np.array(ref["logits"])
    for net in [
        relu3,
        ginn.Network.load(PT / "state_dict.pt"),
        ginn.Network.load(PT / "checkpoint.pth"),
        ginn.Network.load(PT / "lightning.ckpt"),
        ginn.Network.from_state_dict(relu3.state_dict()),
        ginn.Network.from_torch(FakeModule(relu3.state_dict())),
    ]:
        got = net.predict(np.array(ref["points"]))
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    leaky = reference("sequential_leaky_12x2")
    net = ginn.Network.load(MODELS / "sequential_leaky_12x2.safetensors", activation="leaky_relu:0.1")
    np.testing.assert_allclose(net.predict(leaky["points"]), leaky["logits"], rtol=1e-5, atol=1e-5)


def test_a_net_on_its_own_domain_scores_pytorchs_accuracy():
    ref = json.loads((PT / "xor_pm6.json").read_text())
    rows = np.loadtxt(PT / "xor_pm6.csv", delimiter=",", skiprows=1)
    net = ginn.Network.load(PT / "xor_pm6.safetensors", domain=(-6, 6, -6, 6))
    assert net.domain == (-6.0, 6.0, -6.0, 6.0) and net.y_up
    logits = net.predict(rows[:, :2])
    np.testing.assert_allclose(logits, ref["logits"], rtol=1e-5, atol=1e-5)
    accuracy = np.mean(logits.argmax(1) == rows[:, 2])
    assert accuracy == ref["accuracy"] == 1.0


def test_regions_agree_with_a_numpy_forward_pass(relu3):
    sd = relu3.state_dict()
    r = relu3.regions()
    assert r.count == len(r.polygons) == r.patterns.shape[0] == r.maps.shape[0]
    assert r.per_layer[-1] == r.count and r.patterns.shape[1] == 48
    assert r.maps.shape == (r.count, 2, 3)
    for i in range(r.count):
        poly = r.polygon(i)
        c = poly.mean(axis=0)
        pres = numpy_forward(sd, c[None, :])
        pattern = np.concatenate([p[0] > 0 for p in pres[:-1]])
        assert (pattern == r.patterns[i]).all(), f"region {i}"
        # The region's maps give the logits anywhere inside it.
        for p in [c, 0.5 * (c + poly[0])]:
            want = numpy_forward(sd, p[None, :])[-1][0]
            got = r.maps[i] @ np.array([p[0], p[1], 1.0])
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)
    # Areas add up to the domain's.
    def shoelace(p):
        q = np.roll(p, -1, axis=0)
        return 0.5 * abs((p[:, 0] * q[:, 1] - q[:, 0] * p[:, 1]).sum())

    area = sum(shoelace(r.polygon(i)) for i in range(r.count))
    assert abs(area - 1.0) < 1e-9


def test_the_whole_plane_holds_every_pattern_a_wide_grid_finds(relu3):
    sd = relu3.state_dict()
    r = relu3.regions("all")
    x0, x1, y0, y1 = r.domain
    assert x0 < 0 < x1 and y0 < 0 < y1 and r.per_layer[0] == 1 + 16 + 16 * 15 // 2
    seen = {tuple(p) for p in r.patterns}
    assert len(seen) == r.count
    cx, cy, hx, hy = (x0 + x1) / 2, (y0 + y1) / 2, 4 * (x1 - x0), 4 * (y1 - y0)
    g = np.stack(np.meshgrid(np.linspace(cx - hx, cx + hx, 700), np.linspace(cy - hy, cy + hy, 700)), -1).reshape(-1, 2)
    pres = numpy_forward(sd, g)
    patterns = np.concatenate([p > 0 for p in pres[:-1]], axis=1)
    extra = {tuple(p) for p in patterns} - seen
    assert not extra, f"{len(extra)} patterns beyond the whole-plane box"
    if GINN_BIN:
        run = Path(os.environ.get("TMPDIR", "/tmp")) / f"ginn-py-{os.getpid()}.json"
        subprocess.run([GINN_BIN, "import", str(MODELS / "sequential_relu_16x3.safetensors"), "--out", str(run)], check=True, capture_output=True)
        out = subprocess.run([GINN_BIN, "regions", str(run), "--domain", "all", "--json"], check=True, capture_output=True, text=True)
        assert json.loads(out.stdout)["regions"] == r.count


def test_boundaries_lie_where_their_unit_is_zero(relu3):
    sd = relu3.state_dict()
    bs = relu3.boundaries()
    assert {(l, u) for l, u, _ in bs} == {(l, u) for l in (1, 2, 3) for u in range(1, 17)}
    for layer, unit, lines in bs:
        for line in lines:
            assert line.ndim == 2 and line.shape[1] == 2
            z = numpy_forward(sd, line)[layer - 1][:, unit - 1]
            assert np.abs(z).max() < 1e-6, (layer, unit)
    for line in relu3.decision_boundary():
        z = numpy_forward(sd, line)[-1]
        assert np.abs(z[:, 1] - z[:, 0]).max() < 1e-6


def test_analyze_is_the_commands_json(tmp_path):
    run = tmp_path / "run.json"
    with ginn.Recorder(run, target="disc", resolution=24) as rec:
        net = ginn.Network.load(MODELS / "sequential_relu_16x3.safetensors")
        sd = net.state_dict()
        for step in range(3):
            sd["0.bias"] = sd["0.bias"] + 0.01
            rec.record(sd, 10 * step)
    a = ginn.analyze(run, only=["copycats"], thresholds={"copycat_cosine": 0.98})
    assert a["thresholds"]["copycat_cosine"] == 0.98
    assert "copycats" in a["computed"]
    assert a["domain"] == [0.0, 1.0, 0.0, 1.0]
    if GINN_BIN:
        out = subprocess.run([GINN_BIN, "analyze", str(run), "--json", "--only", "copycats", "--set", "copycat_cosine=0.98"], check=True, capture_output=True, text=True)
        cli = json.loads(out.stdout)
        assert cli == a
    with pytest.raises(ValueError, match="copycat_cosin"):
        ginn.analyze(run, thresholds={"copycat_cosin": 1.0})


def test_a_recorded_run_opens_and_grows_atomically(tmp_path):
    run = tmp_path / "sub" / "rec.json"
    sd = ginn.Network.load(PT / "xor_pm6.safetensors").state_dict()
    rec = ginn.Recorder(run, points=str(PT / "xor_pm6.csv"))
    for step in (0, 100, 200):
        rec.record(FakeModule(sd), step, loss=0.5)
        # Every record leaves a whole run file.
        back = ginn.Network.load(run)
        assert back.iteration == step
    assert len(rec) == 3
    with pytest.raises(ValueError, match="not after"):
        rec.record(sd, 150)
    other = ginn.Network.load(MODELS / "sequential_relu_5_7.safetensors").state_dict()
    with pytest.raises(ValueError, match="widths"):
        rec.record(other, 300)
    rec.close()
    with pytest.raises(ValueError, match="closed"):
        rec.record(sd, 400)
    doc = json.loads(run.read_text())
    assert [s["iteration"] for s in doc["snapshots"]] == [0, 100, 200]
    # Measured on the points, in their own coordinates: PyTorch's 100 %.
    assert doc["snapshots"][-1]["accuracy"] == 1.0
    assert doc["domain"]["x0"] < -5.9 and doc["domain"]["y_up"]
    net = ginn.Network.load(run, at=100)
    assert net.iteration == 100 and net.domain[0] < -5.9


def test_ctrl_c_loses_nothing_recorded(tmp_path):
    run = tmp_path / "live.json"
    script = f"""
import sys, time, ginn
sd = ginn.Network.load({str(PT / 'xor_pm6.safetensors')!r}).state_dict()
rec = ginn.Recorder({str(run)!r})
step = 0
while True:
    rec.record(sd, step)
    print(step, flush=True)
    step += 1
"""
    p = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    last = None
    for line in p.stdout:
        last = int(line)
        if last >= 20:
            break
    p.send_signal(signal.SIGINT)
    p.wait(timeout=30)
    steps = [s["iteration"] for s in json.loads(run.read_text())["snapshots"]]
    assert steps == list(range(len(steps))) and steps[-1] >= last


def test_errors_are_python_exceptions_with_the_commands_messages(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        ginn.Network.load(tmp_path / "missing.safetensors")
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not a checkpoint at all")
    with pytest.raises(ValueError, match="bad.safetensors: not a safetensors file"):
        ginn.Network.load(bad)
    with pytest.raises(ValueError, match="not the weight or bias of a linear layer"):
        ginn.Network.from_state_dict({"0.weight": np.zeros((4, 2)), "bn.running_mean": np.zeros(4)})
    with pytest.raises(ValueError, match="no chain"):
        ginn.Network.from_state_dict({"0.weight": np.zeros((4, 3)), "0.bias": np.zeros(4)})
    with pytest.raises(ValueError, match="leaky"):
        ginn.Network.from_state_dict({"0.weight": np.zeros((4, 2)), "1.weight": np.zeros((2, 4))}, activation="tanh")
    net = ginn.Network.load(MODELS / "sequential_relu_5_7.safetensors")
    with pytest.raises(ValueError, match="X0 < X1|x0"):
        net.with_domain((1, 0, 0, 1))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        net.predict(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="all"):
        net.regions("everything")


def test_long_computations_release_the_gil():
    rng = np.random.default_rng(0)
    sd = {}
    widths = [2, 64, 64, 64, 2]
    for k in range(4):
        sd[f"{2 * k}.weight"] = rng.uniform(-1, 1, (widths[k + 1], widths[k])) / np.sqrt(widths[k])
        sd[f"{2 * k}.bias"] = rng.uniform(-1, 1, widths[k + 1]) / np.sqrt(widths[k])
    net = ginn.Network.from_state_dict(sd, domain=(-3, 3, -3, 3))
    t = {}

    def work():
        t["start"] = time.perf_counter()
        t["count"] = net.regions().count
        t["end"] = time.perf_counter()

    ticks = []
    th = threading.Thread(target=work)
    th.start()
    while th.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    th.join()
    assert t["count"] > 1000
    during = [x for x in ticks if t["start"] < x < t["end"]]
    assert t["end"] - t["start"] > 0.02, "too quick to tell"
    assert len(during) >= 5, f"the main thread ran {len(during)} times in {t['end'] - t['start']:.3f} s"


def test_a_picture_with_matplotlib(tmp_path, relu3):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    ax = relu3.plot(color="pattern")
    assert len(ax.collections[0].get_paths()) == relu3.regions().count
    ax.figure.savefig(tmp_path / "regions.png")
    assert (tmp_path / "regions.png").stat().st_size > 1000
