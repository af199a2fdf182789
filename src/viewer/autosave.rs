//! Ending the viewer loses nothing: runs whose training went further than their last save
//! are written to the autosave folder (nothing is asked), and the terminal says where.
//! `ginn view --recover` and the Files panel open them again.
//!
//! Three roads lead there: a window close or any `AppExit` seen at the end of a frame; a
//! SIGTERM or SIGHUP (a logout, a shutdown, a closed terminal, a supervisor's stop), which
//! asks the app to exit like a close; and, for every other ending — a destroyed window or a
//! lost GPU surface (Bevy quits on the render error after the frame's last system), a
//! panic in a system — the drop of the world's runs ([`Sessions`]' `Drop`).

use super::state::Sessions;
use bevy::prelude::*;
use bevy::window::WindowCloseRequested;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn plugin(app: &mut App) {
    app.init_resource::<AutosaveDir>();
    app.init_resource::<TermSignals>();
    // Registered by the window plugin in the app; added here for windowless apps (tests).
    app.add_message::<WindowCloseRequested>();
    app.add_systems(First, (arm_autosave_on_drop, exit_on_term_signal));
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

/// The number of the last SIGTERM or SIGHUP received (0: none), set by the handlers.
#[derive(Resource, Clone)]
pub struct TermSignals(pub Arc<AtomicUsize>);

impl Default for TermSignals {
    fn default() -> Self {
        let last = Arc::new(AtomicUsize::new(0));
        #[cfg(unix)]
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGHUP] {
            // Without the handler the signal's default action ends the process at once; if
            // it cannot be installed, that is all that is lost.
            let _ = signal_hook::flag::register_usize(sig, Arc::clone(&last), sig as usize);
        }
        Self(last)
    }
}

/// Whether the app ends by design (`--frames`, `--record`) rather than by a person.
fn scripted(
    script: Option<Res<super::state::Script>>,
    recorder: Option<Res<super::state::Recorder>>,
) -> bool {
    script.is_some_and(|s| s.frames.is_some()) || recorder.is_some_and(|r| r.exit_when_done)
}

/// Keeps the runs' last-door autosave pointed at the folder (and off for scripted runs).
fn arm_autosave_on_drop(
    dir: Res<AutosaveDir>,
    mut sessions: ResMut<Sessions>,
    script: Option<Res<super::state::Script>>,
    recorder: Option<Res<super::state::Recorder>>,
) {
    let want = (!scripted(script, recorder)).then(|| dir.0.clone());
    if sessions.autosave_to != want {
        sessions.autosave_to = want;
    }
}

/// A SIGTERM or SIGHUP ends the app as a window close does (autosaving on the way out).
fn exit_on_term_signal(signals: Res<TermSignals>, mut exit: MessageWriter<AppExit>) {
    let sig = signals.0.swap(0, Ordering::Relaxed);
    if sig != 0 {
        eprintln!("ginn: signal {sig} received, closing the viewer");
        exit.write(AppExit::from_code(128 + sig as u8));
    }
}

fn autosave_on_close(
    mut closed: MessageReader<WindowCloseRequested>,
    mut exits: MessageReader<AppExit>,
    mut sessions: ResMut<Sessions>,
    dir: Res<AutosaveDir>,
    script: Option<Res<super::state::Script>>,
    recorder: Option<Res<super::state::Recorder>>,
    mut commands: Commands,
) {
    let closing = closed.read().count() + exits.read().count() > 0;
    if !closing || scripted(script, recorder) {
        return;
    }
    let written = sessions.autosave_unsaved(&dir.0);
    commands.insert_resource(Autosaved(written));
}
