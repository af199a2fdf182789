//! `ginn analyze`: the report's phenomena measured over runs (see `ginn::analysis`).

use super::args::load_run;
use clap::Args;
use ginn::analysis::{Analysis, Measures, Thresholds, analyze_with};
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
    /// Only these measures: bias, critical, copycats, symmetry, failure, complexity
    /// (comma-separated; the target's features and the region counts always come).
    #[arg(long, value_parser = Measures::parse)]
    only: Option<Measures>,
}

impl AnalyzeCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let th = Thresholds::default();
        let measures = self.only.unwrap_or_else(Measures::all);
        let runs: Vec<ginn::run::Run> = self
            .runs
            .iter()
            .map(|p| load_run(p))
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
                analyze_with(run, &th, measures, &tick).map_err(|t| {
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
            for (p, a) in self.runs.iter().zip(&all) {
                let mut v = serde_json::to_value(a)?;
                v["run"] = serde_json::Value::String(p.display().to_string());
                println!("{}", serde_json::to_string(&v)?);
            }
            return Ok(());
        }
        for (p, a) in self.runs.iter().zip(&all) {
            println!("== {}", p.display());
            print!("{}", a.summary());
        }
        if all.len() > 1 {
            println!(
                "\n{:<40} {:>8} {:>9} {:>8} {:>16} {:>10}",
                "run", "regions", "copycats", "mirrors", "effective width", "dead"
            );
            for (p, a) in self.runs.iter().zip(&all) {
                let last = a.samples.last().expect("a run has a snapshot");
                println!(
                    "{:<40} {:>8} {:>9} {:>8} {:>16} {:>10}",
                    p.display().to_string(),
                    last.regions,
                    last.copycats,
                    last.mirrors,
                    format!("{:?}", last.effective_width),
                    format!("{:?}", last.dead_units)
                );
            }
        }
        Ok(())
    }
}
