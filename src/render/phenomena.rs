//! The phenomena overlays on a CPU frame: on the ground, the local-complexity heat map, the
//! target's components outlined in the colour of their accuracy and its corners (filled once
//! captured); on each layer's plane, the mirror image of its boundaries, the ghost lines of
//! indecisive units and, in 3D, faint copies of the lower layers' boundaries (the bends);
//! other phenomena's lines where they say.

use super::layer_color;
use super::style::{FrameStyle, Projection, View, fill, stroke};
use crate::geometry::Geometry;
use crate::overlays::{Shapes, accuracy_color, heat_color};
use tiny_skia::{Paint, PathBuilder, Pixmap, PixmapPaint, Stroke, Transform};

/// The overlays that belong on the ground: heat map, component outlines, corners.
pub(super) fn draw_ground(pm: &mut Pixmap, proj: &Projection, shapes: &Shapes, style: &FrameStyle) {
    if let Some(heat) = &shapes.complexity
        && let Some(mut img) = Pixmap::new(heat.side as u32, heat.side as u32)
    {
        for (px, &c) in img.pixels_mut().iter_mut().zip(&heat.counts) {
            let [r, g, b, a] = heat_color(c, heat.max);
            *px = tiny_skia::ColorU8::from_rgba(r, g, b, a).premultiply();
        }
        let s = 1.0 / heat.side as f32;
        let paint = PixmapPaint {
            quality: tiny_skia::FilterQuality::Bilinear,
            ..Default::default()
        };
        // The grid covers the frame's rectangle; the projection maps input coordinates.
        let t = proj
            .transform(0.0)
            .pre_concat(proj.rect_to_input())
            .pre_scale(s, s);
        pm.draw_pixmap(0, 0, img.as_ref(), &paint, t, None);
    }
    let side = style.width.min(style.height) as f32;
    for o in &shapes.components {
        let [r, g, b] = accuracy_color(o.accuracy);
        stroke(
            pm,
            proj,
            &o.lines,
            0.0,
            [r, g, b, 230],
            (side / 300.0).max(1.5),
            None,
        );
    }
    for t in shapes.traces.iter().filter(|t| t.layer.is_none()) {
        stroke(pm, proj, &t.lines, 0.0, t.rgba, style.line_width, None);
    }
    let radius = (side / 110.0).clamp(3.0, 8.0);
    for c in &shapes.corners {
        let (x, y) = proj.point(c.at, 0.0);
        let Some(path) = PathBuilder::from_circle(x, y, radius) else {
            continue;
        };
        let mut paint = Paint {
            anti_alias: true,
            ..Default::default()
        };
        let ring = |width| Stroke {
            width,
            ..Default::default()
        };
        // A white halo, then the disc (captured) or nothing (free), then the pink ring.
        paint.set_color_rgba8(255, 255, 255, 255);
        pm.stroke_path(&path, &paint, &ring(3.5), Transform::identity(), None);
        paint.set_color_rgba8(255, 60, 160, 255);
        if c.captured {
            fill(pm, &path, &paint);
        }
        pm.stroke_path(&path, &paint, &ring(1.6), Transform::identity(), None);
    }
}

/// What goes on hidden layer `l`'s plane beyond its own boundaries.
pub(super) fn draw_plane(
    pm: &mut Pixmap,
    proj: &Projection,
    geom: &Geometry,
    picture: &super::picture::Picture,
    style: &FrameStyle,
    l: usize,
    height: f32,
) {
    if picture.boundaries.of_layer(l).is_none() {
        return;
    }
    let shapes = &picture.shapes;
    let w = style.line_width;
    if picture.surfaces.bends && style.view == View::ThreeD {
        for below in 0..l {
            let [r, g, b] = layer_color(below);
            let lines = geom.layer_boundaries(below).flat_map(|nb| &nb.polylines);
            stroke(
                pm,
                proj,
                lines,
                height,
                [r, g, b, 70],
                (w * 0.6).max(0.8),
                None,
            );
        }
    }
    let [r, g, b] = layer_color(l);
    if let Some(lines) = shapes.mirror.get(l) {
        stroke(
            pm,
            proj,
            lines,
            height,
            [r, g, b, 90],
            w,
            Some([3.0 * w, 2.5 * w]),
        );
    }
    for t in shapes.traces.iter().filter(|t| t.layer == Some(l)) {
        stroke(pm, proj, &t.lines, height, t.rgba, w, None);
    }
    for ghost in shapes.ghosts.iter().filter(|g| g.unit.layer == l) {
        for (k, lines) in ghost.states.iter().enumerate() {
            let now = ghost.current == Some(k == 1);
            let alpha = if now { 200 } else { 110 };
            stroke(
                pm,
                proj,
                lines,
                height,
                [r, g, b, alpha],
                w * 1.4,
                Some([1.5 * w, 2.0 * w]),
            );
        }
    }
}
