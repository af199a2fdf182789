//! The exact partition of a rectangle of the input plane into the network's linear
//! regions, layer by layer, and each hidden neuron's boundary inside it.
//!
//! The method (README, "How it works", *Exact boundaries*): start from the rectangle; for
//! layer l, every layer-l pre-activation is affine inside each region of the partition
//! made by layers < l, so each neuron's zero set there is the region clipped by one line.
//! Splitting every region by every layer-l neuron gives the next partition.
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

/// A convex polygon of the partition with a fixed activation pattern. Its vertex indices
/// and pattern live in its layer's flat buffers ([`LayerPartition::polygon`],
/// [`LayerPartition::pattern`], or [`super::Geometry::vertex_ids`] and
/// [`super::Geometry::pattern`]): a partition of any size makes no allocation per region,
/// and a region costs 24 bytes here, 4 per vertex and 8 per 64 units of the layers so far.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Region {
    /// Stable identity derived from the pattern (so colours do not flicker between frames).
    pub id: u64,
    /// The region of the previous layer's partition this one was cut from.
    pub parent: u32,
    /// Its index in its layer, and where its vertex indices lie in the layer's polygons.
    index: u32,
    start: u32,
    len: u16,
    /// The hidden layer whose partition it belongs to.
    layer: u16,
}

impl Region {
    pub fn layer(&self) -> usize {
        self.layer as usize
    }

    /// Its index in its layer's partition.
    pub fn index(&self) -> usize {
        self.index as usize
    }
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
    /// Every region's vertex indices in order around it, one after the other.
    polygons: Vec<u32>,
    /// Every region's activation bits of each hidden layer so far (layer by layer, 64 units
    /// per word), `stride` words per region.
    patterns: Vec<u64>,
    stride: usize,
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
    /// A region's vertex indices, in order around it.
    #[inline]
    pub fn polygon(&self, region: &Region) -> &[u32] {
        &self.polygons[region.start as usize..region.start as usize + region.len as usize]
    }

    /// A region's activation bits (of every hidden layer up to this one).
    #[inline]
    pub fn pattern(&self, region: &Region) -> &[u64] {
        let at = region.index as usize * self.stride;
        &self.patterns[at..at + self.stride]
    }

    /// Bytes this layer's partition holds (regions, polygons, patterns, maps).
    pub fn heap_bytes(&self) -> usize {
        self.regions.capacity() * std::mem::size_of::<Region>()
            + self.polygons.capacity() * 4
            + self.patterns.capacity() * 8
            + self.pre.capacity() * 24
    }

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
        if bit(self.pattern(region), self.bit_offset + j) {
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
/// the layer being split) and `regions` regions with patterns of `words` words (and about
/// six vertices each).
fn estimated_bytes(vertices: usize, width: usize, regions: usize, words: usize) -> usize {
    vertices * (16 + 8 * width) + regions * (std::mem::size_of::<Region>() + 24 + 8 * words)
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

/// The partition of `rect` by every hidden layer of `net`. Compiled twice — for any x86-64
/// and with AVX2 (chosen at run time) — so the per-unit loops run four values wide where
/// the CPU can. Both builds compute the same values bit for bit: no operation is fused or
/// reordered (Rust never contracts `a * b + c` into an FMA by itself).
pub(super) fn split(net: &Network, rect: Rect, limit: Limit) -> Split {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: the CPU has AVX2 (checked just above).
        return unsafe { split_avx2(net, rect, limit) };
    }
    split_any(net, rect, limit)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn split_avx2(net: &Network, rect: Rect, limit: Limit) -> Split {
    split_any(net, rect, limit)
}

#[inline(always)]
fn split_any(net: &Network, rect: Rect, limit: Limit) -> Split {
    let arch = &net.arch;
    let hidden = arch.hidden().len();
    let weights: Vec<Vec<f64>> = (0..arch.layers()).map(|l| net.weight_f64(l)).collect();
    let biases: Vec<Vec<f64>> = (0..arch.layers()).map(|l| net.bias_f64(l)).collect();

    let mut vertices = rect.corners().to_vec();
    let whole = LayerPartition {
        regions: vec![Region {
            id: pattern_id(&[]),
            parent: 0,
            index: 0,
            start: 0,
            len: 4,
            layer: 0,
        }],
        polygons: vec![0, 1, 2, 3],
        patterns: vec![],
        stride: 0,
        width: 2,
        pre: vec![],
        bit_offset: 0,
        slope: 0.0,
    };
    let slope = arch.activation().slope() as f64;
    let mut layers: Vec<LayerPartition> = Vec::with_capacity(hidden);
    let mut segments = Vec::with_capacity(arch.neuron_count());
    let mut scratch = Scratch::default();
    // The per-vertex values are the largest buffer (vertices × units); kept between calls
    // so that a partition does not fault in fresh pages every time (a third of the time
    // of a 3×128 net before).
    let mut vals = VALS.with(|v| std::mem::take(&mut *v.borrow_mut()));

    let mut truncated = None;
    'layers: for l in 0..hidden {
        let width = arch.hidden()[l];
        let prev = layers.last().unwrap_or(&whole);
        // The layer's pre-activation maps on each region of the partition so far (exact
        // there), then its value at every vertex from the map of a region that has it.
        let wt = transpose(&weights[l], width, prev.width);
        let mut pre = vec![[0.0; 3]; prev.regions.len() * width];
        if l == 0 {
            let identity = |i| [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]][i];
            compose(&wt, &biases[l], 2, identity, &mut pre, &mut Vec::new());
        } else {
            sibling_maps(prev, &wt, &biases[l], width, &mut pre);
        }
        vertex_values(prev, &pre, width, &vertices, &mut vals, |p| {
            net.pre_activations(p[0], p[1]).swap_remove(l)
        });
        let mut layer_segments = vec![Vec::new(); width];
        let mut next = Vec::new();
        let stride = prev.stride + words(width);
        let (mut polygons, mut patterns) = (Vec::new(), Vec::new());
        // Sized for the crossings a layer typically makes (about one per region edge cut),
        // so that it is not rehashed over and over while the partition grows.
        let mut cache: FxHashMap<(u32, u32, u32), u32> =
            FxHashMap::with_capacity_and_hasher(2 * prev.regions.len() + 64, Default::default());
        let nwords = words(width);
        for (ri, region) in prev.regions.iter().enumerate() {
            scratch.reset(prev.polygon(region));
            // Most lines miss a given region (more so the wider the layer). Signs at the
            // region's corners, as bitmasks over the layer's units: a unit strictly on one
            // side at every corner is on that side of every piece too (pieces are convex
            // parts of the region), so its bit is settled for all of them at once; only
            // the units whose lines cut or touch the region split pieces.
            let (mut pos, mut neg, mut zero) = ([0u64; 4], [0u64; 4], [0u64; 4]);
            for &v in prev.polygon(region) {
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
            let bytes = estimated_bytes(vertices.len(), width, next.len(), stride);
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
                let at = patterns.len();
                patterns.extend_from_slice(prev.pattern(region));
                patterns.extend_from_slice(&piece.bits[..nwords]);
                let start = polygons.len() as u32;
                polygons.extend_from_slice(&scratch.polys[piece.start..piece.end]);
                next.push(Region {
                    id: pattern_id(&patterns[at..]),
                    parent: ri as u32,
                    index: next.len() as u32,
                    start,
                    len: (piece.end - piece.start) as u16,
                    layer: l as u16,
                });
            }
        }
        segments.extend(layer_segments);
        layers.push(LayerPartition {
            regions: next,
            polygons,
            patterns,
            stride,
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
                polygons: vec![],
                patterns: vec![],
                stride: 0,
                width: arch.hidden()[l],
                pre: vec![],
                bit_offset: region_bit_offset(arch.hidden(), l),
                slope,
            });
        }
        segments.resize_with(arch.neuron_count(), Vec::new);
        VALS.with(|v| *v.borrow_mut() = vals);
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
    let wt = transpose(&weights[out], outputs, last.width);
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
    // The margin (second logit minus the first) at every vertex, from the final maps.
    let diff: Vec<[f64; 3]> = logits
        .iter()
        .map(|[a, b]| [b[0] - a[0], b[1] - a[1], b[2] - a[2]])
        .collect();
    let mut margin = Vec::new();
    vertex_values(last, &diff, 1, &vertices, &mut margin, |p| {
        let z = net.logits(p[0], p[1]);
        vec![z[1] - z[0]]
    });
    let decision = decision_segments(last, &vertices, &margin);
    VALS.with(|v| *v.borrow_mut() = vals);
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
#[inline(always)]
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
                .zip(&prev.pattern(&regions[r])[w0..w0 + nw])
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
            let own = &prev.pattern(&regions[r])[w0..w0 + nw];
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

thread_local! {
    /// The per-vertex values' buffer, reused by the next partition on this thread.
    static VALS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A layer's values at every vertex (`[vertex][unit]`), each from the affine maps
/// (`maps[region][unit]`) of the first region that has the vertex: the maps are exact on
/// the closed region and continuous across its edges, so every region agrees with that
/// value to rounding, and each vertex has one value per unit, which keeps the splitting
/// consistent. 3 multiply-adds per unit and vertex, where a pass through the layer's
/// weights would take one per input. A vertex no region has (none should be left) gets
/// its values from the network (`network(point)`).
#[inline(always)]
fn vertex_values(
    partition: &LayerPartition,
    maps: &[[f64; 3]],
    width: usize,
    vertices: &[[f64; 2]],
    vals: &mut Vec<f64>,
    network: impl Fn([f64; 2]) -> Vec<f64>,
) {
    vals.clear();
    vals.resize(vertices.len() * width, 0.0);
    let mut done = vec![false; vertices.len()];
    for (r, region) in partition.regions.iter().enumerate() {
        let m = &maps[r * width..(r + 1) * width];
        for &v in partition.polygon(region) {
            let v = v as usize;
            if std::mem::replace(&mut done[v], true) {
                continue;
            }
            let [x, y] = vertices[v];
            for (o, m) in vals[v * width..(v + 1) * width].iter_mut().zip(m) {
                *o = m[0] * x + m[1] * y + m[2];
            }
        }
    }
    for v in (0..vertices.len()).filter(|&v| !done[v]) {
        vals[v * width..(v + 1) * width].copy_from_slice(&network(vertices[v]));
    }
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
#[inline(always)]
fn decision_segments(
    partition: &LayerPartition,
    vertices: &[[f64; 2]],
    margin: &[f64],
) -> Vec<([f64; 2], [f64; 2])> {
    let d = |v: u32| margin[v as usize];
    let mut out = Vec::new();
    let mut cache: FxHashMap<(u32, u32), [f64; 2]> = FxHashMap::default();
    for r in &partition.regions {
        let polygon = partition.polygon(r);
        let n = polygon.len();
        // The first and the last crossing point around the region (no allocation per region).
        let (mut first, mut last, mut count) = ([0.0; 2], [0.0; 2], 0);
        let mut add = |p: [f64; 2]| {
            if count == 0 {
                first = p;
            }
            last = p;
            count += 1;
        };
        for k in 0..n {
            let (u, v) = (polygon[k], polygon[(k + 1) % n]);
            let (du, dv) = (d(u), d(v));
            if du == 0.0 {
                add(vertices[u as usize]);
            } else if (du > 0.0) != (dv > 0.0) && dv != 0.0 {
                let key = (u.min(v), u.max(v));
                let p = *cache.entry(key).or_insert_with(|| {
                    let (a, b) = (key.0, key.1);
                    let t = d(a) / (d(a) - d(b));
                    let (pa, pb) = (vertices[a as usize], vertices[b as usize]);
                    [pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])]
                });
                add(p);
            }
        }
        if count >= 2 {
            out.push((first, last));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Activation, Architecture};
    use rand::SeedableRng;

    /// The AVX2 build of the partition and the portable one agree bit for bit.
    #[test]
    fn both_builds_of_the_partition_agree_exactly() {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            for (widths, activation, seed) in [
                (&[16, 16, 16][..], Activation::Relu, 1),
                (&[40, 30][..], Activation::LeakyRelu { slope: 0.1 }, 2),
            ] {
                let arch = Architecture::general(widths, 2, activation).unwrap();
                let mut net =
                    Network::init(arch, &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed));
                // Weights and biases of one size, so lines cross the rectangle everywhere.
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed + 10);
                net.params
                    .iter_mut()
                    .for_each(|p| *p = rand::Rng::random_range(&mut rng, -1.0..1.0));
                let limit = Limit::from_env();
                let rect = Rect::new(-0.2, 0.1, 1.3, 0.9).unwrap();
                let a = split_any(&net, rect, limit);
                // SAFETY: checked above.
                let b = unsafe { split_avx2(&net, rect, limit) };
                let bits =
                    |v: &[[f64; 2]]| v.iter().map(|p| p.map(f64::to_bits)).collect::<Vec<_>>();
                assert!(a.vertices.len() > 100);
                assert_eq!(bits(&a.vertices), bits(&b.vertices));
                assert_eq!(a.segments, b.segments);
                for (x, y) in a.layers.iter().zip(&b.layers) {
                    assert_eq!(x.regions, y.regions);
                    assert_eq!(x.polygons, y.polygons);
                    assert_eq!(x.patterns, y.patterns);
                    let maps = |l: &LayerPartition| {
                        l.pre
                            .iter()
                            .map(|m| m.map(f64::to_bits))
                            .collect::<Vec<_>>()
                    };
                    assert_eq!(maps(x), maps(y));
                }
                let logits = |s: &Split| {
                    s.logits
                        .iter()
                        .flatten()
                        .flatten()
                        .map(|v| v.to_bits())
                        .collect::<Vec<_>>()
                };
                assert_eq!(logits(&a), logits(&b));
            }
        }
    }
}
