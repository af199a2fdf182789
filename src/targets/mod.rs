//! What the network learns: a binary image over the unit square, or labelled points
//! ([`points`]), or nothing at all (a network imported without a target: the views show
//! its prediction only).
//!
//! Orientation, used everywhere in ginn: pixel `(col, row)` of a `width × height` target has
//! its centre at input `x = (col + ½)/width`, `y = (row + ½)/height`. `x` grows to the right
//! and `y` grows *downwards*, as in the image, so left–right and top–bottom in the image are
//! the same in every view, figure and movie. (The report's script fed `(row/H, col/W)`:
//! the same data with the two inputs swapped and a half-pixel shift.)

mod image_file;
pub mod points;
mod shapes;

pub use image_file::{DEFAULT_THRESHOLD, load_image};
pub use points::{Generator, PointSpec, Points, PointsError};
pub use shapes::Shape;

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// The largest training resolution accepted (a side of the square target).
pub const MAX_RESOLUTION: u32 = 4096;

/// A black-and-white image: class 1 = white, class 0 = not white.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub width: u32,
    pub height: u32,
    /// Row-major, row 0 at the top.
    pub white: Vec<bool>,
}

/// What a run learns from: every pixel of an image, or labelled points, or nothing.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    Image(Target),
    Points(Points),
    /// No target (an imported network): no loss, no accuracy, prediction only.
    Nothing,
}

impl Data {
    /// The training set: inputs `[n][2]` and classes (empty for `Nothing`).
    pub fn training(&self) -> (Vec<f32>, Vec<u8>) {
        match self {
            Data::Image(t) => t.dataset(),
            Data::Points(p) => p.training(),
            Data::Nothing => (vec![], vec![]),
        }
    }

    /// The held-out points, when there are any.
    pub fn testing(&self) -> Option<(Vec<f32>, Vec<u8>)> {
        match self {
            Data::Points(p) if p.test.iter().any(|&t| t) => Some(p.testing()),
            _ => None,
        }
    }

    pub fn image(&self) -> Option<&Target> {
        match self {
            Data::Image(t) => Some(t),
            _ => None,
        }
    }

    pub fn points(&self) -> Option<&Points> {
        match self {
            Data::Points(p) => Some(p),
            _ => None,
        }
    }

    /// The domain a run on this data shows unless told otherwise: the points' own, else
    /// the unit square drawn as an image.
    pub fn default_domain(&self) -> crate::domain::Domain {
        match self {
            Data::Points(p) => p.domain,
            _ => crate::domain::Domain::UNIT,
        }
    }
}

impl From<Target> for Data {
    fn from(t: Target) -> Self {
        Data::Image(t)
    }
}

/// Where a target comes from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TargetSource {
    Builtin(Shape),
    Image {
        path: PathBuf,
        threshold: u8,
    },
    Points(PointSpec),
    /// Nothing to learn from: an imported network shown as it is.
    None,
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error("cannot read image {path}: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("resolution must be 2 to {MAX_RESOLUTION}, got {0}")]
    Resolution(u32),
    #[error("target is `{0}`: not a built-in shape ({list}) nor an existing image file", list = Shape::names().join(", "))]
    Unknown(String),
    #[error(transparent)]
    Points(#[from] PointsError),
    #[error("the run has no target to train on (an imported network); give --target or --points")]
    Nothing,
}

impl TargetSource {
    /// Parses `--target`: a built-in name, else a path to an image file.
    pub fn parse(s: &str, threshold: u8) -> Result<Self, TargetError> {
        if let Ok(shape) = s.parse::<Shape>() {
            return Ok(TargetSource::Builtin(shape));
        }
        let path = PathBuf::from(s);
        if path.exists() {
            Ok(TargetSource::Image { path, threshold })
        } else {
            Err(TargetError::Unknown(s.into()))
        }
    }

    /// Short name for titles and summaries.
    pub fn name(&self) -> String {
        match self {
            TargetSource::Builtin(s) => s.to_string(),
            TargetSource::Image { path, .. } => path.display().to_string(),
            TargetSource::Points(p) => p.name(),
            TargetSource::None => "no target".into(),
        }
    }

    /// Draws or loads the target at `resolution × resolution`, or makes the points.
    pub fn build(&self, resolution: u32) -> Result<Data, TargetError> {
        match self {
            TargetSource::Builtin(shape) => {
                check_resolution(resolution)?;
                Ok(Data::Image(shape.draw(resolution)))
            }
            TargetSource::Image { path, threshold } => {
                check_resolution(resolution)?;
                load_image(path, resolution, *threshold).map(Data::Image)
            }
            TargetSource::Points(spec) => Ok(Data::Points(spec.build()?)),
            TargetSource::None => Ok(Data::Nothing),
        }
    }
}

pub(crate) fn check_resolution(resolution: u32) -> Result<(), TargetError> {
    if (2..=MAX_RESOLUTION).contains(&resolution) {
        Ok(())
    } else {
        Err(TargetError::Resolution(resolution))
    }
}

impl Target {
    /// Samples `white(x, y)` at every pixel centre.
    pub fn from_fn(width: u32, height: u32, white: impl Fn(f64, f64) -> bool) -> Self {
        let mut bits = Vec::with_capacity((width * height) as usize);
        for row in 0..height {
            for col in 0..width {
                let (x, y) = Self::centre(col, row, width, height);
                bits.push(white(x, y));
            }
        }
        Self {
            width,
            height,
            white: bits,
        }
    }

    /// Whether the pixel at input point `(x, y)` of the unit square is white (points on
    /// or past the far edges take the edge's pixels).
    pub fn white_at(&self, x: f64, y: f64) -> bool {
        let (c, r) = (
            (x * self.width as f64) as u32,
            (y * self.height as f64) as u32,
        );
        self.white[(r.min(self.height - 1) * self.width + c.min(self.width - 1)) as usize]
    }

    /// Input coordinates of the centre of pixel `(col, row)`.
    pub fn centre(col: u32, row: u32, width: u32, height: u32) -> (f64, f64) {
        (
            (col as f64 + 0.5) / width as f64,
            (row as f64 + 0.5) / height as f64,
        )
    }

    pub fn len(&self) -> usize {
        self.white.len()
    }

    pub fn is_empty(&self) -> bool {
        self.white.is_empty()
    }

    /// Fraction of white pixels.
    pub fn white_fraction(&self) -> f64 {
        self.white.iter().filter(|&&w| w).count() as f64 / self.len().max(1) as f64
    }

    /// The training set: every pixel's input location (`[n][2]`, f32) and class.
    pub fn dataset(&self) -> (Vec<f32>, Vec<u8>) {
        let mut inputs = Vec::with_capacity(self.len() * 2);
        for row in 0..self.height {
            for col in 0..self.width {
                let (x, y) = Self::centre(col, row, self.width, self.height);
                inputs.extend([x as f32, y as f32]);
            }
        }
        (inputs, self.white.iter().map(|&w| u8::from(w)).collect())
    }

    /// Rows as strings of `0` (black) and `1` (white): the run file's encoding.
    pub fn to_rows(&self) -> Vec<String> {
        self.white
            .chunks(self.width as usize)
            .map(|r| r.iter().map(|&w| if w { '1' } else { '0' }).collect())
            .collect()
    }

    pub fn from_rows(rows: &[String]) -> Result<Self, String> {
        let height = rows.len();
        let width = rows.first().map_or(0, |r| r.len());
        if width < 2
            || height < 2
            || width > MAX_RESOLUTION as usize
            || height > MAX_RESOLUTION as usize
        {
            return Err(format!(
                "target bitmap is {width}×{height}; expected 2 to {MAX_RESOLUTION} on each side"
            ));
        }
        let mut white = Vec::with_capacity(width * height);
        for (i, r) in rows.iter().enumerate() {
            if r.len() != width {
                return Err(format!(
                    "target row {i} has {} pixels, expected {width}",
                    r.len()
                ));
            }
            for c in r.chars() {
                white.push(match c {
                    '1' => true,
                    '0' => false,
                    _ => return Err(format!("target row {i} has `{c}`; rows hold only 0 and 1")),
                });
            }
        }
        Ok(Self {
            width: width as u32,
            height: height as u32,
            white,
        })
    }

    /// Greyscale picture of the target (white = 255).
    pub fn to_gray(&self) -> Vec<u8> {
        self.white
            .iter()
            .map(|&w| if w { 255 } else { 0 })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_reject_garbage() {
        let t = Shape::Rings.draw(17);
        assert_eq!(Target::from_rows(&t.to_rows()).unwrap(), t);
        assert!(
            Target::from_rows(&["01".into(), "0".into()])
                .unwrap_err()
                .contains("row 1")
        );
        assert!(
            Target::from_rows(&["0x".into(), "01".into()])
                .unwrap_err()
                .contains("`x`")
        );
    }

    #[test]
    fn parse_names_and_paths() {
        assert_eq!(
            TargetSource::parse("bottle", 128).unwrap(),
            TargetSource::Builtin(Shape::Bottle)
        );
        let e = TargetSource::parse("no-such-shape-or-file", 128)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("no-such-shape-or-file") && e.contains("bottle"),
            "{e}"
        );
        assert!(TargetSource::Builtin(Shape::Disc).build(1).is_err());
    }

    #[test]
    fn dataset_uses_pixel_centres_left_to_right() {
        let t = Target::from_fn(4, 2, |x, _| x < 0.5);
        let (inputs, labels) = t.dataset();
        assert_eq!(&inputs[..4], &[0.125, 0.25, 0.375, 0.25]);
        assert_eq!(labels, vec![1, 1, 0, 0, 1, 1, 0, 0]);
    }
}
