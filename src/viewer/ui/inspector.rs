//! The selected neuron: its parameters, where it is active, its boundary, how it moved over
//! the run (report §5: bias before weights), and its copycats (§7).

use super::super::state::Selection;
use super::axes::{decades, iteration_label, log_x};
use crate::geometry::Geometry;
use crate::inspect::{self, History, NeuronReport};
use crate::nn::{Network, NeuronId};
use crate::run::session::Session;
use bevy_egui::egui;
use egui_plot::{Bar, BarChart, Line, Plot, PlotPoints};

/// Side of the activation heatmap.
const HEAT: usize = 48;

#[derive(Default)]
pub struct Inspector {
    /// (neuron, geometry generation) the cached report and heatmap belong to.
    key: Option<(NeuronId, u64)>,
    report: Option<NeuronReport>,
    /// What the report's figures cover (the whole square, or only the zoomed view).
    scope: Option<inspect::Scope>,
    /// Activation heatmap cells, row-major (painted as rectangles: user textures are not
    /// available on every backend bevy_egui runs on).
    heat: Vec<egui::Color32>,
    /// (neuron, session name, snapshot count) the history belongs to.
    history_key: Option<(NeuronId, u64, usize)>,
    history: History,
    /// Boundary of each snapshot computed so far (filled a few per frame).
    motion_done: usize,
    previous: Option<crate::geometry::NeuronBoundary>,
}

/// Snapshots whose geometry is computed per frame for the motion plot.
const MOTION_PER_FRAME: usize = 6;

impl Inspector {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        selection: &mut Selection,
        session: &Session,
        net: &Network,
        geom: &Geometry,
        generation: u64,
    ) {
        let Some(n) = selection.neuron else { return };
        if self.key != Some((n, generation)) {
            let (mut report, scope) = inspect::report_of_square(net, geom, n);
            // The weights as the network has them (`net` has the domain folded in).
            let own = session.shown_network();
            report.bias = own.bias(n.layer)[n.index];
            report.incoming = own.incoming(n).to_vec();
            self.report = Some(report);
            self.scope = Some(scope);
            let map = if geom.rect == crate::geometry::Rect::UNIT {
                inspect::activation_map_exact(net, geom, n, HEAT)
            } else {
                inspect::activation_map(net, n, HEAT)
            };
            let max = map.iter().copied().fold(1e-12, f64::max);
            self.heat = map.iter().map(|&v| heat_color(v / max)).collect();
            self.key = Some((n, generation));
        }
        self.advance_history(session, n);
        let Some(r) = &self.report else { return };
        ui.horizontal(|ui| {
            ui.strong(format!("layer {} · unit {}", n.layer + 1, n.index + 1));
            if r.dead {
                ui.colored_label(egui::Color32::from_rgb(255, 110, 110), "dead");
            }
        });
        ui.label(format!("bias {:+.4}", r.bias));
        let within = match self.scope {
            Some(inspect::Scope::InView) => "of the part in view",
            _ => "of the square",
        };
        ui.label(format!(
            "active on {:.1}% {within}",
            100.0 * r.active_fraction
        ));
        ui.label(format!(
            "boundary length {:.3} in {} piece(s) ({within})",
            r.boundary_length, r.pieces
        ));
        ui.checkbox(&mut selection.dim_others, "dim other units");
        ui.horizontal(|ui| {
            ui.vertical(|ui| {
                ui.label("activation");
                let (rect, _) =
                    ui.allocate_exact_size(egui::vec2(110.0, 110.0), egui::Sense::hover());
                let cell = rect.width() / HEAT as f32;
                let painter = ui.painter_at(rect);
                for (i, &c) in self.heat.iter().enumerate() {
                    let min =
                        rect.min + egui::vec2((i % HEAT) as f32 * cell, (i / HEAT) as f32 * cell);
                    painter.rect_filled(
                        egui::Rect::from_min_size(min, egui::vec2(cell + 0.5, cell + 0.5)),
                        0.0,
                        c,
                    );
                }
            });
            ui.vertical(|ui| {
                weight_bars(ui, "incoming", &r.incoming);
                weight_bars(ui, "outgoing", &r.outgoing);
            });
        });
        ui.label("over the run: bias (orange), incoming-weight norm (blue)");
        let log = log_x;
        let h = &self.history;
        // Both charts span the whole run, so their axes stay put while values fill in.
        let (first, last) = (
            h.iterations.first().map_or(0.0, |&i| log(i)),
            h.iterations.last().map_or(1.0, |&i| log(i)),
        );
        fn span(p: Plot<'_>, first: f64, last: f64) -> Plot<'_> {
            p.include_x(first)
                .include_x(last)
                .x_grid_spacer(decades())
                .x_axis_formatter(|m, _| iteration_label(m.value))
        }
        span(
            Plot::new("history").height(90.0).allow_scroll(false),
            first,
            last,
        )
        .show(ui, |p| {
            p.line(
                Line::new(
                    "bias",
                    PlotPoints::from_iter(
                        h.iterations.iter().zip(&h.bias).map(|(&i, &b)| [log(i), b]),
                    ),
                )
                .color(egui::Color32::from_rgb(255, 160, 40)),
            );
            p.line(
                Line::new(
                    "|w|",
                    PlotPoints::from_iter(
                        h.iterations
                            .iter()
                            .zip(&h.weight_norm)
                            .map(|(&i, &w)| [log(i), w]),
                    ),
                )
                .color(egui::Color32::from_rgb(90, 150, 255)),
            );
        });
        ui.label(format!(
            "boundary movement per snapshot ({}/{} computed)",
            self.motion_done,
            h.iterations.len()
        ));
        span(
            Plot::new("motion").height(70.0).allow_scroll(false),
            first,
            last,
        )
        .show(ui, |p| {
            let pts = h
                .iterations
                .iter()
                .zip(&h.boundary_motion)
                .filter(|(_, m)| m.is_finite())
                .map(|(&i, &m)| [log(i), m]);
            p.line(Line::new("movement", PlotPoints::from_iter(pts)));
        });
        if r.copycats.is_empty() {
            ui.label("no copycats");
        } else {
            ui.label("copycats (boundary nearly the same):");
            for &(c, d) in &r.copycats {
                if ui
                    .link(format!(
                        "layer {} unit {} (mean distance {:.4})",
                        c.layer + 1,
                        c.index + 1,
                        d
                    ))
                    .clicked()
                {
                    selection.select(Some(c));
                }
            }
        }
    }

    /// Bias and weight norms at once; boundary motion a few snapshots per frame.
    fn advance_history(&mut self, s: &Session, n: NeuronId) {
        let arch = s.settings.architecture().expect("valid");
        let key = (n, s.id, s.snapshots.len());
        if self.history_key.as_ref() != Some(&key) {
            let keep_motion = self
                .history_key
                .as_ref()
                .is_some_and(|k| k.0 == n && k.1 == s.id);
            let old = std::mem::take(&mut self.history.boundary_motion);
            self.history = inspect::parameter_history(&arch, &s.snapshots, n);
            self.history.boundary_motion = vec![f64::NAN; self.history.iterations.len()];
            if keep_motion {
                let k = old.len().min(self.motion_done);
                self.history.boundary_motion[..k].copy_from_slice(&old[..k]);
            } else {
                self.motion_done = 0;
                self.previous = None;
            }
            self.history_key = Some(key);
        }
        for _ in 0..MOTION_PER_FRAME {
            let i = self.motion_done;
            let Some(snap) = s.snapshots.get(i) else {
                break;
            };
            let b = inspect::boundary_at(&arch, snap, n, &s.domain);
            if let (Some(prev), Some(cur)) = (&self.previous, &b) {
                self.history.boundary_motion[i] = inspect::boundary_distance(prev, cur);
            }
            self.previous = b;
            self.motion_done += 1;
        }
    }
}

fn weight_bars(ui: &mut egui::Ui, name: &str, w: &[f32]) {
    ui.label(name);
    let bars: Vec<Bar> = w
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let c = if v >= 0.0 {
                egui::Color32::from_rgb(240, 140, 40)
            } else {
                egui::Color32::from_rgb(120, 90, 230)
            };
            Bar::new(i as f64 + 1.0, v as f64).fill(c).width(0.8)
        })
        .collect();
    Plot::new(format!("bars-{name}"))
        .height(48.0)
        .width(150.0)
        .show_axes([false, true])
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .show(ui, |p| p.bar_chart(BarChart::new(name, bars)));
}

/// Black → orange → white.
fn heat_color(t: f64) -> egui::Color32 {
    let t = t.clamp(0.0, 1.0) as f32;
    let r = (t * 2.0).min(1.0);
    let g = (t * 2.0 - 0.6).clamp(0.0, 1.0);
    let b = (t * 2.0 - 1.2).clamp(0.0, 1.0);
    egui::Color32::from_rgb((r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8)
}
