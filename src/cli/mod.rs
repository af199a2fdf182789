//! The command line: `ginn train | regions | render | figure | bench | view`.

mod args;
mod bench;
mod regions;
mod train;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "ginn", version, about = "Geometric Illustration of Neural Networks: watch a ReLU network carve up its input square while it learns")]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Train the report's network on a target and save the run (settings, target, snapshots).
    Train(train::TrainCmd),
    /// The exact linear regions and neuron boundaries of one snapshot.
    Regions(regions::RegionsCmd),
    /// Measure training speed, exact-geometry speed and rendering speed on this machine.
    Bench(bench::BenchCmd),
}

pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Train(c)) => c.run(),
        Some(Command::Bench(c)) => c.run(),
        Some(Command::Regions(c)) => c.run(),
        None => anyhow::bail!("no command given; try `ginn --help`"),
    }
}
