//! Advances the active run every frame: trains at the live head within a frame-time
//! budget, or steps through recorded snapshots.

use super::ViewerSet;
use super::state::{FrameBudget, Message, Sessions, Status};
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Update, advance_training.in_set(ViewerSet::Train));
}

pub fn advance_training(
    mut sessions: ResMut<Sessions>,
    budget: Res<FrameBudget>,
    recorder: Option<ResMut<super::state::Recorder>>,
    time: Res<Time<Real>>,
    mut status: ResMut<Status>,
) {
    for s in &mut sessions.list {
        s.run.collect_evaluations();
        if let Some(n) = s.notice.take() {
            status.show(Message::Notice(n), time.elapsed());
        }
    }
    let s = sessions.active_mut();
    if let Some(mut rec) = recorder.filter(|r| r.active) {
        // Recording: one fixed step per captured frame, whatever the frame time; at the
        // end of a replay the recording ends rather than repeating the last frame.
        if rec.ready_for_step() {
            if s.record_step() {
                rec.due = true;
            } else {
                rec.stop();
            }
        }
        return;
    }
    let done = s.advance(budget.0);
    s.note_frame(done, time.delta_secs_f64());
}
