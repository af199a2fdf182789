//! Built-in targets, drawn in code at any resolution: the report's gin bottle and a few
//! shapes for exploring how the network spends its units.

use super::Target;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Shape {
    /// The report's target: a black gin bottle with a white diamond label, on white.
    Bottle,
    Disc,
    Rings,
    Checkerboard,
    Spiral,
    Moons,
}

impl Shape {
    pub const ALL: [Shape; 6] = [
        Shape::Bottle,
        Shape::Disc,
        Shape::Rings,
        Shape::Checkerboard,
        Shape::Spiral,
        Shape::Moons,
    ];

    pub fn names() -> Vec<String> {
        Self::ALL.iter().map(|s| s.to_string()).collect()
    }

    /// Whether the point (x, y) of the unit square (y down) is white.
    pub fn white_at(self, x: f64, y: f64) -> bool {
        match self {
            Shape::Bottle => !bottle_black(x, y),
            Shape::Disc => (x - 0.5).hypot(y - 0.5) < 0.35,
            Shape::Rings => {
                let r = (x - 0.5).hypot(y - 0.5);
                r < 0.45 && ((r / 0.09) as u32).is_multiple_of(2)
            }
            Shape::Checkerboard => ((x * 4.0) as u32 + (y * 4.0) as u32).is_multiple_of(2),
            Shape::Spiral => spiral(x, y),
            Shape::Moons => moons(x, y),
        }
    }

    pub fn draw(self, resolution: u32) -> Target {
        Target::from_fn(resolution, resolution, |x, y| self.white_at(x, y))
    }
}

/// The bottle, drawn as a union of simple pieces in unit-square coordinates. Its
/// proportions follow the report's picture: a cap, a narrow neck, a curved shoulder, a
/// tall body with rounded bottom corners, and a diamond label centred on the body — a
/// white diamond, a black band around it and a thin white outline. At 200×200 its
/// components are within 10 % of the report's image in area and thickness (tested): what
/// a network finds hard there (the thin outline, the band) is what it finds hard here.
fn bottle_black(x: f64, y: f64) -> bool {
    let dx = (x - 0.5).abs();
    let cap = dx <= 0.078 && (0.02..0.115).contains(&y);
    let neck = dx <= 0.066 && (0.115..0.19).contains(&y);
    // Edges fall between pixel centres (which lie at odd multiples of 1/400 at 200 px), so
    // that the two halves round alike.
    let shoulder = (0.19..0.25).contains(&y) && {
        let u = (y - 0.19) / 0.06;
        // Half linear, half quarter-sine: a straight slope that rounds into the body.
        dx <= 0.08 + 0.1635 * (0.5 * u + 0.5 * (u * std::f64::consts::FRAC_PI_2).sin())
    };
    let body = dx <= 0.2435 && (0.25..0.98).contains(&y) && {
        // Rounded bottom corners of radius r.
        let r = 0.03;
        let (cx, cy) = (0.2435 - r, 0.98 - r);
        !(dx > cx && y > cy) || (dx - cx).hypot(y - cy) <= r
    };
    if !(cap || neck || shoulder || body) {
        return false;
    }
    // The label, in L1 distance from its centre: white diamond, black band, white outline
    // (a little thicker at its four corners, as the report's thresholded outline is).
    let dy = (y - 0.60).abs();
    let d = dx + dy;
    let corner = dx < 0.011 || dy < 0.011;
    let outline = (0.203..0.2141).contains(&d) || (corner && (0.203..0.2191).contains(&d));
    !(d < 0.1715 || outline)
}

fn spiral(x: f64, y: f64) -> bool {
    let (u, v) = (x - 0.5, y - 0.5);
    let r = u.hypot(v);
    if r > 0.47 {
        return false;
    }
    let turns = 1.75;
    let phase = v.atan2(u) / std::f64::consts::TAU + r / 0.47 * turns;
    phase.rem_euclid(1.0) < 0.5
}

fn moons(x: f64, y: f64) -> bool {
    let arc = |cx: f64, cy: f64, upper: bool| {
        let r = (x - cx).hypot(y - cy);
        (0.14..0.24).contains(&r) && ((y < cy) == upper)
    };
    arc(0.4, 0.5, true) || arc(0.6, 0.55, false)
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Shape::Bottle => "bottle",
            Shape::Disc => "disc",
            Shape::Rings => "rings",
            Shape::Checkerboard => "checkerboard",
            Shape::Spiral => "spiral",
            Shape::Moons => "moons",
        };
        f.write_str(s)
    }
}

impl FromStr for Shape {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL
            .into_iter()
            .find(|shape| shape.to_string() == s)
            .ok_or(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bottle_is_left_right_symmetric_and_has_its_label() {
        let t = Shape::Bottle.draw(200);
        let at = |c: u32, r: u32| t.white[(r * 200 + c) as usize];
        for r in 0..200 {
            for c in 0..100 {
                assert_eq!(at(c, r), at(199 - c, r), "row {r} col {c}");
            }
        }
        // Corners white, body black, label centre white, the label's black ring present.
        assert!(at(0, 0) && at(199, 199));
        assert!(!at(100, 180) && !at(60, 100));
        assert!(at(100, 124));
        let ring_row = 124usize;
        let transitions = (1..200)
            .filter(|&c| at(c, ring_row as u32) != at(c - 1, ring_row as u32))
            .count();
        // black body | white ring | black ring | white centre | black ring | white ring | black body
        assert_eq!(
            transitions, 8,
            "outside→body, 3 label edges each side, body→outside"
        );
        let f = t.white_fraction();
        assert!((0.5..0.75).contains(&f), "white fraction {f}");
    }

    #[test]
    fn every_shape_has_both_classes_at_any_resolution() {
        for s in Shape::ALL {
            for res in [16, 64, 333] {
                let f = s.draw(res).white_fraction();
                assert!(f > 0.05 && f < 0.95, "{s} at {res}: {f}");
            }
            assert_eq!(s.to_string().parse::<Shape>(), Ok(s));
        }
    }
}

#[cfg(test)]
mod bottle_tests {
    use super::*;

    /// The report's image at 200×200 (white = exactly 255 after resizing), by component:
    /// (depth, class, pixels, inscribed radius in px), as measured on it.
    const REPORT: [(usize, u8, usize, f64); 5] = [
        (0, 1, 24_100, f64::NAN),
        (1, 0, 12_202, f64::NAN),
        (2, 1, 366, 1.4),
        (3, 0, 952, 3.0),
        (4, 1, 2_380, 24.0),
    ];

    #[test]
    fn the_bottles_components_are_the_reports_within_ten_percent() {
        let c = crate::analysis::features::components(&Shape::Bottle.draw(200));
        assert_eq!(c.len(), 5, "{c:?}");
        for ((depth, class, area, radius), got) in REPORT.iter().zip(&c) {
            assert_eq!((got.depth, got.class), (*depth, *class));
            let off = (got.area as f64 / *area as f64 - 1.0).abs();
            assert!(off <= 0.10, "depth {depth}: {} px against {area}", got.area);
            if radius.is_finite() {
                assert!(
                    (got.thickness - radius).abs() <= 0.1 * radius + 0.15,
                    "depth {depth}: thickness {} against {radius}",
                    got.thickness
                );
            }
        }
    }
}
