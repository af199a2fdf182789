//! `ginn import` and `ginn export`: PyTorch networks in (safetensors or `torch.save` state
//! dicts) and out (safetensors).

use super::args::{At, load_run};
use clap::Args;
use ginn::nn::Activation;
use ginn::pytorch::{ImportOptions, export, import, python_snippet};
use ginn::run::fsutil::{prepare_output, write_atomic, write_with_fallback};
use ginn::targets::{DEFAULT_THRESHOLD, PointSpec, TargetSource};
use std::path::PathBuf;

#[derive(Args)]
pub struct ImportCmd {
    /// Checkpoints, one per snapshot: `.safetensors` files (`save_file(model.state_dict(),
    /// path)`) or `torch.save` files (`.pt`, `.pth`, Lightning `.ckpt`: a state dict, or a
    /// checkpoint holding one). Iterations come from the step a checkpoint records, else
    /// the last number in each file name (when every name has its own), else the files'
    /// order.
    #[arg(required = true)]
    checkpoints: Vec<PathBuf>,
    /// The run file to write.
    #[arg(long)]
    out: PathBuf,
    /// Measure loss and accuracy against this target (a built-in name or an image file);
    /// without a target (or --points) the run shows the prediction only.
    #[arg(long)]
    target: Option<String>,
    /// Measure against points instead: circle, xor, gauss, spiral or a CSV file.
    #[arg(long, conflicts_with = "target")]
    points: Option<String>,
    #[arg(long, default_value_t = 0, requires = "points")]
    noise: u32,
    #[arg(long, default_value_t = ginn::targets::points::DEFAULT_COUNT, requires = "points")]
    count: usize,
    #[arg(long, default_value_t = ginn::targets::points::DEFAULT_TEST_FRACTION, requires = "points")]
    test_fraction: f64,
    #[arg(long, default_value_t = 0, requires = "points")]
    data_seed: u64,
    /// Side of the target image in pixels.
    #[arg(long, default_value_t = 200)]
    resolution: u32,
    /// The linear layers from input to output by module name (`fc_in,hidden,head`), when
    /// their shapes allow more than one order.
    #[arg(long, value_delimiter = ',')]
    layers: Option<Vec<String>>,
    /// The hidden nonlinearity: `relu` or `leaky_relu:SLOPE` (default: what `ginn export`
    /// recorded in the file, else relu).
    #[arg(long)]
    activation: Option<Activation>,
    /// The rectangle of the network's input it was trained on, X0,X1,Y0,Y1 (e.g.
    /// -6,6,-6,6): what the views show. Default: the points' box with --points, else the
    /// unit square.
    #[arg(long, allow_hyphen_values = true, value_parser = parse_rect)]
    domain: Option<ginn::domain::Domain>,
}

/// A `--domain` that must be a rectangle (`all` needs a network to look at).
pub fn parse_rect(s: &str) -> Result<ginn::domain::Domain, String> {
    match s.parse::<ginn::domain::DomainArg>().map_err(|e| e.to_string())? {
        ginn::domain::DomainArg::Rect(d) => Ok(d),
        ginn::domain::DomainArg::All => {
            Err("--domain all is for showing a run (ginn regions, view, figure, …); give a rectangle here".into())
        }
    }
}

impl ImportCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let target = match (&self.target, &self.points) {
            (Some(t), _) => TargetSource::parse(t, DEFAULT_THRESHOLD)?,
            (_, Some(p)) => TargetSource::Points(PointSpec::parse(
                p,
                self.noise,
                self.count,
                self.test_fraction,
                self.data_seed,
            )),
            _ => TargetSource::None,
        };
        prepare_output(&self.out, 0)?;
        let imported = import(
            &self.checkpoints,
            &ImportOptions {
                layers: self.layers,
                activation: self.activation,
                target,
                resolution: self.resolution,
                domain: self.domain,
            },
        )?;
        for n in &imported.notes {
            eprintln!("note: {n}");
        }
        let run = &imported.run;
        let written = run.save_or_fallback(&self.out)?;
        let s = &run.settings;
        let last = run.last();
        let measured = if last.accuracy.is_finite() {
            format!(", last accuracy {:.2} %", 100.0 * last.accuracy)
        } else {
            String::new()
        };
        println!(
            "{}: {} snapshot{} of a 2-{}-{} {} net{measured}",
            written.describe(&self.out),
            run.snapshots.len(),
            if run.snapshots.len() == 1 { "" } else { "s" },
            s.widths
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join("-"),
            s.outputs,
            s.activation,
        );
        Ok(())
    }
}

#[derive(Args)]
pub struct ExportCmd {
    /// A run file.
    run: PathBuf,
    /// Which snapshot: an iteration (the last snapshot at or before it) or `last`.
    #[arg(long, default_value = "last")]
    at: At,
    /// The `.safetensors` file to write (an nn.Sequential state dict).
    #[arg(long)]
    out: PathBuf,
}

impl ExportCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let run = load_run(&self.run)?;
        // The network as it is (in its own input coordinates), not as the views take it.
        let snap = self.at.pick(&run);
        let net = snap
            .network(&run.architecture())
            .expect("checked when the run was loaded");
        let bytes = export(&net);
        prepare_output(&self.out, bytes.len() as u64)?;
        let written = write_with_fallback(&self.out, &bytes, write_atomic)
            .map_err(|e| anyhow::anyhow!("{}: {e}", self.out.display()))?;
        println!(
            "{} (iteration {}); in Python:\n\n{}",
            written.describe(&self.out),
            snap.iteration,
            python_snippet(&net.arch, &written.path)
        );
        Ok(())
    }
}
