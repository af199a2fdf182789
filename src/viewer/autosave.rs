//! Closing the window loses nothing: runs whose training went further than their last save
//! are written to the autosave folder (nothing is asked), and the terminal says where.
//! `ginn view --recover` and the Files panel open them again.

use super::state::Sessions;
use bevy::prelude::*;
use bevy::window::WindowCloseRequested;
use std::path::PathBuf;

pub fn plugin(app: &mut App) {
    app.init_resource::<AutosaveDir>();
    // Registered by the window plugin in the app; added here for windowless apps (tests).
    app.add_message::<WindowCloseRequested>();
    app.add_systems(Last, autosave_on_close);
}

/// Where autosaves go (tests point it at a folder of their own).
#[derive(Resource, Clone, Debug)]
pub struct AutosaveDir(pub PathBuf);

impl Default for AutosaveDir {
    fn default() -> Self {
        Self(crate::run::autosave::dir())
    }
}

/// Files written by the last autosave, for the message and for tests.
#[derive(Resource, Default, Debug)]
pub struct Autosaved(pub Vec<PathBuf>);

fn autosave_on_close(
    mut closed: MessageReader<WindowCloseRequested>,
    mut exits: MessageReader<AppExit>,
    mut sessions: ResMut<Sessions>,
    dir: Res<AutosaveDir>,
    script: Option<Res<super::capture::Script>>,
    recorder: Option<Res<super::recording::Recorder>>,
    mut commands: Commands,
) {
    let closing = closed.read().count() + exits.read().count() > 0;
    // Scripted runs (--frames, --record) end by design, not by a person closing the window.
    let scripted =
        script.is_some_and(|s| s.frames.is_some()) || recorder.is_some_and(|r| r.exit_when_done);
    if !closing || scripted {
        return;
    }
    let mut written = Vec::new();
    for s in sessions
        .list
        .iter_mut()
        .filter(|s| s.has_unsaved_progress())
    {
        match s.autosave(&dir.0) {
            Ok(w) => {
                eprintln!(
                    "ginn: unsaved training of \"{}\" (iteration {}) saved to {}; reopen it with `ginn view --recover`",
                    s.name,
                    s.head_iteration(),
                    w.path.display()
                );
                written.push(w.path);
            }
            Err(e) => eprintln!("ginn: could not autosave \"{}\": {e}", s.name),
        }
    }
    commands.insert_resource(Autosaved(written));
}
