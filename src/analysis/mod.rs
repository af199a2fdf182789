//! The report's phenomena as measured, reproducible quantities over a run (`ginn analyze`).
//! Each snapshot's exact geometry is built once and every measure reads it. A phenomenon
//! is one file implementing [`Phenomenon`] — its thresholds, its measure snapshot by
//! snapshot, its summary block, its panel row, its overlays — listed once in the registry
//! below: §5 bias before weights (`bias_first`), §6 critical points (`critical`), §7
//! copycats (`copycats`), §8 indecisive units (`indecisive`), §9 symmetry (`symmetry`), §10
//! failure (`failure`) and §3–4's local complexity (`complexity`). Always measured: the
//! target's features (`features`) and where the boundaries go (regions, lengths, dead
//! units: the analyzer).

mod analyzer;
pub mod assignment;
pub mod features;
pub mod phenomenon;
pub mod rows;
pub mod segments;
mod summary;
pub mod thresholds;

use crate::run::Run;
use serde::Serialize;

pub use analyzer::Analyzer;
pub use copycats::{Episode, Pair, PairKind};
pub use features::TargetFeatures;
pub use phenomenon::{
    Card, Measure, OverlaySpec, Phenomenon, Registry, Setup, Step, Threshold, Thresholds,
};

/// The registry: one line per phenomenon, its file and its type. Adding a phenomenon is
/// its own file and one line here (the README's contributor notes show one).
macro_rules! phenomena {
    ($($file:ident :: $kind:ident),* $(,)?) => {
        $(pub mod $file;)*
        /// The report's phenomena, in the order the JSON's `computed` lists them.
        pub(crate) static PHENOMENA: &[&dyn Phenomenon] = &[$(&$file::$kind),*];
    };
}

phenomena! {
    bias_first::BiasFirst,
    critical::CriticalPoints,
    copycats::Copycats,
    symmetry::Symmetric,
    failure::Failure,
    complexity::Complexity,
    indecisive::Indecisive,
}

/// Version of the JSON `ginn analyze --json` writes.
pub const SCHEMA: u32 = 1;

/// Per snapshot: where the boundaries are and how many units a layer effectively has.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
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
    /// What phenomena outside the built-in schema measured at this snapshot, each under
    /// its name.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
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
    /// The sections of phenomena outside the built-in schema, each under its name.
    #[serde(flatten)]
    pub sections: serde_json::Map<String, serde_json::Value>,
    /// The phenomena measured (their summary blocks and rows).
    #[serde(skip)]
    pub registry: Registry,
}

/// Analyses a run, snapshot by snapshot.
pub fn analyze(run: &Run, th: &Thresholds) -> Result<Analysis, crate::geometry::Truncation> {
    analyze_with(run, th, &Registry::builtin(), &|| {})
}

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
        copycats::HAUSDORFF,
        phenomenon::HAUSDORFF_STEP,
        indecisive::SEPARATION,
    ]
    .iter()
    .map(|t| (t.name, th.get(t) * sx, th.get(t) * sy))
    .collect()
}

/// [`analyze`] measuring the phenomena of `registry`, calling `tick` after each snapshot
/// (progress).
pub fn analyze_with(
    run: &Run,
    th: &Thresholds,
    registry: &Registry,
    tick: &(dyn Fn() + Sync),
) -> Result<Analysis, crate::geometry::Truncation> {
    let mut a = Analyzer::for_run(run, th.clone(), registry.clone());
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
