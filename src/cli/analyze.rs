//! `ginn analyze`: the report's phenomena measured over runs (see `ginn::analysis`).

use super::args::load_run;
use clap::Args;
use ginn::analysis::{Analysis, Thresholds, analyze};
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
}

impl AnalyzeCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let th = Thresholds::default();
        let results: Vec<anyhow::Result<Analysis>> = self
            .runs
            .par_iter()
            .map(|p| {
                let run = load_run(p)?;
                analyze(&run, &th).map_err(|t| {
                    anyhow::anyhow!("{}: {t}; GINN_MAX_REGIONS raises the limit", p.display())
                })
            })
            .collect();
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
