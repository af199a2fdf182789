//! What every CPU painter of a frame shares: which view, how the frame looks
//! ([`FrameStyle`]), and where an input point (at a plane's height) lands in pixels
//! ([`Projection`]), with the stroke and path helpers the painters draw with.

use tiny_skia::{FillRule, Paint, Path, PathBuilder, Pixmap, Stroke, StrokeDash, Transform};

use crate::domain::Domain;
use crate::geometry::Polyline;

/// How far below the ground the output surface reaches, in plane spacings: it takes the
/// ground's place (its zero level is the ground, where the decision boundary lies) and
/// spans `±AMPLITUDE` around it, below the first layer's plane.
pub const BELOW_DEPTH: f32 = AMPLITUDE + 0.1;
pub(super) const AMPLITUDE: f32 = 0.75;

/// Which picture: the report's 2D overlay, or each layer on its own plane in 3D. The one
/// view enum of the CLI (`--view 2d|3d`), the renderer and the viewer.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
pub enum View {
    #[default]
    #[value(name = "2d")]
    TwoD,
    #[value(name = "3d")]
    ThreeD,
    /// The square as a layer sees it, folded in the layer's space (`ginn figure` and
    /// `ginn render`; see `crate::layer_space`).
    #[value(name = "layer-space")]
    LayerSpace,
}

impl View {
    /// Into layer space, or back to 3D from it (the viewer's L key).
    pub fn layer_space_toggled(self) -> Self {
        if self == View::LayerSpace {
            View::ThreeD
        } else {
            View::LayerSpace
        }
    }
}

/// How a frame looks.
#[derive(Clone, Debug)]
pub struct FrameStyle {
    pub width: u32,
    pub height: u32,
    pub view: View,
    pub line_width: f32,
    /// 3D: rotation of the square about the vertical axis, degrees.
    pub yaw: f32,
    /// The run's input domain (what is drawn is in the [`Picture`](super::picture::Picture)).
    pub domain: Domain,
    /// Multiplies the surfaces' heights (1: the highest point one plane spacing away).
    pub height_scale: f32,
}

/// Which function of the network is drawn as a surface in 3D.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize, clap::ValueEnum,
)]
pub enum SurfaceKind {
    /// The logit difference (or the single logit) over the linear regions, below the
    /// ground: its zero level is the decision boundary.
    Output,
    /// The selected unit's activation over its layer's plane.
    Unit,
}

impl Default for FrameStyle {
    fn default() -> Self {
        Self {
            width: 800,
            height: 800,
            view: View::TwoD,
            line_width: 2.0,
            yaw: -20.0,
            domain: Domain::UNIT,
            height_scale: 1.0,
        }
    }
}

#[derive(Clone, Copy)]
pub(super) struct Projection {
    /// Pixel position of input (x, y) on the ground: `[a, b, c, d, e, f]` as
    /// `X = a·x + c·y + e`, `Y = b·x + d·y + f` (tiny-skia's transform order).
    ground: [f32; 6],
    /// Pixels one unit of plane height moves up the screen.
    lift: f32,
    /// The input rectangle the frame shows.
    rect: crate::geometry::Rect,
}

impl Projection {
    pub(super) fn point(&self, p: [f64; 2], height: f32) -> (f32, f32) {
        let [a, b, c, d, e, f] = self.ground;
        let (x, y) = (p[0] as f32, p[1] as f32);
        (a * x + c * y + e, b * x + d * y + f - self.lift * height)
    }

    /// From the frame's rectangle as the unit square to input coordinates.
    pub(super) fn rect_to_input(&self) -> Transform {
        let r = self.rect;
        Transform::from_row(
            (r.x1 - r.x0) as f32,
            0.0,
            0.0,
            (r.y1 - r.y0) as f32,
            r.x0 as f32,
            r.y0 as f32,
        )
    }

    pub(super) fn transform(&self, height: f32) -> Transform {
        let [a, b, c, d, e, f] = self.ground;
        Transform::from_row(a, b, c, d, e, f - self.lift * height)
    }
}

/// The projection of `style`'s view for `layers` hidden layers over `rect`, leaving room
/// below the ground for the output surface when it is drawn (`room_below`).
pub(super) fn projection(
    style: &FrameStyle,
    layers: usize,
    rect: crate::geometry::Rect,
    room_below: bool,
) -> Projection {
    let (w, h) = (style.width as f32, style.height as f32);
    // Input rect → unit square first.
    let (sx, sy) = (
        1.0 / (rect.x1 - rect.x0) as f32,
        1.0 / (rect.y1 - rect.y0) as f32,
    );
    let (ox, oy) = (-rect.x0 as f32 * sx, -rect.y0 as f32 * sy);
    let unit_to_px = match style.view {
        View::TwoD | View::LayerSpace => {
            let s = w.min(h);
            ([s, 0.0, 0.0, s, (w - s) / 2.0, (h - s) / 2.0], 0.0)
        }
        View::ThreeD => {
            // A parallel (axonometric) view: the square turned by `yaw`, tilted so depth
            // is foreshortened, planes stacked upwards.
            let (sin, cos) = style.yaw.to_radians().sin_cos();
            let tilt = 0.45f32;
            let stack = 0.34f32 * layers as f32;
            // Room for the output surface under the ground.
            let below = if room_below { 0.34 * BELOW_DEPTH } else { 0.0 };
            let s = (w / 1.5).min(h / (1.45 * tilt + stack + below + 0.15));
            let (cx, cy) = (w / 2.0, h / 2.0 + s * (stack - below) / 2.0);
            // u = cos·(x−½) − sin·(y−½), v = sin·(x−½) + cos·(y−½); X = cx + s·u, Y = cy + s·tilt·v
            let (a, c) = (s * cos, -s * sin);
            let (b, d) = (s * tilt * sin, s * tilt * cos);
            let e = cx - 0.5 * (a + c);
            let f = cy - 0.5 * (b + d);
            ([a, b, c, d, e, f], s * 0.34)
        }
    };
    let ([a, b, c, d, e, f], lift) = unit_to_px;
    // Compose unit→px with rect→unit (a diagonal scale and shift).
    Projection {
        ground: [
            a * sx,
            b * sx,
            c * sy,
            d * sy,
            a * ox + c * oy + e,
            b * ox + d * oy + f,
        ],
        lift,
        rect,
    }
}

pub(super) fn add_polyline(pb: &mut PathBuilder, points: impl Iterator<Item = (f32, f32)>) {
    for (i, (x, y)) in points.enumerate() {
        if i == 0 {
            pb.move_to(x, y)
        } else {
            pb.line_to(x, y)
        }
    }
}

/// Strokes polylines on the plane at `height` in straight RGBA, optionally dashed.
pub(super) fn stroke<'a>(
    pm: &mut Pixmap,
    proj: &Projection,
    lines: impl IntoIterator<Item = &'a Polyline>,
    height: f32,
    rgba: [u8; 4],
    width: f32,
    dash: Option<[f32; 2]>,
) {
    let mut pb = PathBuilder::new();
    for line in lines {
        add_polyline(&mut pb, line.iter().map(|&p| proj.point(p, height)));
    }
    let Some(path) = pb.finish() else { return };
    let mut paint = Paint::default();
    paint.set_color_rgba8(rgba[0], rgba[1], rgba[2], rgba[3]);
    paint.anti_alias = true;
    let stroke = Stroke {
        width,
        line_join: tiny_skia::LineJoin::Round,
        line_cap: tiny_skia::LineCap::Round,
        dash: dash.and_then(|[on, off]| StrokeDash::new(vec![on, off], 0.0)),
        ..Default::default()
    };
    pm.stroke_path(&path, &paint, &stroke, Transform::identity(), None);
}

/// Fills a path already in pixels (non-zero winding), as every painter does.
pub(super) fn fill(pm: &mut Pixmap, path: &Path, paint: &Paint) {
    pm.fill_path(path, paint, FillRule::Winding, Transform::identity(), None);
}
