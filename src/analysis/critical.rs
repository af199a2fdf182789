//! §6 critical points: boundaries snap to the target's corners. Per layer, the share of
//! the target's corners with a *kink* (a bend of a boundary) or a *crossing* (two of the
//! layer's boundaries meeting) within 1.5 px — attraction — against the same share for
//! contour points ≥ 3 px from any corner (what chance alone gives), and the iteration at
//! which each corner is captured for good (held for 5 snapshots).

use super::thresholds::thresholds;
use super::phenomenon::{Card, Measure, OverlaySpec, Phenomenon, Setup, Step};
use super::segments::SegmentIndex;
use super::{Analysis, Sample, rows::Row};
use crate::geometry::Geometry;
use crate::nn::Network;
use crate::overlays::{Context, Corner, Shapes};

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

thresholds! {
    /// §6: a corner is attracted by a kink or crossing this close (pixels)
    ATTRACTION_PX = real("attraction_px", 1.5);
    /// §6: the baseline uses contour points at least this far from every corner (pixels)
    CORNER_AWAY_PX = real("corner_away_px", 3.0);
    /// §6: a corner is captured when held for this many snapshots
    CAPTURE_SNAPSHOTS = count("capture_snapshots", 5);
}

/// §6 as a phenomenon of the registry.
pub struct CriticalPoints;

/// Per target corner, the sample from which a kink or crossing has stayed near it.
#[derive(Clone, Default)]
struct Captures(Vec<Option<usize>>);

const ABOUT: &str = "the target's corners that a kink or crossing of the boundaries has held for the last few snapshots";
const OVERLAY: OverlaySpec = OverlaySpec::of_history("corners", "the target's, filled once captured");
const CARD: Card = Card::new("critical", "§6", ABOUT)
    .thresholds(&[ATTRACTION_PX, CORNER_AWAY_PX, CAPTURE_SNAPSHOTS])
    .overlays(&[OVERLAY]);

impl Phenomenon for CriticalPoints {
    fn card(&self) -> Card {
        CARD
    }

    fn measure(&self, _: &Setup) -> Box<dyn Measure> {
        Box::new(Captures::default())
    }

    fn summary(&self, a: &Analysis, s: &mut String) {
        use std::fmt::Write;
        let Some(last) = a.samples.last() else {
            return;
        };
        if a.target.as_ref().is_none_or(|t| t.corners.is_empty()) {
            s.push_str("§6 critical points: not applicable (the target has no corners)\n");
        }
        if last.corner_attraction.is_empty() {
            return;
        }
        let pct = |v: &[f64]| {
            v.iter()
                .map(|x| format!("{:.0} %", 100.0 * x))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let captured = a.corner_capture.iter().filter(|c| c.is_some()).count();
        let _ = writeln!(
            s,
            "§6 critical points: corners with a kink or crossing within {} px, per layer {} (contour away from corners: {}); {} of {} corners captured to the end",
            a.thresholds.get(&ATTRACTION_PX),
            pct(&last.corner_attraction),
            pct(&last.contour_attraction),
            captured,
            a.corner_capture.len()
        );
        for (l, shares) in a.bends_on.iter().enumerate().skip(1) {
            let _ = writeln!(
                s,
                "    layer {}'s bends sit on: {}",
                l + 1,
                shares
                    .iter()
                    .enumerate()
                    .map(|(k, v)| format!("layer {} {:.0} %", k + 1, 100.0 * v))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }

    fn row(&self, a: &Analysis, k: usize) -> Option<Row> {
        let now = a.samples.get(k)?;
        let total = a.target.as_ref().map(|t| t.corners.len()).filter(|&n| n > 0)?;
        Some(Row {
            name: "corners",
            verdict: format!("{} of {total} captured", now.corners_captured),
            figure: "share of the target's corners captured by a kink or crossing",
            series: Row::series(a, |s| Some(s.corners_captured as f64 / total as f64)),
            overlay: Some("corners"),
            ..Row::default()
        })
    }

    fn draw(&self, _: &str, cx: &Context, shapes: &mut Shapes) {
        let Some(f) = cx.target.map(|t| &t.features) else {
            return;
        };
        let sample = cx.analysis.and_then(|(a, k)| a.samples.get(k));
        shapes.corners = f
            .corners
            .iter()
            .enumerate()
            .map(|(i, &at)| Corner {
                at,
                captured: sample.is_some_and(|x| x.corners_held.get(i) == Some(&true)),
            })
            .collect();
    }
}

impl Measure for Captures {
    fn add(&mut self, step: &Step, sample: &mut Sample) {
        let Some(f) = step.setup.target.as_ref().filter(|f| !f.corners.is_empty()) else {
            return;
        };
        let th = &step.setup.th;
        let pts = critical_points(step.geom);
        let r = th.get(&ATTRACTION_PX) * f.pixel;
        let baseline = baseline_probes(
            &f.contour,
            &f.corners,
            2.0 * f.pixel,
            th.get(&CORNER_AWAY_PX) * f.pixel,
        );
        sample.corner_attraction = pts.iter().map(|p| share_near(&f.corners, p, r)).collect();
        sample.contour_attraction = pts.iter().map(|p| share_near(&baseline, p, r)).collect();
        let now = step.index;
        self.0.resize(f.corners.len(), None);
        for (since, c) in self.0.iter_mut().zip(&f.corners) {
            let near = pts.iter().any(|p| share_near(&[*c], p, r) > 0.0);
            *since = match (near, *since) {
                (true, Some(i)) => Some(i),
                (true, None) => Some(now),
                (false, _) => None,
            };
        }
        let hold = th.count(&CAPTURE_SNAPSHOTS);
        sample.corners_held = self
            .0
            .iter()
            .map(|s| s.is_some_and(|i| now + 1 - i >= hold))
            .collect();
        sample.corners_captured = sample.corners_held.iter().filter(|&&h| h).count();
    }

    /// A corner is captured at the first snapshot of the run of snapshots that kept it to
    /// the end, provided that run is long enough.
    fn report(&self, s: &Setup, last: Option<(&Network, &Geometry)>, a: &mut Analysis) {
        let hold = s.th.count(&CAPTURE_SNAPSHOTS);
        let samples = &a.samples;
        a.corner_capture = self
            .0
            .iter()
            .map(|c| {
                c.filter(|&i| samples.len() - i >= hold)
                    .map(|i| samples[i].iteration)
            })
            .collect();
        if let Some((_, g)) = last {
            a.bends_on = bend_credit(g);
        }
    }

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
