//! The analysis as it goes: [`Analyzer`] takes a run's snapshots one at a time, so that
//! `ginn analyze` reads a whole run and the viewer's phenomena panel fills in a few
//! snapshots per frame, live, while training adds more. [`Analyzer::analysis`] reports on
//! what it has seen so far at any moment.

use super::{
    Analysis, Episode, Measures, PairKind, SCHEMA, Sample, TargetFeatures, Thresholds, bias_first,
    complexity, copycats, critical, failure, indecisive, symmetry,
};
use crate::domain::Domain;
use crate::geometry::{Geometry, Rect, Truncation};
use crate::nn::{Architecture, Network};
use crate::targets::Data;
use crate::train::snapshot::Snapshot;

/// Everything measured so far, and what the next snapshot is compared with.
#[derive(Clone)]
pub struct Analyzer {
    arch: Architecture,
    data: Data,
    /// Folded into each snapshot's network: the analysis works on the view square.
    domain: Domain,
    th: Thresholds,
    measures: Measures,
    target: Option<TargetFeatures>,
    probes: Option<std::sync::Arc<complexity::Probes>>,
    samples: Vec<Sample>,
    episodes: Vec<Episode>,
    /// Episodes still holding at the last snapshot.
    open: Vec<usize>,
    last_pairs: Vec<super::Pair>,
    tracker: Option<failure::Tracker>,
    /// Per target corner: the sample index from which a kink or crossing has stayed near it.
    captured_since: Vec<Option<usize>>,
    bias: bias_first::Tracker,
    previous: Option<(Network, Geometry)>,
    dead_flags: Vec<Vec<bool>>,
    /// §8: the late window (learning rate ≤ 10 % of its start): its networks, their
    /// iterations, and each unit's boundaries there.
    late_lr: f64,
    late_nets: Vec<Network>,
    late_iterations: Vec<u64>,
    late: Vec<indecisive::Late>,
}

impl Analyzer {
    /// An analysis of a run of `arch` learning from `data`, whose learning rate starts at
    /// `lr`.
    pub fn new(
        arch: Architecture,
        data: Data,
        domain: Domain,
        lr: f64,
        th: Thresholds,
        measures: Measures,
    ) -> Self {
        let target = data.image().map(|t| TargetFeatures::of(t, &th));
        let probes = match (&target, data.image()) {
            (Some(f), Some(t)) if measures.complexity => {
                Some(std::sync::Arc::new(complexity::Probes::new(f, t, &th)))
            }
            _ => None,
        };
        let tracker = data
            .image()
            .filter(|_| measures.failure)
            .map(failure::Tracker::new);
        Self {
            bias: bias_first::Tracker::new(arch.hidden(), th.bias_points_per_unit),
            late: (0..arch.neuron_count())
                .map(|_| Default::default())
                .collect(),
            late_lr: 0.1 * lr,
            arch,
            data,
            domain,
            measures,
            target,
            probes,
            samples: Vec::new(),
            episodes: Vec::new(),
            open: Vec::new(),
            last_pairs: Vec::new(),
            tracker,
            captured_since: Vec::new(),
            previous: None,
            dead_flags: Vec::new(),
            late_nets: Vec::new(),
            late_iterations: Vec::new(),
            th,
        }
    }

    /// An analysis of `run` (its architecture, data and learning rate).
    pub fn for_run(run: &crate::run::Run, th: Thresholds, measures: Measures) -> Self {
        Self::new(
            run.architecture(),
            run.target.clone(),
            run.domain,
            run.settings.lr,
            th,
            measures,
        )
    }

    /// Snapshots analysed so far.
    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// The target's features (`None` when the run does not learn an image).
    pub fn target(&self) -> Option<&TargetFeatures> {
        self.target.as_ref()
    }

    /// Measures the next snapshot (snapshots must come in order of iteration).
    pub fn add(&mut self, snap: &Snapshot) -> Result<(), Truncation> {
        let net = snap
            .network(&self.arch)
            .expect("a snapshot of this run's architecture");
        let net = self.domain.fold(&net);
        let geom = Geometry::complete(&net, Rect::UNIT)?;
        self.add_network(snap, net, geom);
        Ok(())
    }

    fn add_network(&mut self, snap: &Snapshot, net: Network, geom: Geometry) {
        let (th, measures) = (&self.th.clone(), self.measures);
        // The prediction at the target's pixel centres, for §9 and §10.
        let prediction = self
            .data
            .image()
            .map(|t| crate::geometry::raster::prediction(&geom, &net, t.width, t.height));
        if let (Some(t), Some(p)) = (self.tracker.as_mut(), &prediction) {
            t.add(snap.iteration, p, &geom);
        }
        if measures.indecisive && snap.lr <= self.late_lr {
            for (l, b) in self.late.iter_mut().zip(&geom.boundaries) {
                if !b.polylines.is_empty() {
                    l.boundaries.push((self.late_nets.len(), b.clone()));
                }
            }
            self.late_nets.push(net.clone());
            self.late_iterations.push(snap.iteration);
        }
        let shift_share = match self.previous.as_ref().filter(|_| measures.bias) {
            Some((old, old_geom)) => self.bias.add(old, old_geom, &net, snap.iteration),
            None => None,
        };
        let (pairs, effective_width) = if measures.copycats {
            copycats::pairs(&geom, th)
        } else {
            (vec![], vec![])
        };
        self.follow_pairs(&pairs, snap.iteration);
        let layers = geom.layers.len();
        let square = self.data.image().is_some_and(|t| t.width == t.height);
        let symmetry = match &self.target {
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
        let (complexity_near, complexity_far) = match &self.probes {
            Some(p) => complexity::measure(&geom, p),
            None => (None, None),
        };
        let (corner_attraction, contour_attraction, near_corner) = match &self.target {
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
        let now = self.samples.len();
        self.captured_since.resize(near_corner.len(), None);
        for (since, &near) in self.captured_since.iter_mut().zip(&near_corner) {
            *since = match (near, *since) {
                (true, Some(i)) => Some(i),
                (true, None) => Some(now),
                (false, _) => None,
            };
        }
        let corners_held: Vec<bool> = self
            .captured_since
            .iter()
            .map(|s| s.is_some_and(|i| now + 1 - i >= th.capture_snapshots))
            .collect();
        let flags: Vec<bool> = self
            .arch
            .neurons()
            .map(|n| {
                let s = geom.neuron_stats(n);
                s.pieces == 0 && s.active_fraction == 0.0
            })
            .collect();
        let mut dead_units = vec![0; layers];
        for (n, &d) in self.arch.neurons().zip(&flags) {
            dead_units[n.layer] += usize::from(d);
        }
        self.dead_flags.push(flags);
        self.samples.push(Sample {
            iteration: snap.iteration,
            corner_attraction,
            contour_attraction,
            corners_captured: corners_held.iter().filter(|&&h| h).count(),
            corners_held,
            shift_share,
            complexity_near,
            complexity_far,
            regions: geom.regions().len(),
            boundary_length: (0..layers)
                .map(|l| geom.layer_boundaries(l).map(|b| b.length()).sum())
                .collect(),
            dead_units,
            effective_width,
            copycats: pairs.iter().filter(|p| p.kind == PairKind::Copycat).count(),
            mirrors: pairs.iter().filter(|p| p.kind == PairKind::Mirror).count(),
            symmetry,
        });
        self.last_pairs = pairs;
        self.previous = Some((net, geom));
    }

    /// Pairs still holding extend their episode; new ones open one.
    fn follow_pairs(&mut self, pairs: &[super::Pair], iteration: u64) {
        let mut still = Vec::new();
        for p in pairs {
            let same = |e: &Episode| e.layer == p.layer && e.units == p.units && e.kind == p.kind;
            match self.open.iter().find(|&&k| same(&self.episodes[k])) {
                Some(&k) => {
                    self.episodes[k].to = iteration;
                    still.push(k);
                }
                None => {
                    self.episodes.push(Episode {
                        layer: p.layer,
                        units: p.units,
                        kind: p.kind,
                        from: iteration,
                        to: iteration,
                    });
                    still.push(self.episodes.len() - 1);
                }
            }
        }
        self.open = still;
    }

    /// What the snapshots so far say (the verdicts that need the whole run — §5's decades,
    /// §6's captures, §8, §9's roles, §10 — as of the last snapshot added).
    pub fn analysis(&self) -> Analysis {
        let th = &self.th;
        let measures = self.measures;
        let square = self.data.image().is_some_and(|t| t.width == t.height);
        // §9's roles at the last snapshot (a matching per layer: too costly for every one).
        let roles = match (&self.target, &self.previous) {
            (Some(f), Some((_, geom))) if measures.symmetry && square => f
                .mirror_axes
                .iter()
                .map(|m| {
                    symmetry::pairing(geom, m.axis, th.symmetry_px * f.pixel, th.hausdorff_step)
                })
                .collect(),
            _ => vec![],
        };
        let bias_units = self.bias.clone().finish();
        let bias_layers = bias_first::per_layer(&bias_units);
        // A corner is captured at the first snapshot of the run of snapshots that kept it to
        // the end, provided that run is long enough.
        let samples = &self.samples;
        let corner_capture = self
            .captured_since
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
            .then(|| indecisive::find(&self.late, &self.late_nets, &self.data, th));
        Analysis {
            schema: SCHEMA,
            revived_units: complexity::revived(&self.dead_flags, self.arch.hidden()),
            roles,
            indecisive: hesitation,
            late_iterations: self.late_iterations.clone(),
            computed: Measures::NAMES
                .iter()
                .zip(flags)
                .filter(|(_, on)| *on)
                .map(|(n, _)| *n)
                .collect(),
            bias_first_holds: (1..=self.arch.hidden().len())
                .map(|l| bias_first::verdict(&bias_layers, l, th.early_decades))
                .collect(),
            bias_first_peaks: bias_first::peaks(&bias_units),
            bends_on: match &self.previous {
                Some((_, g)) if measures.critical => critical::bend_credit(g),
                _ => vec![],
            },
            bias_first: bias_units,
            bias_first_layers: bias_layers,
            corner_capture,
            widths: self.arch.hidden().to_vec(),
            thresholds: th.clone(),
            target: self.target.clone(),
            samples: self.samples.clone(),
            episodes: self.episodes.clone(),
            last_pairs: self.last_pairs.clone(),
            components: self.tracker.clone().map_or_else(Vec::new, |t| t.finish(th)),
            not_measured: vec![],
        }
    }
}
