//! The Bevy viewer: trains live (or replays a run) and shows every neuron's exact boundary
//! on its own layer plane in 3D, or overlaid in 2D as in the report's figures.
//!
//! A thin ECS shell over the core: systems read the core's session and geometry and turn
//! them into gizmo lines, textures and egui panels.

pub mod autosave;
pub mod boundaries;
pub mod camera;
pub mod capture;
pub mod follow;
pub mod layer_space;
pub mod overlays;
pub mod pace;
pub mod phenomena;
pub mod picking;
pub mod picture;
pub mod recording;
pub mod runs;
pub mod scene;
pub mod state;
pub mod surfaces;
pub mod training;
pub mod ui;

use crate::run::session::Session;
use bevy::prelude::*;
use bevy::window::{PresentMode, WindowResolution};
use std::path::PathBuf;

/// How the viewer starts.
#[derive(Clone, Debug)]
pub struct ViewerOptions {
    pub session_name: String,
    pub view: View,
    pub iterations_per_frame: u64,
    /// Run this many frames, save a screenshot, exit.
    pub frames: Option<u32>,
    pub screenshot: Option<PathBuf>,
    pub window: (u32, u32),
    pub line_width: f32,
    /// Neuron selected at start (`--select`).
    pub select: Option<crate::nn::NeuronId>,
    /// Record from the start into this folder, this many frames, then exit (`--record`).
    pub record: Option<(PathBuf, u32)>,
    /// Overlays and surface shown from the start (`--overlay`, `--surface`).
    pub overlays: crate::overlays::Overlays,
    pub surface: Option<crate::render::frame::SurfaceKind>,
    /// The analysis's thresholds (`--set`).
    pub thresholds: crate::analysis::Thresholds,
    /// A folder of PyTorch checkpoints followed live (`--follow`).
    pub follow: Option<crate::pytorch::follow::Follow>,
    /// Layer space: the layer shown at start (`--layer`).
    pub layer: Option<usize>,
}

/// 3D layer planes, or the report's top-down overlay (the renderer's view enum).
pub use crate::render::frame::View;

/// The frame, in order: train, then geometry, then the analysis, then meshes and textures,
/// then the UI.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewerSet {
    Input,
    Train,
    Geometry,
    /// The analysis, after the frame's geometry (no batch starts while it is computed).
    Analyse,
    /// What goes over the shown snapshot (`state::Picture`), from the geometry and analysis.
    Describe,
    Meshes,
    Ui,
}

/// Side of the input square in world units, and the height between layer planes.
pub const WORLD_SIZE: f32 = 4.0;
pub const LAYER_SPACING: f32 = 0.7;

/// World position of input point (x, y) on the plane at `height` (y grows towards +Z so
/// the image's top is at the far edge seen from the default camera).
pub fn world(p: [f64; 2], height: f32) -> Vec3 {
    Vec3::new(
        (p[0] as f32 - 0.5) * WORLD_SIZE,
        height,
        (p[1] as f32 - 0.5) * WORLD_SIZE,
    )
}

/// Height of hidden layer `l`'s plane.
pub fn layer_height(l: usize) -> f32 {
    (l as f32 + 1.0) * LAYER_SPACING
}

/// Lines through the points of each polyline, at `height`.
pub fn polylines(g: &mut GizmoAsset, lines: &[crate::geometry::Polyline], height: f32, c: Color) {
    for line in lines {
        for w in line.windows(2) {
            g.line(world(w[0], height), world(w[1], height), c);
        }
    }
}

/// Writes a captured frame as a PNG (atomically).
pub fn save_png(image: &Image, path: &std::path::Path) -> Result<(), String> {
    let img = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())?
        .to_rgba8();
    let png = crate::render::frame::png_bytes(img.as_raw(), img.width(), img.height());
    crate::run::fsutil::write_atomic(path, &png).map_err(|e| e.to_string())
}

/// Everything but the window: used by the real app and by headless tests.
pub fn plugin(app: &mut App) {
    app.configure_sets(
        Update,
        (
            ViewerSet::Input,
            ViewerSet::Train,
            ViewerSet::Geometry,
            ViewerSet::Analyse,
            ViewerSet::Describe,
            ViewerSet::Meshes,
            ViewerSet::Ui,
        )
            .chain(),
    );
    app.add_plugins((
        state::plugin,
        runs::plugin,
        training::plugin,
        boundaries::plugin,
        phenomena::plugin,
        picture::plugin,
    ));
}

/// Opens the window and runs until it is closed (or the scripted frames are done).
pub fn run(session: Session, mut options: ViewerOptions) -> anyhow::Result<()> {
    check_display()?;
    install_panic_message();
    let mut app = App::new();
    if let Some(f) = options.follow.take() {
        app.insert_resource(follow::Following::new(f, session.id));
    }
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: format!("ginn — {}", options.session_name),
                    resolution: WindowResolution::new(options.window.0, options.window.1),
                    present_mode: PresentMode::AutoVsync,
                    ..default()
                }),
                ..default()
            })
            .set(bevy::log::LogPlugin {
                filter: "warn,wgpu=error,naga=error".into(),
                ..default()
            }),
    );
    app.add_plugins(bevy_egui::EguiPlugin::default());
    app.add_plugins(state::material_plugin);
    app.insert_resource(ClearColor(Color::srgb(0.12, 0.12, 0.14)));
    app.insert_resource(state::Sessions::new(session, options.iterations_per_frame));
    use crate::render::frame::SurfaceKind;
    app.insert_resource(state::Display {
        line_width: options.line_width,
        overlays: options.overlays,
        surfaces: state::Surfaces {
            output: options.surface == Some(SurfaceKind::Output),
            unit: options.surface == Some(SurfaceKind::Unit),
            ..default()
        },
        ..default()
    });
    let mut view = state::ViewState::new(options.view);
    if let Some(l) = options.layer {
        view.layer_space.layer = l as f32;
    }
    app.insert_resource(view);
    app.insert_resource(state::AnalysisThresholds(options.thresholds.clone()));
    app.insert_resource(state::Selection {
        neuron: options.select,
        ..default()
    });
    if let Some((dir, frames)) = &options.record {
        app.insert_resource(state::Recorder::scripted(dir, *frames));
    }
    app.insert_resource(state::Script {
        frames: options.frames,
        screenshot: options.screenshot.clone(),
        done: false,
    });
    app.add_plugins((
        plugin,
        scene::plugin,
        overlays::plugin,
        surfaces::plugin,
        layer_space::plugin,
        camera::plugin,
        ui::plugin,
        capture::plugin,
        picking::click_plugin,
        recording::plugin,
        autosave::plugin,
        follow::plugin,
        pace::plugin,
    ));
    // The app (and with it the runs, autosaving what is unsaved) is dropped inside `run`.
    if let AppExit::Error(code) = app.run()
        && code.get() > 128
    {
        // Ended by a signal: say so in the exit status, as `ginn train` does (143: SIGTERM).
        std::process::exit(i32::from(code.get()));
    }
    Ok(())
}

/// A window needs a display server; say so plainly instead of letting winit panic.
fn check_display() -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    {
        let x11 = std::env::var_os("DISPLAY").is_some_and(|d| !d.is_empty());
        let wayland = cfg!(feature = "wayland")
            && std::env::var_os("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
        if !x11 && !wayland {
            anyhow::bail!(
                "no display found (DISPLAY is not set), so the viewer cannot open a window. \
                 Use the headless commands (ginn train, ginn render, ginn figure, ginn regions), \
                 or run the viewer under a virtual display: xvfb-run -a ginn view"
            );
        }
    }
    Ok(())
}

/// Bevy reports a missing GPU driver or display by panicking deep inside its plugins;
/// turn that into one clear line with what to do about it.
fn install_panic_message() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        let lower = msg.to_lowercase();
        if [
            "adapter",
            "gpu",
            "vulkan",
            "surface",
            "display",
            "xopendisplay",
            "x11",
        ]
        .iter()
        .any(|k| lower.contains(k))
        {
            eprintln!(
                "error: the viewer could not start its graphics: {msg}\n\
                 ginn needs a working Vulkan, GL or Metal driver (on Linux without a GPU: Mesa's \
                 lavapipe, package mesa-vulkan-drivers). The headless commands (train, render, \
                 figure, regions) need none."
            );
            std::process::exit(1);
        }
        default(info);
    }));
}

/// Flat-coloured triangles (world corners, sRGB colour), each shaded by how it faces a
/// light from above: `ambient` for a face side-on to it, 1 for one facing it.
pub fn shaded_triangles(
    triangles: impl Iterator<Item = ([Vec3; 3], [f32; 3])>,
    ambient: f32,
) -> Mesh {
    let light = Vec3::new(0.4, 1.0, 0.3).normalize();
    let (mut positions, mut colors, mut normals) = (Vec::new(), Vec::new(), Vec::new());
    for (p, color) in triangles {
        let n = (p[1] - p[0]).cross(p[2] - p[0]).normalize_or_zero();
        let lit = ambient + (1.0 - ambient) * n.dot(light).abs();
        let [r, g, b] = color.map(|c| c * lit);
        // Vertex colours are linear; the colours above are sRGB, as everywhere else.
        let linear = Color::srgb(r, g, b).to_linear().to_f32_array();
        for q in p {
            positions.push(q.to_array());
            colors.push(linear);
            normals.push(n.to_array());
        }
    }
    Mesh::new(
        bevy::mesh::PrimitiveTopology::TriangleList,
        bevy::asset::RenderAssetUsages::default(),
    )
    .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, positions)
    .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, normals)
    .with_inserted_attribute(Mesh::ATTRIBUTE_COLOR, colors)
}

/// The material of the viewer's meshes that carry their colour in their vertices (their
/// shading included): white, translucent below alpha 1.
pub fn unlit_material(alpha: f32) -> state::FlatMaterial {
    state::FlatMaterial::new(Color::srgba(1.0, 1.0, 1.0, alpha))
}

/// A click on the layer-space sheet selects the unit whose boundary passes within this
/// distance of the clicked point's input point (in the view square).
pub const PICK_DISTANCE: f64 = 0.02;
