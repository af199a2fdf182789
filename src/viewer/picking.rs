//! Click a boundary to select its neuron: the click's ray meets each visible layer plane
//! (all lie on the ground in 2D), the exact geometry finds the nearest visible boundary
//! there, and the closest one on screen within a few pixels wins. A click on empty space
//! clears the selection; clicks over panels never pick.

use super::state::MainCamera;
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
    /// Layer space: the view's mode, and the input point under the pointer on the sheet.
    view: Option<Res<'w, super::state::ViewState>>,
    hover: Option<Res<'w, super::state::SheetHover>>,
}

/// A press in the view, followed until its release: a click when the pointer stayed
/// within a few pixels of where it went down, else a drag (orbit or pan). The way is
/// summed from the pointer's moves, so a drag that starts and ends in one slow frame, or
/// comes back to where it started, is still a drag.
#[derive(Default, Debug, Clone, Copy, PartialEq)]
pub struct Press {
    at: Option<Vec2>,
    travelled: f32,
}

impl Press {
    /// Pixels a click may wander.
    pub const SLOP: f32 = 4.0;

    pub fn down(&mut self, at: Vec2) {
        *self = Self {
            at: Some(at),
            travelled: 0.0,
        };
    }

    pub fn moved(&mut self, by: f32) {
        if self.at.is_some() {
            self.travelled += by;
        }
    }

    /// Ends the press: `true` for a click.
    pub fn up(&mut self, at: Vec2) -> bool {
        let start = self.at.take();
        start.is_some_and(|s| s.distance(at).max(self.travelled) <= Self::SLOP)
    }
}

/// A left click (press and release without dragging) in the view picks or clears.
fn pick_on_click(
    buttons: Res<ButtonInput<MouseButton>>,
    mut moves: MessageReader<bevy::window::CursorMoved>,
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    camera: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    drawn: Drawn,
    mut selection: ResMut<Selection>,
    mut press: Local<Press>,
) {
    let Drawn {
        area,
        shown,
        display,
        lift,
        view,
        hover,
    } = drawn;
    let Some(window) = window else { return };
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    let way: f32 = moves
        .read()
        .filter_map(|m| m.delta)
        .map(|d| d.length())
        .sum();
    if buttons.just_pressed(MouseButton::Left) {
        if area.contains(cursor) {
            press.down(cursor);
        } else {
            *press = Press::default();
        }
    }
    // Moves seen in the frame of the press count too: a press and release within one
    // frame after a sweep of the pointer is a quick drag, not a click.
    press.moved(way);
    if !buttons.just_released(MouseButton::Left) {
        return;
    }
    if !press.up(cursor) || !area.contains(cursor) {
        return; // a drag (orbit or pan), or released over a panel
    }
    // Layer space: the unit whose boundary passes nearest the clicked point's input point.
    if let (Some(view), Some(hover)) = (view, hover)
        && view.mode == super::View::LayerSpace
    {
        let near = hover
            .0
            .zip(shown.geometry.as_ref())
            .and_then(|(p, geom)| geom.nearest_boundary(p, None))
            .filter(|hit| hit.distance < super::PICK_DISTANCE);
        selection.select(near.map(|hit| hit.neuron));
        return;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_press_that_wanders_is_a_drag_even_when_it_comes_back() {
        let mut p = Press::default();
        p.down(Vec2::new(100.0, 100.0));
        p.moved(2.0);
        assert!(p.up(Vec2::new(102.0, 100.0)), "a click");
        // Out and back: released where it went down, yet a drag.
        p.down(Vec2::new(100.0, 100.0));
        p.moved(40.0);
        p.moved(40.0);
        assert!(!p.up(Vec2::new(100.0, 100.0)));
        // Far from where it went down.
        p.down(Vec2::new(100.0, 100.0));
        assert!(!p.up(Vec2::new(110.0, 100.0)));
        // A release without a press in the view (it went down on a panel) is nothing.
        assert!(!p.up(Vec2::new(100.0, 100.0)));
    }
}
