//! Scripted runs: `--frames N --screenshot FILE` renders N frames, saves the last as a
//! PNG and exits. Training per frame is then exact (no time budget), so the picture is
//! reproducible.

use super::save_png;
use super::state::{FrameBudget, Script};
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use std::time::Duration;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, exact_frames);
    app.add_systems(Last, count_frames);
}

fn exact_frames(script: Res<Script>, mut budget: ResMut<FrameBudget>) {
    if script.frames.is_some() {
        budget.0 = Duration::from_secs(3600);
    }
}

fn count_frames(
    mut commands: Commands,
    mut script: ResMut<Script>,
    mut frame: Local<u32>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(n) = script.frames else { return };
    *frame += 1;
    if *frame < n || script.done {
        return;
    }
    script.done = true;
    match script.screenshot.clone() {
        Some(path) => {
            commands.spawn(Screenshot::primary_window()).observe(
                move |shot: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                    let result = save_png(&shot.image, &path);
                    match result {
                        Ok(()) => {
                            println!("wrote {}", path.display());
                            exit.write(AppExit::Success);
                        }
                        Err(e) => {
                            eprintln!("error: cannot save screenshot {}: {e}", path.display());
                            exit.write(AppExit::error());
                        }
                    }
                },
            );
        }
        None => {
            exit.write(AppExit::Success);
        }
    }
}
