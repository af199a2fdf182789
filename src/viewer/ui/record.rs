//! The Record panel: where, what format, frame rate, size, panels or not, smooth edges;
//! start/stop (R); a frame counter while it runs.

use super::super::state::{MovieKind, Recorder};
use bevy_egui::egui;

pub fn ui(ui: &mut egui::Ui, rec: &mut Recorder, smooth_edges: &mut bool) {
    ui.add_enabled_ui(!rec.active, |ui| {
        ui.horizontal(|ui| {
            ui.label("folder");
            ui.text_edit_singleline(&mut rec.dir);
        });
        ui.horizontal(|ui| {
            for k in [MovieKind::Gif, MovieKind::Mp4, MovieKind::Webm] {
                ui.selectable_value(&mut rec.kind, k, k.extension());
            }
        });
        ui.add(egui::Slider::new(&mut rec.fps, 1..=60).text("frames/s"));
        ui.add(egui::Slider::new(&mut rec.width, 160..=1920).text("width px"));
        ui.checkbox(&mut rec.with_panels, "include the panels");
        // The same setting as Show's: off at the start on a software renderer, where a
        // movie would otherwise get jagged edges unnoticed.
        ui.checkbox(smooth_edges, "smooth edges")
            .on_hover_text("4× multisampling of the view, as in Show (costly without a GPU)");
    });
    if !rec.with_panels && !rec.active {
        // The panels go away while recording the view alone: say now how it ends.
        ui.label("without the panels the window shows the view alone: press R to stop (the window title counts the frames)");
    }
    if rec.active || rec.captured() > 0 {
        ui.label(format!("this recording: {}", rec.take.display()));
    }
    ui.label(
        "each recording keeps its own frames and movie: the folder, then folder/recording-2, …",
    );
    ui.label(
        "each frame advances one step: the iterations/frame setting, or one snapshot in a replay",
    );
    let label = if rec.active {
        "⏹ stop (R)"
    } else {
        "⏺ record (R)"
    };
    if ui.button(label).clicked() {
        if rec.active { rec.stop() } else { rec.start() }
    }
    if rec.active {
        ui.label(format!(
            "recording: {} frames captured, {} requested",
            rec.captured(),
            rec.requested
        ));
    }
    let status = rec.status();
    if !status.is_empty() {
        ui.label(status);
    }
}
