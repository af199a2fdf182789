//! §10 failure: how well each of the target's components is learned over time, when it is
//! first learned ("birth": accuracy ≥ ½), what the network spends inside it, and whether
//! the run failed it — a component thick enough to learn (inscribed radius ≥ 3 px) that
//! ends below ½ while the whole image is ≥ 90 % right. Thinner components (outlines) are
//! reported, never a failure: the report's own 1-px label outline is missed by every run.

use super::thresholds::thresholds;
use super::features::{Component, component_map};
use super::phenomenon::{Card, Measure, OverlaySpec, Phenomenon, Setup, Step, Thresholds};
use super::{Analysis, Sample, rows::Row};
use crate::geometry::Geometry;
use crate::nn::Network;
use crate::overlays::{Context, Shapes, component_outlines};
use crate::targets::Target;
use serde::Serialize;

/// One component over the run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ComponentHistory {
    pub depth: usize,
    /// 1 = white.
    pub class: u8,
    pub area: usize,
    /// Inscribed radius in pixels.
    pub thickness: f64,
    /// Share of its pixels predicted right, per snapshot.
    pub accuracy: Vec<f64>,
    /// First iteration at which its accuracy reached ½.
    pub birth: Option<u64>,
    /// Linear regions whose centroid lies in it, at the last snapshot.
    pub regions: usize,
    /// Units whose boundary passes through it, at the last snapshot.
    pub units: usize,
    /// Length of the decision boundary inside it over the length of its own outline, at
    /// the last snapshot.
    pub decision_per_outline: f64,
    pub verdict: Verdict,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Learned,
    /// Thick enough to learn, missed at the end while the image as a whole was learned.
    Failed,
    /// Missed at the end, but the run as a whole is not good enough to call it a failure.
    Missed,
    /// Thinner than the thickness threshold: reported, never a failure.
    Thin,
}

/// Follows every component of `t` over the snapshots `(iteration, net, geometry)`.
#[derive(Clone)]
pub struct Tracker {
    comps: Vec<Component>,
    /// Each component's outline length in input units (pixel edges to other components).
    outline: Vec<f64>,
    label: Vec<usize>,
    width: u32,
    height: u32,
    white: Vec<bool>,
    history: Vec<ComponentHistory>,
    overall: f64,
}

impl Tracker {
    pub fn new(t: &Target) -> Self {
        let (comps, label) = component_map(t);
        let history = comps
            .iter()
            .map(|c| ComponentHistory {
                depth: c.depth,
                class: c.class,
                area: c.area,
                thickness: c.thickness,
                accuracy: vec![],
                birth: None,
                regions: 0,
                units: 0,
                decision_per_outline: 0.0,
                verdict: Verdict::Learned,
            })
            .collect();
        let (w, h) = (t.width as usize, t.height as usize);
        let mut outline = vec![0.0; comps.len()];
        for i in 0..w * h {
            for j in [
                (i % w + 1 < w).then(|| i + 1),
                (i / w + 1 < h).then(|| i + w),
            ]
            .into_iter()
            .flatten()
            {
                if label[i] != label[j] {
                    let edge = 1.0 / w.max(h) as f64;
                    outline[label[i]] += edge;
                    outline[label[j]] += edge;
                }
            }
        }
        Self {
            comps,
            outline,
            label,
            width: t.width,
            height: t.height,
            white: t.white.clone(),
            history,
            overall: 0.0,
        }
    }

    /// One snapshot, with its prediction at every pixel centre of the target.
    pub fn add(&mut self, iteration: u64, p: &[f32], geom: &Geometry) {
        let mut right = vec![0usize; self.comps.len()];
        for (i, (&prob, &white)) in p.iter().zip(&self.white).enumerate() {
            if (prob > 0.5) == white {
                right[self.label[i]] += 1;
            }
        }
        self.overall = right.iter().sum::<usize>() as f64 / self.white.len() as f64;
        for (h, &r) in self.history.iter_mut().zip(&right) {
            let a = r as f64 / h.area as f64;
            h.accuracy.push(a);
            if h.birth.is_none() && a >= 0.5 {
                h.birth = Some(iteration);
            }
        }
        // Regions inside each component, by their centroid's pixel; units whose boundary
        // passes through it; the decision boundary's length inside it.
        let (w, h) = (self.width as usize, self.height as usize);
        let label_at = |p: [f64; 2]| {
            let (c, r) = (
                ((p[0] * w as f64) as usize).min(w - 1),
                ((p[1] * h as f64) as usize).min(h - 1),
            );
            self.label[r * w + c]
        };
        let mut units = vec![std::collections::BTreeSet::new(); self.comps.len()];
        for (k, b) in geom.boundaries.iter().enumerate() {
            for line in &b.polylines {
                for seg in line.windows(2) {
                    for t in [0.0, 0.25, 0.5, 0.75] {
                        let p = [
                            seg[0][0] + t * (seg[1][0] - seg[0][0]),
                            seg[0][1] + t * (seg[1][1] - seg[0][1]),
                        ];
                        units[label_at(p)].insert(k);
                    }
                }
            }
        }
        let mut decision = vec![0.0; self.comps.len()];
        for line in &geom.decision {
            for seg in line.windows(2) {
                let mid = [(seg[0][0] + seg[1][0]) / 2.0, (seg[0][1] + seg[1][1]) / 2.0];
                decision[label_at(mid)] += (seg[1][0] - seg[0][0]).hypot(seg[1][1] - seg[0][1]);
            }
        }
        for (k, hist) in self.history.iter_mut().enumerate() {
            hist.regions = 0;
            hist.units = units[k].len();
            hist.decision_per_outline = decision[k] / self.outline[k].max(1e-12);
        }
        for r in geom.regions() {
            let c = crate::geometry::corner_mean(&geom.polygon(r));
            let (col, row) = (
                ((c[0] * self.width as f64) as usize).min(self.width as usize - 1),
                ((c[1] * self.height as f64) as usize).min(self.height as usize - 1),
            );
            self.history[self.label[row * self.width as usize + col]].regions += 1;
        }
    }

    /// The verdicts, from the last snapshot added.
    pub fn finish(mut self, th: &Thresholds) -> Vec<ComponentHistory> {
        for h in &mut self.history {
            let last = h.accuracy.last().copied().unwrap_or(0.0);
            h.verdict = if last >= 0.5 {
                Verdict::Learned
            } else if h.thickness < th.get(&THICKNESS_PX) {
                Verdict::Thin
            } else if self.overall >= th.get(&OVERALL_ACCURACY) {
                Verdict::Failed
            } else {
                Verdict::Missed
            };
        }
        self.history
    }
}

thresholds! {
    /// §10: a component is thick enough to learn from this inscribed radius (pixels)
    THICKNESS_PX = real("failure_thickness_px", 3.0);
    /// §10: the run counts as good from this overall accuracy
    OVERALL_ACCURACY = real("failure_overall_accuracy", 0.9);
}

/// §10 as a phenomenon of the registry.
pub struct Failure;

const ABOUT: &str = "the target's components the network leaves wrong (thin ones are reported, never failed)";
const OVERLAY: OverlaySpec = OverlaySpec::of_history("components", "outlined in the colour of their accuracy");
const CARD: Card = Card::new("failure", "§10", ABOUT)
    .thresholds(&[THICKNESS_PX, OVERALL_ACCURACY])
    .overlays(&[OVERLAY]);

impl Phenomenon for Failure {
    fn card(&self) -> Card {
        CARD
    }

    fn measure(&self, s: &Setup) -> Box<dyn Measure> {
        Box::new(s.data.image().map(Tracker::new))
    }

    fn summary(&self, a: &Analysis, s: &mut String) {
        use std::fmt::Write;
        if a.components.is_empty() {
            s.push_str("§10 failure: not applicable (not an image target)\n");
            return;
        }
        let failed = a
            .components
            .iter()
            .filter(|c| c.verdict == Verdict::Failed)
            .count();
        let _ = writeln!(
            s,
            "§10 failure: {} — components (depth, class, px, thickness → last accuracy, birth, verdict):",
            if failed == 0 {
                "no component failed".to_string()
            } else {
                format!("{failed} component(s) FAILED")
            }
        );
        for c in &a.components {
            let _ = writeln!(
                s,
                "    {} {} {:>6} px {:>5.1} px → {:>6.1} %, born {}, {:?} ({} regions, {} units, decision boundary {:.2}× its outline)",
                c.depth,
                if c.class == 1 { "white" } else { "black" },
                c.area,
                c.thickness,
                100.0 * c.accuracy.last().copied().unwrap_or(0.0),
                c.birth.map_or("never".to_string(), |b| format!("at {b}")),
                c.verdict,
                c.regions,
                c.units,
                c.decision_per_outline
            );
        }
    }

    /// The components at this snapshot: those still below half right, and whether thick.
    fn row(&self, a: &Analysis, k: usize) -> Option<Row> {
        if a.components.is_empty() || a.samples.is_empty() {
            return None;
        }
        let k = k.min(a.samples.len() - 1);
        let at = |c: &ComponentHistory| c.accuracy.get(k).copied().unwrap_or(0.0);
        let min = a.thresholds.get(&THICKNESS_PX);
        let thick = |c: &&ComponentHistory| c.thickness >= min;
        let missed: Vec<String> = a
            .components
            .iter()
            .filter(|c| at(c) < 0.5)
            .map(|c| {
                format!(
                    "depth {} ({})",
                    c.depth,
                    if thick(&c) { "missed" } else { "thin" }
                )
            })
            .collect();
        Some(Row {
            name: "failure",
            verdict: if missed.is_empty() {
                "every component learned".into()
            } else {
                Row::counted(&missed)
            },
            figure: "accuracy of the worst thick component",
            series: (0..a.samples.len())
                .map(|i| {
                    let worst = a
                        .components
                        .iter()
                        .filter(thick)
                        .filter_map(|c| c.accuracy.get(i).copied())
                        .fold(f64::INFINITY, f64::min);
                    (
                        a.samples[i].iteration,
                        if worst.is_finite() { worst } else { f64::NAN },
                    )
                })
                .collect(),
            overlay: Some("components"),
            ..Row::default()
        })
    }

    fn draw(&self, _: &str, cx: &Context, shapes: &mut Shapes) {
        if let Some(t) = cx.target {
            shapes.components = component_outlines(t, cx);
        }
    }
}

/// `None`: not an image target.
impl Measure for Option<Tracker> {
    fn add(&mut self, step: &Step, _: &mut Sample) {
        if let (Some(t), Some(p)) = (self.as_mut(), step.prediction) {
            t.add(step.snap.iteration, p, step.geom);
        }
    }

    fn report(&self, s: &Setup, _: Option<(&Network, &Geometry)>, a: &mut Analysis) {
        a.components = self.clone().map_or_else(Vec::new, |t| t.finish(&s.th));
    }

}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::{Architecture, Network};
    use rand::SeedableRng;

    /// A net that says "black" everywhere: all weights 0, the output biases apart.
    fn all_black() -> Network {
        let a = Architecture::new(&[4]).unwrap();
        let mut n = Network::init(a.clone(), &mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        n.params.iter_mut().for_each(|p| *p = 0.0);
        let o = a.offset(1) + 2 * 4;
        n.params[o] = 1.0; // logit of black
        n
    }

    fn track(t: &Target, net: &Network) -> Vec<ComponentHistory> {
        let mut tr = Tracker::new(t);
        let g = Geometry::new(net, Rect::UNIT);
        tr.add(
            0,
            &crate::geometry::raster::prediction(&g, net, t.width, t.height),
            &g,
        );
        tr.finish(&Thresholds::default())
    }

    #[test]
    fn a_thick_component_missed_by_a_good_run_is_a_failure_a_thin_one_is_not() {
        // A black image with a white square (8 % of it) and a thin white ring.
        let t = Target::from_fn(100, 100, |x, y| {
            let square = (0.4..0.68).contains(&x) && (0.4..0.68).contains(&y);
            let r = ((x - 0.5).powi(2) + (y - 0.5).powi(2)).sqrt();
            square || (0.45..0.46).contains(&r) && y > 0.7
        });
        let h = track(&t, &all_black());
        let square = h.iter().find(|c| c.class == 1 && c.area > 500).unwrap();
        assert_eq!(square.accuracy, vec![0.0]);
        assert_eq!(square.verdict, Verdict::Failed);
        let ring = h.iter().find(|c| c.class == 1 && c.area < 500).unwrap();
        assert_eq!(ring.verdict, Verdict::Thin, "{ring:?}");
        let background = &h[0];
        assert_eq!(
            (background.verdict, background.birth),
            (Verdict::Learned, Some(0))
        );
    }

    /// A hand-built diamond detector: layer 1 computes relu(±(x − ½)), relu(±(y − ½)), whose
    /// sum is the L1 distance d from the centre; layer 2's unit is relu(k(0.2 − d)); the
    /// white logit weighs it, the black logit is a constant a little above the white bias.
    fn diamond_detector(output_weight: f32) -> Network {
        let a = Architecture::new(&[4, 1]).unwrap();
        let mut n = Network::init(a.clone(), &mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        n.params.iter_mut().for_each(|p| *p = 0.0);
        let units: [[f32; 3]; 4] = [
            [1.0, 0.0, -0.5],
            [-1.0, 0.0, 0.5],
            [0.0, 1.0, -0.5],
            [0.0, -1.0, 0.5],
        ];
        for (j, u) in units.iter().enumerate() {
            n.params[2 * j] = u[0];
            n.params[2 * j + 1] = u[1];
            n.params[8 + j] = u[2];
        }
        let o = a.offset(1);
        let k = 50.0;
        for j in 0..4 {
            n.params[o + j] = -k;
        }
        n.params[o + 4] = 0.2 * k;
        let out = a.offset(2);
        // Logits [black, white]: weights [0, w], biases [0.01, 0].
        n.params[out + 1] = output_weight;
        n.params[out + 2] = 0.01;
        n
    }

    #[test]
    fn zeroing_a_diamond_detectors_output_weights_fails_the_diamond() {
        let t = Target::from_fn(100, 100, |x, y| (x - 0.5).abs() + (y - 0.5).abs() < 0.2);
        let diamond = |h: &[ComponentHistory]| h.iter().find(|c| c.class == 1).unwrap().clone();
        let working = track(&t, &diamond_detector(1.0));
        assert_eq!(diamond(&working).verdict, Verdict::Learned);
        assert!(
            diamond(&working).accuracy[0] > 0.95,
            "{:?}",
            diamond(&working)
        );
        let zeroed = track(&t, &diamond_detector(0.0));
        assert_eq!(
            diamond(&zeroed).verdict,
            Verdict::Failed,
            "{:?}",
            diamond(&zeroed)
        );
    }

    #[test]
    fn a_bad_run_misses_without_failing() {
        // Half the image white: a net saying black everywhere is only 50 % right.
        let t = Target::from_fn(50, 50, |x, _| x > 0.5);
        let h = track(&t, &all_black());
        let white = h.iter().find(|c| c.class == 1).unwrap();
        assert_eq!(white.verdict, Verdict::Missed);
    }
}
