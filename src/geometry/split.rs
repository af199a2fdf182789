//! Cutting one region's pieces by one neuron's line: the step the partition repeats. Works
//! on flat buffers reused across regions, so splitting allocates nothing.

use rustc_hash::FxHashMap;

/// Pieces of one region being cut by one layer's neurons, in flat buffers reused across
/// regions so splitting allocates nothing.
#[derive(Default)]
pub(super) struct Scratch {
    pub(super) polys: Vec<u32>,
    pub(super) pieces: Vec<Piece>,
    next_polys: Vec<u32>,
    next_pieces: Vec<Piece>,
    on_line: Vec<u32>,
}

#[derive(Clone, Copy)]
pub(super) struct Piece {
    pub(super) start: usize,
    pub(super) end: usize,
    /// This layer's activation bits (up to 256 units).
    pub(super) bits: [u64; 4],
}

impl Scratch {
    pub(super) fn reset(&mut self, polygon: &[u32]) {
        self.polys.clear();
        self.polys.extend_from_slice(polygon);
        self.pieces.clear();
        self.pieces.push(Piece {
            start: 0,
            end: polygon.len(),
            bits: [0; 4],
        });
    }

    /// Marks units active on every piece (their lines miss the region, on the active side).
    pub(super) fn or_bits(&mut self, bits: &[u64; 4]) {
        for p in &mut self.pieces {
            for (b, &o) in p.bits.iter_mut().zip(bits) {
                *b |= o;
            }
        }
    }

    /// Cuts every piece by the context's neuron.
    #[inline(always)]
    pub(super) fn split_all(&mut self, ctx: &mut SplitCtx, segments: &mut Vec<(u32, u32)>) {
        self.next_polys.clear();
        self.next_pieces.clear();
        for k in 0..self.pieces.len() {
            let piece = self.pieces[k];
            self.split_piece(piece, ctx, segments);
        }
        std::mem::swap(&mut self.polys, &mut self.next_polys);
        std::mem::swap(&mut self.pieces, &mut self.next_pieces);
    }

    #[inline(always)]
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

pub(super) struct SplitCtx<'a> {
    pub(super) vertices: &'a mut Vec<[f64; 2]>,
    pub(super) vals: &'a mut Vec<f64>,
    pub(super) width: usize,
    pub(super) cache: &'a mut FxHashMap<(u32, u32, u32), u32>,
    pub(super) neuron: usize,
}

impl SplitCtx<'_> {
    fn val(&self, v: u32) -> f64 {
        self.vals[v as usize * self.width + self.neuron]
    }

    /// The vertex where neuron `j`'s line crosses edge (u, v), made once and shared.
    #[inline(always)]
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
        // The new vertex's values, interpolated along the edge: exactly 0 for this neuron,
        // and snapped onto any other neuron's line it meets here within rounding (duplicate
        // neurons, lines through one point), so that line does not cut a sliver of zero
        // width. Written as one pass over slices so that it vectorises.
        let width = self.width;
        let start = self.vals.len();
        self.vals.resize(start + width, 0.0);
        let (old, new) = self.vals.split_at_mut(start);
        let (ra, rb) = (
            &old[a * width..(a + 1) * width],
            &old[b * width..(b + 1) * width],
        );
        for ((o, &x), &y) in new.iter_mut().zip(ra).zip(rb) {
            let v = x + t * (y - x);
            *o = if v.abs() <= 1e-12 * (x.abs() + y.abs()) {
                0.0
            } else {
                v
            };
        }
        new[self.neuron] = 0.0;
        self.cache.insert(key, w);
        w
    }
}
