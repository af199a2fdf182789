//! Exact geometry of the shown network, rebuilt whenever it changes, and each layer's
//! boundary lines as a retained gizmo (wide, anti-aliased lines at any zoom).

use super::state::{
    Built, GeometryJob, GeometryKey, Sessions, Shown, ShownPicture, ViewInputs, ZoomRect,
};
use super::{ViewerSet, layer_height, world};
use crate::geometry::{Geometry, Rect};
use crate::nn::Network;
use crate::render::layer_color;
use crate::run::background::{Job, Priority};
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<GeometryJob>();
    app.add_systems(Update, rebuild_geometry.in_set(ViewerSet::Geometry));
    app.add_systems(Update, rebuild_boundary_lines.in_set(ViewerSet::Meshes));
}

/// Partitions expected to take longer than this run off the frame.
pub const GEOMETRY_FRAME_BUDGET_MS: f64 = 6.0;
/// Networks with more hidden units than this start off the frame (cost unknown, and large:
/// regions grow roughly with the square of the number of units).
const UNITS_OFF_FRAME: usize = 256;

fn build(net: Network, rect: Rect, iteration: u64) -> Built {
    let t = std::time::Instant::now();
    let geometry = Geometry::new(&net, rect);
    Built {
        geometry,
        network: net,
        iteration,
        ms: t.elapsed().as_secs_f64() * 1e3,
    }
}

fn install(shown: &mut Shown, job: &mut GeometryJob, built: Built, key: GeometryKey) {
    job.last_ms = built.ms;
    shown.geometry = Some(built.geometry);
    shown.iteration = built.iteration;
    shown.network = Some(built.network);
    shown.built_for = Some(key);
    shown.generation += 1;
}

/// Recomputes the geometry when the shown network or the visible rectangle changes: in the
/// frame when that is quick, else on a background task (one at a time; when it finishes,
/// the newest network is computed next).
pub fn rebuild_geometry(
    sessions: Res<Sessions>,
    zoom: Res<ZoomRect>,
    mut shown: ResMut<Shown>,
    mut job: ResMut<GeometryJob>,
) {
    if let Some((_, task)) = &job.task {
        if !task.is_finished() {
            return;
        }
        let (key, task) = job.task.take().expect("checked above");
        install(&mut shown, &mut job, task.join(), key);
    }
    let s = sessions.active();
    let rect = zoom.0;
    let key = (
        s.id,
        s.version,
        [
            rect.x0.to_bits(),
            rect.y0.to_bits(),
            rect.x1.to_bits(),
            rect.y1.to_bits(),
        ],
    );
    if shown.built_for == Some(key) && shown.geometry.is_some() {
        return;
    }
    let net = s.shown_view_network();
    let iteration = s.shown().1;
    let many_units = net.arch.neuron_count() > UNITS_OFF_FRAME;
    let new_run = shown.built_for.is_none_or(|k| k.0 != key.0);
    // Off the frame when the last one was slow, or for the first look at a wide net.
    if job.last_ms > GEOMETRY_FRAME_BUDGET_MS || (many_units && new_run) {
        let task = Job::spawn("ginn: partition", Priority::Low, move || {
            build(net, rect, iteration)
        });
        job.task = Some((key, task));
    } else {
        install(&mut shown, &mut job, build(net, rect, iteration), key);
    }
}

/// Lines are drawn simplified to this fraction of the shown rectangle's side (half a pixel
/// where the square spans 1,000 pixels; lines are 2.5 wide): a wide net's boundaries bend
/// at every earlier boundary they cross, mostly far below a pixel, and every segment costs
/// render time each frame (a 4×256 net: 103,000 segments, 12,800 drawn; the README's
/// frame-rate table has what that gave on a software renderer).
pub const DRAW_TOLERANCE: f64 = 5e-4;

/// The segments drawn for these polylines (see [`DRAW_TOLERANCE`]), as point pairs.
pub fn drawn_segments<'a>(
    geom: &Geometry,
    lines: impl IntoIterator<Item = &'a Vec<[f64; 2]>>,
) -> Vec<([f64; 2], [f64; 2])> {
    let tolerance = DRAW_TOLERANCE * (geom.rect.x1 - geom.rect.x0).max(geom.rect.y1 - geom.rect.y0);
    lines
        .into_iter()
        .flat_map(|l| {
            let l = crate::geometry::simplify(l, tolerance);
            (1..l.len()).map(move |i| (l[i - 1], l[i]))
        })
        .collect()
}

/// One retained gizmo per hidden layer (plus the decision boundary), on its plane.
#[derive(Component)]
pub struct LayerLines {
    /// Hidden layer, or `None` for the decision boundary.
    pub layer: Option<usize>,
}

/// Rebuilds every layer's gizmo lines when the geometry or the display settings change.
/// Rebuilds every layer's gizmo lines when the picture (which lines) or their placement
/// (lift, line width) changes.
pub fn rebuild_boundary_lines(
    mut commands: Commands,
    view: ViewInputs,
    picture: Res<ShownPicture>,
    mut gizmos: ResMut<Assets<GizmoAsset>>,
    existing: Query<(Entity, &LayerLines)>,
) {
    if !(view.changed() || picture.is_changed()) {
        return;
    }
    let lift = view.lift();
    let Some(geom) = &view.shown.geometry else {
        return;
    };
    let width = view.display.line_width;
    for (e, _) in &existing {
        commands.entity(e).despawn();
    }
    let lines = &picture.0.boundaries;
    let dim = if lines.dim { 0.25 } else { 1.0 };
    for layer in &lines.layers {
        let asset = layer_asset(geom, layer, lift, dim);
        let name = format!("layer {} boundaries", layer.layer + 1);
        let place = (Some(layer.layer), width, -0.002);
        spawn_lines(&mut commands, &mut gizmos, name, place, asset);
    }
    // The hovered unit (orange) and the selected ones (yellow over a black outline, so they
    // show on black and white alike; on their planes and, in 3D, also on the ground).
    let marks = [
        (&lines.hovered, Color::srgb_u8(255, 150, 0), None, false),
        (
            &lines.selected,
            Color::srgb_u8(255, 235, 40),
            Some(Color::BLACK),
            true,
        ),
    ];
    for (units, color, outline, on_ground) in marks {
        if units.is_empty() {
            continue;
        }
        let strokes = [
            (outline, width * 3.4, -0.009),
            (Some(color), width * 2.0, -0.01),
        ];
        for (c, width, depth_bias) in strokes {
            let Some(c) = c else { continue };
            let mut g = GizmoAsset::new();
            for n in units {
                let mut heights = vec![layer_height(n.layer) * lift + 0.001];
                if on_ground && lift > 0.02 {
                    heights.push(0.002);
                }
                let segments = drawn_segments(geom, &geom.boundary(*n).polylines);
                for &h in &heights {
                    for &(a, b) in &segments {
                        g.line(world(a, h), world(b, h), c);
                    }
                }
            }
            let place = (None, width, depth_bias);
            spawn_lines(&mut commands, &mut gizmos, "marked unit".into(), place, g);
        }
    }
    if lines.decision {
        let mut g = GizmoAsset::new();
        for (a, b) in drawn_segments(geom, &geom.decision) {
            g.line(
                world(a, 0.002),
                world(b, 0.002),
                Color::srgb_u8(255, 191, 0),
            );
        }
        let place = (None, width, -0.002);
        spawn_lines(
            &mut commands,
            &mut gizmos,
            "decision boundary".into(),
            place,
            g,
        );
    }
}

/// One entity of lines: named, on a layer (`None`: marks and the decision boundary), of a
/// width and a depth bias.
fn spawn_lines(
    commands: &mut Commands,
    gizmos: &mut Assets<GizmoAsset>,
    name: String,
    (layer, width, depth_bias): (Option<usize>, f32, f32),
    g: GizmoAsset,
) {
    commands.spawn((
        Name::new(name),
        LayerLines { layer },
        Gizmo {
            handle: gizmos.add(g),
            line_config: GizmoLineConfig { width, ..default() },
            depth_bias,
        },
    ));
}

/// The gizmo lines of one layer: its drawn units' polylines, at the layer's height.
pub fn layer_asset(
    geom: &Geometry,
    layer: &crate::render::picture::LayerLines,
    lift: f32,
    alpha: f32,
) -> GizmoAsset {
    let mut g = GizmoAsset::new();
    let l = layer.layer;
    let [r, gr, b] = layer_color(l);
    let color = Color::srgba_u8(r, gr, b, (alpha * 255.0) as u8);
    let h = layer_height(l) * lift;
    for &n in &layer.units {
        for (a, b) in drawn_segments(geom, &geom.boundary(n).polylines) {
            g.line(world(a, h), world(b, h), color);
        }
    }
    g
}
