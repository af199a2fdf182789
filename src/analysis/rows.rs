//! The phenomena one row each, as the viewer's panel shows them: the verdict at a snapshot,
//! a headline figure per snapshot (for a sparkline over log-iteration), and the units the
//! phenomenon involves there (selected together when the row is clicked).

use super::{Analysis, Sample};
use crate::nn::NeuronId;

/// One phenomenon at one snapshot (its section and `about` come from its [`Phenomenon`]).
///
/// [`Phenomenon`]: super::Phenomenon
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Row {
    pub name: &'static str,
    /// The report's section.
    pub section: &'static str,
    pub verdict: String,
    /// What the series measures (shown on hover).
    pub figure: &'static str,
    /// `(iteration, value)` per analysed snapshot; NaN where it does not apply.
    pub series: Vec<(u64, f64)>,
    /// The units involved at the snapshot, most telling first.
    pub units: Vec<NeuronId>,
    /// The overlay that shows the phenomenon in the view (a name the registry lists).
    pub overlay: Option<&'static str>,
    /// What the row measures, in a sentence (for a row that names no units).
    pub about: String,
}

impl Row {
    /// `(iteration, f(sample))` over the analysed snapshots, NaN where `f` says `None`.
    pub fn series(a: &Analysis, f: impl Fn(&Sample) -> Option<f64>) -> Vec<(u64, f64)> {
        a.samples
            .iter()
            .map(|s| (s.iteration, f(s).unwrap_or(f64::NAN)))
            .collect()
    }

    /// A unit named 1-based (layer, unit), as the analysis names them.
    pub fn unit(layer: usize, u: usize) -> NeuronId {
        NeuronId {
            layer: layer - 1,
            index: u - 1,
        }
    }

    /// Equal items once each, with how many there are (`depth 2 (thin) ×14`), in first-seen
    /// order: a target cut into many small pieces keeps the row short.
    pub fn counted(items: &[String]) -> String {
        let mut seen: Vec<(&str, usize)> = Vec::new();
        for it in items {
            match seen.iter_mut().find(|(s, _)| *s == it.as_str()) {
                Some((_, n)) => *n += 1,
                None => seen.push((it, 1)),
            }
        }
        seen.iter()
            .map(|(s, n)| {
                if *n == 1 {
                    s.to_string()
                } else {
                    format!("{s} ×{n}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Every phenomenon's row at sample `k` of the analysis (clamped to the last analysed), in
/// the report's order.
pub fn rows(a: &Analysis, k: usize) -> Vec<Row> {
    if a.samples.is_empty() {
        return vec![];
    }
    let k = k.min(a.samples.len() - 1);
    a.registry
        .in_report_order()
        .into_iter()
        .filter_map(|p| {
            let mut row = p.row(a, k)?;
            row.section = p.section();
            row.about = format!("{}: {}", p.section(), p.about());
            Some(row)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_items_are_counted() {
        let items: Vec<String> = ["a", "b", "a", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(super::Row::counted(&items), "a ×3, b");
    }
}
