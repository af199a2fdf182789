// The viewer's one material: colour × texture × vertex colour, no lighting. Bevy's
// StandardMaterial, even unlit, runs its whole PBR fragment shader on a software
// renderer (llvmpipe masks branches instead of skipping them): most of a frame's time.
#import bevy_pbr::forward_io::VertexOutput

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> color: vec4<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var color_texture: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(2) var color_sampler: sampler;

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    var c = color;
#ifdef VERTEX_UVS_A
    c = c * textureSample(color_texture, color_sampler, in.uv);
#endif
#ifdef VERTEX_COLORS
    c = c * in.color;
#endif
    return c;
}
