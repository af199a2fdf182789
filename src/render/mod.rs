//! CPU rendering of what the viewer shows: the prediction image under each neuron's exact
//! boundary, as raster frames (tiny-skia, anti-aliased), SVG figures, and movies.

pub mod frame;
pub mod layer_space;
pub mod movie;
mod phenomena;
pub mod picture;
pub mod style;
mod surface;
pub mod svg;
pub mod text;

pub use crate::geometry::raster::{fill_regions, prediction, region_index};

/// Which hidden layers are drawn: the one layer-visibility mask of the viewer, movies,
/// figures and `--layers`. Layers past its end are drawn.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LayerMask(Vec<bool>);

impl LayerMask {
    /// Exactly these layers of `layers` (0-based).
    pub fn only(shown: impl IntoIterator<Item = usize>, layers: usize) -> Self {
        let mut m = Self(vec![false; layers]);
        for l in shown {
            m.set(l, true);
        }
        m
    }

    pub fn shows(&self, l: usize) -> bool {
        self.0.get(l).copied().unwrap_or(true)
    }

    pub fn set(&mut self, l: usize, shown: bool) {
        if self.0.len() <= l {
            self.0.resize(l + 1, true);
        }
        self.0[l] = shown;
    }

    /// Every layer drawn, or none of the first `layers`.
    pub fn all(shown: bool, layers: usize) -> Self {
        Self(vec![shown; layers])
    }
}

/// Colour of hidden layer `l` (0-based): the report's blue, red, green, then more.
pub fn layer_color(l: usize) -> [u8; 3] {
    const COLORS: [[u8; 3]; 8] = [
        [30, 90, 255],  // blue
        [230, 30, 30],  // red
        [20, 170, 40],  // green
        [230, 140, 0],  // orange
        [150, 60, 200], // purple
        [0, 170, 190],  // teal
        [210, 60, 150], // pink
        [120, 90, 40],  // brown
    ];
    COLORS[l % COLORS.len()]
}

/// Colour of a data point of class `label` (Playground's: orange for 1, blue for 0).
pub fn point_color(label: u8) -> [u8; 3] {
    if label == 1 {
        [245, 147, 34]
    } else {
        [8, 119, 189]
    }
}

/// Radius of a data point's dot in a picture `side` pixels across.
pub fn point_radius(side: f32) -> f32 {
    (side / 160.0).clamp(2.0, 6.0)
}

/// `#rrggbb` of a colour.
pub fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// A colour for a region, from its stable id: the same region keeps its colour.
pub fn region_color(id: u64) -> [u8; 3] {
    let h = (id.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40) as f32 / (1u64 << 24) as f32;
    hsv(h, 0.55, 0.95)
}

/// A facet of the output surface: its region's colour, or (`by_class`) light where the
/// network says white and dark where it says black.
pub fn facet_color(f: &crate::geometry::surface::Facet, by_class: bool) -> [u8; 3] {
    match (by_class, f.positive) {
        (false, _) => region_color(f.id),
        (true, true) => [235, 235, 235],
        (true, false) => [45, 45, 50],
    }
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - f * s), v * (1.0 - (1.0 - f) * s));
    let (r, g, b) = match i as i32 % 6 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8]
}
