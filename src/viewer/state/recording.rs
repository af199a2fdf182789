//! What recording needs across the viewer: the recorder (its settings, its state, and the
//! folder each recording goes to) and the scripted frame count of `--frames`.

use bevy::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

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
    pub(in crate::viewer) stopping: bool,
    /// Status for the panel (and errors), shared with the encoding thread.
    pub status: Arc<Mutex<String>>,
    /// The encoding thread; it returns whether the movie was written.
    pub(in crate::viewer) encoding: Option<std::thread::JoinHandle<bool>>,
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

/// Run this many frames, save a screenshot of the last, exit (`--frames`, `--screenshot`).
#[derive(Resource, Default)]
pub struct Script {
    pub frames: Option<u32>,
    pub screenshot: Option<PathBuf>,
    pub done: bool,
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
