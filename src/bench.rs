//! The measurements behind the README's performance numbers, shared by `ginn bench` and
//! the criterion benchmarks so both time the same work.

use crate::geometry::{Geometry, Rect, grid};
use crate::nn::Network;
use crate::targets::Shape;
use crate::train::{KernelKind, Settings, Trainer};
use std::time::Instant;

/// A network trained on the bottle for `iterations` steps of the report's schedule
/// (the learning rate is still ~lr₀ this early), as the "trained" benchmark net.
pub fn trained_net(iterations: u64, seed: u64) -> Network {
    let settings = Settings {
        seed,
        ..Settings::default()
    };
    let target = Shape::Bottle.draw(settings.resolution).into();
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

/// Training iterations per second for the default network and batch, with the kernel's
/// build `kind` and denormals flushed or not. Timed late in the report's schedule (from
/// iteration 600,000 of 1.28M, reached by fast-forwarding the learning rate), where small
/// gradients and moments make denormals common, as well as early.
pub fn training_rate(iterations: u64, kind: KernelKind, flush: bool) -> TrainingRate {
    let settings = Settings::default();
    let target = Shape::Bottle.draw(settings.resolution).into();
    let rate = |mut t: Trainer| {
        t.set_kernel(kind);
        t.flush_denormals = flush;
        t.steps(1000).expect("no divergence");
        let start = Instant::now();
        t.steps(iterations).expect("no divergence");
        iterations as f64 / start.elapsed().as_secs_f64()
    };
    let early = rate(Trainer::new(settings.clone(), &target).expect("default settings"));
    // A net trained a while, continued at the learning rate of iteration 600,000.
    let mut warm = Trainer::new(settings.clone(), &target).expect("default settings");
    warm.steps(20_000).expect("no divergence");
    let snap = crate::train::snapshot::Snapshot {
        iteration: 600_000,
        ..warm.snapshot()
    };
    let late = rate(Trainer::from_snapshot(settings, &target, &snap).expect("same settings"));
    TrainingRate {
        kernel: kind.name(),
        flush_denormals: flush,
        early,
        late,
    }
}

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct TrainingRate {
    pub kernel: &'static str,
    pub flush_denormals: bool,
    /// Iterations per second from iteration 1,000.
    pub early: f64,
    /// Iterations per second from iteration 600,000 (small learning rate).
    pub late: f64,
}

/// A net of three hidden layers of `width` units trained `iterations` steps on the bottle
/// (the report's settings otherwise): the nets of the README's width table.
pub fn wide_net(width: usize, iterations: u64) -> Network {
    let settings = Settings {
        widths: vec![width; 3],
        ..Settings::default()
    };
    let target = Shape::Bottle.draw(settings.resolution).into();
    let mut t = Trainer::new(settings, &target).expect("valid settings");
    t.steps(iterations).expect("no divergence");
    t.net
}

/// Partition time of one net on one core and on all of them.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct WidthTiming {
    pub width: usize,
    pub regions: usize,
    /// Bytes the finished geometry holds, per final region (all layers' partitions,
    /// vertices, boundaries, maps).
    pub bytes_per_region: f64,
    pub one_core_ms: f64,
    pub all_cores_ms: f64,
    pub cores: usize,
}

pub fn width_timing(width: usize, reps: usize) -> WidthTiming {
    let net = wide_net(width, 3000);
    let g = Geometry::new(&net, Rect::UNIT);
    let regions = g.regions().len();
    let bytes_per_region = g.heap_bytes() as f64 / regions as f64;
    let time = || {
        median_ms(reps, || {
            std::hint::black_box(Geometry::new(&net, Rect::UNIT));
        })
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("a one-thread pool")
        .install(time);
    WidthTiming {
        width,
        regions,
        bytes_per_region,
        one_core_ms: one,
        all_cores_ms: time(),
        cores: rayon::current_num_threads(),
    }
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

/// Median time of the viewer's per-frame work without the GPU, at default settings:
/// `iterations` training steps, the exact geometry, the 256² prediction texture, and the
/// boundary line vertices (`lines` builds them; the viewer passes its gizmo builder).
pub fn frame_work_ms(
    iterations: u64,
    frames: usize,
    lines: impl FnMut(&Geometry) -> usize,
) -> FrameTiming {
    frame_work_ms_for(&[16, 16, 16], 20_000, iterations, frames, lines)
}

/// [`frame_work_ms`] for hidden layers `widths`, after `warm` training steps.
pub fn frame_work_ms_for(
    widths: &[usize],
    warm: u64,
    iterations: u64,
    frames: usize,
    mut lines: impl FnMut(&Geometry) -> usize,
) -> FrameTiming {
    let settings = Settings {
        widths: widths.to_vec(),
        ..Settings::default()
    };
    let target = Shape::Bottle.draw(settings.resolution).into();
    let mut t = Trainer::new(settings, &target).expect("valid settings");
    t.steps(warm).expect("no divergence");
    let (mut train, mut geom, mut tex, mut mesh) = (vec![], vec![], vec![], vec![]);
    let mut vertices = 0;
    for _ in 0..frames.max(1) {
        let s = Instant::now();
        t.steps(iterations).expect("no divergence");
        train.push(s.elapsed().as_secs_f64() * 1e3);
        let s = Instant::now();
        let g = Geometry::new(&t.net, Rect::UNIT);
        geom.push(s.elapsed().as_secs_f64() * 1e3);
        let s = Instant::now();
        std::hint::black_box(crate::geometry::raster::prediction(&g, &t.net, 256, 256));
        tex.push(s.elapsed().as_secs_f64() * 1e3);
        let s = Instant::now();
        vertices = lines(&g);
        mesh.push(s.elapsed().as_secs_f64() * 1e3);
    }
    let med = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (train, geometry, texture, lines) = (med(train), med(geom), med(tex), med(mesh));
    FrameTiming {
        iterations,
        train_ms: train,
        geometry_ms: geometry,
        texture_ms: texture,
        lines_ms: lines,
        line_vertices: vertices,
        total_ms: train + geometry + texture + lines,
    }
}

#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct FrameTiming {
    pub iterations: u64,
    pub train_ms: f64,
    pub geometry_ms: f64,
    pub texture_ms: f64,
    pub lines_ms: f64,
    pub line_vertices: usize,
    pub total_ms: f64,
}

/// Line vertices of every boundary as plain 3D points (what the viewer's line builder
/// does, without Bevy types).
/// Milliseconds (median) to make the layer-space sheet of the last hidden layer, with its
/// decision axes, from a net's partition: what a frame of the layer-space view needs.
#[derive(Clone, Copy, Debug, serde::Serialize)]
pub struct LayerSpaceTiming {
    pub regions: usize,
    pub sheet_ms: f64,
    pub axes_ms: f64,
    pub total_ms: f64,
}

pub fn layer_space_timing(net: &Network, reps: usize) -> LayerSpaceTiming {
    let geom = Geometry::new(net, crate::geometry::Rect::UNIT);
    let l = net.arch.hidden().len();
    let axes = crate::layer_space::Axes::Decision;
    let sheet_ms = median_ms(reps, || {
        std::hint::black_box(crate::layer_space::sheet(net, &geom, l));
    });
    let sheet = crate::layer_space::sheet(net, &geom, l);
    let axes_ms = median_ms(reps, || {
        std::hint::black_box(crate::layer_space::frame(net, &geom, &sheet, &axes).ok());
    });
    LayerSpaceTiming {
        regions: geom.regions().len(),
        sheet_ms,
        axes_ms,
        total_ms: sheet_ms + axes_ms,
    }
}

pub fn line_vertices(g: &Geometry) -> usize {
    let mut v: Vec<[f32; 3]> = Vec::new();
    for b in &g.boundaries {
        let h = b.neuron.layer as f32;
        for line in &b.polylines {
            for w in line.windows(2) {
                v.push([w[0][0] as f32, h, w[0][1] as f32]);
                v.push([w[1][0] as f32, h, w[1][1] as f32]);
            }
        }
    }
    std::hint::black_box(&v).len()
}

/// The same training step written with nalgebra's dynamic matrices, as the design first
/// proposed: kept to measure the hand-written kernel against (README, `ginn bench`).
pub fn nalgebra_training_rate(iterations: u64) -> f64 {
    use crate::train::{Adam, cosine_lr};
    use nalgebra::DMatrix;
    use rand::{Rng, SeedableRng};
    let settings = Settings::default();
    let target = Shape::Bottle.draw(settings.resolution);
    let (inputs, labels) = target.dataset();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let mut net = crate::nn::Network::init(crate::nn::Architecture::paper(), &mut rng);
    let arch = net.arch.clone();
    let mut adam = Adam::new(net.params.len());
    let mut grad = vec![0.0f32; net.params.len()];
    let batch = settings.batch;
    let start = Instant::now();
    for it in 0..iterations {
        let mut x = DMatrix::<f32>::zeros(2, batch);
        let mut t = vec![0u8; batch];
        for b in 0..batch {
            let i = rng.random_range(0..labels.len());
            x[(0, b)] = inputs[2 * i];
            x[(1, b)] = inputs[2 * i + 1];
            t[b] = labels[i];
        }
        let mut acts = vec![x];
        for l in 0..arch.layers() {
            let w = DMatrix::from_row_slice(arch.fan_out(l), arch.fan_in(l), net.weight(l));
            let mut z = &w * acts.last().expect("input");
            for mut col in z.column_iter_mut() {
                for (v, &b) in col.iter_mut().zip(net.bias(l)) {
                    *v += b;
                }
            }
            if l + 1 < arch.layers() {
                z.apply(|v| *v = v.max(0.0));
            }
            acts.push(z);
        }
        let z = acts.last().expect("logits");
        let mut d = DMatrix::<f32>::zeros(2, batch);
        for b in 0..batch {
            let m = z[(0, b)].max(z[(1, b)]);
            let (e0, e1) = ((z[(0, b)] - m).exp(), (z[(1, b)] - m).exp());
            d[(0, b)] = (e0 / (e0 + e1) - f32::from(t[b] == 0)) / batch as f32;
            d[(1, b)] = (e1 / (e0 + e1) - f32::from(t[b] == 1)) / batch as f32;
        }
        for l in (0..arch.layers()).rev() {
            let gw = &d * acts[l].transpose();
            let o = arch.offset(l);
            let (fout, fin) = (arch.fan_out(l), arch.fan_in(l));
            for r in 0..fout {
                for c in 0..fin {
                    grad[o + r * fin + c] = gw[(r, c)];
                }
                grad[o + fout * fin + r] = d.row(r).sum();
            }
            if l > 0 {
                let w = DMatrix::from_row_slice(fout, fin, net.weight(l));
                let mut prev = w.transpose() * &d;
                prev.zip_apply(&acts[l], |g, a| {
                    if a <= 0.0 {
                        *g = 0.0;
                    }
                });
                d = prev;
            }
        }
        adam.update(
            &mut net.params,
            &grad,
            cosine_lr(settings.lr, it, settings.iterations),
        );
    }
    iterations as f64 / start.elapsed().as_secs_f64()
}
