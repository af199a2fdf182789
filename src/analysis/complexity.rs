//! §3–4 where the boundaries go: the local complexity — how many units' boundaries pass
//! within a small disc — on the target's contour against far from it. The report sees the
//! boundaries gather on the image's edges.

use super::thresholds::thresholds;
use super::features::{self, TargetFeatures};
use super::phenomenon::{Card, Measure, OverlaySpec, Phenomenon, Setup, Step, Thresholds};
use super::segments::SegmentIndex;
use super::{Analysis, Sample, rows::Row};
use crate::geometry::Geometry;
use crate::overlays::{Context, HEAT_SIDE, Shapes, heat};
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
            .filter(|&p| !index.near(p, th.get(&FAR_PX) * f.pixel))
            .collect();
        Self {
            near,
            far,
            radius: th.get(&RADIUS_PX) * f.pixel,
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

thresholds! {
    /// §3–4 local complexity: units whose boundary meets a disc of this radius (pixels)
    RADIUS_PX = real("complexity_px", 2.0);
    /// §3–4: far points are at least this far from the contour (pixels)
    FAR_PX = real("far_px", 10.0);
}

/// §3–4's local complexity as a phenomenon of the registry.
pub struct Complexity;

const ABOUT: &str = "how many units' boundaries pass near the target's contour, against far from it";
const OVERLAY: OverlaySpec = OverlaySpec::new("complexity", "heat map of units nearby");
const CARD: Card = Card::new("complexity", "§3–4", ABOUT)
    .thresholds(&[RADIUS_PX, FAR_PX])
    .overlays(&[OVERLAY]);

impl Phenomenon for Complexity {
    fn card(&self) -> Card {
        CARD
    }

    fn measure(&self, s: &Setup) -> Box<dyn Measure> {
        Box::new(match (&s.target, s.data.image()) {
            (Some(f), Some(t)) => Some(std::sync::Arc::new(Probes::new(f, t, &s.th))),
            _ => None,
        })
    }

    fn summary(&self, a: &Analysis, s: &mut String) {
        use std::fmt::Write;
        let (Some(first), Some(last)) = (a.samples.first(), a.samples.last()) else {
            return;
        };
        if a.target.is_none() {
            s.push_str("§3–4 local complexity: not applicable (not an image target)\n");
        }
        let ratio = |n: f64, f: f64| {
            if f > 0.0 {
                format!("{:.1}×", n / f)
            } else {
                "∞".into()
            }
        };
        if let (Some(n), Some(f)) = (last.complexity_near, last.complexity_far) {
            let _ = writeln!(
                s,
                "§3–4 local complexity (units within {} px): near the contour {:.2}, far from it {:.2}, {} (at the start {})",
                a.thresholds.get(&RADIUS_PX),
                n,
                f,
                ratio(n, f),
                match (first.complexity_near, first.complexity_far) {
                    (Some(n), Some(f)) => ratio(n, f),
                    _ => "-".into(),
                }
            );
        }
    }

    fn row(&self, a: &Analysis, k: usize) -> Option<Row> {
        let now = a.samples.get(k)?;
        let (Some(n), Some(f)) = (now.complexity_near, now.complexity_far) else {
            return None;
        };
        Some(Row {
            name: "complexity",
            verdict: if f > 0.0 {
                format!("{:.1}× more units near the contour", n / f)
            } else {
                format!("{n:.1} units near the contour, none far")
            },
            figure: "units near the contour over units far from it",
            series: Row::series(a, |s| match (s.complexity_near, s.complexity_far) {
                (Some(n), Some(f)) if f > 0.0 => Some(n / f),
                _ => None,
            }),
            overlay: Some("complexity"),
            ..Row::default()
        })
    }

    fn draw(&self, _: &str, cx: &Context, shapes: &mut Shapes) {
        let pixel = cx
            .target
            .map_or(1.0 / HEAT_SIDE as f64, |t| t.features.pixel);
        let radius = cx.thresholds.get(&RADIUS_PX) * pixel;
        shapes.complexity = Some(heat(cx.geom, radius, HEAT_SIDE));
    }
}

/// The probes, shared by the analysis's clones (`None`: not an image target).
impl Measure for Option<std::sync::Arc<Probes>> {
    fn add(&mut self, step: &Step, sample: &mut Sample) {
        if let Some(p) = self {
            (sample.complexity_near, sample.complexity_far) = measure(step.geom, p);
        }
    }

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
