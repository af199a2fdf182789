//! `ginn train`: one run, or several seeds in parallel, saved as run files.

use super::args::{Seeds, TrainArgs, parse_seeds};
use anyhow::Context;
use clap::Args;
use ginn::run::Run;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};

#[derive(Args)]
pub struct TrainCmd {
    #[command(flatten)]
    train: TrainArgs,
    /// Train several seeds in parallel instead of `--seed`, e.g. `1-8` or `1,4,9`.
    #[arg(long, value_parser = parse_seeds)]
    seeds: Option<Seeds>,
    /// Run file to write (`.gz` to compress). With `--seeds`, `-seedN` is added to the name.
    #[arg(long, default_value = "run.ginn.json")]
    out: PathBuf,
    /// Print one JSON object on stdout instead of the summary line.
    #[arg(long)]
    json: bool,
}

/// What one finished run reports.
struct Outcome {
    seed: u64,
    out: PathBuf,
    run: Run,
}

impl Outcome {
    fn iterations(&self) -> u64 {
        self.run.last().iteration
    }

    fn to_json(&self) -> serde_json::Value {
        let last = self.run.last();
        json!({
            "seed": self.seed,
            "iterations": self.iterations(),
            "seconds": self.run.seconds,
            "iterations_per_second": self.iterations() as f64 / self.run.seconds.max(1e-9),
            "loss": last.loss,
            "accuracy": last.accuracy,
            "snapshots": self.run.snapshots.len(),
            "out": self.out,
            "diverged": self.run.stopped.as_ref().map(|d| d.to_string()),
        })
    }

    fn summary(&self) -> String {
        let last = self.run.last();
        format!(
            "seed {}: {} iterations in {:.1} s ({:.0} it/s), loss {:.4}, accuracy {:.2}%, {} snapshots → {}",
            self.seed,
            self.iterations(),
            self.run.seconds,
            self.iterations() as f64 / self.run.seconds.max(1e-9),
            last.loss,
            100.0 * last.accuracy,
            self.run.snapshots.len(),
            self.out.display()
        )
    }
}

impl TrainCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let (settings, target) = self.train.settings_and_target()?;
        let seeds = self
            .seeds
            .clone()
            .map_or_else(|| vec![settings.seed], |s| s.0);
        let many = self.seeds.is_some();
        let bars = MultiProgress::new();
        let style = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} ETA {eta} {msg}",
        )
        .expect("valid template");
        let outcomes: Vec<anyhow::Result<Outcome>> = seeds
            .par_iter()
            .map(|&seed| {
                let out = if many {
                    seed_path(&self.out, seed)
                } else {
                    self.out.clone()
                };
                let bar = bars.add(
                    ProgressBar::new(settings.iterations)
                        .with_style(style.clone())
                        .with_prefix(format!("seed {seed}")),
                );
                let s = ginn::train::Settings {
                    seed,
                    ..settings.clone()
                };
                let run = Run::train(s, target.clone(), 1000, |p| {
                    bar.set_position(p.iteration);
                    bar.set_message(format!("loss {:.4}", p.batch_loss));
                })?;
                bar.finish_and_clear();
                run.save(&out)?;
                Ok(Outcome { seed, out, run })
            })
            .collect();
        let outcomes: Vec<Outcome> = outcomes
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("training failed")?;

        if self.json {
            let value = if many {
                let acc: Vec<f64> = outcomes.iter().map(|o| o.run.last().accuracy).collect();
                json!({
                    "runs": outcomes.iter().map(Outcome::to_json).collect::<Vec<_>>(),
                    "mean_accuracy": acc.iter().sum::<f64>() / acc.len() as f64,
                    "min_accuracy": acc.iter().copied().fold(f64::INFINITY, f64::min),
                    "max_accuracy": acc.iter().copied().fold(0.0, f64::max),
                    "mean_loss": outcomes.iter().map(|o| o.run.last().loss).sum::<f64>() / outcomes.len() as f64,
                })
            } else {
                outcomes[0].to_json()
            };
            println!("{value}");
        } else {
            for o in &outcomes {
                println!("{}", o.summary());
            }
            if many {
                let n = outcomes.len() as f64;
                let mean = outcomes.iter().map(|o| o.run.last().accuracy).sum::<f64>() / n;
                let best = outcomes
                    .iter()
                    .max_by(|a, b| a.run.last().accuracy.total_cmp(&b.run.last().accuracy))
                    .expect("runs");
                let worst = outcomes
                    .iter()
                    .min_by(|a, b| a.run.last().accuracy.total_cmp(&b.run.last().accuracy))
                    .expect("runs");
                println!(
                    "{} seeds: mean accuracy {:.2}%, best seed {} ({:.2}%), worst seed {} ({:.2}%)",
                    outcomes.len(),
                    100.0 * mean,
                    best.seed,
                    100.0 * best.run.last().accuracy,
                    worst.seed,
                    100.0 * worst.run.last().accuracy
                );
            }
        }
        if let Some(o) = outcomes.iter().find(|o| o.run.stopped.is_some()) {
            let d = o.run.stopped.as_ref().expect("stopped");
            anyhow::bail!(
                "seed {}: {d}; the run so far is saved in {}",
                o.seed,
                o.out.display()
            );
        }
        Ok(())
    }
}

/// `run.ginn.json` → `run-seed3.ginn.json`.
fn seed_path(path: &Path, seed: u64) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "run.ginn.json".into());
    let (stem, ext) = name.split_once('.').unwrap_or((&name, "ginn.json"));
    path.with_file_name(format!("{stem}-seed{seed}.{ext}"))
}
