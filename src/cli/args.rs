//! Flags shared by the commands that train (`train`, `view`).

use anyhow::Context;
use clap::Args;
use ginn::nn::Activation;
use ginn::targets::{DEFAULT_THRESHOLD, PointSpec, TargetSource};
use ginn::train::{Settings, SnapshotPlan};

#[derive(Args, Clone, Debug)]
pub struct TrainArgs {
    /// Built-in target (bottle, disc, rings, checkerboard, spiral, moons) or an image file.
    #[arg(long, default_value_t = Settings::default().target.name())]
    pub target: String,
    /// Train on points instead of pixels: Playground's circle, xor, gauss or spiral, or a
    /// CSV file with columns x, y, label (label 0 or 1; any range, mapped into the square).
    #[arg(long, conflicts_with_all = ["target", "threshold"])]
    pub points: Option<String>,
    /// Noise of the generated points, 0–50 (percent, as in Playground).
    #[arg(long, default_value_t = 0, requires = "points")]
    pub noise: u32,
    /// Number of generated points.
    #[arg(long, default_value_t = ginn::targets::points::DEFAULT_COUNT, requires = "points")]
    pub count: usize,
    /// Fraction of the points held out for testing (never trained on).
    #[arg(long, default_value_t = ginn::targets::points::DEFAULT_TEST_FRACTION, requires = "points")]
    pub test_fraction: f64,
    /// Seed of the generated points' noise and of the test split.
    #[arg(long, default_value_t = 0, requires = "points")]
    pub data_seed: u64,
    /// Side of the square training image in pixels.
    #[arg(long, default_value_t = Settings::default().resolution)]
    pub resolution: u32,
    /// Luminance (0–255) at or above which an image pixel counts as white.
    #[arg(long, default_value_t = DEFAULT_THRESHOLD)]
    pub threshold: u8,
    /// Hidden layer widths, comma-separated (1–8 layers of 1–256 units).
    #[arg(long, default_values_t = Settings::default().widths, value_delimiter = ',')]
    pub widths: Vec<usize>,
    /// Training iterations (the cosine schedule anneals to zero over them).
    #[arg(long, default_value_t = Settings::default().iterations)]
    pub iterations: u64,
    /// Pixels per batch, drawn with replacement.
    #[arg(long, default_value_t = Settings::default().batch)]
    pub batch: usize,
    /// Adam's initial learning rate.
    #[arg(long, default_value_t = Settings::default().lr)]
    pub lr: f64,
    /// Seed of the initial weights and the batches.
    #[arg(long, default_value_t = Settings::default().seed)]
    pub seed: u64,
    /// Which iterations to keep: `paper` (the report's log-spaced schedule) or `every:N`.
    #[arg(long, default_value_t = Settings::default().snapshots)]
    pub snapshots: SnapshotPlan,
    /// Hidden nonlinearity: `relu` or `leaky_relu:SLOPE` (slope ≥ 0 to train).
    #[arg(long, default_value_t = Settings::default().activation)]
    pub activation: Activation,
    /// Output logits: 2 (softmax cross-entropy, the report's) or 1 (binary cross-entropy).
    #[arg(long, default_value_t = Settings::default().outputs as u8, value_parser = clap::value_parser!(u8).range(1..=2))]
    pub outputs: u8,
}

impl TrainArgs {
    /// The field of [`Settings`] (by its serialised name) that the flag `id` feeds: the
    /// flags named as a field feed it, every other flag describes the data (`target`).
    /// Defaults come from `Settings::default()` alone; `--resume`'s check of changed
    /// flags reads this instead of a list of names.
    pub fn feeds(id: &str) -> Option<&'static str> {
        use clap::CommandFactory;
        let is_flag = Wrapper::command()
            .get_arguments()
            .any(|a| a.get_id().as_str() == id);
        let fields = settings_fields();
        is_flag.then(|| {
            fields
                .iter()
                .copied()
                .find(|f| *f == id)
                .unwrap_or("target")
        })
    }

    /// The defaults, as if no training flag was given.
    #[cfg_attr(not(feature = "viewer"), allow(dead_code))]
    pub fn defaults() -> Self {
        use clap::Parser;
        Wrapper::parse_from(["ginn"]).t
    }

    pub fn settings(&self) -> anyhow::Result<Settings> {
        let s = self.settings_unchecked()?;
        s.validate()?;
        Ok(s)
    }

    /// The settings as given, before checking that they make a valid run.
    pub fn settings_unchecked(&self) -> anyhow::Result<Settings> {
        let target = match &self.points {
            Some(p) => TargetSource::Points(PointSpec::parse(
                p,
                self.noise,
                self.count,
                self.test_fraction,
                self.data_seed,
            )),
            None => TargetSource::parse(&self.target, self.threshold)?,
        };
        Ok(Settings {
            target,
            resolution: self.resolution,
            widths: self.widths.clone(),
            iterations: self.iterations,
            batch: self.batch,
            lr: self.lr,
            seed: self.seed,
            snapshots: self.snapshots,
            activation: self.activation,
            outputs: self.outputs as usize,
        })
    }

    pub fn settings_and_target(&self) -> anyhow::Result<(Settings, ginn::targets::Data)> {
        let s = self.settings()?;
        let t = s
            .target
            .build(s.resolution)
            .with_context(|| format!("building target `{}`", s.target.name()))?;
        Ok((s, t))
    }
}

/// The names of [`Settings`]' fields, as serde reads them (from its derived
/// `Deserialize`, so a field added there is known here without another list).
fn settings_fields() -> &'static [&'static str] {
    use serde::de::{Deserializer, Error, Visitor, value};
    struct Probe(&'static [&'static str]);
    impl<'de> Deserializer<'de> for &mut Probe {
        type Error = value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, value::Error> {
            Err(value::Error::custom("only structs"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, value::Error> {
            self.0 = fields;
            Err(value::Error::custom("fields read"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut probe = Probe(&[]);
    let _ = <Settings as serde::Deserialize>::deserialize(&mut probe);
    probe.0
}

/// `--set NAME=VALUE`: a threshold of the analysis changed, for every command that
/// analyses (`analyze`, `figure` and `render` overlays, `view`).
#[derive(Args, Clone, Debug, Default)]
pub struct ThresholdArgs {
    // The names, defaults and meanings come from the registry of phenomena.
    #[arg(long = "set", value_name = "NAME=VALUE",
          help = ginn::analysis::Registry::builtin().set_help(false),
          long_help = ginn::analysis::Registry::builtin().set_help(true))]
    pub set: Vec<String>,
}

impl ThresholdArgs {
    pub fn thresholds(&self) -> anyhow::Result<ginn::analysis::Thresholds> {
        let mut th = ginn::analysis::Thresholds::default();
        for a in &self.set {
            th = th.with(a).map_err(anyhow::Error::msg)?;
        }
        Ok(th)
    }
}

/// `--domain`: which rectangle of a run's input to show, for every command that shows or
/// measures one (`view`, `regions`, `render`, `figure`, `analyze`).
#[derive(Args, Clone, Debug, Default)]
pub struct DomainArgs {
    /// The rectangle of the network's input to show, in its own coordinates: X0,X1,Y0,Y1
    /// (e.g. -6,6,-6,6), or `all`: a box holding every vertex of the whole plane's linear
    /// regions. Default: the run's own (its points' box, else the unit square).
    #[arg(long, allow_hyphen_values = true, value_name = "X0,X1,Y0,Y1|all")]
    pub domain: Option<ginn::domain::DomainArg>,
}

impl DomainArgs {
    /// Loads a run and sets its domain from `--domain` (kept when it is not given); `all`
    /// is the whole plane of the snapshot `at`.
    pub fn load(&self, path: &std::path::Path, at: At) -> anyhow::Result<ginn::run::Run> {
        let mut run = load_run(path)?;
        let snap = at.pick(&run);
        let net = snap.network(&run.architecture());
        run.domain = self
            .resolve(run.domain, &run.target, snap.iteration, net)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(run)
    }

    /// The domain `--domain` makes of a run's `current` one; `all` looks at `net`, the
    /// network at `iteration`.
    pub fn resolve(
        &self,
        current: ginn::domain::Domain,
        data: &ginn::targets::Data,
        iteration: u64,
        net: Option<ginn::nn::Network>,
    ) -> anyhow::Result<ginn::domain::Domain> {
        use ginn::domain::{Domain, DomainArg, MAX_SPAN};
        let Some(arg) = self.domain else {
            return Ok(current);
        };
        if data.image().is_some() {
            anyhow::bail!(
                "--domain: an image run's domain is its image, the unit square (zoom in the viewer to look closer)"
            );
        }
        let rect = match arg {
            DomainArg::Rect(d) => d,
            DomainArg::All => {
                let net =
                    net.ok_or_else(|| anyhow::anyhow!("snapshot does not fit the architecture"))?;
                let [x0, x1, y0, y1] = ginn::geometry::whole_plane_box(&net, MAX_SPAN)
                    .map_err(|e| anyhow::anyhow!("--domain all at iteration {iteration}: {e}"))?;
                Domain::new(x0, x1, y0, y1)?
            }
        };
        Ok(current.with_rect(rect))
    }
}

/// The training flags alone, as a command.
#[derive(clap::Parser)]
struct Wrapper {
    #[command(flatten)]
    t: TrainArgs,
}

/// A list of seeds (`1-8`, `1,4,9`).
#[derive(Clone, Debug)]
pub struct Seeds(pub Vec<u64>);

/// Parses a seed list such as `1-8` or `1,4,9`.
pub fn parse_seeds(s: &str) -> Result<Seeds, String> {
    let mut out = Vec::new();
    for part in s.split(',') {
        let bad = || format!("seeds must look like `1-8` or `1,4,9`, got `{s}`");
        if let Some((a, b)) = part.split_once('-') {
            let (a, b): (u64, u64) = (
                a.trim().parse().map_err(|_| bad())?,
                b.trim().parse().map_err(|_| bad())?,
            );
            if b < a || b - a > 10_000 {
                return Err(bad());
            }
            out.extend(a..=b);
        } else {
            out.push(part.trim().parse().map_err(|_| bad())?);
        }
    }
    Ok(Seeds(out))
}

/// `--at`: a snapshot by iteration, or the last.
#[derive(Clone, Copy, Debug)]
pub enum At {
    Last,
    Iteration(u64),
}

impl std::str::FromStr for At {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "last" {
            return Ok(At::Last);
        }
        s.parse()
            .map(At::Iteration)
            .map_err(|_| format!("expected an iteration number or `last`, got `{s}`"))
    }
}

impl At {
    /// The picked snapshot and its network as the views take it (on the view square:
    /// the run's domain folded into its first layer).
    pub fn view_network(
        self,
        run: &ginn::run::Run,
    ) -> (&ginn::train::snapshot::Snapshot, ginn::nn::Network) {
        let snap = self.pick(run);
        (snap, run.view_network(snap))
    }

    pub fn pick(self, run: &ginn::run::Run) -> &ginn::train::snapshot::Snapshot {
        match self {
            At::Last => run.last(),
            At::Iteration(i) => run.at(i),
        }
    }
}

/// Loads a run file with an error that names it.
pub fn load_run(path: &std::path::Path) -> anyhow::Result<ginn::run::Run> {
    Ok(ginn::run::Run::load(path)?)
}

/// `--layers 1,3`: which hidden layers to draw, 1-based.
#[derive(Clone, Debug)]
pub struct LayerList(pub Vec<usize>);

impl std::str::FromStr for LayerList {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "none" {
            return Ok(LayerList(vec![]));
        }
        s.split(',')
            .map(|p| match p.trim().parse::<usize>() {
                Ok(n) if n >= 1 => Ok(n),
                _ => Err(format!(
                    "layers must be 1-based numbers separated by commas, got `{s}`"
                )),
            })
            .collect::<Result<_, _>>()
            .map(LayerList)
    }
}

impl LayerList {
    /// Visibility per hidden layer; a layer the network does not have is an error.
    pub fn mask(&self, layers: usize) -> anyhow::Result<ginn::render::LayerMask> {
        if let Some(bad) = self.0.iter().find(|&&l| l > layers) {
            anyhow::bail!("--layers {bad}: the network has {layers} hidden layers");
        }
        Ok(ginn::render::LayerMask::only(
            self.0.iter().map(|l| l - 1),
            layers,
        ))
    }
}

/// `LAYER:UNIT`, both from 1 (as on the original page), e.g. `2:5`.
pub fn parse_unit(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("a unit is LAYER:UNIT, both from 1, e.g. 2:5; got `{s}`");
    let (l, u) = s.split_once(':').ok_or_else(bad)?;
    match (l.trim().parse::<usize>(), u.trim().parse::<usize>()) {
        (Ok(l), Ok(u)) if l >= 1 && u >= 1 => Ok((l, u)),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flags_defaults_are_the_settings_defaults() {
        assert_eq!(
            TrainArgs::defaults().settings().unwrap(),
            Settings::default()
        );
    }

    #[test]
    fn every_training_flag_feeds_one_settings_field() {
        let fields = settings_fields();
        assert!(fields.contains(&"activation") && fields.contains(&"outputs"));
        use clap::CommandFactory;
        for arg in Wrapper::command().get_arguments() {
            let field = TrainArgs::feeds(arg.get_id().as_str()).expect("a training flag");
            assert!(fields.contains(&field), "{field}");
        }
        assert_eq!(TrainArgs::feeds("lr"), Some("lr"));
        assert_eq!(TrainArgs::feeds("widths"), Some("widths"));
        assert_eq!(TrainArgs::feeds("test_fraction"), Some("target"));
        assert_eq!(TrainArgs::feeds("threshold"), Some("target"));
        assert_eq!(TrainArgs::feeds("out"), None);
    }
}
