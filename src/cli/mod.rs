//! The command line: `ginn train | regions | render | figure | summary | analyze | import | export | bench | view`.

mod analyze;
mod args;
mod bench;
mod figure;
mod import;
mod look;
mod regions;
mod render;
mod summary;
mod train;
mod view;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
pub use train::Interrupted;

#[derive(Parser)]
#[command(
    name = "ginn",
    version,
    about = "Geometric Illustration of Neural Networks: watch a ReLU network carve up its input square while it learns"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Train the report's network on a target and save the run (settings, target, snapshots).
    Train(train::TrainCmd),
    /// Render a training movie (GIF, MP4, WebM or PNG frames) on the CPU, no window needed.
    Render(render::RenderCmd),
    /// Panels of chosen snapshots side by side (PNG, or SVG with vector boundaries).
    Figure(figure::FigureCmd),
    /// The exact linear regions and neuron boundaries of one snapshot.
    Regions(regions::RegionsCmd),
    /// Open the viewer: train live (default) or replay a run file.
    View(view::ViewCmd),
    /// The report's phenomena measured over runs: bias first, corners, copycats, indecisive units, symmetry, failure.
    Analyze(analyze::AnalyzeCmd),
    /// One line per run file: how far it got, how well it did (the end of a sweep).
    Summary(summary::SummaryCmd),
    /// Read PyTorch checkpoints (safetensors state dicts of an MLP) into a run file.
    Import(import::ImportCmd),
    /// Write one snapshot as a PyTorch nn.Sequential state dict (safetensors).
    Export(import::ExportCmd),
    /// Measure training speed, exact-geometry speed and rendering speed on this machine.
    Bench(bench::BenchCmd),
}

pub fn main() -> anyhow::Result<()> {
    // The matches are kept: `train --resume` needs to know which flags were given.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    match cli.command {
        Some(Command::Train(c)) => c.run(
            matches
                .subcommand_matches("train")
                .expect("the train subcommand was parsed"),
        ),
        Some(Command::Bench(c)) => c.run(),
        Some(Command::Import(c)) => c.run(),
        Some(Command::Export(c)) => c.run(),
        Some(Command::Summary(c)) => c.run(),
        Some(Command::Analyze(c)) => c.run(),
        Some(Command::Regions(c)) => c.run(),
        Some(Command::Render(c)) => c.run(),
        Some(Command::Figure(c)) => c.run(),
        Some(Command::View(c)) => c.run(),
        // No command: the main job, the viewer on the bottle with the report's settings.
        None => view::ViewCmd::default_run(),
    }
}
