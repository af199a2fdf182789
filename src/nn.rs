//! The network the report studies: 2 inputs → hidden ReLU layers → 2 logits; and the
//! nets people bring from PyTorch: LeakyReLU of any slope, one logit (a binary classifier
//! trained with `BCEWithLogitsLoss`). All are piecewise linear, so the exact geometry holds.
//!
//! Parameters are kept in one flat `f32` vector so the optimiser can treat them as a
//! single tensor, in PyTorch's `nn.Linear` layout: for each layer the weight `[out][in]`
//! row-major, then the bias `[out]`. Geometry reads them in `f64`.

use rand::Rng;
use serde::{Deserialize, Serialize};

/// Number of inputs: the pixel location (x, y).
pub const INPUTS: usize = 2;
/// Number of logits of the report's net: class 0 = black, class 1 = white. A net may instead
/// have one logit `z` (probability of white = sigmoid(z)); it is then treated as the pair
/// `(0, z)`, which has the same decision boundary and probabilities.
pub const OUTPUTS: usize = 2;
/// Limits on the architecture (the viewer and the run-file checks rely on them).
pub const MAX_HIDDEN_LAYERS: usize = 8;
pub const MAX_WIDTH: usize = 256;

/// A hidden unit, addressed by layer (0-based here; 1-based in the UI and CLI) and index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NeuronId {
    pub layer: usize,
    pub index: usize,
}

/// Error for an architecture outside what ginn supports.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ArchitectureError {
    #[error("the network needs 1 to {MAX_HIDDEN_LAYERS} hidden layers, got {0}")]
    Depth(usize),
    #[error("hidden layer widths must be 1 to {MAX_WIDTH}, got {0}")]
    Width(usize),
    #[error("the network needs 1 or 2 output logits, got {0}")]
    Outputs(usize),
    #[error("the leaky ReLU slope must be a finite number, got {0}")]
    Slope(f32),
}

/// The hidden layers' nonlinearity. Both are piecewise linear with their kink where the
/// pre-activation is 0, so the partition is the same; only the affine maps differ.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Activation {
    #[default]
    Relu,
    /// `max(0, z) + slope·min(0, z)`, as PyTorch's `LeakyReLU(negative_slope)`.
    LeakyRelu { slope: f32 },
}

// The slope is never NaN (parsing and `Architecture::general` refuse it).
impl Eq for Activation {}

impl Activation {
    /// What an inactive unit (pre-activation ≤ 0) passes on, per unit of pre-activation.
    pub fn slope(self) -> f32 {
        match self {
            Self::Relu => 0.0,
            Self::LeakyRelu { slope } => slope,
        }
    }

    pub fn is_relu(&self) -> bool {
        *self == Self::Relu
    }

    #[inline]
    pub fn apply(self, z: f64) -> f64 {
        match self {
            Self::Relu => z.max(0.0),
            Self::LeakyRelu { slope } => {
                if z > 0.0 {
                    z
                } else {
                    slope as f64 * z
                }
            }
        }
    }
}

impl std::fmt::Display for Activation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Relu => write!(f, "relu"),
            Self::LeakyRelu { slope } => write!(f, "leaky_relu:{slope}"),
        }
    }
}

impl std::str::FromStr for Activation {
    type Err = String;

    /// `relu` or `leaky_relu:SLOPE` (`leaky_relu` alone is PyTorch's default 0.01).
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let bad = || {
            format!("activation is `{s}`; expected relu or leaky_relu:SLOPE (e.g. leaky_relu:0.1)")
        };
        match s.split_once(':') {
            None if s == "relu" => Ok(Self::Relu),
            None if s == "leaky_relu" => Ok(Self::LeakyRelu { slope: 0.01 }),
            Some(("leaky_relu", v)) => match v.trim().parse::<f32>() {
                Ok(slope) if slope.is_finite() => Ok(Self::LeakyRelu { slope }),
                _ => Err(bad()),
            },
            _ => Err(bad()),
        }
    }
}

impl From<Activation> for String {
    fn from(a: Activation) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Activation {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

/// Shape of the network: the hidden widths, plus where each layer's parameters live.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Architecture {
    hidden: Vec<usize>,
    #[serde(default = "two")]
    outputs: usize,
    #[serde(default)]
    activation: Activation,
}

fn two() -> usize {
    OUTPUTS
}

impl Architecture {
    /// ReLU hidden layers of these widths and two logits (the report's kind of net).
    pub fn new(hidden: &[usize]) -> Result<Self, ArchitectureError> {
        Self::general(hidden, OUTPUTS, Activation::Relu)
    }

    /// Any net ginn handles: 1 or 2 logits, ReLU or leaky ReLU.
    pub fn general(
        hidden: &[usize],
        outputs: usize,
        activation: Activation,
    ) -> Result<Self, ArchitectureError> {
        if !(1..=2).contains(&outputs) {
            return Err(ArchitectureError::Outputs(outputs));
        }
        if !activation.slope().is_finite() {
            return Err(ArchitectureError::Slope(activation.slope()));
        }
        if hidden.is_empty() || hidden.len() > MAX_HIDDEN_LAYERS {
            return Err(ArchitectureError::Depth(hidden.len()));
        }
        if let Some(&w) = hidden.iter().find(|&&w| w == 0 || w > MAX_WIDTH) {
            return Err(ArchitectureError::Width(w));
        }
        Ok(Self {
            hidden: hidden.to_vec(),
            outputs,
            activation,
        })
    }

    /// The report's network: three hidden layers of sixteen units.
    pub fn paper() -> Self {
        Self::new(&[16, 16, 16]).expect("valid")
    }

    pub fn hidden(&self) -> &[usize] {
        &self.hidden
    }

    /// Number of output logits (1 or 2).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// Number of affine layers (hidden layers + the output layer).
    pub fn layers(&self) -> usize {
        self.hidden.len() + 1
    }

    /// Input width of affine layer `l`.
    pub fn fan_in(&self, l: usize) -> usize {
        if l == 0 { INPUTS } else { self.hidden[l - 1] }
    }

    /// Output width of affine layer `l`.
    pub fn fan_out(&self, l: usize) -> usize {
        if l == self.hidden.len() {
            self.outputs
        } else {
            self.hidden[l]
        }
    }

    /// Offset of layer `l`'s weight in the flat parameter vector; its bias follows it.
    pub fn offset(&self, l: usize) -> usize {
        (0..l).map(|k| self.fan_out(k) * (self.fan_in(k) + 1)).sum()
    }

    pub fn parameter_count(&self) -> usize {
        self.offset(self.layers())
    }

    pub fn neurons(&self) -> impl Iterator<Item = NeuronId> + '_ {
        self.hidden
            .iter()
            .enumerate()
            .flat_map(|(layer, &w)| (0..w).map(move |index| NeuronId { layer, index }))
    }

    /// Whether the network has hidden unit `n` (the one check for "does unit L:k exist").
    pub fn has_unit(&self, n: NeuronId) -> bool {
        self.hidden.get(n.layer).is_some_and(|&w| n.index < w)
    }

    pub fn neuron_count(&self) -> usize {
        self.hidden.iter().sum()
    }

    pub fn widest(&self) -> usize {
        self.hidden
            .iter()
            .copied()
            .max()
            .unwrap_or(0)
            .max(INPUTS)
            .max(self.outputs)
    }
}

/// Parameters of the network in the flat PyTorch layout.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    pub arch: Architecture,
    pub params: Vec<f32>,
    /// The first layer's weights then biases in `f64`, when they are not exactly the
    /// `f32` ones: a domain folded in ([`crate::domain::Domain::fold`]). Everything that
    /// computes in `f64` (the geometry, [`Network::pre_activations`]) reads these, so the
    /// fold costs no precision; `params` holds them rounded.
    pub first_f64: Option<std::sync::Arc<[f64]>>,
}

impl Network {
    /// PyTorch's `nn.Linear` default: weights and biases ~ U(−1/√fan_in, 1/√fan_in).
    pub fn init(arch: Architecture, rng: &mut impl Rng) -> Self {
        let mut params = Vec::with_capacity(arch.parameter_count());
        for l in 0..arch.layers() {
            let bound = 1.0 / (arch.fan_in(l) as f32).sqrt();
            let count = arch.fan_out(l) * (arch.fan_in(l) + 1);
            params.extend((0..count).map(|_| rng.random_range(-bound..bound)));
        }
        Self {
            arch,
            params,
            first_f64: None,
        }
    }

    pub fn from_params(arch: Architecture, params: Vec<f32>) -> Option<Self> {
        (params.len() == arch.parameter_count()).then_some(Self {
            arch,
            params,
            first_f64: None,
        })
    }

    /// Weight `[out][in]` of affine layer `l`, row-major.
    pub fn weight(&self, l: usize) -> &[f32] {
        let o = self.arch.offset(l);
        &self.params[o..o + self.arch.fan_out(l) * self.arch.fan_in(l)]
    }

    pub fn bias(&self, l: usize) -> &[f32] {
        let o = self.arch.offset(l) + self.arch.fan_out(l) * self.arch.fan_in(l);
        &self.params[o..o + self.arch.fan_out(l)]
    }

    /// Weight `[out][in]` of layer `l` in `f64` (the exact fold for the first layer).
    pub fn weight_f64(&self, l: usize) -> Vec<f64> {
        match (&self.first_f64, l) {
            (Some(f), 0) => f[..2 * self.arch.fan_out(0)].to_vec(),
            _ => self.weight(l).iter().map(|&v| v as f64).collect(),
        }
    }

    /// Bias of layer `l` in `f64` (the exact fold for the first layer).
    pub fn bias_f64(&self, l: usize) -> Vec<f64> {
        match (&self.first_f64, l) {
            (Some(f), 0) => f[2 * self.arch.fan_out(0)..].to_vec(),
            _ => self.bias(l).iter().map(|&v| v as f64).collect(),
        }
    }

    /// Incoming weights of one hidden unit.
    pub fn incoming(&self, n: NeuronId) -> &[f32] {
        let fan_in = self.arch.fan_in(n.layer);
        &self.weight(n.layer)[n.index * fan_in..(n.index + 1) * fan_in]
    }

    /// Outgoing weights of one hidden unit (one per unit of the next layer).
    pub fn outgoing(&self, n: NeuronId) -> Vec<f32> {
        let next = n.layer + 1;
        let fan_in = self.arch.fan_in(next);
        self.weight(next)
            .chunks_exact(fan_in)
            .map(|row| row[n.index])
            .collect()
    }

    /// Pre-activations of every layer at one point, in `f64` (the geometry's precision).
    /// `pre[l]` holds layer `l`'s pre-activations; the last entry holds the logits.
    pub fn pre_activations(&self, x: f64, y: f64) -> Vec<Vec<f64>> {
        let mut out = Vec::with_capacity(self.arch.layers());
        self.pre_activations_into(x, y, &mut out);
        out
    }

    /// [`pre_activations`](Self::pre_activations) into reused buffers (no allocation once
    /// `out` has its shape): for measures that evaluate the net at many points.
    pub fn pre_activations_into(&self, x: f64, y: f64, out: &mut Vec<Vec<f64>>) {
        let layers = self.arch.layers();
        out.resize_with(layers, Vec::new);
        let activation = self.arch.activation();
        for l in 0..layers {
            let (before, rest) = out.split_at_mut(l);
            let z = &mut rest[0];
            z.clear();
            if let (Some(f), 0) = (&self.first_f64, l) {
                let units = self.arch.fan_out(0);
                let (w, b) = f.split_at(2 * units);
                z.extend((0..units).map(|j| b[j] + w[2 * j] * x + w[2 * j + 1] * y));
                continue;
            }
            let (w, b) = (self.weight(l), self.bias(l));
            let fan_in = self.arch.fan_in(l);
            for (row, &bj) in w.chunks_exact(fan_in).zip(b) {
                let sum = if l == 0 {
                    bj as f64 + row[0] as f64 * x + row[1] as f64 * y
                } else {
                    row.iter()
                        .zip(&before[l - 1])
                        .fold(bj as f64, |s, (&w, &a)| s + w as f64 * activation.apply(a))
                };
                z.push(sum);
            }
        }
    }

    /// The logits as the net computes them (one or two).
    pub fn outputs(&self, x: f64, y: f64) -> Vec<f64> {
        self.pre_activations(x, y)
            .pop()
            .expect("network has an output layer")
    }

    /// The two logits at a point; a one-logit net's `z` reads as `(0, z)`.
    pub fn logits(&self, x: f64, y: f64) -> [f64; 2] {
        let z = self.outputs(x, y);
        match z[..] {
            [z] => [0.0, z],
            _ => [z[0], z[1]],
        }
    }

    /// ∇z of unit `n` with respect to the input, at the point whose pre-activations are
    /// `pre`: the chain of the layers' local linear maps.
    pub fn unit_gradient(&self, pre: &[Vec<f64>], n: NeuronId) -> [f64; 2] {
        let net = self;
        let slope = net.arch.activation().slope() as f64;
        // Rows: d z_l[j] / d (x, y).
        let mut jac: Vec<[f64; 2]> = net
            .weight_f64(0)
            .chunks_exact(2)
            .map(|r| [r[0], r[1]])
            .collect();
        for l in 1..=n.layer {
            let fan_in = net.arch.fan_in(l);
            let d: Vec<f64> = pre[l - 1]
                .iter()
                .map(|&z| if z > 0.0 { 1.0 } else { slope })
                .collect();
            jac = net
                .weight(l)
                .chunks_exact(fan_in)
                .map(|row| {
                    let mut g = [0.0; 2];
                    for ((&w, &dk), j) in row.iter().zip(&d).zip(&jac) {
                        let s = w as f64 * dk;
                        g[0] += s * j[0];
                        g[1] += s * j[1];
                    }
                    g
                })
                .collect();
        }
        jac[n.index]
    }

    /// Probability that the pixel at (x, y) is white.
    pub fn probability_white(&self, x: f64, y: f64) -> f64 {
        let [a, b] = self.logits(x, y);
        sigmoid(b - a)
    }
}

pub fn sigmoid(t: f64) -> f64 {
    1.0 / (1.0 + (-t).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn layout_matches_pytorch_parameter_count() {
        let a = Architecture::paper();
        // 2·16+16, 16·16+16 twice, 16·2+2
        assert_eq!(a.parameter_count(), 48 + 272 + 272 + 34);
        assert_eq!(a.offset(1), 48);
        assert_eq!(a.offset(3), 48 + 272 + 272);
    }

    #[test]
    fn init_respects_fan_in_bounds() {
        let a = Architecture::new(&[3, 100]).unwrap();
        let net = Network::init(a.clone(), &mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        for l in 0..a.layers() {
            let bound = 1.0 / (a.fan_in(l) as f32).sqrt();
            let all = net.weight(l).iter().chain(net.bias(l));
            assert!(all.clone().all(|v| v.abs() <= bound));
            // Uniform over the whole interval, not a corner of it.
            let max = all.fold(0.0f32, |m, v| m.max(v.abs()));
            assert!(max > 0.5 * bound);
        }
    }

    #[test]
    fn rejects_bad_architectures() {
        assert_eq!(Architecture::new(&[]), Err(ArchitectureError::Depth(0)));
        assert_eq!(
            Architecture::new(&[16; 9]),
            Err(ArchitectureError::Depth(9))
        );
        assert_eq!(
            Architecture::new(&[16, 0]),
            Err(ArchitectureError::Width(0))
        );
        assert_eq!(
            Architecture::new(&[257]),
            Err(ArchitectureError::Width(257))
        );
        assert_eq!(
            Architecture::general(&[4], 3, Activation::Relu),
            Err(ArchitectureError::Outputs(3))
        );
    }

    #[test]
    fn activations_parse_print_and_apply() {
        let leaky: Activation = "leaky_relu:0.1".parse().unwrap();
        assert_eq!(leaky, Activation::LeakyRelu { slope: 0.1 });
        assert_eq!(leaky.to_string().parse::<Activation>().unwrap(), leaky);
        assert_eq!("relu".parse::<Activation>().unwrap(), Activation::Relu);
        for bad in ["tanh", "leaky_relu:x", "leaky_relu:nan", "relu:0.1"] {
            let e = bad.parse::<Activation>().unwrap_err();
            assert!(e.contains(bad), "{e}");
        }
        assert_eq!(leaky.apply(-2.0), -0.2f32 as f64);
        assert_eq!(leaky.apply(3.0), 3.0);
        assert_eq!(Activation::Relu.apply(-2.0), 0.0);
    }

    #[test]
    fn pre_activations_into_reused_buffers_are_the_same() {
        let a = Architecture::general(&[5, 3], 1, Activation::LeakyRelu { slope: 0.2 }).unwrap();
        let net = Network::init(a, &mut rand_chacha::ChaCha8Rng::seed_from_u64(6));
        let mut buf = Vec::new();
        for p in [[0.1, 0.9], [0.7, 0.2], [-1.0, 3.0]] {
            net.pre_activations_into(p[0], p[1], &mut buf);
            assert_eq!(buf, net.pre_activations(p[0], p[1]));
        }
    }

    #[test]
    fn one_logit_nets_read_as_zero_and_z() {
        let a = Architecture::general(&[3], 1, Activation::Relu).unwrap();
        assert_eq!(a.parameter_count(), 9 + 4);
        let net = Network::init(a, &mut rand_chacha::ChaCha8Rng::seed_from_u64(2));
        let z = net.outputs(0.3, 0.6);
        assert_eq!(z.len(), 1);
        assert_eq!(net.logits(0.3, 0.6), [0.0, z[0]]);
        assert_eq!(net.probability_white(0.3, 0.6), sigmoid(z[0]));
    }

    #[test]
    fn outgoing_reads_the_next_layers_column() {
        let a = Architecture::new(&[2, 3]).unwrap();
        let params = (0..a.parameter_count()).map(|i| i as f32).collect();
        let net = Network::from_params(a, params).unwrap();
        // Layer 1 weight starts at 6 (2·2 + 2), shape [3][2]: column 1 is 7, 9, 11.
        assert_eq!(
            net.outgoing(NeuronId { layer: 0, index: 1 }),
            vec![7.0, 9.0, 11.0]
        );
    }
}
