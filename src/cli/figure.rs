//! `ginn figure`: panels of chosen snapshots side by side, like the report's Figure 3,
//! as PNG or as SVG with true vector boundaries.

use super::args::At;
use super::look::{Extras, LookArgs, complete_geometry, frame_of};
use anyhow::Context;
use clap::Args;
use ginn::render::frame::View;
use ginn::render::{svg, text};
use ginn::run::fsutil::{prepare_output, write_atomic, write_with_fallback};
use std::path::{Path, PathBuf};
use tiny_skia::{Pixmap, PixmapPaint, Transform};

#[derive(Args)]
pub struct FigureCmd {
    /// A run file from `ginn train`.
    run: PathBuf,
    /// Snapshots to show, comma-separated: iterations (the last snapshot at or before each) or `last`.
    #[arg(long, default_value = "0,100,10000,last", value_delimiter = ',')]
    at: Vec<At>,
    /// fig.png or fig.svg.
    #[arg(long)]
    out: PathBuf,
    /// Side of each panel in pixels.
    #[arg(long, default_value_t = 300)]
    size: u32,
    /// Panels per row.
    #[arg(long, default_value_t = 4)]
    columns: usize,
    #[command(flatten)]
    look: LookArgs,
}

const CAPTION: u32 = 28;
const GAP: u32 = 10;

impl FigureCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let run = self.look.domain.load(&self.run, At::Last)?;
        if self.at.is_empty() || self.at.len() > 64 {
            anyhow::bail!("--at needs 1 to 64 snapshots");
        }
        if !(32..=4096).contains(&self.size) {
            anyhow::bail!("--size must be 32 to 4096 pixels, got {}", self.size);
        }
        let indices: Vec<usize> = self
            .at
            .iter()
            .map(|a| {
                let it = a.pick(&run).iteration;
                run.snapshots
                    .iter()
                    .position(|s| s.iteration == it)
                    .expect("picked from the run")
            })
            .collect();
        let cols = self.columns.clamp(1, indices.len());
        let rows = indices.len().div_ceil(cols);
        let (pw, ph) = (self.size + GAP, self.size + CAPTION + GAP);
        let (w, h) = (cols as u32 * pw + GAP, rows as u32 * ph + GAP);
        let caption = |k: usize, i: usize| {
            format!(
                "({}) iteration {}",
                (b'a' + (k % 26) as u8) as char,
                run.snapshots[i].iteration
            )
        };
        let ext = self
            .out
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        let style = self.look.style(self.size, self.size, &run)?;
        let extras = Extras::for_run(&run, &self.look, &indices)?;
        if !matches!(ext.as_deref(), Some("svg" | "png")) {
            anyhow::bail!("--out must end in .png or .svg, got {}", self.out.display());
        }
        // Before drawing anything: missing folders are made, a bad path is refused.
        prepare_output(&self.out, 0)?;
        let written = match ext.as_deref() {
            Some("svg") => {
                if style.view == View::ThreeD {
                    anyhow::bail!(
                        "SVG figures show the 2D overlay; use --view 2d or a .png for 3D"
                    );
                }
                let mut body = String::new();
                for (k, &i) in indices.iter().enumerate() {
                    if let Some((layer, axes)) = &extras.layer_space {
                        // Each panel a nested SVG of its own, its caption under it.
                        let net = run.view_network(&run.snapshots[i]);
                        let geom = complete_geometry(&run, i, &net)?;
                        let marks = super::look::layer_space_marks(
                            &run, i, &net, &geom, *layer, axes, &style,
                        )?;
                        let panel = ginn::render::layer_space::to_svg(
                            &marks,
                            &super::look::sheet_style(&style, vec![]),
                        );
                        let (x, y) = (GAP + (k % cols) as u32 * pw, GAP + (k / cols) as u32 * ph);
                        body += &format!(
                            "<g transform=\"translate({x},{y})\">{}</g><text x=\"{}\" y=\"{}\" font-family=\"sans-serif\" font-size=\"14\" text-anchor=\"middle\">{}</text>\n",
                            panel.replacen("<svg ", "<svg x=\"0\" y=\"0\" ", 1),
                            x + self.size / 2,
                            y + self.size + 18,
                            caption(k, i)
                        );
                        continue;
                    }
                    let net = run.view_network(&run.snapshots[i]);
                    let geom = complete_geometry(&run, i, &net)?;
                    let res = self.size.min(512);
                    let gray: Vec<u8> = ginn::render::prediction(&geom, &net, res, res)
                        .iter()
                        .map(|p| (p * 255.0).round() as u8)
                        .collect();
                    let picture = extras.picture(&run, i, &geom, &net);
                    let (x, y) = (
                        (GAP + (k % cols) as u32 * pw) as f64,
                        (GAP + (k / cols) as u32 * ph) as f64,
                    );
                    body += &svg::panel(
                        &geom,
                        Some(svg::Background {
                            gray: &gray,
                            width: res,
                            height: res,
                        }),
                        &style,
                        &picture,
                        x,
                        y,
                        Some(&caption(k, i)),
                    );
                }
                save(
                    &self.out,
                    svg::document(w as f64, h as f64, &body).as_bytes(),
                )?
            }
            Some("png") => {
                let mut fig = Pixmap::new(w, h).context("figure too large")?;
                fig.fill(tiny_skia::Color::WHITE);
                for (k, &i) in indices.iter().enumerate() {
                    let panel = frame_of(&run, i, &style, &extras)?;
                    let (x, y) = (GAP + (k % cols) as u32 * pw, GAP + (k / cols) as u32 * ph);
                    fig.draw_pixmap(
                        x as i32,
                        y as i32,
                        panel.as_ref(),
                        &PixmapPaint::default(),
                        Transform::identity(),
                        None,
                    );
                    let c = caption(k, i);
                    let size = 16.0;
                    text::draw(
                        &mut fig,
                        &c,
                        x as f32 + (self.size as f32 - text::width(&c, size)) / 2.0,
                        (y + self.size + 5) as f32,
                        size,
                        [20, 20, 20],
                    );
                }
                save(&self.out, &ginn::render::frame::png(&fig))?
            }
            _ => unreachable!("checked above"),
        };
        println!("{} ({} panels)", written.describe(&self.out), indices.len());
        Ok(())
    }
}

/// Writes the figure atomically, or to a fallback file when its place fails at the end.
fn save(path: &Path, bytes: &[u8]) -> anyhow::Result<ginn::run::fsutil::Written> {
    let written = write_with_fallback(path, bytes, write_atomic).map_err(anyhow::Error::msg)?;
    if written.failed.is_some() {
        eprintln!("warning: {}", written.describe(path));
    }
    Ok(written)
}
