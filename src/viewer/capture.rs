//! Scripted runs: `--frames N --screenshot FILE` renders N frames, saves the last as a
//! PNG and exits. Training per frame is then exact (no time budget), so the picture is
//! reproducible.

use super::state::FrameBudget;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use std::path::PathBuf;
use std::time::Duration;

pub(super) fn plugin(app: &mut App) {
    app.add_systems(Startup, exact_frames);
    app.add_systems(Last, count_frames);
}

#[derive(Resource, Default)]
pub struct Script {
    pub frames: Option<u32>,
    pub screenshot: Option<PathBuf>,
    pub done: bool,
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

/// Writes a captured frame as a PNG (atomically).
pub fn save_png(image: &Image, path: &std::path::Path) -> Result<(), String> {
    let img = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())?
        .to_rgba8();
    let png = crate::render::frame::png_bytes(img.as_raw(), img.width(), img.height());
    crate::run::fsutil::write_atomic(path, &png).map_err(|e| e.to_string())
}
