//! The viewer's material: a colour, optionally a texture and the mesh's vertex colours,
//! multiplied, unlit, seen from both sides. It replaces Bevy's `StandardMaterial` (with
//! `unlit: true`), which drew the same pixels through the full PBR fragment shader: on a
//! software renderer (Mesa's llvmpipe) that shader was most of every frame.

use bevy::asset::embedded_asset;
use bevy::mesh::MeshVertexBufferLayoutRef;
use bevy::pbr::{Material, MaterialPipeline, MaterialPipelineKey, MaterialPlugin};
use bevy::prelude::*;
use bevy::render::render_resource::{
    AsBindGroup, RenderPipelineDescriptor, SpecializedMeshPipelineError,
};
use bevy::shader::ShaderRef;

pub fn plugin(app: &mut App) {
    embedded_asset!(app, "flat.wgsl");
    app.add_plugins(MaterialPlugin::<FlatMaterial>::default());
}

#[derive(Asset, TypePath, AsBindGroup, Clone, Debug)]
pub struct FlatMaterial {
    /// Linear colour and alpha; alpha below 1 blends.
    #[uniform(0)]
    pub color: LinearRgba,
    /// Multiplies the colour where the mesh has texture coordinates.
    #[texture(1)]
    #[sampler(2)]
    pub texture: Option<Handle<Image>>,
    /// Blend for translucent colours or textures; opaque otherwise.
    pub alpha_mode: AlphaMode,
}

impl FlatMaterial {
    /// A colour given in sRGB, as everywhere else in ginn; blended when translucent.
    pub fn new(color: Color) -> Self {
        let color = color.to_linear();
        FlatMaterial {
            color,
            texture: None,
            alpha_mode: if color.alpha < 1.0 {
                AlphaMode::Blend
            } else {
                AlphaMode::Opaque
            },
        }
    }

    /// A texture, blended by its own alpha when `translucent`.
    pub fn textured(texture: Handle<Image>, translucent: bool) -> Self {
        FlatMaterial {
            texture: Some(texture),
            alpha_mode: if translucent {
                AlphaMode::Blend
            } else {
                AlphaMode::Opaque
            },
            ..Self::new(Color::WHITE)
        }
    }
}

impl Material for FlatMaterial {
    fn fragment_shader() -> ShaderRef {
        ShaderRef::Path(
            bevy::asset::AssetPath::from_path_buf(bevy::asset::embedded_path!("flat.wgsl"))
                .with_source("embedded"),
        )
    }

    fn alpha_mode(&self) -> AlphaMode {
        self.alpha_mode
    }

    fn enable_prepass() -> bool {
        false
    }

    fn enable_shadows() -> bool {
        false
    }

    fn specialize(
        _: &MaterialPipeline,
        descriptor: &mut RenderPipelineDescriptor,
        _: &MeshVertexBufferLayoutRef,
        _: MaterialPipelineKey<Self>,
    ) -> Result<(), SpecializedMeshPipelineError> {
        descriptor.primitive.cull_mode = None;
        Ok(())
    }
}
