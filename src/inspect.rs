//! What one neuron is doing: the numbers the inspector shows (and a CLI or test can ask
//! for), computed from a snapshot's weights and the exact geometry.

use crate::geometry::{Geometry, NeuronBoundary, Rect};
use crate::nn::{Architecture, Network, NeuronId};
use crate::train::snapshot::Snapshot;
use serde::Serialize;

/// A neuron at one snapshot.
#[derive(Clone, Debug, Serialize)]
pub struct NeuronReport {
    pub neuron: NeuronId,
    pub bias: f32,
    pub incoming: Vec<f32>,
    pub outgoing: Vec<f32>,
    /// Fraction of the input square where the unit is active.
    pub active_fraction: f64,
    /// Never active anywhere in the square.
    pub dead: bool,
    pub boundary_length: f64,
    pub pieces: usize,
    /// Units whose boundary nearly coincides with this one (report §7), with the mean
    /// distance between the two boundaries.
    pub copycats: Vec<(NeuronId, f64)>,
}

/// Boundaries closer than this (mean distance, in input units) count as copycats.
pub const COPYCAT_DISTANCE: f64 = 0.02;

pub fn report(net: &Network, geom: &Geometry, n: NeuronId) -> NeuronReport {
    let stats = geom.neuron_stats(n);
    let mine = geom.boundary(n);
    // Copycats share a layer (report §7); boundaries whose bounding boxes are far apart
    // cannot be close on average, so the sampling runs only for plausible pairs.
    let mine_box = bounds(mine);
    let copycats = geom
        .boundaries
        .iter()
        .filter(|b| {
            b.neuron != n
                && b.neuron.layer == n.layer
                && !b.polylines.is_empty()
                && !mine.polylines.is_empty()
        })
        .filter(|b| boxes_near(mine_box, bounds(b), COPYCAT_DISTANCE * 4.0))
        .filter_map(|b| {
            let d = boundary_distance(mine, b);
            (d < COPYCAT_DISTANCE).then_some((b.neuron, d))
        })
        .collect();
    NeuronReport {
        neuron: n,
        bias: net.bias(n.layer)[n.index],
        incoming: net.incoming(n).to_vec(),
        outgoing: net.outgoing(n),
        active_fraction: stats.active_fraction,
        dead: stats.active_fraction == 0.0,
        boundary_length: stats.boundary_length,
        pieces: stats.pieces,
        copycats,
    }
}

/// Bounding box `[x0, y0, x1, y1]` of a boundary.
fn bounds(b: &NeuronBoundary) -> [f64; 4] {
    b.polylines.iter().flatten().fold(
        [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ],
        |r, p| {
            [
                r[0].min(p[0]),
                r[1].min(p[1]),
                r[2].max(p[0]),
                r[3].max(p[1]),
            ]
        },
    )
}

/// Whether two boxes match within `tol` on every side (two nearly equal curves have
/// nearly equal boxes).
fn boxes_near(a: [f64; 4], b: [f64; 4], tol: f64) -> bool {
    a.iter().zip(&b).all(|(x, y)| (x - y).abs() <= tol)
}

/// Points every `step` along a boundary's polylines (and their ends).
fn samples(b: &NeuronBoundary, step: f64) -> Vec<[f64; 2]> {
    let mut out = Vec::new();
    for line in &b.polylines {
        for w in line.windows(2) {
            let len = (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
            let k = (len / step).ceil().max(1.0) as usize;
            out.extend((0..k).map(|i| {
                let t = i as f64 / k as f64;
                [
                    w[0][0] + t * (w[1][0] - w[0][0]),
                    w[0][1] + t * (w[1][1] - w[0][1]),
                ]
            }));
        }
        if let Some(&last) = line.last() {
            out.push(last);
        }
    }
    out
}

fn distance_to(p: [f64; 2], b: &NeuronBoundary) -> f64 {
    b.polylines
        .iter()
        .flat_map(|l| l.windows(2))
        .map(|w| crate::geometry::point_segment(p, w[0], w[1]).0)
        .fold(f64::INFINITY, f64::min)
}

/// Symmetric mean distance between two boundaries (∞ when either is empty).
pub fn boundary_distance(a: &NeuronBoundary, b: &NeuronBoundary) -> f64 {
    let (sa, sb) = (samples(a, 0.01), samples(b, 0.01));
    if sa.is_empty() || sb.is_empty() {
        return f64::INFINITY;
    }
    let ab = sa.iter().map(|&p| distance_to(p, b)).sum::<f64>() / sa.len() as f64;
    let ba = sb.iter().map(|&p| distance_to(p, a)).sum::<f64>() / sb.len() as f64;
    (ab + ba) / 2.0
}

/// The unit's activation on the pixel centres of an `n × n` image of the geometry's
/// rectangle, read off the exact partition (each region's affine map): no pass through
/// the network per pixel, so the inspector can redo it every frame while training.
pub fn activation_map_exact(
    net: &Network,
    geom: &Geometry,
    neuron: NeuronId,
    n: usize,
) -> Vec<f64> {
    let act = |z| net.arch.activation().apply(z);
    let mut out = vec![f64::NAN; n * n];
    let layer = &geom.layers[neuron.layer];
    crate::render::fill_regions(geom, neuron.layer, n as u32, n as u32, |i, r, x, y| {
        let m = layer.unit_map(r, neuron.index);
        out[i] = m[0] * x + m[1] * y + m[2];
    });
    let r = geom.rect;
    for (i, v) in out.iter_mut().enumerate().filter(|(_, v)| v.is_nan()) {
        let [x, y] = r.pixel_centre(i, n, n);
        *v = act(net.pre_activations(x, y)[neuron.layer][neuron.index]);
    }
    out
}

/// The unit's activation (after its ReLU or leaky ReLU) on an `n × n` grid of the square, row-major, by
/// evaluating the network at every point.
pub fn activation_map(net: &Network, neuron: NeuronId, n: usize) -> Vec<f64> {
    let act = |z| net.arch.activation().apply(z);
    (0..n * n)
        .map(|i| {
            let [x, y] = crate::geometry::Rect::UNIT.pixel_centre(i, n, n);
            act(net.pre_activations(x, y)[neuron.layer][neuron.index])
        })
        .collect()
}

/// The unit over a run: bias, incoming-weight norm (report §5: biases move first), and how
/// far its boundary moved since the previous snapshot (NaN where it had none).
#[derive(Clone, Debug, Default, Serialize)]
pub struct History {
    pub iterations: Vec<u64>,
    pub bias: Vec<f64>,
    pub weight_norm: Vec<f64>,
    pub boundary_motion: Vec<f64>,
}

/// Bias and weight norm of every snapshot (cheap: no geometry).
pub fn parameter_history(arch: &Architecture, snapshots: &[Snapshot], n: NeuronId) -> History {
    let mut h = History::default();
    for s in snapshots {
        let Some(net) = s.network(arch) else { continue };
        h.iterations.push(s.iteration);
        h.bias.push(net.bias(n.layer)[n.index] as f64);
        h.weight_norm.push(
            net.incoming(n)
                .iter()
                .map(|&w| (w as f64).powi(2))
                .sum::<f64>()
                .sqrt(),
        );
    }
    h
}

/// Nets up to this many hidden units get the inspector's figures over the whole square
/// even while the view is zoomed (one more partition per change, well under a millisecond
/// for the report's net); wider ones say their figures are of the part in view.
pub const WHOLE_SQUARE_UNITS: usize = 256;

/// What the inspector's figures cover.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The whole input square, whatever the view shows.
    Square,
    /// Only the part of the square in view (zoomed, and the net too wide to partition the
    /// whole square again).
    InView,
}

/// The report of `n` over the whole square when `shown` covers only part of it (a zoomed
/// view), computed anew for nets up to [`WHOLE_SQUARE_UNITS`]; otherwise of `shown`, and
/// says which.
pub fn report_of_square(net: &Network, shown: &Geometry, n: NeuronId) -> (NeuronReport, Scope) {
    if shown.rect == Rect::UNIT {
        (report(net, shown, n), Scope::Square)
    } else if net.arch.neuron_count() <= WHOLE_SQUARE_UNITS {
        (
            report(net, &Geometry::new(net, Rect::UNIT), n),
            Scope::Square,
        )
    } else {
        (report(net, shown, n), Scope::InView)
    }
}

/// The boundary of `n` at one snapshot (exact geometry of the whole view square).
pub fn boundary_at(
    arch: &Architecture,
    s: &Snapshot,
    n: NeuronId,
    domain: &crate::domain::Domain,
) -> Option<NeuronBoundary> {
    let net = domain.fold(&s.network(arch)?);
    Some(Geometry::new(&net, Rect::UNIT).boundary(n).clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn report_matches_the_network_and_finds_copycats() {
        let mut net = Network::init(
            Architecture::new(&[6, 6]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(3),
        );
        // Unit 1 of layer 0 copies unit 0 up to a tiny offset; unit 2 is dead.
        net.params[..2].copy_from_slice(&[1.0, 0.5]);
        net.params[2..4].copy_from_slice(&[1.0, 0.5]);
        net.params[12] = -0.7;
        net.params[13] = -0.701;
        net.params[14] = -50.0;
        let g = Geometry::new(&net, Rect::UNIT);
        let r = report(&net, &g, NeuronId { layer: 0, index: 0 });
        assert_eq!(r.incoming, vec![1.0, 0.5]);
        assert_eq!(r.bias, -0.7);
        assert_eq!(r.outgoing, net.outgoing(NeuronId { layer: 0, index: 0 }));
        assert!(
            r.copycats.iter().any(|(n, d)| n.index == 1 && *d < 0.005),
            "{:?}",
            r.copycats
        );
        // Zoomed in, the figures are still the whole square's.
        let zoomed = Geometry::new(
            &net,
            Rect {
                x0: 0.6,
                y0: 0.1,
                x1: 0.8,
                y1: 0.3,
            },
        );
        let (z, scope) = report_of_square(&net, &zoomed, NeuronId { layer: 0, index: 0 });
        assert_eq!(scope, Scope::Square);
        assert_eq!(
            (z.active_fraction, z.boundary_length, z.pieces),
            (r.active_fraction, r.boundary_length, r.pieces)
        );
        assert_ne!(
            zoomed
                .neuron_stats(NeuronId { layer: 0, index: 0 })
                .active_fraction,
            r.active_fraction,
            "the view alone would say otherwise"
        );
        let dead = report(&net, &g, NeuronId { layer: 0, index: 2 });
        assert!(dead.dead && dead.pieces == 0);
        // Active fraction of x + y/2 > 0.7 over the square: brute force.
        let k = 400;
        let hits = (0..k * k)
            .filter(|i| {
                ((i % k) as f64 + 0.5) / k as f64 + 0.5 * ((i / k) as f64 + 0.5) / k as f64 > 0.7
            })
            .count();
        assert!((r.active_fraction - hits as f64 / (k * k) as f64).abs() < 0.003);
        let map = activation_map(&net, NeuronId { layer: 0, index: 0 }, 8);
        assert_eq!(map[0], 0.0);
        assert!((map[63] - (0.9375 + 0.5 * 0.9375 - 0.7)).abs() < 1e-6);
        // The partition's maps give the same picture, for every unit.
        for n in net.arch.neurons() {
            let (a, b) = (
                activation_map(&net, n, 33),
                activation_map_exact(&net, &g, n, 33),
            );
            assert!(a.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-9), "{n:?}");
        }
    }
}
