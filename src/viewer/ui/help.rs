//! Every key and mouse action, shown with H or ?.

use bevy_egui::egui;

pub const KEYS: &[(&str, &str)] = &[
    (
        "Space",
        "play / pause (trains at the live head, replays behind it)",
    ),
    (
        "Right / Left arrow",
        "step forward / back through the snapshots",
    ),
    ("+ / -", "faster / slower"),
    (
        "R",
        "record a movie: start / stop (frames and GIF in the Record folder)",
    ),
    (
        "Tab",
        "switch between the 3D layer planes and the 2D overlay",
    ),
    (
        "L",
        "layer space: the square as a layer sees it, folded (again: back to 3D)",
    ),
    ("Home", "reset the view"),
    ("Esc", "leave a text field (keys go to the app again)"),
    ("H or ?", "this help"),
    ("left drag", "3D: orbit · 2D: pan"),
    ("right or middle drag", "pan"),
    (
        "wheel",
        "zoom (in 2D the geometry is recomputed for the visible part)",
    ),
    (
        "click a boundary",
        "select its neuron (inspector); click empty space to clear",
    ),
    ("hover a unit button", "highlight that unit's boundary"),
    ("click a unit button", "hide / show that unit"),
];

pub fn ui(ui: &mut egui::Ui) {
    egui::Grid::new("keys").striped(true).show(ui, |ui| {
        for (k, what) in KEYS {
            ui.strong(*k);
            ui.label(*what);
            ui.end_row();
        }
    });
}
