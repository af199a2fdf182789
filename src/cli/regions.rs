//! `ginn regions`: the exact partition of one snapshot, as numbers, JSON or SVG.

use super::args::At;
use anyhow::Context;
use clap::Args;
use ginn::geometry::{Geometry, Rect};
use ginn::render::svg;
use ginn::run::fsutil::write_atomic;
use serde_json::json;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct RegionsCmd {
    /// A run file from `ginn train`.
    run: PathBuf,
    /// Which snapshot: an iteration (the last snapshot at or before it) or `last`.
    #[arg(long, default_value = "last")]
    at: At,
    #[command(flatten)]
    domain: super::args::DomainArgs,
    /// Print one JSON object: domain, regions, regions_per_layer, milliseconds, neurons
    /// (polylines in the network's own input coordinates).
    #[arg(long)]
    json: bool,
    /// Also write the boundaries over the prediction as an SVG file.
    #[arg(long)]
    svg: Option<PathBuf>,
}

impl RegionsCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let run = self.domain.load(&self.run, self.at)?;
        let (snap, net) = self.at.view_network(&run);
        // Median of a few repetitions: one cold run is dominated by allocation warm-up.
        let mut times = Vec::new();
        let mut geom = None;
        // Up to 7 repetitions within about a second (a wide net's one partition can take more).
        let started = Instant::now();
        for _ in 0..7 {
            if !times.is_empty() && started.elapsed().as_secs_f64() > 1.0 {
                break;
            }
            let t = Instant::now();
            geom = Some(
                Geometry::complete(&net, Rect::UNIT)
                    .map_err(|t| super::look::over_limit(snap.iteration, &t))?,
            );
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        let ms = times[times.len() / 2];
        let geom = geom.expect("computed");

        if let Some(path) = &self.svg {
            let size = 600.0;
            let res = 300;
            let prob = ginn::render::prediction(&geom, &net, res, res);
            let gray: Vec<u8> = prob.iter().map(|p| (p * 255.0).round() as u8).collect();
            let bg = svg::Background {
                gray: &gray,
                width: res,
                height: res,
            };
            let style = ginn::render::frame::FrameStyle {
                width: size as u32,
                height: size as u32,
                line_width: 1.5,
                domain: run.domain,
                ..Default::default()
            };
            let caption = format!("iteration {}", snap.iteration);
            // Every unit's boundary, nothing over them.
            use ginn::render::picture::{Lines, Picture, axes, dots};
            let overlay = Picture {
                boundaries: Lines::describe(&geom, &Default::default()),
                points: run
                    .target
                    .points()
                    .map_or_else(Vec::new, |p| dots(p, &run.domain)),
                axes: axes(&run.domain, &geom.rect),
                ..Default::default()
            };
            let body = svg::panel(
                &geom,
                Some(bg),
                &style,
                &overlay,
                10.0,
                10.0,
                Some(&caption),
            );
            write_atomic(
                path,
                svg::document(size + 20.0, size + 40.0, &body).as_bytes(),
            )
            .with_context(|| format!("cannot write {}", path.display()))?;
        }

        if self.json {
            // Written as it goes, one neuron at a time, rather than built whole in memory
            // first (a wide net's boundaries are tens of megabytes as JSON).
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let d = run.domain;
            let head = json!({
                "iteration": snap.iteration,
                "domain": [d.x0, d.x1, d.y0, d.y1],
                "regions": geom.regions().len(),
                "regions_per_layer": geom.regions_per_layer(),
                "milliseconds": ms,
            })
            .to_string();
            write!(out, "{},\"decision_boundary\":", head.trim_end_matches('}'))?;
            serde_json::to_writer(&mut out, &run.domain.lines_to_input(&geom.decision))?;
            write!(out, ",\"neurons\":[")?;
            for (k, b) in geom.boundaries.iter().enumerate() {
                if k > 0 {
                    write!(out, ",")?;
                }
                let lines = run.domain.lines_to_input(&b.polylines);
                let neuron = json!({ "layer": b.neuron.layer + 1, "index": b.neuron.index + 1, "length": length(&lines) });
                write!(
                    out,
                    "{},\"polylines\":",
                    neuron.to_string().trim_end_matches('}')
                )?;
                serde_json::to_writer(&mut out, &lines)?;
                write!(out, "}}")?;
            }
            writeln!(out, "]}}")?;
            out.flush()?;
            return Ok(());
        }
        let per_layer: Vec<String> = geom
            .regions_per_layer()
            .iter()
            .enumerate()
            .map(|(l, n)| format!("layer {}: {n}", l + 1))
            .collect();
        println!(
            "iteration {}: {} linear regions ({}), computed in {ms:.3} ms",
            snap.iteration,
            geom.regions().len(),
            per_layer.join(", ")
        );
        if !run.domain.is_unit() {
            println!("domain {} (lengths in its units)", run.domain.ranges());
        }
        println!("unit        length  pieces  active");
        for b in &geom.boundaries {
            let s = geom.neuron_stats(b.neuron);
            println!(
                "L{}:{:<3}  {:>10.4}  {:>6}  {:>5.1}%",
                b.neuron.layer + 1,
                b.neuron.index + 1,
                length(&run.domain.lines_to_input(&b.polylines)),
                s.pieces,
                100.0 * s.active_fraction
            );
        }
        if let Some(p) = &self.svg {
            println!("wrote {}", p.display());
        }
        Ok(())
    }
}

fn length(lines: &[Vec<[f64; 2]>]) -> f64 {
    lines
        .iter()
        .flat_map(|l| l.windows(2))
        .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
        .sum()
}
