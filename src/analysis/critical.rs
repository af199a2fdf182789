//! §6 critical points: boundaries snap to the target's corners. Per layer, the share of
//! the target's corners with a *kink* (a bend of a boundary) or a *crossing* (two of the
//! layer's boundaries meeting) within 1.5 px — attraction — against the same share for
//! contour points ≥ 3 px from any corner (what chance alone gives), and the iteration at
//! which each corner is captured for good (held for 5 snapshots).

use super::segments::SegmentIndex;
use crate::geometry::Geometry;

/// The kinks and crossings of each hidden layer's boundaries.
pub fn critical_points(geom: &Geometry) -> Vec<Vec<[f64; 2]>> {
    (0..geom.layers.len())
        .map(|l| {
            let units: Vec<&crate::geometry::NeuronBoundary> = geom.layer_boundaries(l).collect();
            let mut points = Vec::new();
            // Kinks: interior vertices where the polyline turns by more than a degree.
            for b in &units {
                for line in &b.polylines {
                    for w in line.windows(3) {
                        let (u, v) = (
                            [w[1][0] - w[0][0], w[1][1] - w[0][1]],
                            [w[2][0] - w[1][0], w[2][1] - w[1][1]],
                        );
                        let norm = (u[0].hypot(u[1]) * v[0].hypot(v[1])).max(1e-300);
                        if (u[0] * v[0] + u[1] * v[1]) / norm < 1f64.to_radians().cos() {
                            points.push(w[1]);
                        }
                    }
                }
            }
            // Crossings between two units of the layer, found through a segment hash.
            let index = SegmentIndex::of_boundaries(units.iter().copied(), 64);
            for (k, b) in units.iter().enumerate() {
                for line in &b.polylines {
                    for w in line.windows(2) {
                        index.crossings(w[0], w[1], k as u32, &mut points);
                    }
                }
            }
            points
        })
        .collect()
}

/// Where the bends of each layer's boundaries sit: every bend of a layer-l boundary lies on
/// some earlier layer's boundary (that is what bends it); its turning angle is credited to
/// that layer. Returns, per layer, the share of its total turning credited to each earlier
/// layer (empty for layer 1, which has no bends).
pub fn bend_credit(geom: &Geometry) -> Vec<Vec<f64>> {
    let layers = geom.layers.len();
    let index: Vec<SegmentIndex> = (0..layers)
        .map(|l| SegmentIndex::new(geom.layer_segments(l), 64))
        .collect();
    (0..layers)
        .map(|l| {
            let mut credit = vec![0.0; l];
            for b in geom.layer_boundaries(l) {
                for line in &b.polylines {
                    for w in line.windows(3) {
                        let (u, v) = (
                            [w[1][0] - w[0][0], w[1][1] - w[0][1]],
                            [w[2][0] - w[1][0], w[2][1] - w[1][1]],
                        );
                        let norm = u[0].hypot(u[1]) * v[0].hypot(v[1]);
                        if norm == 0.0 {
                            continue;
                        }
                        let angle = ((u[0] * v[0] + u[1] * v[1]) / norm).clamp(-1.0, 1.0).acos();
                        // The nearest earlier layer whose boundary passes through the bend.
                        if let Some(k) = (0..l).find(|&k| index[k].near(w[1], 1e-9)) {
                            credit[k] += angle;
                        }
                    }
                }
            }
            let total: f64 = credit.iter().sum();
            credit
                .iter()
                .map(|c| if total > 0.0 { c / total } else { f64::NAN })
                .collect()
        })
        .collect()
}

/// Share of `probes` with a point of `points` within `radius` (NaN without probes).
pub fn share_near(probes: &[[f64; 2]], points: &[[f64; 2]], radius: f64) -> f64 {
    if probes.is_empty() {
        return f64::NAN;
    }
    let r2 = radius * radius;
    let near = probes
        .iter()
        .filter(|p| {
            points
                .iter()
                .any(|q| (p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2) <= r2)
        })
        .count();
    near as f64 / probes.len() as f64
}

/// Contour points every `spacing` that are at least `away` from every corner.
pub fn baseline_probes(
    contour: &[crate::geometry::Polyline],
    corners: &[[f64; 2]],
    spacing: f64,
    away: f64,
) -> Vec<[f64; 2]> {
    let mut out = Vec::new();
    for l in contour {
        let mut since = f64::INFINITY;
        for w in l.windows(2) {
            since += (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
            let p = w[1];
            if since >= spacing
                && !super::features::on_edge(p)
                && corners
                    .iter()
                    .all(|c| (c[0] - p[0]).hypot(c[1] - p[1]) >= away)
            {
                out.push(p);
                since = 0.0;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::{Architecture, Network};
    use rand::SeedableRng;

    #[test]
    fn second_layer_bends_sit_on_first_layer_lines() {
        let mut bent = 0;
        for seed in 0..10 {
            let mut n = Network::init(
                Architecture::new(&[8, 6, 4]).unwrap(),
                &mut rand_chacha::ChaCha8Rng::seed_from_u64(seed),
            );
            n.params.iter_mut().for_each(|p| *p *= 3.0);
            let credit = bend_credit(&Geometry::new(&n, Rect::UNIT));
            assert!(credit[0].is_empty());
            // Layer 2 can only bend on layer 1; layer 3's shares add up to 1.
            if credit[1][0].is_finite() {
                assert!((credit[1][0] - 1.0).abs() < 1e-12, "{credit:?}");
                bent += 1;
            }
            if credit[2][0].is_finite() {
                assert!(
                    (credit[2].iter().sum::<f64>() - 1.0).abs() < 1e-9,
                    "{credit:?}"
                );
            }
        }
        assert!(bent >= 3, "too few nets with bends: {bent}");
    }

    #[test]
    fn lines_through_a_corner_attract_it() {
        // Two layer-1 lines crossing at (0.3, 0.4), a third elsewhere.
        let a = Architecture::new(&[3]).unwrap();
        let mut n = Network::init(a, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let lines: [[f32; 3]; 3] = [[1.0, 0.0, -0.3], [0.0, 1.0, -0.4], [1.0, 1.0, -1.6]];
        for (j, u) in lines.iter().enumerate() {
            n.params[2 * j] = u[0];
            n.params[2 * j + 1] = u[1];
            n.params[6 + j] = u[2];
        }
        let g = Geometry::new(&n, Rect::UNIT);
        let pts = &critical_points(&g)[0];
        // Crossings: (0.3, 0.4), and x + y = 1.6 with x = 0.3 → (0.3, 1.3) outside, with
        // y = 0.4 → (1.2, 0.4) outside: one crossing in the square.
        assert_eq!(share_near(&[[0.3, 0.4]], pts, 0.0075), 1.0, "{pts:?}");
        assert_eq!(share_near(&[[0.7, 0.7]], pts, 0.0075), 0.0);
    }
}
