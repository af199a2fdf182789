//! How often the window redraws: every frame while something moves (training, a replay, a
//! recording, the 2D/3D switch, a scripted run), else on input and four times a second (to
//! pick up work finished off the frame, a followed run's news, a message expiring). An
//! idle window then leaves the processor to that work: on a software renderer a still
//! picture redrawn twenty times a second took both cores, and a snapshot's evaluation,
//! which runs only on a processor nothing else wants, never came in.

use super::state::{Recorder, Script, Sessions, ViewState};
use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};
use std::time::Duration;

/// The longest an idle window waits between updates.
pub const IDLE_WAIT: Duration = Duration::from_millis(250);

pub fn plugin(app: &mut App) {
    app.add_systems(Last, pace);
}

pub fn pace(
    sessions: Res<Sessions>,
    recorder: Option<Res<Recorder>>,
    script: Option<Res<Script>>,
    view: Option<Res<ViewState>>,
    winit: Option<ResMut<WinitSettings>>,
) {
    let Some(mut winit) = winit else { return };
    let moving = sessions.active().is_running()
        || recorder.is_some_and(|r| r.active)
        || script.is_some_and(|s| s.frames.is_some() && !s.done)
        || view.is_some_and(|v| v.animating());
    let mode = if moving {
        UpdateMode::Continuous
    } else {
        UpdateMode::reactive(IDLE_WAIT)
    };
    if winit.focused_mode != mode || winit.unfocused_mode != mode {
        winit.focused_mode = mode;
        winit.unfocused_mode = mode;
    }
}
