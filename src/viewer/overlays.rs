//! The phenomena overlays in the window, each a toggle (`Display::overlays`), in 2D and on
//! the right plane in 3D: on the ground the target's corners (filled once captured), its
//! components outlined in the colour of their accuracy and the local-complexity heat map; on
//! each layer's plane the mirror image of its boundaries and the two states of each
//! indecisive unit. The shapes come from the core (`overlays`); this module only places them.

use super::state::{FlatMaterial, OverlayAssets, ShownPicture, ViewInputs};
use super::{ViewerSet, WORLD_SIZE, layer_height, polylines, world};
use crate::overlays::{accuracy_color, heat_color};
use crate::render::layer_color;
use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

pub fn plugin(app: &mut App) {
    app.add_systems(Update, rebuild_overlays.in_set(ViewerSet::Meshes));
}

/// An entity drawn for one overlay (named as the registry of phenomena names it).
#[derive(Component, Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverlayMark(pub &'static str);

/// Respawns the overlays' entities when what they show changes.
pub fn rebuild_overlays(
    mut commands: Commands,
    view: ViewInputs,
    picture: Res<ShownPicture>,
    mut assets: OverlayAssets,
    existing: Query<Entity, With<OverlayMark>>,
) {
    if !(picture.is_changed() || view.changed()) {
        return;
    }
    let lift = view.lift();
    let ViewInputs { shown, display, .. } = view;
    let which = &display.overlays;
    for e in &existing {
        commands.entity(e).despawn();
    }
    let Some(geom) = &shown.geometry else {
        return;
    };
    let shapes = &picture.0.shapes;
    let ground = 0.004;
    let mut spawn = |name: &'static str, g: GizmoAsset, width: f32| {
        commands.spawn((
            Name::new(format!("overlay: {name}")),
            OverlayMark(name),
            Gizmo {
                handle: assets.gizmos.add(g),
                line_config: GizmoLineConfig { width, ..default() },
                depth_bias: -0.004,
            },
        ));
    };
    let w = display.line_width;
    if which.has("components") {
        let mut g = GizmoAsset::new();
        for o in &shapes.components {
            let [r, gr, b] = accuracy_color(o.accuracy);
            polylines(&mut g, &o.lines, ground, Color::srgb_u8(r, gr, b));
        }
        spawn("components", g, w);
    }
    if which.has("corners") {
        let mut g = GizmoAsset::new();
        let radius = 0.012 * WORLD_SIZE;
        let up = Quat::from_rotation_x(std::f32::consts::FRAC_PI_2);
        for c in &shapes.corners {
            let at = world(c.at, ground + 0.001);
            let pink = Color::srgb_u8(255, 60, 160);
            // Captured: filled (rings inwards); free: one ring.
            let rings = if c.captured { 6 } else { 1 };
            for i in 0..rings {
                let r = radius * (1.0 - i as f32 / rings as f32);
                g.circle(Isometry3d::new(at, up), r, pink).resolution(20);
            }
        }
        spawn("corners", g, w * 0.8);
    }
    if which.has("mirror") {
        let mut g = GizmoAsset::new();
        for (l, lines) in shapes.mirror.iter().enumerate() {
            if picture.0.boundaries.of_layer(l).is_none() {
                continue;
            }
            let [r, gr, b] = layer_color(l);
            let h = layer_height(l) * lift + 0.002;
            dashed(&mut g, lines, h, Color::srgba_u8(r, gr, b, 110));
        }
        spawn("mirror", g, w);
    }
    if which.has("indecisive") {
        let mut g = GizmoAsset::new();
        for ghost in &shapes.ghosts {
            let [r, gr, b] = layer_color(ghost.unit.layer);
            let h = layer_height(ghost.unit.layer) * lift + 0.003;
            for (k, lines) in ghost.states.iter().enumerate() {
                let alpha = if ghost.current == Some(k == 1) {
                    220
                } else {
                    120
                };
                dashed(&mut g, lines, h, Color::srgba_u8(r, gr, b, alpha));
            }
        }
        spawn("indecisive", g, w * 1.4);
    }
    // Other phenomena's lines, one entity per overlay.
    let mut names: Vec<&'static str> = shapes.traces.iter().map(|t| t.name).collect();
    names.dedup();
    for name in names {
        let mut g = GizmoAsset::new();
        for t in shapes.traces.iter().filter(|t| t.name == name) {
            if t.layer
                .is_some_and(|l| picture.0.boundaries.of_layer(l).is_none())
            {
                continue;
            }
            let h = t.layer.map_or(ground, |l| layer_height(l) * lift + 0.002);
            let [r, gr, b, a] = t.rgba;
            polylines(&mut g, &t.lines, h, Color::srgba_u8(r, gr, b, a));
        }
        spawn(name, g, w);
    }
    if let Some(heat) = &shapes.complexity {
        let data: Vec<u8> = heat
            .counts
            .iter()
            .flat_map(|&c| heat_color(c, heat.max))
            .collect();
        let mut img = Image::new(
            Extent3d {
                width: heat.side as u32,
                height: heat.side as u32,
                depth_or_array_layers: 1,
            },
            TextureDimension::D2,
            data,
            TextureFormat::Rgba8UnormSrgb,
            RenderAssetUsages::MAIN_WORLD | RenderAssetUsages::RENDER_WORLD,
        );
        img.sampler = ImageSampler::linear();
        let r = geom.rect;
        let centre = world([(r.x0 + r.x1) / 2.0, (r.y0 + r.y1) / 2.0], ground - 0.001);
        commands.spawn((
            Name::new("overlay: complexity"),
            OverlayMark("complexity"),
            Mesh3d(assets.meshes.add(Plane3d::default().mesh().size(1.0, 1.0))),
            MeshMaterial3d(
                assets
                    .materials
                    .add(FlatMaterial::textured(assets.images.add(img), true)),
            ),
            Transform::from_translation(centre).with_scale(Vec3::new(
                (r.x1 - r.x0) as f32 * WORLD_SIZE,
                1.0,
                (r.y1 - r.y0) as f32 * WORLD_SIZE,
            )),
        ));
    }
}

/// Dashed lines (dashes of 1/100 of the square), to tell copies from the real boundaries.
fn dashed(g: &mut GizmoAsset, lines: &[crate::geometry::Polyline], height: f32, c: Color) {
    const DASH: f64 = 0.01;
    for line in lines {
        let mut on = true;
        let mut left = DASH;
        for w in line.windows(2) {
            let (mut a, b) = (w[0], w[1]);
            loop {
                let len = (b[0] - a[0]).hypot(b[1] - a[1]);
                if len <= left {
                    if on {
                        g.line(world(a, height), world(b, height), c);
                    }
                    left -= len;
                    break;
                }
                let t = left / len;
                let m = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                if on {
                    g.line(world(a, height), world(m, height), c);
                }
                a = m;
                on = !on;
                left = DASH;
            }
        }
    }
}
