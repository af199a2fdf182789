//! GINN's own method: evaluate every hidden unit on an N×N grid and look for sign changes.
//! Here as a test oracle for the exact engine and as the speed baseline it is compared to.

use super::Rect;
use crate::nn::Network;

/// Activation patterns of an `n × n` grid of cell centres over `rect`, row-major, and the
/// same layout of bits as `Region::pattern`.
pub struct GridPatterns {
    pub n: usize,
    /// Words per point.
    pub stride: usize,
    pub bits: Vec<u64>,
}

impl GridPatterns {
    pub fn pattern(&self, i: usize) -> &[u64] {
        &self.bits[i * self.stride..(i + 1) * self.stride]
    }

    /// Number of distinct patterns seen.
    pub fn distinct(&self) -> usize {
        let mut all: Vec<&[u64]> = self.bits.chunks_exact(self.stride.max(1)).collect();
        all.sort_unstable();
        all.dedup();
        all.len()
    }

    /// Centre of grid cell `i`.
    pub fn point(&self, rect: Rect, i: usize) -> [f64; 2] {
        rect.pixel_centre(i, self.n, self.n)
    }

    /// GINN's boundary pixels for hidden unit `k` (layer-major): cells whose on/off state
    /// differs from the cell to the right or below.
    pub fn boundary_mask(&self, hidden: &[usize], k: usize) -> Vec<bool> {
        let n = super::partition::neuron_at(hidden, k);
        let bit = super::partition::region_bit_offset(hidden, n.layer) + n.index;
        let on = |i: usize| super::partition::bit(self.pattern(i), bit);
        let n = self.n;
        (0..n * n)
            .map(|i| {
                let (c, r) = (i % n, i / n);
                (c + 1 < n && on(i) != on(i + 1)) || (r + 1 < n && on(i) != on(i + n))
            })
            .collect()
    }
}

/// Evaluates the network at every grid cell centre (f64, no allocation per point).
pub fn patterns(net: &Network, rect: Rect, n: usize) -> GridPatterns {
    let hidden = net.arch.hidden();
    let stride: usize = hidden.iter().map(|&w| super::partition::words(w)).sum();
    let layers: Vec<(Vec<f64>, Vec<f64>)> = (0..hidden.len())
        .map(|l| (net.weight_f64(l), net.bias_f64(l)))
        .collect();
    let widest = net.arch.widest();
    let activation = net.arch.activation();
    let (mut a, mut z) = (vec![0.0; widest], vec![0.0; widest]);
    let mut bits = vec![0u64; n * n * stride];
    let mut g = GridPatterns {
        n,
        stride,
        bits: Vec::new(),
    };
    for i in 0..n * n {
        let p = g.point(rect, i);
        a[..2].copy_from_slice(&p);
        let mut fan_in = 2;
        let mut word = i * stride;
        for ((w, b), &width) in layers.iter().zip(hidden) {
            for (j, (row, &bj)) in w.chunks_exact(fan_in).zip(b).enumerate() {
                z[j] = row
                    .iter()
                    .zip(&a[..fan_in])
                    .fold(bj, |s, (&wi, &ai)| s + wi * ai);
                if z[j] > 0.0 {
                    bits[word + j / 64] |= 1 << (j % 64);
                }
            }
            for j in 0..width {
                a[j] = activation.apply(z[j]);
            }
            fan_in = width;
            word += super::partition::words(width);
        }
    }
    g.bits = bits;
    g
}
