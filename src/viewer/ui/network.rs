//! The network diagram (the report's Figure 2), live: nodes by layer, edges coloured by
//! sign and sized by magnitude. Clicking a node selects that neuron; hovering an edge
//! shows its weight.

use super::super::state::Selection;
use crate::nn::{Network, NeuronId};
use crate::render::layer_color;
use bevy_egui::egui;

/// Draws the diagram into the available width; returns nothing, edits the selection.
pub fn ui(ui: &mut egui::Ui, net: &Network, selection: &mut Selection) {
    let arch = &net.arch;
    let mut widths = vec![2];
    widths.extend_from_slice(arch.hidden());
    widths.push(2);
    let tallest = *widths.iter().max().expect("layers") as f32;
    let size = egui::vec2(
        ui.available_width().max(120.0),
        (tallest * 12.0).clamp(120.0, 420.0),
    );
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::click());
    let painter = ui.painter_at(rect);
    let node = |col: usize, row: usize| {
        let x = rect.left() + 14.0 + (rect.width() - 28.0) * col as f32 / (widths.len() - 1) as f32;
        let n = widths[col] as f32;
        let y = rect.center().y
            + (row as f32 - (n - 1.0) / 2.0) * (rect.height() - 16.0) / tallest.max(2.0);
        egui::pos2(x, y)
    };
    let max = net.params.iter().fold(1e-6f32, |m, v| m.max(v.abs()));
    let pointer = response.hover_pos();
    let mut hovered_edge: Option<(f32, String)> = None;
    for l in 0..arch.layers() {
        let w = net.weight(l);
        let fan_in = arch.fan_in(l);
        for (o, row) in w.chunks_exact(fan_in).enumerate() {
            for (i, &v) in row.iter().enumerate() {
                let (a, b) = (node(l, i), node(l + 1, o));
                let t = v.abs() / max;
                let c = if v >= 0.0 {
                    egui::Color32::from_rgba_unmultiplied(240, 140, 40, (40.0 + 215.0 * t) as u8)
                } else {
                    egui::Color32::from_rgba_unmultiplied(120, 90, 230, (40.0 + 215.0 * t) as u8)
                };
                painter.line_segment([a, b], egui::Stroke::new(0.3 + 2.7 * t, c));
                if let Some(p) = pointer {
                    let d = distance(p, a, b);
                    if d < 3.0 && hovered_edge.as_ref().is_none_or(|(best, _)| d < *best) {
                        hovered_edge = Some((
                            d,
                            format!(
                                "{} {} to {} {}: {v:+.4}",
                                name(l, i, arch.layers()),
                                i + 1,
                                name(l + 1, o, arch.layers()),
                                o + 1
                            ),
                        ));
                    }
                }
            }
        }
    }
    let mut clicked = None;
    for (col, &n) in widths.iter().enumerate() {
        for row in 0..n {
            let p = node(col, row);
            let hidden = col > 0 && col < widths.len() - 1;
            let color = if hidden {
                let [r, g, b] = layer_color(col - 1);
                egui::Color32::from_rgb(r, g, b)
            } else {
                egui::Color32::GRAY
            };
            painter.circle_filled(p, 4.5, color);
            // Lazily: `col - 1` underflows for the input column.
            let id = hidden.then(|| NeuronId {
                layer: col - 1,
                index: row,
            });
            if id.is_some() && id == selection.neuron {
                painter.circle_stroke(p, 7.0, egui::Stroke::new(2.0, egui::Color32::WHITE));
            }
            if let (Some(id), Some(ptr)) = (id, pointer)
                && ptr.distance(p) < 6.0
                && response.clicked()
            {
                clicked = Some(id);
            }
        }
    }
    if let Some(id) = clicked {
        selection.select(Some(id));
    } else if let Some((_, text)) = hovered_edge {
        response.on_hover_text(text);
    }
}

fn name(l: usize, _i: usize, layers: usize) -> String {
    match l {
        0 => "input".into(),
        l if l == layers => "logit".into(),
        l => format!("L{l}"),
    }
}

fn distance(p: egui::Pos2, a: egui::Pos2, b: egui::Pos2) -> f32 {
    let ab = b - a;
    let t = ((p - a).dot(ab) / ab.length_sq().max(1e-6)).clamp(0.0, 1.0);
    p.distance(a + ab * t)
}
