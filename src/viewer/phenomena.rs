//! The report's phenomena measured live: the shown run's snapshots are analysed a few at a
//! time on Bevy's async compute pool (never in the frame), so the phenomena panel and the
//! overlays fill in while a replay is explored and keep up while training adds snapshots.

use super::ViewerSet;
use super::state::{
    AnalysisThresholds, Batch, Display, GeometryJob, Phenomena, RunKey, Sessions, WIDE_NET_UNITS,
};
use crate::analysis::{Analyzer, Registry};
use crate::overlays::TargetShapes;
use crate::run::background::{Job, Priority};
use bevy::prelude::*;
use std::sync::Arc;

pub fn plugin(app: &mut App) {
    app.init_resource::<Phenomena>();
    app.init_resource::<AnalysisThresholds>();
    app.add_systems(Update, advance_analysis.in_set(ViewerSet::Analyse));
}

fn run_key(sessions: &Sessions) -> RunKey {
    sessions.active().id
}

/// Snapshots one background batch analyses: a dozen for the report's 3×16 net (about 4 ms
/// each), fewer for wider nets (their partitions grow with the square of the units), so a
/// batch never holds the pool for long.
fn batch_size(units: usize) -> usize {
    (600 / units.max(1)).clamp(1, 12)
}

/// Starts the analysis of a newly shown run, and hands the next snapshots to a background
/// task whenever the last batch is done.
pub fn advance_analysis(
    sessions: Res<Sessions>,
    job: Res<GeometryJob>,
    display: Res<Display>,
    mut ph: ResMut<Phenomena>,
    thresholds: Res<AnalysisThresholds>,
) {
    let key = run_key(&sessions);
    if ph.key != Some(key) {
        let s = sessions.active();
        let th = thresholds.0.clone();
        *ph = Phenomena {
            key: Some(key),
            target: s.target.image().map(|t| Arc::new(TargetShapes::of(t, &th))),
            analyzer: s.settings.architecture().ok().map(|arch| {
                Analyzer::new(
                    arch,
                    s.target.clone(),
                    s.domain,
                    s.settings.lr,
                    th,
                    Registry::builtin(),
                )
            }),
            ..default()
        };
    }
    // Polling and handing work around is bookkeeping: the resource counts as changed (for
    // the overlays drawn from it) only when a new analysis lands.
    if let Some(task) = &ph.task {
        if !task.is_finished() {
            return;
        }
        let batch = ph.task.take().expect("checked above").join();
        ph.done = batch.analyzer.len();
        ph.latest = Some(Arc::new(batch.analysis));
        ph.failed = batch.failed;
        ph.analyzer = Some(batch.analyzer);
    }
    let snapshots = &sessions.active().snapshots;
    // The view's own geometry goes first: no batch starts while it is computed off the frame.
    if ph.failed.is_some() || ph.done >= snapshots.len() || job.computing() {
        return;
    }
    let Some(mut analyzer) = ph.bypass_change_detection().analyzer.take() else {
        return;
    };
    let units = sessions.active().settings.widths.iter().sum();
    if units > WIDE_NET_UNITS && !display.analyse_wide_nets {
        ph.bypass_change_detection().analyzer = Some(analyzer);
        return;
    }
    let next: Vec<_> = snapshots[ph.done..]
        .iter()
        .take(batch_size(units))
        .cloned()
        .collect();
    ph.bypass_change_detection().task =
        Some(Job::spawn("ginn: analysis", Priority::Low, move || {
            let mut failed = None;
            for snap in &next {
                if let Err(t) = analyzer.add(snap) {
                    failed = Some(format!("stopped at iteration {}: {t}", snap.iteration));
                    break;
                }
            }
            Batch {
                analysis: analyzer.analysis(),
                analyzer,
                failed,
            }
        }));
}
