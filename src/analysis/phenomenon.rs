//! What a phenomenon is to ginn: one [`Phenomenon`] per file, listed once in the registry
//! (`analysis/mod.rs`'s `phenomena!`). It names itself (`--only`), declares its thresholds
//! (with defaults and `--set` names) and the overlays it draws, measures snapshot by
//! snapshot (a [`Measure`]), and says what it found: its summary block, its panel row and,
//! for a phenomenon outside the built-in schema, its own JSON section. `--only`, `--set`,
//! the help texts, the viewer's panel and `figure`/`render --overlay` are all read from a
//! [`Registry`].

pub use super::thresholds::{HAUSDORFF_STEP, Threshold, Thresholds};
use super::{Analysis, Sample, TargetFeatures, features, rows::Row};
use crate::geometry::Geometry;
use crate::nn::{Architecture, Network};
use crate::overlays::{Context, Overlays, Shapes};
use crate::targets::Data;
use crate::train::snapshot::Snapshot;

/// An overlay a phenomenon draws (`--overlay NAME`, the viewer's toggles).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OverlaySpec {
    pub name: &'static str,
    /// Drawn from the run's analysis up to the shown snapshot (captured corners, learned
    /// components, late states), not from the snapshot alone.
    pub history: bool,
    pub about: &'static str,
}

impl OverlaySpec {
    /// An overlay drawn from the shown snapshot alone.
    pub const fn new(name: &'static str, about: &'static str) -> Self {
        Self {
            name,
            history: false,
            about,
        }
    }

    /// An overlay drawn from the run's analysis up to the shown snapshot.
    pub const fn of_history(name: &'static str, about: &'static str) -> Self {
        Self {
            name,
            history: true,
            about,
        }
    }
}

/// What a measure starts from: the run's network shape, data, target and thresholds.
#[derive(Clone)]
pub struct Setup {
    pub arch: Architecture,
    pub data: Data,
    /// The target's features (an image target).
    pub target: Option<TargetFeatures>,
    /// The learning rate the run starts at.
    pub lr: f64,
    pub th: Thresholds,
}

/// One snapshot, as every measure reads it: its network folded onto the view square, the
/// exact geometry there, the prediction at the target's pixel centres (an image target),
/// and the snapshot before.
pub struct Step<'a> {
    pub snap: &'a Snapshot,
    pub net: &'a Network,
    pub geom: &'a Geometry,
    pub prediction: Option<&'a [f32]>,
    pub previous: Option<(&'a Network, &'a Geometry)>,
    /// This snapshot's sample number.
    pub index: usize,
    pub setup: &'a Setup,
}

/// A phenomenon as it is measured over a run (cloned with the analysis: any `Clone` type).
pub trait Measure: Send + Sync + Boxed {
    /// Measures one snapshot, writing what it found at this snapshot into `sample`.
    fn add(&mut self, step: &Step, sample: &mut Sample);
    /// Writes the verdicts as of the last snapshot added (`last`: its network and geometry)
    /// into the analysis.
    fn report(&self, _setup: &Setup, _last: Option<(&Network, &Geometry)>, _a: &mut Analysis) {}
}

/// A boxed copy of a measure (for every `Clone` one).
pub trait Boxed {
    fn boxed(&self) -> Box<dyn Measure>;
}

impl<T: Measure + Clone + 'static> Boxed for T {
    fn boxed(&self) -> Box<dyn Measure> {
        Box::new(self.clone())
    }
}

/// What a phenomenon declares: its name (`--only`, the JSON's `computed`), the report's
/// section (which orders the summary and the panel), what it measures in a sentence (help
/// texts, the panel), its thresholds and its overlays.
#[derive(Clone, Copy, Debug)]
pub struct Card {
    pub name: &'static str,
    pub section: &'static str,
    pub about: &'static str,
    pub thresholds: &'static [Threshold],
    pub overlays: &'static [OverlaySpec],
}

impl Card {
    pub const fn new(name: &'static str, section: &'static str, about: &'static str) -> Self {
        Self {
            name,
            section,
            about,
            thresholds: &[],
            overlays: &[],
        }
    }

    pub const fn thresholds(self, thresholds: &'static [Threshold]) -> Self {
        Self { thresholds, ..self }
    }

    pub const fn overlays(self, overlays: &'static [OverlaySpec]) -> Self {
        Self { overlays, ..self }
    }
}

/// One of the report's phenomena (or a phenomenon of yours: see the README's contributor
/// notes).
pub trait Phenomenon: Sync + 'static {
    fn card(&self) -> Card;
    fn name(&self) -> &'static str {
        self.card().name
    }
    fn section(&self) -> &'static str {
        self.card().section
    }
    fn about(&self) -> &'static str {
        self.card().about
    }
    fn thresholds(&self) -> &'static [Threshold] {
        self.card().thresholds
    }
    fn overlays(&self) -> &'static [OverlaySpec] {
        self.card().overlays
    }
    /// A fresh measure for a run.
    fn measure(&self, setup: &Setup) -> Box<dyn Measure>;
    /// Its block of `ginn analyze`'s summary.
    fn summary(&self, _a: &Analysis, _out: &mut String) {}
    /// Its row in the viewer's panel at sample `k` (`None`: nothing to show there).
    fn row(&self, _a: &Analysis, _k: usize) -> Option<Row> {
        None
    }
    /// Adds the shapes of its overlay `name` (one of [`Phenomenon::overlays`]) to `shapes`.
    fn draw(&self, _name: &str, _cx: &Context, _shapes: &mut Shapes) {}
}

/// Thresholds that belong to no one phenomenon: the target's features and the spacing of
/// distance probes along boundaries.
pub const SHARED: [Threshold; 4] = [
    features::CORNER_TOLERANCE_PX,
    features::CORNER_ANGLE_DEG,
    features::MIRROR_AGREEMENT,
    HAUSDORFF_STEP,
];

/// The phenomena an analysis measures, in the order `computed` lists them.
#[derive(Clone)]
pub struct Registry(Vec<&'static dyn Phenomenon>);

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl Registry {
    /// The report's phenomena.
    pub fn builtin() -> Self {
        Self(super::PHENOMENA.to_vec())
    }

    /// These and one more.
    pub fn with(mut self, p: &'static dyn Phenomenon) -> Self {
        self.0.push(p);
        self
    }

    pub fn iter(&self) -> impl Iterator<Item = &'static dyn Phenomenon> + '_ {
        self.0.iter().copied()
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.iter().map(|p| p.name()).collect()
    }

    pub fn get(&self, name: &str) -> Option<&'static dyn Phenomenon> {
        self.iter().find(|p| p.name() == name)
    }

    /// The phenomena in the report's order (sections §3–4, §5, … §10): the summary's and
    /// the panel's.
    pub fn in_report_order(&self) -> Vec<&'static dyn Phenomenon> {
        let mut v = self.0.clone();
        v.sort_by_key(|p| section_number(p.section()));
        v
    }

    /// Only the phenomena named in `list` (comma-separated; `--only`).
    pub fn only(&self, list: &str) -> Result<Self, String> {
        let mut keep = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let p = self.get(name).ok_or_else(|| {
                format!(
                    "--only takes {} (comma-separated), got `{name}`",
                    self.names().join(", ")
                )
            })?;
            if !keep.iter().any(|k: &&dyn Phenomenon| k.name() == name) {
                keep.push(p);
            }
        }
        // In the registry's order, whatever the list's.
        Ok(Self(
            self.iter()
                .filter(|p| keep.iter().any(|k| k.name() == p.name()))
                .collect(),
        ))
    }

    /// Every threshold: the shared ones, then each phenomenon's.
    pub fn thresholds(&self) -> Vec<Threshold> {
        let mut all: Vec<Threshold> = SHARED.to_vec();
        for t in self.iter().flat_map(|p| p.thresholds()) {
            if !all.iter().any(|a| a.name == t.name) {
                all.push(*t);
            }
        }
        all
    }

    /// Every overlay, with the phenomenon that draws it.
    pub fn overlays(&self) -> Vec<(&'static dyn Phenomenon, OverlaySpec)> {
        self.iter()
            .flat_map(|p| p.overlays().iter().map(move |o| (p, *o)))
            .collect()
    }

    /// The overlays named in `list` (comma-separated; `--overlay`), in the registry's order.
    pub fn parse_overlays(&self, list: &str) -> Result<Overlays, String> {
        let known = self.overlays();
        let mut o = Overlays::default();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let (_, spec) = known.iter().find(|(_, s)| s.name == name).ok_or_else(|| {
                let names: Vec<&str> = known.iter().map(|(_, s)| s.name).collect();
                format!(
                    "--overlay takes {} (comma-separated), got `{name}`",
                    names.join(", ")
                )
            })?;
            o.set(spec.name, true);
        }
        Ok(o)
    }

    /// The phenomena whose analysis up to the shown snapshot the overlays `which` are
    /// drawn from (`None`: they need none).
    pub fn history_of(&self, which: &Overlays) -> Option<Self> {
        let need: Vec<&'static dyn Phenomenon> = self
            .iter()
            .filter(|p| p.overlays().iter().any(|o| o.history && which.has(o.name)))
            .collect();
        (!need.is_empty()).then_some(Self(need))
    }

    /// What the overlays `which` draw over one snapshot: each drawn by its phenomenon.
    pub fn shapes(&self, which: &Overlays, cx: &Context) -> Shapes {
        let mut shapes = Shapes::default();
        for (p, o) in self.overlays() {
            if which.has(o.name) {
                p.draw(o.name, cx, &mut shapes);
            }
        }
        shapes
    }

    /// `--only`'s help: the names, their sections and (`long`) what each measures.
    pub fn only_help(&self, long: bool) -> String {
        let list: Vec<String> = self
            .in_report_order()
            .iter()
            .map(|p| match long {
                true => format!("\n  {} ({}): {}", p.name(), p.section(), p.about()),
                false => format!("{} ({})", p.name(), p.section()),
            })
            .collect();
        format!(
            "Only these measures, comma-separated (the target's features and the region counts always come): {}",
            list.join(if long { "" } else { ", " })
        )
    }

    /// `--set`'s help: every threshold with its default and (`long`) its meaning.
    pub fn set_help(&self, long: bool) -> String {
        let list: Vec<String> = self
            .thresholds()
            .iter()
            .map(|t| {
                let default = Thresholds::show(t, t.default);
                match long {
                    true => format!("\n  {}={default}: {}", t.name, t.about.trim()),
                    false => t.name.to_string(),
                }
            })
            .collect();
        format!(
            "Change a threshold of the analysis, e.g. `--set copycat_cosine=0.98` (repeatable; every command that analyses takes it): {}",
            list.join(if long { "" } else { ", " })
        )
    }

    /// `--overlay`'s help: the overlays and what each draws.
    pub fn overlay_help(&self) -> String {
        self.overlays()
            .iter()
            .map(|(_, o)| format!("{} ({})", o.name, o.about))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `§3–4` → 3, `§10` → 10: the sections' order.
fn section_number(s: &str) -> u32 {
    let digits: String = s
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(u32::MAX)
}

impl Default for Thresholds {
    /// Every threshold of the report's phenomena at its default.
    fn default() -> Self {
        Self::of(&Registry::builtin())
    }
}

impl Thresholds {
    /// Every threshold of `registry` at its default.
    pub fn of(registry: &Registry) -> Self {
        Self::new(registry.thresholds())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_order_the_report() {
        assert_eq!(section_number("§3–4"), 3);
        assert_eq!(section_number("§10"), 10);
        let order: Vec<&str> = Registry::builtin()
            .in_report_order()
            .iter()
            .map(|p| p.section())
            .collect();
        assert_eq!(
            order,
            ["§3–4", "§5", "§6", "§7", "§8", "§9", "§10"],
            "one phenomenon per section"
        );
    }

    #[test]
    fn set_names_the_problem() {
        let th = Thresholds::default();
        let e = th.clone().with("copycat_cosin=0.9").unwrap_err();
        assert!(
            e.contains("`copycat_cosin`") && e.contains("copycat_cosine"),
            "{e}"
        );
        assert!(
            th.clone()
                .with("copycat_cosine")
                .unwrap_err()
                .contains("NAME=VALUE")
        );
        assert!(
            th.clone()
                .with("far_px=x")
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            th.clone()
                .with("far_px=nan")
                .unwrap_err()
                .contains("finite")
        );
        let t = th.with("capture_snapshots=7.9").unwrap();
        assert_eq!(t.by_name("capture_snapshots"), Some(7.0));
    }

    #[test]
    fn only_keeps_the_registry_order_and_names_bad_names() {
        let r = Registry::builtin().only("failure,bias").unwrap();
        assert_eq!(r.names(), ["bias", "failure"]);
        let e = Registry::builtin().only("bias,edges").unwrap_err();
        assert!(e.contains("`edges`") && e.contains("indecisive"), "{e}");
    }

    #[test]
    fn every_threshold_and_overlay_has_one_name() {
        let r = Registry::builtin();
        let mut names: Vec<&str> = r.thresholds().iter().map(|t| t.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n);
        let mut o: Vec<&str> = r.overlays().iter().map(|(_, o)| o.name).collect();
        let n = o.len();
        o.sort_unstable();
        o.dedup();
        assert_eq!(o.len(), n);
        // The help texts come from the registry: every name is in them.
        for t in r.thresholds() {
            assert!(r.set_help(true).contains(t.name), "{}", t.name);
        }
        for p in r.iter() {
            assert!(r.only_help(false).contains(p.name()), "{}", p.name());
        }
    }
}
