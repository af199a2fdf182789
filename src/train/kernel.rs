//! The training kernel: forward and backward passes over a batch, hand-written.
//!
//! Why not nalgebra here: the matrices are tiny (16×16) and the batch is small, so a
//! general matrix library spends its time on dispatch and temporaries. These loops keep
//! every buffer batch-major and contiguous, allocate nothing per iteration, and sum into
//! fixed blocks of 16 accumulators that stay in vector registers. On x86-64 the same code
//! is compiled twice more, for AVX2 + FMA and for AVX-512 (16 lanes: one register per
//! block), and the best the CPU has is chosen at run time ([`KernelKind`]; the choice is
//! fixed per machine, so runs stay bit-reproducible on it; the two vector builds even agree
//! bit for bit, since every lane does the same fused operations in the same order).

#[cfg(target_arch = "x86_64")]
use super::lanes::{Avx2, Avx512};
use super::lanes::{
    BLOCK, Lanes, Plain, block, narrow_layer, outer_product_sum, rows_times_matrix,
};
use crate::nn::Network;

/// Reusable buffers for one batch size and architecture.
pub struct Kernel {
    /// Widths of every activation vector: inputs, hidden layers, logits.
    widths: Vec<usize>,
    capacity: usize,
    /// Weights transposed to `[in][out]` per layer, so the forward pass streams rows.
    weights_t: Vec<Vec<f32>>,
    /// `acts[l]` is the input of affine layer `l` (`acts[0]` the batch inputs), `[batch][width]`.
    acts: Vec<Vec<f32>>,
    logits: Vec<f32>,
    /// Weight gradients accumulated in `[in][out]` layout, per layer.
    grad_wt: Vec<Vec<f32>>,
    delta: Vec<f32>,
    delta_prev: Vec<f32>,
    zeros: Vec<f32>,
    /// Which build of the loops runs (the best the CPU has, unless chosen).
    kind: KernelKind,
    /// What an inactive hidden unit passes on: 0 for ReLU, the slope of a leaky ReLU.
    slope: f32,
}

/// The builds of the kernel's loops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KernelKind {
    /// Plain Rust, vectorised by the compiler for the baseline target (SSE2 on x86-64).
    Portable,
    /// AVX2 + FMA, 8 lanes (two registers per block of 16).
    Avx2,
    /// AVX-512F, 16 lanes (one register per block).
    Avx512,
}

impl KernelKind {
    pub const ALL: [KernelKind; 3] = [Self::Portable, Self::Avx2, Self::Avx512];

    /// Whether this CPU can run the build.
    pub fn available(self) -> bool {
        match self {
            Self::Portable => true,
            #[cfg(target_arch = "x86_64")]
            Self::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("fma")
            }
            #[cfg(target_arch = "x86_64")]
            Self::Avx512 => {
                Self::Avx2.available() && std::arch::is_x86_feature_detected!("avx512f")
            }
            #[cfg(not(target_arch = "x86_64"))]
            _ => false,
        }
    }

    /// The fastest build this CPU runs; `GINN_KERNEL=portable|avx2|avx512` overrides it
    /// (to compare, or to match results across machines with different extensions).
    pub fn best() -> Self {
        static BEST: std::sync::OnceLock<KernelKind> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| {
            let wanted = std::env::var("GINN_KERNEL")
                .ok()
                .and_then(|v| Self::parse(&v));
            match wanted {
                Some(k) if k.available() => k,
                _ => Self::ALL
                    .into_iter()
                    .rev()
                    .find(|k| k.available())
                    .unwrap_or(Self::Portable),
            }
        })
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Portable => "portable",
            Self::Avx2 => "avx2",
            Self::Avx512 => "avx512",
        }
    }
}

/// Outcome of a forward pass with a loss.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchLoss {
    /// Mean softmax cross-entropy.
    pub loss: f32,
    /// Number of correctly classified samples.
    pub correct: usize,
}

impl Kernel {
    pub fn new(net: &Network, capacity: usize) -> Self {
        let arch = &net.arch;
        let mut widths = vec![arch.fan_in(0)];
        widths.extend((0..arch.layers()).map(|l| arch.fan_out(l)));
        let layers = arch.layers();
        let widest = *widths.iter().max().expect("widths");
        Self {
            acts: (0..layers)
                .map(|l| vec![0.0; capacity * widths[l]])
                .collect(),
            logits: vec![0.0; capacity * widths[layers]],
            weights_t: (0..layers)
                .map(|l| vec![0.0; widths[l] * widths[l + 1]])
                .collect(),
            grad_wt: (0..layers)
                .map(|l| vec![0.0; widths[l] * widths[l + 1]])
                .collect(),
            delta: vec![0.0; capacity * widest],
            delta_prev: vec![0.0; capacity * widest],
            zeros: vec![0.0; widest],
            kind: KernelKind::best(),
            slope: arch.activation().slope(),
            widths,
            capacity,
        }
    }

    /// Uses the portable loops even where vector builds exist (to test every build).
    pub fn portable(self) -> Self {
        self.with_kind(KernelKind::Portable)
    }

    /// Uses build `kind` (the portable one when this CPU cannot run it).
    pub fn with_kind(mut self, kind: KernelKind) -> Self {
        self.kind = if kind.available() {
            kind
        } else {
            KernelKind::Portable
        };
        self
    }

    pub fn kind(&self) -> KernelKind {
        self.kind
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The input buffer, `[batch][2]`, to be filled before `forward`.
    pub fn inputs_mut(&mut self) -> &mut [f32] {
        &mut self.acts[0]
    }

    /// Logits of the last forward pass, `[batch][2]`.
    pub fn logits(&self) -> &[f32] {
        &self.logits
    }

    /// Forward pass of the first `batch` rows of the input buffer.
    pub fn forward(&mut self, net: &Network, batch: usize) {
        assert!(
            batch <= self.capacity,
            "batch exceeds the kernel's capacity"
        );
        match self.kind {
            // SAFETY: `kind` is a vector build only when the CPU has its features.
            #[cfg(target_arch = "x86_64")]
            KernelKind::Avx2 => unsafe { self.forward_avx2(net, batch) },
            #[cfg(target_arch = "x86_64")]
            KernelKind::Avx512 => unsafe { self.forward_avx512(net, batch) },
            _ => self.forward_with::<Plain>(net, batch),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn forward_avx2(&mut self, net: &Network, batch: usize) {
        self.forward_with::<Avx2>(net, batch)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn forward_avx512(&mut self, net: &Network, batch: usize) {
        self.forward_with::<Avx512>(net, batch)
    }

    #[inline(always)]
    fn forward_with<M: Lanes>(&mut self, net: &Network, batch: usize) {
        let layers = self.widths.len() - 1;
        for l in 0..layers {
            let (fin, fout) = (self.widths[l], self.widths[l + 1]);
            transpose(net.weight(l), fout, fin, &mut self.weights_t[l]);
            let bias = net.bias(l);
            let wt = &self.weights_t[l];
            let (before, after) = self.acts.split_at_mut(l + 1);
            let input = &before[l][..batch * fin];
            let hidden = l + 1 < layers;
            let output = if hidden {
                &mut after[0][..batch * fout]
            } else {
                &mut self.logits[..batch * fout]
            };
            let w = net.weight(l);
            if fout >= BLOCK {
                rows_times_matrix::<M>(output, bias, input, wt);
            } else {
                for (a, z) in input.chunks_exact(fin).zip(output.chunks_exact_mut(fout)) {
                    narrow_layer::<M>(z, bias, a, w);
                }
            }
            if hidden {
                let slope = self.slope;
                if slope == 0.0 {
                    output.iter_mut().for_each(|v| *v = v.max(0.0));
                } else {
                    output.iter_mut().for_each(|v| {
                        if *v <= 0.0 {
                            *v *= slope
                        }
                    });
                }
            }
        }
    }

    /// Mean cross-entropy and accuracy of the last forward pass against `labels`
    /// (one label per row, from the first).
    pub fn loss_of(&self, labels: &[u8]) -> BatchLoss {
        let mut total = 0.0f32;
        let mut correct = 0;
        let outputs = self.widths[self.widths.len() - 1];
        for (z, &t) in self.logits.chunks_exact(outputs).zip(labels) {
            let (loss, _) = sample_loss(z, t);
            total += loss;
            correct += usize::from(predicts_white(z) == (t == 1));
        }
        BatchLoss {
            loss: total / labels.len() as f32,
            correct,
        }
    }

    /// Forward, loss and backward pass; writes the gradient of the mean loss into `grad`
    /// (flat PyTorch layout, overwritten). `labels.len()` is the batch size.
    pub fn forward_backward(
        &mut self,
        net: &Network,
        labels: &[u8],
        grad: &mut [f32],
    ) -> BatchLoss {
        assert!(
            labels.len() <= self.capacity,
            "batch exceeds the kernel's capacity"
        );
        match self.kind {
            // SAFETY: `kind` is a vector build only when the CPU has its features.
            #[cfg(target_arch = "x86_64")]
            KernelKind::Avx2 => unsafe { self.forward_backward_avx2(net, labels, grad) },
            #[cfg(target_arch = "x86_64")]
            KernelKind::Avx512 => unsafe { self.forward_backward_avx512(net, labels, grad) },
            _ => self.forward_backward_with::<Plain>(net, labels, grad),
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx2,fma")]
    unsafe fn forward_backward_avx512(
        &mut self,
        net: &Network,
        labels: &[u8],
        grad: &mut [f32],
    ) -> BatchLoss {
        self.forward_backward_with::<Avx512>(net, labels, grad)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2,fma")]
    unsafe fn forward_backward_avx2(
        &mut self,
        net: &Network,
        labels: &[u8],
        grad: &mut [f32],
    ) -> BatchLoss {
        self.forward_backward_with::<Avx2>(net, labels, grad)
    }

    #[inline(always)]
    fn forward_backward_with<M: Lanes>(
        &mut self,
        net: &Network,
        labels: &[u8],
        grad: &mut [f32],
    ) -> BatchLoss {
        let batch = labels.len();
        self.forward_with::<M>(net, batch);
        let layers = self.widths.len() - 1;

        // The loss, and d loss / d logits = (softmax − one-hot) / batch (for one logit,
        // (sigmoid − label) / batch), from one softmax per sample (the same arithmetic as
        // `loss_of`, so the same bits).
        let scale = 1.0 / batch as f32;
        let outputs = self.widths[layers];
        let (mut total, mut correct) = (0.0f32, 0);
        for ((z, d), &t) in self
            .logits
            .chunks_exact(outputs)
            .zip(self.delta.chunks_exact_mut(outputs))
            .zip(labels)
        {
            let (loss, p) = sample_loss(z, t);
            total += loss;
            correct += usize::from(predicts_white(z) == (t == 1));
            match outputs {
                1 => d[0] = (p[1] - f32::from(t == 1)) * scale,
                _ => {
                    d[0] = (p[0] - f32::from(t == 0)) * scale;
                    d[1] = (p[1] - f32::from(t == 1)) * scale;
                }
            }
        }
        let result = BatchLoss {
            loss: total / batch as f32,
            correct,
        };

        for l in (0..layers).rev() {
            let (fin, fout) = (self.widths[l], self.widths[l + 1]);
            let input = &self.acts[l][..batch * fin];
            let delta = &self.delta[..batch * fout];
            let o = net.arch.offset(l);
            let (gw, rest) = grad[o..].split_at_mut(fout * fin);
            let gb = &mut rest[..fout];
            outer_product_sum::<M>(&mut self.grad_wt[l], input, delta, fin, fout);
            transpose(&self.grad_wt[l], fin, fout, gw);
            if fout.is_multiple_of(BLOCK) {
                // Summed in registers, row by row (1·x + acc is exact, so the same bits as
                // adding in memory, without a store and reload per row).
                for o in (0..fout).step_by(BLOCK) {
                    let mut acc = M::zero();
                    for d in delta.chunks_exact(fout) {
                        acc = M::mul_add(acc, 1.0, block(d, o));
                    }
                    M::store(acc, (&mut gb[o..o + BLOCK]).try_into().expect("block"));
                }
            } else {
                gb.fill(0.0);
                for d in delta.chunks_exact(fout) {
                    gb.iter_mut().zip(d).for_each(|(g, &v)| *g += v);
                }
            }

            if l > 0 {
                // Back through W and the ReLU of the layer below (a unit is on the
                // inactive side where its activation is ≤ 0: with a slope ≥ 0 that is where
                // its pre-activation is ≤ 0, as PyTorch's gradient counts it).
                let w = net.weight(l);
                let prev = &mut self.delta_prev[..batch * fin];
                let zero = &self.zeros[..fin];
                rows_times_matrix::<M>(prev, zero, delta, w);
                let slope = self.slope;
                prev.iter_mut().zip(input).for_each(|(g, &av)| {
                    if av <= 0.0 {
                        *g *= slope;
                    }
                });
                std::mem::swap(&mut self.delta, &mut self.delta_prev);
            }
        }
        result
    }
}

/// `dst[c][r] = src[r][c]` for a `rows × cols` matrix.
fn transpose(src: &[f32], rows: usize, cols: usize, dst: &mut [f32]) {
    for (r, row) in src.chunks_exact(cols).enumerate() {
        for (c, &v) in row.iter().enumerate() {
            dst[c * rows + r] = v;
        }
    }
}

/// One sample's loss and class probabilities `[black, white]`: softmax cross-entropy for
/// two logits, binary cross-entropy on the logit (`BCEWithLogitsLoss`) for one.
#[inline]
fn sample_loss(z: &[f32], t: u8) -> (f32, [f32; 2]) {
    match *z {
        [z] => {
            // softplus(z) − t·z = log(1 + e^z) − t·z, stably: the pair (0, z).
            let (lse, p0, p1) = log_softmax_pair(0.0, z);
            (lse - if t == 1 { z } else { 0.0 }, [p0, p1])
        }
        _ => {
            let (lse, p0, p1) = log_softmax_pair(z[0], z[1]);
            (lse - z[t as usize], [p0, p1])
        }
    }
}

/// Whether the logits say white: `z₁ > z₀`, or `z > 0` for one logit.
#[inline]
fn predicts_white(z: &[f32]) -> bool {
    match *z {
        [z] => z > 0.0,
        _ => z[1] > z[0],
    }
}

/// log-sum-exp of two logits and the softmax probabilities, computed stably.
#[inline]
fn log_softmax_pair(z0: f32, z1: f32) -> (f32, f32, f32) {
    let m = z0.max(z1);
    let (e0, e1) = ((z0 - m).exp(), (z1 - m).exp());
    let s = e0 + e1;
    (m + s.ln(), e0 / s, e1 / s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Architecture;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Mean cross-entropy in f64 with f64 parameters: the finite-difference reference.
    fn loss_f64(arch: &Architecture, params: &[f64], inputs: &[f32], labels: &[u8]) -> f64 {
        let mut total = 0.0;
        for (x, &t) in inputs.chunks_exact(2).zip(labels) {
            let mut act: Vec<f64> = x.iter().map(|&v| v as f64).collect();
            for l in 0..arch.layers() {
                let (fin, fout) = (arch.fan_in(l), arch.fan_out(l));
                let o = arch.offset(l);
                let (w, b) = (
                    &params[o..o + fin * fout],
                    &params[o + fin * fout..o + fin * fout + fout],
                );
                let z: Vec<f64> = (0..fout)
                    .map(|j| b[j] + (0..fin).map(|i| w[j * fin + i] * act[i]).sum::<f64>())
                    .collect();
                act = if l + 1 < arch.layers() {
                    z.iter().map(|&v| arch.activation().apply(v)).collect()
                } else {
                    z
                };
            }
            // BCE on one logit as PyTorch writes it: −[t·log σ(z) + (1−t)·log(1−σ(z))].
            if let [z] = act[..] {
                let s = 1.0 / (1.0 + (-z).exp());
                total -= if t == 1 { s.ln() } else { (1.0 - s).ln() };
                continue;
            }
            let m = act[0].max(act[1]);
            let lse = m + ((act[0] - m).exp() + (act[1] - m).exp()).ln();
            total += lse - act[t as usize];
        }
        total / labels.len() as f64
    }

    /// Every build this CPU runs: the gradient against finite differences, and the two
    /// vector builds against each other bit for bit.
    fn check_gradient(widths: &[usize], seed: u64) {
        check_gradient_of(&Architecture::new(widths).unwrap(), seed);
    }

    fn check_gradient_of(arch: &Architecture, seed: u64) {
        let widths = arch.hidden();
        let builds: Vec<KernelKind> = KernelKind::ALL
            .into_iter()
            .filter(|k| k.available())
            .collect();
        let grads: Vec<(KernelKind, Vec<f32>)> = builds
            .iter()
            .map(|&k| (k, check_gradient_with(arch, seed, k)))
            .collect();
        let vector: Vec<&Vec<f32>> = grads
            .iter()
            .filter(|(k, _)| *k != KernelKind::Portable)
            .map(|(_, g)| g)
            .collect();
        for g in &vector[1..] {
            assert_eq!(
                *g, vector[0],
                "AVX2 and AVX-512 builds differ for {widths:?}"
            );
        }
    }

    fn check_gradient_with(arch: &Architecture, seed: u64, kind: KernelKind) -> Vec<f32> {
        let (arch, widths) = (arch.clone(), arch.hidden());
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let net = Network::init(arch.clone(), &mut rng);
        let batch = 13;
        let inputs: Vec<f32> = (0..2 * batch).map(|_| rng.random::<f32>()).collect();
        let labels: Vec<u8> = (0..batch).map(|_| rng.random_range(0..2)).collect();
        let mut kernel = Kernel::new(&net, batch).with_kind(kind);
        assert_eq!(kernel.kind(), kind);
        kernel.inputs_mut().copy_from_slice(&inputs);
        let mut grad = vec![0.0; net.params.len()];
        let out = kernel.forward_backward(&net, &labels, &mut grad);

        let p: Vec<f64> = net.params.iter().map(|&v| v as f64).collect();
        assert!((out.loss as f64 - loss_f64(&arch, &p, &inputs, &labels)).abs() < 1e-5);
        let h = 1e-6;
        let scale = grad.iter().fold(0.0f32, |m, g| m.max(g.abs())) as f64;
        for i in 0..p.len() {
            let (mut plus, mut minus) = (p.clone(), p.clone());
            plus[i] += h;
            minus[i] -= h;
            let numeric = (loss_f64(&arch, &plus, &inputs, &labels)
                - loss_f64(&arch, &minus, &inputs, &labels))
                / (2.0 * h);
            let err = (grad[i] as f64 - numeric).abs() / numeric.abs().max(1e-2 * scale);
            assert!(
                err < 1e-3,
                "{kind:?} widths {widths:?} parameter {i}: analytic {} numeric {numeric}",
                grad[i]
            );
        }
        grad
    }

    #[test]
    fn gradient_matches_finite_differences_for_other_shapes() {
        check_gradient(&[7], 3);
        check_gradient(&[5, 3, 9, 1, 4], 4);
        check_gradient(&[16, 16, 16], 5);
        check_gradient(&[1, 33], 6);
        check_gradient(&[40, 17], 7);
    }

    #[test]
    fn gradient_matches_finite_differences_for_leaky_relu_and_one_logit() {
        use crate::nn::Activation;
        let leaky = Activation::LeakyRelu { slope: 0.1 };
        check_gradient_of(&Architecture::general(&[12, 12], 2, leaky).unwrap(), 8);
        check_gradient_of(&Architecture::general(&[16, 16, 16], 2, leaky).unwrap(), 9);
        check_gradient_of(
            &Architecture::general(&[8, 8], 1, Activation::Relu).unwrap(),
            10,
        );
        let steep = Activation::LeakyRelu { slope: 1.5 };
        check_gradient_of(&Architecture::general(&[5, 20], 1, steep).unwrap(), 11);
    }
}
