//! Exactness of the partition: against the network itself, brute-force grid sampling and
//! the degenerate cases that break naive engines.

use super::*;
use crate::nn::{Activation, Architecture};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

fn random_net(widths: &[usize], seed: u64, scale: f32) -> Network {
    let mut net = Network::init(
        Architecture::new(widths).unwrap(),
        &mut ChaCha8Rng::seed_from_u64(seed),
    );
    net.params.iter_mut().for_each(|p| *p *= scale);
    net
}

/// Relative size of a pre-activation: |b| + Σ|w·a|, so "zero" is judged against it.
fn magnitude(net: &Network, n: NeuronId, p: [f64; 2]) -> f64 {
    let pre = net.pre_activations(p[0], p[1]);
    let input: Vec<f64> = if n.layer == 0 {
        p.to_vec()
    } else {
        pre[n.layer - 1]
            .iter()
            .map(|&v| net.arch.activation().apply(v))
            .collect()
    };
    let w = net.incoming(n);
    net.bias(n.layer)[n.index].abs() as f64
        + w.iter()
            .zip(&input)
            .map(|(&w, a)| (w as f64 * a).abs())
            .sum::<f64>()
}

/// Every check of the issue on one network and rectangle; returns the geometry.
fn check_exact(net: &Network, rect: Rect, grid: usize) -> Geometry {
    let g = Geometry::new(net, rect);
    // Boundary vertices have pre-activation ~0.
    for b in &g.boundaries {
        for p in b.polylines.iter().flatten() {
            let z = net.pre_activations(p[0], p[1])[b.neuron.layer][b.neuron.index];
            let m = magnitude(net, b.neuron, *p);
            assert!(
                z.abs() <= 1e-9 * m.max(1e-300),
                "{:?} at {p:?}: z = {z:e} (scale {m:e})",
                b.neuron
            );
            assert!(rect.contains(*p) || (p[0] - rect.x0.clamp(p[0], rect.x1)).abs() < 1e-12);
        }
    }
    // Areas sum to the rectangle's; a point inside each polygon has its pattern.
    let total: f64 = g.regions().iter().map(|r| g.area(r)).sum();
    assert!(
        (total - rect.area()).abs() <= 1e-9 * rect.area(),
        "areas sum to {total}, rect {}",
        rect.area()
    );
    for (l, layer) in g.layers.iter().enumerate() {
        let sum: f64 = layer.regions.iter().map(|r| g.area(r)).sum();
        assert!(
            (sum - rect.area()).abs() <= 1e-9 * rect.area(),
            "layer {l} areas {sum}"
        );
    }
    for r in g.regions() {
        let poly = g.polygon(r);
        assert!(poly.len() >= 3);
        let c = centroid(&poly);
        let pattern = g.pattern_at(net, c);
        if pattern != g.pattern(r) {
            // Only acceptable for slivers too thin to sample: some unit is ~0 there.
            let pre = net.pre_activations(c[0], c[1]);
            let near_zero = net
                .arch
                .neurons()
                .any(|n| pre[n.layer][n.index].abs() <= 1e-9 * magnitude(net, n, c));
            assert!(
                near_zero,
                "region {:x} centroid {c:?} has another pattern",
                r.id
            );
        }
    }
    // Brute force: every grid point's pattern is a region that contains the point, and
    // the grid never sees more patterns than there are regions.
    let gp = grid::patterns(net, rect, grid);
    for i in 0..grid * grid {
        let p = gp.point(rect, i);
        let ri = g
            .region_at(net, p)
            .unwrap_or_else(|| panic!("grid point {p:?} is in no region"));
        assert!(
            polyline::convex_contains(&g.polygon(&g.regions()[ri]), p) || near_edge(&g, ri, p),
            "grid point {p:?} outside its region"
        );
    }
    assert!(
        gp.distinct() <= g.regions().len(),
        "grid {} > exact {}",
        gp.distinct(),
        g.regions().len()
    );
    g
}

fn near_edge(g: &Geometry, ri: usize, p: [f64; 2]) -> bool {
    let poly = g.polygon(&g.regions()[ri]);
    (0..poly.len())
        .any(|k| polyline::point_segment(p, poly[k], poly[(k + 1) % poly.len()]).0 < 1e-9)
}

fn centroid(p: &[[f64; 2]]) -> [f64; 2] {
    // Vertex average: inside a convex polygon, and never on its edge unless degenerate.
    let n = p.len() as f64;
    [
        p.iter().map(|q| q[0]).sum::<f64>() / n,
        p.iter().map(|q| q[1]).sum::<f64>() / n,
    ]
}

#[test]
fn random_nets_at_several_scales() {
    for (seed, scale) in [(1, 1.0), (2, 0.1), (3, 10.0), (4, 3.0)] {
        let g = check_exact(&random_net(&[16, 16, 16], seed, scale), Rect::UNIT, 300);
        assert!(g.regions().len() > 5, "{}", g.regions().len());
    }
    check_exact(
        &random_net(&[8, 8], 5, 1.0),
        Rect::new(-2.0, -1.0, 3.0, 2.5).unwrap(),
        200,
    );
}

#[test]
fn dense_grid_on_a_bigger_net() {
    // ≥ 1000² samples, on a net with many regions.
    let net = random_net(&[16, 16, 16], 11, 4.0);
    let g = check_exact(&net, Rect::UNIT, 1000);
    assert!(g.regions().len() > 50, "{}", g.regions().len());
}

#[test]
fn zoomed_rectangle_is_a_sub_partition() {
    let net = random_net(&[16, 16, 16], 6, 2.0);
    let whole = Geometry::new(&net, Rect::UNIT);
    let zoom = check_exact(&net, Rect::new(0.25, 0.25, 0.5, 0.5).unwrap(), 300);
    let ids: std::collections::HashSet<u64> = whole.regions().iter().map(|r| r.id).collect();
    // Every region seen in the zoom exists in the whole square (same stable id).
    assert!(zoom.regions().iter().all(|r| ids.contains(&r.id)));
}

#[test]
fn layer_one_boundaries_are_single_straight_lines() {
    let net = random_net(&[16, 16, 16], 7, 1.0);
    let g = Geometry::new(&net, Rect::UNIT);
    for b in g.boundaries.iter().filter(|b| b.neuron.layer == 0) {
        assert!(
            b.polylines.len() <= 1,
            "{:?} has {} pieces",
            b.neuron,
            b.polylines.len()
        );
        if let Some(line) = b.polylines.first() {
            // All points collinear with the ends.
            let (a, z) = (line[0], line[line.len() - 1]);
            for p in line {
                let cross = (z[0] - a[0]) * (p[1] - a[1]) - (z[1] - a[1]) * (p[0] - a[0]);
                assert!(cross.abs() < 1e-12);
            }
        }
    }
}

#[test]
fn deeper_boundaries_are_continuous_chains() {
    let net = random_net(&[16, 16, 16], 8, 2.0);
    let g = Geometry::new(&net, Rect::UNIT);
    let mut segments = 0;
    for b in g.boundaries.iter().filter(|b| b.neuron.layer > 0) {
        for line in &b.polylines {
            segments += line.len() - 1;
            // A piece ends on the rectangle's edge or closes on itself (or meets a kink
            // exactly on a line, which random weights make improbable).
            let on_edge = |p: [f64; 2]| p[0] == 0.0 || p[0] == 1.0 || p[1] == 0.0 || p[1] == 1.0;
            let (s, e) = (line[0], line[line.len() - 1]);
            assert!(
                (on_edge(s) && on_edge(e)) || s == e,
                "{:?} piece {s:?}…{e:?}",
                b.neuron
            );
        }
    }
    assert!(segments > 50);
}

#[test]
fn zero_weights_give_one_region() {
    let mut net = random_net(&[16, 16, 16], 9, 1.0);
    net.params.iter_mut().for_each(|p| *p = 0.0);
    let g = check_exact(&net, Rect::UNIT, 100);
    assert_eq!(g.regions().len(), 1);
    assert!(g.boundaries.iter().all(|b| b.polylines.is_empty()));
}

#[test]
fn dead_neurons_have_no_boundary_and_no_area() {
    let mut net = random_net(&[8, 8], 10, 1.0);
    let o = net.arch.offset(0) + 8 * 2; // layer-0 biases
    net.params[o + 3] = -100.0;
    let g = check_exact(&net, Rect::UNIT, 200);
    let n = NeuronId { layer: 0, index: 3 };
    assert!(g.boundary(n).polylines.is_empty());
    assert_eq!(g.neuron_stats(n).active_fraction, 0.0);
}

#[test]
fn duplicated_neurons_share_one_line_and_add_no_slivers() {
    let net = random_net(&[6, 6], 12, 1.0);
    let with_dups = {
        let mut n2 = net.clone();
        // Layer-0 unit 0 is a line across the square; unit 1 := unit 0; layer-1 unit 4 := unit 2.
        n2.params[..2].copy_from_slice(&[1.0, 0.3]);
        n2.params[12] = -0.6;
        for c in 0..2 {
            n2.params[2 + c] = n2.params[c];
        }
        n2.params[12 + 1] = n2.params[12];
        let o = n2.arch.offset(1);
        for c in 0..6 {
            n2.params[o + 4 * 6 + c] = n2.params[o + 2 * 6 + c];
        }
        n2.params[o + 36 + 4] = n2.params[o + 36 + 2];
        n2
    };
    let g = check_exact(&with_dups, Rect::UNIT, 300);
    let a = g.boundary(NeuronId { layer: 0, index: 0 });
    let b = g.boundary(NeuronId { layer: 0, index: 1 });
    assert_eq!(a.polylines.len(), b.polylines.len());
    assert!((a.length() - b.length()).abs() < 1e-12 && a.length() > 0.0);
    let c = g.boundary(NeuronId { layer: 1, index: 2 });
    let d = g.boundary(NeuronId { layer: 1, index: 4 });
    assert!(
        (c.length() - d.length()).abs() < 1e-9,
        "{} vs {}",
        c.length(),
        d.length()
    );
    // No zero-area slivers.
    assert!(g.regions().iter().all(|r| g.area(r) > 1e-12));
}

#[test]
fn lines_through_vertices_and_corners() {
    // Layer 0: the diagonal through two corners, the other diagonal, and lines through
    // the centre and through a corner, all meeting in points.
    let arch = Architecture::new(&[5, 4]).unwrap();
    let mut net = Network::init(arch, &mut ChaCha8Rng::seed_from_u64(13));
    let rows: [[f32; 3]; 5] = [
        [1.0, -1.0, 0.0],
        [1.0, 1.0, -1.0],
        [1.0, 0.0, -0.5],
        [0.0, 1.0, -0.5],
        [2.0, -1.0, -0.5],
    ];
    for (j, r) in rows.iter().enumerate() {
        net.params[2 * j] = r[0];
        net.params[2 * j + 1] = r[1];
        net.params[10 + j] = r[2];
    }
    let g = check_exact(&net, Rect::UNIT, 400);
    for j in 0..4 {
        assert_eq!(
            g.boundary(NeuronId { layer: 0, index: j }).polylines.len(),
            1,
            "unit {j}"
        );
    }
    let diag = g.boundary(NeuronId { layer: 0, index: 0 }).length();
    assert!((diag - 2f64.sqrt()).abs() < 1e-12, "{diag}");
    assert!(g.regions().iter().all(|r| g.area(r) > 1e-12));
}

#[test]
fn huge_and_tiny_weights() {
    check_exact(&random_net(&[16, 16, 16], 14, 1e6), Rect::UNIT, 200);
    check_exact(&random_net(&[16, 16, 16], 15, 1e-6), Rect::UNIT, 200);
}

#[test]
fn extreme_shapes() {
    check_exact(&random_net(&[1], 16, 1.0), Rect::UNIT, 100);
    check_exact(&random_net(&[1, 1, 1], 17, 2.0), Rect::UNIT, 100);
    check_exact(&random_net(&[64], 18, 3.0), Rect::UNIT, 300);
    check_exact(&random_net(&[64, 64], 19, 1.0), Rect::UNIT, 300);
    check_exact(&random_net(&[8, 8, 8, 8, 8, 8], 20, 2.0), Rect::UNIT, 300);
}

#[test]
fn queries_agree_with_the_network() {
    let net = random_net(&[16, 16, 16], 21, 2.0);
    let g = Geometry::new(&net, Rect::UNIT);
    for &p in &[[0.1, 0.2], [0.5, 0.5], [0.93, 0.71]] {
        let r = g.region_at(&net, p).unwrap();
        let exact = net.logits(p[0], p[1]);
        let ours = g.logits_at(r, p);
        for k in 0..2 {
            assert!(
                (exact[k] - ours[k]).abs() < 1e-9 * (1.0 + exact[k].abs()),
                "{p:?}: {exact:?} vs {ours:?}"
            );
        }
    }
    // A point on a boundary is found at distance ~0, by that neuron.
    let b = g
        .boundaries
        .iter()
        .find(|b| b.neuron.layer == 1 && !b.polylines.is_empty())
        .unwrap();
    let line = &b.polylines[0];
    let mid = [
        (line[0][0] + line[1][0]) / 2.0,
        (line[0][1] + line[1][1]) / 2.0,
    ];
    let hit = g.nearest_boundary(mid, Some(1)).unwrap();
    assert_eq!(hit.neuron, b.neuron);
    assert!(hit.distance < 1e-12);
    // The active fraction matches brute-force sampling.
    let n = NeuronId { layer: 1, index: 3 };
    let s = g.neuron_stats(n);
    let k = 200;
    let hits = (0..k * k)
        .filter(|i| {
            let p = [
                ((i % k) as f64 + 0.5) / k as f64,
                ((i / k) as f64 + 0.5) / k as f64,
            ];
            net.pre_activations(p[0], p[1])[1][3] > 0.0
        })
        .count();
    assert!(
        (s.active_fraction - hits as f64 / (k * k) as f64).abs() < 0.01,
        "{s:?}"
    );
}

#[test]
fn region_ids_are_stable_across_rebuilds() {
    let net = random_net(&[16, 16, 16], 22, 1.0);
    let a: Vec<u64> = Geometry::new(&net, Rect::UNIT)
        .regions()
        .iter()
        .map(|r| r.id)
        .collect();
    let b: Vec<u64> = Geometry::new(&net, Rect::UNIT)
        .regions()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(a, b);
    let mut sorted = a.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), a.len(), "ids are unique");
}

#[test]
fn a_partition_over_its_limit_stops_with_the_layers_it_finished() {
    let net = random_net(&[16, 16, 16], 9, 3.0);
    let full = Geometry::new(&net, Rect::UNIT);
    let counts = full.regions_per_layer();
    assert!(full.truncated.is_none());
    // Room for layer 1 and not for layer 2.
    let limit = Limit {
        regions: counts[0] + (counts[1] - counts[0]) / 2,
        bytes: usize::MAX,
    };
    let g = Geometry::with_limit(&net, Rect::UNIT, limit);
    let t = g.truncated.clone().expect("over the limit");
    assert_eq!((t.layer, t.what), (1, Exceeded::Regions));
    assert_eq!(
        t.to_string(),
        format!(
            "this snapshot has more than {} linear regions (reached in layer 2)",
            limit.regions
        )
    );
    assert_eq!(t.showing(), "showing layer 1");
    assert_eq!(g.layers.len(), 3, "every layer can still be asked for");
    assert_eq!(g.regions_per_layer(), vec![counts[0], 0, 0]);
    assert!(g.regions().is_empty() && g.logits.is_empty() && g.decision.is_empty());
    // Layer 1's boundaries are whole and the same; the deeper ones are empty.
    for (a, b) in g.boundaries.iter().zip(&full.boundaries) {
        if a.neuron.layer == 0 {
            assert_eq!(a.polylines, b.polylines);
        } else {
            assert!(a.polylines.is_empty());
        }
    }
    assert!(Geometry::complete(&net, Rect::UNIT).is_ok());
    // The picture is still right: pixel by pixel from the network.
    let img = crate::geometry::raster::prediction(&g, &net, 23, 17);
    let exact = crate::geometry::raster::prediction(&full, &net, 23, 17);
    for (p, q) in img.iter().zip(&exact) {
        assert!((p - q).abs() < 1e-5);
    }
    // A memory budget stops it the same way, on the first layer here.
    let g = Geometry::with_limit(
        &net,
        Rect::UNIT,
        Limit {
            regions: usize::MAX,
            bytes: 2_000,
        },
    );
    let t = g.truncated.expect("over the memory budget");
    assert_eq!(t.layer, 0);
    assert!(matches!(t.what, Exceeded::Memory(b) if b > 2_000));
    assert!(t.to_string().contains("GB (reached in layer 1)"), "{t}");
    assert_eq!(t.showing(), "no boundaries are shown");
}

/// Leaky ReLU (any slope, even negative or above 1) and one-logit nets: the same exact
/// partition checks, every layer's per-region activation maps and the logit maps against
/// the network at each region's centroid, and the decision boundary where the margin is 0.
#[test]
fn leaky_relu_and_one_logit_nets_are_exact() {
    let cases = [
        (Activation::LeakyRelu { slope: 0.1 }, 2, 31),
        (Activation::LeakyRelu { slope: -0.5 }, 2, 32),
        (Activation::LeakyRelu { slope: 1.7 }, 1, 33),
        (Activation::Relu, 1, 34),
    ];
    let mut with_decision = 0;
    for (activation, outputs, seed) in cases {
        let arch = Architecture::general(&[12, 9, 7], outputs, activation).unwrap();
        let mut net = Network::init(arch, &mut ChaCha8Rng::seed_from_u64(seed));
        net.params.iter_mut().for_each(|p| *p *= 3.0);
        // A wide rectangle, so that the decision boundary crosses it.
        let g = check_exact(&net, Rect::new(-3.0, -3.0, 4.0, 4.0).unwrap(), 160);
        for (l, layer) in g.layers.iter().enumerate() {
            for (r, region) in layer.regions.iter().enumerate() {
                let c = centroid(&g.polygon(region));
                let pre = net.pre_activations(c[0], c[1]);
                for (j, &z) in pre[l].iter().enumerate() {
                    let m = layer.unit_map(r, j);
                    let ours = m[0] * c[0] + m[1] * c[1] + m[2];
                    let exact = activation.apply(z);
                    let n = NeuronId { layer: l, index: j };
                    assert!(
                        (ours - exact).abs() <= 1e-9 * (1.0 + magnitude(&net, n, c)),
                        "{activation} layer {l} unit {j}: map {ours} vs net {exact}"
                    );
                }
            }
        }
        for (r, region) in g.regions().iter().enumerate() {
            let c = centroid(&g.polygon(region));
            let (exact, ours) = (net.logits(c[0], c[1]), g.logits_at(r, c));
            assert_eq!(net.outputs(c[0], c[1]).len(), outputs);
            for k in 0..2 {
                assert!(
                    (exact[k] - ours[k]).abs() < 1e-9 * (1.0 + exact[k].abs()),
                    "{activation}/{outputs}: {exact:?} vs {ours:?}"
                );
            }
        }
        // A decision boundary exactly when sampling sees both classes.
        let k = 100;
        let white = (0..k * k)
            .filter(|i| {
                let (x, y) = ((i % k) as f64 + 0.5, (i / k) as f64 + 0.5);
                let z = net.logits(-3.0 + 7.0 * x / k as f64, -3.0 + 7.0 * y / k as f64);
                z[1] > z[0]
            })
            .count();
        assert_eq!(
            g.decision.is_empty(),
            white == 0 || white == k * k,
            "{activation}/{outputs}: {white} of {} samples white",
            k * k
        );
        with_decision += usize::from(!g.decision.is_empty());
        for p in g.decision.iter().flatten() {
            let z = net.logits(p[0], p[1]);
            assert!(
                (z[1] - z[0]).abs() < 1e-8 * (1.0 + z[0].abs() + z[1].abs()),
                "{activation}/{outputs}: decision point {p:?} has margin {}",
                z[1] - z[0]
            );
        }
    }
    assert!(
        with_decision >= 2,
        "too few cases test the decision boundary"
    );
}
