//! The timeline: a scrubber over every recorded snapshot, and a chart of loss (or
//! accuracy, learning rate, region count) on a log-scaled iteration axis with the shown
//! point marked.

use super::axes::{compact, decades, iteration_at, iteration_label, log_x, significant};
use crate::run::session::Session;
use bevy_egui::egui;
use egui_plot::{Line, Plot, PlotPoints, Points};

#[derive(Default, Clone, Copy, PartialEq, Eq)]
pub enum Series {
    #[default]
    Loss,
    Accuracy,
    LearningRate,
    Regions,
}

#[derive(Default)]
pub struct Timeline {
    pub series: Series,
    /// Linear-region count of each snapshot (NaN until computed), for `session`.
    regions: Vec<f64>,
    regions_for: u64,
    /// One partition of this run took longer than a frame can spare: the series stops.
    regions_too_slow: bool,
}

/// Snapshots whose exact partition is counted per frame while the region series is shown.
const REGIONS_PER_FRAME: usize = 4;
const REGIONS_FRAME_BUDGET: std::time::Duration = std::time::Duration::from_millis(4);

impl Timeline {
    /// Counts the linear regions of a few more snapshots (the exact partition of each).
    fn count_regions(&mut self, s: &Session) {
        if self.regions_for != s.id || self.regions.len() > s.snapshots.len() {
            self.regions.clear();
            self.regions_for = s.id;
            self.regions_too_slow = false;
        }
        if self.regions_too_slow {
            return;
        }
        self.regions.resize(s.snapshots.len(), f64::NAN);
        let arch = s.settings.architecture().expect("valid");
        let todo: Vec<usize> = (0..self.regions.len())
            .filter(|&i| self.regions[i].is_nan())
            .take(REGIONS_PER_FRAME)
            .collect();
        // A few per frame, within a few milliseconds: a wide net's one partition can take
        // longer than a frame, and then the series is filled only one snapshot per frame.
        let start = std::time::Instant::now();
        for i in todo {
            if start.elapsed() > REGIONS_FRAME_BUDGET {
                break;
            }
            if let Some(net) = s.snapshots[i].network(&arch).map(|n| s.domain.fold(&n)) {
                let one = std::time::Instant::now();
                let g = crate::geometry::Geometry::new(&net, crate::geometry::Rect::UNIT);
                self.regions_too_slow = one.elapsed() > 10 * REGIONS_FRAME_BUDGET;
                // Over the region limit: at least that many.
                self.regions[i] = match &g.truncated {
                    Some(t) => t.limit as f64,
                    None => g.regions().len() as f64,
                };
            }
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, s: &mut Session) {
        let count = s.snapshots.len();
        let mut index = s.shown_index();
        // Wrapped, so that a narrow window wraps the controls instead of widening the panel
        // under the side panels (which hid the chart's right end and its marker).
        ui.horizontal_wrapped(|ui| {
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
            ui.selectable_value(&mut self.series, Series::Regions, "regions");
        });
        if self.series == Series::Regions {
            self.count_regions(s);
        }
        let regions = &self.regions;
        let value = |i: usize, snap: &crate::train::snapshot::Snapshot| match self.series {
            // No loss (an imported network without data) is no point, not the floor.
            Series::Loss if snap.loss.is_finite() => snap.loss.max(1e-6).log10(),
            Series::Loss => f64::NAN,
            Series::Accuracy => snap.accuracy,
            Series::LearningRate => snap.lr,
            Series::Regions => regions.get(i).copied().unwrap_or(f64::NAN),
        };
        let pts: Vec<[f64; 2]> = s
            .snapshots
            .iter()
            .enumerate()
            .map(|(i, x)| [log_x(x.iteration), value(i, x)])
            .filter(|p| p[1].is_finite())
            .collect();
        // Held-out points: the test curve beside the training one.
        let test_value = |snap: &crate::train::snapshot::Snapshot| match self.series {
            Series::Loss => snap.test_loss.map(|l| l.max(1e-6).log10()),
            Series::Accuracy => snap.test_accuracy,
            _ => None,
        };
        let test_pts: Vec<[f64; 2]> = s
            .snapshots
            .iter()
            .filter_map(|x| test_value(x).map(|v| [log_x(x.iteration), v]))
            .filter(|p| p[1].is_finite())
            .collect();
        let shown = index.min(count - 1);
        let cur = &s.snapshots[shown];
        let current = [log_x(cur.iteration), value(shown, cur)];
        let series = self.series;
        let mut plot = Plot::new("timeline-plot").width(ui.available_width());
        if !test_pts.is_empty() {
            plot = plot.legend(egui_plot::Legend::default());
        }
        let clicked = plot
            .height(ui.available_height().max(60.0))
            .allow_scroll(false)
            .x_grid_spacer(decades())
            .x_axis_formatter(|m, _| iteration_label(m.value))
            .y_axis_formatter(move |m, _| match series {
                Series::Loss => significant(10f64.powf(m.value)),
                Series::Accuracy => format!("{:.0}%", 100.0 * m.value),
                Series::LearningRate => significant(m.value),
                Series::Regions => compact(m.value),
            })
            .show(ui, |p| {
                let name = if test_pts.is_empty() {
                    "series"
                } else {
                    "training"
                };
                p.line(Line::new(name, PlotPoints::from(pts)));
                if !test_pts.is_empty() {
                    p.line(
                        Line::new("test", PlotPoints::from(test_pts))
                            .color(egui::Color32::from_rgb(245, 147, 34)),
                    );
                }
                let current: Vec<[f64; 2]> = Some(current)
                    .filter(|c| c[1].is_finite())
                    .into_iter()
                    .collect();
                p.points(
                    Points::new("shown", current)
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
            // Clicking the chart jumps to the snapshot shown at that iteration.
            let it = iteration_at(at.x).round() as u64;
            s.scrub(crate::train::snapshot::index_at(&s.snapshots, it));
            s.playing = false;
        }
    }
}
