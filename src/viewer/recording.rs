//! Recording training movies from the window. While recording, every frame advances a fixed
//! step (the iterations-per-frame setting at the live head, one snapshot in a replay) and
//! training waits until that frame has been captured, so however slowly the machine
//! renders, the movie has exactly one frame per step, none dropped or doubled. Frames are
//! saved as numbered PNGs; stopping encodes a GIF (and MP4 or WebM through ffmpeg).

use super::ViewerSet;
use crate::render::movie::MovieWriter;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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

/// Movie container written when recording stops (the PNG frames are always kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MovieKind {
    Gif,
    Mp4,
    Webm,
}

impl MovieKind {
    pub fn extension(self) -> &'static str {
        match self {
            MovieKind::Gif => "gif",
            MovieKind::Mp4 => "mp4",
            MovieKind::Webm => "webm",
        }
    }
}

#[derive(Resource)]
pub struct Recorder {
    /// Folder for the frames and the movie.
    pub dir: String,
    /// Where this recording goes: `dir` for the first, then `dir/recording-2`, … so a
    /// second recording never overwrites the first one's frames or movie.
    pub take: PathBuf,
    pub kind: MovieKind,
    pub fps: u32,
    /// Width of the encoded movie in pixels (height keeps the window's aspect).
    pub width: u32,
    /// Keep the panels in the frames (off: the view alone, full window).
    pub with_panels: bool,
    pub active: bool,
    /// Stop by itself after this many frames (`--record-frames`).
    pub limit: Option<u32>,
    /// Exit the app once the movie is written (scripted recordings).
    pub exit_when_done: bool,
    /// A frame has been stepped to and is waiting to be captured.
    pub waiting: bool,
    /// The step for the next frame has been taken; capture it this frame.
    pub due: bool,
    /// Frames requested and saved.
    pub requested: u32,
    pub captured: Arc<Mutex<u32>>,
    stopping: bool,
    /// Status for the panel (and errors), shared with the encoding thread.
    pub status: Arc<Mutex<String>>,
    /// The encoding thread; it returns whether the movie was written.
    encoding: Option<std::thread::JoinHandle<bool>>,
}

impl Default for Recorder {
    fn default() -> Self {
        Self {
            dir: "ginn-recording".into(),
            take: PathBuf::new(),
            kind: MovieKind::Gif,
            fps: 30,
            width: 800,
            with_panels: false,
            active: false,
            limit: None,
            exit_when_done: false,
            waiting: false,
            due: false,
            requested: 0,
            captured: Arc::new(Mutex::new(0)),
            stopping: false,
            status: Arc::new(Mutex::new(String::new())),
            encoding: None,
        }
    }
}

impl Recorder {
    /// Records `frames` frames into `dir` from the first frame, then exits (`--record`).
    pub fn scripted(dir: &Path, frames: u32) -> Self {
        let mut r = Self {
            dir: dir.display().to_string(),
            limit: Some(frames),
            exit_when_done: true,
            ..Self::default()
        };
        r.start();
        r
    }

    pub fn start(&mut self) {
        if self.active || self.encoding.is_some() {
            return;
        }
        // Checked before the first frame: the folder is made and must take files.
        if let Err(e) = crate::run::fsutil::prepare_output_dir(std::path::Path::new(&self.dir)) {
            *self.status.lock().expect("status") = format!("cannot record: {e}");
            return;
        }
        self.take = free_take(Path::new(&self.dir));
        if let Err(e) = std::fs::create_dir_all(&self.take) {
            *self.status.lock().expect("status") =
                format!("cannot record: {}: {e}", self.take.display());
            return;
        }
        self.active = true;
        self.stopping = false;
        self.requested = 0;
        *self.captured.lock().expect("count") = 0;
        *self.status.lock().expect("status") = "recording".into();
    }

    pub fn stop(&mut self) {
        if self.active {
            self.stopping = true;
        }
    }

    /// Whether training may take the next fixed step now.
    pub fn ready_for_step(&self) -> bool {
        self.active && !self.stopping && !self.waiting && !self.due
    }

    pub fn captured(&self) -> u32 {
        *self.captured.lock().expect("count")
    }

    pub fn status(&self) -> String {
        self.status.lock().expect("status").clone()
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
            let saved = super::capture::save_png(&shot.image, &path);
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

/// The first folder of a recording into `dir` that holds no earlier one: `dir` itself,
/// then `dir/recording-2`, `dir/recording-3`, …
pub fn free_take(dir: &Path) -> PathBuf {
    let taken = |d: &Path| {
        std::fs::read_dir(d).is_ok_and(|entries| {
            entries.flatten().any(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("frame_") || n.starts_with("movie.")
            })
        })
    };
    (1u32..)
        .map(|n| match n {
            1 => dir.to_path_buf(),
            n => dir.join(format!("recording-{n}")),
        })
        .find(|d| !taken(d))
        .expect("a free folder")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_recording_goes_to_a_new_folder() {
        let dir = std::env::temp_dir().join(format!("ginn-takes-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut rec = Recorder {
            dir: dir.display().to_string(),
            ..Recorder::default()
        };
        rec.start();
        assert_eq!(rec.take, dir);
        std::fs::write(rec.take.join("frame_00001.png"), b"first").unwrap();
        rec.active = false;
        rec.start();
        assert_eq!(rec.take, dir.join("recording-2"));
        std::fs::write(rec.take.join("movie.gif"), b"second").unwrap();
        assert_eq!(free_take(&dir), dir.join("recording-3"));
        // The first recording's frame is still there.
        assert_eq!(
            std::fs::read(dir.join("frame_00001.png")).unwrap(),
            b"first"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
