//! The report's phenomena as measured, reproducible quantities over a run (`ginn analyze`).
//! Each snapshot's exact geometry is built once and every measure reads it: the target's
//! features (`features`), §5 bias before weights (`bias_first`), §6 critical points
//! (`critical`), §7 copycats (`copycats`), §8 indecisive units (`indecisive`), §9 symmetry
//! (`symmetry`), §10 failure (`failure`) and §3–4 where the boundaries go (here).

mod analyzer;
pub mod assignment;
pub mod bias_first;
pub mod complexity;
pub mod copycats;
pub mod critical;
pub mod failure;
pub mod features;
pub mod indecisive;
pub mod rows;
pub mod segments;
mod summary;
pub mod symmetry;

use crate::run::Run;
use serde::Serialize;

pub use analyzer::Analyzer;
pub use copycats::{Pair, PairKind};
pub use features::TargetFeatures;

/// Version of the JSON `ginn analyze --json` writes.
pub const SCHEMA: u32 = 1;

/// Every threshold a verdict depends on; echoed in the output, and each can be changed
/// (`ginn analyze --set NAME=VALUE`).
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
pub struct Thresholds {
    /// Contour corners: Douglas–Peucker tolerance (pixels) and the least turn (degrees).
    pub corner_tolerance_px: f64,
    pub corner_angle_deg: f64,
    /// A reflection is a mirror axis of the target when it maps this share of pixels onto
    /// their own class.
    pub mirror_agreement: f64,
    /// Copycats: activation cosine at least this, boundaries within this (input units).
    pub copycat_cosine: f64,
    pub copycat_hausdorff: f64,
    /// Mirror pairs: pre-activation cosine at most this (and boundaries as close).
    pub mirror_cosine: f64,
    /// Spacing of the points sampled along a boundary for distances (input units).
    pub hausdorff_step: f64,
    /// §10: a component is thick enough to learn from this inscribed radius (pixels); the
    /// run counts as good from this overall accuracy.
    pub failure_thickness_px: f64,
    pub failure_overall_accuracy: f64,
    /// §9: a boundary point counts as mirrored when its mirror image is this close (px).
    pub symmetry_px: f64,
    /// §3–4 local complexity: units whose boundary meets a disc of this radius (px); far
    /// points are at least `far_px` from the contour.
    pub complexity_px: f64,
    pub far_px: f64,
    /// §6: a corner is attracted by a kink or crossing this close (px); the baseline uses
    /// contour points at least `corner_away_px` from every corner; a capture holds for
    /// `capture_snapshots` snapshots.
    pub attraction_px: f64,
    pub corner_away_px: f64,
    pub capture_snapshots: usize,
    /// §5: points sampled along each boundary, and how many first decades count as early.
    pub bias_points_per_unit: usize,
    pub early_decades: u32,
    /// §8: least separation of the two states (input units), least number of switches,
    /// most pixels flipped by swapping the states, and the late snapshots needed to tell.
    pub indecisive_separation: f64,
    pub indecisive_switches: usize,
    pub indecisive_flipped: f64,
    pub indecisive_min_snapshots: usize,
}

impl Thresholds {
    /// The thresholds with `name=value` applied (a name of a field, a number).
    pub fn with(self, assignment: &str) -> Result<Self, String> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("--set takes NAME=VALUE, got `{assignment}`"))?;
        let mut v = serde_json::to_value(&self).expect("thresholds serialise");
        let names: Vec<String> = v.as_object().expect("a struct").keys().cloned().collect();
        let slot = v.get_mut(name.trim()).ok_or_else(|| {
            format!(
                "--set: no threshold `{name}` (there are {})",
                names.join(", ")
            )
        })?;
        let number: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("--set {name}: `{value}` is not a number"))?;
        *slot = if slot.is_u64() {
            serde_json::Value::from(number as u64)
        } else {
            serde_json::Value::from(number)
        };
        serde_json::from_value(v).map_err(|e| format!("--set {name}={value}: {e}"))
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            corner_tolerance_px: 0.75,
            corner_angle_deg: 35.0,
            mirror_agreement: 0.98,
            copycat_cosine: 0.99,
            copycat_hausdorff: 0.02,
            mirror_cosine: -0.99,
            hausdorff_step: 0.005,
            failure_thickness_px: 3.0,
            failure_overall_accuracy: 0.9,
            symmetry_px: 2.0,
            complexity_px: 2.0,
            far_px: 10.0,
            attraction_px: 1.5,
            corner_away_px: 3.0,
            capture_snapshots: 5,
            bias_points_per_unit: 10,
            early_decades: 2,
            indecisive_separation: 0.03,
            indecisive_switches: 3,
            indecisive_flipped: 0.002,
            indecisive_min_snapshots: 10,
        }
    }
}

/// A pair's life: the snapshots (iterations) from which to which it held.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    pub layer: usize,
    pub units: [usize; 2],
    pub kind: PairKind,
    pub from: u64,
    /// The last snapshot it held at.
    pub to: u64,
}

/// Per snapshot: where the boundaries are and how many units a layer effectively has.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Sample {
    pub iteration: u64,
    pub regions: usize,
    /// Per hidden layer.
    pub boundary_length: Vec<f64>,
    /// Units whose boundary misses the square and that are inactive everywhere.
    pub dead_units: Vec<usize>,
    /// Clusters of units at the copycat cosine.
    pub effective_width: Vec<usize>,
    pub copycats: usize,
    pub mirrors: usize,
    /// §9, per mirror axis of the target.
    pub symmetry: Vec<symmetry::Symmetry>,

    /// §3–4: mean number of units whose boundary passes within the complexity radius of a
    /// point on the target's contour, and of a point far from it (`None` without a target).
    pub complexity_near: Option<f64>,
    pub complexity_far: Option<f64>,
    /// §6, per hidden layer: the share of the target's corners with a kink or crossing of
    /// that layer's boundaries nearby, and the same share for contour points away from
    /// corners (empty without corners).
    pub corner_attraction: Vec<f64>,
    pub contour_attraction: Vec<f64>,
    /// §6: the target's corners that have had a kink or crossing near them for the last
    /// `capture_snapshots` snapshots (captured, as of this snapshot), per corner and counted.
    #[serde(skip)]
    pub corners_held: Vec<bool>,
    pub corners_captured: usize,
    /// §5: of the boundaries' motion in the step into this snapshot, the share that is
    /// shift (`None` for the first snapshot, or when nothing moved).
    pub shift_share: Option<f64>,
}

/// Everything `ginn analyze` reports for one run.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    pub schema: u32,
    /// §3–4: per layer, units that were dead at some snapshot and alive at a later one.
    pub revived_units: Vec<usize>,
    /// §9 at the last snapshot, per mirror axis: each layer's units as self-symmetric,
    /// paired or unmatched.
    pub roles: Vec<Vec<Vec<symmetry::Role>>>,
    /// §8: the units that hesitate between two states late in training.
    pub indecisive: Option<indecisive::Verdict>,
    /// §8: the iterations of the late snapshots (the window the verdict looks at).
    pub late_iterations: Vec<u64>,
    /// The measures computed (`--only` leaves some out).
    pub computed: Vec<&'static str>,
    /// §5: β and β₀ per unit per decade, the medians per layer, and per layer whether the
    /// report's claim holds (`None`: too few decades to tell).
    pub bias_first: Vec<bias_first::UnitDecade>,
    pub bias_first_layers: Vec<bias_first::LayerDecade>,
    pub bias_first_holds: Vec<Option<bool>>,
    /// §5: per layer, the decades where its units' β peaked, `(layer, decade, units)`.
    pub bias_first_peaks: Vec<(usize, u32, usize)>,
    /// §6 at the last snapshot: per layer, the share of its bends' turning that sits on
    /// each earlier layer's boundaries.
    pub bends_on: Vec<Vec<f64>>,
    /// §6: per target corner, the iteration from which a kink or crossing stayed near it to
    /// the end (for at least the capture's snapshots); `None`: not captured.
    pub corner_capture: Vec<Option<u64>>,
    /// Hidden layer widths of the run.
    pub widths: Vec<usize>,
    pub thresholds: Thresholds,
    /// `None` for runs not trained on an image.
    pub target: Option<TargetFeatures>,
    pub samples: Vec<Sample>,
    /// Copycat and mirror pairs over the run.
    pub episodes: Vec<Episode>,
    /// The pairs at the last snapshot.
    pub last_pairs: Vec<Pair>,
    /// §10: each component of an image target over the run, with its verdict.
    pub components: Vec<failure::ComponentHistory>,
    /// Phenomena of the report not measured (yet).
    pub not_measured: Vec<&'static str>,
}

/// Which measures to compute (`ginn analyze --only`); the others are left empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measures {
    pub bias: bool,
    pub critical: bool,
    pub copycats: bool,
    pub symmetry: bool,
    pub failure: bool,
    pub complexity: bool,
    pub indecisive: bool,
}

impl Measures {
    pub const NAMES: [&'static str; 7] = [
        "bias",
        "critical",
        "copycats",
        "symmetry",
        "failure",
        "complexity",
        "indecisive",
    ];

    pub fn all() -> Self {
        Self {
            bias: true,
            critical: true,
            copycats: true,
            symmetry: true,
            failure: true,
            complexity: true,
            indecisive: true,
        }
    }

    /// A comma-separated list of [`Measures::NAMES`].
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut m = Self {
            bias: false,
            critical: false,
            copycats: false,
            symmetry: false,
            failure: false,
            complexity: false,
            indecisive: false,
        };
        for name in list.split(',').map(str::trim) {
            *match name {
                "bias" => &mut m.bias,
                "critical" => &mut m.critical,
                "copycats" => &mut m.copycats,
                "symmetry" => &mut m.symmetry,
                "failure" => &mut m.failure,
                "complexity" => &mut m.complexity,
                "indecisive" => &mut m.indecisive,
                _ => {
                    return Err(format!(
                        "--only takes {} (comma-separated), got `{name}`",
                        Self::NAMES.join(", ")
                    ));
                }
            } = true;
        }
        Ok(m)
    }
}

/// Analyses a run, snapshot by snapshot.
pub fn analyze(run: &Run, th: &Thresholds) -> Result<Analysis, crate::geometry::Truncation> {
    analyze_with(run, th, Measures::all(), &|| {})
}

/// [`analyze`] computing only `measures`, calling `tick` after each snapshot (progress).
/// `ginn analyze --json`'s object for one run: the analysis, the run's file name, its
/// domain, and (on a domain other than the unit square) the distance thresholds in the
/// domain's units.
pub fn to_json(file: &str, run: &Run, a: &Analysis) -> serde_json::Value {
    let mut v = serde_json::to_value(a).expect("an analysis serialises");
    v["run"] = serde_json::Value::String(file.into());
    let d = run.domain;
    v["domain"] = serde_json::json!([d.x0, d.x1, d.y0, d.y1]);
    if !d.is_unit() {
        v["thresholds_in_domain_units"] = serde_json::Value::Object(
            in_domain_units(&a.thresholds, &d)
                .into_iter()
                .map(|(k, x, y)| (k.to_string(), serde_json::json!({ "x": x, "y": y })))
                .collect(),
        );
    }
    v
}

/// The thresholds given as distances in the view square (`--set` takes them so), in the
/// domain's units along x and along y.
pub fn in_domain_units(
    th: &Thresholds,
    d: &crate::domain::Domain,
) -> Vec<(&'static str, f64, f64)> {
    let [sx, sy] = d.scale();
    [
        ("copycat_hausdorff", th.copycat_hausdorff),
        ("hausdorff_step", th.hausdorff_step),
        ("indecisive_separation", th.indecisive_separation),
    ]
    .into_iter()
    .map(|(k, v)| (k, v * sx, v * sy))
    .collect()
}

pub fn analyze_with(
    run: &Run,
    th: &Thresholds,
    measures: Measures,
    tick: &(dyn Fn() + Sync),
) -> Result<Analysis, crate::geometry::Truncation> {
    let mut a = Analyzer::for_run(run, th.clone(), measures);
    for snap in &run.snapshots {
        a.add(snap)?;
        tick();
    }
    Ok(a.analysis())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Architecture, Network};
    use crate::targets::{Data, Target};
    use crate::train::Settings;
    use crate::train::snapshot::Snapshot;
    use rand::SeedableRng;

    /// A one-snapshot run of `net` on `target`.
    fn run_of(net: &Network, target: Target) -> Run {
        Run {
            settings: Settings {
                widths: net.arch.hidden().to_vec(),
                resolution: target.width,
                iterations: 1,
                ..Settings::default()
            },
            target: Data::Image(target),
            domain: crate::domain::Domain::UNIT,
            snapshots: vec![Snapshot {
                iteration: 0,
                lr: 1e-3,
                loss: f64::NAN,
                accuracy: f64::NAN,
                test_loss: None,
                test_accuracy: None,
                params: net.params.clone(),
                adam: None,
                rng_word_pos: None,
            }],
            stopped: None,
            seconds: 0.0,
        }
    }

    #[test]
    fn boundaries_on_the_contour_make_it_complex_and_far_points_simple() {
        // Target: white right of x = 0.5. Net: four vertical lines within 1 px of it.
        let t = Target::from_fn(100, 100, |x, _| x > 0.5);
        let mut net = Network::init(
            Architecture::new(&[4]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
        );
        for (j, x) in [0.495f32, 0.498, 0.502, 0.505].iter().enumerate() {
            net.params[2 * j] = 1.0;
            net.params[2 * j + 1] = 0.0;
            net.params[8 + j] = -x;
        }
        let a = analyze(&run_of(&net, t), &Thresholds::default()).unwrap();
        let s = &a.samples[0];
        assert_eq!(s.complexity_near, Some(4.0));
        assert_eq!(s.complexity_far, Some(0.0));
        // Its only mirror axis is the horizontal one; the lines are their own mirrors there.
        assert_eq!(s.symmetry.len(), 1);
        assert!(s.symmetry[0].boundary_share[0] > 0.999);
        // Four vertical lines 1 px apart, each within 0.02 of the others and computing
        // nearly the same function: copycats.
        assert!(s.copycats >= 3, "{s:?}");
        // The panel's copycat row names exactly the units of the pairs found.
        let rows = rows::rows(&a, 0);
        let row = rows
            .iter()
            .find(|r| r.name == "copycats")
            .expect("a copycat row");
        let mut named: Vec<usize> = row.units.iter().map(|n| n.index + 1).collect();
        named.sort_unstable();
        let mut paired: Vec<usize> = a.last_pairs.iter().flat_map(|p| p.units).collect();
        paired.sort_unstable();
        paired.dedup();
        assert_eq!(named, paired);
        // The verdict names three pairs and counts the rest, so its numbers add up.
        let listed = row.verdict.matches('≈').count() + row.verdict.matches('↔').count();
        let total = s.copycats + s.mirrors;
        assert!(total > 3, "{}", row.verdict);
        assert!(
            row.verdict
                .contains(&format!("and {} more", total - listed)),
            "{}",
            row.verdict
        );
        assert!(rows.iter().any(|r| r.name == "complexity"));
        assert!(a.summary().contains("§3–4 local complexity"));
        // §10's resources: two lines on each side of the edge pass through each half.
        assert_eq!(a.components.len(), 2);
        assert!(
            a.components.iter().all(|c| c.units == 2),
            "{:?}",
            a.components
        );
    }
}
