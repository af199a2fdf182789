//! `ginn view --follow DIR`: a PyTorch run watched live. Twice a second the folder is
//! looked at; new checkpoints join the followed run as snapshots, in iteration order, and a
//! view on the newest moves on to it. Everything else (views, inspector, phenomena) works
//! on them as on any run.

use super::ViewerSet;
use super::state::{Message, Sessions, Status};
use crate::pytorch::follow::Follow;
use bevy::prelude::*;
use std::time::Duration;

pub fn plugin(app: &mut App) {
    app.add_systems(Update, follow_checkpoints.in_set(ViewerSet::Train));
}

/// The folder followed and the run its checkpoints join.
#[derive(Resource)]
pub struct Following {
    pub follow: Follow,
    /// The followed run's session.
    pub session: u64,
    /// How often the folder is looked at.
    pub every: Duration,
    next: Duration,
}

impl Following {
    pub fn new(follow: Follow, session: u64) -> Self {
        Self {
            follow,
            session,
            every: Duration::from_millis(500),
            next: Duration::ZERO,
        }
    }
}

fn follow_checkpoints(
    following: Option<ResMut<Following>>,
    mut sessions: ResMut<Sessions>,
    mut status: ResMut<Status>,
    time: Res<Time<Real>>,
) {
    let Some(mut f) = following else { return };
    let now = time.elapsed();
    if now < f.next {
        return;
    }
    f.next = now + f.every;
    let id = f.session;
    let Some(s) = sessions.list.iter_mut().find(|s| s.id == id) else {
        return;
    };
    let arch = s.settings.architecture().ok();
    let found = f.follow.look(arch.as_ref());
    for snap in found.snapshots {
        s.add_snapshot(snap);
    }
    if let Some(why) = found.refused.into_iter().next() {
        status.show(Message::Failed(why), now);
    }
}
