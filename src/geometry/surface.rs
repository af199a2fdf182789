//! The network's functions as the piecewise-linear surfaces they are: the output (logit
//! difference, or the single logit) over the final partition, and one unit's activation over
//! its layer's partition — one flat facet per linear region, sharing the partition's vertices
//! so neighbouring facets meet edge to edge, without cracks — and where a unit's boundary
//! moves between two snapshots.

use super::{Geometry, Polyline, spread_along};
use crate::nn::{Network, NeuronId};

/// A height field made of flat convex facets over a partition.
#[derive(Clone, Debug, Default)]
pub struct Surface {
    /// `(x, y, height)` for every vertex of the geometry (vertices no facet uses keep
    /// height 0).
    pub positions: Vec<[f64; 3]>,
    pub facets: Vec<Facet>,
}

/// One linear region's piece of the surface.
#[derive(Clone, Debug, PartialEq)]
pub struct Facet {
    /// Index of the region in its layer's partition.
    pub region: usize,
    /// The region's stable id (for colours that do not flicker).
    pub id: u64,
    /// Vertex indices around the facet (into `positions`).
    pub polygon: Vec<u32>,
    /// Whether the surface is above zero at the facet's centroid (the predicted class for
    /// the output surface; active for a unit).
    pub positive: bool,
}

impl Surface {
    /// The output surface: `z₁ − z₀` (the single logit for one-logit nets) over the
    /// network's linear regions, from each region's exact logit maps. `None` when the
    /// partition was truncated (no logit maps).
    pub fn output(geom: &Geometry) -> Option<Self> {
        if geom.truncated.is_some() || geom.logits.len() != geom.regions().len() {
            return None;
        }
        Some(Self::over(geom, geom.layers.len() - 1, |r, p| {
            let [z0, z1] = geom.logits_at(r, p);
            z1 - z0
        }))
    }

    /// Unit `n`'s activation over its layer's partition: zero (or slope × pre-activation for
    /// a leaky ReLU) where it is inactive, a tilted facet per region where it is active.
    pub fn unit(geom: &Geometry, n: NeuronId) -> Option<Self> {
        let layer = geom.layers.get(n.layer)?;
        if n.index >= layer.width {
            return None;
        }
        Some(Self::over(geom, n.layer, |r, p| {
            let m = layer.unit_map(r, n.index);
            m[0] * p[0] + m[1] * p[1] + m[2]
        }))
    }

    /// The surface `height(region, point)` over layer `l`'s partition. Each vertex takes the
    /// height of the first region that has it: the functions are continuous, so every other
    /// region agrees with it (to rounding), and the facets share their vertices.
    fn over(geom: &Geometry, l: usize, height: impl Fn(usize, [f64; 2]) -> f64) -> Self {
        let mut positions: Vec<[f64; 3]> =
            geom.vertices.iter().map(|v| [v[0], v[1], 0.0]).collect();
        let mut set = vec![false; positions.len()];
        let facets = geom.layers[l]
            .regions
            .iter()
            .enumerate()
            .map(|(r, region)| {
                for &v in geom.vertex_ids(region) {
                    if !set[v as usize] {
                        set[v as usize] = true;
                        positions[v as usize][2] = height(r, geom.vertices[v as usize]);
                    }
                }
                let poly = geom.polygon(region);
                let k = poly.len() as f64;
                let c = [
                    poly.iter().map(|p| p[0]).sum::<f64>() / k,
                    poly.iter().map(|p| p[1]).sum::<f64>() / k,
                ];
                Facet {
                    region: r,
                    id: region.id,
                    polygon: geom.vertex_ids(region).to_vec(),
                    positive: height(r, c) > 0.0,
                }
            })
            .collect();
        Self { positions, facets }
    }

    /// The largest |height| of any facet's vertex (for scaling the surface to fit a view).
    pub fn max_height(&self) -> f64 {
        self.facets
            .iter()
            .flat_map(|f| &f.polygon)
            .map(|&v| self.positions[v as usize][2].abs())
            .fold(0.0, f64::max)
    }

    /// Triangles of the facets (fans: the regions are convex), as vertex indices, with the
    /// facet each comes from.
    pub fn triangles(&self) -> impl Iterator<Item = ([u32; 3], &Facet)> + '_ {
        self.facets.iter().flat_map(|f| {
            (1..f.polygon.len().saturating_sub(1))
                .map(move |i| ([f.polygon[0], f.polygon[i], f.polygon[i + 1]], f))
        })
    }
}

/// Where unit `n`'s boundary moves from `now` to `next`, at up to `points` points spread
/// along it: each point `p` of the boundary (`z(p) = 0`) with the displacement
/// `−Δz · ∇z / ‖∇z‖²`, whose length is the exact normal velocity `−Δz/‖∇z‖` per snapshot
/// step (`Δz = z_next(p)`, since `z_now(p) = 0`).
pub fn boundary_velocity(
    boundary: &[Polyline],
    now: &Network,
    next: &Network,
    n: NeuronId,
    points: usize,
) -> Vec<([f64; 2], [f64; 2])> {
    let mut pre = Vec::new();
    spread_along(boundary, points)
        .into_iter()
        .filter_map(|p| {
            now.pre_activations_into(p[0], p[1], &mut pre);
            let g = now.unit_gradient(&pre, n);
            let g2 = g[0] * g[0] + g[1] * g[1];
            if g2 == 0.0 {
                return None;
            }
            let dz = next.pre_activations(p[0], p[1])[n.layer][n.index] - pre[n.layer][n.index];
            Some((p, [-dz * g[0] / g2, -dz * g[1] / g2]))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::{Activation, Architecture};
    use rand::SeedableRng;

    fn net(widths: &[usize], seed: u64, activation: Activation, outputs: usize) -> Network {
        let arch = Architecture::general(widths, outputs, activation).unwrap();
        Network::init(arch, &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed))
    }

    /// Every edge of a facet that is not on the rectangle's border is the reverse edge of
    /// exactly one other facet.
    fn assert_watertight(s: &Surface, rect: Rect) {
        let mut edges = std::collections::HashMap::new();
        for (k, f) in s.facets.iter().enumerate() {
            for i in 0..f.polygon.len() {
                let (a, b) = (f.polygon[i], f.polygon[(i + 1) % f.polygon.len()]);
                assert!(edges.insert((a, b), k).is_none(), "edge ({a}, {b}) twice");
            }
        }
        let on_border = |v: u32| {
            let p = s.positions[v as usize];
            let e = 1e-12;
            (p[0] - rect.x0).abs() < e
                || (p[0] - rect.x1).abs() < e
                || (p[1] - rect.y0).abs() < e
                || (p[1] - rect.y1).abs() < e
        };
        for (&(a, b), &k) in &edges {
            if on_border(a) && on_border(b) {
                continue;
            }
            let other = edges.get(&(b, a));
            assert!(
                other.is_some_and(|&o| o != k),
                "edge ({a}, {b}) of facet {k} has no neighbour"
            );
        }
    }

    #[test]
    fn the_output_surface_is_one_flat_facet_per_region_at_the_network_logits() {
        for (widths, act, outputs) in [
            (&[16, 16, 16][..], Activation::Relu, 2),
            (&[8, 8][..], Activation::LeakyRelu { slope: 0.1 }, 2),
            (&[10, 6][..], Activation::Relu, 1),
        ] {
            let n = net(widths, 3, act, outputs);
            for rect in [Rect::UNIT, Rect::new(-0.5, 0.2, 1.7, 0.9).unwrap()] {
                let g = Geometry::new(&n, rect);
                let s = Surface::output(&g).unwrap();
                // One facet group per region of the partition, in its order.
                assert_eq!(s.facets.len(), g.regions().len());
                for (k, f) in s.facets.iter().enumerate() {
                    assert_eq!(f.region, k);
                    assert_eq!(f.id, g.regions()[k].id);
                }
                // Heights are the network's own logit difference at every vertex used.
                let mut worst = 0.0f64;
                for f in &s.facets {
                    for &v in &f.polygon {
                        let [x, y, h] = s.positions[v as usize];
                        let z = n.logits(x, y);
                        worst = worst.max((h - (z[1] - z[0])).abs());
                    }
                }
                assert!(worst <= 1e-6, "height off the logits by {worst}");
                // Flat: every vertex of a facet lies on its region's logit plane, so the
                // plane through any three of them predicts the rest.
                for f in &s.facets {
                    let m = g.logits[f.region];
                    for &v in &f.polygon {
                        let [x, y, h] = s.positions[v as usize];
                        let plane =
                            (m[1][0] - m[0][0]) * x + (m[1][1] - m[0][1]) * y + (m[1][2] - m[0][2]);
                        assert!((plane - h).abs() <= 1e-9 * (1.0 + h.abs()));
                    }
                }
                assert_watertight(&s, rect);
                // The predicted class flag agrees with the network at each centroid.
                for f in &s.facets {
                    let poly = g.polygon(&g.regions()[f.region]);
                    let c = [
                        poly.iter().map(|p| p[0]).sum::<f64>() / poly.len() as f64,
                        poly.iter().map(|p| p[1]).sum::<f64>() / poly.len() as f64,
                    ];
                    let z = n.logits(c[0], c[1]);
                    assert_eq!(f.positive, z[1] > z[0]);
                }
            }
        }
    }

    #[test]
    fn a_unit_surface_is_its_activation_over_its_layer() {
        let n = net(&[12, 9, 7], 5, Activation::LeakyRelu { slope: 0.2 }, 2);
        let g = Geometry::new(&n, Rect::UNIT);
        for id in [
            NeuronId { layer: 0, index: 3 },
            NeuronId { layer: 2, index: 6 },
        ] {
            let s = Surface::unit(&g, id).unwrap();
            assert_eq!(s.facets.len(), g.layers[id.layer].regions.len());
            for f in &s.facets {
                for &v in &f.polygon {
                    let [x, y, h] = s.positions[v as usize];
                    let z = n.pre_activations(x, y)[id.layer][id.index];
                    let a = if z > 0.0 { z } else { 0.2 * z };
                    assert!((h - a).abs() <= 1e-6, "{h} vs {a}");
                }
            }
            assert_watertight(&s, Rect::UNIT);
        }
        assert!(Surface::unit(&g, NeuronId { layer: 3, index: 0 }).is_none());
        assert!(
            Surface::unit(
                &g,
                NeuronId {
                    layer: 0,
                    index: 12
                }
            )
            .is_none()
        );
    }

    #[test]
    fn boundary_velocity_lands_on_the_next_boundary() {
        // A small step of every parameter: the boundary moves a little, and each point
        // moved by its velocity lies on the new boundary to second order.
        let now = net(&[16, 16], 9, Activation::Relu, 2);
        let mut next = now.clone();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for p in &mut next.params {
            *p += 1e-3 * (rand::Rng::random::<f32>(&mut rng) - 0.5);
        }
        let g = Geometry::new(&now, Rect::UNIT);
        let (mut checked, mut closer) = (0, 0);
        for b in g.boundaries.iter().filter(|b| !b.polylines.is_empty()) {
            let n = b.neuron;
            let v = boundary_velocity(&b.polylines, &now, &next, n, 20);
            for (p, d) in v {
                let q = [p[0] + d[0], p[1] + d[1]];
                let z_next = next.pre_activations(q[0], q[1])[n.layer][n.index];
                let z_moved = next.pre_activations(p[0], p[1])[n.layer][n.index];
                // The moved point is far closer to the new boundary than the old one was
                // (unless it crossed a kink of the piecewise-linear map).
                if z_moved.abs() > 1e-7 {
                    checked += 1;
                    closer += usize::from(z_next.abs() < 0.05 * z_moved.abs());
                }
            }
        }
        assert!(checked > 20, "only {checked} points checked");
        assert!(closer * 10 >= checked * 9, "{closer} of {checked} landed");
    }
}
