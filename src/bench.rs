//! The measurements behind the README's performance numbers, shared by `ginn bench` and
//! the criterion benchmarks so both time the same work.

use crate::geometry::{Geometry, Rect, grid};
use crate::nn::Network;
use crate::target::Shape;
use crate::train::{Settings, Trainer};
use std::time::Instant;

/// A network trained on the bottle for `iterations` steps of the report's schedule
/// (the learning rate is still ~lr₀ this early), as the "trained" benchmark net.
pub fn trained_net(iterations: u64, seed: u64) -> Network {
    let settings = Settings {
        seed,
        ..Settings::default()
    };
    let target = Shape::Bottle.draw(settings.resolution);
    let mut t = Trainer::new(settings, &target).expect("default settings are valid");
    t.steps(iterations)
        .expect("the report's settings do not diverge");
    t.net
}

/// Median wall time in milliseconds of `f` over `reps` runs (after one warm-up run).
pub fn median_ms(reps: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut times: Vec<f64> = (0..reps.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// Training iterations per second for the default network and batch.
pub fn training_rate(iterations: u64) -> f64 {
    let settings = Settings::default();
    let target = Shape::Bottle.draw(settings.resolution);
    let mut t = Trainer::new(settings, &target).expect("default settings are valid");
    t.steps(1000).expect("no divergence");
    let start = Instant::now();
    t.steps(iterations).expect("no divergence");
    iterations as f64 / start.elapsed().as_secs_f64()
}

/// Exact partition vs the grid method on one network.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct GeometryTiming {
    pub regions: usize,
    pub exact_ms: f64,
    pub grid_ms: f64,
    pub grid_n: usize,
}

pub fn geometry_timing(net: &Network, reps: usize) -> GeometryTiming {
    let regions = Geometry::new(net, Rect::UNIT).regions().len();
    let exact_ms = median_ms(reps, || {
        std::hint::black_box(Geometry::new(net, Rect::UNIT));
    });
    let grid_n = 200;
    let grid_ms = median_ms(reps.min(21), || {
        let g = grid::patterns(net, Rect::UNIT, grid_n);
        // GINN's boundary pixels for every unit, as the original tool computed them.
        for k in 0..net.arch.neuron_count() {
            std::hint::black_box(g.boundary_mask(net.arch.hidden(), k));
        }
    });
    GeometryTiming {
        regions,
        exact_ms,
        grid_ms,
        grid_n,
    }
}
