//! One frame of a movie or figure panel, drawn on the CPU with tiny-skia (anti-aliased):
//! the report's 2D overlay, or an oblique 3D view with each layer on its own plane.

use super::picture::Dot;
pub use super::picture::Picture;
pub use super::style::{FrameStyle, SurfaceKind, View};
use super::style::{Projection, add_polyline, fill, projection, stroke};
use super::{layer_color, point_color, point_radius, prediction, text};
use crate::domain::Domain;
use crate::geometry::Geometry;
use crate::nn::Network;
use tiny_skia::{Color, Paint, PathBuilder, Pixmap, PixmapPaint, Stroke, Transform};

/// Draws one frame: the picture `picture` of a snapshot (its geometry `geom`, its network
/// `net`) on the canvas `style`.
pub fn render(geom: &Geometry, net: &Network, style: &FrameStyle, picture: &Picture) -> Pixmap {
    let mut pm = Pixmap::new(style.width, style.height).expect("frame size checked by the caller");
    let layers = geom.layers.len();
    pm.fill(match style.view {
        View::TwoD | View::LayerSpace => Color::WHITE,
        View::ThreeD => Color::from_rgba8(250, 250, 252, 255),
    });
    let proj = projection(style, layers, geom.rect, picture.surfaces.output);
    let three_d = style.view == View::ThreeD;
    let surface_ground = three_d && picture.surfaces.output;
    if surface_ground {
        // The output surface takes the ground's place (its colours are the prediction).
    } else if style.view == View::TwoD && style.width == style.height {
        // The prediction fills the frame pixel for pixel: write it straight in.
        let prob = prediction(geom, net, style.width, style.height);
        fill_gray(&mut pm, prob.iter().map(|p| (p * 255.0).round() as u8));
    } else {
        let ground = ground_image(geom, net, style);
        let ts = 1.0 / ground.width() as f32;
        let to_ground = proj.transform(0.0).pre_scale(ts, ts);
        let paint = PixmapPaint {
            quality: tiny_skia::FilterQuality::Bilinear,
            ..Default::default()
        };
        pm.draw_pixmap(0, 0, ground.as_ref(), &paint, to_ground, None);
    }
    if surface_ground {
        super::surface::draw_output(&mut pm, &proj, geom, picture.surfaces.by_class, style);
    }
    super::phenomena::draw_ground(&mut pm, &proj, &picture.shapes, style);
    // In 3D the points lie on the ground, under the planes; in 2D over the lines.
    if style.view == View::ThreeD {
        let side = style.width.min(style.height) as f32;
        draw_points(&mut pm, &proj, &picture.points, side);
    }

    for l in 0..layers {
        let height = if style.view == View::ThreeD {
            (l + 1) as f32
        } else {
            0.0
        };
        if style.view == View::ThreeD {
            plane(&mut pm, &proj, height);
        }
        let Some(units) = picture.boundaries.of_layer(l) else {
            continue;
        };
        let [r, g, b] = layer_color(l);
        let mut paint = Paint::default();
        paint.set_color_rgba8(r, g, b, 255);
        paint.anti_alias = true;
        let stroke = Stroke {
            width: style.line_width,
            line_join: tiny_skia::LineJoin::Round,
            ..Default::default()
        };
        let mut pb = PathBuilder::new();
        for &n in units {
            for line in &geom.boundary(n).polylines {
                add_polyline(&mut pb, line.iter().map(|&p| proj.point(p, height)));
            }
        }
        if let Some(path) = pb.finish() {
            pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
        }
        super::phenomena::draw_plane(&mut pm, &proj, geom, picture, style, l, height);
        // The unit's activation rises from its own plane, under the planes above it.
        if three_d && let Some(n) = picture.surfaces.unit.filter(|n| n.layer == l) {
            super::surface::draw_unit(&mut pm, &proj, geom, n, style);
        }
    }
    for &n in &picture.boundaries.selected {
        // The chosen unit's boundary, yellow over black as in the viewer.
        let h = if three_d { (n.layer + 1) as f32 } else { 0.0 };
        let lines = &geom.boundary(n).polylines;
        let w = style.line_width;
        stroke(&mut pm, &proj, lines, h, [0, 0, 0, 255], w * 2.6, None);
        stroke(&mut pm, &proj, lines, h, [255, 235, 40, 255], w * 1.5, None);
    }
    super::surface::draw_velocity(&mut pm, &proj, picture, style);
    if picture.boundaries.decision {
        let mut pb = PathBuilder::new();
        for line in &geom.decision {
            add_polyline(&mut pb, line.iter().map(|&p| proj.point(p, 0.0)));
        }
        if let Some(path) = pb.finish() {
            let mut paint = Paint::default();
            paint.set_color_rgba8(255, 191, 0, 255);
            paint.anti_alias = true;
            let stroke = Stroke {
                width: style.line_width,
                dash: tiny_skia::StrokeDash::new(vec![6.0, 4.0], 0.0),
                ..Default::default()
            };
            pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
        }
    }
    if style.view == View::TwoD {
        let side = style.width.min(style.height) as f32;
        draw_points(&mut pm, &proj, &picture.points, side);
    }
    if let Some([low, high]) = picture.axes.as_ref().filter(|_| style.view == View::TwoD) {
        // The axes in the domain's own units, at the shown rectangle's corners.
        let size = (style.height as f32 / 40.0).clamp(10.0, 20.0);
        let (x0, y1) = proj.point([geom.rect.x0, geom.rect.y1], 0.0);
        let (x1, y0) = proj.point([geom.rect.x1, geom.rect.y0], 0.0);
        let w = text::width(high, size);
        for (t, x, y) in [
            (low, x0 + 4.0, y1 - size * 1.4),
            (high, x1 - w - 4.0, y0 + 4.0),
        ] {
            label(&mut pm, t, x, y, size);
        }
    }
    let size = (style.height as f32 / 32.0).clamp(11.0, 28.0);
    for (i, line) in picture.lines.iter().enumerate() {
        let (x, y) = (size * 0.6, size * 0.4 + i as f32 * size * 1.25);
        label(&mut pm, line, x, y, size);
    }
    pm
}

/// The prediction as a grey image at the frame's resolution (probability of white).
fn ground_image(geom: &Geometry, net: &Network, style: &FrameStyle) -> Pixmap {
    let side = style.width.max(style.height).min(1024);
    let prob = prediction(geom, net, side, side);
    let mut pm = Pixmap::new(side, side).expect("nonzero size");
    fill_gray(&mut pm, prob.iter().map(|p| (p * 255.0).round() as u8));
    pm
}

/// Writes grey levels into an opaque pixmap, pixel by pixel.
fn fill_gray(pm: &mut Pixmap, gray: impl Iterator<Item = u8>) {
    for (px, v) in pm.data_mut().chunks_exact_mut(4).zip(gray) {
        px.copy_from_slice(&[v, v, v, 255]);
    }
}

/// A line of text on a translucent white backdrop, its top-left at (x, y).
fn label(pm: &mut Pixmap, t: &str, x: f32, y: f32, size: f32) {
    backdrop(pm, x - 3.0, y - 1.0, text::width(t, size) + 6.0, size * 1.2);
    text::draw(pm, t, x, y, size, [20, 20, 20]);
}

/// The viewer's ground texture, `side × side` straight RGBA over the geometry's rectangle:
/// the prediction, or what the run learns from (the target image; for points a plain
/// ground), with the data points on it.
pub fn ground_texture(
    geom: &Geometry,
    net: &Network,
    data: &crate::targets::Data,
    domain: &Domain,
    show_prediction: bool,
    side: u32,
) -> Vec<u8> {
    use crate::targets::Data;
    let rect = geom.rect;
    let gray: Vec<u8> = match (show_prediction, data) {
        (false, Data::Image(t)) => (0..side * side)
            .map(|i| {
                let [u, v] = rect.pixel_centre(i as usize, side as usize, side as usize);
                // The image covers the unit square of the input; beyond it, mid grey.
                let [x, y] = domain.to_input(u, v);
                if !(0.0..1.0).contains(&x) || !(0.0..1.0).contains(&y) {
                    return 128;
                }
                if t.white_at(x, y) { 255 } else { 0 }
            })
            .collect(),
        (false, Data::Points(_)) => vec![200; (side * side) as usize],
        _ => prediction(geom, net, side, side)
            .iter()
            .map(|p| (p * 255.0).round() as u8)
            .collect(),
    };
    let Some(points) = data.points() else {
        return gray.iter().flat_map(|&v| [v, v, v, 255]).collect();
    };
    let mut pm = Pixmap::new(side, side).expect("nonzero texture size");
    fill_gray(&mut pm, gray.iter().copied());
    let style = FrameStyle {
        width: side,
        height: side,
        ..Default::default()
    };
    let dots = super::picture::dots(points, domain);
    draw_points(
        &mut pm,
        &projection(&style, 0, rect, false),
        &dots,
        side as f32,
    );
    rgba(&pm)
}

/// Dots on the ground plane: filled for training points, rings for test points.
fn draw_points(pm: &mut Pixmap, proj: &Projection, points: &[Dot], side: f32) {
    let r = point_radius(side);
    let mut paint = Paint {
        anti_alias: true,
        ..Default::default()
    };
    let outline = Stroke {
        width: 1.0,
        ..Default::default()
    };
    let ring = Stroke {
        width: (r * 0.45).max(1.2),
        ..Default::default()
    };
    for &Dot { at, label, test } in points {
        let (x, y) = proj.point(at, 0.0);
        let Some(path) = PathBuilder::from_circle(x, y, r) else {
            continue;
        };
        let [cr, cg, cb] = point_color(label);
        if test {
            paint.set_color_rgba8(255, 255, 255, 230);
            pm.stroke_path(
                &path,
                &paint,
                &Stroke {
                    width: ring.width + 2.0,
                    ..Default::default()
                },
                Transform::identity(),
                None,
            );
            paint.set_color_rgba8(cr, cg, cb, 255);
            pm.stroke_path(&path, &paint, &ring, Transform::identity(), None);
        } else {
            paint.set_color_rgba8(cr, cg, cb, 255);
            fill(pm, &path, &paint);
            paint.set_color_rgba8(255, 255, 255, 230);
            pm.stroke_path(&path, &paint, &outline, Transform::identity(), None);
        }
    }
}

/// A translucent layer plane in the 3D view.
fn plane(pm: &mut Pixmap, proj: &Projection, height: f32) {
    let corners = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    let mut pb = PathBuilder::new();
    add_polyline(&mut pb, corners.iter().map(|&c| proj.point(c, height)));
    pb.close();
    let Some(path) = pb.finish() else { return };
    let mut paint = Paint::default();
    paint.set_color_rgba8(200, 205, 220, 40);
    paint.anti_alias = true;
    fill(pm, &path, &paint);
    paint.set_color_rgba8(90, 95, 110, 200);
    pm.stroke_path(
        &path,
        &paint,
        &Stroke {
            width: 1.0,
            ..Default::default()
        },
        Transform::identity(),
        None,
    );
}

fn backdrop(pm: &mut Pixmap, x: f32, y: f32, w: f32, h: f32) {
    if let Some(r) = tiny_skia::Rect::from_xywh(x, y, w, h) {
        let mut paint = Paint::default();
        paint.set_color_rgba8(255, 255, 255, 200);
        pm.fill_rect(r, &paint, Transform::identity(), None);
    }
}

/// Straight (not premultiplied) RGBA bytes of a pixmap, for encoders.
pub fn rgba(pm: &Pixmap) -> Vec<u8> {
    pm.pixels()
        .iter()
        .flat_map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect()
}

/// A pixmap as PNG bytes.
pub fn png(pm: &Pixmap) -> Vec<u8> {
    png_bytes(&rgba(pm), pm.width(), pm.height())
}

/// Straight RGBA bytes as PNG.
pub fn png_bytes(rgba: &[u8], width: u32, height: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let enc = image::codecs::png::PngEncoder::new(&mut out);
    image::ImageEncoder::write_image(enc, rgba, width, height, image::ExtendedColorType::Rgba8)
        .expect("in-memory PNG encodes");
    out
}
