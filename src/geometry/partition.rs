//! The exact partition of a rectangle of the input plane into the network's linear
//! regions, layer by layer, and each hidden neuron's boundary inside it.
//!
//! The method (`../shared/GINN.md` §3): start from the rectangle; for layer l, every
//! layer-l pre-activation is affine inside each region of the partition made by layers < l,
//! so each neuron's zero set there is the region clipped by one line. Splitting every region
//! by every layer-l neuron gives the next partition.
//!
//! What keeps it exact and consistent:
//! - Pre-activations are stored per *vertex*, not per region. A vertex shared by several
//!   regions has one value per neuron, so every region decides the same side for it; points
//!   exactly on a line (value 0) belong to both sides. The one sign rule: a unit is active
//!   where its pre-activation is > 0.
//! - A split vertex on edge (u, v) is created once per neuron and reused by the region on
//!   the other side of the edge, so boundary segments share endpoints and chain into
//!   continuous polylines, and the partition has no cracks.
//! - Values at a new vertex are interpolated along its edge, where every pre-activation of
//!   the current layer is affine; the crossing neuron's value is set to exactly 0.

use super::Rect;
use super::split::{Scratch, SplitCtx};
use crate::nn::{Network, NeuronId};
use rustc_hash::FxHashMap;

/// A convex polygon of the partition with a fixed activation pattern.
#[derive(Clone, Debug)]
pub struct Region {
    /// Vertex indices in order around the polygon.
    pub polygon: Vec<u32>,
    /// Activation bits of every hidden layer so far, layer by layer, 64 units per word.
    pub pattern: Vec<u64>,
    /// Stable identity derived from the pattern (so colours do not flicker between frames).
    pub id: u64,
    /// The region of the previous layer's partition this one was cut from.
    pub parent: u32,
}

/// The partition after one hidden layer, with each region's affine map of that layer's
/// activations: `a_j(x, y) = map(r)[j] · (x, y, 1)`.
#[derive(Clone, Debug, Default)]
pub struct LayerPartition {
    pub regions: Vec<Region>,
    /// Units in this layer: the stride of `maps`.
    pub width: usize,
    maps: Vec<[f64; 3]>,
}

impl LayerPartition {
    /// The affine map of this layer's activations on region `r` (one row per unit).
    pub fn map(&self, r: usize) -> &[[f64; 3]] {
        &self.maps[r * self.width..(r + 1) * self.width]
    }
}

/// Raw output of the splitting pass, before polylines are chained.
pub(super) struct Split {
    pub vertices: Vec<[f64; 2]>,
    pub layers: Vec<LayerPartition>,
    /// Boundary segments (vertex pairs) per neuron, layer-major.
    pub segments: Vec<Vec<(u32, u32)>>,
    /// Decision-boundary segments as point pairs.
    pub decision: Vec<([f64; 2], [f64; 2])>,
    /// Logit maps of the final regions: `z_k(x, y) = logits[r][k] · (x, y, 1)`.
    pub logits: Vec<[[f64; 3]; 2]>,
}

/// Words of pattern needed for `width` units.
pub(super) fn words(width: usize) -> usize {
    width.div_ceil(64)
}

/// FNV-1a of the pattern words: the same pattern gives the same id in every frame.
pub fn pattern_id(pattern: &[u64]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in pattern {
        for b in w.to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

pub(super) fn split(net: &Network, rect: Rect) -> Split {
    let arch = &net.arch;
    let hidden = arch.hidden().len();
    let weights: Vec<Vec<f64>> = (0..arch.layers())
        .map(|l| net.weight(l).iter().map(|&v| v as f64).collect())
        .collect();
    let biases: Vec<Vec<f64>> = (0..arch.layers())
        .map(|l| net.bias(l).iter().map(|&v| v as f64).collect())
        .collect();

    let mut vertices = rect.corners().to_vec();
    let whole = LayerPartition {
        regions: vec![Region {
            polygon: vec![0, 1, 2, 3],
            pattern: vec![],
            id: pattern_id(&[]),
            parent: 0,
        }],
        // The identity: "activations" of the input layer are the coordinates.
        width: 2,
        maps: vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]],
    };
    let mut act: Vec<f64> = vertices.iter().flat_map(|p| [p[0], p[1]]).collect();
    let mut act_width = 2;
    let mut layers: Vec<LayerPartition> = Vec::with_capacity(hidden);
    let mut segments = Vec::with_capacity(arch.neuron_count());
    let mut scratch = Scratch::default();

    for l in 0..hidden {
        let width = arch.hidden()[l];
        let mut vals = layer_values(&weights[l], &biases[l], &act, act_width, width);
        let mut layer_segments = vec![Vec::new(); width];
        let mut next = Vec::new();
        let mut cache: FxHashMap<(u32, u32, u32), u32> = FxHashMap::default();
        let prev = layers.last().unwrap_or(&whole);
        let nwords = words(width);
        for (ri, region) in prev.regions.iter().enumerate() {
            scratch.reset(&region.polygon);
            for (j, segments) in layer_segments.iter_mut().enumerate() {
                let mut ctx = SplitCtx {
                    vertices: &mut vertices,
                    vals: &mut vals,
                    width,
                    cache: &mut cache,
                    neuron: j,
                };
                scratch.split_all(&mut ctx, segments);
            }
            for piece in &scratch.pieces {
                let mut pattern = Vec::with_capacity(region.pattern.len() + nwords);
                pattern.extend_from_slice(&region.pattern);
                pattern.extend_from_slice(&piece.bits[..nwords]);
                let polygon = scratch.polys[piece.start..piece.end].to_vec();
                next.push(Region {
                    polygon,
                    id: pattern_id(&pattern),
                    pattern,
                    parent: ri as u32,
                });
            }
        }
        // Affine maps: the pre-activation map is shared by all children of one parent.
        let mut pre = Vec::with_capacity(prev.regions.len() * width);
        for r in 0..prev.regions.len() {
            compose(&weights[l], &biases[l], prev.map(r), &mut pre);
        }
        let offset = region_bit_offset(arch.hidden(), l);
        let mut maps = Vec::with_capacity(next.len() * width);
        for r in &next {
            let p = &pre[r.parent as usize * width..(r.parent as usize + 1) * width];
            maps.extend((0..width).map(|j| {
                if bit(&r.pattern, offset + j) {
                    p[j]
                } else {
                    [0.0; 3]
                }
            }));
        }
        act = vals.iter().map(|v| v.max(0.0)).collect();
        act_width = width;
        segments.extend(layer_segments);
        layers.push(LayerPartition {
            regions: next,
            width,
            maps,
        });
    }
    let last = layers.last().unwrap_or(&whole);

    let out = arch.layers() - 1;
    let logit_vals = layer_values(&weights[out], &biases[out], &act, act_width, 2);
    let mut z = Vec::with_capacity(2);
    let logits: Vec<[[f64; 3]; 2]> = (0..last.regions.len())
        .map(|r| {
            z.clear();
            compose(&weights[out], &biases[out], last.map(r), &mut z);
            [z[0], z[1]]
        })
        .collect();
    let decision = decision_segments(&last.regions, &vertices, &logit_vals);
    Split {
        vertices,
        layers,
        segments,
        decision,
        logits,
    }
}

/// Offset of layer `l`'s first bit in a region's pattern.
pub(super) fn region_bit_offset(hidden: &[usize], l: usize) -> usize {
    hidden[..l].iter().map(|&w| words(w) * 64).sum()
}

pub(super) fn bit(pattern: &[u64], i: usize) -> bool {
    pattern.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// Pre-activations `W·a + b` of one layer at every vertex (`act` is `[vertex][fan_in]`).
fn layer_values(w: &[f64], b: &[f64], act: &[f64], fan_in: usize, width: usize) -> Vec<f64> {
    let mut out = Vec::with_capacity(act.len() / fan_in * width);
    for a in act.chunks_exact(fan_in) {
        for (row, &bj) in w.chunks_exact(fan_in).zip(b) {
            out.push(row.iter().zip(a).fold(bj, |s, (&wi, &ai)| s + wi * ai));
        }
    }
    out
}

/// `W·M + b` for an affine map `M` (rows `[a, b, c]` meaning `a·x + b·y + c`).
fn compose(w: &[f64], b: &[f64], m: &[[f64; 3]], out: &mut Vec<[f64; 3]>) {
    let fan_in = m.len();
    out.extend(w.chunks_exact(fan_in).zip(b).map(|(row, &bj)| {
        let mut r = [0.0, 0.0, bj];
        for (&wi, mi) in row.iter().zip(m) {
            r[0] += wi * mi[0];
            r[1] += wi * mi[1];
            r[2] += wi * mi[2];
        }
        r
    }));
}

/// Where the two logits are equal, inside each final region (which it does not split).
fn decision_segments(
    regions: &[Region],
    vertices: &[[f64; 2]],
    logits: &[f64],
) -> Vec<([f64; 2], [f64; 2])> {
    let d = |v: u32| logits[v as usize * 2 + 1] - logits[v as usize * 2];
    let mut out = Vec::new();
    let mut cache: FxHashMap<(u32, u32), [f64; 2]> = FxHashMap::default();
    for r in regions {
        let n = r.polygon.len();
        let mut points = Vec::with_capacity(2);
        for k in 0..n {
            let (u, v) = (r.polygon[k], r.polygon[(k + 1) % n]);
            let (du, dv) = (d(u), d(v));
            if du == 0.0 {
                points.push(vertices[u as usize]);
            } else if (du > 0.0) != (dv > 0.0) && dv != 0.0 {
                let key = (u.min(v), u.max(v));
                let p = *cache.entry(key).or_insert_with(|| {
                    let (a, b) = (key.0, key.1);
                    let t = d(a) / (d(a) - d(b));
                    let (pa, pb) = (vertices[a as usize], vertices[b as usize]);
                    [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])]
                });
                points.push(p);
            }
        }
        if points.len() >= 2 {
            out.push((points[0], points[points.len() - 1]));
        }
    }
    out
}

/// Layer and index of the `k`-th neuron in layer-major order.
pub(super) fn neuron_at(hidden: &[usize], mut k: usize) -> NeuronId {
    for (layer, &w) in hidden.iter().enumerate() {
        if k < w {
            return NeuronId { layer, index: k };
        }
        k -= w;
    }
    panic!("neuron index out of range")
}
