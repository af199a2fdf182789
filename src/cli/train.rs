//! `ginn train`: one run, or several seeds in parallel, saved as run files — or a stopped
//! run resumed. Outputs are checked before training, checkpoints are written during it,
//! Ctrl-C / SIGTERM stop it and save what there is, and a failed final write goes to a
//! fallback file rather than losing the run.

use super::args::{Seeds, TrainArgs, parse_seeds};
use anyhow::{Context, bail};
use clap::{ArgMatches, Args, parser::ValueSource};
use ginn::run::Run;
use ginn::run::fsutil::{Written, prepare_output};
use ginn::run::training::{Checkpoints, Ending, Hooks, ResumeError, Training};
use ginn::train::{Settings, StopReason, Stopped};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Args)]
pub struct TrainCmd {
    #[command(flatten)]
    train: TrainArgs,
    /// Train several seeds in parallel instead of `--seed`, e.g. `1-8` or `1,4,9`.
    #[arg(long, value_parser = parse_seeds, conflicts_with = "resume")]
    seeds: Option<Seeds>,
    /// Run file to write (`.gz` to compress). With `--seeds`, `-seedN` is added to the name.
    /// With `--resume`, the resumed file itself unless given.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue a stopped or checkpointed run file to its planned end, exactly as if it had
    /// never stopped. Its settings are kept; a complete run is left as it is.
    #[arg(long, value_name = "RUN")]
    resume: Option<PathBuf>,
    /// Rewrite the run file this often while training (`60s`, `5m`, `off`), so a kill or a
    /// power loss loses at most that much. Runs shorter than the interval never write one.
    #[arg(long, default_value = "60s", value_parser = parse_interval)]
    checkpoint_every: Interval,
    /// Print one JSON object on stdout instead of the summary line.
    #[arg(long)]
    json: bool,
}

const DEFAULT_OUT: &str = "run.ginn.json";

/// A time interval, or none (`off`).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Interval(Option<Duration>);

/// `60s`, `5m`, `1h`, `90` (seconds), or `off` / `0`.
fn parse_interval(s: &str) -> Result<Interval, String> {
    parse_duration(s).map(Interval)
}

fn parse_duration(s: &str) -> Result<Option<Duration>, String> {
    let bad = || format!("expected an interval such as 60s, 5m, 1h or off, got `{s}`");
    if s == "off" {
        return Ok(None);
    }
    let (num, unit) = match s.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: f64 = num.trim().parse().map_err(|_| bad())?;
    let scale = match unit {
        "s" => 1.0,
        "m" | "min" => 60.0,
        "h" => 3600.0,
        _ => return Err(bad()),
    };
    if !(n.is_finite() && n >= 0.0) {
        return Err(bad());
    }
    Ok((n > 0.0).then(|| Duration::from_secs_f64(n * scale)))
}

/// One run to train: where it starts and where it goes.
struct Job {
    seed: u64,
    out: PathBuf,
    training: Training,
}

/// What one run reports at the end.
struct Outcome {
    seed: u64,
    out: PathBuf,
    written: Written,
    run: Run,
    ending: Ending,
    checkpoint_seconds: f64,
    checkpoints: u32,
    /// Training seconds of this process (a resumed run's file counts earlier ones too).
    seconds_here: f64,
    iterations_here: u64,
}

impl Outcome {
    fn iterations(&self) -> u64 {
        self.run.last().iteration
    }

    fn rate(&self) -> f64 {
        self.iterations_here as f64 / self.seconds_here.max(1e-9)
    }

    fn to_json(&self) -> serde_json::Value {
        let last = self.run.last();
        json!({
            "seed": self.seed,
            "iterations": self.iterations(),
            "seconds": self.run.seconds,
            "iterations_per_second": self.rate(),
            "loss": last.loss,
            "accuracy": last.accuracy,
            "snapshots": self.run.snapshots.len(),
            "out": self.written.path,
            "fallback_for": self.written.failed.as_ref().map(|_| &self.out),
            "stopped": self.run.stopped.as_ref().map(|d| d.to_string()),
            "diverged": self.run.stopped.as_ref()
                .filter(|s| s.reason == StopReason::Diverged)
                .map(|d| d.to_string()),
            "checkpoints": self.checkpoints,
            "checkpoint_seconds": self.checkpoint_seconds,
        })
    }

    fn summary(&self) -> String {
        let last = self.run.last();
        format!(
            "seed {}: {} iterations in {:.1} s ({:.0} it/s), loss {:.4}, accuracy {:.2}%, {} snapshots → {}",
            self.seed,
            self.iterations(),
            self.run.seconds,
            self.rate(),
            last.loss,
            100.0 * last.accuracy,
            self.run.snapshots.len(),
            self.written.path.display()
        )
    }
}

/// Stops training at a signal and says how the process should end.
pub struct Interrupted {
    pub code: i32,
    pub message: String,
}

impl std::fmt::Display for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::fmt::Debug for Interrupted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}
impl std::error::Error for Interrupted {}

impl TrainCmd {
    pub fn run(self, matches: &ArgMatches) -> anyhow::Result<()> {
        let jobs = match &self.resume {
            Some(path) => self.resume_job(path, matches)?,
            None => self.new_jobs()?,
        };
        let Some(jobs) = jobs else { return Ok(()) };
        // Before any work: every output can be written and fits on its disk.
        for job in &jobs {
            prepare_output(&job.out, Run::expected_file_bytes(job.training.settings()))?;
        }
        let interrupt = ginn::run::interrupt::install().context("installing the Ctrl-C handler")?;
        let many = jobs.len() > 1;
        let total = jobs[0].training.settings().iterations;
        eprintln!(
            "training {} → {} ({} iterations{}); Ctrl-C stops and saves",
            if many {
                format!("{} seeds", jobs.len())
            } else {
                format!("seed {}", jobs[0].seed)
            },
            if many {
                "one file per seed".to_string()
            } else {
                jobs[0].out.display().to_string()
            },
            total,
            match self.checkpoint_every.0 {
                Some(d) => format!(", checkpoint every {}", humanize(d)),
                None => String::new(),
            }
        );

        let bars = MultiProgress::new();
        let style = ProgressStyle::with_template(
            "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} {per_sec} ETA {eta} {msg}",
        )
        .expect("valid template");
        let outcomes: Vec<anyhow::Result<Outcome>> = jobs
            .into_par_iter()
            .map(|mut job| {
                let bar = bars.add(
                    ProgressBar::new(total)
                        .with_style(style.clone())
                        .with_prefix(format!("seed {}", job.seed))
                        .with_position(job.training.iteration()),
                );
                let start_iteration = job.training.iteration();
                let start_seconds = job.training.seconds();
                let mut progress = |p: ginn::run::Progress| {
                    bar.set_position(p.iteration);
                    bar.set_message(format!("loss {:.4}", p.batch_loss));
                };
                let mut write_checkpoint = |r: &Run| {
                    // A failed checkpoint costs only safety: say so once per failure and go on.
                    if let Err(e) = r.save(&job.out) {
                        bar.suspend(|| eprintln!("warning: checkpoint not written: {e}"));
                    }
                };
                let ending = job.training.run(&mut Hooks {
                    stop: Some(interrupt.flag()),
                    progress_every: 1000,
                    progress: Some(&mut progress),
                    checkpoint: self.checkpoint_every.0.map(|every| Checkpoints {
                        every,
                        write: &mut write_checkpoint,
                    }),
                    ..Default::default()
                });
                bar.finish_and_clear();
                let iterations_here = job.training.iteration() - start_iteration;
                let seconds_here = job.training.seconds() - start_seconds;
                let (checkpoint_seconds, checkpoints) =
                    (job.training.checkpoint_seconds, job.training.checkpoints);
                let stopped = (ending == Ending::Stopped)
                    .then(|| Stopped::interrupted(job.training.iteration()));
                let run = job.training.into_run(stopped);
                let written = run.save_or_fallback(&job.out)?;
                if written.failed.is_some() {
                    eprintln!("warning: {}", written.describe(&job.out));
                }
                Ok(Outcome {
                    seed: job.seed,
                    out: job.out,
                    written,
                    run,
                    ending,
                    checkpoint_seconds,
                    checkpoints,
                    seconds_here,
                    iterations_here,
                })
            })
            .collect();
        let outcomes: Vec<Outcome> = outcomes
            .into_iter()
            .collect::<anyhow::Result<_>>()
            .context("training failed")?;
        self.report(&outcomes, many);

        if outcomes.iter().any(|o| o.ending == Ending::Stopped) {
            let stopped: Vec<&Outcome> = outcomes
                .iter()
                .filter(|o| o.ending == Ending::Stopped)
                .collect();
            let saved: Vec<String> = stopped
                .iter()
                .map(|o| {
                    format!(
                        "seed {} at iteration {} in {}",
                        o.seed,
                        o.iterations(),
                        o.written.path.display()
                    )
                })
                .collect();
            let how = match stopped.as_slice() {
                [one] => format!("ginn train --resume {}", one.written.path.display()),
                _ => "ginn train --resume FILE, for each file".into(),
            };
            return Err(Interrupted {
                code: interrupt.exit_code(),
                message: format!(
                    "interrupted ({}); the run so far is saved: {}. Continue with `{how}`",
                    interrupt.signal_name(),
                    saved.join(", ")
                ),
            }
            .into());
        }
        if let Some(o) = outcomes.iter().find(|o| o.ending == Ending::Diverged) {
            let d = o.run.stopped.as_ref().expect("stopped");
            bail!(
                "seed {}: {d}; the run so far is saved in {}",
                o.seed,
                o.written.path.display()
            );
        }
        Ok(())
    }

    fn new_jobs(&self) -> anyhow::Result<Option<Vec<Job>>> {
        let (settings, target) = self.train.settings_and_target()?;
        let out = self.out.clone().unwrap_or_else(|| DEFAULT_OUT.into());
        let jobs = match &self.seeds {
            None => vec![(settings.seed, out)],
            Some(seeds) => seeds.0.iter().map(|&s| (s, seed_path(&out, s))).collect(),
        };
        jobs.into_iter()
            .map(|(seed, out)| {
                let s = Settings {
                    seed,
                    ..settings.clone()
                };
                Ok(Job {
                    seed,
                    out,
                    training: Training::new(s, target.clone())?,
                })
            })
            .collect::<anyhow::Result<_>>()
            .map(Some)
    }

    /// The resumed run as a job; `None` (and a message) when it is already complete.
    fn resume_job(&self, path: &Path, matches: &ArgMatches) -> anyhow::Result<Option<Vec<Job>>> {
        let run = super::args::load_run(path)?;
        refuse_changed_settings(&self.train, matches, &run.settings)?;
        let out = self.out.clone().unwrap_or_else(|| path.to_path_buf());
        let seed = run.settings.seed;
        match Training::resume(run) {
            Ok(training) => Ok(Some(vec![Job {
                seed,
                out,
                training,
            }])),
            Err(ResumeError::Complete(n)) => {
                eprintln!(
                    "{}: already complete ({n} iterations); nothing to do",
                    path.display()
                );
                Ok(None)
            }
            Err(e) => Err(anyhow::anyhow!("{}: cannot resume: {e}", path.display())),
        }
    }

    fn report(&self, outcomes: &[Outcome], many: bool) {
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
            return;
        }
        for o in outcomes {
            println!("{}", o.summary());
        }
        if many {
            let n = outcomes.len() as f64;
            let mean = outcomes.iter().map(|o| o.run.last().accuracy).sum::<f64>() / n;
            let by_acc = |a: &&Outcome, b: &&Outcome| {
                a.run.last().accuracy.total_cmp(&b.run.last().accuracy)
            };
            let best = outcomes.iter().max_by(by_acc).expect("runs");
            let worst = outcomes.iter().min_by(by_acc).expect("runs");
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
}

/// `--resume` keeps the run's own settings: a training flag given with another value is
/// refused, since the result would no longer be that run (a branch is the tool for that).
fn refuse_changed_settings(
    args: &TrainArgs,
    matches: &ArgMatches,
    run: &Settings,
) -> anyhow::Result<()> {
    let wanted = args.settings_unchecked()?;
    let changed: Vec<String> = matches
        .ids()
        .map(|id| id.as_str())
        .filter(|id| matches!(matches.value_source(id), Some(ValueSource::CommandLine)))
        .filter(|id| TrainArgs::feeds(id).is_some_and(|field| differs(&wanted, run, field)))
        .map(|id| format!("--{}", id.replace('_', "-")))
        .collect();
    if !changed.is_empty() {
        bail!(
            "--resume continues a run with its own settings, but {} {} from the run's; \
             drop {}, or branch the run with new settings in the viewer (Branch panel)",
            changed.join(", "),
            if changed.len() == 1 {
                "differs"
            } else {
                "differ"
            },
            if changed.len() == 1 { "it" } else { "them" },
        );
    }
    Ok(())
}

/// Whether the settings `field` (by its serialised name) differs between two settings.
fn differs(a: &Settings, b: &Settings, field: &str) -> bool {
    let value = |s: &Settings| serde_json::to_value(s).map(|v| v.get(field).cloned());
    value(a).ok().flatten() != value(b).ok().flatten()
}

fn humanize(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s >= 60.0 && s % 60.0 == 0.0 {
        format!("{} min", s / 60.0)
    } else {
        format!("{s} s")
    }
}

/// `run.ginn.json` → `run-seed3.ginn.json`.
fn seed_path(path: &Path, seed: u64) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| DEFAULT_OUT.into());
    let (stem, ext) = name.split_once('.').unwrap_or((&name, "ginn.json"));
    path.with_file_name(format!("{stem}-seed{seed}.{ext}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals() {
        let parse_interval = parse_duration;
        assert_eq!(parse_interval("60s"), Ok(Some(Duration::from_secs(60))));
        assert_eq!(parse_interval("5m"), Ok(Some(Duration::from_secs(300))));
        assert_eq!(parse_interval("1.5h"), Ok(Some(Duration::from_secs(5400))));
        assert_eq!(parse_interval("90"), Ok(Some(Duration::from_secs(90))));
        assert_eq!(parse_interval("off"), Ok(None));
        assert_eq!(parse_interval("0"), Ok(None));
        assert!(parse_interval("soon").is_err());
        assert!(parse_interval("5y").is_err());
        assert!(parse_interval("-3s").is_err());
    }
}
