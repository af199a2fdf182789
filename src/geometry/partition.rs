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
/// active and 0 elsewhere, or `slope ×` it for a leaky ReLU), so a region costs only its
/// polygon and pattern.
#[derive(Clone, Debug, Default)]
pub struct LayerPartition {
    pub regions: Vec<Region>,
    /// Units in this layer: the stride of `pre`.
    pub width: usize,
    /// Pre-activation maps, `[parent region][unit]`.
    pre: Vec<[f64; 3]>,
    /// Where this layer's bits start in a region's pattern.
    bit_offset: usize,
    /// What an inactive unit passes on (0 for ReLU).
    slope: f64,
}

impl LayerPartition {
    /// The affine map of unit `j`'s pre-activation on region `r`.
    #[inline]
    pub fn pre_map(&self, r: usize, j: usize) -> [f64; 3] {
        self.pre[self.regions[r].parent as usize * self.width + j]
    }

    /// The affine map of unit `j`'s activation on region `r`.
    #[inline]
    pub fn unit_map(&self, r: usize, j: usize) -> [f64; 3] {
        let region = &self.regions[r];
        let m = self.pre[region.parent as usize * self.width + j];
        if bit(&region.pattern, self.bit_offset + j) {
            m
        } else if self.slope == 0.0 {
            [0.0; 3]
        } else {
            m.map(|v| self.slope * v)
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
        slope: 0.0,
    };
    let activation = arch.activation();
    let slope = activation.slope() as f64;
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
            // Most lines miss a given region (more so the wider the layer). Signs at the
            // region's corners, as bitmasks over the layer's units: a unit strictly on one
            // side at every corner is on that side of every piece too (pieces are convex
            // parts of the region), so its bit is settled for all of them at once; only
            // the units whose lines cut or touch the region split pieces.
            let (mut pos, mut neg, mut zero) = ([0u64; 4], [0u64; 4], [0u64; 4]);
            for &v in &region.polygon {
                let row = &vals[v as usize * width..(v as usize + 1) * width];
                for (k, chunk) in row.chunks(64).enumerate() {
                    let (mut p, mut n, mut z) = (0u64, 0u64, 0u64);
                    for (b, &x) in chunk.iter().enumerate() {
                        p |= u64::from(x > 0.0) << b;
                        n |= u64::from(x < 0.0) << b;
                        z |= u64::from(x == 0.0) << b;
                    }
                    pos[k] |= p;
                    neg[k] |= n;
                    zero[k] |= z;
                }
            }
            let mut settled = [0u64; 4];
            let mut cut = [0u64; 4];
            for k in 0..4 {
                settled[k] = pos[k] & !neg[k] & !zero[k];
                cut[k] = (pos[k] & neg[k]) | zero[k];
            }
            scratch.or_bits(&settled);
            for j in set_bits(&cut[..nwords], width) {
                let segments = &mut layer_segments[j];
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
        if l == 0 {
            let identity = |i| [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]][i];
            compose(&wt, &biases[l], 2, identity, &mut pre, &mut Vec::new());
        } else {
            sibling_maps(prev, &wt, &biases[l], width, &mut pre);
        }
        act = vals.iter().map(|&v| activation.apply(v)).collect();
        act_width = width;
        segments.extend(layer_segments);
        layers.push(LayerPartition {
            regions: next,
            width,
            pre,
            bit_offset: region_bit_offset(arch.hidden(), l),
            slope,
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
                slope,
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
    let outputs = arch.outputs();
    let logit_vals = layer_values(&weights[out], &biases[out], &act, act_width, outputs);
    let wt = transpose(&weights[out], outputs, act_width);
    let mut maps = vec![[0.0; 3]; outputs * last.regions.len()];
    if hidden == 0 {
        let identity = |i| [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]][i];
        compose(&wt, &biases[out], 2, identity, &mut maps, &mut Vec::new());
    } else {
        sibling_maps(last, &wt, &biases[out], outputs, &mut maps);
    }
    // A one-logit net's `z` is the pair `(0, z)`: the same decision and probabilities.
    let logits: Vec<[[f64; 3]; 2]> = match outputs {
        1 => maps.iter().map(|&z| [[0.0; 3], z]).collect(),
        _ => maps.chunks_exact(2).map(|z| [z[0], z[1]]).collect(),
    };
    let margin: Vec<f64> = match outputs {
        1 => logit_vals,
        _ => logit_vals.chunks_exact(2).map(|z| z[1] - z[0]).collect(),
    };
    let decision = decision_segments(&last.regions, &vertices, &margin);
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

/// The pre-activation maps `W·A_r + b` of the next layer on every region `r` of `prev`,
/// where `A_r` is `prev`'s activation map on `r`: its parent's pre-activation rows where
/// the unit is active, 0 (or `slope ×` the row, for a leaky ReLU) elsewhere.
///
/// Regions cut from one parent (siblings, stored next to each other) differ only in the
/// few units whose lines cut that parent, so the part of the sum over the units active in
/// all of them is made once per parent, and each sibling adds only its own extra units:
/// only additions (no cancellation), in a fixed order.
fn sibling_maps(prev: &LayerPartition, wt: &[f64], b: &[f64], width: usize, pre: &mut [[f64; 3]]) {
    let regions = &prev.regions;
    let mut groups = Vec::new();
    let mut start = 0;
    for r in 1..=regions.len() {
        if r == regions.len() || regions[r].parent != regions[start].parent {
            groups.push(start..r);
            start = r;
        }
    }
    let fan_in = prev.width;
    let slope = prev.slope;
    let (w0, nw) = (prev.bit_offset / 64, words(fan_in));
    let group = |acc: &mut Vec<f64>, range: std::ops::Range<usize>, out: &mut [[f64; 3]]| {
        let parent = regions[range.start].parent as usize;
        let p = &prev.pre[parent * fan_in..(parent + 1) * fan_in];
        let (mut common, mut any) = ([u64::MAX; 4], [0u64; 4]);
        for r in range.clone() {
            for ((c, a), w) in common
                .iter_mut()
                .zip(&mut any)
                .zip(&regions[r].pattern[w0..w0 + nw])
            {
                *c &= w;
                *a |= w;
            }
        }
        let leaky = |m: [f64; 3]| m.map(|v| slope * v);
        // acc = [x | y | c] of the shared part, then [x | y | c] of one sibling.
        acc.clear();
        acc.resize(6 * width, 0.0);
        let (base, cur) = acc.split_at_mut(3 * width);
        base[2 * width..].copy_from_slice(b);
        for i in set_bits(&common[..nw], fan_in) {
            add_row(base, &wt[i * width..(i + 1) * width], p[i]);
        }
        if slope != 0.0 {
            // Units inactive in every sibling still pass on `slope ×` their map.
            let never: Vec<u64> = any.iter().map(|a| !a).collect();
            for i in set_bits(&never[..nw], fan_in) {
                add_row(base, &wt[i * width..(i + 1) * width], leaky(p[i]));
            }
        }
        for (k, r) in range.enumerate() {
            cur.copy_from_slice(base);
            let own = &regions[r].pattern[w0..w0 + nw];
            let mut extra = [0u64; 4];
            let mut off = [0u64; 4];
            for (((e, f), o), (c, a)) in extra
                .iter_mut()
                .zip(&mut off)
                .zip(own)
                .zip(common.iter().zip(&any))
            {
                *e = o & !c;
                *f = a & !o;
            }
            for i in set_bits(&extra[..nw], fan_in) {
                add_row(cur, &wt[i * width..(i + 1) * width], p[i]);
            }
            if slope != 0.0 {
                for i in set_bits(&off[..nw], fan_in) {
                    add_row(cur, &wt[i * width..(i + 1) * width], leaky(p[i]));
                }
            }
            let (x, rest) = cur.split_at(width);
            let (y, c) = rest.split_at(width);
            for (j, o) in out[k * width..(k + 1) * width].iter_mut().enumerate() {
                *o = [x[j], y[j], c[j]];
            }
        }
    };
    if regions.len() >= PARALLEL_REGIONS {
        use rayon::prelude::*;
        // Each group writes its own contiguous slice of `pre`.
        let mut slices = Vec::with_capacity(groups.len());
        let mut rest = pre;
        for g in &groups {
            let (head, tail) = rest.split_at_mut(g.len() * width);
            slices.push(head);
            rest = tail;
        }
        groups
            .into_par_iter()
            .zip(slices)
            .for_each_init(Vec::new, |acc, (g, out)| group(acc, g, out));
    } else {
        let mut acc = Vec::new();
        for g in groups {
            let at = g.start * width;
            let len = g.len() * width;
            group(&mut acc, g, &mut pre[at..at + len]);
        }
    }
}

/// Indices of the set bits of `words`, below `n`, ascending.
fn set_bits(words: &[u64], n: usize) -> impl Iterator<Item = usize> + '_ {
    words.iter().enumerate().flat_map(move |(k, &w)| {
        let mut w = w;
        std::iter::from_fn(move || {
            (w != 0).then(|| {
                let i = w.trailing_zeros() as usize;
                w &= w - 1;
                64 * k + i
            })
        })
        .filter(move |&i| i < n)
    })
}

/// `acc[x | y | c] += row ⊗ m`: one input's contribution to every unit's map.
#[inline]
fn add_row(acc: &mut [f64], row: &[f64], m: [f64; 3]) {
    let width = row.len();
    let (x, rest) = acc.split_at_mut(width);
    let (y, c) = rest.split_at_mut(width);
    for (((xj, yj), cj), &w) in x.iter_mut().zip(y.iter_mut()).zip(c.iter_mut()).zip(row) {
        *xj += w * m[0];
        *yj += w * m[1];
        *cj += w * m[2];
    }
}

/// From this many regions (or vertices) on, the per-region products run on all cores
/// (below it, on 2-core machines, the threads mostly wait on memory).
const PARALLEL_REGIONS: usize = 16_384;

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

/// Where the two logits are equal (`margin`, per vertex, the second minus the first: zero),
/// inside each final region (which it does not split).
fn decision_segments(
    regions: &[Region],
    vertices: &[[f64; 2]],
    margin: &[f64],
) -> Vec<([f64; 2], [f64; 2])> {
    let d = |v: u32| margin[v as usize];
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
pub fn neuron_at(hidden: &[usize], mut k: usize) -> NeuronId {
    for (layer, &w) in hidden.iter().enumerate() {
        if k < w {
            return NeuronId { layer, index: k };
        }
        k -= w;
    }
    panic!("neuron index out of range")
}
