//! The 3D surfaces on a CPU frame: the output (logit difference) below the ground, one
//! shaded flat facet per linear region drawn back to front; the selected unit's activation
//! over its plane; and arrows of where its boundary moves by the next snapshot.

use super::style::{AMPLITUDE, FrameStyle, Projection, View, add_polyline, fill, stroke};
use super::{facet_color, layer_color};
use crate::geometry::{Geometry, Surface};
use tiny_skia::{Paint, PathBuilder, Pixmap, Transform};

/// The output surface in the ground's place, its zero level outlined, the decision
/// boundary on it.
pub(super) fn draw_output(
    pm: &mut Pixmap,
    proj: &Projection,
    geom: &Geometry,
    by_class: bool,
    style: &FrameStyle,
) {
    let Some(s) = Surface::output(geom) else {
        return;
    };
    let scale = AMPLITUDE * style.height_scale / s.max_height().max(1e-12) as f32;
    let zero = 0.0;
    let r = geom.rect;
    let rim = vec![
        [r.x0, r.y0],
        [r.x1, r.y0],
        [r.x1, r.y1],
        [r.x0, r.y1],
        [r.x0, r.y0],
    ];
    stroke(
        pm,
        proj,
        [&rim],
        zero,
        [90, 95, 110, 160],
        1.0,
        Some([4.0, 3.0]),
    );
    facets(
        pm,
        proj,
        &s,
        |f| facet_color(f, by_class),
        |h| zero + scale * h as f32,
        255,
    );
    stroke(
        pm,
        proj,
        &geom.decision,
        zero,
        [255, 191, 0, 255],
        style.line_width,
        None,
    );
}

/// The selected unit's activation over its layer's plane.
pub(super) fn draw_unit(
    pm: &mut Pixmap,
    proj: &Projection,
    geom: &Geometry,
    n: crate::nn::NeuronId,
    style: &FrameStyle,
) {
    let Some(s) = Surface::unit(geom, n) else {
        return;
    };
    let scale = 0.8 * style.height_scale / s.max_height().max(1e-12) as f32;
    let base = (n.layer + 1) as f32;
    let [r, g, b] = layer_color(n.layer);
    facets(
        pm,
        proj,
        &s,
        |_| [r, g, b],
        |h| base + scale * h as f32,
        190,
    );
}

/// Fills the facets back to front (the view is parallel, so the facet whose centroid lies
/// farther along the view's depth is drawn first), shaded by their slope so folds show.
fn facets(
    pm: &mut Pixmap,
    proj: &Projection,
    s: &Surface,
    color: impl Fn(&crate::geometry::Facet) -> [u8; 3],
    height: impl Fn(f64) -> f32,
    alpha: u8,
) {
    let depth = |p: [f64; 2]| proj.point(p, 0.0).1;
    let mut order: Vec<(f32, usize)> = s
        .facets
        .iter()
        .enumerate()
        .map(|(k, f)| {
            let n = f.polygon.len() as f32;
            let d = f
                .polygon
                .iter()
                .map(|&v| {
                    let p = s.positions[v as usize];
                    depth([p[0], p[1]])
                })
                .sum::<f32>();
            (d / n, k)
        })
        .collect();
    order.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut paint = Paint {
        anti_alias: true,
        ..Default::default()
    };
    for (_, k) in order {
        let f = &s.facets[k];
        let pts: Vec<(f32, f32)> = f
            .polygon
            .iter()
            .map(|&v| {
                let p = s.positions[v as usize];
                proj.point([p[0], p[1]], height(p[2]))
            })
            .collect();
        let mut pb = PathBuilder::new();
        add_polyline(&mut pb, pts.iter().copied());
        pb.close();
        let Some(path) = pb.finish() else { continue };
        // Light from the upper left of the screen: facets facing it are brighter.
        let light = shade(&pts);
        let c = color(f).map(|v| (v as f32 * light).min(255.0) as u8);
        paint.set_color_rgba8(c[0], c[1], c[2], alpha);
        fill(pm, &path, &paint);
        paint.set_color_rgba8(20, 20, 30, alpha / 4);
        let edge = tiny_skia::Stroke {
            width: 0.6,
            ..Default::default()
        };
        pm.stroke_path(&path, &paint, &edge, Transform::identity(), None);
    }
}

/// A brightness factor from the facet's screen-space shape: a facet foreshortened upwards
/// (facing the viewer) is lighter than one squeezed (facing away).
fn shade(pts: &[(f32, f32)]) -> f32 {
    if pts.len() < 3 {
        return 1.0;
    }
    let (a, b, c) = (pts[0], pts[1], pts[2]);
    let cross = (b.0 - a.0) * (c.1 - a.1) - (b.1 - a.1) * (c.0 - a.0);
    let len = ((b.0 - a.0).hypot(b.1 - a.1) * (c.0 - a.0).hypot(c.1 - a.1)).max(1e-6);
    0.7 + 0.3 * (cross.abs() / len).min(1.0)
}

/// Arrows from points of the unit's boundary to where they move by the next snapshot,
/// scaled together so the fastest is 8 % of the square.
pub(super) fn draw_velocity(
    pm: &mut Pixmap,
    proj: &Projection,
    picture: &super::picture::Picture,
    style: &FrameStyle,
) {
    let (velocity, Some(n)) = (&picture.velocity, picture.velocity_of) else {
        return;
    };
    let longest = velocity
        .iter()
        .map(|(_, d)| d[0].hypot(d[1]))
        .fold(0.0, f64::max);
    if longest == 0.0 {
        return;
    }
    let gain = 0.08 / longest;
    let height = if style.view == View::ThreeD {
        (n.layer + 1) as f32
    } else {
        0.0
    };
    let mut lines = Vec::new();
    for &(p, d) in velocity {
        let q = [p[0] + gain * d[0], p[1] + gain * d[1]];
        let len = (q[0] - p[0]).hypot(q[1] - p[1]);
        if len < 1e-4 {
            continue;
        }
        // Head: two short strokes back from the tip at ±30°.
        let (ux, uy) = ((q[0] - p[0]) / len, (q[1] - p[1]) / len);
        let h = 0.35 * len.min(0.02);
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let wing = |sign: f64| {
            [
                q[0] - h * (c * ux - sign * s * uy),
                q[1] - h * (sign * s * ux + c * uy),
            ]
        };
        lines.push(vec![p, q]);
        lines.push(vec![wing(1.0), q, wing(-1.0)]);
    }
    stroke(
        pm,
        proj,
        &lines,
        height,
        [255, 255, 255, 220],
        style.line_width * 2.2,
        None,
    );
    stroke(
        pm,
        proj,
        &lines,
        height,
        [200, 20, 150, 255],
        style.line_width,
        None,
    );
}
