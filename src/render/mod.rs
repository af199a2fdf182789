//! CPU rendering of what the viewer shows: the prediction image under each neuron's exact
//! boundary, as raster frames (tiny-skia, anti-aliased), SVG figures, and movies.

pub mod prediction;
pub mod svg;

pub use prediction::prediction;

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

/// `#rrggbb` of a colour.
pub fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}
