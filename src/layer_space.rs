//! Layer space: the input square as each layer sees it. A ReLU layer maps the square into
//! its units' space one linear region at a time, folding it along the boundaries; by the
//! last hidden layer the two classes lie on either side of one flat plane, the output
//! layer's.
//!
//! The sheet of layer `l` is exact: every region of the network's partition (all layers)
//! is mapped by the network, which is affine on it, so each region's image is the polygon
//! of its corners' images, and regions sharing an edge share its image (they share the
//! corners). Using the final partition for every layer gives each input point one image
//! per layer, so a morph from one layer to the next moves each point straight between
//! them. Grid lines are cut where they cross a region's edge (the map bends only there).
//!
//! Layer 0 is the input itself, 1…L the hidden layers (after the activation), L + 1 the
//! logits. Coordinates are those of the view square (the domain folded into the network,
//! [`crate::domain::Domain::fold`]).

use crate::geometry::{Geometry, affine_maps, corner_mean};
use crate::nn::{Network, NeuronId};
use nalgebra::{DMatrix, SymmetricEigen};

/// Grid lines per side of the square.
pub const GRID_LINES: usize = 11;

/// How the layer's space is seen in 3D.
#[derive(Clone, Debug, PartialEq)]
pub enum Axes {
    /// Three of the layer's units (0-based), their activations as x, y and z.
    Units([usize; 3]),
    /// The three directions of greatest variance of the activation over the square.
    Principal,
    /// For the last hidden layer: the decision direction up, the two principal axes of the
    /// rest across. The decision boundary is the plane at height `-bias`.
    Decision,
}

/// The square's image at one layer, in the layer's own coordinates.
#[derive(Clone, Debug)]
pub struct Sheet {
    pub layer: usize,
    /// Units of the layer (2 for the input).
    pub dims: usize,
    /// The image of every partition vertex, `dims` numbers each.
    pub points: Vec<f64>,
    /// Each region's corners, as indices into the vertices.
    pub polygons: Vec<Vec<u32>>,
    /// Probability of class 1 at each region's centre (for colouring).
    pub probability: Vec<f64>,
    /// Each region's centre in the view square (for colouring by the target).
    pub centres: Vec<[f64; 2]>,
    /// The grid lines' images: polylines of `dims`-vectors; and their points in the view
    /// square.
    pub grid: Vec<Vec<Vec<f64>>>,
    pub grid_inputs: Vec<Vec<[f64; 2]>>,
    /// The boundaries of the units of layers 1…`layer`, as vertex-index edges.
    pub boundaries: Vec<(NeuronId, Vec<[u32; 2]>)>,
}

/// The activation vector of layer `l` at a point of the view square.
pub fn image(net: &Network, l: usize, p: [f64; 2]) -> Vec<f64> {
    image_with(net, l, p, &mut Vec::new())
}

/// [`image`] with a reused buffer for the forward pass (no allocation but the result's).
fn image_with(net: &Network, l: usize, p: [f64; 2], buf: &mut Vec<Vec<f64>>) -> Vec<f64> {
    if l == 0 {
        return p.to_vec();
    }
    net.pre_activations_into(p[0], p[1], buf);
    let act = net.arch.activation();
    if l > net.arch.hidden().len() {
        buf.last().expect("an output layer").clone()
    } else {
        buf[l - 1].iter().map(|&z| act.apply(z)).collect()
    }
}

fn width(net: &Network, l: usize) -> usize {
    let hidden = net.arch.hidden();
    match l {
        0 => 2,
        l if l <= hidden.len() => hidden[l - 1],
        _ => net.arch.outputs(),
    }
}

/// The sheet of layer `l` over the geometry's rectangle (`geom` is `net`'s partition).
pub fn sheet(net: &Network, geom: &Geometry, l: usize) -> Sheet {
    let hidden = net.arch.hidden().len();
    let l = l.min(hidden + 1);
    let dims = width(net, l);
    let units = net.arch.neuron_count();
    let act = net.arch.activation();
    // One forward pass per vertex: its image, and every hidden unit's pre-activation (for
    // the boundaries), flat, with each layer's largest magnitude (for a relative zero).
    let mut points = Vec::with_capacity(geom.vertices.len() * dims);
    let mut pre: Vec<f64> = Vec::with_capacity(geom.vertices.len() * units);
    let mut scale = Vec::with_capacity(geom.vertices.len() * hidden);
    let outputs = net.arch.outputs();
    let mut logits: Vec<f64> = Vec::with_capacity(geom.vertices.len() * outputs);
    let mut buf = Vec::new();
    for &v in &geom.vertices {
        net.pre_activations_into(v[0], v[1], &mut buf);
        logits.extend(&buf[hidden]);
        match l {
            0 => points.extend(v),
            l if l <= hidden => points.extend(buf[l - 1].iter().map(|&z| act.apply(z))),
            _ => points.extend(&buf[hidden]),
        }
        for z in &buf[..hidden] {
            pre.extend(z);
            scale.push(z.iter().fold(1e-300f64, |m, v| m.max(v.abs())));
        }
    }
    let polygons: Vec<Vec<u32>> = geom
        .regions()
        .iter()
        .map(|r| geom.vertex_ids(r).to_vec())
        .collect();
    let centres: Vec<[f64; 2]> = geom
        .regions()
        .iter()
        .map(|r| corner_mean(&geom.polygon(r)))
        .collect();
    // The logits are affine on a region, so at its corners' mean they are the mean of its
    // corners' logits: no pass through the network per region.
    let probability = polygons
        .iter()
        .map(|poly| {
            let mean = |k: usize| {
                poly.iter()
                    .map(|&v| logits[v as usize * outputs + k])
                    .sum::<f64>()
                    / poly.len() as f64
            };
            match outputs {
                1 => crate::nn::sigmoid(mean(0)),
                _ => crate::nn::sigmoid(mean(1) - mean(0)),
            }
        })
        .collect();
    // Every edge once.
    let mut seen = rustc_hash::FxHashSet::default();
    let mut edges = Vec::new();
    for poly in &polygons {
        for k in 0..poly.len() {
            let (a, b) = (poly[k], poly[(k + 1) % poly.len()]);
            if seen.insert((a.min(b), a.max(b))) {
                edges.push([a, b]);
            }
        }
    }
    // An edge lies on unit n's boundary when n's pre-activation vanishes at both ends.
    let offsets: Vec<usize> = (0..hidden)
        .scan(0, |o, k| {
            let here = *o;
            *o += net.arch.hidden()[k];
            Some(here)
        })
        .collect();
    let mut boundaries: Vec<(NeuronId, Vec<[u32; 2]>)> = net
        .arch
        .neurons()
        .filter(|n| n.layer < l)
        .map(|n| (n, Vec::new()))
        .collect();
    for e in &edges {
        let (a, b) = (e[0] as usize, e[1] as usize);
        for (n, on) in boundaries.iter_mut() {
            let k = offsets[n.layer] + n.index;
            let tol = 1e-9 * scale[a * hidden + n.layer].max(scale[b * hidden + n.layer]);
            if pre[a * units + k].abs() <= tol && pre[b * units + k].abs() <= tol {
                on.push(*e);
            }
        }
    }
    let (grid, grid_inputs) = grid_lines(net, geom, &edges, l, &points, dims);
    Sheet {
        layer: l,
        dims,
        points,
        polygons,
        probability,
        centres,
        grid,
        grid_inputs,
        boundaries,
    }
}

/// The grid lines `u = k/10` and `v = k/10` of the geometry's rectangle, cut at every
/// partition edge they cross, mapped to layer `l`: a cut's image is interpolated along its
/// edge from the edge's ends' images (`points`; the map is affine along an edge), only the
/// lines' ends take a pass through the network.
fn grid_lines(
    net: &Network,
    geom: &Geometry,
    edges: &[[u32; 2]],
    l: usize,
    points: &[f64],
    dims: usize,
) -> (Vec<Vec<Vec<f64>>>, Vec<Vec<[f64; 2]>>) {
    let r = geom.rect;
    let mut out = Vec::new();
    let mut inputs = Vec::new();
    let mut buf = Vec::new();
    for axis in 0..2 {
        for k in 0..GRID_LINES {
            let f = k as f64 / (GRID_LINES - 1) as f64;
            let (a, b) = if axis == 0 {
                let x = r.x0 + f * (r.x1 - r.x0);
                ([x, r.y0], [x, r.y1])
            } else {
                let y = r.y0 + f * (r.y1 - r.y0);
                ([r.x0, y], [r.x1, y])
            };
            // The line's parameter at each cut, and where on which edge it is.
            let mut ts: Vec<(f64, Option<([u32; 2], f64)>)> = vec![(0.0, None), (1.0, None)];
            for e in edges {
                let (p, q) = (geom.vertices[e[0] as usize], geom.vertices[e[1] as usize]);
                if let Some((t, s)) = crossing(a, b, p, q) {
                    ts.push((t, Some((*e, s))));
                }
            }
            ts.sort_by(|x, y| x.0.total_cmp(&y.0));
            ts.dedup_by(|x, y| (x.0 - y.0).abs() < 1e-12);
            inputs.push(
                ts.iter()
                    .map(|&(t, _)| [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])])
                    .collect(),
            );
            out.push(
                ts.iter()
                    .map(|&(t, on)| match on {
                        Some((e, s)) => {
                            let (pa, pb) = (e[0] as usize * dims, e[1] as usize * dims);
                            (0..dims)
                                .map(|k| points[pa + k] + s * (points[pb + k] - points[pa + k]))
                                .collect()
                        }
                        None => image_with(
                            net,
                            l,
                            [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])],
                            &mut buf,
                        ),
                    })
                    .collect(),
            );
        }
    }
    (out, inputs)
}

/// The parameters `(t, s)` in [0, 1] where segment a→b (at `t`) crosses segment p→q (at
/// `s`), if it does.
fn crossing(a: [f64; 2], b: [f64; 2], p: [f64; 2], q: [f64; 2]) -> Option<(f64, f64)> {
    let d = [b[0] - a[0], b[1] - a[1]];
    let e = [q[0] - p[0], q[1] - p[1]];
    let den = d[0] * e[1] - d[1] * e[0];
    if den.abs() < 1e-300 {
        return None;
    }
    let w = [p[0] - a[0], p[1] - a[1]];
    let t = (w[0] * e[1] - w[1] * e[0]) / den;
    let s = (w[0] * d[1] - w[1] * d[0]) / den;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&s)).then_some((t, s))
}

/// Exact moments of a polygon: area, `∫x`, `∫x xᵀ` (by its triangles from the first corner).
fn moments(poly: &[[f64; 2]]) -> (f64, [f64; 2], [[f64; 2]; 2]) {
    let (mut area, mut m1, mut m2) = (0.0, [0.0; 2], [[0.0; 2]; 2]);
    for i in 1..poly.len().saturating_sub(1) {
        let t = [poly[0], poly[i], poly[i + 1]];
        let a = ((t[1][0] - t[0][0]) * (t[2][1] - t[0][1])
            - (t[2][0] - t[0][0]) * (t[1][1] - t[0][1]))
            .abs()
            / 2.0;
        area += a;
        for j in 0..2 {
            m1[j] += a * (t[0][j] + t[1][j] + t[2][j]) / 3.0;
            for k in 0..2 {
                // ∫ x_j x_k over a triangle: area/12 · (Σ v_j v_k + (Σ v_j)(Σ v_k)).
                let s: f64 = t.iter().map(|v| v[j] * v[k]).sum();
                let (sj, sk): (f64, f64) =
                    (t.iter().map(|v| v[j]).sum(), t.iter().map(|v| v[k]).sum());
                m2[j][k] += a / 12.0 * (s + sj * sk);
            }
        }
    }
    (area, m1, m2)
}

/// Mean and covariance of layer `l`'s activation over the geometry's rectangle, exact:
/// the activation is affine on each region, so its moments follow from the region's.
pub fn moments_of_layer(net: &Network, geom: &Geometry, l: usize) -> (Vec<f64>, DMatrix<f64>) {
    let dims = width(net, l);
    let hidden = net.arch.hidden().len();
    let slope = net.arch.activation().slope() as f64;
    let mut acc = Moments::new(dims);
    for r in geom.regions() {
        let poly = geom.polygon(r);
        let (area, m1, m2) = moments(&poly);
        if area <= 0.0 {
            continue;
        }
        // The layer's activation on this region: rows [a, b, c] of a·x + b·y + c.
        let maps: Vec<[f64; 3]> = if l == 0 {
            vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
        } else {
            let active = |n: NeuronId| geom.is_active(r, n);
            let (pre, out) = affine_maps(net, &active);
            if l > hidden {
                out
            } else {
                let start: usize = net.arch.hidden()[..l - 1].iter().sum();
                (0..dims)
                    .map(|j| {
                        let m = pre[start + j];
                        let on = active(NeuronId {
                            layer: l - 1,
                            index: j,
                        });
                        if on { m } else { m.map(|v| slope * v) }
                    })
                    .collect()
            }
        };
        acc.add((area, m1, m2), &maps);
    }
    acc.finish()
}

/// [`moments_of_layer`] from a sheet: each region's affine map read off three of its
/// corners' images (the sheet has them already), the same exact moments without a pass
/// through the network per region.
pub fn moments_of_sheet(sheet: &Sheet, geom: &Geometry) -> (Vec<f64>, DMatrix<f64>) {
    let d = sheet.dims;
    let mut acc = Moments::new(d);
    let mut maps = vec![[0.0; 3]; d];
    for ids in &sheet.polygons {
        let poly: Vec<[f64; 2]> = ids.iter().map(|&v| geom.vertices[v as usize]).collect();
        let (area, m1, m2) = moments(&poly);
        if area <= 0.0 {
            continue;
        }
        // The corner triangle of largest area: the best-conditioned read of the map.
        let (mut best, mut pick) = (0.0, [0, 1, 2]);
        for j in 1..poly.len() - 1 {
            for k in j + 1..poly.len() {
                let a = ((poly[j][0] - poly[0][0]) * (poly[k][1] - poly[0][1])
                    - (poly[k][0] - poly[0][0]) * (poly[j][1] - poly[0][1]))
                    .abs();
                if a > best {
                    (best, pick) = (a, [0, j, k]);
                }
            }
        }
        let [p, q, r] = pick.map(|i| poly[i]);
        let det = (q[0] - p[0]) * (r[1] - p[1]) - (r[0] - p[0]) * (q[1] - p[1]);
        if det.abs() < 1e-300 {
            continue;
        }
        let h = |i: usize, j: usize| sheet.points[ids[pick[i]] as usize * d + j];
        for (j, m) in maps.iter_mut().enumerate() {
            let (hp, hq, hr) = (h(0, j), h(1, j), h(2, j));
            let a = ((hq - hp) * (r[1] - p[1]) - (hr - hp) * (q[1] - p[1])) / det;
            let b = ((q[0] - p[0]) * (hr - hp) - (r[0] - p[0]) * (hq - hp)) / det;
            *m = [a, b, hp - a * p[0] - b * p[1]];
        }
        acc.add((area, m1, m2), &maps);
    }
    acc.finish()
}

/// Area-weighted first and second moments of an activation that is affine on each region,
/// summed region by region.
struct Moments {
    total: f64,
    mean: Vec<f64>,
    second: DMatrix<f64>,
}

impl Moments {
    fn new(dims: usize) -> Self {
        Self {
            total: 0.0,
            mean: vec![0.0; dims],
            second: DMatrix::zeros(dims, dims),
        }
    }

    /// A region with moments `(area, ∫x, ∫x xᵀ)` on which unit `i` is `maps[i]·(x, y, 1)`.
    fn add(&mut self, (area, m1, m2): (f64, [f64; 2], [[f64; 2]; 2]), maps: &[[f64; 3]]) {
        self.total += area;
        for (i, mi) in maps.iter().enumerate() {
            let li = mi[0] * m1[0] + mi[1] * m1[1];
            self.mean[i] += li + mi[2] * area;
            for (j, mj) in maps.iter().enumerate().skip(i) {
                // ∫ (mi·x + ci)(mj·x + cj)
                let quad = mi[0] * mj[0] * m2[0][0]
                    + (mi[0] * mj[1] + mi[1] * mj[0]) * m2[0][1]
                    + mi[1] * mj[1] * m2[1][1];
                let lin = mi[2] * (mj[0] * m1[0] + mj[1] * m1[1]) + mj[2] * li;
                let v = quad + lin + mi[2] * mj[2] * area;
                self.second[(i, j)] += v;
                if j != i {
                    self.second[(j, i)] += v;
                }
            }
        }
    }

    /// The mean and the covariance.
    fn finish(self) -> (Vec<f64>, DMatrix<f64>) {
        let mean: Vec<f64> = self.mean.iter().map(|m| m / self.total).collect();
        let mut cov = self.second / self.total;
        for i in 0..mean.len() {
            for j in 0..mean.len() {
                cov[(i, j)] -= mean[i] * mean[j];
            }
        }
        (mean, cov)
    }
}

/// Three orthonormal directions of a layer's space and the point they are centred on:
/// a point `h` is seen at `(a₀·(h − o), a₁·(h − o), a₂·(h − o))`.
#[derive(Clone, Debug)]
pub struct Frame {
    pub axes: [Vec<f64>; 3],
    pub origin: Vec<f64>,
    /// Decision axes: the height of the decision plane (where the logits are equal).
    pub plane: Option<f64>,
}

/// The frame `axes` asks for at `sheet`'s layer (`sheet` is of `net` over `geom`).
pub fn frame(net: &Network, geom: &Geometry, sheet: &Sheet, axes: &Axes) -> Result<Frame, String> {
    let (l, dims) = (sheet.layer, sheet.dims);
    let (mean, cov) = moments_of_sheet(sheet, geom);
    let unit = |i: usize| {
        let mut v = vec![0.0; dims];
        if i < dims {
            v[i] = 1.0;
        }
        v
    };
    match axes {
        Axes::Units(u) => {
            if let Some(bad) = u.iter().find(|&&i| i >= dims) {
                return Err(format!(
                    "unit {} is not in layer {l}, which has {dims} units",
                    bad + 1
                ));
            }
            Ok(Frame {
                axes: [unit(u[0]), unit(u[1]), unit(u[2])],
                origin: mean,
                plane: None,
            })
        }
        Axes::Principal => {
            let top = principal(&cov, 3);
            Ok(Frame {
                axes: [top[0].clone(), top[1].clone(), top[2].clone()],
                origin: mean,
                plane: None,
            })
        }
        Axes::Decision => {
            let hidden = net.arch.hidden().len();
            if l != hidden {
                return Err(format!(
                    "decision axes are those of the last hidden layer ({hidden}); use --layer {hidden}, or units or principal axes"
                ));
            }
            let out = hidden;
            let (w, b) = (net.weight(out), net.bias(out));
            let (d, bias): (Vec<f64>, f64) = if net.arch.outputs() == 1 {
                (w.iter().map(|&v| v as f64).collect(), b[0] as f64)
            } else {
                (
                    (0..dims).map(|k| (w[dims + k] - w[k]) as f64).collect(),
                    (b[1] - b[0]) as f64,
                )
            };
            let norm = d.iter().map(|v| v * v).sum::<f64>().sqrt();
            if norm == 0.0 {
                return Err(
                    "the output layer's weights are all zero: no decision direction".into(),
                );
            }
            let e: Vec<f64> = d.iter().map(|v| v / norm).collect();
            // The covariance of what is left once the decision direction is taken out.
            let p = DMatrix::<f64>::identity(dims, dims)
                - DMatrix::from_fn(dims, dims, |i, j| e[i] * e[j]);
            let rest = &p * &cov * &p;
            let top = principal(&rest, 2);
            // Height along e of the plane d·h + bias = 0, measured from the mean.
            let mean_height: f64 = e.iter().zip(&mean).map(|(a, b)| a * b).sum();
            let plane = -bias / norm - mean_height;
            Ok(Frame {
                axes: [top[0].clone(), top[1].clone(), e],
                origin: mean,
                plane: Some(plane),
            })
        }
    }
}

/// The `k` leading eigenvectors of a symmetric matrix (zero vectors past its size), each
/// signed so that its largest component is positive: an eigenvector's sign is arbitrary,
/// and without a rule a movie's sheet could flip over from one snapshot to the next.
fn principal(m: &DMatrix<f64>, k: usize) -> Vec<Vec<f64>> {
    let n = m.nrows();
    let eig = SymmetricEigen::new(m.clone());
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    (0..k)
        .map(|i| match order.get(i) {
            Some(&c) => {
                let v: Vec<f64> = eig.eigenvectors.column(c).iter().copied().collect();
                let big = v
                    .iter()
                    .copied()
                    .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
                if big < 0.0 {
                    v.iter().map(|x| -x).collect()
                } else {
                    v
                }
            }
            None => vec![0.0; n],
        })
        .collect()
}

impl Frame {
    /// A layer point in the frame's 3D coordinates.
    pub fn project(&self, h: &[f64]) -> [f64; 3] {
        let mut out = [0.0; 3];
        for (o, a) in out.iter_mut().zip(&self.axes) {
            *o = a
                .iter()
                .zip(h.iter().zip(&self.origin))
                .map(|(a, (h, m))| a * (h - m))
                .sum();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::Architecture;
    use rand::SeedableRng;

    fn net(hidden: &[usize], seed: u64) -> Network {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        Network::init(Architecture::new(hidden).unwrap(), &mut rng)
    }

    #[test]
    fn sheet_vertices_are_the_forward_pass_and_shared_edges_stay_shared() {
        let n = net(&[8, 8, 8], 3);
        let g = Geometry::complete(&n, Rect::UNIT).unwrap();
        for l in 0..=4 {
            let s = sheet(&n, &g, l);
            assert_eq!(s.points.len(), g.vertices.len() * s.dims);
            for (i, v) in g.vertices.iter().enumerate() {
                let want = image(&n, l, *v);
                for (a, b) in s.points[i * s.dims..(i + 1) * s.dims].iter().zip(&want) {
                    assert!(
                        (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                        "layer {l} vertex {i}"
                    );
                }
            }
            // Each region's own affine map gives its corners' images: the pieces join.
            if (1..=3).contains(&l) {
                for (ri, r) in g.regions().iter().enumerate() {
                    let active = |nn: NeuronId| g.is_active(r, nn);
                    let (pre, _) = affine_maps(&n, &active);
                    let start: usize = n.arch.hidden()[..l - 1].iter().sum();
                    for &v in &s.polygons[ri] {
                        let p = g.vertices[v as usize];
                        for j in 0..s.dims {
                            let m = pre[start + j];
                            let z = m[0] * p[0] + m[1] * p[1] + m[2];
                            let on = active(NeuronId {
                                layer: l - 1,
                                index: j,
                            });
                            let h = if on { z } else { 0.0 };
                            let got = s.points[v as usize * s.dims + j];
                            assert!((h - got).abs() < 1e-9, "layer {l} region {ri}");
                        }
                    }
                }
            }
            if l >= 1 {
                let edges: usize = s.boundaries.iter().map(|(_, e)| e.len()).sum();
                assert!(edges > 0, "layer {l}: boundaries on the sheet");
            }
            // Grid points, interpolated along the edges they cut, are the forward pass at
            // their input points; the lines are the square's.
            for (line, at) in s.grid.iter().zip(&s.grid_inputs) {
                for (h, p) in line.iter().zip(at) {
                    let want = image(&n, l, *p);
                    for (a, b) in h.iter().zip(&want) {
                        assert!(
                            (a - b).abs() <= 1e-9 * (1.0 + b.abs()),
                            "layer {l} at {p:?}"
                        );
                    }
                }
            }
            assert_eq!(s.grid_inputs[3][0], [0.3, 0.0], "the fourth vertical line");
            // And the probability at each region's centre is the network's.
            for (i, c) in s.centres.iter().enumerate() {
                assert!((s.probability[i] - n.probability_white(c[0], c[1])).abs() < 1e-9);
            }
        }
    }

    #[test]
    fn a_net_active_everywhere_gives_a_flat_affine_sheet() {
        let mut n = net(&[6, 6], 1);
        // Large positive biases: every unit is on over the whole square.
        for l in 0..2 {
            let o = n.arch.offset(l) + n.arch.fan_out(l) * n.arch.fan_in(l);
            for b in &mut n.params[o..o + 6] {
                *b = 50.0;
            }
        }
        let g = Geometry::complete(&n, Rect::UNIT).unwrap();
        assert_eq!(g.regions().len(), 1);
        let s = sheet(&n, &g, 2);
        // h = A·[x, y] + c: three corners fix A and c; every other point agrees.
        let at = |p: [f64; 2]| image(&n, 2, p);
        let (o, ex, ey) = (at([0.0, 0.0]), at([1.0, 0.0]), at([0.0, 1.0]));
        let grid_points = s.grid.iter().flatten().count();
        assert!(
            grid_points >= 2 * GRID_LINES * 2,
            "every grid line, end to end"
        );
        for &(x, y) in &[(0.3, 0.7), (0.9, 0.1), (0.5, 0.5)] {
            let h = at([x, y]);
            for j in 0..6 {
                let want = o[j] + x * (ex[j] - o[j]) + y * (ey[j] - o[j]);
                assert!((h[j] - want).abs() < 1e-9);
            }
        }
        // Principal axes: a flat sheet has no third direction.
        let (_, cov) = moments_of_layer(&n, &g, 2);
        let eig = SymmetricEigen::new(cov);
        let mut ev: Vec<f64> = eig.eigenvalues.iter().copied().collect();
        ev.sort_by(|a, b| b.total_cmp(a));
        assert!(ev[1] > 1e-6 && ev[2].abs() < 1e-9 * ev[0], "{ev:?}");
    }

    #[test]
    fn exact_moments_match_dense_sampling() {
        let n = net(&[10, 10], 7);
        let g = Geometry::complete(&n, Rect::UNIT).unwrap();
        let (mean, cov) = moments_of_layer(&n, &g, 2);
        let side = 600;
        let mut sm = [0.0; 10];
        let mut s2 = DMatrix::<f64>::zeros(10, 10);
        for i in 0..side * side {
            let p = Rect::UNIT.pixel_centre(i, side, side);
            let h = image(&n, 2, p);
            for a in 0..10 {
                sm[a] += h[a];
                for b in 0..10 {
                    s2[(a, b)] += h[a] * h[b];
                }
            }
        }
        let count = (side * side) as f64;
        for a in 0..10 {
            let m = sm[a] / count;
            assert!(
                (m - mean[a]).abs() < 1e-4 * (1.0 + m.abs()),
                "mean {a}: {m} vs {}",
                mean[a]
            );
            for b in 0..10 {
                let c = s2[(a, b)] / count - (sm[a] / count) * (sm[b] / count);
                assert!(
                    (c - cov[(a, b)]).abs() < 1e-4 * (1.0 + c.abs()),
                    "cov {a},{b}: {c} vs {}",
                    cov[(a, b)]
                );
            }
        }
        // Read off the sheet, the same moments.
        let (mean_s, cov_s) = moments_of_sheet(&sheet(&n, &g, 2), &g);
        for a in 0..10 {
            assert!((mean_s[a] - mean[a]).abs() < 1e-9 * (1.0 + mean[a].abs()));
            for b in 0..10 {
                assert!((cov_s[(a, b)] - cov[(a, b)]).abs() < 1e-9 * (1.0 + cov[(a, b)].abs()));
            }
        }
        let f = frame(&n, &g, &sheet(&n, &g, 2), &Axes::Principal).unwrap();
        for (i, a) in f.axes.iter().enumerate() {
            let norm: f64 = a.iter().map(|v| v * v).sum();
            assert!((norm - 1.0).abs() < 1e-9, "axis {i}");
            // Signed by its largest component, so a movie keeps its orientation.
            let big = a
                .iter()
                .copied()
                .fold(0.0f64, |m, x| if x.abs() > m.abs() { x } else { m });
            assert!(big > 0.0, "axis {i}");
        }
    }

    #[test]
    fn under_decision_axes_the_plane_splits_the_pixels_as_the_network_does() {
        let target = crate::targets::Shape::Disc.draw(32);
        let (inputs, labels) = target.dataset();
        for seed in [1, 2, 5] {
            let n = net(&[8, 8], seed);
            let g = Geometry::complete(&n, Rect::UNIT).unwrap();
            let f = frame(&n, &g, &sheet(&n, &g, 2), &Axes::Decision).unwrap();
            let plane = f.plane.expect("decision axes have a plane");
            let right = inputs
                .chunks_exact(2)
                .zip(&labels)
                .filter(|&(p, &c)| {
                    let h = image(&n, 2, [p[0] as f64, p[1] as f64]);
                    u8::from(f.project(&h)[2] > plane) == c
                })
                .count();
            let share = right as f64 / labels.len() as f64;
            let accuracy = crate::train::evaluate(&n, &inputs, &labels).accuracy;
            assert!(
                (share - accuracy).abs() < 1e-12,
                "seed {seed}: {share} vs {accuracy}"
            );
        }
        let n = net(&[8, 8], 1);
        let g = Geometry::complete(&n, Rect::UNIT).unwrap();
        assert!(
            frame(&n, &g, &sheet(&n, &g, 1), &Axes::Decision)
                .unwrap_err()
                .contains("--layer 2")
        );
        assert!(
            frame(&n, &g, &sheet(&n, &g, 2), &Axes::Units([0, 1, 8]))
                .unwrap_err()
                .contains("unit 9")
        );
    }
}
