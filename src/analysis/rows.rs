//! The phenomena one row each, as the viewer's panel shows them: the verdict at a snapshot,
//! a headline figure per snapshot (for a sparkline over log-iteration), and the units the
//! phenomenon involves there (selected together when the row is clicked).

use super::{Analysis, PairKind, bias_first, failure, indecisive, symmetry};
use crate::nn::NeuronId;

/// One phenomenon at one snapshot.
#[derive(Clone, Debug, PartialEq)]
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
    /// The overlay that shows the phenomenon in the view (a name of `Overlays::NAMES`).
    pub overlay: Option<&'static str>,
    /// What the row measures, in a sentence (for a row that names no units).
    pub about: &'static str,
}

fn unit(layer: usize, u: usize) -> NeuronId {
    NeuronId {
        layer: layer - 1,
        index: u - 1,
    }
}

/// Equal items once each, with how many there are (`depth 2 (thin) ×14`), in first-seen
/// order: a target cut into many small pieces keeps the row short.
fn counted(items: &[String]) -> String {
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

/// Every phenomenon's row at sample `k` of the analysis (clamped to the last analysed).
pub fn rows(a: &Analysis, k: usize) -> Vec<Row> {
    let k = k.min(a.samples.len().saturating_sub(1));
    let Some(now) = a.samples.get(k) else {
        return vec![];
    };
    let series = |f: &dyn Fn(&super::Sample) -> Option<f64>| -> Vec<(u64, f64)> {
        a.samples
            .iter()
            .map(|s| (s.iteration, f(s).unwrap_or(f64::NAN)))
            .collect()
    };
    let on = |m: &str| a.computed.contains(&m);
    let mut out = Vec::new();

    // §5: per layer, the claim over the decades seen by this snapshot.
    if on("bias") {
        let d = bias_first::decade(now.iteration);
        let seen: Vec<_> = a
            .bias_first_layers
            .iter()
            .filter(|x| x.decade <= d)
            .cloned()
            .collect();
        let verdicts: Vec<Option<bool>> = (1..=a.widths.len())
            .map(|l| bias_first::verdict(&seen, l, a.thresholds.early_decades))
            .collect();
        let holds: Vec<String> = verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == Some(true))
            .map(|(l, _)| (l + 1).to_string())
            .collect();
        out.push(Row {
            name: "bias first",
            section: "§5",
            verdict: if verdicts.iter().all(Option::is_none) {
                "cannot tell yet".into()
            } else if holds.is_empty() {
                "does not hold".into()
            } else {
                format!("holds in layer {}", holds.join(", "))
            },
            figure: "share of the boundaries' motion that is shift, step by step",
            series: series(&|s| s.shift_share),
            units: vec![],
            overlay: None,
            about: "§5: whether a unit's boundary first moves by its bias (a shift) before its weights turn it (a tilt): β, the shift's share of the motion per decade of iterations, against β₀ of random steps of the same size",
        });
    }
    // §6.
    if on("critical") && a.target.as_ref().is_some_and(|t| !t.corners.is_empty()) {
        let total = a.target.as_ref().map_or(0, |t| t.corners.len()).max(1);
        out.push(Row {
            name: "corners",
            section: "§6",
            verdict: format!("{} of {total} captured", now.corners_captured),
            figure: "share of the target's corners captured by a kink or crossing",
            series: series(&|s| Some(s.corners_captured as f64 / total as f64)),
            units: vec![],
            overlay: Some("corners"),
            about: "§6: the target's corners that a kink or crossing of the boundaries has held for the last few snapshots",
        });
    }
    // §7: the pairs holding at this snapshot.
    if on("copycats") {
        let pairs: Vec<_> = a
            .episodes
            .iter()
            .filter(|e| e.from <= now.iteration && now.iteration <= e.to)
            .collect();
        let mut units = Vec::new();
        for e in &pairs {
            for u in e.units {
                let n = unit(e.layer, u);
                if !units.contains(&n) {
                    units.push(n);
                }
            }
        }
        let name = |e: &&super::Episode| {
            format!(
                "{}:{}{}{}:{}",
                e.layer,
                e.units[0],
                if e.kind == PairKind::Copycat {
                    "≈"
                } else {
                    "↔"
                },
                e.layer,
                e.units[1]
            )
        };
        out.push(Row {
            name: "copycats",
            section: "§7",
            verdict: match (now.copycats, now.mirrors) {
                (0, 0) => "none".into(),
                (c, m) => {
                    // Three named, the rest counted: the row stays one line.
                    let named: Vec<String> = pairs.iter().take(3).map(name).collect();
                    let more = match pairs.len().saturating_sub(named.len()) {
                        0 => String::new(),
                        n => format!(" and {n} more"),
                    };
                    format!(
                        "{c} copycat and {m} mirror {}: {}{more}",
                        if c + m == 1 { "pair" } else { "pairs" },
                        named.join(" ")
                    )
                }
            },
            figure: "copycat and mirror pairs",
            series: series(&|s| Some((s.copycats + s.mirrors) as f64)),
            units,
            overlay: None,
            about: "§7: pairs of units of a layer that compute nearly the same function (copycats) or its negation (mirror pairs)",
        });
    }
    // §8: the late window's verdict; the series is the first indecisive unit's state.
    if let Some(v) = &a.indecisive {
        let found: Vec<&indecisive::Hesitation> = match v {
            indecisive::Verdict::Units(u) => u.iter().filter(|h| h.indecisive).collect(),
            indecisive::Verdict::TooSparse { .. } => vec![],
        };
        let state: std::collections::HashMap<u64, f64> = found
            .first()
            .map(|h| {
                h.timeline
                    .iter()
                    .filter_map(|&(i, s)| {
                        a.late_iterations
                            .get(i)
                            .map(|&it| (it, f64::from(u8::from(s))))
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.push(Row {
            name: "indecisive",
            section: "§8",
            verdict: match v {
                indecisive::Verdict::TooSparse { late_snapshots } => {
                    format!("cannot tell from {late_snapshots} late snapshot(s)")
                }
                _ if found.is_empty() => "none".into(),
                _ => format!(
                    "unit(s) {}",
                    found
                        .iter()
                        .map(|h| format!("{}:{}", h.layer, h.unit))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            figure: "the first indecisive unit's state in the late window (0 or 1)",
            series: series(&|s| state.get(&s.iteration).copied()),
            units: found.iter().map(|h| unit(h.layer, h.unit)).collect(),
            overlay: Some("indecisive"),
            about: "§8: units whose boundary switches between two states late in training, changing almost no pixel",
        });
    }
    // §9: about the target's first mirror axis.
    if let Some(sym) = now.symmetry.first() {
        let mean = |s: &symmetry::Symmetry| {
            let v: Vec<f64> = s
                .boundary_share
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let mut units = Vec::new();
        if let Some(roles) = a.roles.first() {
            for (l, layer) in roles.iter().enumerate() {
                for (u, r) in layer.iter().enumerate() {
                    if let symmetry::Role::Paired(v) = r
                        && u + 1 < *v
                    {
                        units.push(NeuronId { layer: l, index: u });
                        units.push(NeuronId {
                            layer: l,
                            index: v - 1,
                        });
                    }
                }
            }
        }
        out.push(Row {
            name: "symmetry",
            section: "§9",
            verdict: format!(
                "{:.0} % of the boundaries mirrored, {:.1} % of pixels",
                100.0 * mean(sym).unwrap_or(0.0),
                100.0 * sym.pixel_share
            ),
            figure: "share of the boundaries whose mirror image is a boundary",
            series: series(&|s| s.symmetry.first().and_then(mean)),
            units,
            overlay: Some("mirror"),
            about: "§9: the share of the boundaries whose mirror image about the target's axis is a boundary too",
        });
    }
    // §10: the components at this snapshot.
    if !a.components.is_empty() {
        let at = |c: &failure::ComponentHistory| c.accuracy.get(k).copied().unwrap_or(0.0);
        let thick =
            |c: &&failure::ComponentHistory| c.thickness >= a.thresholds.failure_thickness_px;
        let missed: Vec<String> = a
            .components
            .iter()
            .filter(|c| at(c) < 0.5)
            .map(|c| {
                format!(
                    "depth {} ({})",
                    c.depth,
                    if thick(&c) { "missed" } else { "thin" }
                )
            })
            .collect();
        out.push(Row {
            name: "failure",
            section: "§10",
            verdict: if missed.is_empty() {
                "every component learned".into()
            } else {
                counted(&missed)
            },
            figure: "accuracy of the worst thick component",
            series: (0..a.samples.len())
                .map(|i| {
                    let worst = a
                        .components
                        .iter()
                        .filter(thick)
                        .filter_map(|c| c.accuracy.get(i).copied())
                        .fold(f64::INFINITY, f64::min);
                    (
                        a.samples[i].iteration,
                        if worst.is_finite() { worst } else { f64::NAN },
                    )
                })
                .collect(),
            units: vec![],
            overlay: Some("components"),
            about: "§10: the target's components the network leaves wrong (thin ones are reported, never failed)",
        });
    }
    // §3–4.
    if let (Some(n), Some(f)) = (now.complexity_near, now.complexity_far) {
        out.push(Row {
            name: "complexity",
            section: "§3–4",
            verdict: if f > 0.0 {
                format!("{:.1}× more units near the contour", n / f)
            } else {
                format!("{n:.1} units near the contour, none far")
            },
            figure: "units near the contour over units far from it",
            series: series(&|s| match (s.complexity_near, s.complexity_far) {
                (Some(n), Some(f)) if f > 0.0 => Some(n / f),
                _ => None,
            }),
            units: vec![],
            overlay: Some("complexity"),
            about: "§3–4: how many units' boundaries pass near the target's contour, against far from it",
        });
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn repeated_items_are_counted() {
        let items: Vec<String> = ["a", "b", "a", "a"].iter().map(|s| s.to_string()).collect();
        assert_eq!(super::counted(&items), "a ×3, b");
    }
}
