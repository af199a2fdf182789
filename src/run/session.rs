//! A run being watched: the live trainer at its head, the recorded snapshots behind it,
//! and which of them is shown. Everything the viewer's playback, timeline, branching and
//! file controls do is a method here, so it is tested without a window.

use crate::nn::Network;
use crate::run::Run;
use crate::run::training::Training;
use crate::targets::Data;
use crate::train::Snapshot;
use crate::train::{Settings, SettingsError};
use std::path::Path;
use std::time::{Duration, Instant};

/// What is shown: the live network, or a recorded snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cursor {
    Live,
    Snapshot(usize),
}

pub struct Session {
    /// Unique in this process: caches keyed on a session use it.
    pub id: u64,
    pub name: String,
    /// The run: settings, data, snapshots and the trainer at the head (the core's one
    /// training type, which `ginn train` drives too). A session derefs to it.
    pub run: Training,
    pub cursor: Cursor,
    pub playing: bool,
    /// Training iterations per frame at the live head.
    pub iterations_per_frame: u64,
    /// Snapshots advanced per frame when replaying.
    pub replay_speed: usize,
    /// Set when training stopped (diverged) or cannot continue; the run so far is kept.
    pub error: Option<String>,
    /// Bumped whenever the shown network changes, so views know to rebuild. A hand-kept
    /// counter because Bevy's change detection cannot see inside a session: the viewer's
    /// `Sessions` resource is written every frame by training, changed or not.
    pub version: u64,
    /// Training speed while training (iterations per second of training time) of recent
    /// frames: what the kernel does, not what the window shows.
    pub rate: f64,
    /// Iterations per second of wall time over recent frames (what the counter shows),
    /// and whether the last frame's training stopped at the frame budget rather than at
    /// the set iterations per frame.
    pub wall_rate: f64,
    pub budget_limited: bool,
    /// Head iteration when the run was last saved or loaded (`None`: never).
    saved_at: Option<u64>,
    /// Something to tell the user once (the viewer shows it as a message and clears it).
    pub notice: Option<String>,
}

impl std::ops::Deref for Session {
    type Target = Training;
    fn deref(&self) -> &Training {
        &self.run
    }
}

impl std::ops::DerefMut for Session {
    fn deref_mut(&mut self) -> &mut Training {
        &mut self.run
    }
}

impl Session {
    /// The name a new run gets: its target and seed.
    pub fn default_name(settings: &Settings) -> String {
        format!("{} seed {}", settings.target.name(), settings.seed)
    }

    /// A new live run from its settings.
    pub fn new(
        name: impl Into<String>,
        settings: Settings,
        target: impl Into<Data>,
    ) -> Result<Self, SettingsError> {
        Ok(Self::watching(
            name.into(),
            Training::new_deferred(settings, target)?,
        ))
    }

    /// A saved run: replayed, and continued from its last snapshot when that kept the
    /// optimiser state (runs saved by ginn do).
    pub fn from_run(name: impl Into<String>, run: Run) -> Self {
        let (training, why) = Training::reopen(run);
        let mut s = Self::watching(name.into(), training);
        s.cursor = Cursor::Snapshot(0);
        s.saved_at = Some(s.head_iteration());
        s.error = why;
        s
    }

    fn watching(name: String, mut run: Training) -> Self {
        // The viewer branches from any snapshot, so every one keeps Adam's state; and the
        // frame never waits for a snapshot's evaluation (a second for a wide net).
        run.keep_adam = true;
        run.defer_evaluation();
        static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
        Self {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            name,
            run,
            cursor: Cursor::Live,
            playing: true,
            iterations_per_frame: 100,
            replay_speed: 1,
            error: None,
            version: 0,
            rate: 0.0,
            notice: None,
            wall_rate: 0.0,
            budget_limited: false,
            saved_at: None,
        }
    }

    /// Whether the live head can still train.
    pub fn can_train(&self) -> bool {
        self.error.is_none() && self.run.can_step()
    }

    pub fn is_live(&self) -> bool {
        self.cursor == Cursor::Live && self.run.trainer().is_some()
    }

    /// Iteration of the live head (or of the last snapshot of a replay).
    pub fn head_iteration(&self) -> u64 {
        self.run.iteration()
    }

    /// Parameters of the shown network and its iteration.
    pub fn shown(&self) -> (&[f32], u64) {
        match (self.cursor, self.run.trainer()) {
            (Cursor::Live, Some(t)) => (&t.net.params, t.iteration),
            (Cursor::Live, None) => {
                let s = self.snapshots.last().expect("a session has a snapshot");
                (&s.params, s.iteration)
            }
            (Cursor::Snapshot(i), _) => {
                let s = &self.snapshots[i.min(self.snapshots.len() - 1)];
                (&s.params, s.iteration)
            }
        }
    }

    /// The shown network in its own input coordinates (its weights, as saved).
    pub fn shown_network(&self) -> Network {
        let arch = self.settings.architecture().expect("validated");
        Network::from_params(arch, self.shown().0.to_vec()).expect("parameter count fits")
    }

    /// The shown network on the view square (the domain folded into its first layer):
    /// what the geometry, rasters and analysis take.
    pub fn shown_view_network(&self) -> Network {
        self.domain.fold(&self.shown_network())
    }

    /// Index of the shown snapshot (for the live head: the latest recorded).
    pub fn shown_index(&self) -> usize {
        match self.cursor {
            Cursor::Live => self.snapshots.len() - 1,
            Cursor::Snapshot(i) => i.min(self.snapshots.len() - 1),
        }
    }

    /// One frame of playback: trains at the live head (stopping early when `budget` is
    /// spent, so the window stays responsive), or steps through recorded snapshots behind
    /// it. Returns the training iterations done.
    pub fn advance(&mut self, budget: Duration) -> u64 {
        if !self.playing {
            return 0;
        }
        match self.cursor {
            Cursor::Snapshot(i) => {
                let last = self.snapshots.len() - 1;
                let next = i + self.replay_speed.max(1);
                if next > last {
                    // Reaching the end of the recording joins the live head, if there is one.
                    if self.can_train() {
                        self.cursor = Cursor::Live;
                    } else {
                        self.cursor = Cursor::Snapshot(last);
                        self.playing = false;
                    }
                } else {
                    self.cursor = Cursor::Snapshot(next);
                }
                self.version += 1;
                0
            }
            Cursor::Live => {
                let count = self.iterations_per_frame;
                let done = self.train(count, budget);
                self.budget_limited = done < count && self.can_train();
                done
            }
        }
    }

    /// Takes one frame's training (`done` iterations in a frame of `seconds` of wall
    /// time) into the wall-clock rate; a frame without training resets it.
    pub fn note_frame(&mut self, done: u64, seconds: f64) {
        if done == 0 || seconds <= 0.0 {
            self.wall_rate = 0.0;
            self.budget_limited = false;
            return;
        }
        let now = done as f64 / seconds;
        self.wall_rate = if self.wall_rate == 0.0 {
            now
        } else {
            0.8 * self.wall_rate + 0.2 * now
        };
    }

    /// What the status line says about playback, as two short lines (each always there,
    /// so the panel never shifts): the state with its speed, then the speed in the units
    /// that +/− change and what holds it back.
    pub fn pace(&self) -> (String, String) {
        if !self.is_live() {
            return if self.is_running() {
                (
                    "replay".into(),
                    format!("{} snapshot(s)/frame", self.replay_speed),
                )
            } else {
                ("replay · paused".into(), "Space plays".into())
            };
        }
        if !self.is_running() {
            return if self.can_train() || self.error.is_some() {
                ("paused".into(), "Space plays".into())
            } else {
                ("finished".into(), "the end of its plan".into())
            };
        }
        let limit = if self.budget_limited {
            "frame budget full"
        } else {
            "+ trains more"
        };
        (
            format!("training · {:.0} it/s", self.wall_rate),
            format!("{} it/frame; {limit}", self.iterations_per_frame),
        )
    }

    /// Up to `count` iterations at the live head within `budget`, recording snapshots
    /// on the plan.
    pub fn train(&mut self, count: u64, budget: Duration) -> u64 {
        if !self.can_train() {
            return 0;
        }
        let start = Instant::now();
        let done = self.run.steps(count, budget);
        if let Some(d) = self.run.diverged() {
            self.error = Some(d.to_string());
            self.playing = false;
        }
        if !self.run.can_step() {
            // The end of the run: playback stops there (the button offers play again).
            self.playing = false;
        }
        let secs = start.elapsed().as_secs_f64();
        if done > 0 && secs > 0.0 {
            let now = done as f64 / secs;
            self.rate = if self.rate == 0.0 {
                now
            } else {
                0.8 * self.rate + 0.2 * now
            };
            self.version += 1;
        }
        done
    }

    /// Plays or pauses. Play at the end of a recording that kept no optimiser state (an
    /// imported network) trains on from there with fresh Adam moments, and says so.
    pub fn toggle_play(&mut self) {
        self.playing = !self.playing;
        let at_end = self.cursor == Cursor::Snapshot(self.snapshots.len() - 1);
        // Only a recording without optimiser state (an imported network): a finished run of
        // ginn's own replays, as before, and does not train past its plan.
        let imported = self.snapshots.last().is_some_and(|s| s.adam.is_none());
        if self.playing
            && at_end
            && imported
            && self.run.trainer().is_none()
            && self.error.is_none()
        {
            self.notice = Some(match self.run.continue_fresh() {
                Ok(lr) => {
                    self.cursor = Cursor::Live;
                    self.version += 1;
                    format!(
                        "training on from iteration {} with fresh Adam state (the file kept none), learning rate {lr:.2e}",
                        self.head_iteration()
                    )
                }
                Err(why) => {
                    self.playing = false;
                    why
                }
            });
        }
    }

    /// Doubles the speed: iterations per frame at the live head, snapshots per frame in a
    /// replay (up to 2^20 and 64).
    pub fn faster(&mut self) {
        match self.cursor {
            Cursor::Live => {
                self.iterations_per_frame = (self.iterations_per_frame * 2).min(1 << 20)
            }
            Cursor::Snapshot(_) => self.replay_speed = (self.replay_speed * 2).min(64),
        }
    }

    /// Halves the speed (down to 1).
    pub fn slower(&mut self) {
        match self.cursor {
            Cursor::Live => self.iterations_per_frame = (self.iterations_per_frame / 2).max(1),
            Cursor::Snapshot(_) => self.replay_speed = (self.replay_speed / 2).max(1),
        }
    }

    /// Whether playback is moving: playing, with somewhere left to go (a finished run at
    /// its end is not).
    pub fn is_running(&self) -> bool {
        self.playing
            && match self.cursor {
                Cursor::Live => self.can_train(),
                Cursor::Snapshot(_) => true,
            }
    }

    /// Jumps to the first snapshot (⏮).
    pub fn to_start(&mut self) {
        self.playing = false;
        self.scrub(0);
    }

    /// Jumps to the end (⏭): the live head when there is one, else the last snapshot.
    pub fn to_end(&mut self) {
        self.playing = false;
        if self.run.trainer().is_some() {
            self.go_live();
        } else {
            self.scrub(self.snapshots.len() - 1);
        }
    }

    /// One recording step: the set iterations at the live head, or the next snapshot;
    /// `false` when there is nothing left to record (the end of a replay).
    pub fn record_step(&mut self) -> bool {
        match self.cursor {
            Cursor::Live if self.can_train() => {
                self.train(self.iterations_per_frame, Duration::from_secs(3600));
                true
            }
            Cursor::Live => false,
            Cursor::Snapshot(i) if i + 1 < self.snapshots.len() => {
                self.scrub(i + 1);
                true
            }
            Cursor::Snapshot(_) if self.can_train() => {
                self.go_live();
                true
            }
            Cursor::Snapshot(_) => false,
        }
    }

    /// Adds a snapshot that arrived from elsewhere (a followed PyTorch run), in iteration
    /// order (one at an iteration already held replaces it). A view on the newest snapshot
    /// moves on to the new newest.
    pub fn add_snapshot(&mut self, snap: Snapshot) {
        let on_newest = self.shown_index() + 1 == self.snapshots.len();
        let at = self
            .snapshots
            .partition_point(|s| s.iteration < snap.iteration);
        let it = snap.iteration;
        match self.snapshots.get(at) {
            Some(s) if s.iteration == it => self.run.snapshots[at] = snap,
            _ => self.run.snapshots.insert(at, snap),
        }
        self.run.settings.iterations = self.run.settings.iterations.max(it);
        if on_newest {
            self.cursor = Cursor::Snapshot(self.snapshots.len() - 1);
        }
        self.version += 1;
    }

    /// Shows snapshot `i` (clamped).
    pub fn scrub(&mut self, i: usize) {
        self.cursor = Cursor::Snapshot(i.min(self.snapshots.len() - 1));
        self.version += 1;
    }

    /// Back to the live head.
    pub fn go_live(&mut self) {
        if self.run.trainer().is_some() {
            self.cursor = Cursor::Live;
            self.version += 1;
        }
    }

    pub fn step_forward(&mut self) {
        self.playing = false;
        match self.cursor {
            Cursor::Snapshot(i) if i + 1 < self.snapshots.len() => self.scrub(i + 1),
            Cursor::Snapshot(_) => self.go_live(),
            Cursor::Live => {
                // At the head: advance training to the next planned snapshot.
                let n = self
                    .run
                    .next_planned()
                    .saturating_sub(self.head_iteration());
                self.train(n, Duration::from_secs(5));
            }
        }
    }

    pub fn step_back(&mut self) {
        self.playing = false;
        let i = self.shown_index();
        // From the live head, the first step back shows the latest snapshot unless it is
        // the head itself.
        let at_head =
            self.cursor == Cursor::Live && self.snapshots[i].iteration == self.head_iteration();
        let target = if self.cursor == Cursor::Live && !at_head {
            i
        } else {
            i.saturating_sub(1)
        };
        self.scrub(target);
    }

    /// A new session that continues from snapshot `i` with changed learning rate or batch
    /// size; this one is left as it was.
    pub fn branch(
        &self,
        i: usize,
        lr: Option<f64>,
        batch: Option<usize>,
    ) -> Result<Session, SettingsError> {
        let settings = Settings {
            lr: lr.unwrap_or(self.settings.lr),
            batch: batch.unwrap_or(self.settings.batch),
            ..self.settings.clone()
        };
        let at = self.snapshots[i.min(self.snapshots.len() - 1)].iteration;
        let name = format!("{}, branch at {at}", self.name);
        Ok(Self::watching(name, self.run.branch(i, settings)?))
    }

    /// The session as a run (for saving). Snapshots still on the evaluation worker are
    /// evaluated in the copy; saving waits for the worker instead (no work done twice).
    pub fn to_run(&self) -> Run {
        self.run.to_run(None)
    }

    /// The run to write: the worker's evaluations brought in first.
    fn finished_run(&mut self) -> Run {
        self.run.finish_evaluations();
        self.run.to_run(None)
    }

    pub fn save(&mut self, path: &Path) -> Result<(), crate::run::RunFileError> {
        self.finished_run().save(path)?;
        self.saved_at = Some(self.head_iteration());
        Ok(())
    }

    /// Saves to `path`, or to a fallback file when that fails; either way the progress
    /// counts as saved, and the result says where it went.
    pub fn save_or_fallback(
        &mut self,
        path: &Path,
    ) -> Result<crate::run::fsutil::Written, crate::run::RunFileError> {
        let written = self.finished_run().save_or_fallback(path)?;
        self.saved_at = Some(self.head_iteration());
        Ok(written)
    }

    /// Whether training has gone further than the last save (or load): what closing the
    /// window would lose.
    pub fn has_unsaved_progress(&self) -> bool {
        self.run.trainer().is_some()
            && self.saved_at.is_none_or(|at| self.head_iteration() > at)
            && self.head_iteration() > 0
    }

    /// Writes the run to the autosave folder `dir`, marked as interrupted when it could
    /// train on (so `ginn train --resume` continues it too).
    pub fn autosave(&mut self, dir: &Path) -> Result<crate::run::fsutil::Written, String> {
        let mut run = self.finished_run();
        if self.can_train() {
            run.stopped = Some(crate::train::Stopped::interrupted(run.last().iteration));
        }
        let written = crate::run::autosave::save(dir, &self.name, &run)?;
        self.saved_at = Some(self.head_iteration());
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Shape;
    use crate::train::SnapshotPlan;

    fn session() -> Session {
        let settings = Settings {
            resolution: 24,
            iterations: 400,
            batch: 16,
            snapshots: SnapshotPlan::Every(50),
            ..Settings::default()
        };
        Session::new("test", settings, Shape::Disc.draw(24)).unwrap()
    }

    #[test]
    fn the_pace_shown_is_wall_clock_and_names_its_limit() {
        let mut s = session();
        s.iterations_per_frame = 40;
        let done = s.advance(Duration::from_secs(10));
        assert_eq!(done, 40);
        assert!(!s.budget_limited);
        // 40 iterations in a 0.1 s frame: 400 it/s, whatever the kernel's own speed.
        for _ in 0..30 {
            s.note_frame(40, 0.1);
        }
        assert!((s.wall_rate - 400.0).abs() < 1.0, "{}", s.wall_rate);
        let pace = |s: &Session| format!("{} / {}", s.pace().0, s.pace().1);
        assert!(
            pace(&s).contains("400 it/s") && pace(&s).contains("+ trains more"),
            "{}",
            pace(&s)
        );
        // A budget spent before the set amount: the budget holds it back.
        s.iterations_per_frame = 1 << 20;
        let done = s.advance(Duration::ZERO);
        assert!(done < 1 << 20 && s.budget_limited);
        assert!(pace(&s).contains("frame budget"), "{}", pace(&s));
        // Paused: no rate.
        s.toggle_play();
        let done = s.advance(Duration::from_secs(1));
        s.note_frame(done, 0.1);
        assert_eq!(s.pace().0, "paused");
        // A replay speaks of snapshots per frame.
        s.scrub(0);
        s.playing = true;
        assert!(pace(&s).contains("snapshot(s)/frame"), "{}", pace(&s));
    }

    #[test]
    fn snapshots_are_evaluated_off_the_frame_to_the_same_numbers() {
        let mut s = session();
        s.iterations_per_frame = 400;
        s.advance(Duration::from_secs(10));
        for i in 0..s.snapshots.len() {
            if !s.is_evaluated(i) {
                assert!(
                    s.snapshots[i].loss.is_nan(),
                    "pending snapshots wait for theirs"
                );
            }
        }
        s.run.finish_evaluations();
        assert_eq!(s.evaluations_pending(), 0);
        let theirs = Run::train(s.settings.clone(), s.target.clone(), 1000, |_| {}).unwrap();
        for (a, b) in s.snapshots.iter().zip(&theirs.snapshots) {
            assert_eq!(
                (a.loss, a.accuracy),
                (b.loss, b.accuracy),
                "{}",
                a.iteration
            );
            assert!(a.loss.is_finite());
        }
    }

    #[test]
    fn a_network_without_optimiser_state_trains_on_from_its_last_snapshot() {
        // As `ginn import --target` makes it: one snapshot, no Adam state, the plan ending
        // at its iteration.
        let mut run = session().to_run();
        run.snapshots.truncate(1);
        run.snapshots[0].adam = None;
        run.snapshots[0].rng_word_pos = None;
        run.snapshots[0].iteration = 3;
        run.settings.iterations = 3;
        let mut s = Session::from_run("imported", run.clone());
        s.advance(Duration::from_secs(1));
        assert!(!s.can_train() && !s.playing, "a replay to start with");
        s.toggle_play();
        assert!(s.can_train(), "{:?}", s.notice);
        let notice = s.notice.take().expect("says so");
        assert!(notice.contains("fresh Adam"), "{notice}");
        assert_eq!(s.settings.iterations, 3 + Settings::default().iterations);
        s.iterations_per_frame = 60;
        assert_eq!(s.advance(Duration::from_secs(10)), 60);
        assert_eq!(s.head_iteration(), 63);
        assert!(s.notice.is_none(), "once");
        // Branching from it trains to a plan of the default length too.
        let b = Session::from_run("imported", run.clone())
            .branch(0, Some(1e-3), None)
            .unwrap();
        assert_eq!(b.settings.iterations, 3 + Settings::default().iterations);
        // Without data there is nothing to learn from: it says so and stays a replay.
        run.target = Data::Nothing;
        let mut s = Session::from_run("no data", run);
        s.advance(Duration::from_secs(1));
        s.toggle_play();
        assert!(!s.can_train() && !s.playing);
        assert!(s.notice.unwrap().contains("--target"));
        // A finished run of ginn's own (its last snapshot keeps Adam's state) replays at its
        // end rather than training past its plan.
        let mut done = session();
        done.iterations_per_frame = 1000;
        done.advance(Duration::from_secs(10));
        let mut s = Session::from_run("done", done.to_run());
        s.scrub(s.snapshots.len() - 1);
        s.playing = false;
        s.toggle_play();
        assert!(!s.can_train() && s.notice.is_none());
        assert_eq!(s.settings.iterations, 400);
    }

    /// The viewer and `ginn train` share one training loop: the same settings give the same
    /// snapshots, bit for bit, however the session's frames cut the iterations.
    #[test]
    fn a_session_trains_the_same_run_as_ginn_train() {
        let mut s = session();
        let settings = s.settings.clone();
        let mut frame = 1;
        while s.can_train() {
            s.train(frame, Duration::from_secs(10));
            frame = frame % 37 + 3;
        }
        let ours = s.to_run();
        let theirs = Run::train(settings, Shape::Disc.draw(24), 1000, |_| {}).unwrap();
        assert_eq!(ours.snapshots.len(), theirs.snapshots.len());
        for (a, b) in ours.snapshots.iter().zip(&theirs.snapshots) {
            assert_eq!(a.iteration, b.iteration);
            assert_eq!(a.params, b.params, "iteration {}", a.iteration);
            assert_eq!((a.loss, a.accuracy, a.lr), (b.loss, b.accuracy, b.lr));
            assert_eq!(a.rng_word_pos, b.rng_word_pos);
        }
        assert_eq!(ours.last().adam, theirs.last().adam);
        assert!(
            ours.seconds > 0.0,
            "the saved run records its training time"
        );
    }

    #[test]
    fn the_ends_are_one_click_away_and_a_finished_run_is_not_running() {
        let mut s = session();
        s.iterations_per_frame = 1000;
        s.advance(Duration::from_secs(10));
        assert_eq!(s.head_iteration(), 400);
        // Finished at the head: playback stops (the button offers play, not pause).
        assert!(!s.playing && !s.is_running());
        s.to_start();
        assert_eq!((s.cursor, s.playing), (Cursor::Snapshot(0), false));
        s.to_end();
        assert_eq!(s.cursor, Cursor::Live);
        // A replay's end is its last snapshot.
        let mut r = Session::from_run("replay", s.to_run());
        r.to_end();
        assert_eq!(r.cursor, Cursor::Snapshot(r.snapshots.len() - 1));
    }

    #[test]
    fn recording_a_replay_stops_at_its_end_instead_of_repeating_it() {
        let mut s = session();
        s.iterations_per_frame = 1000;
        s.advance(Duration::from_secs(10));
        let mut r = Session::from_run("replay", s.to_run());
        let mut frames = 1;
        while r.record_step() {
            frames += 1;
            assert!(frames <= r.snapshots.len(), "stepped past the end");
        }
        assert_eq!(frames, r.snapshots.len());
    }

    #[test]
    fn a_run_that_cannot_continue_says_why() {
        let mut s = session();
        s.train(60, Duration::from_secs(10));
        let mut run = s.to_run();
        // A slope that can be shown but not trained: the trainer refuses it.
        run.settings.activation = crate::nn::Activation::LeakyRelu { slope: -0.5 };
        let r = Session::from_run("odd", run);
        assert!(!r.can_train());
        let e = r.error.as_deref().unwrap_or("");
        assert!(e.contains("slope"), "{e}");
    }

    #[test]
    fn playing_at_the_head_trains_the_set_amount_and_records_on_plan() {
        let mut s = session();
        s.iterations_per_frame = 120;
        assert_eq!(s.advance(Duration::from_secs(10)), 120);
        assert_eq!(s.head_iteration(), 120);
        assert_eq!(
            s.snapshots.iter().map(|x| x.iteration).collect::<Vec<_>>(),
            vec![0, 50, 100]
        );
        s.toggle_play();
        assert_eq!(s.advance(Duration::from_secs(10)), 0);
    }

    #[test]
    fn a_tiny_budget_stops_early() {
        let mut s = session();
        s.iterations_per_frame = 1_000_000;
        let done = s.advance(Duration::ZERO);
        assert!((1..=16).contains(&done), "{done}");
    }

    #[test]
    fn scrubbing_and_stepping_select_the_right_snapshot() {
        let mut s = session();
        s.iterations_per_frame = 400;
        s.advance(Duration::from_secs(10));
        assert_eq!(s.snapshots.len(), 9);
        s.scrub(3);
        assert_eq!(s.shown().1, 150);
        assert_eq!(s.shown().0, &s.snapshots[3].params[..]);
        s.step_forward();
        assert_eq!(s.shown().1, 200);
        s.step_back();
        s.step_back();
        assert_eq!(s.shown().1, 100);
        s.scrub(99);
        assert_eq!(s.shown_index(), 8);
        // Replay moves through snapshots, then stops at the end of a finished run.
        s.scrub(6);
        s.playing = true;
        s.advance(Duration::from_secs(1));
        assert_eq!(s.shown().1, 350);
        s.advance(Duration::from_secs(1));
        s.advance(Duration::from_secs(1));
        assert!(!s.playing);
    }

    #[test]
    fn branching_copies_parameters_and_optimiser_state() {
        let mut s = session();
        s.iterations_per_frame = 200;
        s.advance(Duration::from_secs(10));
        let b = s.branch(2, Some(5e-3), None).unwrap();
        assert_eq!(b.head_iteration(), 100);
        assert_eq!(b.run.trainer().unwrap().net.params, s.snapshots[2].params);
        assert_eq!(
            Some(&b.run.trainer().unwrap().adam),
            s.snapshots[2].adam.as_ref()
        );
        assert_eq!(b.settings.lr, 5e-3);
        assert_eq!(b.snapshots.len(), 3);
        // The original is untouched and a branch with unchanged settings continues exactly.
        assert_eq!(s.head_iteration(), 200);
        let mut same = s.branch(2, None, None).unwrap();
        same.train(100, Duration::from_secs(10));
        assert_eq!(
            same.run.trainer().unwrap().net.params,
            s.run.trainer().unwrap().net.params
        );
    }

    #[test]
    fn saved_sessions_reload_and_continue() {
        let mut s = session();
        s.iterations_per_frame = 130;
        s.advance(Duration::from_secs(10));
        let dir = std::env::temp_dir().join(format!("ginn-session-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.ginn.json");
        s.save(&path).unwrap();
        let mut back = Session::from_run("back", Run::load(&path).unwrap());
        assert_eq!(back.head_iteration(), 130);
        assert!(back.can_train());
        back.go_live();
        back.train(70, Duration::from_secs(10));
        s.train(70, Duration::from_secs(10));
        assert_eq!(back.shown().0, s.shown().0);
    }

    #[test]
    fn unsaved_progress_is_tracked_and_autosaved_as_resumable() {
        let mut s = session();
        assert!(!s.has_unsaved_progress(), "nothing trained yet");
        s.iterations_per_frame = 130;
        s.advance(Duration::from_secs(10));
        assert!(s.has_unsaved_progress());
        let dir = std::env::temp_dir().join(format!("ginn-session-auto-{}", std::process::id()));
        let w = s.autosave(&dir).unwrap();
        assert!(!s.has_unsaved_progress());
        let run = Run::load(&w.path).unwrap();
        assert_eq!(run.last().iteration, 130);
        assert!(run.resumable());
        assert_eq!(
            run.stopped.unwrap().reason,
            crate::train::StopReason::Interrupted
        );
        s.advance(Duration::from_secs(10));
        assert!(s.has_unsaved_progress());
        let path = dir.join("saved.ginn.json");
        s.save(&path).unwrap();
        assert!(!s.has_unsaved_progress());
        // A run opened from a file has nothing unsaved until it trains further.
        let back = Session::from_run("back", Run::load(&path).unwrap());
        assert!(!back.has_unsaved_progress());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn divergence_stops_playback_with_a_message() {
        let settings = Settings {
            resolution: 16,
            iterations: 400,
            batch: 8,
            lr: 1e38,
            ..Settings::default()
        };
        let mut s = Session::new("bad", settings, Shape::Disc.draw(16)).unwrap();
        s.iterations_per_frame = 400;
        s.advance(Duration::from_secs(10));
        assert!(s.error.as_ref().unwrap().contains("diverged"));
        assert!(
            s.to_run().stopped.is_some(),
            "a saved run says why it stopped"
        );
        assert!(!s.playing && !s.can_train());
    }
}
