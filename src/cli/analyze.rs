//! `ginn analyze`: the report's phenomena measured over runs (see `ginn::analysis`).

use super::args::At;
use clap::Args;
use ginn::analysis::{Analysis, Registry, analyze_with};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::path::PathBuf;

#[derive(Args)]
pub struct AnalyzeCmd {
    /// Run files (several: a table across them too; analysed in parallel).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Print one JSON object per run (every figure, time series by iteration, thresholds).
    #[arg(long)]
    json: bool,
    // The help and the names come from the registry of phenomena.
    #[arg(long, value_delimiter = ',', help = Registry::builtin().only_help(false),
          long_help = Registry::builtin().only_help(true),
          value_parser = clap::builder::PossibleValuesParser::new(Registry::builtin().names()))]
    only: Option<Vec<String>>,
    #[command(flatten)]
    thresholds: super::args::ThresholdArgs,
    #[command(flatten)]
    domain: super::args::DomainArgs,
}

impl AnalyzeCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let th = self.thresholds.thresholds()?;
        let registry = match &self.only {
            Some(names) => Registry::builtin()
                .only(&names.join(","))
                .map_err(anyhow::Error::msg)?,
            None => Registry::builtin(),
        };
        let runs: Vec<ginn::run::Run> = self
            .runs
            .iter()
            .map(|p| self.domain.load(p, At::Last))
            .collect::<anyhow::Result<_>>()?;
        // A bar over every snapshot of every run (drawn only on a terminal).
        let bar = ProgressBar::new(runs.iter().map(|r| r.snapshots.len() as u64).sum());
        bar.set_style(
            ProgressStyle::with_template("analysing {bar:30} {pos}/{len} snapshots, {eta} left")
                .expect("a valid template"),
        );
        let tick = || bar.inc(1);
        let results: Vec<anyhow::Result<Analysis>> = runs
            .par_iter()
            .zip(&self.runs)
            .map(|(run, p)| {
                analyze_with(run, &th, &registry, &tick).map_err(|t| {
                    anyhow::anyhow!("{}: {t}; GINN_MAX_REGIONS raises the limit", p.display())
                })
            })
            .collect();
        bar.finish_and_clear();
        let mut all = Vec::with_capacity(results.len());
        for r in results {
            all.push(r?);
        }
        if self.json {
            for ((p, a), run) in self.runs.iter().zip(&all).zip(&runs) {
                let v = ginn::analysis::to_json(&p.display().to_string(), run, a);
                println!("{}", serde_json::to_string(&v)?);
            }
            return Ok(());
        }
        for ((p, a), run) in self.runs.iter().zip(&all).zip(&runs) {
            println!("== {}", p.display());
            if !run.domain.is_unit() {
                let d = run.domain;
                let th: Vec<String> = ginn::analysis::in_domain_units(&a.thresholds, &d)
                    .into_iter()
                    .map(|(k, x, y)| {
                        format!(
                            "{k} {} (x) / {} (y)",
                            ginn::domain::short(x),
                            ginn::domain::short(y)
                        )
                    })
                    .collect();
                println!(
                    "domain {}; distances measured on it: {}",
                    d.ranges(),
                    th.join(", ")
                );
            }
            print!("{}", a.summary());
        }
        if all.len() > 1 {
            println!("\n{}", cross_run_table(&self.runs, &runs, &all));
        }
        Ok(())
    }
}

/// One row per run, one column per headline figure.
fn cross_run_table(paths: &[PathBuf], runs: &[ginn::run::Run], all: &[Analysis]) -> String {
    use ginn::analysis::{failure::Verdict, indecisive};
    let header = [
        "run",
        "accuracy",
        "regions",
        "§5 holds",
        "§6 corners",
        "§3–4 ×",
        "§7 copies",
        "§8 indec.",
        "§9 mirror px",
        "§10 failed",
        "§10 thin",
    ];
    let mut rows = vec![header.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for ((p, run), a) in paths.iter().zip(runs).zip(all) {
        let last = a.samples.last().expect("a run has a snapshot");
        let yes = |v: &Option<bool>| match v {
            Some(true) => "y",
            Some(false) => "n",
            None => "?",
        };
        let verdicts = |v: Verdict| {
            a.components
                .iter()
                .filter(|c| c.verdict == v)
                .count()
                .to_string()
        };
        rows.push(vec![
            p.file_name().map_or_else(
                || p.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            ),
            format!("{:.2} %", 100.0 * run.last().accuracy),
            last.regions.to_string(),
            a.bias_first_holds
                .iter()
                .map(yes)
                .collect::<Vec<_>>()
                .join(""),
            last.corner_attraction
                .last()
                .map_or("-".into(), |v| format!("{:.0} %", 100.0 * v)),
            match (last.complexity_near, last.complexity_far) {
                (Some(n), Some(f)) if f > 0.0 => format!("{:.1}", n / f),
                _ => "-".into(),
            },
            last.copycats.to_string(),
            match &a.indecisive {
                Some(indecisive::Verdict::Units(u)) => {
                    u.iter().filter(|h| h.indecisive).count().to_string()
                }
                Some(indecisive::Verdict::TooSparse { .. }) => "?".into(),
                None => "-".into(),
            },
            last.symmetry
                .first()
                .map_or("-".into(), |s| format!("{:.1} %", 100.0 * s.pixel_share)),
            verdicts(Verdict::Failed),
            verdicts(Verdict::Thin),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|k| rows.iter().map(|r| r[k].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            r.iter()
                .zip(&widths)
                .enumerate()
                .map(|(k, (c, &w))| {
                    let pad = " ".repeat(w - c.chars().count());
                    if k == 0 {
                        format!("{c}{pad}")
                    } else {
                        format!("{pad}{c}")
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
