//! A run being trained — from the start, from where an earlier process stopped, or from
//! any of its snapshots — with what a long job needs: a stop flag (Ctrl-C, SIGTERM),
//! periodic checkpoints and progress reports. The one type that trains a run: `ginn train`
//! drives it in a loop ([`Training::run`]), [`Run::train`] too, and the viewer's
//! [`crate::run::session::Session`] wraps one and drives it a frame at a time.
//!
//! Resuming is exact: the last snapshot of a stopped run keeps Adam's moments and the
//! position of the batch stream, so a run stopped anywhere (even between two planned
//! snapshots) and resumed ends with the same snapshots, bit for bit, as one never stopped.

use crate::domain::Domain;
use crate::nn::Network;
use crate::run::{Progress, Run};
use crate::targets::Data;
use crate::train::{Settings, SettingsError, Snapshot, SnapshotEvaluation, Stopped, Trainer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A run in training: its settings and data, the snapshots recorded so far, and the
/// trainer at its head (none for a recording that cannot continue).
pub struct Training {
    pub settings: Settings,
    pub target: Data,
    /// The rectangle of the network's inputs the views show.
    pub domain: Domain,
    /// Recorded snapshots, ascending by iteration. Only the newest keeps Adam's state
    /// unless [`keep_adam`](Self::keep_adam) is set.
    pub snapshots: Vec<Snapshot>,
    trainer: Option<Trainer>,
    /// The planned snapshot iterations, and the next one not yet recorded.
    plan: Vec<u64>,
    next: usize,
    /// Set when the loss or a parameter stopped being finite; the run so far is kept.
    diverged: Option<Stopped>,
    /// Training time of this run, earlier processes included.
    pub seconds: f64,
    /// Keep Adam's state in every snapshot (the viewer branches from any of them); else
    /// only in the newest (all a resume needs, and a third of the memory and file).
    pub keep_adam: bool,
    /// Time spent writing checkpoints in this process, and how many were written.
    pub checkpoint_seconds: f64,
    pub checkpoints: u32,
    /// Snapshots are evaluated on a worker thread ([`defer_evaluation`](Self::defer_evaluation)).
    evaluator: Option<Evaluator>,
    /// Recorded snapshots whose loss and accuracy the worker has not sent back yet.
    pending: Vec<usize>,
}

/// A worker thread that evaluates recorded snapshots over the whole data set, so that a
/// wide net's evaluation (a second or more) never holds up a step or a frame. Its results
/// are the same numbers, bit for bit, as an evaluation in place.
struct Evaluator {
    jobs: mpsc::Sender<(usize, Network)>,
    /// In a mutex only so that a training can be shared between threads (a Bevy
    /// resource); one owner reads it.
    done: std::sync::Mutex<mpsc::Receiver<(usize, SnapshotEvaluation)>>,
}

impl Evaluator {
    /// The next finished evaluation: waiting for it, or only if one is there.
    fn next(&self, wait: bool) -> Option<(usize, SnapshotEvaluation)> {
        let done = self.done.lock().ok()?;
        if wait {
            done.recv().ok()
        } else {
            done.try_recv().ok()
        }
    }

    fn start(trainer: &Trainer) -> Self {
        let ((x, t), test) = trainer.data();
        let (x, t) = (x.to_vec(), t.to_vec());
        let test = test.map(|(x, t)| (x.to_vec(), t.to_vec()));
        let (jobs, inbox) = mpsc::channel::<(usize, Network)>();
        let (outbox, done) = mpsc::channel();
        std::thread::spawn(move || {
            super::background::lower_priority(super::background::Priority::Idle);
            // Newest first: when evaluations fall behind (a wide net's early snapshots, a
            // second each, while the window takes the processor), the figures shown stay
            // those of the present; the older ones fill in the curves later. Ends when the
            // training is dropped (its sender with it) and its queue is done.
            let mut queue = Vec::new();
            loop {
                if queue.is_empty() {
                    let Ok(job) = inbox.recv() else { break };
                    queue.push(job);
                }
                queue.extend(inbox.try_iter());
                let Some((i, net)) = queue.pop() else { break };
                let test = test.as_ref().map(|(x, t)| (x.as_slice(), t.as_slice()));
                let e = SnapshotEvaluation::of(&net, (&x, &t), test);
                if outbox.send((i, e)).is_err() {
                    break;
                }
            }
        });
        Self {
            jobs,
            done: std::sync::Mutex::new(done),
        }
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
        let trainer = Trainer::new(settings.clone(), &target)?;
        let first = trainer.snapshot();
        Ok(Self::assemble(settings, target, vec![first], Some(trainer)))
    }

    /// A fresh run whose snapshots, the first one included, are evaluated on a worker
    /// thread (see [`defer_evaluation`](Self::defer_evaluation)).
    pub fn new_deferred(
        settings: Settings,
        target: impl Into<Data>,
    ) -> Result<Self, SettingsError> {
        let target = target.into();
        let trainer = Trainer::new(settings.clone(), &target)?;
        let first = trainer.snapshot_unevaluated();
        let net = trainer.net.clone();
        let mut t = Self::assemble(settings, target, vec![first], Some(trainer));
        t.defer_evaluation();
        match &t.evaluator {
            Some(ev) if ev.jobs.send((0, net)).is_ok() => t.pending.push(0),
            _ => t.complete_now(),
        }
        Ok(t)
    }

    /// Evaluates the pending snapshots here and now (no worker to send them to).
    fn complete_now(&mut self) {
        let mut snapshots = std::mem::take(&mut self.snapshots);
        self.complete(&mut snapshots);
        self.snapshots = snapshots;
        self.pending.clear();
    }

    /// Continues a stopped or checkpointed run from its last snapshot, exactly
    /// (`ginn train --resume`). A last snapshot that the plan does not have (taken where
    /// training was interrupted) is dropped, so the finished run equals one that never
    /// stopped.
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
            domain,
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
        let mut t = Self::assemble(settings, target, snapshots, Some(trainer));
        t.seconds = seconds;
        t.domain = domain;
        Ok(t)
    }

    /// A saved run, to replay and — when its last snapshot kept the optimiser state and
    /// the plan goes on — to continue training (the viewer's open). The second value says
    /// why a run that could have gone on cannot.
    pub fn reopen(run: Run) -> (Self, Option<String>) {
        let last = run.last();
        let mut why = None;
        let can_go_on = last.adam.is_some()
            && run.stopped.as_ref().is_none_or(|s| s.resumable())
            && last.iteration < run.settings.iterations;
        let trainer = if can_go_on {
            Trainer::from_snapshot(run.settings.clone(), &run.target, last)
                .map_err(|e| why = Some(format!("replay only: training cannot continue ({e})")))
                .ok()
        } else {
            None
        };
        let Run {
            settings,
            target,
            domain,
            snapshots,
            seconds,
            stopped,
        } = run;
        let mut t = Self::assemble(settings, target, snapshots, trainer);
        t.seconds = seconds;
        t.domain = domain;
        // A run that diverged says so again when saved.
        t.diverged = stopped.filter(|s| !s.resumable());
        (t, why)
    }

    /// Continues a recording that kept no optimiser state (an imported network) from its
    /// last snapshot, with fresh Adam moments, when it has data to learn from; a run that
    /// ended there gets the default run's length more to train. Returns the learning rate
    /// of the next step, or says why it cannot.
    pub fn continue_fresh(&mut self) -> Result<f64, String> {
        if self.trainer.is_some() {
            return Err("this run is already training".into());
        }
        if let Some(d) = &self.diverged {
            return Err(format!("{d}: branch it with a lower learning rate"));
        }
        if self.target.training().1.is_empty() {
            return Err(
                "this network has no data to learn from (import it with --target or --points to train it)"
                    .into(),
            );
        }
        let last = self.snapshots.last().expect("a run has a snapshot").clone();
        let mut settings = self.settings.clone();
        if settings.iterations <= last.iteration {
            settings.iterations = last.iteration + Settings::default().iterations;
        }
        let trainer = Trainer::from_snapshot(settings.clone(), &self.target, &last)
            .map_err(|e| e.to_string())?;
        let lr = trainer.lr();
        self.plan = settings.snapshots.iterations(settings.iterations);
        self.next = self.plan.partition_point(|&i| i <= last.iteration);
        self.settings = settings;
        self.trainer = Some(trainer);
        Ok(lr)
    }

    /// A new run that continues from snapshot `i` under `settings` (a changed learning
    /// rate or batch size); the snapshots up to it are kept, this one is left as it was.
    pub fn branch(&self, i: usize, mut settings: Settings) -> Result<Self, SettingsError> {
        let snap = &self.snapshots[i.min(self.snapshots.len() - 1)];
        // A recording that ends at this snapshot (an imported network) trains on for the
        // default run's length, not for the one iteration left of its plan.
        if settings.iterations <= snap.iteration + 1 {
            settings.iterations = snap.iteration + Settings::default().iterations;
        }
        let trainer = Trainer::from_snapshot(settings.clone(), &self.target, snap)?;
        let mut kept: Vec<Snapshot> = self
            .snapshots
            .iter()
            .take_while(|s| s.iteration <= snap.iteration)
            .cloned()
            .collect();
        self.complete(&mut kept);
        let mut t = Self::assemble(settings, self.target.clone(), kept, Some(trainer));
        t.keep_adam = self.keep_adam;
        t.domain = self.domain;
        Ok(t)
    }

    fn assemble(
        settings: Settings,
        target: Data,
        snapshots: Vec<Snapshot>,
        trainer: Option<Trainer>,
    ) -> Self {
        let plan = settings.snapshots.iterations(settings.iterations);
        let head = trainer.as_ref().map_or_else(
            || snapshots.last().map_or(0, |s| s.iteration),
            |t| t.iteration,
        );
        let next = plan.partition_point(|&i| i <= head);
        Self {
            settings,
            domain: target.default_domain(),
            target,
            snapshots,
            trainer,
            plan,
            next,
            diverged: None,
            seconds: 0.0,
            keep_adam: false,
            checkpoint_seconds: 0.0,
            checkpoints: 0,
            evaluator: None,
            pending: Vec::new(),
        }
    }

    /// From now on, recorded snapshots are evaluated on a worker thread (the viewer: the
    /// frame never waits for a wide net's evaluation); their loss and accuracy are NaN
    /// until [`collect_evaluations`](Self::collect_evaluations) brings them in. Runs made
    /// from this one ([`to_run`](Self::to_run), [`branch`](Self::branch)) are complete.
    pub fn defer_evaluation(&mut self) {
        if self.evaluator.is_none()
            && let Some(t) = &self.trainer
        {
            self.evaluator = Some(Evaluator::start(t));
        }
    }

    /// Writes the evaluations the worker has finished into their snapshots.
    pub fn collect_evaluations(&mut self) {
        let Some(ev) = &self.evaluator else { return };
        while let Some((i, e)) = ev.next(false) {
            if let Some(s) = self.snapshots.get_mut(i) {
                e.fill(s);
            }
            self.pending.retain(|&p| p != i);
        }
    }

    /// Waits for every evaluation still on the worker.
    pub fn finish_evaluations(&mut self) {
        while !self.pending.is_empty() {
            let Some((i, e)) = self.evaluator.as_ref().and_then(|ev| ev.next(true)) else {
                break;
            };
            if let Some(s) = self.snapshots.get_mut(i) {
                e.fill(s);
            }
            self.pending.retain(|&p| p != i);
        }
    }

    /// Whether snapshot `i`'s loss and accuracy are in (not still on the worker).
    pub fn is_evaluated(&self, i: usize) -> bool {
        !self.pending.contains(&i)
    }

    /// Snapshots still waiting for their evaluation.
    pub fn evaluations_pending(&self) -> usize {
        self.pending.len()
    }

    /// Evaluates in a copy the snapshots the worker has not finished (for a run made
    /// without waiting: `to_run` on a shared training, a branch).
    fn complete(&self, snapshots: &mut [Snapshot]) {
        let (Some(t), arch) = (&self.trainer, self.settings.architecture()) else {
            return;
        };
        let Ok(arch) = arch else { return };
        let ((x, l), test) = t.data();
        for &i in &self.pending {
            if let Some(s) = snapshots.get_mut(i)
                && let Some(net) = s.network(&arch)
            {
                SnapshotEvaluation::of(&net, (x, l), test).fill(s);
            }
        }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// The trainer at the head (`None` for a recording that cannot continue).
    pub fn trainer(&self) -> Option<&Trainer> {
        self.trainer.as_ref()
    }

    /// Iterations done so far: the head's (or the last snapshot's, without a trainer).
    pub fn iteration(&self) -> u64 {
        self.trainer.as_ref().map_or_else(
            || self.snapshots.last().map_or(0, |s| s.iteration),
            |t| t.iteration,
        )
    }

    /// The next planned snapshot's iteration (the run's end after the last).
    pub fn next_planned(&self) -> u64 {
        self.plan
            .get(self.next)
            .copied()
            .unwrap_or(self.settings.iterations)
    }

    /// Whether the last step ran with denormals flushed, as read back from the CPU.
    pub fn last_step_flushed(&self) -> bool {
        self.trainer.as_ref().is_some_and(|t| t.last_step_flushed)
    }

    /// Training seconds so far, earlier processes included.
    pub fn seconds(&self) -> f64 {
        self.seconds
    }

    /// Why training stopped early (a divergence), if it did.
    pub fn diverged(&self) -> Option<&Stopped> {
        self.diverged.as_ref()
    }

    /// Whether the head can take another step.
    pub fn can_step(&self) -> bool {
        self.diverged.is_none() && self.trainer.as_ref().is_some_and(|t| !t.finished())
    }

    /// One step; records a snapshot when the plan keeps this iteration. `None` when
    /// training cannot go on (finished, no trainer, or diverged now or before).
    pub fn step(&mut self) -> Option<f32> {
        if !self.can_step() {
            return None;
        }
        let trainer = self.trainer.as_mut().expect("can_step");
        match trainer.step() {
            Ok(out) => {
                if self.plan.get(self.next) == Some(&trainer.iteration) {
                    if !self.keep_adam
                        && let Some(prev) = self.snapshots.last_mut()
                    {
                        prev.adam = None;
                    }
                    let i = self.snapshots.len();
                    let sent = self
                        .evaluator
                        .as_ref()
                        .is_some_and(|ev| ev.jobs.send((i, trainer.net.clone())).is_ok());
                    if sent {
                        self.snapshots.push(trainer.snapshot_unevaluated());
                        self.pending.push(i);
                    } else {
                        self.snapshots.push(trainer.snapshot());
                    }
                    self.next += 1;
                }
                Some(out.loss)
            }
            Err(d) => {
                self.diverged = Some(d.into());
                None
            }
        }
    }

    /// Up to `count` steps, stopping early once `budget` is spent; the steps taken. Their time is added to the run's seconds.
    pub fn steps(&mut self, count: u64, budget: Duration) -> u64 {
        let start = Instant::now();
        let mut done = 0;
        // The clock is read after every step: a step of the report's net takes ~15 µs, of
        // a 4×256 net several milliseconds, and reading it costs ~20 ns. A step that would
        // end past the budget (judged by the last one) is left to the next frame, so a
        // slow net does not overrun it by most of a step each frame.
        let mut last = Duration::ZERO;
        while done < count && (done == 0 || start.elapsed() + last < budget) {
            let t = Instant::now();
            if self.step().is_none() {
                break;
            }
            last = t.elapsed();
            done += 1;
        }
        self.seconds += start.elapsed().as_secs_f64();
        done
    }

    /// Trains until the end of the run, a divergence, or a stop.
    pub fn run(&mut self, hooks: &mut Hooks) -> Ending {
        let start = Instant::now();
        let base = self.seconds;
        let mut last_checkpoint = Instant::now();
        let every = hooks.progress_every.max(1);
        let total = self.settings.iterations;
        let ending = loop {
            if self.diverged.is_some() {
                break Ending::Diverged;
            }
            if !self.can_step() {
                break Ending::Finished;
            }
            let it = self.iteration();
            let stop_flag = hooks.stop.is_some_and(|f| f.load(Ordering::Relaxed));
            if stop_flag || hooks.stop_at.is_some_and(|n| it >= n) {
                break Ending::Stopped;
            }
            let Some(loss) = self.step() else { continue };
            let it = self.iteration();
            let finished = !self.can_step();
            if !it.is_multiple_of(every) && !finished {
                continue;
            }
            if let Some(p) = hooks.progress.as_mut() {
                p(Progress {
                    iteration: it,
                    total,
                    batch_loss: loss,
                });
            }
            if let Some(c) = hooks.checkpoint.as_mut()
                && !finished
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

    /// The run so far, with the head as its last snapshot (the only one keeping Adam's
    /// state). `stopped` says why it ends early; a divergence is recorded without being
    /// asked, and a finished run has none.
    pub fn to_run(&self, stopped: Option<Stopped>) -> Run {
        let mut snapshots = self.snapshots.clone();
        self.complete(&mut snapshots);
        self.push_head(&mut snapshots);
        self.assemble_run(snapshots, stopped)
    }

    /// Like [`to_run`](Self::to_run), without copying the snapshots.
    pub fn into_run(mut self, stopped: Option<Stopped>) -> Run {
        self.finish_evaluations();
        let mut snapshots = std::mem::take(&mut self.snapshots);
        self.push_head(&mut snapshots);
        self.assemble_run(snapshots, stopped)
    }

    fn push_head(&self, snapshots: &mut Vec<Snapshot>) {
        if let Some(t) = &self.trainer
            && snapshots.last().is_none_or(|s| s.iteration < t.iteration)
        {
            snapshots.push(t.snapshot());
        }
        if let Some((_, earlier)) = snapshots.split_last_mut() {
            for s in earlier {
                s.adam = None;
            }
        }
    }

    fn assemble_run(&self, snapshots: Vec<Snapshot>, stopped: Option<Stopped>) -> Run {
        let finished = self.trainer.as_ref().is_some_and(|t| t.finished());
        Run {
            settings: self.settings.clone(),
            target: self.target.clone(),
            domain: self.domain,
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
