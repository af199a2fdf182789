//! Training the report's set-up: batches drawn with replacement from all pixels, softmax
//! cross-entropy, Adam, cosine annealing, snapshots on a schedule.
//!
//! Same settings and seed give bit-identical parameters at every iteration: one ChaCha8
//! stream (seeded by `seed`) draws the initial weights and then every batch, and its
//! position is kept in each snapshot so a run can be resumed or branched exactly.

pub mod adam;
pub mod denormals;
pub mod kernel;
mod lanes;
pub mod schedule;
pub mod snapshot;

pub use adam::Adam;
pub use kernel::{BatchLoss, Kernel, KernelKind};
pub use schedule::{SnapshotPlan, cosine_lr};
pub use snapshot::Snapshot;

use crate::nn::{Activation, Architecture, ArchitectureError, Network};
use crate::targets::{Data, TargetSource};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// Everything that defines a run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub target: TargetSource,
    /// Side of the square training image, in pixels.
    pub resolution: u32,
    pub widths: Vec<usize>,
    pub iterations: u64,
    pub batch: usize,
    pub lr: f64,
    pub seed: u64,
    pub snapshots: SnapshotPlan,
    /// The hidden layers' nonlinearity (leaky ReLU needs a slope ≥ 0 to train: the
    /// backward pass reads each unit's side from its activation's sign).
    #[serde(default, skip_serializing_if = "Activation::is_relu")]
    pub activation: Activation,
    /// Output logits: 2 (softmax cross-entropy, as the report) or 1 (binary cross-entropy
    /// on the logit, as PyTorch's `BCEWithLogitsLoss`).
    #[serde(default = "two_outputs", skip_serializing_if = "is_two")]
    pub outputs: usize,
}

fn two_outputs() -> usize {
    crate::nn::OUTPUTS
}

fn is_two(n: &usize) -> bool {
    *n == crate::nn::OUTPUTS
}

impl Default for Settings {
    /// The report's settings on the built-in bottle.
    fn default() -> Self {
        Self {
            target: TargetSource::Builtin(crate::targets::Shape::Bottle),
            resolution: 200,
            widths: vec![16, 16, 16],
            iterations: 1_280_000,
            batch: 128,
            lr: 1e-3,
            seed: 1,
            snapshots: SnapshotPlan::Paper,
            activation: Activation::Relu,
            outputs: crate::nn::OUTPUTS,
        }
    }
}

pub const MAX_BATCH: usize = 1 << 16;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SettingsError {
    #[error(transparent)]
    Architecture(#[from] ArchitectureError),
    #[error("batch size must be 1 to {MAX_BATCH}, got {0}")]
    Batch(usize),
    #[error("learning rate must be a positive finite number, got {0}")]
    LearningRate(f64),
    #[error("iterations must be at least 1")]
    Iterations,
    #[error(
        "the run would keep about {snapshots} snapshots ({gib:.1} GiB); choose fewer with --snapshots every:N"
    )]
    TooManySnapshots { snapshots: u64, gib: f64 },
    #[error(
        "a leaky ReLU slope must be ≥ 0 to train (got {0}); networks with any slope can be imported and viewed"
    )]
    NegativeSlope(f32),
    #[error("there is nothing to train on: the run has no target (give --target or --points)")]
    NoData,
    #[error("the snapshot has {got} parameters but these widths need {expected}")]
    Parameters { expected: usize, got: usize },
}

impl Settings {
    /// The network these settings describe (widths, outputs, activation).
    pub fn architecture(&self) -> Result<Architecture, ArchitectureError> {
        Architecture::general(&self.widths, self.outputs, self.activation)
    }

    pub fn validate(&self) -> Result<Architecture, SettingsError> {
        if self.batch == 0 || self.batch > MAX_BATCH {
            return Err(SettingsError::Batch(self.batch));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(SettingsError::LearningRate(self.lr));
        }
        if self.iterations == 0 {
            return Err(SettingsError::Iterations);
        }
        let arch = self.architecture()?;
        // Each snapshot keeps every parameter (and the run file ~3× that as text).
        let snapshots = self.snapshots.count_bound(self.iterations);
        let bytes = snapshots as f64 * arch.parameter_count() as f64 * 4.0;
        if bytes > 4.0 * (1u64 << 30) as f64 {
            return Err(SettingsError::TooManySnapshots {
                snapshots,
                gib: bytes / (1u64 << 30) as f64,
            });
        }
        Ok(arch)
    }
}

/// Training stopped because the loss stopped being a finite number.
#[derive(Clone, Debug, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[error("training diverged at iteration {iteration}: {what}")]
pub struct Diverged {
    pub iteration: u64,
    /// What stopped being finite.
    pub what: String,
}

/// Why a run file ends before its planned last iteration (`stopped` in the file).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stopped {
    /// Where training stopped: the last snapshot's iteration (for a divergence, the step
    /// that failed; the last snapshot holds the parameters before it).
    pub iteration: u64,
    /// In words: `interrupted`, `checkpoint`, or what stopped being finite.
    pub what: String,
    /// Files written before interrupts existed only stopped by diverging.
    #[serde(default)]
    pub reason: StopReason,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StopReason {
    /// The loss or a parameter stopped being finite: resuming would diverge again.
    #[default]
    Diverged,
    /// Ctrl-C, SIGTERM or a closed window: `ginn train --resume` continues it.
    Interrupted,
    /// Written during training; a file still saying so was left by a killed process.
    Checkpoint,
}

impl Stopped {
    pub fn interrupted(iteration: u64) -> Self {
        Self {
            iteration,
            what: "interrupted".into(),
            reason: StopReason::Interrupted,
        }
    }

    pub fn checkpoint(iteration: u64) -> Self {
        Self {
            iteration,
            what: "checkpoint".into(),
            reason: StopReason::Checkpoint,
        }
    }

    /// Whether training can continue from the last snapshot to the planned end.
    pub fn resumable(&self) -> bool {
        self.reason != StopReason::Diverged
    }
}

impl From<Diverged> for Stopped {
    fn from(d: Diverged) -> Self {
        Self {
            iteration: d.iteration,
            what: d.what,
            reason: StopReason::Diverged,
        }
    }
}

impl std::fmt::Display for Stopped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.reason {
            StopReason::Diverged => write!(
                f,
                "training diverged at iteration {}: {}",
                self.iteration, self.what
            ),
            StopReason::Interrupted => write!(f, "interrupted at iteration {}", self.iteration),
            StopReason::Checkpoint => write!(
                f,
                "checkpoint at iteration {} (the process ended before the run did)",
                self.iteration
            ),
        }
    }
}

/// A network being trained, with its optimiser, data and random stream.
pub struct Trainer {
    pub settings: Settings,
    pub net: Network,
    pub adam: Adam,
    /// Steps taken so far.
    pub iteration: u64,
    rng: ChaCha8Rng,
    kernel: Kernel,
    inputs: Vec<f32>,
    labels: Vec<u8>,
    /// Held-out points, evaluated in every snapshot but never trained on.
    test: Option<(Vec<f32>, Vec<u8>)>,
    batch_labels: Vec<u8>,
    grad: Vec<f32>,
    /// Parameters before the last update, to restore if it produced a non-finite value.
    backup: Vec<f32>,
    /// Flush denormals during steps (see [`denormals`]); off only to measure the difference.
    pub flush_denormals: bool,
    /// Whether the last step ran with denormals flushed (read back from the CPU, for tests).
    pub last_step_flushed: bool,
}

impl Trainer {
    /// A fresh run: initial weights from the seed.
    pub fn new(settings: Settings, target: &Data) -> Result<Self, SettingsError> {
        let arch = settings.validate()?;
        let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
        let net = Network::init(arch, &mut rng);
        Self::assemble(settings, target, net, None, rng, 0)
    }

    /// Continues from a snapshot (with its optimiser state and random-stream position, when
    /// it has them), under possibly changed settings: how runs are resumed and branched.
    pub fn from_snapshot(
        settings: Settings,
        target: &Data,
        snap: &Snapshot,
    ) -> Result<Self, SettingsError> {
        let arch = settings.validate()?;
        let expected = arch.parameter_count();
        let net =
            Network::from_params(arch, snap.params.clone()).ok_or(SettingsError::Parameters {
                expected,
                got: snap.params.len(),
            })?;
        let mut rng = ChaCha8Rng::seed_from_u64(settings.seed);
        match snap.rng_word_pos {
            Some(pos) => rng.set_word_pos(pos),
            // No recorded position: a distinct stream per (seed, iteration) keeps it reproducible.
            None => rng.set_stream(snap.iteration),
        }
        Self::assemble(
            settings,
            target,
            net,
            snap.adam.clone(),
            rng,
            snap.iteration,
        )
    }

    fn assemble(
        settings: Settings,
        target: &Data,
        net: Network,
        adam: Option<Adam>,
        rng: ChaCha8Rng,
        iteration: u64,
    ) -> Result<Self, SettingsError> {
        let (inputs, labels) = target.training();
        if labels.is_empty() {
            return Err(SettingsError::NoData);
        }
        // Any slope can be shown; training reads a unit's side from its activation's sign.
        if settings.activation.slope() < 0.0 {
            return Err(SettingsError::NegativeSlope(settings.activation.slope()));
        }
        let test = target.testing();
        let n = net.arch.parameter_count();
        Ok(Self {
            kernel: Kernel::new(&net, settings.batch),
            batch_labels: vec![0; settings.batch],
            grad: vec![0.0; n],
            backup: vec![0.0; n],
            adam: adam
                .filter(|a| a.m.len() == n)
                .unwrap_or_else(|| Adam::new(n)),
            settings,
            net,
            iteration,
            rng,
            inputs,
            labels,
            test,
            flush_denormals: true,
            last_step_flushed: false,
        })
    }

    pub fn finished(&self) -> bool {
        self.iteration >= self.settings.iterations
    }

    /// Runs the kernel's build `kind` (the portable one where the CPU lacks it).
    pub fn set_kernel(&mut self, kind: KernelKind) {
        let k = std::mem::replace(&mut self.kernel, Kernel::new(&self.net, 1));
        self.kernel = k.with_kind(kind);
    }

    pub fn kernel_kind(&self) -> KernelKind {
        self.kernel.kind()
    }

    /// Learning rate of the next step.
    pub fn lr(&self) -> f64 {
        cosine_lr(self.settings.lr, self.iteration, self.settings.iterations)
    }

    /// One step: draw a batch with replacement, forward, backward, Adam.
    pub fn step(&mut self) -> Result<BatchLoss, Diverged> {
        let _flush = denormals::FlushDenormals::enable(self.flush_denormals);
        self.last_step_flushed = denormals::active();
        let n = self.labels.len();
        let inputs = self.kernel.inputs_mut();
        for (slot, label) in inputs.chunks_exact_mut(2).zip(self.batch_labels.iter_mut()) {
            let i = self.rng.random_range(0..n);
            slot.copy_from_slice(&self.inputs[2 * i..2 * i + 2]);
            *label = self.labels[i];
        }
        let out = self
            .kernel
            .forward_backward(&self.net, &self.batch_labels, &mut self.grad);
        if !out.loss.is_finite() {
            return Err(Diverged {
                iteration: self.iteration + 1,
                what: format!("the loss became {}", out.loss),
            });
        }
        let lr = self.lr();
        self.backup.copy_from_slice(&self.net.params);
        self.adam.update(&mut self.net.params, &self.grad, lr);
        if let Some(bad) = self.net.params.iter().find(|p| !p.is_finite()) {
            // Keep the last finite parameters, so the run so far stays usable.
            let what = format!("a parameter became {bad}");
            self.net.params.copy_from_slice(&self.backup);
            return Err(Diverged {
                iteration: self.iteration + 1,
                what,
            });
        }
        self.iteration += 1;
        Ok(out)
    }

    /// Up to `count` steps (fewer at the end of the run).
    pub fn steps(&mut self, count: u64) -> Result<u64, Diverged> {
        let mut done = 0;
        while done < count && !self.finished() {
            self.step()?;
            done += 1;
        }
        Ok(done)
    }

    /// Loss and accuracy over every pixel of the target (or every training point).
    pub fn evaluate(&self) -> Evaluation {
        evaluate(&self.net, &self.inputs, &self.labels)
    }

    /// The current state as a snapshot (with optimiser state and stream position).
    pub fn snapshot(&self) -> Snapshot {
        let mut snap = self.snapshot_unevaluated();
        self.evaluation().fill(&mut snap);
        snap
    }

    /// The current state as a snapshot whose loss and accuracy are left for later (NaN
    /// until a [`SnapshotEvaluation`] fills them in): a wide net's evaluation over every
    /// pixel takes far longer than a step.
    pub fn snapshot_unevaluated(&self) -> Snapshot {
        Snapshot {
            iteration: self.iteration,
            lr: self.lr(),
            loss: f64::NAN,
            accuracy: f64::NAN,
            test_loss: None,
            test_accuracy: None,
            params: self.net.params.clone(),
            adam: Some(self.adam.clone()),
            rng_word_pos: Some(self.rng.get_word_pos()),
        }
    }

    /// What a snapshot of the current network says about the data: loss and accuracy on
    /// the training data and on the held-out points.
    pub fn evaluation(&self) -> SnapshotEvaluation {
        SnapshotEvaluation::of(&self.net, (&self.inputs, &self.labels), self.test_data())
    }

    /// The data a snapshot is evaluated on: training inputs and labels, and the held-out
    /// points when there are any.
    pub fn data(&self) -> ((&[f32], &[u8]), Option<(&[f32], &[u8])>) {
        ((&self.inputs, &self.labels), self.test_data())
    }

    fn test_data(&self) -> Option<(&[f32], &[u8])> {
        self.test
            .as_ref()
            .map(|(x, t)| (x.as_slice(), t.as_slice()))
    }
}

/// A snapshot's loss and accuracy, on the training data and on the held-out points.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SnapshotEvaluation {
    pub train: Evaluation,
    pub test: Option<Evaluation>,
}

impl SnapshotEvaluation {
    pub fn of(
        net: &Network,
        (inputs, labels): (&[f32], &[u8]),
        test: Option<(&[f32], &[u8])>,
    ) -> Self {
        Self {
            train: evaluate(net, inputs, labels),
            test: test.map(|(x, t)| evaluate(net, x, t)),
        }
    }

    /// Writes the figures into the snapshot.
    pub fn fill(&self, snap: &mut Snapshot) {
        snap.loss = self.train.loss;
        snap.accuracy = self.train.accuracy;
        snap.test_loss = self.test.map(|e| e.loss);
        snap.test_accuracy = self.test.map(|e| e.accuracy);
    }
}

/// Full-domain loss and accuracy.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Evaluation {
    pub loss: f64,
    pub accuracy: f64,
}

/// Mean cross-entropy and accuracy of `net` on a whole data set, in chunks (NaN for an
/// empty set).
pub fn evaluate(net: &Network, inputs: &[f32], labels: &[u8]) -> Evaluation {
    if labels.is_empty() {
        return Evaluation {
            loss: f64::NAN,
            accuracy: f64::NAN,
        };
    }
    let _flush = denormals::FlushDenormals::enable(true);
    const CHUNK: usize = 4096;
    let mut kernel = Kernel::new(net, CHUNK.min(labels.len()).max(1));
    let (mut loss, mut correct) = (0.0f64, 0usize);
    for (x, t) in inputs.chunks(2 * CHUNK).zip(labels.chunks(CHUNK)) {
        kernel.inputs_mut()[..x.len()].copy_from_slice(x);
        kernel.forward(net, t.len());
        let out = kernel.loss_of(t);
        loss += out.loss as f64 * t.len() as f64;
        correct += out.correct;
    }
    let n = labels.len().max(1) as f64;
    Evaluation {
        loss: loss / n,
        accuracy: correct as f64 / n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Shape;

    fn small(seed: u64) -> (Settings, Data) {
        let s = Settings {
            resolution: 32,
            iterations: 300,
            batch: 32,
            seed,
            ..Settings::default()
        };
        let t = s.target.build(s.resolution).unwrap();
        (s, t)
    }

    /// Training points and held-out points at the same places with opposite labels: a
    /// trainer that learns only from the training points fits them and fails the test set.
    #[test]
    fn held_out_points_are_never_trained_on() {
        use crate::targets::Points;
        let mut xy = Vec::new();
        for i in 0..200 {
            xy.push([
                (i % 20) as f32 / 20.0 + 0.025,
                (i / 20) as f32 / 10.0 + 0.05,
            ]);
        }
        let label: Vec<u8> = xy.iter().map(|p| u8::from(p[0] < 0.5)).collect();
        let mut points = Points {
            xy: xy.clone(),
            label: label.clone(),
            test: vec![false; 200],
            domain: crate::domain::Domain::UNIT,
        };
        points.xy.extend(&xy);
        points.label.extend(label.iter().map(|l| 1 - l));
        points.test.extend([true; 200]);
        let s = Settings {
            iterations: 1500,
            batch: 32,
            lr: 0.01,
            widths: vec![8],
            ..Settings::default()
        };
        let mut t = Trainer::new(s, &Data::Points(points)).unwrap();
        t.steps(1500).unwrap();
        let snap = t.snapshot();
        assert!(snap.accuracy > 0.95, "training accuracy {}", snap.accuracy);
        let test = snap
            .test_accuracy
            .expect("a test split gives test accuracy");
        assert!(test < 0.05, "test accuracy {test}");
        assert!(snap.test_loss.unwrap() > snap.loss);
    }

    #[test]
    fn nothing_to_train_on_and_negative_slopes_are_refused() {
        let s = Settings::default();
        assert_eq!(
            Trainer::new(s.clone(), &Data::Nothing).err(),
            Some(SettingsError::NoData)
        );
        let leaky = Settings {
            activation: Activation::LeakyRelu { slope: -0.2 },
            ..s
        };
        let t = Shape::Disc.draw(16).into();
        assert_eq!(
            Trainer::new(leaky, &t).err(),
            Some(SettingsError::NegativeSlope(-0.2))
        );
    }

    #[test]
    fn same_seed_same_bits_other_seed_other_bits() {
        let (s, t) = small(7);
        let mut a = Trainer::new(s.clone(), &t).unwrap();
        let mut b = Trainer::new(s.clone(), &t).unwrap();
        for _ in 0..50 {
            a.step().unwrap();
            b.step().unwrap();
            assert_eq!(a.net.params, b.net.params);
        }
        let mut c = Trainer::new(Settings { seed: 8, ..s }, &t).unwrap();
        c.steps(50).unwrap();
        assert_ne!(a.net.params, c.net.params);
    }

    #[test]
    fn resuming_from_a_snapshot_continues_bit_for_bit() {
        let (s, t) = small(3);
        let mut a = Trainer::new(s.clone(), &t).unwrap();
        a.steps(40).unwrap();
        let snap = a.snapshot();
        a.steps(60).unwrap();
        let mut b = Trainer::from_snapshot(s, &t, &snap).unwrap();
        b.steps(60).unwrap();
        assert_eq!(a.net.params, b.net.params);
        assert_eq!(a.iteration, b.iteration);
    }

    #[test]
    fn training_lowers_the_loss() {
        let (s, _) = small(1);
        let s = Settings {
            target: TargetSource::Builtin(Shape::Disc),
            iterations: 3000,
            lr: 1e-2,
            ..s
        };
        let mut tr = Trainer::new(s, &Shape::Disc.draw(32).into()).unwrap();
        let before = tr.evaluate();
        tr.steps(3000).unwrap();
        let after = tr.evaluate();
        assert!(
            after.loss < 0.3 * before.loss && after.accuracy > 0.95,
            "{before:?} → {after:?}"
        );
    }

    #[test]
    fn divergence_is_reported_with_its_iteration() {
        let (s, t) = small(2);
        let mut tr = Trainer::new(Settings { lr: 1e38, ..s }, &t).unwrap();
        let err = tr.steps(300).unwrap_err();
        assert!(err.iteration >= 1 && err.iteration <= 300, "{err}");
        assert!(
            err.to_string()
                .contains(&format!("iteration {}", err.iteration))
        );
    }

    #[test]
    fn bad_settings_are_named() {
        let (s, _) = small(1);
        assert_eq!(
            Settings {
                batch: 0,
                ..s.clone()
            }
            .validate(),
            Err(SettingsError::Batch(0))
        );
        assert!(matches!(
            Settings {
                lr: f64::NAN,
                ..s.clone()
            }
            .validate(),
            Err(SettingsError::LearningRate(_))
        ));
        assert!(
            Settings {
                widths: vec![],
                ..s
            }
            .validate()
            .is_err()
        );
    }
}
