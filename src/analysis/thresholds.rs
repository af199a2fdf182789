//! The thresholds a verdict depends on: each declared once, with its `--set` name, default
//! and meaning, by the phenomenon that uses it (or here, when several share it); their
//! values for one analysis, by name.

/// A threshold a verdict depends on: its `--set` name, default and meaning.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Threshold {
    pub name: &'static str,
    pub default: f64,
    /// A count: set and written as a whole number.
    pub whole: bool,
    pub about: &'static str,
}

impl Threshold {
    pub const fn real(name: &'static str, default: f64, about: &'static str) -> Self {
        Self {
            name,
            default,
            whole: false,
            about,
        }
    }

    pub const fn count(name: &'static str, default: usize, about: &'static str) -> Self {
        Self {
            name,
            default: default as f64,
            whole: true,
            about,
        }
    }
}

/// Declares thresholds, one line of code each — `NAME = real("set_name", default);` or
/// `count(…)` — whose doc comment is their meaning (the help texts read it).
macro_rules! thresholds {
    ($($(#[doc = $doc:literal])+ $name:ident = $kind:ident($key:literal, $default:expr);)+) => {
        $(
            $(#[doc = $doc])+
            pub const $name: $crate::analysis::Threshold =
                $crate::analysis::Threshold::$kind($key, $default, concat!($($doc),+));
        )+
    };
}
pub(crate) use thresholds;

/// Spacing of the points sampled along a boundary for distances (shared by §7, §8, §9).
pub const HAUSDORFF_STEP: Threshold = Threshold::real(
    "hausdorff_step",
    0.005,
    "spacing of the points sampled along a boundary for distances (input units)",
);

/// The thresholds' values, by name (every threshold a verdict depends on; echoed in the
/// output, each can be changed with `--set NAME=VALUE`).
#[derive(Clone, Debug, PartialEq)]
pub struct Thresholds {
    values: Vec<(Threshold, f64)>,
}

impl Thresholds {
    /// These thresholds at their defaults.
    pub fn new(list: Vec<Threshold>) -> Self {
        Self {
            values: list.into_iter().map(|t| (t, t.default)).collect(),
        }
    }

    /// The value of `t` (its default when this set does not hold it).
    pub fn get(&self, t: &Threshold) -> f64 {
        self.values
            .iter()
            .find(|(k, _)| k.name == t.name)
            .map_or(t.default, |(_, v)| *v)
    }

    /// The value of a count.
    pub fn count(&self, t: &Threshold) -> usize {
        self.get(t) as usize
    }

    /// The value named `name`.
    pub fn by_name(&self, name: &str) -> Option<f64> {
        self.values
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| *v)
    }

    /// The thresholds with `name=value` applied (a name of a threshold, a number).
    pub fn with(mut self, assignment: &str) -> Result<Self, String> {
        let (name, value) = assignment
            .split_once('=')
            .ok_or_else(|| format!("--set takes NAME=VALUE, got `{assignment}`"))?;
        let number: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("--set {name}: `{value}` is not a number"))?;
        self.set(name.trim(), number)?;
        Ok(self)
    }

    /// Sets the threshold named `name` (a count is rounded down, at least 0).
    pub fn set(&mut self, name: &str, value: f64) -> Result<(), String> {
        if !value.is_finite() {
            return Err(format!("--set {name}: `{value}` is not a finite number"));
        }
        let names: Vec<&str> = self.values.iter().map(|(t, _)| t.name).collect();
        let slot = self
            .values
            .iter_mut()
            .find(|(t, _)| t.name == name)
            .ok_or_else(|| {
                format!(
                    "--set: no threshold `{name}` (there are {})",
                    names.join(", ")
                )
            })?;
        slot.1 = if slot.0.whole {
            value.max(0.0).floor()
        } else {
            value
        };
        Ok(())
    }

    /// A value as the JSON and the help write it (a count as a whole number).
    pub(super) fn show(t: &Threshold, v: f64) -> serde_json::Value {
        if t.whole {
            serde_json::Value::from(v as u64)
        } else {
            serde_json::Value::from(v)
        }
    }
}

impl serde::Serialize for Thresholds {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.values.len()))?;
        for (t, v) in &self.values {
            m.serialize_entry(t.name, &Self::show(t, *v))?;
        }
        m.end()
    }
}
