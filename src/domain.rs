//! A run's input domain: the rectangle of the network's own input coordinates that the
//! views show.
//!
//! Networks always take their inputs in their own coordinates (a point dataset's, a
//! PyTorch network's). Everything that draws or measures works in the *view square*
//! `[0, 1]²` (`v` down, as an image's rows): the domain's affine map onto it is folded
//! exactly into the first layer ([`Domain::fold`]), so the exact geometry, the rasters and
//! the analysis need no change, and a ginn image run, whose domain is the unit square
//! itself, folds to the very same network.

use crate::nn::Network;
use serde::{Deserialize, Serialize};

/// Widest domain accepted: the fold multiplies layer-1 weights by the width, and a box
/// wider than this leaves nothing of `f32`'s precision to draw with.
pub const MAX_SPAN: f64 = 1e12;

/// A rectangle of input coordinates, `x0 < x1`, `y0 < y1`, and which way `y` is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Domain {
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    /// `true`: `y` grows upwards, as in a plot (point data, PyTorch networks); `false`: `y`
    /// grows downwards, as an image's rows (ginn's image runs, whose input is the pixel).
    #[serde(default)]
    pub y_up: bool,
}

impl Default for Domain {
    fn default() -> Self {
        Self::UNIT
    }
}

/// Why a `--domain` value was refused.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DomainError {
    #[error("--domain must be X0,X1,Y0,Y1 (four numbers) or `all`, got `{0}`")]
    Syntax(String),
    #[error("--domain needs X0 < X1 and Y0 < Y1, got x {0} to {1}, y {2} to {3}")]
    Empty(f64, f64, f64, f64),
    #[error(
        "--domain x {0} to {1}, y {2} to {3} is too wide or too narrow for 32-bit weights: each side must span 1e-9 to {MAX_SPAN:e} and at least a millionth of its distance from 0"
    )]
    Scale(f64, f64, f64, f64),
}

impl Domain {
    /// The unit square drawn as an image (`y` down): ginn's image runs.
    pub const UNIT: Domain = Domain {
        x0: 0.0,
        x1: 1.0,
        y0: 0.0,
        y1: 1.0,
        y_up: false,
    };

    /// TensorFlow Playground's `[−6, 6]²`, `y` up: the point generators'.
    pub const PLAYGROUND: Domain = Domain {
        x0: -6.0,
        x1: 6.0,
        y0: -6.0,
        y1: 6.0,
        y_up: true,
    };

    /// A checked rectangle drawn with `y` up.
    pub fn new(x0: f64, x1: f64, y0: f64, y1: f64) -> Result<Self, DomainError> {
        let d = Self {
            x0,
            x1,
            y0,
            y1,
            y_up: true,
        };
        d.check().map(|_| d)
    }

    /// Refuses empty, non-finite, or absurdly wide or thin rectangles (their fold into
    /// `f32` weights would lose the picture).
    pub fn check(&self) -> Result<(), DomainError> {
        let (x0, x1, y0, y1) = (self.x0, self.x1, self.y0, self.y1);
        if !(x0 < x1 && y0 < y1 && [x0, x1, y0, y1].iter().all(|v| v.is_finite())) {
            return Err(DomainError::Empty(x0, x1, y0, y1));
        }
        let fits = |a: f64, b: f64| {
            let span = b - a;
            span.is_finite()
                && (1e-9..=MAX_SPAN).contains(&span)
                && span >= 1e-6 * a.abs().max(b.abs())
        };
        if fits(x0, x1) && fits(y0, y1) {
            Ok(())
        } else {
            Err(DomainError::Scale(x0, x1, y0, y1))
        }
    }

    pub fn is_unit(&self) -> bool {
        *self == Self::UNIT
    }

    /// The same orientation over another rectangle (a `--domain` override).
    pub fn with_rect(&self, r: Domain) -> Self {
        Self {
            y_up: self.y_up,
            ..r
        }
    }

    /// The box around points with a 5 % margin on each side, so no point sits on the edge
    /// (a degenerate range gets a width of 1), `y` up.
    pub fn around(points: impl Iterator<Item = [f64; 2]> + Clone) -> Self {
        let range = |k: usize| {
            let (lo, hi) = points
                .clone()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p[k]), hi.max(p[k]))
                });
            let span = if hi > lo { hi - lo } else { 1.0 };
            (lo - 0.05 * span, hi + 0.05 * span)
        };
        let ((x0, x1), (y0, y1)) = (range(0), range(1));
        Self {
            x0,
            x1,
            y0,
            y1,
            y_up: true,
        }
    }

    /// View square `(u, v)` (`v` down) → the network's input.
    pub fn to_input(&self, u: f64, v: f64) -> [f64; 2] {
        let (oy, sy) = self.y_axis();
        [self.x0 + u * (self.x1 - self.x0), oy + v * sy]
    }

    /// The network's input → the view square.
    pub fn to_view(&self, x: f64, y: f64) -> [f64; 2] {
        let (oy, sy) = self.y_axis();
        [(x - self.x0) / (self.x1 - self.x0), (y - oy) / sy]
    }

    /// Input `y` at the view's top edge, and its change from top to bottom.
    fn y_axis(&self) -> (f64, f64) {
        if self.y_up {
            (self.y1, self.y0 - self.y1)
        } else {
            (self.y0, self.y1 - self.y0)
        }
    }

    /// Distances in the view square → input units, per axis (for thresholds stated in
    /// the domain's units).
    pub fn scale(&self) -> [f64; 2] {
        [self.x1 - self.x0, self.y1 - self.y0]
    }

    /// The network that takes view-square points: the domain's affine map folded into the
    /// first layer, computed in `f64` and kept so for everything that computes in `f64`
    /// (the geometry, the rasters), rounded once to `f32` in `params`. For the unit square
    /// drawn `y` down it is the network itself, bit for bit.
    pub fn fold(&self, net: &Network) -> Network {
        if self.is_unit() {
            return net.clone();
        }
        let (oy, sy) = self.y_axis();
        let sx = self.x1 - self.x0;
        let mut out = net.clone();
        let units = net.arch.fan_out(0);
        let w = net.weight(0);
        let b = net.bias(0);
        let mut exact = vec![0.0; 3 * units];
        for j in 0..units {
            let (wx, wy) = (w[2 * j] as f64, w[2 * j + 1] as f64);
            exact[2 * j] = wx * sx;
            exact[2 * j + 1] = wy * sy;
            exact[2 * units + j] = b[j] as f64 + wx * self.x0 + wy * oy;
        }
        let o = net.arch.offset(0);
        for (p, e) in out.params[o..o + 3 * units].iter_mut().zip(&exact) {
            *p = *e as f32;
        }
        out.first_f64 = Some(exact.into());
        out
    }

    /// Polylines of the view square in the network's own input coordinates.
    pub fn lines_to_input(&self, lines: &[Vec<[f64; 2]>]) -> Vec<Vec<[f64; 2]>> {
        lines
            .iter()
            .map(|l| l.iter().map(|p| self.to_input(p[0], p[1])).collect())
            .collect()
    }

    /// `x -6 to 6, y -6 to 6` (to a thousandth of the span, for reading).
    pub fn ranges(&self) -> String {
        let [sx, sy] = self.scale();
        format!(
            "x {} to {}, y {} to {}",
            to_span(self.x0, sx),
            to_span(self.x1, sx),
            to_span(self.y0, sy),
            to_span(self.y1, sy)
        )
    }

    /// The bottom-left and top-right corners of a part of the view square
    /// (`[u0, v0, u1, v1]`, `v` down; the whole square is `[0, 0, 1, 1]`) in input units,
    /// as axis labels: `(-6, -6)` and `(6, 6)`.
    pub fn corner_labels(&self, view: [f64; 4]) -> [String; 2] {
        let [u0, v0, u1, v1] = view;
        let [a, b] = [self.to_input(u0, v1), self.to_input(u1, v0)];
        let (sx, sy) = ((b[0] - a[0]).abs(), (b[1] - a[1]).abs());
        [
            format!("({}, {})", to_span(a[0], sx), to_span(a[1], sy)),
            format!("({}, {})", to_span(b[0], sx), to_span(b[1], sy)),
        ]
    }

    /// `X0,X1,Y0,Y1` as `--domain` takes it (exact: Rust prints the shortest round trip).
    pub fn arg(&self) -> String {
        format!("{},{},{},{}", self.x0, self.x1, self.y0, self.y1)
    }
}

/// `v` to a thousandth of `span` (at least), without trailing zeros: an axis label.
pub fn to_span(v: f64, span: f64) -> String {
    let digits = (3 - span.abs().log10().floor() as i32).clamp(0, 15) as usize;
    let s = format!("{v:.digits$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" { "0".into() } else { s }
}

/// Six significant digits, without trailing zeros: labels, not data.
pub fn short(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let digits = (5 - v.abs().log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// `--domain`: a rectangle, or `all` (a box holding every vertex of the whole plane's
/// arrangement: see [`crate::geometry::whole_plane_box`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DomainArg {
    Rect(Domain),
    All,
}

impl std::str::FromStr for DomainArg {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, DomainError> {
        if s.trim() == "all" {
            return Ok(Self::All);
        }
        let v: Vec<f64> = s
            .split(',')
            .map(|p| p.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| DomainError::Syntax(s.into()))?;
        match v[..] {
            [x0, x1, y0, y1] => Domain::new(x0, x1, y0, y1).map(Self::Rect),
            _ => Err(DomainError::Syntax(s.into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Architecture;
    use rand::SeedableRng;

    fn net() -> Network {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        Network::init(Architecture::new(&[8, 8]).unwrap(), &mut rng)
    }

    #[test]
    fn the_fold_gives_the_networks_own_logits_at_the_mapped_points() {
        let net = net();
        for d in [
            Domain::PLAYGROUND,
            Domain::new(90.0, 310.0, 4.5, 15.5).unwrap(),
            Domain::new(-1e4, 1e4, -3e3, 5e3).unwrap(),
            Domain {
                y_up: false,
                ..Domain::new(-1.0, 1.0, -2.0, 2.0).unwrap()
            },
        ] {
            let folded = d.fold(&net);
            for (u, v) in [(0.0, 0.0), (0.3, 0.9), (1.0, 1.0), (0.71, 0.05)] {
                let [x, y] = d.to_input(u, v);
                let a = net.outputs(x, y);
                let b = folded.outputs(u, v);
                // Relative to the size of the terms of the first layer's sums.
                let scale = 1.0 + x.abs().max(y.abs());
                for (a, b) in a.iter().zip(&b) {
                    assert!(
                        (a - b).abs() <= 1e-6 * scale * (1.0 + a.abs()),
                        "{d:?} at ({u}, {v}): {a} vs {b}"
                    );
                }
                let back = d.to_view(x, y);
                assert!((back[0] - u).abs() < 1e-12 && (back[1] - v).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn the_unit_square_folds_to_the_same_network_and_up_is_up() {
        let net = net();
        assert_eq!(Domain::UNIT.fold(&net), net);
        let d = Domain::PLAYGROUND;
        assert_eq!(d.to_input(0.0, 0.0), [-6.0, 6.0], "top-left is (x0, y1)");
        assert_eq!(d.to_input(1.0, 1.0), [6.0, -6.0]);
        assert_eq!(Domain::UNIT.to_input(0.25, 0.75), [0.25, 0.75]);
        assert_eq!(
            d.corner_labels([0.0, 0.0, 1.0, 1.0]),
            ["(-6, -6)".to_string(), "(6, 6)".into()]
        );
        assert_eq!(
            d.corner_labels([0.5, 0.0, 1.0, 0.5]),
            ["(0, 0)".to_string(), "(6, 6)".into()]
        );
    }

    #[test]
    fn bad_domains_are_refused_with_the_reason() {
        let p = |s: &str| s.parse::<DomainArg>();
        assert_eq!(p("-6,6,-6,6"), Ok(DomainArg::Rect(Domain::PLAYGROUND)));
        assert_eq!(p("all"), Ok(DomainArg::All));
        assert!(matches!(p("1,2,3"), Err(DomainError::Syntax(_))));
        assert!(matches!(p("a,b,c,d"), Err(DomainError::Syntax(_))));
        assert!(matches!(p("1,0,0,1"), Err(DomainError::Empty(..))));
        assert!(matches!(p("0,inf,0,1"), Err(DomainError::Empty(..))));
        assert!(matches!(p("0,1e300,0,1"), Err(DomainError::Scale(..))));
        assert!(matches!(p("1e6,1e6+1,0,1"), Err(DomainError::Syntax(_))));
        assert!(matches!(
            p("1000000,1000000.0001,0,1"),
            Err(DomainError::Scale(..))
        ));
        let e = p("0,1,1,1").unwrap_err().to_string();
        assert!(e.contains("Y0 < Y1"), "{e}");
    }

    #[test]
    fn labels_are_short_and_exact_arguments_round_trip() {
        assert_eq!(short(0.1 + 0.2), "0.3");
        assert_eq!(short(-6.0), "-6");
        assert_eq!(short(123456.7), "123457");
        assert_eq!(short(1.5e-7), "0.00000015");
        assert_eq!(to_span(-6.87374, 13.8), "-6.87");
        assert_eq!(to_span(-388.71, 474.0), "-388.7");
        assert_eq!(to_span(0.12345, 1.0), "0.123");
        assert_eq!(to_span(-0.0001, 1.0), "0");
        assert_eq!(to_span(123456.0, 2e6), "123456");
        let d = Domain::new(0.1 + 0.2, 1.0 / 3.0 + 1.0, -2.5, 1e-3).unwrap();
        assert_eq!(d.arg().parse::<DomainArg>(), Ok(DomainArg::Rect(d)));
    }
}
