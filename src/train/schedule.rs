//! When things happen in a run: the learning rate at each iteration (cosine annealing to
//! zero, as the report) and which iterations are kept as snapshots.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Learning rate for the step taken at `iteration` (0-based) of a `total`-step run:
/// `½·lr₀·(1 + cos(π·t/T))`, PyTorch's `CosineAnnealingLR` with `eta_min = 0`.
pub fn cosine_lr(lr0: f64, iteration: u64, total: u64) -> f64 {
    if total == 0 {
        return lr0;
    }
    let t = iteration.min(total) as f64 / total as f64;
    0.5 * lr0 * (1.0 + (std::f64::consts::PI * t).cos())
}

/// Which iterations become snapshots.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "every")]
pub enum SnapshotPlan {
    /// The report's log-spaced schedule (~430 snapshots for 1.28M iterations).
    Paper,
    /// Every N iterations (and the last).
    Every(u64),
    /// The report's schedule, plus every N iterations in the late window (where the
    /// learning rate is ≤ 10 % of its start): what `ginn analyze` needs to follow units
    /// that hesitate between two states late in training (§8).
    #[serde(rename = "paper_tail")]
    PaperTail(u64),
}

/// First iteration of a `total`-step run whose learning rate is ≤ 10 % of the start:
/// ½(1 + cos(π t / T)) ≤ 0.1 from t = T · acos(−0.8) / π on.
pub fn late_window_start(total: u64) -> u64 {
    ((total as f64) * (-0.8f64).acos() / std::f64::consts::PI).ceil() as u64
}

impl SnapshotPlan {
    /// Whether the state after `iteration` steps of a `total`-step run is kept.
    /// Iteration 0 (the initialisation) and the last are always kept.
    pub fn keeps(&self, iteration: u64, total: u64) -> bool {
        if iteration == 0 || iteration == total {
            return true;
        }
        match *self {
            SnapshotPlan::Every(n) => iteration.is_multiple_of(n.max(1)),
            SnapshotPlan::Paper => iteration.is_multiple_of(paper_stride(iteration, total)),
            SnapshotPlan::PaperTail(n) => {
                SnapshotPlan::Paper.keeps(iteration, total)
                    || (iteration >= late_window_start(total) && iteration.is_multiple_of(n.max(1)))
            }
        }
    }

    /// An upper bound on how many snapshots a `total`-step run keeps (without listing them).
    pub fn count_bound(&self, total: u64) -> u64 {
        match *self {
            SnapshotPlan::Every(n) => total / n.max(1) + 2,
            // ~430 up to 10,000 iterations' worth of fine steps, then one per 5,000 at most.
            SnapshotPlan::Paper => 440 + total / 5_000,
            SnapshotPlan::PaperTail(n) => {
                SnapshotPlan::Paper.count_bound(total)
                    + (total - late_window_start(total).min(total)) / n.max(1)
                    + 1
            }
        }
    }

    /// All kept iterations of a `total`-step run, ascending.
    pub fn iterations(&self, total: u64) -> Vec<u64> {
        match *self {
            SnapshotPlan::Every(n) => {
                let mut v: Vec<u64> = (0..=total).step_by(n.max(1) as usize).collect();
                if v.last() != Some(&total) {
                    v.push(total);
                }
                v
            }
            SnapshotPlan::Paper => {
                let mut v = Vec::new();
                let mut it = 0;
                while it < total {
                    v.push(it);
                    // Next kept iteration: step by the stride of the segment just after `it`.
                    let s = paper_stride(it + 1, total);
                    it = (it / s + 1) * s;
                }
                v.push(total);
                v
            }
            SnapshotPlan::PaperTail(n) => {
                let mut v = SnapshotPlan::Paper.iterations(total);
                let n = n.max(1);
                let start = late_window_start(total).div_ceil(n) * n;
                v.extend((start..total).step_by(n as usize));
                v.sort_unstable();
                v.dedup();
                v
            }
        }
    }
}

/// Spacing of the report's schedule around `iteration`: every iteration to 50, every 2 to
/// 200, 5 to 300, 10 to 500, 20 to 1,000, 50 to 2,000, 100 to 4,000, 500 to 10,000,
/// 5,000 to T/2 and 10,000 to T. Shorter runs keep the early part as it is.
fn paper_stride(iteration: u64, total: u64) -> u64 {
    const FIXED: [(u64, u64); 8] = [
        (50, 1),
        (200, 2),
        (300, 5),
        (500, 10),
        (1_000, 20),
        (2_000, 50),
        (4_000, 100),
        (10_000, 500),
    ];
    FIXED
        .iter()
        .find(|&&(end, _)| iteration <= end)
        .map(|&(_, s)| s)
        .unwrap_or(if iteration <= total / 2 {
            5_000
        } else {
            10_000
        })
}

impl fmt::Display for SnapshotPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SnapshotPlan::Paper => write!(f, "paper"),
            SnapshotPlan::Every(n) => write!(f, "every:{n}"),
            SnapshotPlan::PaperTail(n) => write!(f, "paper,tail:{n}"),
        }
    }
}

impl FromStr for SnapshotPlan {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "paper" {
            return Ok(SnapshotPlan::Paper);
        }
        if let Some(n) = s.strip_prefix("paper,tail:") {
            return match n.parse::<u64>() {
                Ok(n) if n > 0 => Ok(SnapshotPlan::PaperTail(n)),
                _ => Err(format!("`paper,tail:N` needs N ≥ 1, got `{s}`")),
            };
        }
        match s.strip_prefix("every:").map(str::parse::<u64>) {
            Some(Ok(n)) if n > 0 => Ok(SnapshotPlan::Every(n)),
            _ => Err(format!(
                "snapshot plan must be `paper`, `every:N` or `paper,tail:N` with N ≥ 1, got `{s}`"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_matches_pytorch_values() {
        // CosineAnnealingLR(T_max=10) values from the PyTorch fixture.
        assert_eq!(cosine_lr(1e-3, 0, 10), 1e-3);
        assert!((cosine_lr(1e-3, 1, 10) - 0.0009755282581475768).abs() < 1e-15);
        assert!((cosine_lr(1e-3, 2, 10) - 0.0009045084971874736).abs() < 1e-15);
        assert!(cosine_lr(1e-3, 10, 10).abs() < 1e-18);
    }

    #[test]
    fn paper_schedule_has_about_430_snapshots_for_the_report_run() {
        let its = SnapshotPlan::Paper.iterations(1_280_000);
        assert!((420..=440).contains(&its.len()), "{}", its.len());
        assert_eq!(&its[..4], &[0, 1, 2, 3]);
        assert!(its.contains(&50) && its.contains(&52) && !its.contains(&51));
        assert!(!its.contains(&645_000) && its.contains(&650_000));
        assert_eq!(*its.last().unwrap(), 1_280_000);
        assert!(its.windows(2).all(|w| w[0] < w[1]));
        // `keeps` and `iterations` agree.
        let kept: Vec<u64> = (0..=20_000)
            .filter(|&i| SnapshotPlan::Paper.keeps(i, 1_280_000))
            .collect();
        let listed: Vec<u64> = its.iter().copied().filter(|&i| i <= 20_000).collect();
        assert_eq!(kept, listed);
    }

    #[test]
    fn a_tail_densifies_only_the_late_window() {
        let total = 1_280_000;
        let plan: SnapshotPlan = "paper,tail:1000".parse().unwrap();
        assert_eq!(plan.to_string(), "paper,tail:1000");
        let its = plan.iterations(total);
        let start = late_window_start(total);
        assert!(cosine_lr(1.0, start, total) <= 0.1 && cosine_lr(1.0, start - 1, total) > 0.1);
        let paper = SnapshotPlan::Paper.iterations(total);
        assert_eq!(
            its.iter().filter(|&&i| i < start).collect::<Vec<_>>(),
            paper.iter().filter(|&&i| i < start).collect::<Vec<_>>()
        );
        assert!(its.iter().filter(|&&i| i >= start).count() > 250);
        assert!(its.windows(2).all(|w| w[0] < w[1]));
        assert!(its.len() as u64 <= plan.count_bound(total));
        for i in its.iter().copied().step_by(7) {
            assert!(plan.keeps(i, total), "{i}");
        }
        assert!(!plan.keeps(start + 1, total));
        assert!("paper,tail:0".parse::<SnapshotPlan>().is_err());
        // The run file's spelling.
        let json = serde_json::to_string(&plan).unwrap();
        assert_eq!(serde_json::from_str::<SnapshotPlan>(&json).unwrap(), plan);
    }

    #[test]
    fn count_bound_bounds_the_count() {
        for total in [1, 75, 10_000, 1_280_000, 3_000_000] {
            assert!(
                SnapshotPlan::Paper.iterations(total).len() as u64
                    <= SnapshotPlan::Paper.count_bound(total)
            );
            assert!(
                SnapshotPlan::Every(7).iterations(total).len() as u64
                    <= SnapshotPlan::Every(7).count_bound(total)
            );
        }
    }

    #[test]
    fn short_runs_and_every_n() {
        let its = SnapshotPlan::Paper.iterations(75);
        assert_eq!(*its.last().unwrap(), 75);
        assert_eq!(
            SnapshotPlan::Every(40).iterations(100),
            vec![0, 40, 80, 100]
        );
        assert_eq!(
            "every:7".parse::<SnapshotPlan>(),
            Ok(SnapshotPlan::Every(7))
        );
        assert!("every:0".parse::<SnapshotPlan>().is_err());
        assert!("sometimes".parse::<SnapshotPlan>().is_err());
    }
}
