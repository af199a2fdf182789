//! The scene: the prediction (or target) texture on the ground plane and one translucent
//! plane per hidden layer above it, optionally shaded by that layer's regions.

use super::state::{Display, FlatMaterial, Ground, Lift, Selection, Sessions, Shown};
use super::{ViewerSet, WORLD_SIZE, layer_height};
use crate::render::{region_color, region_index};
use bevy::asset::RenderAssetUsages;
use bevy::image::ImageSampler;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_scene);
    app.add_systems(
        Update,
        (update_ground_texture, update_layer_planes).in_set(ViewerSet::Meshes),
    );
}

/// Texture side of the ground plane and the layer planes.
const TEXTURE: u32 = 256;

#[derive(Component)]
pub struct LayerPlane {
    pub layer: usize,
    pub image: Handle<Image>,
}

fn texture(images: &mut Assets<Image>, fill: [u8; 4]) -> Handle<Image> {
    let mut img = Image::new_fill(
        Extent3d {
            width: TEXTURE,
            height: TEXTURE,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &fill,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::MAIN_WORLD | RenderAssetUsages::RENDER_WORLD,
    );
    img.sampler = ImageSampler::linear();
    images.add(img)
}

fn spawn_scene(
    mut commands: Commands,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<FlatMaterial>>,
    mut images: ResMut<Assets<Image>>,
) {
    let plane = meshes.add(Plane3d::default().mesh().size(1.0, 1.0));
    let image = texture(&mut images, [128, 128, 128, 255]);
    commands.spawn((
        Name::new("prediction"),
        Ground {
            image: image.clone(),
        },
        Mesh3d(plane.clone()),
        MeshMaterial3d(materials.add(FlatMaterial::textured(image, false))),
        Transform::from_scale(Vec3::new(WORLD_SIZE, 1.0, WORLD_SIZE)),
    ));
    // One plane for every layer a run may have: runs started from the panel can be deeper
    // than the first one; planes beyond the shown network's depth stay hidden.
    for layer in 0..crate::nn::MAX_HIDDEN_LAYERS {
        let image = texture(&mut images, [255, 255, 255, 8]);
        let material = materials.add(FlatMaterial::textured(image.clone(), true));
        commands.spawn((
            Name::new(format!("layer {} plane", layer + 1)),
            LayerPlane { layer, image },
            // Explicit: planes are shown and hidden through it (also in headless apps).
            Visibility::default(),
            Mesh3d(plane.clone()),
            MeshMaterial3d(material),
            Transform::from_xyz(0.0, layer_height(layer), 0.0)
                .with_scale(Vec3::new(WORLD_SIZE, 1.0, WORLD_SIZE)),
        ));
    }
}

/// Writes the prediction (probability of white, as grey) or the target into the ground
/// texture, and fits the ground plane to the visible rectangle.
fn update_ground_texture(
    shown: Res<Shown>,
    display: Res<Display>,
    sessions: Res<Sessions>,
    mut images: ResMut<Assets<Image>>,
    mut ground: Query<(&Ground, &mut Transform)>,
) {
    // A new geometry, or a setting (the prediction or the target shown).
    if !(shown.is_changed() || display.is_changed()) {
        return;
    }
    let (Some(geom), Some(net)) = (&shown.geometry, &shown.network) else {
        return;
    };
    let rect = geom.rect;
    let rgba = crate::render::frame::ground_texture(
        geom,
        net,
        &sessions.active().target,
        &sessions.active().domain,
        display.show_prediction,
        TEXTURE,
    );
    for (g, mut tf) in &mut ground {
        if let Some(mut img) = images.get_mut(&g.image) {
            img.data = Some(rgba.clone());
        }
        let centre = super::world([(rect.x0 + rect.x1) / 2.0, (rect.y0 + rect.y1) / 2.0], 0.0);
        tf.translation = centre;
        tf.scale = Vec3::new(
            (rect.x1 - rect.x0) as f32 * WORLD_SIZE,
            1.0,
            (rect.y1 - rect.y0) as f32 * WORLD_SIZE,
        );
    }
}

/// Places the layer planes (lowered into the ground in 2D), hides those of hidden layers,
/// and shades them by region when asked.
fn update_layer_planes(
    shown: Res<Shown>,
    display: Res<Display>,
    selection: Res<Selection>,
    lift: Option<Res<Lift>>,
    mut images: ResMut<Assets<Image>>,
    mut planes: Query<(&LayerPlane, &mut Transform, &mut Visibility)>,
) {
    let lift = lift.map_or(1.0, |l| l.0);
    let depth = shown.geometry.as_ref().map_or(0, |g| g.layers.len());
    for (p, mut tf, mut vis) in &mut planes {
        tf.translation.y = layer_height(p.layer) * lift;
        *vis = if p.layer < depth && display.layer_shown(p.layer) && lift > 0.02 {
            Visibility::Visible
        } else {
            Visibility::Hidden
        };
    }
    // The shading: a new geometry, a setting (shade regions) or a new selection.
    if !(shown.is_changed() || display.is_changed() || selection.is_changed()) {
        return;
    }
    let Some(geom) = &shown.geometry else { return };
    for (p, _, _) in &planes {
        let selected = selection
            .neuron
            .filter(|n| n.layer == p.layer && n.layer < geom.layers.len());
        const CLEAR: [u8; 4] = [255, 255, 255, 8];
        let shade = |color: &dyn Fn(&crate::geometry::Region) -> [u8; 4]| -> Vec<u8> {
            let regions = &geom.layers[p.layer].regions;
            region_index(geom, p.layer, TEXTURE, TEXTURE)
                .iter()
                .flat_map(|&r| regions.get(r as usize).map_or(CLEAR, color))
                .collect()
        };
        let data: Vec<u8> = match selected {
            // Where the selected unit is active, shaded on its own plane.
            Some(n) => shade(&|reg| {
                if geom.is_active(reg, n) {
                    [255, 215, 60, 90]
                } else {
                    CLEAR
                }
            }),
            None if display.shade_regions && p.layer < geom.layers.len() => shade(&|reg| {
                let [a, b, c] = region_color(reg.id);
                [a, b, c, 70]
            }),
            None => CLEAR.repeat((TEXTURE * TEXTURE) as usize),
        };
        if let Some(mut img) = images.get_mut(&p.image) {
            img.data = Some(data);
        }
    }
}
