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

/// Pieces of one region being cut by one layer's neurons, in flat buffers reused across
/// regions so splitting allocates nothing.
#[derive(Default)]
struct Scratch {
    polys: Vec<u32>,
    pieces: Vec<Piece>,
    next_polys: Vec<u32>,
    next_pieces: Vec<Piece>,
    on_line: Vec<u32>,
}

#[derive(Clone, Copy)]
struct Piece {
    start: usize,
    end: usize,
    /// This layer's activation bits (up to 256 units).
    bits: [u64; 4],
}

impl Scratch {
    fn reset(&mut self, polygon: &[u32]) {
        self.polys.clear();
        self.polys.extend_from_slice(polygon);
        self.pieces.clear();
        self.pieces.push(Piece {
            start: 0,
            end: polygon.len(),
            bits: [0; 4],
        });
    }

    /// Cuts every piece by the context's neuron.
    fn split_all(&mut self, ctx: &mut SplitCtx, segments: &mut Vec<(u32, u32)>) {
        self.next_polys.clear();
        self.next_pieces.clear();
        for k in 0..self.pieces.len() {
            let piece = self.pieces[k];
            self.split_piece(piece, ctx, segments);
        }
        std::mem::swap(&mut self.polys, &mut self.next_polys);
        std::mem::swap(&mut self.pieces, &mut self.next_pieces);
    }

    fn split_piece(&mut self, piece: Piece, ctx: &mut SplitCtx, segments: &mut Vec<(u32, u32)>) {
        let j = ctx.neuron;
        let poly = &self.polys[piece.start..piece.end];
        let n = poly.len();
        let (mut pos, mut neg) = (false, false);
        for &v in poly {
            let s = ctx.val(v);
            pos |= s > 0.0;
            neg |= s < 0.0;
        }
        let mut active = piece.bits;
        active[j / 64] |= 1 << (j % 64);
        if !(pos && neg) {
            if pos {
                // A boundary lying exactly along an edge of this piece (e.g. a duplicate of a
                // neuron that already cut here) still separates active from inactive.
                for k in 0..n {
                    let (a, b) = (poly[k], poly[(k + 1) % n]);
                    if ctx.val(a) == 0.0 && ctx.val(b) == 0.0 {
                        segments.push((a.min(b), a.max(b)));
                    }
                }
            }
            let start = self.next_polys.len();
            self.next_polys.extend_from_slice(poly);
            let bits = if pos { active } else { piece.bits };
            self.next_pieces.push(Piece {
                start,
                end: self.next_polys.len(),
                bits,
            });
            return;
        }
        // The active side first, then the inactive side, each in the polygon's order.
        self.on_line.clear();
        for side in [1.0f64, -1.0] {
            let start = self.next_polys.len();
            for k in 0..n {
                let (u, v) = (
                    self.polys[piece.start + k],
                    self.polys[piece.start + (k + 1) % n],
                );
                let (su, sv) = (ctx.val(u) * side, ctx.val(v) * side);
                if su >= 0.0 {
                    self.next_polys.push(u);
                }
                if side > 0.0 && su == 0.0 {
                    self.on_line.push(u);
                }
                if (su > 0.0 && sv < 0.0) || (su < 0.0 && sv > 0.0) {
                    let w = ctx.crossing(u, v);
                    self.next_polys.push(w);
                    if side > 0.0 {
                        self.on_line.push(w);
                    }
                }
            }
            let bits = if side > 0.0 { active } else { piece.bits };
            self.next_pieces.push(Piece {
                start,
                end: self.next_polys.len(),
                bits,
            });
        }
        let on_line = &mut self.on_line;
        if on_line.len() > 2 {
            // Several vertices on the line (collinear): order them along it.
            let p = ctx.vertices[on_line[0] as usize];
            let q = ctx.vertices[on_line[1] as usize];
            let d = [q[0] - p[0], q[1] - p[1]];
            let along = |v: &u32| {
                let r = ctx.vertices[*v as usize];
                (r[0] - p[0]) * d[0] + (r[1] - p[1]) * d[1]
            };
            on_line.sort_by(|a, b| along(a).total_cmp(&along(b)));
        }
        for w in on_line.windows(2) {
            segments.push((w[0].min(w[1]), w[0].max(w[1])));
        }
    }
}

struct SplitCtx<'a> {
    vertices: &'a mut Vec<[f64; 2]>,
    vals: &'a mut Vec<f64>,
    width: usize,
    cache: &'a mut FxHashMap<(u32, u32, u32), u32>,
    neuron: usize,
}

impl SplitCtx<'_> {
    fn val(&self, v: u32) -> f64 {
        self.vals[v as usize * self.width + self.neuron]
    }

    /// The vertex where neuron `j`'s line crosses edge (u, v), made once and shared.
    fn crossing(&mut self, u: u32, v: u32) -> u32 {
        let key = (u.min(v), u.max(v), self.neuron as u32);
        if let Some(&w) = self.cache.get(&key) {
            return w;
        }
        // Interpolate from the lower index so both regions computing it get identical bits.
        let (a, b) = (key.0 as usize, key.1 as usize);
        let (va, vb) = (self.val(a as u32), self.val(b as u32));
        let t = va / (va - vb);
        let (pa, pb) = (self.vertices[a], self.vertices[b]);
        let w = self.vertices.len() as u32;
        self.vertices
            .push([pa[0] + t * (pb[0] - pa[0]), pa[1] + t * (pb[1] - pa[1])]);
        let width = self.width;
        for k in 0..width {
            let (x, y) = (self.vals[a * width + k], self.vals[b * width + k]);
            let v = x + t * (y - x);
            // Exactly on this neuron's line; and snapped onto any other neuron's line it
            // meets here within rounding (duplicate neurons, lines through one point), so
            // that line does not cut a sliver of zero width.
            let on_line = k == self.neuron || v.abs() <= 1e-12 * (x.abs() + y.abs());
            self.vals.push(if on_line { 0.0 } else { v });
        }
        self.cache.insert(key, w);
        w
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
