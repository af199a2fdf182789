//! Advances the active run every frame: trains at the live head within a frame-time
//! budget, or steps through recorded snapshots.

use super::ViewerSet;
use crate::session::{Cursor, Session};
use bevy::prelude::*;
use std::time::Duration;

pub(super) fn plugin(app: &mut App) {
    app.init_resource::<FrameBudget>();
    app.add_systems(Update, advance_training.in_set(ViewerSet::Train));
}

/// All runs of this window (branches and opened files), and which one is shown.
#[derive(Resource)]
pub struct Sessions {
    pub list: Vec<Session>,
    pub active: usize,
}

impl Sessions {
    pub fn new(mut session: Session, iterations_per_frame: u64) -> Self {
        session.iterations_per_frame = iterations_per_frame;
        Self {
            list: vec![session],
            active: 0,
        }
    }

    pub fn active(&self) -> &Session {
        &self.list[self.active]
    }

    pub fn active_mut(&mut self) -> &mut Session {
        &mut self.list[self.active]
    }

    /// Adds a run and shows it.
    pub fn push(&mut self, s: Session) {
        self.list.push(s);
        self.active = self.list.len() - 1;
    }
}

/// How much of each frame training may take, so the window stays responsive at any
/// iterations-per-frame setting.
#[derive(Resource)]
pub struct FrameBudget(pub Duration);

impl Default for FrameBudget {
    fn default() -> Self {
        Self(Duration::from_millis(10))
    }
}

pub fn advance_training(
    mut sessions: ResMut<Sessions>,
    budget: Res<FrameBudget>,
    recorder: Option<ResMut<super::recording::Recorder>>,
) {
    let s = sessions.active_mut();
    if let Some(mut rec) = recorder.filter(|r| r.active) {
        // Recording: one fixed step per captured frame, whatever the frame time.
        if rec.ready_for_step() {
            match s.cursor {
                Cursor::Live => {
                    s.train(s.iterations_per_frame, Duration::from_secs(3600));
                }
                Cursor::Snapshot(i) => s.scrub(i + 1),
            }
            rec.due = true;
        }
        return;
    }
    s.advance(budget.0);
}
