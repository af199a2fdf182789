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
/// activations: `a_j(x, y) = unit_map(r, j) · (x, y, 1)`.
///
/// The maps are stored once per region of the layer *below* (all regions cut from one
/// parent share its pre-activation maps; a unit's activation is that map where the unit is
/// active and 0 elsewhere), so a region costs only its polygon and pattern.
#[derive(Clone, Debug, Default)]
pub struct LayerPartition {
    pub regions: Vec<Region>,
    /// Units in this layer: the stride of `pre`.
    pub width: usize,
    /// Pre-activation maps, `[parent region][unit]`.
    pre: Vec<[f64; 3]>,
    /// Where this layer's bits start in a region's pattern.
    bit_offset: usize,
}

impl LayerPartition {
    /// The affine map of unit `j`'s activation on region `r`.
    #[inline]
    pub fn unit_map(&self, r: usize, j: usize) -> [f64; 3] {
        let region = &self.regions[r];
        if bit(&region.pattern, self.bit_offset + j) {
            self.pre[region.parent as usize * self.width + j]
        } else {
            [0.0; 3]
        }
    }
}

/// How big a partition may grow before splitting stops, so that no snapshot can exhaust
/// memory: a number of regions, and an estimate of the bytes the partition needs (on wide
/// layers the per-vertex pre-activations dominate).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limit {
    pub regions: usize,
    pub bytes: usize,
}

impl Limit {
    /// Two million regions or 2 GiB; `GINN_MAX_REGIONS` sets the region count.
    pub fn from_env() -> Self {
        let regions = std::env::var("GINN_MAX_REGIONS")
            .ok()
            .and_then(|v| v.trim().replace('_', "").parse().ok())
            .unwrap_or(2_000_000);
        Self {
            regions,
            bytes: 2 << 30,
        }
    }
}

/// Where and why a partition stopped short of the last layer.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{}", self.reason())]
pub struct Truncation {
    /// The hidden layer (0-based) whose partition was too big; layers before it are whole.
    pub layer: usize,
    /// The region limit in force.
    pub limit: usize,
    pub what: Exceeded,
}

impl Truncation {
    fn reason(&self) -> String {
        match self.what {
            Exceeded::Regions => format!(
                "this snapshot has more than {} linear regions (reached in layer {})",
                self.limit,
                self.layer + 1
            ),
            Exceeded::Memory(b) => format!(
                "this snapshot's partition would need more than {:.1} GB (reached in layer {})",
                b as f64 / 1e9,
                self.layer + 1
            ),
        }
    }

    /// What a view of the truncated partition shows, in words.
    pub fn showing(&self) -> String {
        match self.layer {
            0 => "no boundaries are shown".into(),
            1 => "showing layer 1".into(),
            l => format!("showing layers 1–{l}"),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Exceeded {
    Regions,
    /// The partition's estimated size in bytes.
    Memory(usize),
}

/// Estimated bytes of a partition with `vertices` vertices (each carrying `width` values of
/// the layer being split) and `regions` regions with patterns of `words` words.
fn estimated_bytes(vertices: usize, width: usize, regions: usize, words: usize) -> usize {
    vertices * (16 + 8 * width) + regions * (std::mem::size_of::<Region>() + 32 + 8 * words)
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
    pub truncated: Option<Truncation>,
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

pub(super) fn split(net: &Network, rect: Rect, limit: Limit) -> Split {
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
        width: 2,
        pre: vec![],
        bit_offset: 0,
    };
    // The "activations" of the input layer are the coordinates themselves.
    let input_map = |l: usize, layer: &LayerPartition, r: usize, i: usize| {
        if l == 0 {
            [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]][i]
        } else {
            layer.unit_map(r, i)
        }
    };
    let mut act: Vec<f64> = vertices.iter().flat_map(|p| [p[0], p[1]]).collect();
    let mut act_width = 2;
    let mut layers: Vec<LayerPartition> = Vec::with_capacity(hidden);
    let mut segments = Vec::with_capacity(arch.neuron_count());
    let mut scratch = Scratch::default();

    let mut truncated = None;
    'layers: for l in 0..hidden {
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
                // Most lines miss a given region (more so the wider the layer): when the
                // line is strictly on one side of every corner of the region, it is on
                // that side of every piece too (pieces are convex parts of the region), so
                // the unit's bit is settled without looking at the pieces.
                let (mut pos, mut neg) = (false, false);
                let mut touches = false;
                for &v in &region.polygon {
                    let s = vals[v as usize * width + j];
                    pos |= s > 0.0;
                    neg |= s < 0.0;
                    touches |= s == 0.0;
                }
                if !touches && !(pos && neg) {
                    if pos {
                        scratch.set_bit(j);
                    }
                    continue;
                }
                let mut ctx = SplitCtx {
                    vertices: &mut vertices,
                    vals: &mut vals,
                    width,
                    cache: &mut cache,
                    neuron: j,
                };
                scratch.split_all(&mut ctx, segments);
            }
            let words_so_far = region.pattern.len() + nwords;
            let bytes = estimated_bytes(vertices.len(), width, next.len(), words_so_far);
            if next.len() + scratch.pieces.len() > limit.regions || bytes > limit.bytes {
                truncated = Some(Truncation {
                    layer: l,
                    limit: limit.regions,
                    what: if bytes > limit.bytes {
                        Exceeded::Memory(bytes)
                    } else {
                        Exceeded::Regions
                    },
                });
                break 'layers;
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
        let wt = transpose(&weights[l], width, prev.width);
        let mut pre = vec![[0.0; 3]; prev.regions.len() * width];
        let fill = |scratch: &mut Vec<f64>, (r, out): (usize, &mut [[f64; 3]])| {
            let m = |i| input_map(l, prev, r, i);
            compose(&wt, &biases[l], prev.width, m, out, scratch);
        };
        if prev.regions.len() >= PARALLEL_REGIONS {
            use rayon::prelude::*;
            pre.par_chunks_mut(width)
                .enumerate()
                .for_each_init(Vec::new, fill);
        } else {
            let mut scratch = Vec::new();
            for item in pre.chunks_mut(width).enumerate() {
                fill(&mut scratch, item);
            }
        }
        act = vals.iter().map(|v| v.max(0.0)).collect();
        act_width = width;
        segments.extend(layer_segments);
        layers.push(LayerPartition {
            regions: next,
            width,
            pre,
            bit_offset: region_bit_offset(arch.hidden(), l),
        });
    }
    if truncated.is_some() {
        // The layers that were not finished are there, empty, so every layer and unit can
        // still be asked for; the prediction then comes from the network pixel by pixel.
        while layers.len() < hidden {
            let l = layers.len();
            layers.push(LayerPartition {
                regions: vec![],
                width: arch.hidden()[l],
                pre: vec![],
                bit_offset: region_bit_offset(arch.hidden(), l),
            });
        }
        segments.resize_with(arch.neuron_count(), Vec::new);
        return Split {
            vertices,
            layers,
            segments,
            decision: vec![],
            logits: vec![],
            truncated,
        };
    }
    let last = layers.last().unwrap_or(&whole);

    let out = arch.layers() - 1;
    let logit_vals = layer_values(&weights[out], &biases[out], &act, act_width, 2);
    let wt = transpose(&weights[out], 2, act_width);
    let mut scratch = Vec::new();
    let logits: Vec<[[f64; 3]; 2]> = (0..last.regions.len())
        .map(|r| {
            let mut z = [[0.0; 3]; 2];
            let m = |i| input_map(hidden, last, r, i);
            compose(&wt, &biases[out], last.width, m, &mut z, &mut scratch);
            z
        })
        .collect();
    let decision = decision_segments(&last.regions, &vertices, &logit_vals);
    Split {
        vertices,
        layers,
        segments,
        decision,
        logits,
        truncated: None,
    }
}

/// Offset of layer `l`'s first bit in a region's pattern.
pub(super) fn region_bit_offset(hidden: &[usize], l: usize) -> usize {
    hidden[..l].iter().map(|&w| words(w) * 64).sum()
}

pub(super) fn bit(pattern: &[u64], i: usize) -> bool {
    pattern.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// From this many regions (or vertices) on, the per-region products run on all cores.
const PARALLEL_REGIONS: usize = 2048;

/// `W` (`[out][in]`) as `[in][out]`, so that one input's weights to every output are
/// contiguous.
fn transpose(w: &[f64], outs: usize, ins: usize) -> Vec<f64> {
    let mut t = vec![0.0; w.len()];
    for (j, row) in w.chunks_exact(ins).enumerate() {
        for (i, &v) in row.iter().enumerate() {
            t[i * outs + j] = v;
        }
    }
    t
}

/// Pre-activations `W·a + b` of one layer at every vertex (`act` is `[vertex][fan_in]`).
///
/// Summed input by input over contiguous rows of `Wᵀ` (vectorised over the layer's units)
/// in the same order as the plain dot product, and skipping inputs that are exactly 0 —
/// inactive ReLUs, often half of them — which add nothing.
fn layer_values(w: &[f64], b: &[f64], act: &[f64], fan_in: usize, width: usize) -> Vec<f64> {
    let wt = transpose(w, width, fan_in);
    let vertices = act.len() / fan_in;
    let mut out = vec![0.0; vertices * width];
    let one = |(a, o): (&[f64], &mut [f64])| {
        o.copy_from_slice(b);
        for (&ai, row) in a.iter().zip(wt.chunks_exact(width)) {
            if ai != 0.0 {
                o.iter_mut().zip(row).for_each(|(oj, &wj)| *oj += wj * ai);
            }
        }
    };
    if vertices >= PARALLEL_REGIONS {
        use rayon::prelude::*;
        act.par_chunks_exact(fan_in)
            .zip(out.par_chunks_exact_mut(width))
            .for_each(one);
    } else {
        act.chunks_exact(fan_in)
            .zip(out.chunks_exact_mut(width))
            .for_each(one);
    }
    out
}

/// `out = W·M + b` for the affine map `M` whose row `i` is `m(i)` (`[a, b, c]` meaning
/// `a·x + b·y + c`), with `wt` = `Wᵀ`. Rows that are zero (inactive units) are skipped.
/// The three coefficients are summed in separate contiguous arrays, so each input's update
/// is a vectorised pass over the layer's units; per unit the order of the sum is the
/// plain one (input by input).
fn compose(
    wt: &[f64],
    b: &[f64],
    fan_in: usize,
    m: impl Fn(usize) -> [f64; 3],
    out: &mut [[f64; 3]],
    scratch: &mut Vec<f64>,
) {
    let width = out.len();
    scratch.clear();
    scratch.resize(3 * width, 0.0);
    let (x, rest) = scratch.split_at_mut(width);
    let (y, c) = rest.split_at_mut(width);
    c.copy_from_slice(b);
    for (i, row) in (0..fan_in).zip(wt.chunks_exact(width)) {
        let mi = m(i);
        if mi == [0.0; 3] {
            continue;
        }
        for (((xj, yj), cj), &wi) in x.iter_mut().zip(y.iter_mut()).zip(c.iter_mut()).zip(row) {
            *xj += wi * mi[0];
            *yj += wi * mi[1];
            *cj += wi * mi[2];
        }
    }
    for (j, o) in out.iter_mut().enumerate() {
        *o = [x[j], y[j], c[j]];
    }
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
