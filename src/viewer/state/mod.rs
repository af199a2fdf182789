//! The viewer's shared state, in one place: every resource more than one module reads or
//! writes lives here, so modules depend on this one and not on each other. Who owns what:
//!
//! - [`Sessions`]: the runs of this window and which is active. Changed only by the run
//!   commands ([`RunCommand`], applied in `runs`), by training (`training`) and playback.
//! - [`Selection`]: the selected unit; kept valid by `runs` whenever the active run changes.
//! - [`Shown`]: the shown network and its exact geometry (`boundaries` computes it), over
//!   [`ZoomRect`] (set by `camera`).
//! - [`Display`]: what is drawn (panels edit it; `boundaries` and `scene` read it).
//! - [`ViewState`], [`Lift`]: the camera's pose and how far layers are lifted (`camera`).
//! - [`UiArea`]: the part of the window left to the view, and whether keys are free (`ui`).
//! - [`Status`]: the message line under the panels; messages expire.
//! - Work off the frame (`jobs.rs`): [`GeometryJob`] (the partition, `boundaries`) and
//!   [`Phenomena`] (the analysis, `phenomena`; the panel and overlays read it).
//! - Recording (`recording.rs`): [`Recorder`] (`recording` captures, the Record panel and
//!   training read it) and [`Script`] (`--frames`, `capture`).
//! - The scene (`scene.rs`): [`MainCamera`], [`Ground`], [`OverlayAssets`]; the material
//!   of every mesh the viewer makes ([`FlatMaterial`], `material.rs`).

mod jobs;
mod material;
mod recording;
mod scene;

pub use jobs::{Batch, Built, GeometryJob, GeometryKey, Phenomena, RunKey, WIDE_NET_UNITS};
pub use material::FlatMaterial;
pub(super) use material::plugin as material_plugin;
pub use recording::{MovieKind, Recorder, Script, free_take};
pub use scene::{Ground, MainCamera, OverlayAssets};

use super::{LAYER_SPACING, View, WORLD_SIZE};
use crate::geometry::{Geometry, Rect};
use crate::nn::{Network, NeuronId};
use crate::run::session::Session;
use crate::train::Settings;
use bevy::prelude::*;
use std::path::PathBuf;
use std::time::Duration;

/// Whether the window redraws every frame (`pace` decides; no settings: a headless app,
/// which does).
pub fn redraws_continuously(winit: Option<&bevy::winit::WinitSettings>) -> bool {
    winit.is_none_or(|w| w.focused_mode == bevy::winit::UpdateMode::Continuous)
}

/// The shared resources a viewer starts with (`Sessions` is inserted by whoever makes the
/// app: it needs a run).
pub(super) fn plugin(app: &mut App) {
    app.init_resource::<Selection>();
    app.init_resource::<UiArea>();
    app.init_resource::<Shown>();
    app.init_resource::<Display>();
    app.init_resource::<Highlight>();
    app.init_resource::<ShownPicture>();
    app.init_resource::<AnalysisThresholds>();
    app.init_resource::<SheetPick>();
    app.init_resource::<SheetHover>();
    app.init_resource::<SheetFolding>();
    app.init_resource::<Lift>();
    app.init_resource::<ZoomRect>();
    app.init_resource::<FrameBudget>();
}

/// What the panels ask of the run list. Panels only send these; `runs` applies them at
/// the start of the next frame, in one place, and keeps the selection valid there.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum RunCommand {
    /// A new run with these settings (Apply); nothing when they are the shown run's.
    Start(Settings),
    /// A new run with these settings even when they are the shown run's (Reset).
    Restart(Settings),
    /// Continue from the shown snapshot of the active run as a new run.
    Branch { lr: f64, batch: usize },
    /// Open a run file as a new run.
    Open(PathBuf),
    /// Save the active run.
    Save(PathBuf),
    /// Show run `i` of the list.
    Activate(usize),
}

/// A message on the status line.
#[derive(Clone, Debug, PartialEq)]
pub enum Message {
    Started,
    /// Apply with the shown run's own settings.
    Unchanged,
    Branched {
        at: u64,
    },
    Opened {
        name: String,
    },
    /// Another run of the list is shown.
    Showing {
        name: String,
    },
    /// Where the run was saved (a fallback file when the path failed, saying why).
    Saved {
        describe: String,
        fell_back: bool,
    },
    Failed(String),
    /// Something the run itself says (training on from an imported network).
    Notice(String),
}

impl Message {
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Message::Failed(_)
                | Message::Saved {
                    fell_back: true,
                    ..
                }
        )
    }

    /// How long it stays on screen.
    fn lasts(&self) -> Duration {
        Duration::from_secs(if self.is_error() { 15 } else { 5 })
    }
}

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Started => write!(f, "started a new run"),
            Message::Unchanged => write!(
                f,
                "these are the shown run's settings; Reset restarts it as a new run"
            ),
            Message::Branched { at } => {
                write!(f, "branched at iteration {at}: training the new run")
            }
            Message::Opened { name } => write!(f, "opened {name}"),
            Message::Showing { name } => write!(f, "showing {name}"),
            Message::Saved { describe, .. } => write!(f, "{describe}"),
            Message::Failed(e) | Message::Notice(e) => write!(f, "{e}"),
        }
    }
}

/// The status line: the latest message until it expires.
#[derive(Resource, Default, Debug)]
pub struct Status {
    current: Option<(Message, Duration)>,
}

impl Status {
    /// Shows `m` from `now` (time since start-up) for as long as its kind lasts.
    pub fn show(&mut self, m: Message, now: Duration) {
        let until = now + m.lasts();
        self.current = Some((m, until));
    }

    /// The message still showing at `now`.
    pub fn at(&self, now: Duration) -> Option<&Message> {
        self.current
            .as_ref()
            .filter(|(_, until)| now < *until)
            .map(|(m, _)| m)
    }
}

/// All runs of this window (branches and opened files), and which one is shown.
#[derive(Resource)]
pub struct Sessions {
    pub list: Vec<Session>,
    pub active: usize,
    /// Where unsaved training goes when the app ends by any road (set by the autosave
    /// plugin; `None`: scripted runs and apps without it write nothing).
    pub autosave_to: Option<PathBuf>,
}

/// The last door: however the app ends — a closed or destroyed window, a render error, a
/// signal, a panic unwinding through a system — its world is dropped, and with it the
/// runs; whatever trained further than its last save is written first.
impl Drop for Sessions {
    fn drop(&mut self) {
        if let Some(dir) = self.autosave_to.clone() {
            self.autosave_unsaved(&dir);
        }
    }
}

impl Sessions {
    pub fn new(mut session: Session, iterations_per_frame: u64) -> Self {
        session.iterations_per_frame = iterations_per_frame;
        Self {
            list: vec![session],
            active: 0,
            autosave_to: None,
        }
    }

    /// The run list's labels: each run's name, numbered where names repeat (two runs
    /// applied with the same seed, a file opened twice).
    pub fn labels(&self) -> Vec<String> {
        self.list
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let same = |t: &&Session| t.name == s.name;
                match self.list.iter().filter(same).count() {
                    1 => s.name.clone(),
                    _ => {
                        let k = self.list[..=i].iter().filter(same).count();
                        format!("{} ({k})", s.name)
                    }
                }
            })
            .collect()
    }

    /// What tells runs apart: their settings and how far they trained.
    pub fn describe(s: &Session) -> String {
        let st = &s.settings;
        format!(
            "{}; widths {:?}, lr {}, batch {}, {} at iteration {} of {}",
            st.target.name(),
            st.widths,
            st.lr,
            st.batch,
            st.activation,
            s.head_iteration(),
            st.iterations
        )
    }

    /// Writes every run that trained further than its last save to the autosave folder
    /// `dir`, says where on the terminal, and returns the files written.
    pub fn autosave_unsaved(&mut self, dir: &std::path::Path) -> Vec<PathBuf> {
        let mut written = Vec::new();
        for s in self.list.iter_mut().filter(|s| s.has_unsaved_progress()) {
            match s.autosave(dir) {
                Ok(w) => {
                    eprintln!(
                        "ginn: unsaved training of \"{}\" (iteration {}) saved to {}; reopen it with `ginn view --recover`",
                        s.name,
                        s.head_iteration(),
                        w.path.display()
                    );
                    written.push(w.path);
                }
                Err(e) => eprintln!("ginn: could not autosave \"{}\": {e}", s.name),
            }
        }
        written
    }

    pub fn active(&self) -> &Session {
        &self.list[self.active]
    }

    pub fn active_mut(&mut self) -> &mut Session {
        &mut self.list[self.active]
    }

    /// Adds a run and shows it, at the speed the shown run had.
    pub fn push(&mut self, mut s: Session) {
        s.iterations_per_frame = self.active().iterations_per_frame;
        self.list.push(s);
        self.active = self.list.len() - 1;
    }

    /// Shows run `i` (ignored when there is none).
    pub fn activate(&mut self, i: usize) {
        if i < self.list.len() {
            self.active = i;
        }
    }
}

/// The thresholds the phenomena panel and overlays measure with (`ginn view --set`).
#[derive(Resource, Default, Clone, Debug, PartialEq)]
pub struct AnalysisThresholds(pub crate::analysis::Thresholds);

/// How much of each frame training may take, so the window stays responsive at any
/// iterations-per-frame setting.

#[derive(Resource)]
pub struct FrameBudget(pub Duration);

impl Default for FrameBudget {
    fn default() -> Self {
        Self(Duration::from_millis(10))
    }
}

/// The selected neuron, shared by the views, the inspector and the network diagram; or a
/// set of units a phenomenon names (a copycat pair, the indecisive units), highlighted
/// together, the inspector showing the first.
#[derive(Resource, Default, Clone, PartialEq, Debug)]
pub struct Selection {
    /// The unit the inspector shows (the first of the set).
    pub neuron: Option<NeuronId>,
    /// The whole set when more than one unit is selected (empty otherwise).
    pub group: Vec<NeuronId>,
    /// Dim the other units' lines while one is selected.
    pub dim_others: bool,
}

impl Selection {
    /// Selects one unit, or none.
    pub fn select(&mut self, n: Option<NeuronId>) {
        self.neuron = n;
        self.group.clear();
    }

    /// Selects a set of units; the first is inspected.
    pub fn select_all(&mut self, units: &[NeuronId]) {
        self.neuron = units.first().copied();
        self.group = if units.len() > 1 {
            units.to_vec()
        } else {
            vec![]
        };
    }

    /// Every selected unit.
    pub fn units(&self) -> Vec<NeuronId> {
        if self.group.is_empty() {
            self.neuron.into_iter().collect()
        } else {
            self.group.clone()
        }
    }
}

/// The part of the window left for the 3D view (logical pixels), and whether the keyboard
/// is free for shortcuts (no text field has focus).
#[derive(Resource, Clone, Copy, Debug)]
pub struct UiArea {
    pub min: Vec2,
    pub max: Vec2,
    pub keyboard_free: bool,
    /// The pointer is over a floating window or popup drawn over the view (the
    /// inspector, a menu) or egui is using it: the view does not take it then.
    pub pointer_on_window: bool,
}

impl Default for UiArea {
    fn default() -> Self {
        Self {
            min: Vec2::ZERO,
            max: Vec2::splat(f32::INFINITY),
            keyboard_free: true,
            pointer_on_window: false,
        }
    }
}

impl UiArea {
    /// Whether a cursor position (logical pixels) is over the view, not a panel nor a
    /// window over it: no click or drag on a panel or window may reach the scene.
    pub fn contains(&self, p: Vec2) -> bool {
        !self.pointer_on_window
            && p.x >= self.min.x
            && p.y >= self.min.y
            && p.x < self.max.x
            && p.y < self.max.y
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

/// The network on screen and its exact geometry over `rect`.
#[derive(Resource, Default)]
pub struct Shown {
    pub network: Option<Network>,
    pub geometry: Option<Geometry>,
    pub iteration: u64,
    /// (session id, session version, rect) the geometry was built for.
    pub built_for: Option<(u64, u64, [u64; 4])>,
    /// Bumped on every rebuild: egui panels cache on it (they are not systems, so Bevy's
    /// change ticks do not reach them).
    pub generation: u64,
}

/// The layer-space view's choices: the layer shown (fractional between two layers: the
/// morph from one to the next) and the 3D axes (`None`: decision axes at the last hidden
/// layer, principal axes elsewhere). Part of [`ViewState`].
#[derive(Clone, Debug, PartialEq)]
pub struct LayerSpaceView {
    /// 0 = the input, 1…L the hidden layers; clamped to the shown network's depth.
    pub layer: f32,
    pub axes: Option<crate::layer_space::Axes>,
}

impl LayerSpaceView {
    /// The layer shown: the slider's value clamped to the network (`f32::MAX`: the last
    /// hidden).
    pub fn shown_layer(&self, hidden: usize) -> f32 {
        self.layer.clamp(0.0, hidden as f32)
    }
}

impl Default for LayerSpaceView {
    fn default() -> Self {
        // The last hidden layer, whatever the depth.
        Self {
            layer: f32::MAX,
            axes: None,
        }
    }
}

/// The part of the input square being looked at: the whole square, or less when zoomed
/// in 2D. The camera sets it; the geometry is computed over it.
#[derive(Resource, Clone, Copy, Debug, PartialEq)]
pub struct ZoomRect(pub Rect);

impl Default for ZoomRect {
    fn default() -> Self {
        Self(Rect::UNIT)
    }
}

/// What the view's lines, surfaces and overlays are drawn from.
#[derive(bevy::ecs::system::SystemParam)]
pub struct ViewInputs<'w> {
    pub shown: Res<'w, Shown>,
    pub display: Res<'w, Display>,
    pub selection: Res<'w, Selection>,
    pub sessions: Res<'w, Sessions>,
    pub lift: Option<Res<'w, Lift>>,
}

impl ViewInputs<'_> {
    /// Whether a new geometry, a setting, the selection or the planes' lift changed since
    /// the system asking last ran (Bevy's change detection).
    pub fn changed(&self) -> bool {
        self.content_changed() || self.lift.as_ref().is_some_and(|l| l.is_changed())
    }

    /// [`ViewInputs::changed`] but for the lift, which moves what is drawn but changes
    /// nothing of what it is (the picture).
    pub fn content_changed(&self) -> bool {
        self.shown.is_changed() || self.display.is_changed() || self.selection.is_changed()
    }

    /// How far the layer planes are lifted (1 in 3D, 0 in 2D).
    pub fn lift(&self) -> f32 {
        self.lift.as_ref().map_or(1.0, |l| l.0)
    }
}

/// What goes over the shown snapshot's lines — the phenomena's overlays and the selected
/// unit's velocity — described by the core as for CPU frames and SVG figures
/// (`Picture::describe`); the overlays and surfaces draw it.
#[derive(Resource, Default, PartialEq)]
pub struct ShownPicture(pub crate::render::picture::Picture);

/// A unit drawn thicker: the one hovered in the unit grid. Apart from [`Display`], whose
/// changes (settings) rebuild textures and meshes, where this one's (a pointer passing
/// over the grid) redraw the lines only.
#[derive(Resource, Default, Clone, Copy, Debug, PartialEq)]
pub struct Highlight(pub Option<NeuronId>);

/// What is drawn and how. Systems rebuild when Bevy sees it change (the panels write it
/// back only when it differs, `set_if_neq`).
#[derive(Resource, Clone, PartialEq)]
pub struct Display {
    /// Line width in pixels.
    pub line_width: f32,
    /// Hidden layers shown (missing = shown).
    pub layers: crate::render::LayerMask,
    /// Units hidden individually.
    pub hidden_units: std::collections::HashSet<NeuronId>,
    pub decision_boundary: bool,
    /// Background: the network's prediction (true) or the target image.
    pub show_prediction: bool,
    /// Shade each layer plane's regions.
    pub shade_regions: bool,
    /// The phenomena overlays shown.
    pub overlays: crate::overlays::Overlays,
    pub surfaces: Surfaces,
    /// Analyse the phenomena of nets wider than `phenomena::WIDE_NET_UNITS` too (costly).
    pub analyse_wide_nets: bool,
    /// Smooth edges (multisampling) in the 2D, 3D and layer-space views.
    pub smooth_edges: bool,
}

/// The 3D surfaces shown, and how.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Surfaces {
    /// The output (logit difference) as a height field of the linear regions.
    pub output: bool,
    /// Colour the output by predicted class (else by region).
    pub by_class: bool,
    /// Put the output below the ground (else on it: the ground is hidden, its zero level
    /// the ground).
    pub below: bool,
    /// The selected unit's activation over its plane.
    pub unit: bool,
    /// Arrows of where the selected unit's boundary moves by the next snapshot.
    pub velocity: bool,
    /// Faint copies of the lower layers' boundaries on each plane.
    pub bends: bool,
    /// Multiplies the surfaces' heights.
    pub height: f32,
}

impl Default for Surfaces {
    fn default() -> Self {
        Self {
            output: false,
            by_class: false,
            below: false,
            unit: false,
            velocity: false,
            bends: false,
            height: 1.0,
        }
    }
}

impl Default for Display {
    fn default() -> Self {
        Self {
            line_width: 2.5,
            layers: crate::render::LayerMask::default(),
            hidden_units: Default::default(),
            decision_boundary: false,
            show_prediction: true,
            shade_regions: false,
            overlays: Default::default(),
            surfaces: Surfaces::default(),
            analyse_wide_nets: false,
            smooth_edges: true,
        }
    }
}

impl Display {
    pub fn layer_shown(&self, l: usize) -> bool {
        self.layers.shows(l)
    }

    pub fn unit_shown(&self, n: NeuronId) -> bool {
        self.layer_shown(n.layer) && !self.hidden_units.contains(&n)
    }
}

/// Whether lines sit on their layer planes (3D) or all on the ground (2D); set by the camera.
#[derive(Resource, Default, Clone, Copy, PartialEq)]
pub struct Lift(pub f32);

/// Where the camera looks from, in both modes, and how far the 2D↔3D switch has gone.
#[derive(Resource, Clone, Debug)]
pub struct ViewState {
    pub mode: View,
    /// 0 = fully 3D, 1 = fully 2D; animates towards the mode.
    pub blend: f32,
    pub yaw: f32,
    pub pitch: f32,
    pub radius: f32,
    pub focus: Vec3,
    /// 2D: centre of the view (world XZ) and visible height in world units.
    pub centre_2d: Vec2,
    pub height_2d: f32,
    /// The layer-space view's layer and axes.
    pub layer_space: LayerSpaceView,
}

impl ViewState {
    /// Whether the switch between 2D and 3D is under way.
    pub fn animating(&self) -> bool {
        self.blend != if self.mode == View::TwoD { 1.0 } else { 0.0 }
    }

    pub fn new(mode: View) -> Self {
        let mut s = Self::default_3d();
        s.mode = mode;
        s.blend = if mode == View::TwoD { 1.0 } else { 0.0 };
        s
    }

    fn default_3d() -> Self {
        Self {
            mode: View::ThreeD,
            blend: 0.0,
            yaw: -0.35,
            pitch: 0.55,
            radius: 8.0,
            focus: Vec3::new(0.0, 1.2 * LAYER_SPACING, 0.0),
            centre_2d: Vec2::ZERO,
            height_2d: WORLD_SIZE * 1.05,
            layer_space: LayerSpaceView::default(),
        }
    }

    /// Back to the starting view, keeping the mode and the layer-space choices.
    pub fn reset(&mut self) {
        let (mode, blend) = (self.mode, self.blend);
        let layer_space = std::mem::take(&mut self.layer_space);
        *self = Self::default_3d();
        self.mode = mode;
        self.blend = blend;
        self.layer_space = layer_space;
    }

    pub fn toggle(&mut self) {
        self.mode = if self.mode == View::TwoD {
            View::ThreeD
        } else {
            View::TwoD
        };
    }

    /// The part of the input square visible in 2D (the whole square in 3D).
    pub fn visible_rect(&self, aspect: f32) -> Rect {
        if self.blend < 1.0 {
            return Rect::UNIT;
        }
        let half = Vec2::new(self.height_2d * aspect, self.height_2d) / 2.0;
        let to_input = |w: Vec2| (w / WORLD_SIZE + Vec2::splat(0.5)).as_dvec2();
        let (lo, hi) = (
            to_input(self.centre_2d - half),
            to_input(self.centre_2d + half),
        );
        let (x0, y0, x1, y1) = (lo.x.max(0.0), lo.y.max(0.0), hi.x.min(1.0), hi.y.min(1.0));
        // Only narrow when zoomed in noticeably, so panning at full view does not rebuild.
        if x1 - x0 > 0.9 && y1 - y0 > 0.9 {
            return Rect::UNIT;
        }
        Rect::new(x0, y0, x1, y1).unwrap_or(Rect::UNIT)
    }
}

/// The drawn sheet's triangles in the world, each with its corners in the view square:
/// the map from the square to the sheet is affine on each triangle, so a point of the
/// sheet has one input point, by the same barycentric weights.
#[derive(Resource, Default)]
pub struct SheetPick {
    pub(in crate::viewer) triangles: Vec<([Vec3; 3], [[f64; 2]; 3])>,
    /// Where the selected unit's boundary is drawn on the sheet (the inspector opens clear
    /// of it).
    pub selected: Vec<Vec3>,
}

/// The input point (view square) under the pointer on the sheet, if any.
#[derive(Resource, Default, Clone, Copy, Debug, PartialEq)]
pub struct SheetHover(pub Option<[f64; 2]>);

impl SheetPick {
    /// The drawn triangles: world corners, and their view-square points.
    pub fn triangles(&self) -> &[([Vec3; 3], [[f64; 2]; 3])] {
        &self.triangles
    }

    /// The input point the ray meets first on the sheet.
    pub fn point_under(&self, ray: Ray3d) -> Option<[f64; 2]> {
        let (o, d) = (ray.origin, *ray.direction);
        let mut best: Option<(f32, [f64; 2])> = None;
        for (w, input) in &self.triangles {
            // Möller–Trumbore.
            let (e1, e2) = (w[1] - w[0], w[2] - w[0]);
            let p = d.cross(e2);
            let det = e1.dot(p);
            if det.abs() < 1e-12 {
                continue;
            }
            let s = o - w[0];
            let u = s.dot(p) / det;
            let q = s.cross(e1);
            let v = d.dot(q) / det;
            let t = e2.dot(q) / det;
            if u < 0.0 || v < 0.0 || u + v > 1.0 || t <= 0.0 || best.is_some_and(|b| b.0 <= t) {
                continue;
            }
            let (u, v) = (u as f64, v as f64);
            let at = [0, 1].map(|k| {
                input[0][k] + u * (input[1][k] - input[0][k]) + v * (input[2][k] - input[0][k])
            });
            best = Some((t, at));
        }
        best.map(|b| b.1)
    }
}

/// Layer space's sheet is being folded off the frame (a wide net).
#[derive(Resource, Default, Clone, Copy, Debug, PartialEq)]
pub struct SheetFolding(pub bool);
