//! Layer space drawn on the CPU: a layer's sheet ([`crate::layer_space`]) seen in 3D, its
//! regions shaded by the prediction (darker where a fold turns them away from the light),
//! the square's grid lines and the earlier layers' boundaries on it in their colours, and
//! under decision axes the decision plane, translucent.

use super::layer_color;
use super::text;
use crate::layer_space::{Frame, Sheet};
use tiny_skia::{Color, FillRule, Paint, PathBuilder, Pixmap, Stroke, Transform};

/// A sheet placed in 3D: its vertices and grid lines scaled into [−1, 1]³ (z up), and the
/// decision plane's height on the same scale.
#[derive(Clone, Debug)]
pub struct Placed {
    pub vertices: Vec<[f64; 3]>,
    pub grid: Vec<Vec<[f64; 3]>>,
    pub plane: Option<f64>,
}

/// The sheet seen through `frame`, each axis scaled to fill [−1, 1] (a folded sheet is
/// often far longer one way than the others; filling the cube shows its folds).
pub fn place(sheet: &Sheet, frame: &Frame) -> Placed {
    let d = sheet.dims;
    let vertices: Vec<[f64; 3]> = sheet
        .points
        .chunks_exact(d)
        .map(|h| frame.project(h))
        .collect();
    let grid: Vec<Vec<[f64; 3]>> = sheet
        .grid
        .iter()
        .map(|line| line.iter().map(|h| frame.project(h)).collect())
        .collect();
    // Per axis: the centre of the sheet's extent and the scale that fills [−1, 1]; a
    // flat axis (a sheet in fewer dimensions) stays flat.
    let fit: [(f64, f64); 3] = [0, 1, 2].map(|k| {
        let (lo, hi) = vertices
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[k]), hi.max(p[k]))
            });
        let half = (hi - lo) / 2.0;
        ((lo + hi) / 2.0, if half > 1e-12 { 1.0 / half } else { 0.0 })
    });
    let put = |p: &[f64; 3]| [0, 1, 2].map(|k| (p[k] - fit[k].0) * fit[k].1);
    Placed {
        vertices: vertices.iter().map(put).collect(),
        grid: grid.iter().map(|l| l.iter().map(put).collect()).collect(),
        plane: frame.plane.map(|h| (h - fit[2].0) * fit[2].1),
    }
}

/// The way from `a` to `b` at `t` in [0, 1] (a morph between two layers' placed sheets,
/// which share their vertices and grid points).
pub fn between(a: &Placed, b: &Placed, t: f64) -> Placed {
    let mix = |p: &[f64; 3], q: &[f64; 3]| [0, 1, 2].map(|k| p[k] + t * (q[k] - p[k]));
    Placed {
        vertices: a
            .vertices
            .iter()
            .zip(&b.vertices)
            .map(|(p, q)| mix(p, q))
            .collect(),
        grid: a
            .grid
            .iter()
            .zip(&b.grid)
            .map(|(l, m)| l.iter().zip(m).map(|(p, q)| mix(p, q)).collect())
            .collect(),
        plane: if t < 0.5 { a.plane } else { b.plane },
    }
}

/// How a layer-space picture looks.
#[derive(Clone, Debug)]
pub struct SheetStyle {
    pub width: u32,
    pub height: u32,
    /// Degrees the sheet turns about the vertical axis, and the camera's elevation.
    pub yaw: f32,
    pub pitch: f32,
    pub line_width: f32,
    /// Lines written at the top left.
    pub caption: Vec<String>,
}

impl Default for SheetStyle {
    fn default() -> Self {
        Self {
            width: 600,
            height: 600,
            yaw: -30.0,
            pitch: 25.0,
            line_width: 1.5,
            caption: vec![],
        }
    }
}

/// A parallel camera: screen position and depth (larger is nearer) of a 3D point.
struct Camera {
    cos_yaw: f64,
    sin_yaw: f64,
    cos_pitch: f64,
    sin_pitch: f64,
    scale: f64,
    centre: (f64, f64),
}

impl Camera {
    fn new(style: &SheetStyle) -> Self {
        let (sy, cy) = (style.yaw as f64).to_radians().sin_cos();
        let (sp, cp) = (style.pitch as f64).to_radians().sin_cos();
        let side = style.width.min(style.height) as f64;
        Self {
            cos_yaw: cy,
            sin_yaw: sy,
            cos_pitch: cp,
            sin_pitch: sp,
            // The unit cube's widest silhouette is √3: keep it inside the frame.
            scale: side / (2.0 * 1.8),
            centre: (
                style.width as f64 / 2.0,
                style.height as f64 / 2.0 + side * 0.03,
            ),
        }
    }

    fn screen(&self, p: [f64; 3]) -> (f32, f32, f64) {
        let x = self.cos_yaw * p[0] - self.sin_yaw * p[1];
        let y = self.sin_yaw * p[0] + self.cos_yaw * p[1];
        let up = p[2] * self.cos_pitch + y * self.sin_pitch;
        let depth = -y * self.cos_pitch + p[2] * self.sin_pitch;
        (
            (self.centre.0 + x * self.scale) as f32,
            (self.centre.1 - up * self.scale) as f32,
            depth,
        )
    }
}

/// One thing drawn, in screen pixels: the picture is described once, as a list of these
/// back to front, and written as PNG ([`to_pixmap`]) or SVG ([`to_svg`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Mark {
    /// A filled polygon (with a hairline of its colour that closes anti-aliasing seams).
    Fill {
        points: Vec<(f32, f32)>,
        rgba: [u8; 4],
    },
    /// An open polyline, or separate segments when `segments` is set.
    Line {
        points: Vec<(f32, f32)>,
        rgba: [u8; 4],
        width: f32,
        segments: bool,
    },
    Text {
        text: String,
        at: (f32, f32),
        size: f32,
    },
}

/// The picture of a placed sheet: facets back to front (split at the decision plane, which
/// is drawn between those below and those above it), grid lines, boundaries, caption.
pub fn marks(sheet: &Sheet, placed: &Placed, style: &SheetStyle) -> Vec<Mark> {
    let cam = Camera::new(style);
    let screen: Vec<(f32, f32, f64)> = placed.vertices.iter().map(|&p| cam.screen(p)).collect();
    let mut order: Vec<(usize, f64)> = sheet
        .polygons
        .iter()
        .enumerate()
        .map(|(i, poly)| {
            let depth = poly.iter().map(|&v| screen[v as usize].2).sum::<f64>() / poly.len() as f64;
            (i, depth)
        })
        .collect();
    order.sort_by(|a, b| a.1.total_cmp(&b.1));
    let below = |i: usize| {
        placed
            .plane
            .is_some_and(|h| mean_height(sheet, placed, i) < h)
    };
    let mut out = Vec::new();
    for &(i, _) in order.iter().filter(|&&(i, _)| below(i)) {
        out.extend(facet(sheet, placed, &screen, i));
    }
    if let Some(h) = placed.plane {
        let corners = [[-1.1, -1.1], [1.1, -1.1], [1.1, 1.1], [-1.1, 1.1]];
        let points: Vec<(f32, f32)> = corners
            .iter()
            .map(|c| {
                let (x, y, _) = cam.screen([c[0], c[1], h]);
                (x, y)
            })
            .collect();
        out.push(Mark::Fill {
            points: points.clone(),
            rgba: [255, 191, 0, 70],
        });
        let mut closed = points;
        closed.push(closed[0]);
        out.push(Mark::Line {
            points: closed,
            rgba: [230, 160, 0, 200],
            width: 1.2,
            segments: false,
        });
    }
    for &(i, _) in order.iter().filter(|&&(i, _)| !below(i)) {
        out.extend(facet(sheet, placed, &screen, i));
    }
    for line in &placed.grid {
        out.push(Mark::Line {
            points: line
                .iter()
                .map(|&p| cam.screen(p))
                .map(|(x, y, _)| (x, y))
                .collect(),
            rgba: [40, 40, 50, 110],
            width: (style.line_width * 0.5).max(0.6),
            segments: false,
        });
    }
    for (n, edges) in &sheet.boundaries {
        let [r, g, b] = layer_color(n.layer);
        out.push(Mark::Line {
            points: edges
                .iter()
                .flat_map(|e| [screen[e[0] as usize], screen[e[1] as usize]])
                .map(|(x, y, _)| (x, y))
                .collect(),
            rgba: [r, g, b, 230],
            width: style.line_width,
            segments: true,
        });
    }
    let size = (style.height as f32 / 36.0).clamp(11.0, 24.0);
    for (k, line) in style.caption.iter().enumerate() {
        out.push(Mark::Text {
            text: line.clone(),
            at: (size * 0.6, size * 0.4 + k as f32 * size * 1.25),
            size,
        });
    }
    out
}

fn mean_height(sheet: &Sheet, placed: &Placed, i: usize) -> f64 {
    let poly = &sheet.polygons[i];
    poly.iter()
        .map(|&v| placed.vertices[v as usize][2])
        .sum::<f64>()
        / poly.len() as f64
}

/// Region `i`'s facet, shaded by how squarely it faces a light from above and in front
/// (a fold shows as a change of shade), in the prediction's grey.
fn facet(sheet: &Sheet, placed: &Placed, screen: &[(f32, f32, f64)], i: usize) -> Option<Mark> {
    let poly = &sheet.polygons[i];
    if poly.len() < 3 {
        return None;
    }
    // The facet's normal by Newell's method.
    let mut n = [0.0f64; 3];
    for k in 0..poly.len() {
        let p = placed.vertices[poly[k] as usize];
        let q = placed.vertices[poly[(k + 1) % poly.len()] as usize];
        n[0] += (p[1] - q[1]) * (p[2] + q[2]);
        n[1] += (p[2] - q[2]) * (p[0] + q[0]);
        n[2] += (p[0] - q[0]) * (p[1] + q[1]);
    }
    let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
    let light = if len > 1e-15 {
        let l = [0.3, -0.4, 0.866];
        ((n[0] * l[0] + n[1] * l[1] + n[2] * l[2]) / len).abs()
    } else {
        0.5 // collapsed to a line or a point by a dead or saturated unit
    };
    let shade = 0.72 + 0.28 * light;
    // The prediction as grey, tinted blue-grey so dark regions still show their folds.
    let g = sheet.probability[i];
    let base = [40.0 + 205.0 * g, 45.0 + 200.0 * g, 60.0 + 190.0 * g];
    let [r, gg, b] = base.map(|c| (c * shade).round().clamp(0.0, 255.0) as u8);
    Some(Mark::Fill {
        points: poly
            .iter()
            .map(|&v| (screen[v as usize].0, screen[v as usize].1))
            .collect(),
        rgba: [r, gg, b, 255],
    })
}

/// The marks as a PNG-ready pixmap.
pub fn to_pixmap(marks: &[Mark], style: &SheetStyle) -> Pixmap {
    let mut pm = Pixmap::new(style.width, style.height).expect("frame size checked by the caller");
    pm.fill(Color::from_rgba8(250, 250, 252, 255));
    let mut paint = Paint {
        anti_alias: true,
        ..Default::default()
    };
    let path_of = |points: &[(f32, f32)], close: bool, segments: bool| {
        let mut pb = PathBuilder::new();
        for (k, &(x, y)) in points.iter().enumerate() {
            if k == 0 || (segments && k % 2 == 0) {
                pb.move_to(x, y);
            } else {
                pb.line_to(x, y);
            }
        }
        if close {
            pb.close();
        }
        pb.finish()
    };
    for m in marks {
        match m {
            Mark::Fill { points, rgba } => {
                paint.set_color_rgba8(rgba[0], rgba[1], rgba[2], rgba[3]);
                if let Some(path) = path_of(points, true, false) {
                    pm.fill_path(
                        &path,
                        &paint,
                        FillRule::Winding,
                        Transform::identity(),
                        None,
                    );
                    if rgba[3] == 255 {
                        let hair = Stroke {
                            width: 0.6,
                            ..Default::default()
                        };
                        pm.stroke_path(&path, &paint, &hair, Transform::identity(), None);
                    }
                }
            }
            Mark::Line {
                points,
                rgba,
                width,
                segments,
            } => {
                paint.set_color_rgba8(rgba[0], rgba[1], rgba[2], rgba[3]);
                if let Some(path) = path_of(points, false, *segments) {
                    let s = Stroke {
                        width: *width,
                        ..Default::default()
                    };
                    pm.stroke_path(&path, &paint, &s, Transform::identity(), None);
                }
            }
            Mark::Text { text: t, at, size } => {
                text::draw(&mut pm, t, at.0, at.1, *size, [20, 20, 20])
            }
        }
    }
    pm
}

/// The marks as an SVG document.
pub fn to_svg(marks: &[Mark], style: &SheetStyle) -> String {
    use std::fmt::Write;
    let (w, h) = (style.width, style.height);
    let mut s = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}"><rect width="{w}" height="{h}" fill="#fafafc"/>"##
    );
    s.push('\n');
    let pts = |points: &[(f32, f32)]| {
        points
            .iter()
            .map(|(x, y)| format!("{x:.2},{y:.2}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let color = |c: &[u8; 4]| format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
    let alpha = |c: &[u8; 4]| c[3] as f32 / 255.0;
    for m in marks {
        let _ = match m {
            Mark::Fill { points, rgba } => writeln!(
                s,
                r#"<polygon points="{}" fill="{}" fill-opacity="{:.3}" stroke="{}" stroke-opacity="{:.3}" stroke-width="0.6"/>"#,
                pts(points),
                color(rgba),
                alpha(rgba),
                color(rgba),
                if rgba[3] == 255 { 1.0 } else { 0.0 }
            ),
            Mark::Line {
                points,
                rgba,
                width,
                segments: false,
            } => writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{}" stroke-opacity="{:.3}" stroke-width="{width}"/>"#,
                pts(points),
                color(rgba),
                alpha(rgba)
            ),
            Mark::Line {
                points,
                rgba,
                width,
                segments: true,
            } => {
                let d: String = points
                    .chunks_exact(2)
                    .map(|p| format!("M{:.2} {:.2}L{:.2} {:.2}", p[0].0, p[0].1, p[1].0, p[1].1))
                    .collect();
                writeln!(
                    s,
                    r#"<path d="{d}" fill="none" stroke="{}" stroke-opacity="{:.3}" stroke-width="{width}"/>"#,
                    color(rgba),
                    alpha(rgba)
                )
            }
            Mark::Text { text: t, at, size } => writeln!(
                s,
                r#"<text x="{:.1}" y="{:.1}" font-family="sans-serif" font-size="{size}">{}</text>"#,
                at.0,
                at.1 + size,
                super::svg::escape(t)
            ),
        };
    }
    s.push_str("</svg>\n");
    s
}
