//! The phenomena panel: one row per phenomenon of the report — its verdict at the shown
//! snapshot, a sparkline of its headline figure over log-iteration with the shown snapshot
//! marked, and a click that selects the units involved — then the overlay and surface
//! toggles that show the same in the view.

use super::super::state::{Display, Selection};
use crate::analysis::Analysis;
use crate::analysis::Registry;
use crate::analysis::rows::{Row, rows};
use bevy_egui::egui;

/// The shown run's analysis so far: what it says, how far it has got (snapshots analysed
/// of the run's), and why it stopped early.
#[derive(Clone, Copy, Debug, Default)]
pub struct Analysed<'a> {
    pub analysis: Option<&'a Analysis>,
    pub done: usize,
    pub total: usize,
    pub failed: Option<&'a str>,
}

/// The rows, at snapshot `shown` of the run.
pub fn ui(
    ui: &mut egui::Ui,
    state: Analysed,
    shown: usize,
    selection: &mut Selection,
    display: &mut Display,
    units: usize,
) {
    use super::super::state::WIDE_NET_UNITS;
    if units > WIDE_NET_UNITS && !display.analyse_wide_nets {
        ui.label(format!(
            "{units} hidden units: the analysis of such a wide net takes seconds a snapshot"
        ));
        if ui.button("analyse this run").clicked() {
            display.analyse_wide_nets = true;
        }
        return;
    }
    let Analysed {
        analysis,
        done,
        total,
        failed,
    } = state;
    if let Some(e) = failed {
        ui.colored_label(egui::Color32::from_rgb(230, 170, 60), e);
    }
    // One line, always: a line that came and went while training moved the rows under
    // the pointer.
    let behind = analysis.is_some_and(|a| shown >= a.samples.len() && !a.samples.is_empty());
    let line = ui.label(if done < total {
        format!("analysing… {done} of {total} snapshots")
    } else {
        format!("analysed: {total} snapshots")
    });
    if behind {
        line.on_hover_text(
            "the shown snapshot is not analysed yet: the rows are the last analysed one's",
        );
    }
    let Some(a) = analysis.filter(|a| !a.samples.is_empty()) else {
        return;
    };
    let k = shown.min(a.samples.len() - 1);
    for row in rows(a, k) {
        row_ui(ui, &row, a.samples[k].iteration, selection, display);
    }
}

/// A row: its name (a click selects the units it names, switches on its overlay, and
/// opens or closes a sentence on what it measures), its sparkline, its verdict.
fn row_ui(
    ui: &mut egui::Ui,
    row: &Row,
    iteration: u64,
    selection: &mut Selection,
    display: &mut Display,
) {
    let explained = ui.id().with(("explained", row.name));
    let mut open = ui.data(|d| d.get_temp::<bool>(explained).unwrap_or(false));
    ui.horizontal(|ui| {
        let chosen = !row.units.is_empty() && selection.units() == row.units;
        let what = match (row.units.len(), row.overlay) {
            (0, Some(o)) => format!("show the {o} overlay; what it measures"),
            (0, None) => "what it measures".to_string(),
            (n, _) => format!("select {n} unit(s)"),
        };
        let name = ui
            .selectable_label(chosen || open, format!("{} {}", row.section, row.name))
            .on_hover_text(what);
        if name.clicked() {
            if !row.units.is_empty() {
                selection.select_all(&row.units);
            } else {
                open = !open;
                ui.data_mut(|d| d.insert_temp(explained, open));
            }
            if let Some(o) = row.overlay
                && (open || !row.units.is_empty())
            {
                display.overlays.set(o, true);
            }
        }
        // At the right edge, so the sparklines line up whatever the names' lengths.
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            sparkline(ui, row, iteration).on_hover_text(row.figure);
        });
    });
    ui.add(egui::Label::new(&row.verdict).wrap());
    if open {
        ui.add(egui::Label::new(egui::RichText::new(&row.about).weak()).wrap());
    }
}

/// The series over log-iteration, scaled to its range, with the shown snapshot marked.
fn sparkline(ui: &mut egui::Ui, row: &Row, iteration: u64) -> egui::Response {
    let size = egui::vec2(ui.available_width().clamp(30.0, 90.0), 18.0);
    let (rect, resp) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 2.0, egui::Color32::from_gray(35));
    let x_of = |it: u64| ((1 + it) as f64).log10();
    let last = row.series.last().map_or(1.0, |s| x_of(s.0)).max(1e-9);
    let finite = row.series.iter().map(|s| s.1).filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let span = if hi > lo { hi - lo } else { 1.0 };
    let at = |it: u64, v: f64| {
        egui::pos2(
            rect.left() + (x_of(it) / last) as f32 * rect.width(),
            rect.bottom() - 2.0 - ((v - lo) / span) as f32 * (rect.height() - 4.0),
        )
    };
    let stroke = egui::Stroke::new(1.2, egui::Color32::from_rgb(120, 190, 255));
    let mut run: Vec<egui::Pos2> = Vec::new();
    for &(it, v) in &row.series {
        if v.is_finite() {
            run.push(at(it, v));
        } else if !run.is_empty() {
            painter.add(egui::Shape::line(std::mem::take(&mut run), stroke));
        }
    }
    if !run.is_empty() {
        painter.add(egui::Shape::line(run, stroke));
    }
    let x = rect.left() + (x_of(iteration) / last) as f32 * rect.width();
    painter.vline(
        x,
        rect.y_range(),
        egui::Stroke::new(1.0, egui::Color32::YELLOW),
    );
    resp
}

/// The overlay and surface toggles (`selected`: a unit is selected; `has_next`: the shown
/// snapshot has a next one, for the velocity).
pub fn controls(ui: &mut egui::Ui, d: &mut Display, selected: bool, has_next: bool) {
    ui.label("Overlays");
    ui.horizontal_wrapped(|ui| {
        for (_, o) in Registry::builtin().overlays() {
            let mut on = d.overlays.has(o.name);
            if ui
                .checkbox(&mut on, o.name)
                .on_hover_text(o.about)
                .changed()
            {
                d.overlays.set(o.name, on);
            }
        }
    });
    if d.overlays.has("complexity") {
        heat_legend(ui);
    }
    ui.label("Surfaces (3D)");
    let s = &mut d.surfaces;
    ui.horizontal_wrapped(|ui| {
        ui.checkbox(&mut s.output, "output");
        ui.checkbox(&mut s.unit, "selected unit");
        ui.checkbox(&mut s.velocity, "velocity");
        ui.checkbox(&mut s.bends, "bends");
    });
    if s.output {
        // Wrapped, so the panel keeps its width when these appear.
        ui.horizontal_wrapped(|ui| {
            ui.radio_value(&mut s.by_class, false, "by region");
            ui.radio_value(&mut s.by_class, true, "by class");
            ui.checkbox(&mut s.below, "below ground");
        });
    }
    if (s.unit || s.velocity) && !selected {
        ui.weak("select a unit (click its boundary) for its surface and velocity");
    } else if s.velocity && !has_next {
        ui.weak("velocity: the shown snapshot is the last, there is no next one to move to");
    }
    if s.output || s.unit {
        ui.add(
            egui::Slider::new(&mut s.height, 0.1..=20.0)
                .text("height")
                .logarithmic(true),
        );
    }
}

/// The complexity overlay's scale: how many units' boundaries pass within 2 px, from one to
/// the most anywhere in view.
fn heat_legend(ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        ui.label("units near: 1");
        let (rect, _) = ui.allocate_exact_size(egui::vec2(90.0, 12.0), egui::Sense::hover());
        let painter = ui.painter_at(rect);
        const STEPS: u16 = 30;
        let w = rect.width() / STEPS as f32;
        for k in 1..=STEPS {
            let [r, g, b, a] = crate::overlays::heat_color(k, STEPS);
            let min = rect.min + egui::vec2((k - 1) as f32 * w, 0.0);
            painter.rect_filled(
                egui::Rect::from_min_size(min, egui::vec2(w + 0.5, rect.height())),
                0.0,
                egui::Color32::from_rgba_unmultiplied(r, g, b, a),
            );
        }
        ui.label("most");
    });
}
