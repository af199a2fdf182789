//! `ginn._ginn`: the Rust side of the Python package. It takes and gives plain Python
//! values (numbers, strings, lists) and `bytes` of little-endian `f64`/`f32`/`u8` arrays;
//! `ginn/__init__.py` turns those into numpy arrays, so this crate needs no numpy crate
//! and the package needs numpy only.
//!
//! Every call that computes runs with the GIL released and inside `catch_unwind`: a bug
//! becomes a `RuntimeError`, never a Rust panic crossing into Python.

use ginn::domain::{Domain, DomainArg, MAX_SPAN};
use ginn::geometry::{Geometry, Rect, affine_maps, whole_plane_box};
use ginn::nn::{Activation, Network, NeuronId};
use ginn::pytorch::{ImportOptions, network_from_tensors, recorded_snapshot, recording_settings};
use ginn::run::Run;
use ginn::targets::{Data, PointSpec, TargetSource};
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::path::{Path, PathBuf};

/// Why a call failed, as the Python exception it becomes.
enum Fail {
    Value(String),
    NotFound(String),
    Os(String),
}

impl From<Fail> for PyErr {
    fn from(f: Fail) -> Self {
        match f {
            Fail::Value(m) => PyValueError::new_err(m),
            Fail::NotFound(m) => PyFileNotFoundError::new_err(m),
            Fail::Os(m) => PyOSError::new_err(m),
        }
    }
}

fn value(m: impl std::fmt::Display) -> Fail {
    Fail::Value(m.to_string())
}

/// Runs `f` without the GIL, turning a panic into a `RuntimeError`.
fn compute<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Fail> + Send) -> PyResult<T> {
    py.detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)))
        .map_err(|p| {
            let what = p
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| p.downcast_ref::<&str>().copied())
                .unwrap_or("a panic");
            PyRuntimeError::new_err(format!("internal error in ginn (please report it): {what}"))
        })?
        .map_err(PyErr::from)
}

/// A file that is not there is a `FileNotFoundError` naming it.
fn read_file(path: &Path) -> Result<Vec<u8>, Fail> {
    std::fs::read(path).map_err(|e| {
        let m = format!("{}: cannot read: {e}", path.display());
        if e.kind() == std::io::ErrorKind::NotFound {
            Fail::NotFound(m)
        } else {
            Fail::Os(m)
        }
    })
}

fn f64s(b: &[u8]) -> Vec<f64> {
    b.chunks_exact(8)
        .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
        .collect()
}

fn bytes_of_f64(v: impl IntoIterator<Item = f64>) -> Vec<u8> {
    v.into_iter().flat_map(f64::to_le_bytes).collect()
}

fn parse_activation(s: Option<&str>) -> Result<Option<Activation>, Fail> {
    s.map(|a| a.parse::<Activation>().map_err(value))
        .transpose()
}

fn check_domain(d: (f64, f64, f64, f64)) -> Result<Domain, Fail> {
    Domain::new(d.0, d.1, d.2, d.3).map_err(|e| value(e.to_string().replace("--domain", "domain")))
}

/// A network and the rectangle of its input it is shown on.
#[pyclass(name = "Network", module = "ginn._ginn", frozen)]
struct PyNetwork {
    net: Network,
    domain: Domain,
    /// The iteration of the snapshot it came from (run files, checkpoints that record it).
    iteration: Option<u64>,
}

/// What a region query covers: the network's domain, another rectangle, or the whole plane.
fn region_domain(me: &PyNetwork, domain: Option<&Bound<'_, PyAny>>) -> PyResult<Domain> {
    let Some(d) = domain.filter(|d| !d.is_none()) else {
        return Ok(me.domain);
    };
    if let Ok(s) = d.extract::<String>() {
        return match s.parse::<DomainArg>() {
            Ok(DomainArg::All) => {
                let [x0, x1, y0, y1] = whole_plane_box(&me.net, MAX_SPAN)
                    .map_err(|e| PyValueError::new_err(e.to_string()))?;
                Ok(me.domain.with_rect(check_domain((x0, x1, y0, y1))?))
            }
            _ => Err(PyValueError::new_err(format!(
                "domain must be (x0, x1, y0, y1) or \"all\", got {s:?}"
            ))),
        };
    }
    let t: (f64, f64, f64, f64) = d
        .extract()
        .map_err(|_| PyValueError::new_err("domain must be (x0, x1, y0, y1) or \"all\""))?;
    Ok(me.domain.with_rect(check_domain(t)?))
}

/// The exact partition of `domain`, in the network's coordinates.
struct Regions {
    vertices: Vec<f64>,
    polygons: Vec<Vec<u32>>,
    patterns: Vec<u8>,
    maps: Vec<f64>,
    per_layer: Vec<usize>,
}

fn regions_of(net: &Network, domain: Domain) -> Result<Regions, Fail> {
    let view = domain.fold(net);
    let geom = Geometry::complete(&view, Rect::UNIT).map_err(|t| value(t.to_string()))?;
    let vertices = vertices_in(&geom, &domain);
    let units: Vec<NeuronId> = net.arch.neurons().collect();
    let mut patterns = Vec::with_capacity(geom.regions().len() * units.len());
    let mut maps = Vec::new();
    let mut polygons = Vec::with_capacity(geom.regions().len());
    for r in geom.regions() {
        polygons.push(geom.vertex_ids(r).to_vec());
        patterns.extend(units.iter().map(|&n| u8::from(geom.is_active(r, n))));
        // The logits' maps in the network's own coordinates, from its weights.
        let (_, out) = affine_maps(net, &|n| geom.is_active(r, n));
        maps.extend(out.into_iter().flatten());
    }
    Ok(Regions {
        vertices,
        polygons,
        patterns,
        maps,
        per_layer: geom.regions_per_layer(),
    })
}

/// The partition's vertices in the network's coordinates, flat `[x0, y0, x1, y1, …]`.
fn vertices_in(geom: &Geometry, domain: &Domain) -> Vec<f64> {
    geom.vertices
        .iter()
        .flat_map(|p| domain.to_input(p[0], p[1]))
        .collect()
}

fn lines_in(domain: &Domain, lines: &[Vec<[f64; 2]>]) -> Vec<Vec<u8>> {
    domain
        .lines_to_input(lines)
        .iter()
        .map(|l| bytes_of_f64(l.iter().flatten().copied()))
        .collect()
}

#[pymethods]
impl PyNetwork {
    /// Hidden layer widths.
    #[getter]
    fn widths(&self) -> Vec<usize> {
        self.net.arch.hidden().to_vec()
    }

    /// Number of logits (1 or 2).
    #[getter]
    fn outputs(&self) -> usize {
        self.net.arch.outputs()
    }

    /// `relu` or `leaky_relu:SLOPE`.
    #[getter]
    fn activation(&self) -> String {
        self.net.arch.activation().to_string()
    }

    /// `(x0, x1, y0, y1)` in the network's input coordinates.
    #[getter]
    fn domain(&self) -> (f64, f64, f64, f64) {
        (
            self.domain.x0,
            self.domain.x1,
            self.domain.y0,
            self.domain.y1,
        )
    }

    /// Whether `y` grows upwards when drawn (false: an image's rows, ginn's image runs).
    #[getter]
    fn y_up(&self) -> bool {
        self.domain.y_up
    }

    #[getter]
    fn iteration(&self) -> Option<u64> {
        self.iteration
    }

    /// The same network shown on another rectangle (`y` up).
    fn with_domain(&self, domain: (f64, f64, f64, f64)) -> PyResult<PyNetwork> {
        Ok(PyNetwork {
            net: self.net.clone(),
            domain: check_domain(domain)?,
            iteration: self.iteration,
        })
    }

    /// Logits at `n` points given as `n × 2` little-endian f64 bytes.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        points: &[u8],
        n: usize,
    ) -> PyResult<Bound<'py, PyBytes>> {
        if points.len() != n * 16 {
            return Err(PyValueError::new_err("points must be an (n, 2) array"));
        }
        let p = f64s(points);
        let net = &self.net;
        let out = compute(py, || {
            Ok(bytes_of_f64(
                p.chunks_exact(2).flat_map(|xy| net.outputs(xy[0], xy[1])),
            ))
        })?;
        Ok(PyBytes::new(py, &out))
    }

    /// The exact partition: a dict of `count`, `vertices` (bytes), `polygons` (lists of
    /// vertex indices), `patterns` (bytes, regions × units), `maps` (bytes, regions ×
    /// outputs × 3), `per_layer`, `domain`.
    #[pyo3(signature = (domain=None))]
    fn regions<'py>(
        &self,
        py: Python<'py>,
        domain: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let d = region_domain(self, domain)?;
        let net = &self.net;
        let r = compute(py, || regions_of(net, d))?;
        let out = PyDict::new(py);
        out.set_item("count", r.polygons.len())?;
        out.set_item("vertices", PyBytes::new(py, &bytes_of_f64(r.vertices)))?;
        out.set_item("polygons", r.polygons)?;
        out.set_item("patterns", PyBytes::new(py, &r.patterns))?;
        out.set_item("maps", PyBytes::new(py, &bytes_of_f64(r.maps)))?;
        out.set_item("per_layer", r.per_layer)?;
        out.set_item("domain", (d.x0, d.x1, d.y0, d.y1))?;
        Ok(out)
    }

    /// Every unit's boundary: `(layer, unit, [polyline bytes])`, 1-based, in the network's
    /// coordinates, over its domain.
    fn boundaries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let (net, d) = (&self.net, self.domain);
        let all = compute(py, || {
            let geom =
                Geometry::complete(&d.fold(net), Rect::UNIT).map_err(|t| value(t.to_string()))?;
            Ok(geom
                .boundaries
                .iter()
                .map(|b| {
                    (
                        b.neuron.layer + 1,
                        b.neuron.index + 1,
                        lines_in(&d, &b.polylines),
                    )
                })
                .collect::<Vec<_>>())
        })?;
        let list = PyList::empty(py);
        for (layer, unit, lines) in all {
            let lines: Vec<Bound<'py, PyBytes>> =
                lines.iter().map(|l| PyBytes::new(py, l)).collect();
            list.append((layer, unit, lines))?;
        }
        Ok(list)
    }

    /// The decision boundary's polylines (bytes each), over the domain.
    fn decision_boundary<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyBytes>>> {
        let (net, d) = (&self.net, self.domain);
        let lines = compute(py, || {
            let geom =
                Geometry::complete(&d.fold(net), Rect::UNIT).map_err(|t| value(t.to_string()))?;
            Ok(lines_in(&d, &geom.decision))
        })?;
        Ok(lines.iter().map(|l| PyBytes::new(py, l)).collect())
    }

    /// The parameters as an `nn.Sequential` state dict: `(name, shape, f32 bytes)`.
    fn state_dict(&self) -> Vec<(String, Vec<usize>, Vec<u8>)> {
        let arch = &self.net.arch;
        (0..arch.layers())
            .flat_map(|l| {
                let (w, b) = (self.net.weight(l), self.net.bias(l));
                let f32s = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
                [
                    (
                        format!("{}.weight", 2 * l),
                        vec![arch.fan_out(l), arch.fan_in(l)],
                        f32s(w),
                    ),
                    (format!("{}.bias", 2 * l), vec![arch.fan_out(l)], f32s(b)),
                ]
            })
            .collect()
    }
}

/// Tensors from Python: `(name, shape, f32 bytes)`.
type Tensors = Vec<(String, Vec<usize>, Vec<u8>)>;
/// The same, read: `(name, shape, values)`.
type Read = Vec<(String, Vec<usize>, Vec<f32>)>;

fn to_tensors(t: Tensors) -> Result<Read, Fail> {
    t.into_iter()
        .map(|(name, shape, b)| {
            if b.len() % 4 != 0 {
                return Err(value(format!("tensor `{name}`: not float32 data")));
            }
            let v = b
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
                .collect();
            Ok((name, shape, v))
        })
        .collect()
}

/// A network from a state dict's tensors, by `ginn import`'s rules.
#[pyfunction]
#[pyo3(signature = (tensors, activation=None, domain=None, layers=None))]
fn network_from_state_dict(
    py: Python<'_>,
    tensors: Tensors,
    activation: Option<String>,
    domain: Option<(f64, f64, f64, f64)>,
    layers: Option<Vec<String>>,
) -> PyResult<(PyNetwork, Vec<String>)> {
    let activation = parse_activation(activation.as_deref())?;
    let domain = domain.map(check_domain).transpose()?;
    compute(py, move || {
        let (net, notes) =
            network_from_tensors(to_tensors(tensors)?, layers.as_deref(), activation)
                .map_err(value)?;
        Ok((
            PyNetwork {
                net,
                domain: domain.unwrap_or(Domain::UNIT),
                iteration: None,
            },
            notes,
        ))
    })
}

/// A network from a file: a ginn run file (the snapshot `at`), or a checkpoint
/// (safetensors or `torch.save`).
#[pyfunction]
#[pyo3(signature = (path, at="last", activation=None, domain=None))]
fn load(
    py: Python<'_>,
    path: PathBuf,
    at: &str,
    activation: Option<String>,
    domain: Option<(f64, f64, f64, f64)>,
) -> PyResult<PyNetwork> {
    let at: Option<u64> = match at {
        "last" => None,
        n => Some(n.parse().map_err(|_| {
            PyValueError::new_err(format!(
                "at must be an iteration number or \"last\", got {n:?}"
            ))
        })?),
    };
    let activation = parse_activation(activation.as_deref())?;
    let domain = domain.map(check_domain).transpose()?;
    compute(py, move || {
        let bytes = read_file(&path)?;
        let is_run = bytes.starts_with(b"{") || bytes.starts_with(&[0x1f, 0x8b]);
        if is_run {
            let run =
                Run::from_bytes(&bytes).map_err(|e| value(format!("{}: {e}", path.display())))?;
            let snap = at.map_or_else(|| run.last(), |i| run.at(i));
            return Ok(PyNetwork {
                net: snap.network(&run.architecture()).expect("checked on load"),
                domain: domain.unwrap_or(run.domain),
                iteration: Some(snap.iteration),
            });
        }
        let options = ImportOptions {
            layers: None,
            activation,
            target: TargetSource::None,
            resolution: 1,
            domain,
        };
        let imported =
            ginn::pytorch::import(std::slice::from_ref(&path), &options).map_err(value)?;
        let run = imported.run;
        let snap = run.last();
        Ok(PyNetwork {
            net: snap
                .network(&run.architecture())
                .expect("made by the import"),
            domain: run.domain,
            iteration: Some(snap.iteration),
        })
    })
}

/// `ginn analyze --json` of one run file, as JSON text.
#[pyfunction]
#[pyo3(signature = (path, only=None, thresholds=None))]
fn analyze(
    py: Python<'_>,
    path: PathBuf,
    only: Option<Vec<String>>,
    thresholds: Option<Vec<(String, f64)>>,
) -> PyResult<String> {
    compute(py, move || {
        let run = Run::from_bytes(&read_file(&path)?)
            .map_err(|e| value(format!("{}: {e}", path.display())))?;
        let registry = match &only {
            Some(names) => ginn::analysis::Registry::builtin()
                .only(&names.join(","))
                .map_err(value)?,
            None => ginn::analysis::Registry::builtin(),
        };
        let mut th = ginn::analysis::Thresholds::default();
        for (name, v) in thresholds.unwrap_or_default() {
            th.set(&name, v).map_err(value)?;
        }
        let a = ginn::analysis::analyze_with(&run, &th, &registry, &|| {})
            .map_err(|t| value(format!("{}: {t}", path.display())))?;
        Ok(ginn::analysis::to_json(&path.display().to_string(), &run, &a).to_string())
    })
}

/// A run file written as training goes on: one snapshot per `record`, the file rewritten
/// atomically each time (a reader never sees it half-written; an interrupted process
/// loses nothing recorded).
#[pyclass(name = "Recorder", module = "ginn._ginn")]
struct PyRecorder {
    path: PathBuf,
    options: ImportOptions,
    data: Data,
    train: (Vec<f32>, Vec<u8>),
    test: Option<(Vec<f32>, Vec<u8>)>,
    run: Option<Run>,
}

#[pymethods]
impl PyRecorder {
    #[new]
    #[pyo3(signature = (path, target=None, points=None, domain=None, resolution=200))]
    fn new(
        py: Python<'_>,
        path: PathBuf,
        target: Option<String>,
        points: Option<String>,
        domain: Option<(f64, f64, f64, f64)>,
        resolution: u32,
    ) -> PyResult<Self> {
        if target.is_some() && points.is_some() {
            return Err(PyValueError::new_err("give target or points, not both"));
        }
        let domain = domain.map(check_domain).transpose()?;
        compute(py, move || {
            let source = match (target, points) {
                (Some(t), _) => {
                    TargetSource::parse(&t, ginn::targets::DEFAULT_THRESHOLD).map_err(value)?
                }
                (_, Some(p)) => TargetSource::Points(PointSpec::parse(
                    &p,
                    0,
                    ginn::targets::points::DEFAULT_COUNT,
                    0.0,
                    0,
                )),
                _ => TargetSource::None,
            };
            ginn::run::fsutil::prepare_output(&path, 0).map_err(|e| Fail::Os(e.to_string()))?;
            let data = source.build(resolution).map_err(value)?;
            let (train, test) = (data.training(), data.testing());
            Ok(Self {
                path,
                options: ImportOptions {
                    layers: None,
                    activation: None,
                    target: source,
                    resolution,
                    domain,
                },
                data,
                train,
                test,
                run: None,
            })
        })
    }

    /// Records the network at `step` (loss and accuracy measured on the target or points
    /// when given; else `loss` as given) and rewrites the run file.
    #[pyo3(signature = (tensors, step, loss=None, activation=None))]
    fn record(
        &mut self,
        py: Python<'_>,
        tensors: Tensors,
        step: u64,
        loss: Option<f64>,
        activation: Option<String>,
    ) -> PyResult<()> {
        let activation = parse_activation(activation.as_deref())?;
        let me = &mut *self;
        compute(py, move || {
            let (net, _) =
                network_from_tensors(to_tensors(tensors)?, None, activation).map_err(value)?;
            let arch = net.arch.clone();
            let mut snap =
                recorded_snapshot(net, step, (&me.train.0, &me.train.1), me.test.as_ref());
            if me.train.1.is_empty()
                && let Some(l) = loss
            {
                snap.loss = l;
            }
            match &mut me.run {
                None => {
                    me.run = Some(Run {
                        settings: recording_settings(&arch, &me.options, step),
                        target: me.data.clone(),
                        domain: me
                            .options
                            .domain
                            .unwrap_or_else(|| me.data.default_domain()),
                        snapshots: vec![snap],
                        stopped: None,
                        seconds: 0.0,
                    });
                }
                Some(run) => {
                    if run.architecture() != arch {
                        return Err(value(format!(
                            "a network of widths {:?}, but this run records widths {:?}",
                            arch.hidden(),
                            run.settings.widths
                        )));
                    }
                    let last = run.last().iteration;
                    if step <= last {
                        return Err(value(format!(
                            "step {step} is not after the last one recorded ({last})"
                        )));
                    }
                    run.snapshots.push(snap);
                    run.settings.iterations = step.max(1);
                }
            }
            let run = me.run.as_ref().expect("made above");
            run.save(&me.path).map_err(|e| Fail::Os(e.to_string()))
        })
    }

    /// Snapshots recorded so far.
    fn __len__(&self) -> usize {
        self.run.as_ref().map_or(0, |r| r.snapshots.len())
    }

    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }
}

#[pymodule]
fn _ginn(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyNetwork>()?;
    m.add_class::<PyRecorder>()?;
    m.add_function(wrap_pyfunction!(network_from_state_dict, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(analyze, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
