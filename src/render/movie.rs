//! Writing frames out: an animated GIF, a directory of PNGs, or MP4/WebM through `ffmpeg`
//! when it is on the PATH. Every output is written to a temporary name and renamed when
//! complete, so an interrupted render never leaves a half movie under the real name.

use crate::run::fsutil::{move_with_fallback, prepare_output, prepare_output_dir, write_atomic};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

#[derive(Debug, thiserror::Error)]
pub enum MovieError {
    #[error("{path}: {problem}")]
    Io { path: PathBuf, problem: String },
    #[error(
        "writing {0} needs ffmpeg on the PATH, and it was not found; write a .gif or a directory of PNGs instead, or install ffmpeg"
    )]
    NoFfmpeg(PathBuf),
    #[error("output `{0}` must end in .gif, .mp4 or .webm, or be a directory (ending in /)")]
    Kind(PathBuf),
}

/// Where frames go.
pub enum MovieWriter {
    Gif {
        path: PathBuf,
        tmp: PathBuf,
        encoder: image::codecs::gif::GifEncoder<std::fs::File>,
        delay_ms: u32,
    },
    Pngs {
        dir: PathBuf,
        count: usize,
    },
    Ffmpeg {
        path: PathBuf,
        tmp: PathBuf,
        child: Child,
    },
}

fn io(path: &Path, e: impl std::fmt::Display) -> MovieError {
    MovieError::Io {
        path: path.to_path_buf(),
        problem: e.to_string(),
    }
}

/// Moves the finished movie into place, or to a fallback file that the warning names.
fn place(tmp: &Path, path: &Path) -> Result<PathBuf, MovieError> {
    let written = move_with_fallback(tmp, path).map_err(|e| io(path, e))?;
    if written.failed.is_some() {
        eprintln!("warning: {}", written.describe(path));
    }
    Ok(written.path)
}

fn tmp_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

impl MovieWriter {
    /// Chooses the writer from the output name.
    pub fn create(path: &Path, width: u32, height: u32, fps: u32) -> Result<Self, MovieError> {
        let s = path.to_string_lossy();
        let ext = path.extension().map(|e| e.to_string_lossy().to_lowercase());
        if s.ends_with('/') || path.is_dir() || ext.is_none() {
            prepare_output_dir(path).map_err(|e| io(path, e.problem))?;
            return Ok(MovieWriter::Pngs {
                dir: path.to_path_buf(),
                count: 0,
            });
        }
        // Checked before any frame is drawn: missing folders made, a bad path refused.
        prepare_output(path, 0).map_err(|e| io(path, e.problem))?;
        let tmp = tmp_name(path);
        match ext.as_deref() {
            Some("gif") => {
                let file = std::fs::File::create(&tmp).map_err(|e| io(path, e))?;
                let mut encoder = image::codecs::gif::GifEncoder::new_with_speed(file, 10);
                encoder
                    .set_repeat(image::codecs::gif::Repeat::Infinite)
                    .map_err(|e| io(path, e))?;
                Ok(MovieWriter::Gif {
                    path: path.to_path_buf(),
                    tmp,
                    encoder,
                    delay_ms: 1000 / fps.max(1),
                })
            }
            Some(kind @ ("mp4" | "webm")) => {
                if Command::new("ffmpeg")
                    .arg("-version")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_err()
                {
                    return Err(MovieError::NoFfmpeg(path.to_path_buf()));
                }
                let codec: &[&str] = if kind == "mp4" {
                    // yuv420p needs even sides: pad odd ones by a pixel.
                    &[
                        "-vf",
                        "pad=ceil(iw/2)*2:ceil(ih/2)*2",
                        "-c:v",
                        "libx264",
                        "-pix_fmt",
                        "yuv420p",
                        "-f",
                        "mp4",
                    ]
                } else {
                    &["-c:v", "libvpx-vp9", "-f", "webm"]
                };
                let child = Command::new("ffmpeg")
                    .args([
                        "-y",
                        "-loglevel",
                        "error",
                        "-f",
                        "rawvideo",
                        "-pix_fmt",
                        "rgba",
                        "-s",
                        &format!("{width}x{height}"),
                        "-r",
                        &fps.to_string(),
                        "-i",
                        "-",
                    ])
                    .args(codec)
                    .arg(&tmp)
                    .stdin(Stdio::piped())
                    .spawn()
                    .map_err(|e| io(path, e))?;
                Ok(MovieWriter::Ffmpeg {
                    path: path.to_path_buf(),
                    tmp,
                    child,
                })
            }
            _ => Err(MovieError::Kind(path.to_path_buf())),
        }
    }

    /// Appends one frame (straight RGBA).
    pub fn push(&mut self, rgba: Vec<u8>, width: u32, height: u32) -> Result<(), MovieError> {
        match self {
            MovieWriter::Gif {
                path,
                encoder,
                delay_ms,
                ..
            } => {
                let img = image::RgbaImage::from_raw(width, height, rgba)
                    .expect("frame buffer matches its size");
                let frame = image::Frame::from_parts(
                    img,
                    0,
                    0,
                    image::Delay::from_numer_denom_ms(*delay_ms, 1),
                );
                encoder.encode_frame(frame).map_err(|e| io(path, e))
            }
            MovieWriter::Pngs { dir, count } => {
                *count += 1;
                let p = dir.join(format!("frame_{:05}.png", *count));
                write_atomic(&p, &super::frame::png_bytes(&rgba, width, height))
                    .map_err(|e| io(&p, e))
            }
            MovieWriter::Ffmpeg { path, child, .. } => {
                let stdin = child.stdin.as_mut().expect("piped");
                stdin
                    .write_all(&rgba)
                    .map_err(|e| io(path, format!("ffmpeg stopped taking frames: {e}")))
            }
        }
    }

    /// Completes the file and moves it into place.
    pub fn finish(self) -> Result<PathBuf, MovieError> {
        match self {
            MovieWriter::Gif {
                path, tmp, encoder, ..
            } => {
                drop(encoder);
                place(&tmp, &path)
            }
            MovieWriter::Pngs { dir, .. } => Ok(dir),
            MovieWriter::Ffmpeg {
                path,
                tmp,
                mut child,
            } => {
                drop(child.stdin.take());
                let status = child.wait().map_err(|e| io(&path, e))?;
                if !status.success() {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(io(&path, format!("ffmpeg failed ({status})")));
                }
                place(&tmp, &path)
            }
        }
    }
}
