//! The egui panels around the 3D view, and the keys that drive playback.

pub mod axes;
pub mod files;
pub mod help;
pub mod inspector;
pub mod layers;
pub mod network;
pub mod phenomena;
pub mod playback;
pub mod record;
pub mod settings;
pub mod timeline;

use super::state::GeometryJob;
use super::state::MainCamera;
use super::state::Recorder;
use super::state::{
    Display, Message, RunCommand, Selection, Sessions, Shown, Status, UiArea, ViewState,
};
use super::{View, ViewerSet};
use bevy::camera::{CameraOutputMode, Viewport, visibility::RenderLayers};
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::render::render_resource::BlendState;
use bevy::window::PrimaryWindow;
use bevy_egui::{
    EguiContexts, EguiGlobalSettings, EguiInput, EguiPreUpdateSet, EguiPrimaryContextPass,
    PrimaryEguiContext, egui,
};

pub(super) fn plugin(app: &mut App) {
    app.add_plugins(keys_plugin);
    app.add_systems(PreStartup, manual_egui_context);
    app.add_systems(Startup, spawn_ui_camera);
    app.add_systems(EguiPrimaryContextPass, show_panels);
    app.add_systems(
        PreUpdate,
        keep_keys_from_egui
            .after(EguiPreUpdateSet::ProcessInput)
            .before(EguiPreUpdateSet::BeginPass),
    );
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
        // egui smooths its own edges; multisampling its camera only cost a full-window
        // resolve and write-back per frame (a third of a frame on a software renderer).
        Msaa::Off,
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

/// Whether the pointer is over a window, popup or tooltip drawn above the panels (the
/// panels themselves are on the background layer and are excluded by the view's rect), or
/// egui is dragging one of its widgets.
pub fn pointer_on_window(ctx: &egui::Context) -> bool {
    let over = ctx
        .pointer_latest_pos()
        .and_then(|p| ctx.layer_id_at(p))
        .is_some_and(|l| l.order != egui::Order::Background);
    over || ctx.egui_is_using_pointer()
}

/// The playback keys alone (tests add this without egui).
pub fn keys_plugin(app: &mut App) {
    app.init_resource::<Panels>();
    app.add_systems(Update, playback_keys.in_set(ViewerSet::Input));
}

/// Space plays/pauses, ←/→ step, +/− change speed, H or ? toggles help. Every press
/// counts, however many arrive in one (slow) frame: they are read as messages, not as
/// the keys' state at the frame (which sees three quick presses as one). Holding an arrow
/// key steps on with the key's auto-repeat.
pub fn playback_keys(
    mut keys: MessageReader<bevy::input::keyboard::KeyboardInput>,
    area: Res<UiArea>,
    mut sessions: ResMut<Sessions>,
    mut panels: ResMut<Panels>,
    mut view: Option<ResMut<ViewState>>,
) {
    let presses: Vec<KeyCode> = keys
        .read()
        .filter(|k| k.state == bevy::input::ButtonState::Pressed)
        .filter(|k| !k.repeat || matches!(k.key_code, KeyCode::ArrowLeft | KeyCode::ArrowRight))
        .map(|k| k.key_code)
        .collect();
    if !area.keyboard_free {
        return;
    }
    for key in presses {
        let s = sessions.active_mut();
        match key {
            KeyCode::Space => s.toggle_play(),
            KeyCode::ArrowRight => s.step_forward(),
            KeyCode::ArrowLeft => s.step_back(),
            KeyCode::Equal | KeyCode::NumpadAdd => s.faster(),
            KeyCode::Minus | KeyCode::NumpadSubtract => s.slower(),
            KeyCode::KeyH | KeyCode::Slash => panels.help = !panels.help,
            KeyCode::KeyL => {
                if let Some(v) = view.as_mut() {
                    v.mode = v.mode.layer_space_toggled();
                }
            }
            _ => {}
        }
    }
}

/// What the panels read and write. Panels change only their own state, what is drawn
/// and the shown run's playback; changes to the run list go out as [`RunCommand`]s.
#[derive(SystemParam)]
struct PanelState<'w> {
    sessions: ResMut<'w, Sessions>,
    display: ResMut<'w, Display>,
    highlight: ResMut<'w, super::state::Highlight>,
    view: ResMut<'w, ViewState>,
    panels: ResMut<'w, Panels>,
    area: ResMut<'w, UiArea>,
    shown: Res<'w, Shown>,
    picture: Res<'w, super::state::ShownPicture>,
    job: Res<'w, GeometryJob>,
    sheet_folding: Option<Res<'w, super::state::SheetFolding>>,
    sheet_hover: Option<Res<'w, super::state::SheetHover>>,
    sheet_pick: Option<Res<'w, super::state::SheetPick>>,
    selection: ResMut<'w, Selection>,
    recorder: ResMut<'w, Recorder>,
    status: Res<'w, Status>,
    phenomena: Res<'w, super::state::Phenomena>,
    time: Res<'w, Time<Real>>,
    winit: Option<Res<'w, bevy::winit::WinitSettings>>,
    commands: MessageWriter<'w, RunCommand>,
    lift: Option<Res<'w, super::state::Lift>>,
}

fn show_panels(
    mut contexts: EguiContexts,
    mut st: PanelState,
    window: Single<&Window, With<PrimaryWindow>>,
    mut camera: Query<(&mut Camera, &GlobalTransform), With<MainCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    if st.recorder.active && !st.recorder.with_panels {
        // Recording the view alone: no panels, the view fills the window; the recording
        // indicator is drawn by `recording` after each capture.
        st.area.min = Vec2::ZERO;
        st.area.max = Vec2::new(window.width(), window.height());
        st.area.keyboard_free = true;
        st.area.pointer_on_window = false;
        for (mut cam, _) in &mut camera {
            cam.viewport = None;
        }
        return Ok(());
    }
    let mut root = egui::Ui::new(
        ctx.clone(),
        "root".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    let now = st.time.elapsed();
    // Edited as copies and written back only when they differ, so that Bevy's change
    // detection sees real changes and not every frame the panels are drawn.
    let (mut display, mut selection) = (st.display.clone(), st.selection.clone());
    let mut highlight = st.highlight.0;
    let avoid = camera.single().ok().and_then(|(cam, tf)| {
        if st.view.mode == View::LayerSpace {
            // The selected boundary as drawn on the sheet.
            let on_sheet = st.sheet_pick.as_ref().map_or(&[][..], |p| &p.selected[..]);
            return screen_rect(on_sheet.iter().copied(), cam, tf);
        }
        selected_on_screen(
            &st.shown,
            &selection,
            st.lift.as_ref().map_or(1.0, |l| l.0),
            cam,
            tf,
        )
    });
    let total = st.sessions.active().snapshots.len();
    let (outbox, central) = draw(
        &mut root,
        Panes {
            sessions: &mut st.sessions,
            display: &mut display,
            highlight: &mut highlight,
            view: &mut st.view,
            panels: &mut st.panels,
            shown: &st.shown,
            computing: st.job.computing() || st.sheet_folding.as_ref().is_some_and(|f| f.0),
            selection: &mut selection,
            recorder: &mut st.recorder,
            status: st.status.at(now),
            fps: super::state::redraws_continuously(st.winit.as_deref())
                .then(|| 1.0 / st.time.delta_secs().max(1e-3)),
            avoid,
            phenomena: phenomena::Analysed {
                analysis: st.phenomena.latest.as_deref(),
                done: st.phenomena.done,
                total,
                failed: st.phenomena.failed.as_deref(),
            },
        },
    );
    if let Ok((cam, tf)) = camera.single()
        && st.view.mode != View::LayerSpace
    {
        axis_labels(ctx, central, &st.picture, &st.shown, cam, tf);
    }
    if st.view.mode == View::LayerSpace
        && let Some(p) = st.sheet_hover.as_ref().and_then(|h| h.0)
    {
        input_inset(ctx, central, &st.sessions.active().domain, p);
    }
    st.commands.write_batch(outbox);
    st.display.set_if_neq(display);
    st.highlight.set_if_neq(super::state::Highlight(highlight));
    st.selection.set_if_neq(selection);
    st.area.min = Vec2::new(central.min.x, central.min.y);
    st.area.max = Vec2::new(central.max.x, central.max.y);
    st.area.keyboard_free = !text_edit_focused(ctx);
    st.area.pointer_on_window = pointer_on_window(ctx);
    let s = window.scale_factor();
    let (pos, size) = (
        UVec2::new((central.min.x * s) as u32, (central.min.y * s) as u32),
        UVec2::new((central.width() * s) as u32, (central.height() * s) as u32),
    );
    let physical = UVec2::new(window.physical_width(), window.physical_height());
    for (mut cam, _) in &mut camera {
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

/// Everything the panels show and edit, as plain references (so tests can draw them).
pub struct Panes<'a> {
    pub sessions: &'a mut Sessions,
    pub display: &'a mut Display,
    /// The unit hovered in the unit grid.
    pub highlight: &'a mut Option<crate::nn::NeuronId>,
    pub view: &'a mut ViewState,
    pub panels: &'a mut Panels,
    pub shown: &'a Shown,
    /// A partition is being computed off the frame.
    pub computing: bool,
    pub selection: &'a mut Selection,
    pub recorder: &'a mut Recorder,
    pub status: Option<&'a Message>,
    /// Frames per second, while the window redraws every frame.
    pub fps: Option<f32>,
    /// Where the selected unit's boundary is on screen: the inspector opens clear of it.
    pub avoid: Option<egui::Rect>,
    /// The shown run's phenomena as analysed so far.
    pub phenomena: phenomena::Analysed<'a>,
}

/// Draws every panel inside `root`; returns the run commands the user gave and the part of
/// `root` left for the view.
pub fn draw(root: &mut egui::Ui, p: Panes) -> (Vec<RunCommand>, egui::Rect) {
    let ctx = root.ctx().clone();
    let mut outbox = Vec::new();
    let Panes {
        sessions,
        display,
        highlight,
        view,
        panels,
        shown,
        computing,
        selection,
        recorder,
        status: message,
        fps,
        avoid,
        phenomena: analysed,
    } = p;
    egui::Panel::left("controls")
        .default_size(250.0)
        .resizable(true)
        .show(root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("ginn");
                status(ui, sessions, shown, computing, fps);
                ui.separator();
                panels.playback.ui(ui, sessions.active_mut(), view);
                ui.separator();
                ui.collapsing("Run settings", |ui| {
                    panels.settings.ui(ui, sessions, &mut outbox)
                });
                ui.collapsing("Files", |ui| panels.files.ui(ui, &mut outbox));
                ui.collapsing("Record", |ui| {
                    record::ui(ui, recorder, &mut display.smooth_edges)
                });
                if let Some(m) = message {
                    let color = if m.is_error() {
                        egui::Color32::from_rgb(255, 110, 110)
                    } else {
                        egui::Color32::LIGHT_GREEN
                    };
                    ui.colored_label(color, m.to_string());
                }
                if let Some(e) = &sessions.active().error {
                    ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
                }
            });
        });
    egui::Panel::right("layers")
        .default_size(240.0)
        .resizable(true)
        .show(root, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                layers::ui(
                    ui,
                    display,
                    highlight,
                    sessions.active().settings.widths.as_slice(),
                );
                ui.separator();
                ui.checkbox(&mut panels.diagram, "network diagram");
                if panels.diagram {
                    // The weights as the network has them, not with its domain folded in.
                    network::ui(ui, &sessions.active().shown_network(), selection);
                }
                ui.separator();
                egui::CollapsingHeader::new("Phenomena")
                    .default_open(true)
                    .show(ui, |ui| {
                        phenomena::ui(
                            ui,
                            analysed,
                            sessions.active().shown_index(),
                            selection,
                            display,
                            sessions.active().settings.widths.iter().sum(),
                        );
                        ui.separator();
                        let s = sessions.active();
                        let has_next = s.shown_index() + 1 < s.snapshots.len();
                        phenomena::controls(ui, display, selection.neuron.is_some(), has_next);
                    });
            });
        });
    egui::Panel::bottom("timeline")
        .default_size(170.0)
        .resizable(true)
        .show(root, |ui| {
            panels.timeline.ui(ui, sessions.active_mut());
        });
    let central = root.available_rect_before_wrap();
    if selection.neuron.is_some()
        && let (Some(net), Some(geom)) = (&shown.network, &shown.geometry)
    {
        let mut open = true;
        let height = (central.height() * 0.75).max(200.0);
        egui::Window::new("Neuron")
            // A window of its own per unit, so each opens where it is placed here.
            .id(egui::Id::new(("inspector", selection.neuron)))
            .open(&mut open)
            // Scrolls rather than covering the whole view in a small window.
            .vscroll(true)
            .default_height(height)
            // In a corner of the view clear of the unit's boundary.
            .default_pos(inspector_corner(central, egui::vec2(340.0, height), avoid))
            .show(&ctx, |ui| {
                panels.inspector.ui(
                    ui,
                    selection,
                    sessions.active(),
                    net,
                    geom,
                    shown.generation,
                );
            });
        if !open {
            selection.select(None);
        }
    }
    if panels.help {
        egui::Window::new("Keys and mouse")
            .collapsible(false)
            .show(&ctx, help::ui);
    }
    (outbox, central)
}

/// Whether a text field has the keyboard (only then do keys belong to egui).
pub fn text_edit_focused(ctx: &egui::Context) -> bool {
    ctx.memory(|m| m.focused())
        .is_some_and(|id| egui::text_edit::TextEditState::load(ctx, id).is_some())
}

/// Keys are the app's unless a text field is being edited: egui gets no key presses then
/// (so Tab does not move egui's focus onto a button, and Space does not press it), and
/// never gets Tab (it switches the view).
pub fn filter_egui_keys(input: &mut egui::RawInput, keyboard_free: bool) {
    input.events.retain(|e| match e {
        egui::Event::Key { key, .. } => !keyboard_free && *key != egui::Key::Tab,
        _ => true,
    });
}

fn keep_keys_from_egui(area: Res<UiArea>, mut inputs: Query<&mut EguiInput>) {
    for mut input in &mut inputs {
        filter_egui_keys(&mut input.0, area.keyboard_free);
    }
}

/// Where the inspector opens: the corner of the view (top-left first) whose window of
/// `size` covers least of `avoid`, the selected unit's boundary on screen.
pub fn inspector_corner(
    central: egui::Rect,
    size: egui::Vec2,
    avoid: Option<egui::Rect>,
) -> egui::Pos2 {
    let m = 12.0;
    let corners = [
        central.min + egui::vec2(m, m),
        egui::pos2(central.max.x - size.x - m, central.min.y + m),
        egui::pos2(central.min.x + m, central.max.y - size.y - m),
        central.max - size - egui::vec2(m, m),
    ];
    let covered = |p: &egui::Pos2| {
        avoid.map_or(0.0, |a| {
            let i = egui::Rect::from_min_size(*p, size).intersect(a);
            if i.is_positive() { i.area() } else { 0.0 }
        })
    };
    corners
        .into_iter()
        .min_by(|a, b| covered(a).total_cmp(&covered(b)))
        .unwrap_or(corners[0])
}

/// The shown rectangle's bottom-left and top-right corners labelled in the domain's units
/// (runs on a domain other than the image's unit square), next to where the ground's
/// corners are on screen.
fn axis_labels(
    ctx: &egui::Context,
    central: egui::Rect,
    picture: &super::state::ShownPicture,
    shown: &Shown,
    cam: &Camera,
    tf: &GlobalTransform,
) {
    // The labels as the frame's description has them (the CPU frames' and SVGs' too).
    let (Some(geom), Some(labels)) = (shown.geometry.as_ref(), picture.0.axes.as_ref()) else {
        return;
    };
    let r = geom.rect;
    let painter = ctx
        .layer_painter(egui::LayerId::new(egui::Order::Background, "axes".into()))
        .with_clip_rect(central);
    let font = egui::FontId::proportional(13.0);
    for (text, corner, align) in [
        (&labels[0], [r.x0, r.y1], egui::Align2::LEFT_BOTTOM),
        (&labels[1], [r.x1, r.y0], egui::Align2::RIGHT_TOP),
    ] {
        let Ok(v) = cam.world_to_viewport(tf, super::world(corner, 0.0)) else {
            continue;
        };
        // Inside the corner, so the label stays on the ground it names.
        let inward = if align == egui::Align2::LEFT_BOTTOM {
            egui::vec2(4.0, -4.0)
        } else {
            egui::vec2(-4.0, 4.0)
        };
        // Window coordinates already (Bevy adds the viewport's corner).
        let at = egui::pos2(v.x, v.y) + inward;
        label_on_backdrop(&painter, text.clone(), font.clone(), at, align);
    }
}

/// Dark text on a translucent white backdrop, anchored at `at` by `align`.
fn label_on_backdrop(
    painter: &egui::Painter,
    text: String,
    font: egui::FontId,
    at: egui::Pos2,
    align: egui::Align2,
) {
    let galley = painter.layout_no_wrap(text, font, egui::Color32::from_gray(20));
    let rect = align.anchor_size(at, galley.size()).expand(3.0);
    painter.rect_filled(rect, 3.0, egui::Color32::from_white_alpha(205));
    painter.galley(
        rect.min + egui::vec2(3.0, 3.0),
        galley,
        egui::Color32::from_gray(20),
    );
}

/// Layer space: a small picture of the input square at the view's bottom left, marking
/// where the point of the sheet under the pointer comes from, with its coordinates.
fn input_inset(
    ctx: &egui::Context,
    central: egui::Rect,
    domain: &crate::domain::Domain,
    p: [f64; 2],
) {
    let side = 110.0;
    let square = egui::Rect::from_min_size(
        egui::pos2(central.min.x + 12.0, central.max.y - side - 30.0),
        egui::vec2(side, side),
    );
    let painter = ctx.layer_painter(egui::LayerId::new(egui::Order::Background, "inset".into()));
    painter.rect_filled(square.expand(2.0), 2.0, egui::Color32::from_gray(235));
    painter.rect_stroke(
        square,
        0.0,
        egui::Stroke::new(1.0, egui::Color32::from_gray(90)),
        egui::StrokeKind::Inside,
    );
    let at = square.min + egui::vec2(p[0] as f32, p[1] as f32) * side;
    painter.circle_filled(at, 4.0, egui::Color32::from_rgb(220, 30, 60));
    let [x, y] = domain.to_input(p[0], p[1]);
    let [sx, sy] = domain.scale();
    let text = format!(
        "from ({}, {})",
        crate::domain::to_span(x, sx),
        crate::domain::to_span(y, sy)
    );
    label_on_backdrop(
        &painter,
        text,
        egui::FontId::proportional(13.0),
        square.left_bottom() + egui::vec2(3.0, 7.0),
        egui::Align2::LEFT_TOP,
    );
}

/// The screen rectangle of the selected unit's boundary (on its plane, as drawn).
fn selected_on_screen(
    shown: &Shown,
    selection: &Selection,
    lift: f32,
    cam: &Camera,
    tf: &GlobalTransform,
) -> Option<egui::Rect> {
    let (n, geom) = (selection.neuron?, shown.geometry.as_ref()?);
    let height = super::layer_height(n.layer) * lift;
    let points = geom
        .boundary(n)
        .polylines
        .iter()
        .flatten()
        .map(|&p| super::world(p, height));
    screen_rect(points, cam, tf)
}

/// The window rectangle around world points (`world_to_viewport` gives window
/// coordinates: it adds the viewport's corner itself).
fn screen_rect(
    points: impl Iterator<Item = Vec3>,
    cam: &Camera,
    tf: &GlobalTransform,
) -> Option<egui::Rect> {
    let mut r = egui::Rect::NOTHING;
    for p in points {
        if let Ok(v) = cam.world_to_viewport(tf, p) {
            r.extend_with(egui::pos2(v.x, v.y));
        }
    }
    r.is_positive().then_some(r)
}

fn status(
    ui: &mut egui::Ui,
    sessions: &Sessions,
    shown: &Shown,
    computing: bool,
    fps: Option<f32>,
) {
    let s = sessions.active();
    let (_, iteration) = s.shown();
    ui.label(format!("run: {}", s.name));
    // A run with a plan counts towards its end; a recording (an import, a followed run)
    // has only its snapshots: "iteration 0 of 1" said nothing true.
    ui.label(if s.can_train() {
        format!("iteration {iteration} of {}", s.settings.iterations)
    } else {
        format!(
            "iteration {iteration} · snapshot {} of {}",
            s.shown_index() + 1,
            s.snapshots.len()
        )
    });
    // A snapshot just recorded is evaluated off the frame: until it is in, the last
    // evaluated one's figures stand (no flicker between figures and dots).
    let evaluated = (0..=s.shown_index()).rev().find(|&i| s.is_evaluated(i));
    let snap = &s.snapshots[evaluated.unwrap_or(s.shown_index())];
    if evaluated.is_none() {
        ui.label(format!("loss …  accuracy …  (at {})", snap.iteration))
            .on_hover_text("being evaluated off the frame");
    } else if snap.loss.is_finite() {
        ui.label(format!(
            "loss {:.4}  accuracy {:.2}%  (at {})",
            snap.loss,
            100.0 * snap.accuracy,
            snap.iteration
        ));
    } else if matches!(s.target, crate::targets::Data::Nothing) {
        ui.label("no target: the prediction only");
    } else {
        ui.label(format!("loss not finite (at {})", snap.iteration));
    }
    // Lines that come and go while training would move every widget below them (and the
    // one being clicked or typed in): each of these is always one line.
    let held_out =
        matches!(&s.target, crate::targets::Data::Points(p) if p.test.iter().any(|&t| t));
    match (snap.test_loss, snap.test_accuracy) {
        (Some(l), Some(a)) => {
            ui.label(format!("test: loss {l:.4}  accuracy {:.2}%", 100.0 * a));
        }
        _ if held_out => {
            ui.label("test: loss …  accuracy …");
        }
        _ => {}
    }
    let points = s.target.points().map(|p| format!("{} points; ", p.len()));
    if points.is_some() || !s.domain.is_unit() {
        ui.label(format!(
            "{}{}",
            points.unwrap_or_default(),
            s.domain.ranges()
        ))
        .on_hover_text(
            "the square's edges in the network's own input coordinates (y grows upwards)",
        );
    }
    let busy = if computing { " · computing…" } else { "" };
    match &shown.geometry {
        Some(g) => match &g.truncated {
            // Zoomed in 2D, the partition covers only the visible part of the square.
            None if g.rect != crate::geometry::Rect::UNIT => ui.label(format!(
                "{} linear regions in view{busy}",
                g.regions().len()
            )),
            None => ui.label(format!("{} linear regions{busy}", g.regions().len())),
            Some(t) => ui
                .colored_label(
                    egui::Color32::from_rgb(230, 170, 60),
                    format!("{}{busy}", t.showing()),
                )
                .on_hover_text(format!("{t}; GINN_MAX_REGIONS raises the limit")),
        },
        None => ui.label("computing the linear regions…"),
    };
    let (state, detail) = s.pace();
    // An idle window redraws only on input: its frame rate would say nothing.
    let fps = fps.map_or(String::new(), |f| format!(" · {f:.0} fps"));
    ui.label(format!("{state}{fps}"))
        .on_hover_text(format!(
            "training alone runs at {:.0} it/s on this machine; the window shows what fits in its frames",
            s.rate
        ));
    ui.weak(detail);
}
