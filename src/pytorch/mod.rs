//! PyTorch networks in and out, as safetensors state dicts (`safetensors.torch.save_file(
//! model.state_dict(), path)` and `model.load_state_dict(load_file(path))`).
//!
//! A state dict does not say how its layers connect, and safetensors stores its keys
//! sorted (`head` before `hidden`, `10.weight` before `2.weight`), so the chain of linear
//! layers is found from the shapes: every 2-D weight `[out, in]` with its bias, chained
//! from 2 inputs to 1 or 2 outputs, each layer used once. Where shapes alone allow more
//! than one order (square hidden layers), layers are taken in their names' natural order
//! (`2` before `10`) and the import says so; `--layers` names the order outright.

pub mod follow;
mod pt;

use crate::domain::Domain;
use crate::nn::{Activation, Architecture, INPUTS, MAX_HIDDEN_LAYERS, MAX_WIDTH, Network};
use crate::run::Run;
use crate::targets::{Data, TargetSource};
use crate::train::snapshot::Snapshot;
use crate::train::{Settings, SnapshotPlan, evaluate};
use safetensors::{Dtype, SafeTensors, tensor::TensorView};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Metadata key under which `ginn export` records the activation (PyTorch ignores it).
const ACTIVATION_KEY: &str = "ginn.activation";

/// A problem with one checkpoint file, naming it.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {problem}")]
pub struct ImportError {
    pub path: PathBuf,
    pub problem: String,
}

/// One `nn.Linear`: weight `[out][in]` row-major and bias `[out]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Linear {
    /// The module's name: the keys are `{name}.weight` and `{name}.bias`.
    pub name: String,
    pub out: usize,
    pub inp: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// A checkpoint's linear layers, and the activation `ginn export` recorded, if any.
#[derive(Debug)]
pub struct Checkpoint {
    pub layers: Vec<Linear>,
    pub activation: Option<Activation>,
    /// The training step the file records (`global_step`, `step` or `iteration` of a
    /// `torch.save` checkpoint), if it records one.
    pub iteration: Option<u64>,
}

/// Reads the linear layers of a state dict saved with safetensors or with `torch.save`
/// (the zip format; a training checkpoint or Lightning `.ckpt` that holds one too). Every
/// tensor must be the weight (2-D) or bias (1-D) of a linear layer, in f32, f16, bf16 or
/// f64.
pub fn read(bytes: &[u8]) -> Result<Checkpoint, String> {
    if bytes.starts_with(b"PK\x03\x04") {
        let saved = pt::read_state_dict(bytes)?;
        let tensors = saved
            .tensors
            .into_iter()
            .map(|(key, t)| (key, t.shape, Ok(t.values)));
        let mut c = linear_layers(tensors, None)?;
        c.iteration = saved.step;
        return Ok(c);
    }
    // The legacy format opens with a pickled magic number (0x1950a86a20f9469cfc6c).
    const LEGACY: [u8; 14] = [
        0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
    ];
    if bytes.starts_with(&LEGACY) {
        return Err("a torch.save file in PyTorch's format before 1.6, which ginn does not read; load it and save it again with torch.save(model.state_dict(), path) (zip, the default since 1.6), or with safetensors' save_file".into());
    }
    let st = SafeTensors::deserialize(bytes).map_err(|e| {
        format!("not a safetensors file ({e}), nor a torch.save checkpoint (a zip archive)")
    })?;
    let (_, meta) = SafeTensors::read_metadata(bytes).map_err(|e| e.to_string())?;
    let activation = meta
        .metadata()
        .as_ref()
        .and_then(|m| m.get(ACTIVATION_KEY))
        .and_then(|a| a.parse().ok());
    let tensors = st.iter().map(|(key, view)| {
        let values = to_f32(key, &view);
        (key.to_string(), view.shape().to_vec(), values)
    });
    linear_layers(tensors, activation)
}

/// The linear layers of a state dict's tensors (name, shape, values): every tensor the
/// weight or bias of one.
fn linear_layers(
    tensors: impl Iterator<Item = (String, Vec<usize>, Result<Vec<f32>, String>)>,
    activation: Option<Activation>,
) -> Result<Checkpoint, String> {
    let mut weights: Vec<(String, Vec<usize>, Vec<f32>)> = Vec::new();
    let mut biases: HashMap<String, (Vec<usize>, Vec<f32>)> = HashMap::new();
    for (key, shape, values) in tensors {
        let (name, kind) = key.rsplit_once('.').unwrap_or(("", &key));
        match kind {
            "weight" if shape.len() == 2 => weights.push((name.to_string(), shape, values?)),
            "bias" if shape.len() == 1 => {
                biases.insert(name.to_string(), (shape, values?));
            }
            "weight" | "bias" => {
                return Err(format!(
                    "tensor `{key}` has shape {shape:?}; a linear layer's weight is 2-D [out, in] and its bias 1-D [out] (ginn reads MLPs of nn.Linear layers only)"
                ));
            }
            _ => {
                return Err(format!(
                    "tensor `{key}` is not the weight or bias of a linear layer (ginn reads MLPs of nn.Linear layers only)"
                ));
            }
        }
    }
    let mut layers = Vec::with_capacity(weights.len());
    for (name, shape, weight) in weights {
        let (out, inp) = (shape[0], shape[1]);
        let bias = match biases.remove(&name) {
            Some((s, b)) if s == [out] => b,
            Some((s, _)) => {
                return Err(format!(
                    "tensor `{name}.bias` has shape {s:?} but `{name}.weight` is {shape:?}: expected [{out}]"
                ));
            }
            // nn.Linear(bias=False): the same as a zero bias.
            None => vec![0.0; out],
        };
        layers.push(Linear {
            name,
            out,
            inp,
            weight,
            bias,
        });
    }
    if let Some(name) = biases.keys().min() {
        return Err(format!("tensor `{name}.bias` has no `{name}.weight`"));
    }
    if layers.is_empty() {
        return Err("no linear layers (no 2-D `*.weight` tensors)".into());
    }
    layers.sort_by(|a, b| natural_cmp(&a.name, &b.name));
    Ok(Checkpoint {
        layers,
        activation,
        iteration: None,
    })
}

fn to_f32(key: &str, view: &TensorView<'_>) -> Result<Vec<f32>, String> {
    let data = view.data();
    let values: Vec<f32> = match view.dtype() {
        Dtype::F32 => data
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().expect("4 bytes")))
            .collect(),
        Dtype::F64 => data
            .chunks_exact(8)
            .map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32)
            .collect(),
        Dtype::F16 => data
            .chunks_exact(2)
            .map(|b| half::f16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        Dtype::BF16 => data
            .chunks_exact(2)
            .map(|b| half::bf16::from_le_bytes([b[0], b[1]]).to_f32())
            .collect(),
        other => {
            return Err(format!(
                "tensor `{key}` is {other:?}; ginn reads f32, f16, bf16 and f64 tensors"
            ));
        }
    };
    if let Some(v) = values.iter().find(|v| !v.is_finite()) {
        return Err(format!("tensor `{key}` holds {v}"));
    }
    Ok(values)
}

/// Names compared with their digit runs as numbers: `2` < `10`, `layer2` < `layer10`.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn parts(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = s.as_bytes();
        for i in 1..=bytes.len() {
            if i == bytes.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &s[start..i]));
                start = i;
            }
        }
        out
    }
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x, y) {
            ((true, x), (true, y)) => {
                let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
                x.len().cmp(&y.len()).then(x.cmp(y))
            }
            ((_, x), (_, y)) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len()).then(a.cmp(b))
}

/// The order of the layers from input to output, and a note when shapes left a choice.
#[derive(Debug, PartialEq)]
pub struct Chain {
    pub order: Vec<usize>,
    pub note: Option<String>,
}

/// Finds the chain: `layers` (in natural name order) ordered from 2 inputs to 1 or 2
/// outputs using each once, or in the order `named` gives.
pub fn chain(layers: &[Linear], named: Option<&[String]>) -> Result<Chain, String> {
    let shapes = || {
        layers
            .iter()
            .map(|l| format!("{} [{}, {}]", l.name, l.out, l.inp))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let order = match named {
        Some(names) => {
            let mut order = Vec::with_capacity(names.len());
            for n in names {
                let i = layers.iter().position(|l| &l.name == n).ok_or_else(|| {
                    format!(
                        "--layers names `{n}`, which has no `{n}.weight` (layers: {})",
                        shapes()
                    )
                })?;
                order.push(i);
            }
            check_chain(layers, &order).map_err(|e| format!("--layers: {e}"))?;
            return Ok(Chain { order, note: None });
        }
        None => {
            let mut found = Vec::new();
            let mut path = Vec::new();
            let mut used = vec![false; layers.len()];
            search(layers, INPUTS, &mut path, &mut used, &mut found);
            match found.len() {
                0 => {
                    return Err(format!(
                        "no chain of linear layers from 2 inputs to 1 or 2 outputs uses every layer (layers: {}); name them with --layers",
                        shapes()
                    ));
                }
                1 => {
                    return Ok(Chain {
                        order: found.remove(0),
                        note: None,
                    });
                }
                _ => found.remove(0),
            }
        }
    };
    let names: Vec<&str> = order.iter().map(|&i| layers[i].name.as_str()).collect();
    Ok(Chain {
        note: Some(format!(
            "layers with the same shapes could go in more than one order; took them by name: {} (give --layers to choose)",
            names.join(", ")
        )),
        order,
    })
}

/// Depth-first search over chains, in natural name order; stops after two.
fn search(
    layers: &[Linear],
    width: usize,
    path: &mut Vec<usize>,
    used: &mut [bool],
    found: &mut Vec<Vec<usize>>,
) {
    if found.len() >= 2 {
        return;
    }
    if path.len() == layers.len() {
        if (1..=2).contains(&width) && path.len() >= 2 {
            found.push(path.clone());
        }
        return;
    }
    for i in 0..layers.len() {
        if !used[i] && layers[i].inp == width {
            used[i] = true;
            path.push(i);
            search(layers, layers[i].out, path, used, found);
            path.pop();
            used[i] = false;
        }
    }
}

fn check_chain(layers: &[Linear], order: &[usize]) -> Result<(), String> {
    let mut width = INPUTS;
    for &i in order {
        let l = &layers[i];
        if l.inp != width {
            return Err(format!(
                "`{}.weight` is [{}, {}] but the layer before it gives {width} values",
                l.name, l.out, l.inp
            ));
        }
        width = l.out;
    }
    if !(1..=2).contains(&width) {
        return Err(format!(
            "the last layer gives {width} outputs; ginn needs 1 or 2 logits"
        ));
    }
    Ok(())
}

/// The network a chain of layers makes.
pub fn network(
    layers: &[Linear],
    order: &[usize],
    activation: Activation,
) -> Result<Network, String> {
    let hidden: Vec<usize> = order[..order.len() - 1]
        .iter()
        .map(|&i| layers[i].out)
        .collect();
    let outputs = layers[order[order.len() - 1]].out;
    if hidden.is_empty() || hidden.len() > MAX_HIDDEN_LAYERS {
        return Err(format!(
            "the network has {} hidden layers; ginn shows 1 to {MAX_HIDDEN_LAYERS}",
            hidden.len()
        ));
    }
    if let Some(&w) = hidden.iter().find(|&&w| w > MAX_WIDTH) {
        return Err(format!(
            "a hidden layer has {w} units; ginn shows up to {MAX_WIDTH}"
        ));
    }
    let arch = Architecture::general(&hidden, outputs, activation).map_err(|e| e.to_string())?;
    let mut params = Vec::with_capacity(arch.parameter_count());
    for &i in order {
        params.extend_from_slice(&layers[i].weight);
        params.extend_from_slice(&layers[i].bias);
    }
    Ok(Network::from_params(arch, params).expect("the chain's shapes make the parameter count"))
}

/// A network from a state dict already in memory (name, shape, values; the Python
/// package's `Network.from_state_dict`), by the rules and with the messages of `ginn
/// import`: the chain of linear layers found from the shapes, or in the order `layers`
/// names. Returns the notes the import would print.
pub fn network_from_tensors(
    tensors: Vec<(String, Vec<usize>, Vec<f32>)>,
    layers: Option<&[String]>,
    activation: Option<Activation>,
) -> Result<(Network, Vec<String>), String> {
    for (key, shape, values) in &tensors {
        if shape.iter().product::<usize>() != values.len() {
            return Err(format!(
                "tensor `{key}` has shape {shape:?} but {} values",
                values.len()
            ));
        }
    }
    let c = linear_layers(tensors.into_iter().map(|(k, s, v)| (k, s, Ok(v))), None)?;
    let chain = chain(&c.layers, layers)?;
    let net = network(&c.layers, &chain.order, activation.unwrap_or_default())?;
    Ok((net, chain.note.into_iter().collect()))
}

/// The iteration a checkpoint's file name gives: its last run of digits (`step_1200`,
/// `ckpt-000300.safetensors`, `epoch3`).
pub fn iteration_in_name(path: &Path) -> Option<u64> {
    let stem = path.file_stem()?.to_str()?;
    let stem = stem.strip_suffix(".safetensors").unwrap_or(stem);
    let end = stem.rfind(|c: char| c.is_ascii_digit())? + 1;
    let start = stem[..end]
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + 1);
    stem[start..end].parse().ok()
}

/// What `ginn import` is asked for.
#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Layer names in order, input to output (`--layers`).
    pub layers: Option<Vec<String>>,
    /// `--activation`; else what `ginn export` recorded in the file; else ReLU.
    pub activation: Option<Activation>,
    /// The target to measure loss and accuracy against (`TargetSource::None`: none).
    pub target: TargetSource,
    pub resolution: u32,
    /// `--domain`: the rectangle of the network's inputs to show; else the points' own,
    /// else the unit square.
    pub domain: Option<Domain>,
}

/// A run made from checkpoints, and what the user should know about how it was read.
pub struct Imported {
    pub run: Run,
    pub notes: Vec<String>,
}

/// Reads one or more checkpoints of one network into a run, one snapshot per file.
///
/// Iterations come from the numbers in the file names when every file has one and they
/// differ; otherwise from the files' order (0, 1, 2, …). Snapshots are sorted by iteration.
pub fn import(paths: &[PathBuf], options: &ImportOptions) -> Result<Imported, ImportError> {
    let fail = |path: &Path, problem: String| ImportError {
        path: path.to_path_buf(),
        problem,
    };
    let first = paths
        .first()
        .ok_or_else(|| fail(Path::new("ginn import"), "no checkpoint files given".into()))?;
    let mut notes = Vec::new();
    let mut checkpoints = Vec::with_capacity(paths.len());
    for p in paths {
        let bytes = std::fs::read(p).map_err(|e| fail(p, format!("cannot read: {e}")))?;
        checkpoints.push(read(&bytes).map_err(|e| fail(p, e))?);
    }
    let reference = &checkpoints[0];
    let chain = chain(&reference.layers, options.layers.as_deref()).map_err(|e| fail(first, e))?;
    notes.extend(chain.note.clone());
    let activation = options
        .activation
        .or(reference.activation)
        .unwrap_or_default();
    let names: Vec<&str> = chain
        .order
        .iter()
        .map(|&i| reference.layers[i].name.as_str())
        .collect();

    let mut nets = Vec::with_capacity(paths.len());
    for (p, c) in paths.iter().zip(&checkpoints) {
        let mut order = Vec::with_capacity(names.len());
        for (&name, &ri) in names.iter().zip(&chain.order) {
            let want = &reference.layers[ri];
            let l = c
                .layers
                .iter()
                .position(|l| l.name == name)
                .ok_or_else(|| {
                    fail(
                        p,
                        format!(
                            "has no tensor `{name}.weight`, which {} has",
                            first.display()
                        ),
                    )
                })?;
            let got = &c.layers[l];
            if (got.out, got.inp) != (want.out, want.inp) {
                return Err(fail(
                    p,
                    format!(
                        "tensor `{name}.weight` is [{}, {}] but in {} it is [{}, {}]; the checkpoints must be of one network",
                        got.out,
                        got.inp,
                        first.display(),
                        want.out,
                        want.inp
                    ),
                ));
            }
            order.push(l);
        }
        if options.layers.is_none()
            && let Some(extra) = c.layers.iter().find(|l| !names.contains(&l.name.as_str()))
        {
            return Err(fail(
                p,
                format!(
                    "tensor `{}.weight` is not in {}; the checkpoints must be of one network",
                    extra.name,
                    first.display()
                ),
            ));
        }
        nets.push(network(&c.layers, &order, activation).map_err(|e| fail(p, e))?);
    }

    // The step a checkpoint records, else the number in its name.
    let numbered: Vec<Option<u64>> = paths
        .iter()
        .zip(&checkpoints)
        .map(|(p, c)| c.iteration.or_else(|| iteration_in_name(p)))
        .collect();
    let mut distinct: Vec<u64> = numbered.iter().flatten().copied().collect();
    distinct.sort_unstable();
    distinct.dedup();
    let iterations: Vec<u64> = if distinct.len() == paths.len() {
        numbered.iter().map(|n| n.expect("all numbered")).collect()
    } else {
        if paths.len() > 1 {
            notes.push("not every file name has its own number: iterations follow the files' order (0, 1, 2, …)".into());
        }
        (0..paths.len() as u64).collect()
    };

    let data = options
        .target
        .build(options.resolution)
        .map_err(|e| fail(first, format!("target: {e}")))?;
    let (inputs, labels) = data.training();
    let test = data.testing();
    let arch = nets[0].arch.clone();
    let mut snapshots: Vec<Snapshot> = nets
        .into_iter()
        .zip(&iterations)
        .map(|(net, &iteration)| {
            recorded_snapshot(net, iteration, (&inputs, &labels), test.as_ref())
        })
        .collect();
    snapshots.sort_by_key(|s| s.iteration);
    let last = snapshots.last().map_or(0, |s| s.iteration);
    let settings = recording_settings(&arch, options, last);
    let domain = options.domain.unwrap_or_else(|| {
        if matches!(data, Data::Nothing) {
            notes.push(format!(
                "shown on the unit square (x 0 to 1, y 0 to 1, y down as in ginn's image runs); if the network was trained on other inputs, give them with --domain X0,X1,Y0,Y1 (e.g. --domain {})",
                Domain::PLAYGROUND.arg()
            ));
        }
        data.default_domain()
    });
    let run = Run {
        settings,
        target: data,
        domain,
        snapshots,
        stopped: None,
        seconds: 0.0,
    };
    Ok(Imported { run, notes })
}

/// The settings of a run recorded from outside (imported, followed, or recorded from
/// Python): the network's shape, the data it is measured on, and its last iteration.
pub fn recording_settings(arch: &Architecture, options: &ImportOptions, last: u64) -> Settings {
    Settings {
        target: options.target.clone(),
        resolution: options.resolution,
        widths: arch.hidden().to_vec(),
        iterations: last.max(1),
        seed: 0,
        snapshots: SnapshotPlan::Paper,
        activation: arch.activation(),
        outputs: arch.outputs(),
        ..Settings::default()
    }
}

/// A snapshot of a network recorded from outside at `iteration`, measured on the data's
/// training set (`data.training()`) and test set (`data.testing()`), when it has them.
pub fn recorded_snapshot(
    net: Network,
    iteration: u64,
    (inputs, labels): (&[f32], &[u8]),
    test: Option<&(Vec<f32>, Vec<u8>)>,
) -> Snapshot {
    let eval = evaluate(&net, inputs, labels);
    let t = test.map(|(x, l)| evaluate(&net, x, l));
    Snapshot {
        iteration,
        // Not known: a checkpoint does not record it.
        lr: 0.0,
        loss: eval.loss,
        accuracy: eval.accuracy,
        test_loss: t.map(|e| e.loss),
        test_accuracy: t.map(|e| e.accuracy),
        params: net.params,
        adam: None,
        rng_word_pos: None,
    }
}

/// The network as an `nn.Sequential` state dict (`0.weight`, `0.bias`, `2.weight`, …: the
/// activations sit at the odd indices), in f32, with the activation in the metadata.
pub fn export(net: &Network) -> Vec<u8> {
    let arch = &net.arch;
    let mut tensors: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    for l in 0..arch.layers() {
        let bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        tensors.push((
            format!("{}.weight", 2 * l),
            vec![arch.fan_out(l), arch.fan_in(l)],
            bytes(net.weight(l)),
        ));
        tensors.push((
            format!("{}.bias", 2 * l),
            vec![arch.fan_out(l)],
            bytes(net.bias(l)),
        ));
    }
    let views = tensors.iter().map(|(name, shape, data)| {
        (
            name.clone(),
            TensorView::new(Dtype::F32, shape.clone(), data).expect("shape matches data"),
        )
    });
    let metadata = HashMap::from([
        ("format".to_string(), "pt".to_string()),
        (ACTIVATION_KEY.to_string(), arch.activation().to_string()),
    ]);
    safetensors::serialize(views, Some(metadata)).expect("f32 tensors serialise")
}

/// The Python that rebuilds an exported network (for `ginn export`'s message and the README).
pub fn python_snippet(arch: &Architecture, path: &Path) -> String {
    let act = match arch.activation() {
        Activation::Relu => "nn.ReLU()".to_string(),
        Activation::LeakyRelu { slope } => format!("nn.LeakyReLU({slope})"),
    };
    let mut layers = Vec::new();
    for l in 0..arch.layers() {
        layers.push(format!(
            "nn.Linear({}, {})",
            arch.fan_in(l),
            arch.fan_out(l)
        ));
        if l + 1 < arch.layers() {
            layers.push(act.clone());
        }
    }
    format!(
        "import torch\nfrom torch import nn\nfrom safetensors.torch import load_file\nmodel = nn.Sequential({})\nmodel.load_state_dict(load_file(\"{}\"))",
        layers.join(", "),
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linear(name: &str, out: usize, inp: usize) -> Linear {
        Linear {
            name: name.into(),
            out,
            inp,
            weight: vec![0.0; out * inp],
            bias: vec![0.0; out],
        }
    }

    fn names(layers: &[Linear], c: &Chain) -> Vec<String> {
        c.order.iter().map(|&i| layers[i].name.clone()).collect()
    }

    #[test]
    fn natural_order_reads_numbers_as_numbers() {
        let mut v = vec!["10", "2", "0", "layer10", "layer2", "head", "hidden"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["0", "2", "10", "head", "hidden", "layer2", "layer10"]);
    }

    #[test]
    fn chains_follow_shapes_not_key_order() {
        // Sorted keys put `head` first; the shapes say fc_in → hidden → head.
        let layers = vec![
            linear("fc_in", 8, 2),
            linear("head", 1, 8),
            linear("hidden", 8, 8),
        ];
        let c = chain(&layers, None).unwrap();
        assert_eq!(names(&layers, &c), ["fc_in", "hidden", "head"]);
        assert_eq!(c.note, None);
        // Sequential 2-16-16-16-2 with ten or more modules: 10 after 2, by number.
        let mut layers = vec![
            linear("0", 16, 2),
            linear("10", 2, 16),
            linear("2", 16, 16),
            linear("4", 16, 16),
        ];
        layers.sort_by(|a, b| natural_cmp(&a.name, &b.name));
        let c = chain(&layers, None).unwrap();
        assert_eq!(names(&layers, &c), ["0", "2", "4", "10"]);
        assert!(c.note.unwrap().contains("--layers"));
        // --layers decides, and is checked.
        let named: Vec<String> = ["0", "4", "2", "10"].map(String::from).to_vec();
        let c = chain(&layers, Some(&named)).unwrap();
        assert_eq!(names(&layers, &c), named);
        let bad: Vec<String> = ["2", "0", "10"].map(String::from).to_vec();
        let e = chain(&layers, Some(&bad)).unwrap_err();
        assert!(
            e.contains("`2.weight` is [16, 16] but the layer before it gives 2 values"),
            "{e}"
        );
        let missing: Vec<String> = ["0", "3"].map(String::from).to_vec();
        assert!(chain(&layers, Some(&missing)).unwrap_err().contains("`3`"));
    }

    #[test]
    fn impossible_chains_are_named() {
        let e = chain(&[linear("a", 8, 3), linear("b", 2, 8)], None).unwrap_err();
        assert!(e.contains("a [8, 3]") && e.contains("2 inputs"), "{e}");
        // Every layer must be used: a stray layer breaks the chain.
        let e = chain(
            &[linear("a", 8, 2), linear("b", 2, 8), linear("c", 5, 5)],
            None,
        )
        .unwrap_err();
        assert!(e.contains("c [5, 5]"), "{e}");
    }

    #[test]
    fn iterations_come_from_the_last_number_in_the_name() {
        let it = |s: &str| iteration_in_name(Path::new(s));
        assert_eq!(it("runs/ckpt-000300.safetensors"), Some(300));
        assert_eq!(it("model_v2_step1200.safetensors"), Some(1200));
        assert_eq!(it("final.safetensors"), None);
    }

    #[test]
    fn dtypes_and_bad_tensors() {
        let one = |dtype: Dtype, data: Vec<u8>, shape: Vec<usize>, key: &str| {
            let v = TensorView::new(dtype, shape, &data).unwrap();
            let bytes = safetensors::serialize([(key.to_string(), v)], None).unwrap();
            read(&bytes).map(|c| c.layers)
        };
        let h = |v: f32| half::f16::from_f32(v).to_le_bytes().to_vec();
        let data: Vec<u8> = [0.5f32, -1.0, 2.0, 0.25]
            .iter()
            .flat_map(|&v| h(v))
            .collect();
        let l = one(Dtype::F16, data, vec![2, 2], "x.weight").unwrap();
        assert_eq!(l[0].weight, [0.5, -1.0, 2.0, 0.25]);
        let data: Vec<u8> = [0.5f32, 3.0]
            .iter()
            .flat_map(|&v| half::bf16::from_f32(v).to_le_bytes())
            .collect();
        assert_eq!(
            one(Dtype::BF16, data, vec![1, 2], "y.weight").unwrap()[0].weight,
            [0.5, 3.0]
        );
        let data: Vec<u8> = [1.5f64, -2.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        assert_eq!(
            one(Dtype::F64, data, vec![1, 2], "z.weight").unwrap()[0].weight,
            [1.5, -2.0]
        );
        let e = one(Dtype::F32, vec![0; 32], vec![2, 2, 2], "conv.weight").unwrap_err();
        assert!(
            e.contains("`conv.weight`") && e.contains("[2, 2, 2]"),
            "{e}"
        );
        let e = one(Dtype::I64, vec![0; 8], vec![1], "bn.num_batches_tracked").unwrap_err();
        assert!(e.contains("`bn.num_batches_tracked`"), "{e}");
        let e = one(Dtype::I32, vec![0; 16], vec![2, 2], "q.weight").unwrap_err();
        assert!(e.contains("`q.weight`") && e.contains("I32"), "{e}");
        assert!(
            read(b"not a safetensors file at all")
                .unwrap_err()
                .contains("not a safetensors file")
        );
    }
}
