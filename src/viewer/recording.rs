//! Recording training movies from the window. While recording, every frame advances a fixed
//! step (the iterations-per-frame setting at the live head, one snapshot in a replay) and
//! training waits until that frame has been captured, so however slowly the machine
//! renders, the movie has exactly one frame per step, none dropped or doubled. Frames are
//! saved as numbered PNGs; stopping encodes a GIF (and MP4 or WebM through ffmpeg).

use super::ViewerSet;
use super::state::{MovieKind, Recorder};
use crate::render::movie::MovieWriter;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use std::path::{Path, PathBuf};

pub fn plugin(app: &mut App) {
    app.init_resource::<Recorder>();
    app.add_systems(
        Update,
        (record_key, request_frame, finish_recording, show_in_title)
            .chain()
            .in_set(ViewerSet::Ui),
    );
}

/// The window title names the shown run and, while recording, counts the frames: it is
/// the one indicator that is not captured into the movie (recording without panels shows
/// nothing in the window).
fn show_in_title(
    rec: Res<Recorder>,
    sessions: Res<super::state::Sessions>,
    mut windows: Query<&mut Window, With<bevy::window::PrimaryWindow>>,
) {
    let Ok(mut w) = windows.single_mut() else {
        return;
    };
    let base = format!("ginn — {}", sessions.active().name);
    let title = if rec.active {
        match rec.limit {
            Some(n) => format!("● recording {}/{n} — {base}", rec.captured()),
            None => format!("● recording {} — {base}", rec.captured()),
        }
    } else if rec.encoding.is_some() {
        format!("encoding the movie… — {base}")
    } else {
        base
    };
    if w.title != title {
        w.title = title;
    }
}

fn record_key(
    keys: Res<ButtonInput<KeyCode>>,
    area: Res<super::state::UiArea>,
    mut rec: ResMut<Recorder>,
) {
    if area.keyboard_free && keys.just_pressed(KeyCode::KeyR) {
        if rec.active { rec.stop() } else { rec.start() }
    }
}

/// Asks for a screenshot of the frame the fixed step produced.
fn request_frame(mut commands: Commands, mut rec: ResMut<Recorder>) {
    if !rec.due {
        return;
    }
    rec.due = false;
    rec.waiting = true;
    rec.requested += 1;
    let path = rec.take.join(format!("frame_{:05}.png", rec.requested));
    let (captured, status) = (rec.captured.clone(), rec.status.clone());
    commands.spawn(Screenshot::primary_window()).observe(
        move |shot: On<ScreenshotCaptured>, mut rec: ResMut<Recorder>| {
            let saved = super::save_png(&shot.image, &path);
            match saved {
                Ok(()) => *captured.lock().expect("count") += 1,
                Err(e) => {
                    *status.lock().expect("status") =
                        format!("frame {} not saved: {e}; recording stopped", path.display());
                    rec.stop();
                }
            }
            rec.waiting = false;
        },
    );
    if rec.limit.is_some_and(|n| rec.requested >= n) {
        rec.stop();
    }
}

/// Once the last frame is in, encodes the movie on a thread (the window stays live).
fn finish_recording(mut rec: ResMut<Recorder>, mut exit: MessageWriter<AppExit>) {
    if rec.stopping && !rec.waiting && !rec.due {
        rec.active = false;
        rec.stopping = false;
        let (dir, kind, fps, width, status) = (
            rec.take.clone(),
            rec.kind,
            rec.fps,
            rec.width,
            rec.status.clone(),
        );
        let frames = rec.captured();
        *status.lock().expect("status") = format!("encoding {frames} frames…");
        rec.encoding = Some(std::thread::spawn(move || {
            let written = encode(&dir, kind, fps, width);
            *status.lock().expect("status") = match &written {
                Ok(p) => format!(
                    "wrote {} ({frames} frames; PNG frames in {})",
                    p.display(),
                    dir.display()
                ),
                Err(e) => format!("{e} (the {frames} PNG frames are in {})", dir.display()),
            };
            written.is_ok()
        }));
    }
    if rec.encoding.as_ref().is_some_and(|h| h.is_finished()) {
        let written = rec
            .encoding
            .take()
            .is_some_and(|h| h.join().unwrap_or(false));
        let msg = rec.status();
        if written {
            println!("{msg}");
        } else {
            eprintln!("error: {msg}");
        }
        if rec.exit_when_done {
            exit.write(if written {
                AppExit::Success
            } else {
                AppExit::error()
            });
        }
    }
}

/// Encodes the numbered PNG frames of `dir` into `dir/movie.<ext>`, scaled to `width`.
pub fn encode(dir: &Path, kind: MovieKind, fps: u32, width: u32) -> Result<PathBuf, String> {
    let mut frames: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("frame_"))
        })
        .collect();
    frames.sort();
    let first = frames.first().ok_or("no frames were recorded")?;
    let size = image::image_dimensions(first).map_err(|e| e.to_string())?;
    let w = width.clamp(16, 8192) & !1;
    let h = ((size.1 as u64 * w as u64 / size.0.max(1) as u64) as u32).max(16) & !1;
    let out = dir.join(format!("movie.{}", kind.extension()));
    let mut writer = MovieWriter::create(&out, w, h, fps).map_err(|e| e.to_string())?;
    for f in &frames {
        let img = image::open(f)
            .map_err(|e| format!("{}: {e}", f.display()))?
            .to_rgba8();
        let img = if img.dimensions() == (w, h) {
            img
        } else {
            image::imageops::resize(&img, w, h, image::imageops::FilterType::Triangle)
        };
        writer
            .push(img.into_raw(), w, h)
            .map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())
}
