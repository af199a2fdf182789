//! Play/pause, stepping, speed, and the 2D/3D switch.

use super::super::View;
use super::super::state::ViewState;
use crate::run::session::Session;
use bevy_egui::egui;

#[derive(Default)]
pub struct Playback;

impl Playback {
    pub fn ui(&mut self, ui: &mut egui::Ui, s: &mut Session, view: &mut ViewState) {
        ui.horizontal(|ui| {
            if ui
                .button("⏮")
                .on_hover_text("to the first snapshot")
                .clicked()
            {
                s.to_start();
            }
            let label = if s.is_running() {
                "⏸ pause"
            } else {
                "▶ play"
            };
            if ui.button(label).on_hover_text("Space").clicked() {
                if s.playing && !s.is_running() {
                    // Finished: play replays from the start.
                    s.to_start();
                    s.playing = true;
                } else {
                    s.toggle_play();
                }
            }
            if ui
                .button("⏭")
                .on_hover_text("to the end (the live head)")
                .clicked()
            {
                s.to_end();
            }
            if !s.is_live()
                && s.can_train()
                && ui
                    .button("live")
                    .on_hover_text("back to the training head")
                    .clicked()
            {
                s.go_live();
            }
        });
        ui.horizontal(|ui| {
            if ui.button("−").on_hover_text("slower (−)").clicked() {
                s.slower();
            }
            if ui.button("+").on_hover_text("faster (+)").clicked() {
                s.faster();
            }
            // +/− change what is moving: snapshots per frame in a replay, iterations per
            // frame at the live head.
            if s.is_live() {
                ui.label("iterations/frame");
            } else {
                ui.label(format!("replay ×{} snapshot(s)/frame", s.replay_speed));
            }
        });
        ui.add(
            egui::Slider::new(&mut s.iterations_per_frame, 1..=100_000)
                .logarithmic(true)
                .text("it/frame"),
        );
        ui.horizontal(|ui| {
            ui.label("view");
            let mut mode = view.mode;
            ui.selectable_value(&mut mode, View::ThreeD, "3D");
            ui.selectable_value(&mut mode, View::TwoD, "2D");
            ui.selectable_value(&mut mode, View::LayerSpace, "layer space")
                .on_hover_text("the square as a layer sees it, folded (L)");
            if mode != view.mode {
                view.mode = mode;
            }
            if ui.button("reset").on_hover_text("Home").clicked() {
                view.reset();
            }
        });
        if view.mode == View::LayerSpace {
            layer_space_controls(ui, s, view);
        }
    }
}

/// The layer (a slider that morphs between layers) and the axes of the layer-space view.
fn layer_space_controls(ui: &mut egui::Ui, s: &Session, view: &mut ViewState) {
    use crate::layer_space::Axes;
    let hidden = s.settings.widths.len();
    let choice = &mut view.layer_space;
    let mut layer = choice.shown_layer(hidden);
    ui.add(
        egui::Slider::new(&mut layer, 0.0..=hidden as f32)
            .step_by(0.0)
            .text("layer"),
    )
    .on_hover_text(
        "0 is the input square; between two layers the square morphs from one to the next",
    );
    if layer != choice.shown_layer(hidden) {
        choice.layer = layer;
    }
    ui.horizontal(|ui| {
        ui.label("axes");
        let mut axes = choice.axes.clone();
        ui.selectable_value(&mut axes, None, "auto")
            .on_hover_text("decision axes at the last hidden layer, principal elsewhere");
        ui.selectable_value(&mut axes, Some(Axes::Principal), "principal");
        ui.selectable_value(&mut axes, Some(Axes::Decision), "decision")
            .on_hover_text("the last hidden layer: the decision direction up, its plane where the logits are equal");
        if !matches!(axes, Some(Axes::Units(_))) {
            ui.selectable_value(&mut axes, Some(Axes::Units([0, 1, 2])), "units");
        }
        if let Some(Axes::Units(u)) = &mut axes {
            // Three units of the layer shown (from 1, as everywhere in the app).
            let width = match layer.round() as usize {
                0 => 2,
                l => s.settings.widths.get(l - 1).copied().unwrap_or(2),
            };
            for k in u.iter_mut() {
                let mut one = *k + 1;
                ui.add(egui::DragValue::new(&mut one).range(1..=width));
                *k = one - 1;
            }
        }
        if axes != choice.axes {
            choice.axes = axes;
        }
    });
}
