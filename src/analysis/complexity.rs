//! §3–4 where the boundaries go: the local complexity — how many units' boundaries pass
//! within a small disc — on the target's contour against far from it. The report sees the
//! boundaries gather on the image's edges.

use super::Thresholds;
use super::features::{self, TargetFeatures};
use super::segments::SegmentIndex;
use crate::geometry::Geometry;
use crate::targets::Target;

/// Where complexity is probed: along the contour every 2 px, and at pixel centres (every
/// 4th row and column) at least `far_px` from it; and the disc's radius in input units.
pub struct Probes {
    pub near: Vec<[f64; 2]>,
    pub far: Vec<[f64; 2]>,
    pub radius: f64,
}

impl Probes {
    pub fn new(f: &TargetFeatures, t: &Target, th: &Thresholds) -> Self {
        let mut near = Vec::new();
        for l in &f.contour {
            let mut since = f64::INFINITY;
            for w in l.windows(2) {
                since += (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
                // The padding ring closes loops along the square's edge: not the target's.
                if since >= 2.0 * f.pixel && !features::on_edge(w[1]) {
                    near.push(w[1]);
                    since = 0.0;
                }
            }
        }
        let index = SegmentIndex::new(
            f.contour
                .iter()
                .flat_map(|l| l.windows(2).map(|w| (w[0], w[1]))),
            64,
        );
        let (w, h) = (t.width as usize, t.height as usize);
        let far = (0..w * h)
            .filter(|i| (i % w) % 4 == 0 && (i / w) % 4 == 0)
            .map(|i| crate::geometry::Rect::UNIT.pixel_centre(i, w, h))
            .filter(|&p| !index.near(p, th.far_px * f.pixel))
            .collect();
        Self {
            near,
            far,
            radius: th.complexity_px * f.pixel,
        }
    }
}

/// The mean number of units whose boundary passes within the probes' radius, on the
/// contour and far from it (`None` without probes of that kind).
pub fn measure(geom: &Geometry, p: &Probes) -> (Option<f64>, Option<f64>) {
    let index = SegmentIndex::of_boundaries(&geom.boundaries, 64);
    let mut tags = Vec::new();
    let mut mean = |pts: &[[f64; 2]]| {
        let total: usize = pts
            .iter()
            .map(|&q| {
                index.tags_near(q, p.radius, &mut tags);
                tags.len()
            })
            .sum();
        (!pts.is_empty()).then(|| total as f64 / pts.len() as f64)
    };
    (mean(&p.near), mean(&p.far))
}

/// Units dead (no boundary in the square and never active) at some snapshot and alive at
/// a later one, per layer, from each snapshot's dead flags (layer-major).
pub fn revived(dead: &[Vec<bool>], hidden: &[usize]) -> Vec<usize> {
    let mut out = vec![0; hidden.len()];
    let units = dead.first().map_or(0, |d| d.len());
    for k in 0..units {
        let was_dead = dead.iter().position(|d| d[k]);
        if let Some(i) = was_dead
            && dead[i..].iter().any(|d| !d[k])
        {
            out[crate::geometry::neuron_at(hidden, k).layer] += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revived_counts_units_dead_then_alive() {
        // Two layers of 2: unit 1 dies then revives; unit 3 dies for good.
        let dead = vec![
            vec![false, false, false, false],
            vec![true, false, true, false],
            vec![false, false, true, false],
        ];
        assert_eq!(revived(&dead, &[2, 2]), vec![1, 0]);
    }
}
