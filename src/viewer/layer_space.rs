//! The layer-space view (`View::LayerSpace`): the input square as a layer sees it, folded
//! in the layer's space ([`crate::layer_space`]), rebuilt as the network trains. The sheet,
//! its grid and boundaries and the decision plane live on render layer 1; the main camera
//! sees layer 1 in this view and layer 0 (planes, lines, surfaces) in the others, so
//! neither view's systems need to know about the other.

use super::state::{
    FlatMaterial, LayerSpaceView, MainCamera, SheetFolding, SheetHover, SheetPick, Shown, ViewState,
};
use super::{View, ViewerSet};
use crate::layer_space::{Axes, frame, sheet};
use crate::render::layer_color;
use crate::render::layer_space::{Placed, between, place};
use crate::run::background::{Job, Priority};
use bevy::camera::visibility::RenderLayers;
use bevy::prelude::*;

/// Partitions with more regions than this are folded on a background task (a wide net's
/// sheet takes longer than a frame), the status saying "computing…" meanwhile.
pub const ON_FRAME_REGIONS: usize = 4_000;

const LAYER: usize = 1;

pub fn plugin(app: &mut App) {
    app.init_resource::<SheetJob>();
    app.add_systems(
        Update,
        (
            switch_render_layers,
            rebuild_sheet,
            report_folding,
            hover_sheet,
        )
            .chain()
            .in_set(ViewerSet::Meshes),
    );
}

/// Where on the input square the pointer's point of the sheet comes from.
fn hover_sheet(
    view: Res<ViewState>,
    window: Option<Single<&Window, With<bevy::window::PrimaryWindow>>>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    area: Res<super::state::UiArea>,
    pick: Res<SheetPick>,
    mut hover: ResMut<SheetHover>,
) {
    let under = (|| {
        if view.mode != View::LayerSpace {
            return None;
        }
        let cursor = window?.cursor_position()?;
        if !area.contains(cursor) {
            return None;
        }
        let (cam, tf) = camera.single().ok()?;
        let ray = cam.viewport_to_world(tf, cursor).ok()?;
        pick.point_under(ray)
    })();
    hover.set_if_neq(SheetHover(under));
}

/// An entity of the layer-space view.
#[derive(Component)]
pub struct SheetMark;

/// What a sheet is built for: the geometry's generation, the layer, the axes, the colouring,
/// the selected unit.
type SheetKey = (u64, u32, Option<Axes>, bool, Option<crate::nn::NeuronId>);

/// A sheet and its placement, ready to draw, with the partition's vertices it was made
/// from (the view square's points of its corners).
pub struct BuiltSheet {
    sheet: crate::layer_space::Sheet,
    placed: Placed,
    inputs: Vec<[f64; 2]>,
}

/// The sheet being folded off the frame, for a wide net.
#[derive(Resource, Default)]
pub struct SheetJob {
    task: Option<(SheetKey, Job<Option<BuiltSheet>>)>,
}

/// Tells the panels whether a sheet is being folded off the frame.
fn report_folding(job: Res<SheetJob>, mut folding: ResMut<SheetFolding>) {
    folding.set_if_neq(SheetFolding(job.task.is_some()));
}

/// The main camera sees the layer-space view's entities, or everything else.
fn switch_render_layers(
    view: Res<ViewState>,
    mut camera: Query<(Entity, Option<&RenderLayers>), With<MainCamera>>,
    mut commands: Commands,
) {
    let want = RenderLayers::layer(if view.mode == View::LayerSpace {
        LAYER
    } else {
        0
    });
    for (e, has) in &mut camera {
        if has != Some(&want) {
            commands.entity(e).insert(want.clone());
        }
    }
}

/// The axes at integer layer `l`.
pub fn axes_at(choice: &LayerSpaceView, l: usize, hidden: usize) -> Axes {
    match &choice.axes {
        Some(Axes::Decision) if l != hidden => Axes::Principal,
        Some(a) => a.clone(),
        None if l == hidden => Axes::Decision,
        None => Axes::Principal,
    }
}

/// World position of a placed point: the cube [−1, 1]³ (z up) over the ground's square.
fn to_world(p: [f64; 3]) -> Vec3 {
    Vec3::new(
        p[0] as f32 * 2.0,
        1.3 + p[2] as f32 * 1.2,
        -p[1] as f32 * 2.0,
    )
}

/// The sheet at (fractional) layer `at`: one layer's, or the way between two.
fn build(
    net: &crate::nn::Network,
    geom: &crate::geometry::Geometry,
    choice: &LayerSpaceView,
    at: f32,
) -> Option<BuiltSheet> {
    let hidden = net.arch.hidden().len();
    let (lo, hi) = (at.floor() as usize, at.ceil() as usize);
    let placed_at = |l: usize| -> Option<(crate::layer_space::Sheet, Placed)> {
        let s = sheet(net, geom, l);
        let f = frame(net, geom, &s, &axes_at(choice, l, hidden)).ok()?;
        let p = place(&s, &f);
        Some((s, p))
    };
    let (s_lo, p_lo) = placed_at(lo)?;
    let inputs = geom.vertices.clone();
    if hi == lo {
        return Some(BuiltSheet {
            sheet: s_lo,
            placed: p_lo,
            inputs,
        });
    }
    let (s_hi, p_hi) = placed_at(hi)?;
    Some(BuiltSheet {
        sheet: s_hi,
        placed: between(&p_lo, &p_hi, (at - lo as f32) as f64),
        inputs,
    })
}

/// What the sheet is drawn from.
#[derive(bevy::ecs::system::SystemParam)]
pub struct SheetInputs<'w> {
    view: Res<'w, ViewState>,
    shown: Res<'w, Shown>,
    display: Res<'w, super::state::Display>,
    sessions: Res<'w, super::state::Sessions>,
    job: ResMut<'w, SheetJob>,
    pick: ResMut<'w, SheetPick>,
    selection: Res<'w, super::state::Selection>,
}

/// Rebuilds the sheet when the network, the layer, the axes or the colouring change, in
/// layer-space view: on the frame for the report's net, off it for wide ones.
fn rebuild_sheet(
    mut commands: Commands,
    inputs: SheetInputs,
    existing: Query<Entity, With<SheetMark>>,
    mut assets: super::state::OverlayAssets,
    mut last: Local<Option<SheetKey>>,
) {
    let SheetInputs {
        view,
        shown,
        display,
        sessions,
        mut job,
        mut pick,
        selection,
    } = inputs;
    if view.mode != View::LayerSpace {
        job.task = None;
        pick.triangles.clear();
        if last.take().is_some() {
            for e in &existing {
                commands.entity(e).despawn();
            }
        }
        return;
    }
    let (Some(net), Some(geom)) = (&shown.network, &shown.geometry) else {
        return;
    };
    let choice = &view.layer_space;
    let hidden = net.arch.hidden().len();
    let at = choice.shown_layer(hidden);
    let key = (
        shown.generation,
        at.to_bits(),
        choice.axes.clone(),
        display.show_prediction,
        selection.neuron,
    );
    // A sheet folded off the frame is drawn when it is done (then the newest is next).
    let mut done = None;
    if let Some((_, task)) = &job.task {
        if !task.is_finished() {
            return;
        }
        let (k, task) = job.task.take().expect("checked above");
        done = Some((k, task.join()));
    }
    let built = match done {
        Some((k, built)) => {
            *last = Some(k);
            built
        }
        None => {
            if last.as_ref() == Some(&key) || geom.truncated.is_some() {
                return;
            }
            if geom.regions().len() > ON_FRAME_REGIONS {
                let (net, geom, choice) = (net.clone(), geom.clone(), choice.clone());
                let task = Job::spawn("ginn: layer space", Priority::Low, move || {
                    build(&net, &geom, &choice, at)
                });
                job.task = Some((key, task));
                return;
            }
            *last = Some(key);
            build(net, geom, choice, at)
        }
    };
    for e in &existing {
        commands.entity(e).despawn();
    }
    pick.triangles.clear();
    pick.selected.clear();
    let Some(BuiltSheet {
        sheet: s,
        placed,
        inputs,
    }) = built
    else {
        return;
    };
    // The ground's colouring: the prediction, or the target (an image's pixel at the
    // region's centre; points and imported nets have a plain ground).
    let target = sessions.active().target.image();
    let shade_of = |i: usize| -> f32 {
        if display.show_prediction {
            return s.probability[i] as f32;
        }
        match target {
            Some(t) => {
                let [x, y] = s.centres[i];
                if t.white_at(x, y) { 1.0 } else { 0.0 }
            }
            None => 0.8,
        }
    };
    let super::state::OverlayAssets {
        gizmos,
        meshes,
        materials,
        ..
    } = &mut assets;
    // The facets, flat-shaded so a fold shows as a change of shade.
    let mut triangles = Vec::new();
    for (i, poly) in s.polygons.iter().enumerate() {
        let g = shade_of(i);
        let color = [0.16 + 0.8 * g, 0.18 + 0.78 * g, 0.24 + 0.74 * g];
        for k in 1..poly.len().saturating_sub(1) {
            let corners = [poly[0], poly[k], poly[k + 1]];
            let p = corners.map(|v| to_world(placed.vertices[v as usize]));
            pick.triangles
                .push((p, corners.map(|v| inputs[v as usize])));
            triangles.push((p, color));
        }
    }
    let mesh = super::shaded_triangles(triangles.into_iter(), 0.72);
    let material = super::unlit_material;
    commands.spawn((
        Name::new("layer space: sheet"),
        SheetMark,
        RenderLayers::layer(LAYER),
        Mesh3d(meshes.add(mesh)),
        MeshMaterial3d(materials.add(material(1.0))),
    ));
    // The decision plane, translucent.
    if let Some(h) = placed.plane {
        let y = to_world([0.0, 0.0, h]).y;
        commands.spawn((
            Name::new("layer space: decision plane"),
            SheetMark,
            RenderLayers::layer(LAYER),
            Mesh3d(meshes.add(Plane3d::default().mesh().size(4.4, 4.4))),
            MeshMaterial3d(materials.add(FlatMaterial::new(Color::srgba(1.0, 0.75, 0.0, 0.25)))),
            Transform::from_xyz(0.0, y, 0.0),
        ));
    }
    // The grid and the boundaries of the layers up to this one.
    let mut g = GizmoAsset::new();
    for line in &placed.grid {
        for w in line.windows(2) {
            g.line(
                to_world(w[0]),
                to_world(w[1]),
                Color::srgba(0.1, 0.1, 0.15, 0.45),
            );
        }
    }
    for (n, edges) in &s.boundaries {
        let [r, gr, b] = layer_color(n.layer);
        // The selected unit in the selection's yellow, as in the other views.
        let selected = selection.neuron == Some(*n);
        let c = if selected {
            Color::srgb_u8(255, 235, 40)
        } else {
            Color::srgb_u8(r, gr, b)
        };
        if selected {
            pick.selected.extend(
                edges
                    .iter()
                    .flat_map(|e| e.map(|v| to_world(placed.vertices[v as usize]))),
            );
        }
        for e in edges {
            g.line(
                to_world(placed.vertices[e[0] as usize]),
                to_world(placed.vertices[e[1] as usize]),
                c,
            );
        }
    }
    commands.spawn((
        Name::new("layer space: lines"),
        SheetMark,
        RenderLayers::layer(LAYER),
        Gizmo {
            handle: gizmos.add(g),
            line_config: GizmoLineConfig {
                width: 2.0,
                ..default()
            },
            depth_bias: -0.002,
        },
    ));
}
