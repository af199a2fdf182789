//! The camera: orbit, pan and zoom in 3D; pan and zoom in 2D (top-down, orthographic);
//! a smooth animated switch between the two; zooming in 2D narrows the geometry to the
//! visible part of the square. Mouse input is ignored while the pointer is over a panel.

use super::state::{Display, Lift, MainCamera, Recorder, Script, UiArea, ViewState, ZoomRect};
use super::{View, ViewerSet, WORLD_SIZE};
use bevy::camera::ScalingMode;
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::ecs::system::SystemParam;
use bevy::input::mouse::{AccumulatedMouseMotion, AccumulatedMouseScroll, MouseScrollUnit};
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::PrimaryWindow;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, (spawn_camera, choose_smoothing));
    app.add_systems(
        Update,
        (camera_input, animate_camera)
            .chain()
            .in_set(ViewerSet::Input),
    );
    app.add_systems(Update, apply_smoothing.in_set(ViewerSet::Meshes));
}

/// Smooth edges (4× multisampling) unless the renderer is software (Mesa's llvmpipe: no
/// GPU), where it halves the frame rate (the report's net 23 → 14 frames/s, a 4×256 net
/// 12 → 6, on two cores) — but even there for a scripted screenshot or recording, whose
/// frames are kept and whose pace does not matter. The Show panel switches it either way.
pub fn choose_smoothing(
    adapter: Option<Res<RenderAdapterInfo>>,
    script: Option<Res<Script>>,
    recorder: Option<Res<Recorder>>,
    mut display: ResMut<Display>,
) {
    let software = adapter.is_some_and(|a| a.device_type == wgpu_types::DeviceType::Cpu);
    let saved =
        script.is_some_and(|s| s.screenshot.is_some()) || recorder.is_some_and(|r| r.active);
    display.smooth_edges = !software || saved;
}

pub fn apply_smoothing(display: Res<Display>, mut cameras: Query<&mut Msaa, With<MainCamera>>) {
    let want = if display.smooth_edges {
        Msaa::Sample4
    } else {
        Msaa::Off
    };
    for mut msaa in &mut cameras {
        msaa.set_if_neq(want);
    }
}

impl ViewState {
    /// Camera transform and projection for the current blend.
    pub fn pose(&self) -> (Transform, Projection) {
        let s = smoothstep(self.blend);
        let orbit = Quat::from_euler(EulerRot::YXZ, self.yaw, -self.pitch, 0.0);
        let pos_3d = self.focus + orbit * Vec3::new(0.0, 0.0, self.radius);
        let fov = std::f32::consts::FRAC_PI_4;
        // Top-down perspective pose that frames the same height as the 2D view, so the
        // switch to orthographic at the end of the animation does not jump.
        let dist = self.height_2d / 2.0 / (fov / 2.0).tan();
        let top = Vec3::new(self.centre_2d.x, dist, self.centre_2d.y);
        let pos = pos_3d.lerp(top, s);
        let look = self
            .focus
            .lerp(Vec3::new(self.centre_2d.x, 0.0, self.centre_2d.y), s);
        // Screen-up turns from world up to −Z (the image's top) as the camera tips over.
        let up = Vec3::Y.lerp(Vec3::NEG_Z, s).normalize();
        let transform = Transform::from_translation(pos).looking_at(look, up);
        let projection = if self.blend >= 1.0 {
            Projection::Orthographic(OrthographicProjection {
                scaling_mode: ScalingMode::FixedVertical {
                    viewport_height: self.height_2d,
                },
                ..OrthographicProjection::default_3d()
            })
        } else {
            Projection::Perspective(PerspectiveProjection { fov, ..default() })
        };
        (transform, projection)
    }
}

fn smoothstep(t: f32) -> f32 {
    let t = t.clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn spawn_camera(mut commands: Commands, view: Res<ViewState>) {
    let (transform, projection) = view.pose();
    commands.spawn((
        Name::new("camera"),
        MainCamera,
        Camera3d::default(),
        Tonemapping::None,
        transform,
        projection,
    ));
}

/// The mouse's movement and wheel this frame.
#[derive(SystemParam)]
pub struct Pointer<'w, 's> {
    raw: Res<'w, AccumulatedMouseMotion>,
    moves: MessageReader<'w, 's, CursorMoved>,
    scroll: Res<'w, AccumulatedMouseScroll>,
}

impl Pointer<'_, '_> {
    /// Raw mouse motion where the system reports it (it is not bent by pointer
    /// acceleration); else how far the cursor moved: virtual and remote displays (Xvfb,
    /// VNC) report no raw motion, and there a drag did not orbit at all.
    fn motion(&mut self) -> Vec2 {
        let cursor: Vec2 = self.moves.read().filter_map(|m| m.delta).sum();
        if self.raw.delta != Vec2::ZERO {
            self.raw.delta
        } else {
            cursor
        }
    }
}

/// Mouse and keys: orbit (left drag), pan (right or middle drag), zoom (wheel), Tab
/// switches 2D/3D, Home resets the view.
pub fn camera_input(
    mut view: ResMut<ViewState>,
    keys: Res<ButtonInput<KeyCode>>,
    buttons: Res<ButtonInput<MouseButton>>,
    mut pointer: Pointer,
    window: Option<Single<&Window, With<PrimaryWindow>>>,
    area: Res<UiArea>,
) {
    let (d, scroll) = (pointer.motion(), &pointer.scroll);
    // Keys are the text field's while one has focus.
    if area.keyboard_free {
        if keys.just_pressed(KeyCode::Tab) {
            view.toggle();
        }
        if keys.just_pressed(KeyCode::Home) {
            view.reset();
        }
    }
    let Some(window) = window else { return };
    let Some(cursor) = window.cursor_position() else {
        return;
    };
    if !area.contains(cursor) {
        return;
    }
    let wheel = match scroll.unit {
        MouseScrollUnit::Line => scroll.delta.y,
        MouseScrollUnit::Pixel => scroll.delta.y / 40.0,
    };
    let zoom = 0.9f32.powf(wheel);
    let pan = buttons.pressed(MouseButton::Right) || buttons.pressed(MouseButton::Middle);
    if view.mode == View::TwoD {
        let per_px = view.height_2d / area.rect_height().max(1.0);
        if buttons.pressed(MouseButton::Left) || pan {
            view.centre_2d -= Vec2::new(d.x, d.y) * per_px;
        }
        view.height_2d = (view.height_2d * zoom).clamp(WORLD_SIZE * 0.002, WORLD_SIZE * 3.0);
        view.centre_2d = view
            .centre_2d
            .clamp(Vec2::splat(-WORLD_SIZE), Vec2::splat(WORLD_SIZE));
    } else {
        if buttons.pressed(MouseButton::Left) && !pan {
            view.yaw -= d.x * 0.006;
            view.pitch = (view.pitch + d.y * 0.006).clamp(-1.5, 1.5);
        }
        if pan {
            let right = Quat::from_rotation_y(view.yaw) * Vec3::X;
            let forward = Quat::from_rotation_y(view.yaw) * Vec3::NEG_Z;
            let k = view.radius * 0.0015;
            view.focus += (-right * d.x + forward * d.y) * k;
        }
        view.radius = (view.radius * zoom).clamp(1.0, 60.0);
    }
}

/// Moves the blend towards the chosen mode, poses the camera, lowers the layer planes in
/// 2D, and narrows the geometry's rectangle to what is visible.
pub fn animate_camera(
    time: Res<Time>,
    mut view: ResMut<ViewState>,
    mut lift: ResMut<Lift>,
    mut zoom: ResMut<ZoomRect>,
    area: Res<UiArea>,
    mut camera: Query<(&mut Transform, &mut Projection), With<MainCamera>>,
) {
    let goal = if view.mode == View::TwoD { 1.0 } else { 0.0 };
    let step = time.delta_secs() / 0.6;
    view.blend = if view.blend < goal {
        (view.blend + step).min(goal)
    } else {
        (view.blend - step).max(goal)
    };
    lift.set_if_neq(Lift(1.0 - smoothstep(view.blend)));
    zoom.set_if_neq(ZoomRect(view.visible_rect(area.aspect())));
    for (mut tf, mut proj) in &mut camera {
        let (t, p) = view.pose();
        *tf = t;
        let ortho_now = matches!(*proj, Projection::Orthographic(_));
        let ortho_next = matches!(p, Projection::Orthographic(_));
        if ortho_now != ortho_next || ortho_next {
            *proj = p;
        }
    }
}
