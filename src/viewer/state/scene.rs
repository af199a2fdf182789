//! What the 3D scene's modules share: the main camera, the ground plane, and where the
//! overlays' and surfaces' assets go.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

/// The camera that looks at the scene (the panels have their own).
#[derive(Component)]
pub struct MainCamera;

/// The ground plane under the layer planes, with its texture (prediction or target).
#[derive(Component)]
pub struct Ground {
    pub(in crate::viewer) image: Handle<Image>,
}

/// Where the overlays' (and the surfaces') assets go.
#[derive(SystemParam)]
pub struct OverlayAssets<'w> {
    pub gizmos: ResMut<'w, Assets<GizmoAsset>>,
    pub meshes: ResMut<'w, Assets<Mesh>>,
    pub materials: ResMut<'w, Assets<super::FlatMaterial>>,
    pub images: ResMut<'w, Assets<Image>>,
}
