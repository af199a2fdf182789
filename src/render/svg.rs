//! SVG output: the prediction as an embedded image under true vector polylines from the
//! exact geometry, one `<path>` per neuron, grouped by layer, so figures scale in a paper.

use super::picture::Picture;
use super::style::FrameStyle;
use super::{hex, layer_color, point_color, point_radius};
use crate::geometry::Geometry;
use base64::Engine;
use std::fmt::Write;

/// Grayscale background raster (0 = black … 255 = white), `side × side`.
pub struct Background<'a> {
    pub gray: &'a [u8],
    pub width: u32,
    pub height: u32,
}

/// One panel as an SVG group at `(x, y)`, with an optional caption below it.
///
/// It draws the frame's one description, `picture`, as the CPU renderer does, on the canvas
/// `style` (its width is the panel's side; the numbers are the caption's business here).
pub fn panel(
    geom: &Geometry,
    background: Option<Background>,
    style: &FrameStyle,
    picture: &Picture,
    x: f64,
    y: f64,
    caption: Option<&str>,
) -> String {
    let mut s = String::new();
    let size = style.width as f64;
    let line_width = style.line_width as f64;
    let _ = writeln!(s, r#"<g transform="translate({x:.3} {y:.3})">"#);
    if let Some(bg) = background {
        let _ = writeln!(
            s,
            r#"<image width="{size}" height="{size}" preserveAspectRatio="none" href="data:image/png;base64,{}"/>"#,
            png_base64(bg.gray, bg.width, bg.height)
        );
    }
    let _ = writeln!(
        s,
        r##"<rect width="{size}" height="{size}" fill="none" stroke="#444" stroke-width="0.5"/>"##
    );
    let r = geom.rect;
    let to_px = |p: [f64; 2]| {
        (
            (p[0] - r.x0) / (r.x1 - r.x0) * size,
            (p[1] - r.y0) / (r.y1 - r.y0) * size,
        )
    };
    for lines in &picture.boundaries.layers {
        let l = lines.layer;
        let _ = writeln!(
            s,
            r#"<g id="layer-{}" stroke="{}" stroke-width="{}" fill="none" stroke-linejoin="round" stroke-linecap="round">"#,
            l + 1,
            hex(layer_color(l)),
            line_width
        );
        for b in lines
            .units
            .iter()
            .map(|&n| geom.boundary(n))
            .filter(|b| !b.polylines.is_empty())
        {
            let d = path_data(&b.polylines, to_px);
            let _ = writeln!(
                s,
                r#"<path class="neuron" data-layer="{}" data-unit="{}" d="{d}"/>"#,
                l + 1,
                b.neuron.index + 1
            );
        }
        let _ = writeln!(s, "</g>");
    }
    overlays(&mut s, picture, style, &to_px);
    if picture.boundaries.decision && !geom.decision.is_empty() {
        let d = path_data(&geom.decision, to_px);
        let _ = writeln!(
            s,
            r##"<path id="decision" stroke="#ffbf00" stroke-width="{line_width}" stroke-dasharray="4 3" fill="none" d="{d}"/>"##
        );
    }
    if !picture.points.is_empty() {
        let rad = point_radius(size as f32) as f64;
        let _ = writeln!(s, r#"<g id="points" stroke-width="{:.2}">"#, rad * 0.45);
        for &super::picture::Dot { at, label, test } in &picture.points {
            let (x, y) = to_px(at);
            if !r.contains(at) {
                continue;
            }
            let c = hex(point_color(label));
            let (fill, stroke) = if test {
                ("none", c.as_str())
            } else {
                (c.as_str(), "white")
            };
            let _ = writeln!(
                s,
                r#"<circle class="{}" data-label="{label}" cx="{x:.2}" cy="{y:.2}" r="{rad:.2}" fill="{fill}" stroke="{stroke}"/>"#,
                if test { "test" } else { "train" }
            );
        }
        let _ = writeln!(s, "</g>");
    }
    if let Some([low, high]) = &picture.axes {
        // The axes in the domain's own units, at the bottom-left and top-right corners.
        let _ = writeln!(
            s,
            r##"<g id="axes" font-family="sans-serif" font-size="11" fill="#222"><text x="3" y="{:.1}">{}</text><text x="{:.1}" y="12" text-anchor="end">{}</text></g>"##,
            size - 4.0,
            escape(low),
            size - 3.0,
            escape(high)
        );
    }
    if let Some(c) = caption {
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" font-family="sans-serif" font-size="14" text-anchor="middle">{}</text>"#,
            size / 2.0,
            size + 18.0,
            escape(c)
        );
    }
    s.push_str("</g>\n");
    s
}

/// The phenomena overlays, one group each, so a paper's figure can style or drop them.
fn overlays(
    s: &mut String,
    picture: &Picture,
    style: &FrameStyle,
    to_px: &impl Fn([f64; 2]) -> (f64, f64),
) {
    use crate::overlays::{accuracy_color, heat_color};
    let shapes = &picture.shapes;
    let w = style.line_width as f64;
    let size = style.width as f64;
    if let Some(h) = &shapes.complexity {
        let cell = size / h.side as f64;
        let _ = writeln!(s, r#"<g id="overlay-complexity" data-max="{}">"#, h.max);
        for (i, &c) in h.counts.iter().enumerate().filter(|(_, c)| **c > 0) {
            let [r, g, b, a] = heat_color(c, h.max);
            let _ = writeln!(
                s,
                r#"<rect x="{:.2}" y="{:.2}" width="{cell:.2}" height="{cell:.2}" fill="{}" fill-opacity="{:.2}" data-units="{c}"/>"#,
                (i % h.side) as f64 * cell,
                (i / h.side) as f64 * cell,
                hex([r, g, b]),
                a as f64 / 255.0
            );
        }
        let _ = writeln!(s, "</g>");
    }
    if !shapes.components.is_empty() {
        let _ = writeln!(
            s,
            r#"<g id="overlay-components" fill="none" stroke-width="{w}">"#
        );
        for o in &shapes.components {
            let _ = writeln!(
                s,
                r#"<path data-accuracy="{:.4}" stroke="{}" d="{}"/>"#,
                o.accuracy,
                hex(accuracy_color(o.accuracy)),
                path_data(&o.lines, to_px)
            );
        }
        let _ = writeln!(s, "</g>");
    }
    if !shapes.mirror.is_empty() {
        let _ = writeln!(
            s,
            r#"<g id="overlay-mirror" stroke-opacity="0.4" stroke-width="{w}" stroke-dasharray="{} {}" fill="none">"#,
            3.0 * w,
            2.5 * w
        );
        for (l, lines) in shapes.mirror.iter().enumerate() {
            if lines.is_empty() || picture.boundaries.of_layer(l).is_none() {
                continue;
            }
            let _ = writeln!(
                s,
                r#"<path class="overlay-mirror" data-layer="{}" stroke="{}" d="{}"/>"#,
                l + 1,
                hex(layer_color(l)),
                path_data(lines, to_px)
            );
        }
        let _ = writeln!(s, "</g>");
    }
    if !shapes.ghosts.is_empty() {
        let _ = writeln!(
            s,
            r#"<g id="overlay-indecisive" fill="none" stroke-dasharray="{} {}">"#,
            1.5 * w,
            2.0 * w
        );
        for g in &shapes.ghosts {
            for (k, lines) in g.states.iter().enumerate() {
                let _ = writeln!(
                    s,
                    r#"<path data-layer="{}" data-unit="{}" data-state="{k}" stroke="{}" stroke-opacity="{}" stroke-width="{}" d="{}"/>"#,
                    g.unit.layer + 1,
                    g.unit.index + 1,
                    hex(layer_color(g.unit.layer)),
                    if g.current == Some(k == 1) { 0.8 } else { 0.45 },
                    1.4 * w,
                    path_data(lines, to_px)
                );
            }
        }
        let _ = writeln!(s, "</g>");
    }
    if !shapes.corners.is_empty() {
        let r = (size / 110.0).clamp(3.0, 8.0);
        let _ = writeln!(
            s,
            r##"<g id="overlay-corners" stroke="#ff3ca0" stroke-width="1.6">"##
        );
        for c in &shapes.corners {
            let (x, y) = to_px(c.at);
            let _ = writeln!(
                s,
                r##"<circle class="{}" cx="{x:.2}" cy="{y:.2}" r="{r:.2}" fill="{}"/>"##,
                if c.captured { "captured" } else { "free" },
                if c.captured { "#ff3ca0" } else { "none" }
            );
        }
        let _ = writeln!(s, "</g>");
    }
    // Other phenomena's lines, one group per overlay.
    let mut names: Vec<&str> = shapes.traces.iter().map(|t| t.name).collect();
    names.dedup();
    for name in names {
        let _ = writeln!(
            s,
            r#"<g id="overlay-{name}" fill="none" stroke-width="{w}">"#
        );
        for t in shapes.traces.iter().filter(|t| t.name == name) {
            if t.layer
                .is_some_and(|l| picture.boundaries.of_layer(l).is_none())
            {
                continue;
            }
            let [r, g, b, a] = t.rgba;
            let _ = writeln!(
                s,
                r#"<path data-layer="{}" stroke="{}" stroke-opacity="{:.2}" d="{}"/>"#,
                t.layer.map_or(0, |l| l + 1),
                hex([r, g, b]),
                a as f64 / 255.0,
                path_data(&t.lines, to_px)
            );
        }
        let _ = writeln!(s, "</g>");
    }
    if let Some(longest) = picture
        .velocity
        .iter()
        .map(|(_, d)| d[0].hypot(d[1]))
        .reduce(f64::max)
        .filter(|&m| m > 0.0)
    {
        let gain = 0.08 / longest;
        let lines: Vec<Vec<[f64; 2]>> = picture
            .velocity
            .iter()
            .map(|&(p, d)| vec![p, [p[0] + gain * d[0], p[1] + gain * d[1]]])
            .collect();
        let _ = writeln!(
            s,
            r##"<path id="velocity" stroke="#c81496" stroke-width="{w}" fill="none" data-gain="{gain:.4}" d="{}"/>"##,
            path_data(&lines, to_px)
        );
    }
}

/// A whole SVG document around `body`.
pub fn document(width: f64, height: f64, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{body}</svg>\n"
    )
}

fn path_data(lines: &[Vec<[f64; 2]>], to_px: impl Fn([f64; 2]) -> (f64, f64)) -> String {
    let mut d = String::new();
    for line in lines {
        for (i, &p) in line.iter().enumerate() {
            let (x, y) = to_px(p);
            let _ = write!(d, "{}{x:.3} {y:.3}", if i == 0 { "M" } else { " L" });
        }
        d.push(' ');
    }
    d.trim_end().to_string()
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn png_base64(gray: &[u8], width: u32, height: u32) -> String {
    let mut png = Vec::new();
    let enc = image::codecs::png::PngEncoder::new(&mut png);
    image::ImageEncoder::write_image(enc, gray, width, height, image::ExtendedColorType::L8)
        .expect("in-memory PNG encodes");
    base64::engine::general_purpose::STANDARD.encode(png)
}
