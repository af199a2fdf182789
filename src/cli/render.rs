//! `ginn render`: a training movie from a run file, on the CPU, no window or GPU needed.

use super::args::At;
use super::look::{Extras, LookArgs, frame_of};
use anyhow::Context;
use clap::Args;
use ginn::render::frame::{FrameStyle, rgba};
use ginn::render::movie::MovieWriter;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use serde_json::json;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct RenderCmd {
    /// A run file from `ginn train`.
    run: PathBuf,
    /// movie.gif, movie.mp4 or movie.webm (needs ffmpeg), or DIR/ for numbered PNGs.
    #[arg(long)]
    out: PathBuf,
    /// Frame size in pixels: N or WIDTHxHEIGHT.
    #[arg(long, default_value = "800", value_parser = parse_frame_size)]
    size: (u32, u32),
    /// Frames per second of the movie (one frame per snapshot).
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// First iteration to include.
    #[arg(long, default_value_t = 0)]
    from: u64,
    /// Last iteration to include (default: the end).
    #[arg(long)]
    to: Option<u64>,
    /// 3D view: degrees the square turns per frame (0 = fixed camera).
    #[arg(long, default_value_t = 0.0)]
    orbit: f32,
    #[command(flatten)]
    look: LookArgs,
    /// Print one JSON object with the timing.
    #[arg(long)]
    json: bool,
}

/// `800` or `800x450`.
pub fn parse_frame_size(s: &str) -> Result<(u32, u32), String> {
    let (w, h) = match s.split_once('x') {
        Some((w, h)) => (w.parse(), h.parse()),
        None => (s.parse(), s.parse()),
    };
    match (w, h) {
        (Ok(w), Ok(h)) if (16..=8192).contains(&w) && (16..=8192).contains(&h) => Ok((w, h)),
        _ => Err(format!(
            "size must be N or WIDTHxHEIGHT with 16 to 8192 pixels a side, got `{s}`"
        )),
    }
}

impl RenderCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let run = self.look.domain.load(&self.run, At::Last)?;
        let to = self.to.unwrap_or(u64::MAX);
        let picked: Vec<usize> = (0..run.snapshots.len())
            .filter(|&i| (self.from..=to).contains(&run.snapshots[i].iteration))
            .collect();
        if picked.is_empty() {
            anyhow::bail!(
                "no snapshots between iterations {} and {}",
                self.from,
                self.to.map_or("the end".into(), |t| t.to_string())
            );
        }
        if self.fps == 0 || self.fps > 240 {
            anyhow::bail!("--fps must be 1 to 240, got {}", self.fps);
        }
        let (w, h) = self.size;
        let base = self.look.style(w, h, &run)?;
        let extras = Extras::for_run(&run, &self.look, &picked)?;
        let mut writer = MovieWriter::create(&self.out, w, h, self.fps)?;
        let bar = ProgressBar::new(picked.len() as u64).with_style(
            ProgressStyle::with_template(
                "[{elapsed_precise}] {wide_bar} {pos}/{len} frames {per_sec} ETA {eta}",
            )
            .expect("template"),
        );
        let start = Instant::now();
        let mut render_secs = 0.0;
        // Frames are drawn in parallel a batch at a time and written in order.
        let batch = rayon::current_num_threads() * 4;
        let numbered: Vec<(usize, usize)> = picked.iter().copied().enumerate().collect();
        for chunk in numbered.chunks(batch) {
            let t = Instant::now();
            let frames: Vec<Vec<u8>> = chunk
                .par_iter()
                .map(|&(frame, i)| {
                    // The camera turns with the movie's frame number, from the first frame.
                    let style = FrameStyle {
                        yaw: base.yaw + self.orbit * frame as f32,
                        ..base.clone()
                    };
                    frame_of(&run, i, &style, &extras).map(|f| rgba(&f))
                })
                .collect::<anyhow::Result<_>>()?;
            render_secs += t.elapsed().as_secs_f64();
            for f in frames {
                writer.push(f, w, h)?;
                bar.inc(1);
            }
        }
        let out = writer
            .finish()
            .with_context(|| format!("finishing {}", self.out.display()))?;
        bar.finish_and_clear();
        let secs = start.elapsed().as_secs_f64();
        let n = picked.len();
        if self.json {
            println!(
                "{}",
                json!({ "frames": n, "width": w, "height": h, "seconds": secs, "render_seconds": render_secs,
                        "render_frames_per_second": n as f64 / render_secs, "threads": rayon::current_num_threads(), "out": out })
            );
        } else {
            println!(
                "wrote {}: {n} frames {w}×{h} in {secs:.1} s (drawing {:.1} frames/s on {} threads, the rest encoding)",
                out.display(),
                n as f64 / render_secs,
                rayon::current_num_threads()
            );
        }
        Ok(())
    }
}
