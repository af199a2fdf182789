//! Exact boundary geometry: linear regions, per-neuron boundary polylines, the decision
//! boundary, and the queries picking and inspection need. Computed from the weights in
//! `f64`, for any axis-aligned rectangle of the input plane (the viewer zooms with it).

pub mod grid;
mod partition;
mod polyline;
pub mod raster;
mod split;
pub mod surface;
pub mod whole;

pub use partition::{Exceeded, LayerPartition, Limit, Region, Truncation, neuron_at, pattern_id};
pub use polyline::{chain_points, corner_mean, point_segment, simplify, spread_along};
pub use surface::{Facet, Surface, boundary_velocity};
pub use whole::{WholePlaneError, affine_maps, whole_plane_box};

use crate::nn::{Network, NeuronId};
use partition::{bit, region_bit_offset};
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// An axis-aligned rectangle of the input plane (`y` grows downwards, as in the image).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub const UNIT: Rect = Rect {
        x0: 0.0,
        y0: 0.0,
        x1: 1.0,
        y1: 1.0,
    };

    pub fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Option<Self> {
        let ok = [x0, y0, x1, y1].iter().all(|v| v.is_finite()) && x1 > x0 && y1 > y0;
        ok.then_some(Self { x0, y0, x1, y1 })
    }

    pub fn corners(&self) -> [[f64; 2]; 4] {
        [
            [self.x0, self.y0],
            [self.x1, self.y0],
            [self.x1, self.y1],
            [self.x0, self.y1],
        ]
    }

    pub fn area(&self) -> f64 {
        (self.x1 - self.x0) * (self.y1 - self.y0)
    }

    /// Centre of pixel `i` (row-major) of a `width × height` image of this rectangle: the
    /// one pixel-centre rule of every image ginn makes (targets, predictions, textures).
    pub fn pixel_centre(&self, i: usize, width: usize, height: usize) -> [f64; 2] {
        [
            self.x0 + ((i % width) as f64 + 0.5) / width as f64 * (self.x1 - self.x0),
            self.y0 + ((i / width) as f64 + 0.5) / height as f64 * (self.y1 - self.y0),
        ]
    }

    pub fn contains(&self, p: [f64; 2]) -> bool {
        (self.x0..=self.x1).contains(&p[0]) && (self.y0..=self.y1).contains(&p[1])
    }
}

/// A chain of points in input coordinates.
pub type Polyline = Vec<[f64; 2]>;

/// One hidden neuron's boundary: where its pre-activation is 0.
#[derive(Clone, Debug)]
pub struct NeuronBoundary {
    pub neuron: NeuronId,
    pub polylines: Vec<Polyline>,
}

impl NeuronBoundary {
    pub fn length(&self) -> f64 {
        self.polylines
            .iter()
            .map(|p| polyline::length(p))
            .fold(0.0, |a, b| a + b)
    }
}

/// The exact geometry of a network over a rectangle.
#[derive(Clone, Debug)]
pub struct Geometry {
    pub rect: Rect,
    pub vertices: Vec<[f64; 2]>,
    hidden: Vec<usize>,
    /// The partition after each hidden layer; the last is the network's linear regions.
    pub layers: Vec<LayerPartition>,
    /// Every hidden neuron's boundary, layer-major.
    pub boundaries: Vec<NeuronBoundary>,
    /// Where the two logits are equal.
    pub decision: Vec<Polyline>,
    /// Logit maps of the final regions: `z_k(x, y) = logits[r][k] · (x, y, 1)` (empty when
    /// the partition was truncated).
    pub logits: Vec<[[f64; 3]; 2]>,
    /// Set when the partition grew past its [`Limit`]: the layers from `layer` on are empty.
    pub truncated: Option<Truncation>,
    by_id: FxHashMap<u64, u32>,
}

/// What a point query found on a boundary.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BoundaryHit {
    pub neuron: NeuronId,
    pub distance: f64,
    /// The closest point on the boundary.
    pub point: [f64; 2],
}

/// Per-neuron numbers for inspection.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct NeuronStats {
    /// Fraction of the rectangle where the unit is active.
    pub active_fraction: f64,
    pub boundary_length: f64,
    pub pieces: usize,
}

impl Geometry {
    /// The partition, within the default [`Limit`] (see [`Limit::from_env`]); check
    /// `truncated`, or use [`Geometry::complete`] where only a whole partition will do.
    pub fn new(net: &Network, rect: Rect) -> Self {
        Self::with_limit(net, rect, Limit::from_env())
    }

    /// The whole partition, or the reason it is too big (for commands that need all of it).
    pub fn complete(net: &Network, rect: Rect) -> Result<Self, Truncation> {
        let g = Self::new(net, rect);
        match g.truncated {
            Some(t) => Err(t),
            None => Ok(g),
        }
    }

    pub fn with_limit(net: &Network, rect: Rect, limit: Limit) -> Self {
        let hidden = net.arch.hidden().to_vec();
        let s = partition::split(net, rect, limit);
        let boundaries = s
            .segments
            .into_iter()
            .enumerate()
            .map(|(k, segs)| NeuronBoundary {
                neuron: neuron_at(&hidden, k),
                polylines: polyline::chain(segs)
                    .into_iter()
                    .map(|ids| ids.iter().map(|&v| s.vertices[v as usize]).collect())
                    .collect(),
            })
            .collect();
        let decision = polyline::chain_points(&s.decision);
        let by_id = s.layers.last().map_or_else(FxHashMap::default, |lp| {
            lp.regions
                .iter()
                .enumerate()
                .map(|(i, r)| (r.id, i as u32))
                .collect()
        });
        Self {
            rect,
            vertices: s.vertices,
            hidden,
            layers: s.layers,
            boundaries,
            decision,
            logits: s.logits,
            truncated: s.truncated,
            by_id,
        }
    }

    /// The network's linear regions (the partition after the last hidden layer).
    pub fn regions(&self) -> &[Region] {
        &self
            .layers
            .last()
            .expect("at least one hidden layer")
            .regions
    }

    /// A region's vertex indices (into `vertices`), in order around it.
    pub fn vertex_ids(&self, region: &Region) -> &[u32] {
        self.layers[region.layer()].polygon(region)
    }

    /// A region's activation bits: every hidden layer's up to its own, 64 units per word.
    pub fn pattern(&self, region: &Region) -> &[u64] {
        self.layers[region.layer()].pattern(region)
    }

    pub fn polygon(&self, region: &Region) -> Vec<[f64; 2]> {
        self.vertex_ids(region)
            .iter()
            .map(|&v| self.vertices[v as usize])
            .collect()
    }

    pub fn area(&self, region: &Region) -> f64 {
        polyline::polygon_area(&self.polygon(region))
    }

    /// Bytes the geometry holds: every layer's partition, the vertices, the boundaries and
    /// the logit maps (what `ginn bench` reports per region).
    pub fn heap_bytes(&self) -> usize {
        self.layers
            .iter()
            .map(LayerPartition::heap_bytes)
            .sum::<usize>()
            + self.vertices.capacity() * 16
            + self
                .boundaries
                .iter()
                .flat_map(|b| &b.polylines)
                .map(|l| l.capacity() * 16)
                .sum::<usize>()
            + self.logits.capacity() * 48
            + self.by_id.capacity() * 12
    }

    /// Region counts after each layer.
    pub fn regions_per_layer(&self) -> Vec<usize> {
        self.layers.iter().map(|l| l.regions.len()).collect()
    }

    /// The boundaries of hidden layer `l`'s units.
    pub fn layer_boundaries(&self, l: usize) -> impl Iterator<Item = &NeuronBoundary> {
        self.boundaries.iter().filter(move |b| b.neuron.layer == l)
    }

    /// Every segment of hidden layer `l`'s boundaries.
    pub fn layer_segments(&self, l: usize) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
        self.layer_boundaries(l)
            .flat_map(|b| b.polylines.iter())
            .flat_map(|line| line.windows(2).map(|w| (w[0], w[1])))
    }

    pub fn boundary(&self, n: NeuronId) -> &NeuronBoundary {
        let k = self.hidden[..n.layer].iter().sum::<usize>() + n.index;
        &self.boundaries[k]
    }

    /// Whether unit `n` is active in a region of layer `n.layer`'s partition or later.
    pub fn is_active(&self, region: &Region, n: NeuronId) -> bool {
        bit(
            self.pattern(region),
            region_bit_offset(&self.hidden, n.layer) + n.index,
        )
    }

    /// Activation pattern of a point, in the regions' bit layout (`> 0` is active).
    pub fn pattern_at(&self, net: &Network, p: [f64; 2]) -> Vec<u64> {
        let pre = net.pre_activations(p[0], p[1]);
        let mut bits = Vec::new();
        for z in &pre[..self.hidden.len()] {
            let mut words = vec![0u64; partition_words(z.len())];
            for (j, &v) in z.iter().enumerate() {
                if v > 0.0 {
                    words[j / 64] |= 1 << (j % 64);
                }
            }
            bits.extend(words);
        }
        bits
    }

    /// Index (into `regions()`) of the linear region containing `p`.
    pub fn region_at(&self, net: &Network, p: [f64; 2]) -> Option<usize> {
        if !self.rect.contains(p) {
            return None;
        }
        if let Some(&i) = self.by_id.get(&pattern_id(&self.pattern_at(net, p))) {
            return Some(i as usize);
        }
        // On a boundary the pattern may name a region that is only a line here: fall back
        // to the polygon that contains the point.
        self.regions()
            .iter()
            .position(|r| polyline::convex_contains(&self.polygon(r), p))
    }

    /// Logits at `p` from the exact partition (no pass through the network).
    pub fn logits_at(&self, region: usize, p: [f64; 2]) -> [f64; 2] {
        let m = &self.logits[region];
        [
            m[0][0] * p[0] + m[0][1] * p[1] + m[0][2],
            m[1][0] * p[0] + m[1][1] * p[1] + m[1][2],
        ]
    }

    /// The boundary nearest to `p`, among all hidden layers or only `layer`.
    pub fn nearest_boundary(&self, p: [f64; 2], layer: Option<usize>) -> Option<BoundaryHit> {
        self.nearest_boundary_where(p, |n| layer.is_none_or(|l| n.layer == l))
    }

    /// The boundary nearest to `p` among the units `keep` accepts (e.g. the visible ones).
    pub fn nearest_boundary_where(
        &self,
        p: [f64; 2],
        keep: impl Fn(NeuronId) -> bool,
    ) -> Option<BoundaryHit> {
        let mut best: Option<BoundaryHit> = None;
        for b in self.boundaries.iter().filter(|b| keep(b.neuron)) {
            for line in &b.polylines {
                for w in line.windows(2) {
                    let (d, q) = polyline::point_segment(p, w[0], w[1]);
                    if best.is_none_or(|h| d < h.distance) {
                        best = Some(BoundaryHit {
                            neuron: b.neuron,
                            distance: d,
                            point: q,
                        });
                    }
                }
            }
        }
        best
    }

    /// Active-area fraction, boundary length and number of boundary pieces of a unit.
    pub fn neuron_stats(&self, n: NeuronId) -> NeuronStats {
        let layer = &self.layers[n.layer];
        let active = layer
            .regions
            .iter()
            .filter(|r| self.is_active(r, n))
            .map(|r| self.area(r))
            .fold(0.0, |a, b| a + b);
        let b = self.boundary(n);
        NeuronStats {
            active_fraction: active / self.rect.area(),
            boundary_length: b.length(),
            pieces: b.polylines.len(),
        }
    }
}

fn partition_words(width: usize) -> usize {
    partition::words(width)
}

#[cfg(test)]
mod tests;
