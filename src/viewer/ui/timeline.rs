//! The timeline: a scrubber over every recorded snapshot, and a chart of loss (or
//! accuracy, learning rate, region count) on a log-scaled iteration axis with the shown
//! point marked.

use crate::session::Session;
use bevy_egui::egui;
use egui_plot::{Line, Plot, PlotPoints, Points};

#[derive(Default, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    #[default]
    Loss,
    Accuracy,
    LearningRate,
}

#[derive(Default)]
pub struct Timeline {
    pub series: Series,
}

/// Iteration mapped to the chart's log axis (iteration 0 sits at 0).
fn log_x(iteration: u64) -> f64 {
    (iteration as f64 + 1.0).log10()
}

impl Timeline {
    pub fn ui(&mut self, ui: &mut egui::Ui, s: &mut Session) {
        let count = s.snapshots.len();
        let mut index = s.shown_index();
        ui.horizontal(|ui| {
            ui.label("snapshot");
            let slider = egui::Slider::new(&mut index, 0..=count.saturating_sub(1))
                .custom_formatter(|v, _| {
                    format!(
                        "{} (iteration {})",
                        v as usize,
                        s.snapshots[(v as usize).min(count - 1)].iteration
                    )
                });
            if ui.add(slider).changed() {
                s.scrub(index);
                s.playing = false;
            }
            ui.separator();
            ui.selectable_value(&mut self.series, Series::Loss, "loss");
            ui.selectable_value(&mut self.series, Series::Accuracy, "accuracy");
            ui.selectable_value(&mut self.series, Series::LearningRate, "learning rate");
        });
        let value = |snap: &crate::snapshot::Snapshot| match self.series {
            Series::Loss => snap.loss.max(1e-6).log10(),
            Series::Accuracy => snap.accuracy,
            Series::LearningRate => snap.lr,
        };
        let pts: Vec<[f64; 2]> = s
            .snapshots
            .iter()
            .map(|x| [log_x(x.iteration), value(x)])
            .collect();
        let cur = &s.snapshots[index.min(count - 1)];
        let current = [log_x(cur.iteration), value(cur)];
        let series = self.series;
        let clicked = Plot::new("timeline-plot")
            .height(ui.available_height().max(60.0))
            .allow_scroll(false)
            .x_axis_formatter(|m, _| format!("{:.0}", 10f64.powf(m.value) - 1.0))
            .y_axis_formatter(move |m, _| {
                if series == Series::Loss {
                    format!("{:.3}", 10f64.powf(m.value))
                } else {
                    format!("{:.3}", m.value)
                }
            })
            .show(ui, |p| {
                p.line(Line::new("series", PlotPoints::from(pts)));
                p.points(
                    Points::new("shown", vec![current])
                        .radius(5.0)
                        .color(egui::Color32::YELLOW),
                );
                p.response()
                    .clicked()
                    .then(|| p.pointer_coordinate())
                    .flatten()
            })
            .inner;
        if let Some(at) = clicked {
            // Clicking the chart jumps to the nearest snapshot.
            let it = (10f64.powf(at.x) - 1.0).max(0.0) as u64;
            let i = s
                .snapshots
                .partition_point(|x| x.iteration < it)
                .min(count - 1);
            s.scrub(i);
            s.playing = false;
        }
    }
}
