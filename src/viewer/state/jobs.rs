//! The viewer's work off the frame: the shown network's partition and the shown run's
//! analysis, each a resource holding its task and what it has finished.

use crate::analysis::{Analysis, Analyzer};
use crate::geometry::Geometry;
use crate::nn::Network;
use crate::overlays::TargetShapes;
use crate::run::background::Job;
use bevy::prelude::*;
use std::sync::Arc;

/// A partition that may take longer than a frame allows: computed on a background thread
/// while the view keeps showing the last finished geometry (and says "computing…").
#[derive(Resource, Default)]
pub struct GeometryJob {
    pub(in crate::viewer) task: Option<(GeometryKey, Job<Built>)>,
    /// Milliseconds the last partition took: past the budget, the next one goes off-frame.
    pub last_ms: f64,
}

impl GeometryJob {
    /// Whether a partition is being computed off the frame.
    pub fn computing(&self) -> bool {
        self.task.is_some()
    }
}

/// The shown run (its session's id), its version, and the visible rectangle.
pub type GeometryKey = (u64, u64, [u64; 4]);

/// A partition computed off the frame, with what it was computed for.
pub struct Built {
    pub geometry: Geometry,
    pub network: Network,
    pub iteration: u64,
    pub ms: f64,
}

/// The analysis of the shown run so far.
#[derive(Resource, Default)]
pub struct Phenomena {
    /// Which run it is of (its session's id).
    pub(in crate::viewer) key: Option<RunKey>,
    /// Held here between batches; a batch's task holds it while it runs.
    pub(in crate::viewer) analyzer: Option<Analyzer>,
    pub(in crate::viewer) task: Option<Job<Batch>>,
    /// What the snapshots analysed so far say (also read by the overlays).
    pub latest: Option<Arc<Analysis>>,
    /// The target's shapes for the overlays (image runs).
    pub target: Option<Arc<TargetShapes>>,
    /// Snapshots analysed, and why the analysis stopped early (a partition over the limit).
    pub done: usize,
    pub failed: Option<String>,
}

/// One batch of snapshots analysed off the frame.
pub struct Batch {
    pub analyzer: Analyzer,
    pub analysis: Analysis,
    pub failed: Option<String>,
}

/// The shown run, by the one identity every view keys on: its session's id (a new run,
/// a reset or a branch is a new session).
pub type RunKey = u64;

/// Nets with more hidden units than this are analysed only when asked
/// (`Display::analyse_wide_nets`): a snapshot's analysis then takes seconds and would hold
/// back the view's own geometry, which shares the processor.
pub const WIDE_NET_UNITS: usize = 256;
