//! The report's phenomena as measured, reproducible quantities over a run (`ginn analyze`).
//! Each snapshot's exact geometry is built once and every measure reads it: the target's
//! features (`features`), §5 bias before weights (`bias_first`), §6 critical points
//! (`critical`), §7 copycats (`copycats`), §8 indecisive units (`indecisive`), §9 symmetry
//! (`symmetry`), §10 failure (`failure`) and §3–4 where the boundaries go (here).

pub mod assignment;
pub mod bias_first;
pub mod complexity;
pub mod copycats;
pub mod critical;
pub mod failure;
pub mod features;
pub mod indecisive;
pub mod segments;
pub mod symmetry;

use crate::geometry::{Geometry, Rect};
use crate::run::Run;
use serde::Serialize;

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
pub fn analyze_with(
    run: &Run,
    th: &Thresholds,
    measures: Measures,
    tick: &(dyn Fn() + Sync),
) -> Result<Analysis, crate::geometry::Truncation> {
    let arch = run.architecture();
    let target = run.target.image().map(|t| TargetFeatures::of(t, th));
    let mut samples = Vec::with_capacity(run.snapshots.len());
    let mut episodes: Vec<Episode> = Vec::new();
    let mut open: Vec<usize> = Vec::new();
    let mut last_pairs = Vec::new();
    let mut tracker = run
        .target
        .image()
        .filter(|_| measures.failure)
        .map(failure::Tracker::new);
    // Per target corner: the sample index from which a kink or crossing has stayed near it.
    let mut captured_since: Vec<Option<usize>> = Vec::new();
    let mut bias = bias_first::Tracker::new(arch.hidden(), th.bias_points_per_unit);
    let mut previous: Option<(crate::nn::Network, Geometry)> = None;
    let mut dead_flags: Vec<Vec<bool>> = Vec::new();
    // §8: the late window's networks and each unit's boundaries there.
    let late_lr = 0.1 * run.settings.lr;
    let mut late_nets: Vec<crate::nn::Network> = Vec::new();
    let mut late: Vec<indecisive::Late> = (0..arch.neuron_count())
        .map(|_| Default::default())
        .collect();
    let probes = match (&target, run.target.image()) {
        (Some(f), Some(t)) if measures.complexity => Some(complexity::Probes::new(f, t, th)),
        _ => None,
    };
    for snap in &run.snapshots {
        let net = snap
            .network(&arch)
            .expect("checked when the run was loaded");
        let geom = Geometry::complete(&net, Rect::UNIT)?;
        // The prediction at the target's pixel centres, for §9 and §10.
        let prediction = run
            .target
            .image()
            .map(|t| crate::render::prediction(&geom, &net, t.width, t.height));
        if let (Some(t), Some(p)) = (tracker.as_mut(), &prediction) {
            t.add(snap.iteration, p, &geom);
        }
        if measures.indecisive && snap.lr <= late_lr {
            for (l, b) in late.iter_mut().zip(&geom.boundaries) {
                if !b.polylines.is_empty() {
                    l.boundaries.push((late_nets.len(), b.clone()));
                }
            }
            late_nets.push(net.clone());
        }
        if let Some((old, old_geom)) = previous.as_ref().filter(|_| measures.bias) {
            bias.add(old, old_geom, &net, snap.iteration);
        }
        let (pairs, effective_width) = if measures.copycats {
            copycats::pairs(&geom, th)
        } else {
            (vec![], vec![])
        };
        // Pairs still holding extend their episode; new ones open one.
        let mut still = Vec::new();
        for p in &pairs {
            let same = |e: &Episode| e.layer == p.layer && e.units == p.units && e.kind == p.kind;
            match open.iter().find(|&&k| same(&episodes[k])) {
                Some(&k) => {
                    episodes[k].to = snap.iteration;
                    still.push(k);
                }
                None => {
                    episodes.push(Episode {
                        layer: p.layer,
                        units: p.units,
                        kind: p.kind,
                        from: snap.iteration,
                        to: snap.iteration,
                    });
                    still.push(episodes.len() - 1);
                }
            }
        }
        open = still;
        let layers = geom.layers.len();
        let square = run.target.image().is_some_and(|t| t.width == t.height);
        let symmetry = match &target {
            Some(f) if measures.symmetry && square && !f.mirror_axes.is_empty() => {
                let side = (1.0 / f.pixel).round() as usize;
                let p = prediction.as_deref().expect("an image target");
                f.mirror_axes
                    .iter()
                    .map(|m| {
                        symmetry::measure(
                            &geom,
                            p,
                            side,
                            m.axis,
                            th.hausdorff_step,
                            th.symmetry_px * f.pixel,
                        )
                    })
                    .collect()
            }
            _ => vec![],
        };
        let (complexity_near, complexity_far) = match &probes {
            Some(p) => complexity::measure(&geom, p),
            None => (None, None),
        };
        let (corner_attraction, contour_attraction, near_corner) = match &target {
            Some(f) if measures.critical && !f.corners.is_empty() => {
                let pts = critical::critical_points(&geom);
                let r = th.attraction_px * f.pixel;
                let baseline = critical::baseline_probes(
                    &f.contour,
                    &f.corners,
                    2.0 * f.pixel,
                    th.corner_away_px * f.pixel,
                );
                let near: Vec<bool> = f
                    .corners
                    .iter()
                    .map(|c| pts.iter().any(|p| critical::share_near(&[*c], p, r) > 0.0))
                    .collect();
                (
                    pts.iter()
                        .map(|p| critical::share_near(&f.corners, p, r))
                        .collect(),
                    pts.iter()
                        .map(|p| critical::share_near(&baseline, p, r))
                        .collect(),
                    near,
                )
            }
            _ => (vec![], vec![], vec![]),
        };
        captured_since.resize(near_corner.len(), None);
        for (k, &now) in near_corner.iter().enumerate() {
            captured_since[k] = match (now, captured_since[k]) {
                (true, Some(i)) => Some(i),
                (true, None) => Some(samples.len()),
                (false, _) => None,
            };
        }
        samples.push(Sample {
            iteration: snap.iteration,
            corner_attraction,
            contour_attraction,
            complexity_near,
            complexity_far,
            regions: geom.regions().len(),
            boundary_length: (0..layers)
                .map(|l| geom.layer_boundaries(l).map(|b| b.length()).sum())
                .collect(),
            dead_units: {
                let flags: Vec<bool> = arch
                    .neurons()
                    .map(|n| {
                        let s = geom.neuron_stats(n);
                        s.pieces == 0 && s.active_fraction == 0.0
                    })
                    .collect();
                let mut count = vec![0; layers];
                for (n, &d) in arch.neurons().zip(&flags) {
                    count[n.layer] += usize::from(d);
                }
                dead_flags.push(flags);
                count
            },
            effective_width,
            copycats: pairs.iter().filter(|p| p.kind == PairKind::Copycat).count(),
            mirrors: pairs.iter().filter(|p| p.kind == PairKind::Mirror).count(),
            symmetry,
        });
        last_pairs = pairs;
        previous = Some((net, geom));
        tick();
    }
    // §9's roles at the last snapshot (a matching per layer: too costly for every one).
    let roles = match (&target, &previous) {
        (Some(f), Some((_, geom)))
            if measures.symmetry && run.target.image().is_some_and(|t| t.width == t.height) =>
        {
            f.mirror_axes
                .iter()
                .map(|m| {
                    symmetry::pairing(geom, m.axis, th.symmetry_px * f.pixel, th.hausdorff_step)
                })
                .collect()
        }
        _ => vec![],
    };
    let bias_units = bias.finish();
    let bias_layers = bias_first::per_layer(&bias_units);
    // A corner is captured at the first snapshot of the run of snapshots that kept it to the
    // end, provided that run is long enough.
    let corner_capture = captured_since
        .iter()
        .map(|s| {
            s.filter(|&i| samples.len() - i >= th.capture_snapshots)
                .map(|i| samples[i].iteration)
        })
        .collect();
    let flags = [
        measures.bias,
        measures.critical,
        measures.copycats,
        measures.symmetry,
        measures.failure,
        measures.complexity,
        measures.indecisive,
    ];
    let hesitation = measures
        .indecisive
        .then(|| indecisive::find(&late, &late_nets, &run.target, th));
    Ok(Analysis {
        schema: SCHEMA,
        revived_units: complexity::revived(&dead_flags, arch.hidden()),
        roles,
        indecisive: hesitation,
        computed: Measures::NAMES
            .iter()
            .zip(flags)
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect(),
        bias_first_holds: (1..=arch.hidden().len())
            .map(|l| bias_first::verdict(&bias_layers, l, th.early_decades))
            .collect(),
        bias_first_peaks: bias_first::peaks(&bias_units),
        bends_on: match &previous {
            Some((_, g)) if measures.critical => critical::bend_credit(g),
            _ => vec![],
        },
        bias_first: bias_units,
        bias_first_layers: bias_layers,
        corner_capture,
        widths: arch.hidden().to_vec(),
        thresholds: th.clone(),
        target,
        samples,
        episodes,
        last_pairs,
        components: tracker.map_or_else(Vec::new, |t| t.finish(th)),
        not_measured: vec![],
    })
}

impl Analysis {
    /// The readable summary, one block per phenomenon.
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let on = |name: &str| self.computed.contains(&name);
        match &self.target {
            Some(t) => {
                let _ = writeln!(
                    s,
                    "target: {} contour loop(s), {} corners, {} components (depths {}), mirror axes: {}",
                    t.contour.len(),
                    t.corners.len(),
                    t.components.len(),
                    t.components
                        .iter()
                        .map(|c| format!("{}:{}px/{:.1}", c.depth, c.area, c.thickness))
                        .collect::<Vec<_>>()
                        .join(" "),
                    if t.mirror_axes.is_empty() {
                        "none".to_string()
                    } else {
                        t.mirror_axes
                            .iter()
                            .map(|m| format!("{:?} ({:.1} %)", m.axis, 100.0 * m.agreement))
                            .collect::<Vec<_>>()
                            .join(", ")
                    }
                );
            }
            None => s.push_str("target: not an image (target features not applicable)\n"),
        }
        if let (Some(first), Some(last)) = (self.samples.first(), self.samples.last()) {
            let _ = writeln!(
                s,
                "§3–4 boundaries: {} → {} linear regions; boundary length per layer {} → {}; dead units per layer {:?} → {:?}, revived {:?}",
                first.regions,
                last.regions,
                lengths(&first.boundary_length),
                lengths(&last.boundary_length),
                first.dead_units,
                last.dead_units,
                self.revived_units
            );
            if on("complexity") && self.target.is_none() {
                s.push_str("§3–4 local complexity: not applicable (not an image target)\n");
            }
            if on("critical") && self.target.as_ref().is_none_or(|t| t.corners.is_empty()) {
                s.push_str("§6 critical points: not applicable (the target has no corners)\n");
            }
            if let (Some(n), Some(f)) = (last.complexity_near, last.complexity_far) {
                let ratio = |n: f64, f: f64| {
                    if f > 0.0 {
                        format!("{:.1}×", n / f)
                    } else {
                        "∞".into()
                    }
                };
                let _ = writeln!(
                    s,
                    "§3–4 local complexity (units within {} px): near the contour {:.2}, far from it {:.2}, {} (at the start {})",
                    self.thresholds.complexity_px,
                    n,
                    f,
                    ratio(n, f),
                    match (first.complexity_near, first.complexity_far) {
                        (Some(n), Some(f)) => ratio(n, f),
                        _ => "-".into(),
                    }
                );
            }
            for (l, holds) in self
                .bias_first_holds
                .iter()
                .enumerate()
                .filter(|_| on("bias"))
            {
                let row: Vec<String> = self
                    .bias_first_layers
                    .iter()
                    .filter(|d| d.layer == l + 1)
                    .map(|d| {
                        format!(
                            "{}: β {:.2} vs β₀ {:.2} ({:.0} % above)",
                            decade_name(d.decade),
                            d.median_beta,
                            d.median_beta_null,
                            100.0 * d.share_above_null
                        )
                    })
                    .collect();
                let peaks: Vec<String> = self
                    .bias_first_peaks
                    .iter()
                    .filter(|p| p.0 == l + 1)
                    .map(|p| format!("{} in {}", p.2, decade_name(p.1)))
                    .collect();
                let _ = writeln!(
                    s,
                    "§5 bias before weights, layer {}: {} (β peaks: {}) — {}",
                    l + 1,
                    match holds {
                        Some(true) => "holds",
                        Some(false) => "does not hold",
                        None => "cannot tell",
                    },
                    peaks.join(", "),
                    row.join("; ")
                );
            }
            if !last.corner_attraction.is_empty() {
                let pct = |v: &[f64]| {
                    v.iter()
                        .map(|x| format!("{:.0} %", 100.0 * x))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let captured = self.corner_capture.iter().filter(|c| c.is_some()).count();
                let _ = writeln!(
                    s,
                    "§6 critical points: corners with a kink or crossing within {} px, per layer {} (contour away from corners: {}); {} of {} corners captured to the end",
                    self.thresholds.attraction_px,
                    pct(&last.corner_attraction),
                    pct(&last.contour_attraction),
                    captured,
                    self.corner_capture.len()
                );
                for (l, shares) in self.bends_on.iter().enumerate().skip(1) {
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
            if on("copycats") {
                let _ = writeln!(
                    s,
                    "§7 copycats: {} copycat and {} mirror pair(s) at the last snapshot; {} pair episode(s) over the run; effective width per layer {:?} (of {:?})",
                    last.copycats,
                    last.mirrors,
                    self.episodes.len(),
                    last.effective_width,
                    self.widths
                );
            }
            for p in &self.last_pairs {
                let e = self
                    .episodes
                    .iter()
                    .rev()
                    .find(|e| e.layer == p.layer && e.units == p.units && e.kind == p.kind);
                let _ = writeln!(
                    s,
                    "    layer {} units {} and {}: {:?}, cosine {:.4}, Hausdorff {:.4}{}",
                    p.layer,
                    p.units[0],
                    p.units[1],
                    p.kind,
                    p.cosine,
                    p.hausdorff,
                    e.map_or(String::new(), |e| format!(", since iteration {}", e.from))
                );
            }
        }
        match &self.indecisive {
            Some(indecisive::Verdict::TooSparse { late_snapshots }) => {
                let _ = writeln!(
                    s,
                    "§8 indecisive units: cannot tell from {late_snapshots} late snapshot(s); retrain with --snapshots paper,tail:1000 (training is reproducible)"
                );
            }
            Some(indecisive::Verdict::Units(u)) => {
                let found: Vec<String> = u
                    .iter()
                    .filter(|h| h.indecisive)
                    .map(|h| {
                        format!(
                            "layer {} unit {} ({:.3} apart, {} switches, {:.2} % pixels flipped by swapping)",
                            h.layer,
                            h.unit,
                            h.separation,
                            h.switches,
                            100.0 * h.pixels_flipped
                        )
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "§8 indecisive units: {}",
                    if found.is_empty() {
                        "none".to_string()
                    } else {
                        found.join("; ")
                    }
                );
            }
            None => {}
        }
        match self.samples.last().map(|l| (&l.symmetry, &self.roles)) {
            _ if !on("symmetry") => {}
            Some((sym, roles)) if !sym.is_empty() => {
                for (a, roles) in sym.iter().zip(roles) {
                    let count = |f: fn(&symmetry::Role) -> bool| {
                        roles
                            .iter()
                            .map(|l| l.iter().filter(|r| f(r)).count().to_string())
                            .collect::<Vec<_>>()
                            .join("/")
                    };
                    let _ = writeln!(
                        s,
                        "§9 units per layer about the {:?} axis: self-symmetric {}, paired {}, unmatched {}",
                        a.axis,
                        count(|r| *r == symmetry::Role::SelfSymmetric),
                        count(|r| matches!(r, symmetry::Role::Paired(_))),
                        count(|r| *r == symmetry::Role::Unmatched)
                    );
                    let _ = writeln!(
                        s,
                        "§9 symmetry about the {:?} axis at the last snapshot: mirrored boundary length per layer {}, pixels predicted as their mirror {:.1} %",
                        a.axis,
                        a.boundary_share
                            .iter()
                            .map(|v| format!("{:.0} %", 100.0 * v))
                            .collect::<Vec<_>>()
                            .join(", "),
                        100.0 * a.pixel_share
                    );
                }
            }
            _ => s.push_str("§9 symmetry: not applicable (the target has no mirror axis)\n"),
        }
        if !on("failure") {
        } else if self.components.is_empty() {
            s.push_str("§10 failure: not applicable (not an image target)\n");
        } else {
            let failed = self
                .components
                .iter()
                .filter(|c| c.verdict == failure::Verdict::Failed)
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
            for c in &self.components {
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
        if !self.not_measured.is_empty() {
            let _ = writeln!(s, "not measured yet: {}", self.not_measured.join(", "));
        }
        s
    }
}

/// `≤1`, `≤10`, `≤100`, … for a decade of iterations.
fn decade_name(d: u32) -> String {
    format!("≤{}", 10u64.pow(d))
}

fn lengths(v: &[f64]) -> String {
    format!(
        "[{}]",
        v.iter()
            .map(|l| format!("{l:.2}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::{Architecture, Network};
    use crate::snapshot::Snapshot;
    use crate::targets::{Data, Target};
    use crate::train::Settings;
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
