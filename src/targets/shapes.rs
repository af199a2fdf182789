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
/// tall body with rounded bottom corners, and a diamond label (white diamond, thin black
/// ring, white ring) centred on the body.
fn bottle_black(x: f64, y: f64) -> bool {
    let dx = (x - 0.5).abs();
    let cap = dx <= 0.078 && (0.02..0.115).contains(&y);
    let neck = dx <= 0.066 && (0.115..0.19).contains(&y);
    let shoulder = (0.19..0.285).contains(&y) && {
        let u = (y - 0.19) / 0.095;
        // Half linear, half quarter-sine: a straight slope that rounds into the body.
        dx <= 0.08 + 0.155 * (0.5 * u + 0.5 * (u * std::f64::consts::FRAC_PI_2).sin())
    };
    let body = dx <= 0.235 && (0.285..0.98).contains(&y) && {
        // Rounded bottom corners of radius r.
        let r = 0.03;
        let (cx, cy) = (0.235 - r, 0.98 - r);
        !(dx > cx && y > cy) || (dx - cx).hypot(y - cy) <= r
    };
    if !(cap || neck || shoulder || body) {
        return false;
    }
    let d = dx + (y - 0.62).abs();
    !(d < 0.176 || (0.194..0.222).contains(&d))
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
