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
    /// Layer space: instead of the run, one snapshot (--to, else the last) flown through
    /// the layers, the square folded layer by layer (--fps frames from each to the next).
    #[arg(long)]
    morph: bool,
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
        if self.morph {
            anyhow::ensure!(
                extras.layer_space.is_some(),
                "--morph flies through the layers' spaces: add --view layer-space"
            );
            let last = *picked.last().expect("checked above");
            return self.morph(&run, last, &base);
        }
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

    /// The square folded layer by layer at snapshot `i`: each input point moves straight
    /// from its image at one layer to the next (all layers share the partition's points).
    fn morph(&self, run: &ginn::run::Run, i: usize, style: &FrameStyle) -> anyhow::Result<()> {
        use ginn::layer_space::{Axes, frame, sheet};
        use ginn::render::layer_space::{between, marks, place, to_pixmap};
        let net = run.view_network(&run.snapshots[i]);
        let geom = super::look::complete_geometry(run, i, &net)?;
        let hidden = run.settings.widths.len();
        let mut placed = Vec::new();
        let mut sheets = Vec::new();
        for l in 0..=hidden {
            let axes = if l == hidden {
                Axes::Decision
            } else {
                Axes::Principal
            };
            let s = sheet(&net, &geom, l);
            let f = frame(&net, &geom, &s, &axes).map_err(anyhow::Error::msg)?;
            placed.push(place(&s, &f));
            sheets.push(s);
        }
        let steps = self.fps.max(2) as usize;
        let (w, h) = self.size;
        let mut writer = MovieWriter::create(&self.out, w, h, self.fps)?;
        let iteration = run.snapshots[i].iteration;
        let mut frames = 0;
        for l in 0..hidden {
            for k in 0..steps {
                let t = k as f64 / steps as f64;
                // Eased, so each layer's sheet is held a moment.
                let e = t * t * (3.0 - 2.0 * t);
                let now = between(&placed[l], &placed[l + 1], e);
                let caption = vec![format!("layer {l} to {} · iteration {iteration}", l + 1)];
                let style = super::look::sheet_style(style, caption);
                // The boundaries of the layer being reached.
                let m = marks(&sheets[l + 1], &now, &style);
                writer.push(rgba(&to_pixmap(&m, &style)), w, h)?;
                frames += 1;
            }
        }
        let caption = vec![format!(
            "layer {hidden} · iteration {iteration} · decision axes"
        )];
        let style = super::look::sheet_style(style, caption);
        let last = to_pixmap(&marks(&sheets[hidden], &placed[hidden], &style), &style);
        for _ in 0..steps {
            writer.push(rgba(&last), w, h)?;
            frames += 1;
        }
        let out = writer.finish()?;
        println!(
            "wrote {}: {frames} frames, the square folded through {hidden} layers at iteration {iteration}",
            out.display()
        );
        Ok(())
    }
}
