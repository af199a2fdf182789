//! Point datasets: TensorFlow Playground's four (circle, XOR, Gaussian clusters, spiral)
//! and CSV files of labelled points, kept in their own coordinates (the network is trained
//! on them as they are, as PyTorch would be), with the domain the views show by default.
//!
//! The generators follow Playground's `dataset.ts` (same shapes, noise and ±6 domain),
//! with ginn's own random stream, so a run file records the exact points it trained on.

use crate::domain::Domain;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Most points a dataset may hold (a CSV larger than this is refused, not truncated).
pub const MAX_POINTS: usize = 1_000_000;

/// Labelled points, some held out for testing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Points {
    /// Positions: the network's inputs, in the data's own coordinates (run files before
    /// domains held them mapped into the unit square, and their networks took them so).
    pub xy: Vec<[f32; 2]>,
    /// 1 = the white class (Playground's orange, +1), 0 = the other.
    pub label: Vec<u8>,
    /// Held out: never drawn into a batch, only evaluated.
    pub test: Vec<bool>,
    /// What the views show of them by default: Playground's ±6 for its generators, the
    /// points' box and a 5 % margin for a CSV (the unit square, `y` down, in older files).
    #[serde(default)]
    pub domain: Domain,
}

impl Points {
    fn split(&self, test: bool) -> (Vec<f32>, Vec<u8>) {
        let mut inputs = Vec::new();
        let mut labels = Vec::new();
        for ((p, &l), &t) in self.xy.iter().zip(&self.label).zip(&self.test) {
            if t == test {
                inputs.extend(p);
                labels.push(l);
            }
        }
        (inputs, labels)
    }

    /// The training points (`[n][2]`) and labels.
    pub fn training(&self) -> (Vec<f32>, Vec<u8>) {
        self.split(false)
    }

    /// The held-out points and labels.
    pub fn testing(&self) -> (Vec<f32>, Vec<u8>) {
        self.split(true)
    }

    pub fn len(&self) -> usize {
        self.xy.len()
    }

    pub fn is_empty(&self) -> bool {
        self.xy.is_empty()
    }

    /// Checks a set read from a run file.
    pub fn check(&self) -> Result<(), String> {
        let n = self.xy.len();
        if n == 0 || self.label.len() != n || self.test.len() != n {
            return Err(format!(
                "the points have {n} positions, {} labels and {} test flags",
                self.label.len(),
                self.test.len()
            ));
        }
        if self.label.iter().any(|&l| l > 1) {
            return Err("point labels must be 0 or 1".into());
        }
        if self.test.iter().all(|&t| t) {
            return Err("every point is held out: there is nothing to train on".into());
        }
        Ok(())
    }
}

/// Playground's four datasets.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Generator {
    Circle,
    Xor,
    Gauss,
    Spiral,
}

impl Generator {
    pub const ALL: [Generator; 4] = [Self::Circle, Self::Xor, Self::Gauss, Self::Spiral];

    pub fn name(self) -> &'static str {
        match self {
            Self::Circle => "circle",
            Self::Xor => "xor",
            Self::Gauss => "gauss",
            Self::Spiral => "spiral",
        }
    }
}

/// A point dataset's recipe (`--points`, `--noise`, `--count`, `--test-fraction`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointSpec {
    pub source: PointSource,
    /// Playground's noise, 0–50 (percent); generators only.
    #[serde(default)]
    pub noise: u32,
    /// Number of points to generate; generators only.
    #[serde(default = "default_count")]
    pub count: usize,
    /// Fraction of the points held out for testing (Playground's default is half).
    pub test_fraction: f64,
    /// Seed of the generator's noise and of the test split (not the training seed, so a
    /// sweep over seeds trains on the same points).
    #[serde(default)]
    pub seed: u64,
}

fn default_count() -> usize {
    DEFAULT_COUNT
}

/// Playground's share of points held out for testing (half).
pub const DEFAULT_TEST_FRACTION: f64 = 0.5;

/// Playground's number of points.
pub const DEFAULT_COUNT: usize = 500;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PointSource {
    Generator(Generator),
    Csv(PathBuf),
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PointsError {
    #[error("--noise must be 0 to 50 (percent, as in Playground), got {0}")]
    Noise(u32),
    #[error("--count must be 2 to {MAX_POINTS}, got {0}")]
    Count(usize),
    #[error("--test-fraction must be at least 0 and below 1, got {0}")]
    TestFraction(f64),
    #[error("{path}: {problem}")]
    Csv { path: PathBuf, problem: String },
}

impl PointSpec {
    /// Parses `--points`: a generator's name, else a CSV file.
    pub fn parse(points: &str, noise: u32, count: usize, test_fraction: f64, seed: u64) -> Self {
        let source = match points.parse::<Generator>() {
            Ok(g) => PointSource::Generator(g),
            Err(_) => PointSource::Csv(PathBuf::from(points)),
        };
        Self {
            source,
            noise,
            count,
            test_fraction,
            seed,
        }
    }

    pub fn name(&self) -> String {
        match &self.source {
            PointSource::Generator(g) => format!("{} points", g.name()),
            PointSource::Csv(p) => p.display().to_string(),
        }
    }

    /// Makes the points.
    pub fn build(&self) -> Result<Points, PointsError> {
        self.build_with_seed(self.seed)
    }

    fn build_with_seed(&self, seed: u64) -> Result<Points, PointsError> {
        if self.noise > 50 {
            return Err(PointsError::Noise(self.noise));
        }
        if !(0.0..1.0).contains(&self.test_fraction) {
            return Err(PointsError::TestFraction(self.test_fraction));
        }
        // A stream of its own, apart from the training stream of the same seed.
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(0x90_1D75);
        let (data, labels, domain) = match &self.source {
            PointSource::Generator(g) => {
                if !(2..=MAX_POINTS).contains(&self.count) {
                    return Err(PointsError::Count(self.count));
                }
                let (d, l) = generate(*g, self.count, self.noise as f64 / 100.0, &mut rng);
                (d, l, Domain::PLAYGROUND)
            }
            PointSource::Csv(path) => {
                let (d, l) = read_csv(path)?;
                let m = Domain::around(d.iter().copied());
                (d, l, m)
            }
        };
        let n = data.len();
        // Shuffle the indices and hold out the first `test_fraction` of them (as Playground).
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            order.swap(i, rng.random_range(0..=i));
        }
        let held = ((n as f64) * self.test_fraction).round() as usize;
        let held = held.min(n - 1);
        let mut test = vec![false; n];
        for &i in &order[..held] {
            test[i] = true;
        }
        // 32-bit, as the network computes (the CSV check keeps every value in range).
        let xy = data.iter().map(|p| [p[0] as f32, p[1] as f32]).collect();
        Ok(Points {
            xy,
            label: labels,
            test,
            domain,
        })
    }
}

impl std::str::FromStr for Generator {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|g| g.name() == s).ok_or(())
    }
}

/// Playground's generators, in its ±6 domain (labels: 1 for its +1 class).
fn generate(g: Generator, n: usize, noise: f64, rng: &mut ChaCha8Rng) -> (Vec<[f64; 2]>, Vec<u8>) {
    let mut uniform = |a: f64, b: f64| rng.random_range(a..b);
    let mut pts = Vec::with_capacity(n);
    let mut labels = Vec::with_capacity(n);
    match g {
        Generator::Circle => {
            let radius = 5.0;
            for i in 0..n {
                // Half inside (r ≤ 2.5), half in the ring 3.5–5.
                let r = if i < n / 2 {
                    uniform(0.0, radius * 0.5)
                } else {
                    uniform(radius * 0.7, radius)
                };
                let angle = uniform(0.0, 2.0 * std::f64::consts::PI);
                let (x, y) = (r * angle.sin(), r * angle.cos());
                let (nx, ny) = (
                    uniform(-radius, radius) * noise,
                    uniform(-radius, radius) * noise,
                );
                pts.push([x, y]);
                labels.push(u8::from(
                    ((x + nx).powi(2) + (y + ny).powi(2)).sqrt() < radius * 0.5,
                ));
            }
        }
        Generator::Xor => {
            let padding = 0.3;
            for _ in 0..n {
                let mut x = uniform(-5.0, 5.0);
                x += if x > 0.0 { padding } else { -padding };
                let mut y = uniform(-5.0, 5.0);
                y += if y > 0.0 { padding } else { -padding };
                let (nx, ny) = (uniform(-5.0, 5.0) * noise, uniform(-5.0, 5.0) * noise);
                pts.push([x, y]);
                labels.push(u8::from((x + nx) * (y + ny) >= 0.0));
            }
        }
        Generator::Gauss => {
            // Playground maps noise 0–0.5 onto a variance of 0.5–4.
            let variance = 0.5 + noise / 0.5 * 3.5;
            let sd = variance.sqrt();
            for i in 0..n {
                let (c, label) = if i < n / 2 { (2.0, 1) } else { (-2.0, 0) };
                // Box–Muller.
                let (u1, u2) = (uniform(f64::MIN_POSITIVE, 1.0), uniform(0.0, 1.0));
                let r = (-2.0 * u1.ln()).sqrt();
                let t = 2.0 * std::f64::consts::PI * u2;
                pts.push([c + sd * r * t.cos(), c + sd * r * t.sin()]);
                labels.push(label);
            }
        }
        Generator::Spiral => {
            let half = n / 2;
            for i in 0..n {
                let (k, delta, label) = if i < half {
                    (i, 0.0, 1)
                } else {
                    (i - half, std::f64::consts::PI, 0)
                };
                let m = if i < half { half } else { n - half };
                let r = k as f64 / m as f64 * 5.0;
                let t = 1.75 * k as f64 / m as f64 * 2.0 * std::f64::consts::PI + delta;
                let x = r * t.sin() + uniform(-1.0, 1.0) * noise;
                let y = r * t.cos() + uniform(-1.0, 1.0) * noise;
                pts.push([x, y]);
                labels.push(label);
            }
        }
    }
    (pts, labels)
}

/// Reads `x, y, label` rows (label 0 or 1). A first line that is not numbers is a header;
/// with a header, the columns are found by name (`x`, `y`, `label`), else taken in order.
fn read_csv(path: &Path) -> Result<(Vec<[f64; 2]>, Vec<u8>), PointsError> {
    let err = |problem: String| PointsError::Csv {
        path: path.to_path_buf(),
        problem,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    parse_csv(&text).map_err(err)
}

fn parse_csv(text: &str) -> Result<(Vec<[f64; 2]>, Vec<u8>), String> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'));
    let cells = |l: &str| -> Vec<String> { l.split(',').map(|c| c.trim().to_string()).collect() };
    let mut columns = [0usize, 1, 2];
    let mut first = lines.next();
    if let Some((n, l)) = first {
        let head = cells(l);
        if head.iter().any(|c| c.parse::<f64>().is_err()) {
            for (k, name) in ["x", "y", "label"].into_iter().enumerate() {
                columns[k] = head
                    .iter()
                    .position(|c| c.eq_ignore_ascii_case(name))
                    .ok_or_else(|| {
                        format!(
                            "line {n}: the header has no `{name}` column (expected x, y, label)"
                        )
                    })?;
            }
            first = None;
        }
    }
    let (mut pts, mut labels) = (Vec::new(), Vec::new());
    for (n, l) in first.into_iter().chain(lines) {
        let row = cells(l);
        let need = columns.iter().max().copied().unwrap_or(2) + 1;
        if row.len() < need {
            return Err(format!(
                "line {n}: {} column{}, expected x, y, label",
                row.len(),
                if row.len() == 1 { "" } else { "s" }
            ));
        }
        let num = |k: usize, what: &str| -> Result<f64, String> {
            let c = &row[columns[k]];
            match c.parse::<f64>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(format!("line {n}: {what} is `{c}`, not a finite number")),
            }
        };
        let (x, y) = (num(0, "x")?, num(1, "y")?);
        let label = match row[columns[2]].as_str() {
            "0" | "0.0" => 0,
            "1" | "1.0" => 1,
            other => {
                return Err(format!(
                    "line {n}: the label is `{other}`; labels must be 0 or 1"
                ));
            }
        };
        pts.push([x, y]);
        labels.push(label);
        if pts.len() > MAX_POINTS {
            return Err(format!("more than {MAX_POINTS} points"));
        }
    }
    if pts.len() < 2 {
        return Err(format!(
            "{} rows of points; at least 2 are needed (x, y, label per line)",
            pts.len()
        ));
    }
    // Finite values can still span more than a float holds (1e308 and -1e308), or more
    // than 32-bit weights can draw: the run's domain would be empty or meaningless and
    // training would "diverge" at its first step.
    let domain = Domain::around(pts.iter().copied());
    for (k, name) in [(0, "x"), (1, "y")] {
        let (lo, hi) = pts
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[k]), hi.max(p[k]))
            });
        let one = if k == 0 {
            Domain::new(domain.x0, domain.x1, 0.0, 1.0)
        } else {
            Domain::new(0.0, 1.0, domain.y0, domain.y1)
        };
        if one.is_err() {
            return Err(format!(
                "column {name} runs from {lo:e} to {hi:e}, a range too wide (or too narrow beside its size) for 32-bit inputs; rescale it"
            ));
        }
    }
    Ok((pts, labels))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(g: Generator, noise: u32) -> PointSpec {
        PointSpec {
            source: PointSource::Generator(g),
            noise,
            count: 400,
            test_fraction: 0.5,
            seed: 0,
        }
    }

    #[test]
    fn generators_make_both_classes_inside_the_square_and_split_half() {
        for g in Generator::ALL {
            let p = spec(g, 10).build_with_seed(1).unwrap();
            p.check().unwrap();
            assert_eq!(p.len(), 400);
            assert!(
                p.xy.iter().flatten().all(|v| (-6.5..=6.5).contains(v)),
                "{g:?}: Playground's coordinates"
            );
            assert_eq!(p.domain, Domain::PLAYGROUND);
            let white = p.label.iter().filter(|&&l| l == 1).count();
            assert!(
                (100..300).contains(&white),
                "{g:?}: {white} of 400 labelled 1"
            );
            assert_eq!(p.test.iter().filter(|&&t| t).count(), 200);
            // Reproducible from the seed, different for another.
            assert_eq!(spec(g, 10).build_with_seed(1).unwrap(), p);
            assert_ne!(spec(g, 10).build_with_seed(2).unwrap(), p);
        }
    }

    #[test]
    fn noiseless_shapes_are_what_playground_draws() {
        let m = |p: &Points, i: usize| p.xy[i].map(f64::from);
        let c = spec(Generator::Circle, 0).build().unwrap();
        for i in 0..c.len() {
            let [x, y] = m(&c, i);
            assert_eq!(c.label[i] == 1, (x * x + y * y).sqrt() < 2.5);
        }
        let x = spec(Generator::Xor, 0).build().unwrap();
        for i in 0..x.len() {
            let [a, b] = m(&x, i);
            assert_eq!(x.label[i] == 1, a * b >= 0.0);
            assert!(a.abs() >= 0.3 && b.abs() >= 0.3);
        }
        let g = spec(Generator::Gauss, 0).build().unwrap();
        let mean = |label: u8| {
            let pts: Vec<[f64; 2]> = (0..g.len())
                .filter(|&i| g.label[i] == label)
                .map(|i| m(&g, i))
                .collect();
            [0, 1].map(|k| pts.iter().map(|p| p[k]).sum::<f64>() / pts.len() as f64)
        };
        let (a, b) = (mean(1), mean(0));
        assert!(
            (a[0] - 2.0).abs() < 0.3 && (a[1] - 2.0).abs() < 0.3,
            "{a:?}"
        );
        assert!(
            (b[0] + 2.0).abs() < 0.3 && (b[1] + 2.0).abs() < 0.3,
            "{b:?}"
        );
    }

    #[test]
    fn bad_recipes_are_refused() {
        assert_eq!(
            spec(Generator::Xor, 51).build(),
            Err(PointsError::Noise(51))
        );
        let mut s = spec(Generator::Xor, 0);
        s.test_fraction = 1.0;
        assert_eq!(s.build(), Err(PointsError::TestFraction(1.0)));
        s.test_fraction = 0.0;
        s.count = 1;
        assert_eq!(s.build(), Err(PointsError::Count(1)));
    }

    #[test]
    fn csv_reads_headers_ranges_and_names_the_bad_line() {
        let (p, l) = parse_csv("label,x,y\n1, 10, 200\n0, 20, 100\n").unwrap();
        assert_eq!(p, vec![[10.0, 200.0], [20.0, 100.0]]);
        assert_eq!(l, vec![1, 0]);
        let (p, _) = parse_csv("# comment\n0.5,0.5,1\n-3,4,0\n").unwrap();
        assert_eq!(p[1], [-3.0, 4.0]);
        let e = |t: &str| parse_csv(t).unwrap_err();
        assert!(
            e("x,y\n1,2\n").contains("no `label` column"),
            "{}",
            e("x,y\n1,2\n")
        );
        assert!(
            e("1,2,1\n3,4\n").starts_with("line 2:"),
            "{}",
            e("1,2,1\n3,4\n")
        );
        assert!(e("1,2,1\n3,abc,0\n").contains("line 2: y is `abc`"));
        assert!(e("1,2,1\n3,4,2\n").contains("line 2: the label is `2`"));
        assert!(e("x,y,label\n").contains("0 rows"));
        assert!(e("1,2,1\n3,inf,0\n").contains("line 2"));
    }

    #[test]
    fn a_csv_whose_range_overflows_is_refused_naming_the_column() {
        let e = parse_csv("x,y,label\n1e308,0,1\n-1e308,1,0\n").unwrap_err();
        assert!(e.contains("column x") && e.contains("rescale"), "{e}");
        let e = parse_csv("x,y,label\n0,1.7e308,1\n1,-1e308,0\n").unwrap_err();
        assert!(e.contains("column y"), "{e}");
        // Past what 32-bit inputs hold, or too thin a range beside its size.
        assert!(parse_csv("x,y,label\n1e300,0,1\n-1e300,1,0\n").is_err());
        let e = parse_csv("x,y,label\n1e9,0,1\n1e9,1,0\n").unwrap_err();
        assert!(e.contains("column x"), "{e}");
        // Large but drawable values are fine.
        assert!(parse_csv("x,y,label\n1e9,0,1\n-1e9,1,0\n").is_ok());
    }

    #[test]
    fn csv_points_keep_their_coordinates_in_a_box_with_a_margin_and_y_up() {
        let dir = std::env::temp_dir().join(format!("ginn-points-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("d.csv");
        std::fs::write(&path, "x,y,label\n100,5,1\n300,15,0\n200,10,1\n").unwrap();
        let s = PointSpec::parse(path.to_str().unwrap(), 0, 0, 0.0, 0);
        let p = s.build().unwrap();
        // x 100–300 with 5 % margins: 90–310; y 5–15 → 4.5–15.5, larger y higher up.
        assert_eq!((p.domain.x0, p.domain.x1), (90.0, 310.0));
        assert_eq!((p.domain.y0, p.domain.y1), (4.5, 15.5));
        assert!(p.domain.y_up);
        assert_eq!(p.xy, vec![[100.0, 5.0], [300.0, 15.0], [200.0, 10.0]]);
        let [u, v] = p.domain.to_view(100.0, 5.0);
        assert!((u - 10.0 / 220.0).abs() < 1e-12 && (v - 10.5 / 11.0).abs() < 1e-12);
        assert!(p.test.iter().all(|&t| !t));
        std::fs::remove_dir_all(&dir).ok();
    }
}
