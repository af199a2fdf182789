//! The network's surfaces in 3D (`Display::surfaces`): the output — the logit difference as a
//! height field of the exact linear regions, one flat facet per region — on the ground (its
//! zero level is the ground, where the decision boundary lies) or below it; the selected
//! unit's activation over its plane (the hinge); arrows of where the selected unit's boundary
//! moves by the next snapshot; and faint copies of the lower layers' boundaries on each plane.

use super::polylines;
use super::state::{FlatMaterial, Ground, ShownPicture, ViewInputs};
use super::{LAYER_SPACING, ViewerSet, layer_height, world};
use crate::geometry::Surface;
use crate::render::{facet_color, layer_color};
use bevy::prelude::*;

pub fn plugin(app: &mut App) {
    app.add_systems(Update, rebuild_surfaces.in_set(ViewerSet::Meshes));
}

/// An entity drawn for one surface: `output`, `unit`, `velocity` or `bends`.
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurfaceMark(pub &'static str);

/// Height of the output surface's zero level below the ground, when it is put below.
const BELOW: f32 = 1.6 * LAYER_SPACING;

/// Respawns the surfaces when the geometry, the settings, the selection or the lift change;
/// hides the ground while the output surface takes its place.
pub fn rebuild_surfaces(
    mut commands: Commands,
    inputs: ViewInputs,
    picture: Res<ShownPicture>,
    assets: super::state::OverlayAssets,
    existing: Query<Entity, With<SurfaceMark>>,
    mut ground: Query<&mut Visibility, With<Ground>>,
) {
    // A new geometry, a setting, a selected unit, the planes' lift (the hovered unit is
    // `Highlight`'s, not a reason to rebuild a mesh of thousands of facets).
    if !(inputs.changed() || picture.is_changed()) {
        return;
    }
    let lift = inputs.lift();
    let ViewInputs { shown, display, .. } = inputs;
    let super::state::OverlayAssets {
        mut gizmos,
        mut meshes,
        mut materials,
        ..
    } = assets;
    for e in &existing {
        commands.entity(e).despawn();
    }
    // What is drawn is the picture's; how high and where the output goes, the display's.
    let drawn = &picture.0.surfaces;
    let s = display.surfaces;
    // In 2D (planes lowered into the ground) the classic overlay is shown, without surfaces.
    let three_d = lift > 0.02;
    let on_ground = three_d && drawn.output && !s.below;
    for mut v in &mut ground {
        v.set_if_neq(if on_ground {
            Visibility::Hidden
        } else {
            Visibility::Inherited
        });
    }
    let Some(geom) = &shown.geometry else { return };
    if !three_d {
        return;
    }
    if drawn.output
        && let Some(surface) = Surface::output(geom)
    {
        let base = if s.below { -BELOW } else { 0.0 };
        let scale = 0.75 * LAYER_SPACING * lift * s.height / surface.max_height().max(1e-12) as f32;
        let mesh = facet_mesh(
            &surface,
            |h| base + scale * h as f32,
            |f| facet_color(f, drawn.by_class).map(|c| c as f32 / 255.0),
        );
        spawn(
            &mut commands,
            "output",
            mesh_of(&mut meshes, &mut materials, mesh, 1.0),
        );
        // The decision boundary: where the surface crosses its zero level.
        let mut g = GizmoAsset::new();
        polylines(
            &mut g,
            &geom.decision,
            base + 0.003,
            Color::srgb_u8(255, 191, 0),
        );
        spawn(
            &mut commands,
            "output",
            lines_of(&mut gizmos, g, display.line_width),
        );
    }
    if let Some(n) = drawn.unit
        && let Some(surface) = Surface::unit(geom, n)
    {
        let base = layer_height(n.layer) * lift;
        let scale = 0.6 * LAYER_SPACING * lift * s.height / surface.max_height().max(1e-12) as f32;
        let c = layer_color(n.layer).map(|c| c as f32 / 255.0);
        let mesh = facet_mesh(&surface, |h| base + scale * h as f32, |_| c);
        spawn(
            &mut commands,
            "unit",
            mesh_of(&mut meshes, &mut materials, mesh, 0.75),
        );
    }
    // The velocity as the core describes it (`ShownPicture`), drawn as arrows on the unit's plane.
    let v = &picture.0.velocity;
    let longest = v.iter().map(|(_, d)| d[0].hypot(d[1])).fold(0.0, f64::max);
    if let Some(n) = picture.0.velocity_of
        && longest > 0.0
    {
        let gain = 0.08 / longest;
        let h = layer_height(n.layer) * lift + 0.004;
        let mut g = GizmoAsset::new();
        let c = Color::srgb_u8(200, 20, 150);
        for &(p, d) in v {
            let q = [p[0] + gain * d[0], p[1] + gain * d[1]];
            g.arrow(world(p, h), world(q, h), c).with_tip_length(0.04);
        }
        spawn(
            &mut commands,
            "velocity",
            lines_of(&mut gizmos, g, display.line_width),
        );
    }
    if drawn.bends {
        let mut g = GizmoAsset::new();
        for l in 1..geom.layers.len() {
            if picture.0.boundaries.of_layer(l).is_none() {
                continue;
            }
            let h = layer_height(l) * lift + 0.001;
            for below in 0..l {
                let [r, gr, b] = layer_color(below);
                for nb in geom.layer_boundaries(below) {
                    polylines(&mut g, &nb.polylines, h, Color::srgba_u8(r, gr, b, 70));
                }
            }
        }
        spawn(
            &mut commands,
            "bends",
            lines_of(&mut gizmos, g, display.line_width * 0.6),
        );
    }
}

/// Triangles of the facets, each with its own vertices so it is flat-coloured, shaded by
/// how it faces a light from above (folds show without a lit material).
pub fn facet_mesh(
    surface: &Surface,
    height: impl Fn(f64) -> f32,
    color: impl Fn(&crate::geometry::Facet) -> [f32; 3],
) -> Mesh {
    let triangles = surface.triangles().map(|(tri, f)| {
        let p = tri.map(|v| {
            let q = surface.positions[v as usize];
            world([q[0], q[1]], height(q[2]))
        });
        (p, color(f))
    });
    super::shaded_triangles(triangles, 0.6)
}

/// One surface entity, named and marked for the next rebuild to find.
fn spawn(commands: &mut Commands, name: &'static str, what: impl Bundle) {
    commands.spawn((
        Name::new(format!("surface: {name}")),
        SurfaceMark(name),
        what,
    ));
}

/// A surface's mesh in the viewer's unlit material.
fn mesh_of(
    meshes: &mut Assets<Mesh>,
    materials: &mut Assets<FlatMaterial>,
    mesh: Mesh,
    alpha: f32,
) -> impl Bundle {
    (
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(materials.add(super::unlit_material(alpha))),
    )
}

/// Lines drawn over the surfaces.
fn lines_of(gizmos: &mut Assets<GizmoAsset>, g: GizmoAsset, width: f32) -> impl Bundle {
    Gizmo {
        handle: gizmos.add(g),
        line_config: GizmoLineConfig { width, ..default() },
        depth_bias: -0.003,
    }
}
