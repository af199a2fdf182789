//! A run being trained to its planned end — from the start, or from where an earlier
//! process stopped — with what a long job needs: a stop flag (Ctrl-C, SIGTERM), periodic
//! checkpoints and progress reports. `ginn train` and [`Run::train`] use this one loop.
//!
//! Resuming is exact: the last snapshot of a stopped run keeps Adam's moments and the
//! position of the batch stream, so a run stopped anywhere (even between two planned
//! snapshots) and resumed ends with the same snapshots, bit for bit, as one never stopped.

use crate::run::{Progress, Run};
use crate::targets::Data;
use crate::train::snapshot::Snapshot;
use crate::train::{Settings, SettingsError, Stopped, Trainer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// A run in training: the trainer at its head and the planned snapshots so far.
pub struct Training {
    trainer: Trainer,
    target: Data,
    /// Planned snapshots recorded so far; only the newest keeps Adam's state (it is all a
    /// resume needs, and keeping it everywhere would triple memory and files).
    snapshots: Vec<Snapshot>,
    plan: Vec<u64>,
    next: usize,
    diverged: Option<Stopped>,
    /// Training time of this run, earlier processes included.
    seconds: f64,
    /// Time spent writing checkpoints in this process, and how many were written.
    pub checkpoint_seconds: f64,
    pub checkpoints: u32,
}

/// The step every training loop takes — `ginn train`'s ([`Training`]) and the viewer's
/// ([`crate::run::session::Session`]): one optimiser step, then a snapshot when the plan keeps
/// the new iteration.
pub struct OnPlan<'a> {
    /// The planned iterations, ascending.
    pub plan: &'a [u64],
    /// The next planned iteration not yet recorded.
    pub next: &'a mut usize,
    pub snapshots: &'a mut Vec<Snapshot>,
    /// Keep Adam's state in every snapshot (the viewer branches from any of them); else
    /// only in the newest (all a resume needs; a third of the memory).
    pub keep_adam: bool,
}

impl OnPlan<'_> {
    pub fn step(&mut self, trainer: &mut Trainer) -> Result<f32, crate::train::Diverged> {
        let out = trainer.step()?;
        if self.plan.get(*self.next) == Some(&trainer.iteration) {
            if !self.keep_adam
                && let Some(prev) = self.snapshots.last_mut()
            {
                prev.adam = None;
            }
            self.snapshots.push(trainer.snapshot());
            *self.next += 1;
        }
        Ok(out.loss)
    }
}

impl Run {
    /// Trains a whole run, calling `progress` every `every` iterations.
    pub fn train(
        settings: Settings,
        target: impl Into<Data>,
        every: u64,
        mut progress: impl FnMut(Progress),
    ) -> Result<Self, SettingsError> {
        let mut training = Training::new(settings, target)?;
        training.run(&mut Hooks {
            progress_every: every,
            progress: Some(&mut progress),
            ..Default::default()
        });
        Ok(training.into_run(None))
    }
}

/// How [`Training::run`] ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The planned last iteration was reached.
    Finished,
    /// The loss or a parameter stopped being finite.
    Diverged,
    /// The stop flag was raised or `stop_at` was reached.
    Stopped,
}

/// What to do besides training. `Default` is: nothing, train to the end.
#[derive(Default)]
pub struct Hooks<'a> {
    /// Checked before every step (one relaxed load); raised by a signal handler.
    pub stop: Option<&'a AtomicBool>,
    /// Stop once the head reaches this iteration (tests; "train a bit more").
    pub stop_at: Option<u64>,
    /// Report progress every this many iterations (and at the end).
    pub progress_every: u64,
    pub progress: Option<&'a mut dyn FnMut(Progress)>,
    /// Hand the run so far to `write` when this much time has passed since the last one.
    pub checkpoint: Option<Checkpoints<'a>>,
}

pub struct Checkpoints<'a> {
    pub every: Duration,
    pub write: &'a mut dyn FnMut(&Run),
}

/// Why a run cannot be resumed.
#[derive(Debug, thiserror::Error)]
pub enum ResumeError {
    #[error("the run is already complete ({0} of {0} iterations)")]
    Complete(u64),
    #[error(
        "{0}; resuming would diverge again (branch it with a lower learning rate in the viewer)"
    )]
    Diverged(Stopped),
    #[error(
        "its last snapshot (iteration {0}) has no optimiser state or batch-stream position, so it cannot continue exactly"
    )]
    NoState(u64),
    #[error(transparent)]
    Settings(#[from] SettingsError),
}

impl Training {
    /// A fresh run from its settings.
    pub fn new(settings: Settings, target: impl Into<Data>) -> Result<Self, SettingsError> {
        let target = target.into();
        let trainer = Trainer::new(settings, &target)?;
        let first = trainer.snapshot();
        Ok(Self::assemble(trainer, target, vec![first], 0.0))
    }

    /// Continues a stopped or checkpointed run from its last snapshot. A last snapshot that
    /// the plan does not have (taken where training was interrupted) is dropped once
    /// training continues from it, so the finished run equals one that never stopped.
    pub fn resume(run: Run) -> Result<Self, ResumeError> {
        if let Some(s) = &run.stopped
            && !s.resumable()
        {
            return Err(ResumeError::Diverged(s.clone()));
        }
        let last = run.last();
        if last.iteration >= run.settings.iterations {
            return Err(ResumeError::Complete(run.settings.iterations));
        }
        if last.adam.is_none() || last.rng_word_pos.is_none() {
            return Err(ResumeError::NoState(last.iteration));
        }
        let trainer = Trainer::from_snapshot(run.settings.clone(), &run.target, last)?;
        let Run {
            settings,
            target,
            mut snapshots,
            seconds,
            ..
        } = run;
        if !settings
            .snapshots
            .keeps(trainer.iteration, settings.iterations)
        {
            snapshots.pop();
            if let Some(prev) = snapshots.last_mut() {
                prev.adam = None;
            }
        }
        Ok(Self::assemble(trainer, target, snapshots, seconds))
    }

    fn assemble(trainer: Trainer, target: Data, snapshots: Vec<Snapshot>, seconds: f64) -> Self {
        let s = &trainer.settings;
        let plan = s.snapshots.iterations(s.iterations);
        let next = plan.partition_point(|&i| i <= trainer.iteration);
        Self {
            trainer,
            target,
            snapshots,
            plan,
            next,
            diverged: None,
            seconds,
            checkpoint_seconds: 0.0,
            checkpoints: 0,
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.trainer.settings
    }

    /// Iterations done so far.
    pub fn iteration(&self) -> u64 {
        self.trainer.iteration
    }

    /// Whether the last step ran with denormals flushed, as read back from the CPU.
    pub fn last_step_flushed(&self) -> bool {
        self.trainer.last_step_flushed
    }

    /// Training seconds so far, earlier processes included.
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    /// One step; records a snapshot when the plan keeps this iteration. `None` when
    /// training cannot go on (finished, or diverged now or before).
    pub fn step(&mut self) -> Option<f32> {
        if self.diverged.is_some() || self.trainer.finished() {
            return None;
        }
        let mut on = OnPlan {
            plan: &self.plan,
            next: &mut self.next,
            snapshots: &mut self.snapshots,
            keep_adam: false,
        };
        match on.step(&mut self.trainer) {
            Ok(loss) => Some(loss),
            Err(d) => {
                self.diverged = Some(d.into());
                None
            }
        }
    }

    /// Trains until the end of the run, a divergence, or a stop.
    pub fn run(&mut self, hooks: &mut Hooks) -> Ending {
        let start = Instant::now();
        let base = self.seconds;
        let mut last_checkpoint = Instant::now();
        let every = hooks.progress_every.max(1);
        let ending = loop {
            if self.diverged.is_some() {
                break Ending::Diverged;
            }
            if self.trainer.finished() {
                break Ending::Finished;
            }
            let stop_flag = hooks.stop.is_some_and(|f| f.load(Ordering::Relaxed));
            if stop_flag || hooks.stop_at.is_some_and(|n| self.trainer.iteration >= n) {
                break Ending::Stopped;
            }
            let Some(loss) = self.step() else { continue };
            let it = self.trainer.iteration;
            if !it.is_multiple_of(every) && !self.trainer.finished() {
                continue;
            }
            if let Some(p) = hooks.progress.as_mut() {
                p(Progress {
                    iteration: it,
                    total: self.trainer.settings.iterations,
                    batch_loss: loss,
                });
            }
            if let Some(c) = hooks.checkpoint.as_mut()
                && !self.trainer.finished()
                && last_checkpoint.elapsed() >= c.every
            {
                let t = Instant::now();
                self.seconds = base + start.elapsed().as_secs_f64();
                (c.write)(&self.to_run(Some(Stopped::checkpoint(it))));
                self.checkpoint_seconds += t.elapsed().as_secs_f64();
                self.checkpoints += 1;
                last_checkpoint = Instant::now();
            }
        };
        self.seconds = base + start.elapsed().as_secs_f64();
        ending
    }

    /// The run so far, with the head as its last snapshot (keeping Adam's state). `stopped`
    /// says why it ends early; a divergence is recorded without being asked.
    pub fn to_run(&self, stopped: Option<Stopped>) -> Run {
        let mut snapshots = self.snapshots.clone();
        self.push_head(&mut snapshots);
        self.assemble_run(snapshots, stopped)
    }

    /// Like [`to_run`](Self::to_run), without copying the snapshots.
    pub fn into_run(mut self, stopped: Option<Stopped>) -> Run {
        let mut snapshots = std::mem::take(&mut self.snapshots);
        self.push_head(&mut snapshots);
        self.assemble_run(snapshots, stopped)
    }

    fn push_head(&self, snapshots: &mut Vec<Snapshot>) {
        if snapshots
            .last()
            .is_none_or(|s| s.iteration < self.trainer.iteration)
        {
            if let Some(prev) = snapshots.last_mut() {
                prev.adam = None;
            }
            snapshots.push(self.trainer.snapshot());
        }
    }

    fn assemble_run(&self, snapshots: Vec<Snapshot>, stopped: Option<Stopped>) -> Run {
        let finished = self.trainer.finished() && self.diverged.is_none();
        Run {
            settings: self.trainer.settings.clone(),
            target: self.target.clone(),
            snapshots,
            stopped: self
                .diverged
                .clone()
                .or(if finished { None } else { stopped }),
            seconds: self.seconds,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Shape;
    use crate::train::{SnapshotPlan, StopReason};

    fn settings(plan: SnapshotPlan) -> (Settings, Data) {
        let s = Settings {
            resolution: 24,
            iterations: 600,
            batch: 16,
            lr: 5e-3,
            seed: 11,
            snapshots: plan,
            ..Settings::default()
        };
        (s, Shape::Disc.draw(24).into())
    }

    fn uninterrupted(s: &Settings, t: &Data) -> Run {
        let mut tr = Training::new(s.clone(), t.clone()).unwrap();
        assert_eq!(tr.run(&mut Hooks::default()), Ending::Finished);
        tr.into_run(None)
    }

    /// Stops at `at`, goes through a run file's bytes, resumes, finishes.
    fn stopped_and_resumed(s: &Settings, t: &Data, stops: &[u64]) -> Run {
        let mut tr = Training::new(s.clone(), t.clone()).unwrap();
        for &at in stops {
            let ending = tr.run(&mut Hooks {
                stop_at: Some(at),
                ..Default::default()
            });
            assert_eq!(ending, Ending::Stopped);
            let run = tr.to_run(Some(Stopped::interrupted(at)));
            assert_eq!(run.last().iteration, at);
            assert!(run.last().adam.is_some());
            let back = Run::from_bytes(&run.to_json()).unwrap();
            assert_eq!(
                back.stopped.as_ref().unwrap().reason,
                StopReason::Interrupted
            );
            tr = Training::resume(back).unwrap();
        }
        assert_eq!(tr.run(&mut Hooks::default()), Ending::Finished);
        tr.into_run(None)
    }

    #[test]
    fn stopping_anywhere_and_resuming_gives_the_same_snapshots_bit_for_bit() {
        for plan in [SnapshotPlan::Every(100), SnapshotPlan::Paper] {
            let (s, t) = settings(plan);
            let whole = uninterrupted(&s, &t);
            // On a planned snapshot, between two (mid-interval), twice, and one step before the end.
            for stops in [&[200][..], &[137], &[1, 333], &[599]] {
                let resumed = stopped_and_resumed(&s, &t, stops);
                assert_eq!(
                    resumed.snapshots.len(),
                    whole.snapshots.len(),
                    "{plan:?} {stops:?}"
                );
                for (a, b) in resumed.snapshots.iter().zip(&whole.snapshots) {
                    assert_eq!(a, b, "{plan:?} stops {stops:?}: snapshot {}", b.iteration);
                }
                assert!(resumed.stopped.is_none());
            }
        }
    }

    #[test]
    fn a_changed_stream_position_would_be_noticed() {
        // The comparison above can fail: resuming without the saved batch-stream position
        // gives other parameters.
        let (s, t) = settings(SnapshotPlan::Every(100));
        let whole = uninterrupted(&s, &t);
        let mut tr = Training::new(s, t).unwrap();
        tr.run(&mut Hooks {
            stop_at: Some(150),
            ..Default::default()
        });
        let mut run = tr.to_run(Some(Stopped::interrupted(150)));
        run.snapshots.last_mut().unwrap().rng_word_pos = Some(0);
        let mut tr = Training::resume(run).unwrap();
        tr.run(&mut Hooks::default());
        assert_ne!(tr.into_run(None).last().params, whole.last().params);
    }

    #[test]
    fn a_raised_flag_stops_at_the_next_iteration() {
        let (s, t) = settings(SnapshotPlan::Every(100));
        let flag = AtomicBool::new(false);
        let mut seen = 0;
        let mut progress = |p: Progress| {
            seen = p.iteration;
            if p.iteration == 250 {
                flag.store(true, Ordering::Relaxed);
            }
        };
        let mut tr = Training::new(s, t).unwrap();
        let ending = tr.run(&mut Hooks {
            stop: Some(&flag),
            progress_every: 50,
            progress: Some(&mut progress),
            ..Default::default()
        });
        assert_eq!((ending, tr.iteration(), seen), (Ending::Stopped, 250, 250));
    }

    #[test]
    fn checkpoints_are_resumable_runs_of_the_head() {
        let (s, t) = settings(SnapshotPlan::Every(100));
        let mut written = Vec::new();
        let mut write = |r: &Run| written.push(r.clone());
        let mut tr = Training::new(s.clone(), t.clone()).unwrap();
        tr.run(&mut Hooks {
            progress_every: 90,
            checkpoint: Some(Checkpoints {
                every: Duration::ZERO,
                write: &mut write,
            }),
            ..Default::default()
        });
        assert_eq!(written.len(), 6, "every 90 iterations before the end");
        assert_eq!(tr.checkpoints, 6);
        let third = written[2].clone();
        assert_eq!(third.last().iteration, 270);
        assert_eq!(
            third.stopped.as_ref().unwrap().reason,
            StopReason::Checkpoint
        );
        let mut resumed = Training::resume(third).unwrap();
        resumed.run(&mut Hooks::default());
        assert_eq!(
            resumed.into_run(None).snapshots,
            tr.into_run(None).snapshots
        );
    }

    #[test]
    fn resume_refuses_complete_diverged_and_stateless_runs() {
        let (s, t) = settings(SnapshotPlan::Every(100));
        let done = uninterrupted(&s, &t);
        assert!(matches!(
            Training::resume(done.clone()),
            Err(ResumeError::Complete(600))
        ));
        let mut diverged = done.clone();
        diverged.snapshots.truncate(3);
        diverged.stopped = Some(
            crate::train::Diverged {
                iteration: 201,
                what: "the loss became NaN".into(),
            }
            .into(),
        );
        let Err(e) = Training::resume(diverged) else {
            panic!("a diverged run resumed")
        };
        let e = e.to_string();
        assert!(e.contains("diverge again"), "{e}");
        let mut stateless = done;
        stateless.snapshots.truncate(3);
        stateless.stopped = Some(Stopped::interrupted(200));
        assert!(matches!(
            Training::resume(stateless),
            Err(ResumeError::NoState(200))
        ));
    }

    #[test]
    fn every_training_thread_flushes_denormals_and_restores_its_setting() {
        let (s, t) = settings(SnapshotPlan::Every(100));
        // Training on every worker of a rayon pool (as `ginn train --seeds` does), each
        // reading the bits back inside its steps and after them.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        let seen: Vec<(bool, bool, std::thread::ThreadId)> = pool.broadcast(|ctx| {
            let settings = Settings {
                seed: ctx.index() as u64,
                iterations: 50,
                ..s.clone()
            };
            let mut tr = Training::new(settings, t.clone()).unwrap();
            tr.run(&mut Hooks::default());
            let after = crate::train::denormals::active();
            (tr.last_step_flushed(), after, std::thread::current().id())
        });
        let supported = crate::train::denormals::SUPPORTED;
        for (flushed, after, _) in &seen {
            assert_eq!(*flushed, supported, "the bits were set during the step");
            assert!(!after, "the worker's own setting is restored");
        }
        let threads: std::collections::HashSet<_> = seen.iter().map(|x| x.2).collect();
        assert_eq!(threads.len(), 3, "three workers");
    }

    #[test]
    fn a_divergence_keeps_the_last_finite_head() {
        let (s, t) = settings(SnapshotPlan::Every(100));
        let mut tr = Training::new(Settings { lr: 1e38, ..s }, t).unwrap();
        assert_eq!(tr.run(&mut Hooks::default()), Ending::Diverged);
        let run = tr.into_run(Some(Stopped::interrupted(0)));
        let stopped = run.stopped.as_ref().unwrap();
        assert_eq!(stopped.reason, StopReason::Diverged, "the divergence wins");
        assert!(run.last().params.iter().all(|p| p.is_finite()));
    }
}
