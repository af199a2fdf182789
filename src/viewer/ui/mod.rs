//! The egui panels around the 3D view, and the keys that drive playback.

pub mod files;
mod help;
pub mod inspector;
mod layers;
mod network;
mod playback;
mod record;
mod settings;
mod timeline;

use super::ViewerSet;
use super::boundaries::Display;
use super::camera::{MainCamera, ViewState};
use super::training::Sessions;
use bevy::camera::{CameraOutputMode, Viewport, visibility::RenderLayers};
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::window::PrimaryWindow;
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiPrimaryContextPass, PrimaryEguiContext, egui,
};

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<UiArea>();
    app.init_resource::<Panels>();
    app.add_systems(PreStartup, manual_egui_context);
    app.add_systems(Startup, spawn_ui_camera);
    app.add_systems(Update, playback_keys.in_set(ViewerSet::Input));
    app.add_systems(EguiPrimaryContextPass, show_panels);
}

/// The part of the window left for the 3D view (logical pixels), and whether the keyboard
/// is free for shortcuts (no text field has focus).
#[derive(Resource, Clone, Copy, Debug)]
pub struct UiArea {
    pub min: Vec2,
    pub max: Vec2,
    pub keyboard_free: bool,
}

impl Default for UiArea {
    fn default() -> Self {
        Self {
            min: Vec2::ZERO,
            max: Vec2::splat(f32::INFINITY),
            keyboard_free: true,
        }
    }
}

impl UiArea {
    /// Whether a cursor position (logical pixels) is over the view, not a panel.
    pub fn contains(&self, p: Vec2) -> bool {
        p.x >= self.min.x && p.y >= self.min.y && p.x < self.max.x && p.y < self.max.y
    }

    pub fn rect_height(&self) -> f32 {
        (self.max.y - self.min.y).min(1e6)
    }

    pub fn aspect(&self) -> f32 {
        let s = self.max - self.min;
        if s.x.is_finite() && s.y > 0.0 {
            s.x / s.y
        } else {
            16.0 / 9.0
        }
    }
}

/// State of the panels that outlives a frame.
#[derive(Resource, Default)]
pub struct Panels {
    pub playback: playback::Playback,
    pub settings: settings::RunSettings,
    pub files: files::Files,
    pub timeline: timeline::Timeline,
    pub inspector: inspector::Inspector,
    pub help: bool,
    pub diagram: bool,
    /// A message for the user (errors from files, settings, branching).
    pub message: Option<(String, bool)>,
}

impl Panels {
    pub fn error(&mut self, e: impl std::fmt::Display) {
        self.message = Some((e.to_string(), true));
    }

    pub fn info(&mut self, m: impl Into<String>) {
        self.message = Some((m.into(), false));
    }
}

fn manual_egui_context(mut settings: ResMut<EguiGlobalSettings>) {
    settings.auto_create_primary_context = false;
}

/// A second camera that draws only egui over the 3D view (bevy_egui's side-panel pattern:
/// the 3D camera's viewport can then shrink to the space between the panels).
fn spawn_ui_camera(mut commands: Commands) {
    commands.spawn((
        Name::new("ui camera"),
        PrimaryEguiContext,
        Camera2d,
        RenderLayers::none(),
        Camera {
            order: 1,
            output_mode: CameraOutputMode::Write {
                blend_state: Some(BlendState::ALPHA_BLENDING),
                clear_color: ClearColorConfig::None,
            },
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
    ));
}

/// Space plays/pauses, ←/→ step, +/− change speed, H or ? toggles help.
pub fn playback_keys(
    keys: Res<ButtonInput<KeyCode>>,
    area: Res<UiArea>,
    mut sessions: ResMut<Sessions>,
    mut panels: ResMut<Panels>,
) {
    if !area.keyboard_free {
        return;
    }
    let s = sessions.active_mut();
    if keys.just_pressed(KeyCode::Space) {
        s.toggle_play();
    }
    if keys.just_pressed(KeyCode::ArrowRight) {
        s.step_forward();
    }
    if keys.just_pressed(KeyCode::ArrowLeft) {
        s.step_back();
    }
    if keys.any_just_pressed([KeyCode::Equal, KeyCode::NumpadAdd]) {
        playback::faster(s);
    }
    if keys.any_just_pressed([KeyCode::Minus, KeyCode::NumpadSubtract]) {
        playback::slower(s);
    }
    if keys.just_pressed(KeyCode::KeyH) || keys.just_pressed(KeyCode::Slash) {
        panels.help = !panels.help;
    }
}

#[allow(clippy::too_many_arguments)]
fn show_panels(
    mut contexts: EguiContexts,
    mut sessions: ResMut<Sessions>,
    mut display: ResMut<Display>,
    mut view: ResMut<ViewState>,
    mut panels: ResMut<Panels>,
    mut area: ResMut<UiArea>,
    shown: Res<super::boundaries::Shown>,
    job: Res<super::boundaries::GeometryJob>,
    mut selection: ResMut<super::picking::Selection>,
    mut recorder: ResMut<super::recording::Recorder>,
    time: Res<Time>,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Query<&mut Camera, With<MainCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let panels = &mut *panels;
    if recorder.active && !recorder.with_panels {
        // Recording the view alone: no panels, the view fills the window.
        area.min = Vec2::ZERO;
        area.max = Vec2::new(window.width(), window.height());
        area.keyboard_free = true;
        for mut cam in &mut camera {
            cam.viewport = None;
        }
        return Ok(());
    }
    egui::Panel::left("controls")
        .default_size(250.0)
        .resizable(true)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("ginn");
                status(ui, &sessions, &shown, job.computing(), time.delta_secs());
                ui.separator();
                panels.playback.ui(ui, sessions.active_mut(), &mut view);
                ui.separator();
                ui.collapsing("Run settings", |ui| {
                    panels.settings.ui(ui, &mut sessions, &mut panels.message)
                });
                ui.collapsing("Files", |ui| {
                    panels.files.ui(ui, &mut sessions, &mut panels.message)
                });
                ui.collapsing("Record", |ui| record::ui(ui, &mut recorder));
                if let Some((m, is_error)) = &panels.message {
                    let color = if *is_error {
                        egui::Color32::from_rgb(255, 110, 110)
                    } else {
                        egui::Color32::LIGHT_GREEN
                    };
                    ui.colored_label(color, m);
                }
                if let Some(e) = &sessions.active().error {
                    ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
                }
            });
        });
    egui::Panel::right("layers")
        .default_size(240.0)
        .resizable(true)
        .show(&mut root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                layers::ui(
                    ui,
                    &mut display,
                    sessions.active().settings.widths.as_slice(),
                );
                ui.separator();
                ui.checkbox(&mut panels.diagram, "network diagram");
                if panels.diagram
                    && let Some(net) = &shown.network
                {
                    network::ui(ui, net, &mut selection);
                }
            });
        });
    if selection.neuron.is_some()
        && let (Some(net), Some(geom)) = (&shown.network, &shown.geometry)
    {
        let mut open = true;
        egui::Window::new("Neuron")
            .open(&mut open)
            .default_pos(egui::pos2(280.0, 60.0))
            .show(ctx, |ui| {
                panels.inspector.ui(
                    ui,
                    &mut selection,
                    sessions.active(),
                    net,
                    geom,
                    shown.generation,
                );
            });
        if !open {
            selection.neuron = None;
        }
    }
    egui::Panel::bottom("timeline")
        .default_size(170.0)
        .resizable(true)
        .show(&mut root, |ui| {
            panels.timeline.ui(ui, sessions.active_mut());
        });
    if panels.help {
        egui::Window::new("Keys and mouse")
            .collapsible(false)
            .show(ctx, help::ui);
    }

    let central = root.available_rect_before_wrap();
    area.min = Vec2::new(central.min.x, central.min.y);
    area.max = Vec2::new(central.max.x, central.max.y);
    area.keyboard_free = !ctx.egui_wants_keyboard_input();
    let s = window.scale_factor();
    let (pos, size) = (
        UVec2::new((central.min.x * s) as u32, (central.min.y * s) as u32),
        UVec2::new((central.width() * s) as u32, (central.height() * s) as u32),
    );
    let physical = UVec2::new(window.physical_width(), window.physical_height());
    for mut cam in &mut camera {
        if size.x > 0 && size.y > 0 && pos.x + size.x <= physical.x && pos.y + size.y <= physical.y
        {
            cam.viewport = Some(Viewport {
                physical_position: pos,
                physical_size: size,
                ..default()
            });
        }
    }
    Ok(())
}

/// A number with at most 4 significant digits, for axis ranges.
fn short(v: f64) -> String {
    format!("{}", (v * 1e3).round() / 1e3)
}

fn status(
    ui: &mut egui::Ui,
    sessions: &Sessions,
    shown: &super::boundaries::Shown,
    computing: bool,
    dt: f32,
) {
    let s = sessions.active();
    let snap = &s.snapshots[s.shown_index()];
    let (_, iteration) = s.shown();
    ui.label(format!("run: {}", s.name));
    ui.label(format!(
        "iteration {iteration} of {}",
        s.settings.iterations
    ));
    if snap.loss.is_finite() {
        ui.label(format!(
            "loss {:.4}  accuracy {:.2}%  (at {})",
            snap.loss,
            100.0 * snap.accuracy,
            snap.iteration
        ));
    } else if matches!(s.target, crate::target::Data::Nothing) {
        ui.label("no target: the prediction only");
    } else {
        ui.label(format!("loss not finite (at {})", snap.iteration));
    }
    if let (Some(l), Some(a)) = (snap.test_loss, snap.test_accuracy) {
        ui.label(format!("test: loss {l:.4}  accuracy {:.2}%", 100.0 * a));
    }
    if let Some(p) = s.target.points() {
        let m = &p.mapping;
        ui.label(format!(
            "{} points; x {} to {}, y {} to {}",
            p.len(),
            short(m.x_min),
            short(m.x_max),
            short(m.y_min),
            short(m.y_max)
        ))
        .on_hover_text("the square's edges in the data's own coordinates (y grows upwards)");
    }
    if let Some(g) = &shown.geometry {
        match &g.truncated {
            None => ui.label(format!("{} linear regions", g.regions().len())),
            Some(t) => ui
                .colored_label(egui::Color32::from_rgb(230, 170, 60), t.showing())
                .on_hover_text(format!("{t}; GINN_MAX_REGIONS raises the limit")),
        };
    }
    if computing {
        ui.label("computing geometry…");
    }
    let state = if s.is_live() {
        if s.playing && s.can_train() {
            "training"
        } else {
            "paused"
        }
    } else {
        "replay"
    };
    ui.label(format!(
        "{state} · {:.0} it/s · {:.0} fps",
        s.rate,
        1.0 / dt.max(1e-3)
    ));
}
