//! Criterion benchmarks of the hot paths: a training step, the exact partition (initial
//! and trained nets) against the grid method, and one 800×800 movie frame.
//! Run with `cargo bench --no-default-features` (the viewer is not needed).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ginn::bench::trained_net;
use ginn::geometry::{Geometry, Rect, grid};
use ginn::nn::{Architecture, Network};
use ginn::render::frame::{FrameStyle, Picture, render};
use ginn::targets::Shape;
use ginn::train::{Settings, Trainer};
use rand::SeedableRng;
use std::hint::black_box;

fn training(c: &mut Criterion) {
    let settings = Settings::default();
    let target = Shape::Bottle.draw(settings.resolution).into();
    let mut t = Trainer::new(settings, &target).unwrap();
    let mut g = c.benchmark_group("training");
    g.throughput(Throughput::Elements(100));
    g.bench_function("100 iterations, 2-16-16-16-2, batch 128", |b| {
        b.iter(|| t.steps(100).unwrap())
    });
    g.finish();
}

fn geometry(c: &mut Criterion) {
    let init = Network::init(
        Architecture::paper(),
        &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
    );
    let trained = trained_net(40_000, 2);
    let mut g = c.benchmark_group("geometry");
    g.bench_function("exact partition, initial net", |b| {
        b.iter(|| black_box(Geometry::new(&init, Rect::UNIT)))
    });
    g.bench_function("exact partition, trained net", |b| {
        b.iter(|| black_box(Geometry::new(&trained, Rect::UNIT)))
    });
    // The README's width table: 3 layers of 64 and 128 units, trained 3,000 iterations.
    for width in [64, 128] {
        let net = ginn::bench::wide_net(width, 3000);
        g.sample_size(20);
        g.bench_function(format!("exact partition, 3×{width} trained"), |b| {
            b.iter(|| black_box(Geometry::new(&net, Rect::UNIT)))
        });
    }
    g.sample_size(20);
    g.bench_function("grid 200², trained net", |b| {
        b.iter(|| black_box(grid::patterns(&trained, Rect::UNIT, 200)))
    });
    g.finish();
}

fn frames(c: &mut Criterion) {
    let net = trained_net(40_000, 2);
    let style = FrameStyle::default();
    let mut g = c.benchmark_group("render");
    g.sample_size(20);
    g.bench_function("2D frame 800×800 (geometry + prediction + lines)", |b| {
        b.iter(|| {
            let geom = Geometry::new(&net, Rect::UNIT);
            let lines = ginn::render::picture::Lines::describe(&geom, &Default::default());
            let overlay = Picture {
                boundaries: lines,
                ..Default::default()
            };
            black_box(render(&geom, &net, &style, &overlay))
        })
    });
    g.finish();
}

criterion_group!(benches, training, geometry, frames);
criterion_main!(benches);
