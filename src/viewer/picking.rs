//! Click a boundary to select its neuron: the click's ray meets each visible layer plane
//! (all lie on the ground in 2D), the exact geometry finds the nearest visible boundary
//! there, and the closest one on screen within a few pixels wins. A click on empty space
//! clears the selection; clicks over panels never pick.

use super::camera::MainCamera;
use super::state::{Display, Lift, Selection, Shown, UiArea};
use super::{ViewerSet, WORLD_SIZE, layer_height, world};
use crate::geometry::Geometry;
use crate::nn::NeuronId;
use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

/// Mouse clicks in the window pick neurons.
pub(super) fn click_plugin(app: &mut App) {
    app.add_systems(Update, pick_on_click.in_set(ViewerSet::Input));
}

/// How close (in pixels) a click must be to a boundary to select it.
pub const PICK_RADIUS: f32 = 7.0;

/// What picking needs of a camera: its world → clip matrix and its viewport on screen
/// (logical pixels).
#[derive(Clone, Copy, Debug)]
pub struct PickCamera {
    pub clip_from_world: Mat4,
    pub viewport_min: Vec2,
    pub viewport_size: Vec2,
}

impl PickCamera {
    /// Screen position (logical pixels) of a world point.
    pub fn project(&self, p: Vec3) -> Vec2 {
        let ndc = self.clip_from_world.project_point3(p);
        self.viewport_min + Vec2::new((ndc.x + 1.0) / 2.0, (1.0 - ndc.y) / 2.0) * self.viewport_size
    }

    /// The ray through a screen position: origin and direction.
    pub fn ray(&self, cursor: Vec2) -> (Vec3, Vec3) {
        let rel = (cursor - self.viewport_min) / self.viewport_size;
        let ndc = Vec2::new(rel.x * 2.0 - 1.0, 1.0 - rel.y * 2.0);
        let inv = self.clip_from_world.inverse();
        // Bevy's depth is reversed: 1 is the near plane; 0.5 is a finite point further on.
        let near = inv.project_point3(ndc.extend(1.0));
        let far = inv.project_point3(ndc.extend(0.5));
        (near, (far - near).normalize())
    }
}

/// The neuron whose visible boundary is nearest the cursor on screen, within the radius.
pub fn pick(
    cam: &PickCamera,
    cursor: Vec2,
    geom: &Geometry,
    display: &Display,
    lift: f32,
) -> Option<NeuronId> {
    let (origin, dir) = cam.ray(cursor);
    let mut best: Option<(f32, NeuronId)> = None;
    for l in (0..geom.layers.len()).filter(|&l| display.layer_shown(l)) {
        let h = layer_height(l) * lift;
        if dir.y.abs() < 1e-6 {
            continue;
        }
        let t = (h - origin.y) / dir.y;
        if t < 0.0 {
            continue;
        }
        let hit = origin + dir * t;
        let p = [
            (hit.x / WORLD_SIZE + 0.5) as f64,
            (hit.z / WORLD_SIZE + 0.5) as f64,
        ];
        if !geom.rect.contains(p) {
            continue;
        }
        let Some(b) = geom.nearest_boundary_where(p, |n| n.layer == l && display.unit_shown(n))
        else {
            continue;
        };
        let px = cam.project(world(b.point, h)).distance(cursor);
        if px <= PICK_RADIUS && best.is_none_or(|(d, _)| px < d) {
            best = Some((px, b.neuron));
        }
    }
    best.map(|(_, n)| n)
}

/// What a click is tested against: the view's area and what is drawn in it.
#[derive(SystemParam)]
struct Drawn<'w> {
    area: Res<'w, UiArea>,
    shown: Res<'w, Shown>,
    display: Res<'w, Display>,
    lift: Res<'w, Lift>,
}

/// A left click (press and release without dragging) in the view picks or clears.
fn pick_on_click(
    buttons: Res<ButtonInput<MouseButton>>,
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    drawn: Drawn,
    mut selection: ResMut<Selection>,
    mut pressed_at: Local<Option<Vec2>>,
) {
    let Drawn {
        area,
        shown,
        display,
        lift,
    } = drawn;
    let Some(window) = window else { return };
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    if buttons.just_pressed(MouseButton::Left) {
        *pressed_at = area.contains(cursor).then_some(cursor);
    }
    if !buttons.just_released(MouseButton::Left) {
        return;
    }
    let Some(start) = pressed_at.take() else {
        return;
    };
    if start.distance(cursor) > 4.0 || !area.contains(cursor) {
        return; // a drag (orbit or pan), or released over a panel
    }
    let (Ok((cam, tf)), Some(geom)) = (camera.single(), &shown.geometry) else {
        return;
    };
    let Some(rect) = cam.logical_viewport_rect() else {
        return;
    };
    let pc = PickCamera {
        clip_from_world: cam.clip_from_view() * tf.to_matrix().inverse(),
        viewport_min: rect.min,
        viewport_size: rect.size(),
    };
    click(&mut selection, &area, &pc, cursor, geom, &display, lift.0);
}

/// What a click does to the selection: over a panel nothing; on a boundary select its
/// neuron; on empty space clear.
pub fn click(
    selection: &mut Selection,
    area: &UiArea,
    cam: &PickCamera,
    cursor: Vec2,
    geom: &Geometry,
    display: &Display,
    lift: f32,
) {
    if area.contains(cursor) {
        selection.select(pick(cam, cursor, geom, display, lift));
    }
}
