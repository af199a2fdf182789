//! The shown frame described once, by the core function the CPU frames and SVG figures use
//! (`Picture::describe`): which boundaries are drawn (shown layers and units, the selected
//! and hovered ones, faint others, the decision boundary), the phenomena's overlays and the
//! selected unit's velocity. The lines, overlays and surfaces draw this `ShownPicture`.

use super::ViewerSet;
use super::state::{AnalysisThresholds, Highlight, Phenomena, ShownPicture, ViewInputs};
use crate::analysis::Registry;
use crate::overlays::Context;
use crate::render::picture::Picture;
use crate::render::picture::{Choices, LineOptions, Lines, Surfaces};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

pub fn plugin(app: &mut App) {
    app.add_systems(Update, describe_picture.in_set(ViewerSet::Describe));
}

/// What the picture is described from.
#[derive(SystemParam)]
pub struct PictureInputs<'w> {
    view: ViewInputs<'w>,
    phenomena: Res<'w, Phenomena>,
    thresholds: Res<'w, AnalysisThresholds>,
}

/// Describes what goes over the shown snapshot's lines, as the core does for CPU frames
/// and SVG figures, when what it depends on changes.
pub fn describe_picture(
    inputs: PictureInputs,
    highlight: Res<Highlight>,
    mut picture: ResMut<ShownPicture>,
) {
    let PictureInputs {
        view,
        phenomena,
        thresholds,
    } = inputs;
    // Only overlays drawn from the run's history change as the analysis fills in.
    let from_analysis = Registry::builtin()
        .history_of(&view.display.overlays)
        .is_some();
    let overlays_changed = view.content_changed()
        || thresholds.is_changed()
        || (from_analysis && phenomena.is_changed());
    if !(overlays_changed || highlight.is_changed()) {
        return;
    }
    let ViewInputs {
        shown,
        display,
        sessions,
        selection,
        ..
    } = view;
    let (Some(geom), Some(net)) = (&shown.geometry, &shown.network) else {
        picture.set_if_neq(ShownPicture::default());
        return;
    };
    let lines = LineOptions {
        layers: display.layers.clone(),
        hidden: Some(&display.hidden_units),
        selected: selection.units(),
        hovered: highlight.0.into_iter().collect(),
        dim_others: selection.dim_others,
        decision: display.decision_boundary,
    };
    if !overlays_changed {
        // Only the hovered unit moved: the overlays' shapes stay as they are.
        let boundaries = Lines::describe(geom, &lines);
        if picture.0.boundaries != boundaries {
            picture.0.boundaries = boundaries;
        }
        return;
    }
    let session = sessions.active();
    let k = session.shown_index();
    // The selected unit's velocity towards the next snapshot, when asked for.
    let next = selection
        .neuron
        .filter(|n| display.surfaces.velocity && net.arch.has_unit(*n))
        .zip(session.snapshots.get(k + 1))
        .and_then(|(n, snap)| Some((n, session.domain.fold(&snap.network(&net.arch)?))));
    let cx = Context {
        geom,
        net,
        target: phenomena.target.as_deref(),
        analysis: phenomena
            .latest
            .as_deref()
            .filter(|a| k < a.samples.len())
            .map(|a| (a, k)),
        thresholds: &thresholds.0,
    };
    // The data points are in the ground texture already: the picture carries the axes.
    let choices = Choices {
        lines,
        overlays: display.overlays.clone(),
        velocity: next.as_ref().map(|(n, next)| (*n, next)),
        numbers: vec![],
        surfaces: Surfaces {
            output: display.surfaces.output,
            by_class: display.surfaces.by_class,
            unit: selection.neuron.filter(|_| display.surfaces.unit),
            bends: display.surfaces.bends,
        },
        points: None,
        domain: session.domain,
    };
    picture.set_if_neq(ShownPicture(Picture::describe(&cx, &choices)));
}
