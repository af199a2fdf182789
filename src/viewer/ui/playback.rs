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
            if mode != view.mode {
                view.mode = mode;
            }
            if ui.button("reset").on_hover_text("Home").clicked() {
                view.reset();
            }
        });
    }
}
