//! `ginn bench`: measured speeds on this machine, for the README.

use clap::Args;
use ginn::bench::{
    frame_work_ms, geometry_timing, nalgebra_training_rate, trained_net, training_rate,
};
use ginn::nn::{Architecture, Network};
use rand::SeedableRng;
use serde_json::json;

#[derive(Args)]
pub struct BenchCmd {
    /// Training iterations to time.
    #[arg(long, default_value_t = 200_000)]
    iterations: u64,
    /// Repetitions per geometry timing (the median is reported).
    #[arg(long, default_value_t = 101)]
    reps: usize,
    /// Also time the geometry of this run file's last snapshot.
    #[arg(long)]
    run: Option<std::path::PathBuf>,
    /// Seed of the network trained for 40k iterations as the "trained" geometry benchmark
    /// (seed 2 gives ~730 regions, near the report's ~1,000).
    #[arg(long, default_value_t = 2)]
    seed: u64,
    /// Skip the training measurement.
    #[arg(long)]
    no_training: bool,
    /// Partition time of 3-layer nets of these widths (trained 3,000 iterations), on one
    /// core and on all; `none` to skip.
    #[arg(long, default_value = "16,64,128", value_delimiter = ',')]
    widths: Vec<String>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

impl BenchCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let kernel = ginn::train::KernelKind::best();
        let rates: Vec<ginn::bench::TrainingRate> = if self.no_training {
            vec![]
        } else {
            // The chosen build with and without flushing denormals, then the other builds.
            let mut r = vec![
                training_rate(self.iterations.max(1), kernel, true),
                training_rate(self.iterations.max(1), kernel, false),
            ];
            for k in ginn::train::KernelKind::ALL {
                if k != kernel && k.available() {
                    r.push(training_rate(self.iterations.max(1), k, true));
                }
            }
            r
        };
        let rate = rates.first().map_or(f64::NAN, |r| r.early);
        let nalgebra = if self.no_training {
            f64::NAN
        } else {
            nalgebra_training_rate((self.iterations / 4).max(1))
        };
        let init = Network::init(
            Architecture::paper(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
        );
        let at_init = geometry_timing(&init, self.reps);
        let trained_40k = trained_net(40_000, self.seed);
        let trained = geometry_timing(&trained_40k, self.reps);
        let layer_space = ginn::bench::layer_space_timing(&trained_40k, self.reps);
        let frame = frame_work_ms(200, 51, |g| {
            #[cfg(feature = "viewer")]
            {
                let lines = ginn::render::picture::Lines::describe(g, &Default::default());
                lines
                    .layers
                    .iter()
                    .map(|layer| {
                        ginn::viewer::boundaries::layer_asset(g, layer, 1.0, 1.0)
                            .buffer()
                            .list_positions
                            .len()
                    })
                    .sum()
            }
            #[cfg(not(feature = "viewer"))]
            {
                ginn::bench::line_vertices(g)
            }
        });
        let widths: Vec<usize> = self
            .widths
            .iter()
            .filter(|w| *w != "none")
            .map(|w| w.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|_| anyhow::anyhow!("--widths takes numbers such as 16,64,128, or none"))?;
        let scaling: Vec<_> = widths
            .iter()
            .map(|&w| ginn::bench::width_timing(w, self.reps.min(21)))
            .collect();
        let wide_frame = ginn::bench::frame_work_ms_for(&[64, 64, 64], 3000, 200, 11, |g| {
            ginn::bench::line_vertices(g)
        });
        let from_run = match &self.run {
            Some(p) => {
                let run = super::args::load_run(p)?;
                let net = run.view_network(run.last());
                Some(geometry_timing(&net, self.reps))
            }
            None => None,
        };
        if self.json {
            println!(
                "{}",
                json!({ "training_iterations_per_second": rate, "kernel": kernel.name(), "training": rates, "nalgebra_training_iterations_per_second": nalgebra, "geometry_init": at_init, "geometry_trained": trained, "geometry_run": from_run, "viewer_frame": frame, "geometry_widths": scaling, "viewer_frame_3x64": wide_frame, "layer_space_sheet": layer_space })
            );
            return Ok(());
        }
        if !self.no_training {
            println!(
                "training:  {rate:>9.0} iterations/s (2-16-16-16-2, batch 128, one core; kernel {}, denormals flushed)",
                kernel.name()
            );
            for r in &rates {
                println!(
                    "           {:>9.0} it/s early, {:>9.0} late (lr of iteration 600k) — kernel {:<8} denormals {}",
                    r.early,
                    r.late,
                    r.kernel,
                    if r.flush_denormals { "flushed" } else { "kept" }
                );
            }
            println!(
                "           {nalgebra:>9.0} iterations/s, the same step with nalgebra matrices"
            );
        }
        let run_name = self
            .run
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        let all = [
            ("initial", Some(at_init)),
            ("trained 40k", Some(trained)),
            (run_name.as_str(), from_run),
        ];
        for (name, g) in all.into_iter().filter_map(|(n, g)| g.map(|g| (n, g))) {
            println!(
                "geometry ({name}, {} regions): exact {:.3} ms, grid {}² {:.2} ms ({:.0}× faster)",
                g.regions,
                g.exact_ms,
                g.grid_n,
                g.grid_ms,
                g.grid_ms / g.exact_ms
            );
        }
        println!(
            "layer space (3×16, trained 40k, {} regions): sheet {:.2} ms + decision axes {:.2} ms = {:.2} ms",
            layer_space.regions, layer_space.sheet_ms, layer_space.axes_ms, layer_space.total_ms
        );
        println!(
            "viewer frame without the GPU ({} iterations): {:.2} ms = train {:.2} + geometry {:.2} + 256² texture {:.2} + lines {:.2} ({} vertices)",
            frame.iterations,
            frame.total_ms,
            frame.train_ms,
            frame.geometry_ms,
            frame.texture_ms,
            frame.lines_ms,
            frame.line_vertices
        );
        println!(
            "viewer frame, 3×64 net ({} iterations): {:.2} ms = train {:.2} + geometry {:.2} + 256² texture {:.2} + lines {:.2} ({} vertices)",
            wide_frame.iterations,
            wide_frame.total_ms,
            wide_frame.train_ms,
            wide_frame.geometry_ms,
            wide_frame.texture_ms,
            wide_frame.lines_ms,
            wide_frame.line_vertices
        );
        for w in &scaling {
            println!(
                "geometry (3×{}, trained 3,000 iterations, {} regions, {:.0} bytes per region): {:.2} ms on one core, {:.2} ms on {}",
                w.width, w.regions, w.bytes_per_region, w.one_core_ms, w.all_cores_ms, w.cores
            );
        }
        Ok(())
    }
}
