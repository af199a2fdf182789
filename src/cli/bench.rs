//! `ginn bench`: measured speeds on this machine, for the README.

use clap::Args;
use ginn::target::Shape;
use ginn::train::{Settings, Trainer};
use serde_json::json;
use std::time::Instant;

#[derive(Args)]
pub struct BenchCmd {
    /// Training iterations to time.
    #[arg(long, default_value_t = 200_000)]
    iterations: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

impl BenchCmd {
    pub fn run(self) -> anyhow::Result<()> {
        let settings = Settings { iterations: self.iterations.max(1), ..Settings::default() };
        let target = Shape::Bottle.draw(settings.resolution);
        let mut trainer = Trainer::new(settings, &target)?;
        let start = Instant::now();
        trainer.steps(self.iterations)?;
        let secs = start.elapsed().as_secs_f64();
        let rate = self.iterations as f64 / secs;
        if self.json {
            println!("{}", json!({ "training_iterations_per_second": rate }));
        } else {
            println!("training: {rate:.0} iterations/s (default 2-16-16-16-2 net, batch 128, one core)");
        }
        Ok(())
    }
}
