//! The analysis as it goes: [`Analyzer`] takes a run's snapshots one at a time, so that
//! `ginn analyze` reads a whole run and the viewer's phenomena panel fills in a few
//! snapshots per frame, live, while training adds more. [`Analyzer::analysis`] reports on
//! what it has seen so far at any moment. What is always measured (regions, boundary
//! lengths, dead units) is here; each phenomenon measures itself (its [`Measure`]).

use super::phenomenon::{Measure, Registry, Setup, Step};
use super::{Analysis, SCHEMA, Sample, TargetFeatures, Thresholds, complexity};
use crate::domain::Domain;
use crate::geometry::{Geometry, Rect, Truncation};
use crate::nn::{Architecture, Network};
use crate::targets::Data;
use crate::train::snapshot::Snapshot;

/// Everything measured so far, and what the next snapshot is compared with.
pub struct Analyzer {
    setup: Setup,
    /// Folded into each snapshot's network: the analysis works on the view square.
    domain: Domain,
    registry: Registry,
    /// One per phenomenon of the registry, in its order.
    measures: Vec<Box<dyn Measure>>,
    samples: Vec<Sample>,
    previous: Option<(Network, Geometry)>,
    dead_flags: Vec<Vec<bool>>,
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        Self {
            setup: self.setup.clone(),
            domain: self.domain,
            registry: self.registry.clone(),
            measures: self.measures.iter().map(|m| m.boxed()).collect(),
            samples: self.samples.clone(),
            previous: self.previous.clone(),
            dead_flags: self.dead_flags.clone(),
        }
    }
}

impl Analyzer {
    /// An analysis of a run of `arch` learning from `data`, whose learning rate starts at
    /// `lr`, measuring the phenomena of `registry`.
    pub fn new(
        arch: Architecture,
        data: Data,
        domain: Domain,
        lr: f64,
        th: Thresholds,
        registry: Registry,
    ) -> Self {
        let setup = Setup {
            target: data.image().map(|t| TargetFeatures::of(t, &th)),
            arch,
            data,
            lr,
            th,
        };
        let measures = registry.iter().map(|p| p.measure(&setup)).collect();
        Self {
            setup,
            domain,
            registry,
            measures,
            samples: Vec::new(),
            previous: None,
            dead_flags: Vec::new(),
        }
    }

    /// An analysis of `run` (its architecture, data and learning rate).
    pub fn for_run(run: &crate::run::Run, th: Thresholds, registry: Registry) -> Self {
        Self::new(
            run.architecture(),
            run.target.clone(),
            run.domain,
            run.settings.lr,
            th,
            registry,
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
        self.setup.target.as_ref()
    }

    /// Measures the next snapshot (snapshots must come in order of iteration).
    pub fn add(&mut self, snap: &Snapshot) -> Result<(), Truncation> {
        let net = snap
            .network(&self.setup.arch)
            .expect("a snapshot of this run's architecture");
        let net = self.domain.fold(&net);
        let geom = Geometry::complete(&net, Rect::UNIT)?;
        self.add_network(snap, net, geom);
        Ok(())
    }

    fn add_network(&mut self, snap: &Snapshot, net: Network, geom: Geometry) {
        // The prediction at the target's pixel centres (§9, §10).
        let s = &self.setup;
        let prediction = s
            .data
            .image()
            .map(|t| crate::geometry::raster::prediction(&geom, &net, t.width, t.height));
        let layers = geom.layers.len();
        let flags: Vec<bool> = s
            .arch
            .neurons()
            .map(|n| {
                let s = geom.neuron_stats(n);
                s.pieces == 0 && s.active_fraction == 0.0
            })
            .collect();
        let mut dead_units = vec![0; layers];
        for (n, &d) in s.arch.neurons().zip(&flags) {
            dead_units[n.layer] += usize::from(d);
        }
        self.dead_flags.push(flags);
        let mut sample = Sample {
            iteration: snap.iteration,
            regions: geom.regions().len(),
            boundary_length: (0..layers)
                .map(|l| geom.layer_boundaries(l).map(|b| b.length()).sum())
                .collect(),
            dead_units,
            ..Sample::default()
        };
        let step = Step {
            snap,
            net: &net,
            geom: &geom,
            prediction: prediction.as_deref(),
            previous: self.previous.as_ref().map(|(n, g)| (n, g)),
            index: self.samples.len(),
            setup: &self.setup,
        };
        for m in &mut self.measures {
            m.add(&step, &mut sample);
        }
        self.samples.push(sample);
        self.previous = Some((net, geom));
    }

    /// What the snapshots so far say (the verdicts that need the whole run — §5's decades,
    /// §6's captures, §8, §9's roles, §10 — as of the last snapshot added).
    pub fn analysis(&self) -> Analysis {
        let s = &self.setup;
        let mut a = Analysis {
            schema: SCHEMA,
            revived_units: complexity::revived(&self.dead_flags, s.arch.hidden()),
            roles: vec![],
            indecisive: None,
            late_iterations: vec![],
            computed: self.registry.names(),
            bias_first: vec![],
            bias_first_layers: vec![],
            // §5 cannot tell for any layer until it is measured.
            bias_first_holds: vec![None; s.arch.hidden().len()],
            bias_first_peaks: vec![],
            bends_on: vec![],
            corner_capture: vec![],
            widths: s.arch.hidden().to_vec(),
            thresholds: s.th.clone(),
            target: s.target.clone(),
            samples: self.samples.clone(),
            episodes: vec![],
            last_pairs: vec![],
            components: vec![],
            not_measured: vec![],
            sections: serde_json::Map::new(),
            registry: self.registry.clone(),
        };
        let last = self.previous.as_ref().map(|(n, g)| (n, g));
        for m in &self.measures {
            m.report(&self.setup, last, &mut a);
        }
        a
    }
}
