//! `ginn summary RUN…`: one line per run file — how far it got and how well it did — for
//! the end of a sweep (e.g. a Slurm job array) and for checking that every run finished.

use super::args::load_run;
use clap::Args;
use ginn::run::Run;
use serde_json::json;
use std::path::PathBuf;

#[derive(Args)]
pub struct SummaryCmd {
    /// Run files (e.g. `runs/*.ginn.json`).
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// One JSON object on stdout: `runs` (one object per file) and the mean accuracy.
    #[arg(long)]
    json: bool,
    /// Exit with status 1 unless every run reached its planned last iteration.
    #[arg(long)]
    complete: bool,
}

/// Where a run stands, in one word.
fn status(run: &Run) -> String {
    match &run.stopped {
        Some(s) => format!("{:?}", s.reason).to_lowercase(),
        None if run.last().iteration >= run.settings.iterations => "complete".into(),
        None => "incomplete".into(),
    }
}

impl SummaryCmd {
    pub fn run(self) -> anyhow::Result<()> {
        // A damaged file is reported in its row, not fatal: a sweep's other runs still count.
        let rows: Vec<(PathBuf, Result<Run, String>)> = self
            .runs
            .iter()
            .map(|p| (p.clone(), load_run(p).map_err(|e| format!("{e:#}"))))
            .collect();
        let complete = rows
            .iter()
            .filter(|(_, r)| r.as_ref().is_ok_and(|r| status(r) == "complete"))
            .count();
        let accuracies: Vec<f64> = rows
            .iter()
            .filter_map(|(_, r)| r.as_ref().ok().map(|r| r.last().accuracy))
            .collect();
        let mean = accuracies.iter().sum::<f64>() / accuracies.len().max(1) as f64;
        if self.json {
            let runs: Vec<_> = rows
                .iter()
                .map(|(p, r)| match r {
                    Ok(r) => json!({
                        "file": p, "seed": r.settings.seed, "status": status(r),
                        "iteration": r.last().iteration, "iterations": r.settings.iterations,
                        "accuracy": r.last().accuracy, "loss": r.last().loss,
                        "seconds": r.seconds, "snapshots": r.snapshots.len(),
                    }),
                    Err(e) => json!({"file": p, "status": "unreadable", "error": e}),
                })
                .collect();
            println!(
                "{}",
                json!({"runs": runs, "complete": complete, "mean_accuracy": mean})
            );
        } else {
            println!(
                "{:<40} {:>6} {:>21} {:>9} {:>8} {:>8}  status",
                "file", "seed", "iterations", "accuracy", "loss", "seconds"
            );
            for (p, r) in &rows {
                match r {
                    Ok(r) => println!(
                        "{:<40} {:>6} {:>21} {:>8.2}% {:>8.4} {:>8.1}  {}",
                        p.display(),
                        r.settings.seed,
                        format!("{}/{}", r.last().iteration, r.settings.iterations),
                        100.0 * r.last().accuracy,
                        r.last().loss,
                        r.seconds,
                        status(r)
                    ),
                    Err(e) => println!("{:<40} unreadable: {e}", p.display()),
                }
            }
            println!(
                "{} runs, {complete} complete, mean accuracy {:.2}%",
                rows.len(),
                100.0 * mean
            );
        }
        if self.complete && complete < rows.len() {
            anyhow::bail!(
                "{} of {} runs are not complete",
                rows.len() - complete,
                rows.len()
            );
        }
        Ok(())
    }
}
