//! What is drawn: layers, individual units (a grid of toggles coloured by layer; hovering
//! one highlights its boundary), background, line width, shading.

use super::super::state::Display;
use crate::nn::NeuronId;
use crate::render::{LayerMask, layer_color};
use bevy_egui::egui;

pub fn ui(ui: &mut egui::Ui, d: &mut Display, highlight: &mut Option<NeuronId>, widths: &[usize]) {
    ui.heading("Show");
    ui.horizontal(|ui| {
        if ui.button("all units").clicked() {
            d.layers = LayerMask::all(true, widths.len());
            d.hidden_units.clear();
        }
        if ui.button("none").clicked() {
            d.layers = LayerMask::all(false, widths.len());
        }
    });
    ui.horizontal(|ui| {
        ui.radio_value(&mut d.show_prediction, true, "network output");
        ui.radio_value(&mut d.show_prediction, false, "target");
    });
    ui.add(egui::Slider::new(&mut d.line_width, 1.0..=8.0).text("line width"));
    ui.checkbox(&mut d.shade_regions, "shade regions on planes");
    ui.checkbox(&mut d.decision_boundary, "decision boundary");
    ui.checkbox(&mut d.smooth_edges, "smooth edges")
        .on_hover_text(
            "4× multisampling. Off at the start on a software renderer (no GPU), where it \
         halves the frame rate; on for scripted screenshots and recordings.",
        );
    ui.separator();
    let mut hovered = None;
    for (l, &w) in widths.iter().enumerate() {
        let [r, g, b] = layer_color(l);
        let color = egui::Color32::from_rgb(r, g, b);
        let mut on = d.layer_shown(l);
        if ui
            .checkbox(
                &mut on,
                egui::RichText::new(format!("layer {}", l + 1)).color(color),
            )
            .changed()
        {
            d.layers.set(l, on);
        }
        ui.horizontal_wrapped(|ui| {
            ui.spacing_mut().item_spacing = egui::vec2(2.0, 2.0);
            for index in 0..w {
                let n = NeuronId { layer: l, index };
                let shown = d.unit_shown(n);
                let fill = if shown {
                    color
                } else {
                    egui::Color32::from_gray(60)
                };
                let button = egui::Button::new(
                    egui::RichText::new(format!("{}", index + 1))
                        .color(egui::Color32::WHITE)
                        .small(),
                )
                .fill(fill)
                .min_size(egui::vec2(22.0, 18.0));
                let resp =
                    ui.add(button)
                        .on_hover_text(format!("layer {} unit {}", l + 1, index + 1));
                if resp.clicked() && d.layer_shown(l) && !d.hidden_units.remove(&n) {
                    d.hidden_units.insert(n);
                }
                if resp.hovered() {
                    hovered = Some(n);
                }
            }
        });
    }
    *highlight = hovered;
}
