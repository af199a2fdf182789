//! The run list's one door: panels send [`RunCommand`]s; this applies them at the start of
//! the frame (before training, geometry and panels look at the runs) and, in the same
//! place, drops a selected unit the newly shown network does not have.

use super::ViewerSet;
use super::state::{Message, RunCommand, Selection, Sessions, Status};
use crate::run::Run;
use crate::run::session::Session;
use bevy::prelude::*;

pub(super) fn plugin(app: &mut App) {
    app.add_message::<RunCommand>();
    app.init_resource::<Status>();
    app.add_systems(Update, apply_run_commands.in_set(ViewerSet::Input));
}

pub fn apply_run_commands(
    mut commands: MessageReader<RunCommand>,
    mut sessions: ResMut<Sessions>,
    mut selection: ResMut<Selection>,
    mut status: ResMut<Status>,
    time: Res<Time<Real>>,
) {
    for c in commands.read() {
        let m = apply(&mut sessions, c.clone());
        status.show(m, time.elapsed());
    }
    if stale(&sessions, &selection) {
        selection.select(None);
    }
}

/// Whether the selected unit is one the shown run's network does not have (after Apply
/// with fewer units, Open, or choosing another run): then it is dropped, before anything
/// draws it.
pub fn stale(sessions: &Sessions, selection: &Selection) -> bool {
    selection.units().into_iter().any(|n| {
        !sessions
            .active()
            .settings
            .architecture()
            .is_ok_and(|a| a.has_unit(n))
    })
}

/// Applies one command to the run list; what to tell the user.
pub fn apply(sessions: &mut Sessions, command: RunCommand) -> Message {
    match command {
        RunCommand::Start(s) if s == sessions.active().settings => Message::Unchanged,
        RunCommand::Start(s) | RunCommand::Restart(s) => {
            let made = s
                .target
                .build(s.resolution)
                .map_err(|e| e.to_string())
                .and_then(|t| {
                    Session::new(Session::default_name(&s), s, t).map_err(|e| e.to_string())
                });
            match made {
                Ok(session) => {
                    sessions.push(session);
                    Message::Started
                }
                Err(e) => Message::Failed(e),
            }
        }
        RunCommand::Branch { lr, batch } => {
            let s = sessions.active();
            let at = s.shown().1;
            match s.branch(s.shown_index(), Some(lr), Some(batch)) {
                Ok(b) => {
                    sessions.push(b);
                    Message::Branched { at }
                }
                Err(e) => Message::Failed(e.to_string()),
            }
        }
        RunCommand::Open(path) => match Run::load(&path) {
            Ok(run) => {
                let name = crate::run::display_name(&path);
                sessions.push(Session::from_run(name.clone(), run));
                Message::Opened { name }
            }
            Err(e) => Message::Failed(e.to_string()),
        },
        RunCommand::Save(path) => match sessions.active_mut().save_or_fallback(&path) {
            Ok(w) => Message::Saved {
                describe: w.describe(&path).replacen("wrote", "saved", 1),
                fell_back: w.failed.is_some(),
            },
            Err(e) => Message::Failed(e.to_string()),
        },
        RunCommand::Activate(i) => {
            sessions.activate(i);
            sessions.active_mut().version += 1;
            Message::Showing {
                name: sessions.active().name.clone(),
            }
        }
    }
}
