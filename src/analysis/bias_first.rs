//! §5 bias before weights. Between two snapshots a unit's boundary moves because its own
//! parameters change and, from layer 2 on, because its inputs change. At a point `x` of the
//! old boundary (where the old pre-activation is 0) the new pre-activation splits exactly
//! into
//!
//!   z'(x) = [w'·a(x) + b'] + w'·(a'(x) − a(x)) = own(x) + upstream(x),
//!
//! and divided by ‖∇z'(x)‖ each part is a distance along the boundary's normal. The own part
//! is split into its mean over the boundary — the *shift*, which moves the whole boundary
//! as a bias change does — and what varies along it — the *tilt*, as a change of the weight
//! direction does (a rotation about the boundary's middle has no shift; a change of the
//! bias alone, or any change of a layer-1 line's offset, has no tilt; scaling (w, b) moves
//! nothing). β = shift / (shift + tilt + upstream), summed over the snapshot pairs of a
//! decade of iterations.
//!
//! The null baseline β₀ takes steps of the same size per parameter with random signs (so
//! it knows Adam's early, nearly ±lr steps, which by themselves favour shifts) and measures
//! them the same way.

use super::thresholds::thresholds;
use super::phenomenon::{Card, Measure, Phenomenon, Setup, Step};
use super::{Analysis, Sample, rows::Row};
use crate::geometry::Geometry;
use crate::nn::Network;
use rand::{Rng, SeedableRng};
use serde::Serialize;

/// β of one unit over one decade.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitDecade {
    /// Hidden layer and unit, 1-based.
    pub layer: usize,
    pub unit: usize,
    /// Iterations 10^(decade−1) … 10^decade (decade 0: the first step).
    pub decade: u32,
    pub beta: f64,
    pub beta_null: f64,
    /// The summed distances (input units) behind β.
    pub shift: f64,
    pub tilt: f64,
    pub upstream: f64,
}

/// Sums of one unit's motion over the snapshot pairs of a decade, real and null.
#[derive(Clone, Copy, Default)]
struct Sums {
    shift: f64,
    tilt: f64,
    upstream: f64,
    null_shift: f64,
    null_motion: f64,
}

/// Decade of an iteration: 0 for 0–1, k for 10^(k−1) < i ≤ 10^k.
pub fn decade(iteration: u64) -> u32 {
    let mut d = 0;
    let mut top = 1u64;
    while iteration > top {
        top = top.saturating_mul(10);
        d += 1;
    }
    d
}

/// The motion of every unit between snapshots `old` and `new`, measured at up to
/// `per_unit` points of each old boundary: (shift, tilt, upstream) per unit, layer-major.
pub fn motion(
    old: &Network,
    geom: &Geometry,
    new: &Network,
    per_unit: usize,
) -> Vec<Option<[f64; 3]>> {
    motions(old, geom, &[new], per_unit).remove(0)
}

/// [`motion`] towards several new networks at once (the real step and its null twin), so
/// the old network is evaluated once per point.
pub fn motions(
    old: &Network,
    geom: &Geometry,
    news: &[&Network],
    per_unit: usize,
) -> Vec<Vec<Option<[f64; 3]>>> {
    let mut out = vec![Vec::with_capacity(geom.boundaries.len()); news.len()];
    let act = old.arch.activation();
    let (mut before, mut after) = (Vec::new(), Vec::new());
    for b in &geom.boundaries {
        let pts = crate::geometry::spread_along(&b.polylines, per_unit);
        let n = b.neuron;
        let inputs = |p: [f64; 2], pre: &[Vec<f64>]| -> Vec<f64> {
            if n.layer == 0 {
                p.to_vec()
            } else {
                pre[n.layer - 1].iter().map(|&z| act.apply(z)).collect()
            }
        };
        let mut own = vec![Vec::with_capacity(pts.len()); news.len()];
        let mut up = vec![Vec::with_capacity(pts.len()); news.len()];
        for &p in &pts {
            old.pre_activations_into(p[0], p[1], &mut before);
            let a = inputs(p, &before);
            for (k, new) in news.iter().enumerate() {
                new.pre_activations_into(p[0], p[1], &mut after);
                let g = new.unit_gradient(&after, n);
                let norm = g[0].hypot(g[1]);
                if norm == 0.0 {
                    continue;
                }
                let a2 = inputs(p, &after);
                let w = new.incoming(n);
                let b2 = new.bias(n.layer)[n.index] as f64;
                let own_z = w.iter().zip(&a).map(|(&w, &a)| w as f64 * a).sum::<f64>() + b2;
                let up_z: f64 = w
                    .iter()
                    .zip(a2.iter().zip(&a))
                    .map(|(&w, (&x2, &x))| w as f64 * (x2 - x))
                    .sum();
                own[k].push(own_z / norm);
                up[k].push(up_z.abs() / norm);
            }
        }
        for k in 0..news.len() {
            out[k].push((!own[k].is_empty()).then(|| {
                let c = own[k].len() as f64;
                let mean = own[k].iter().sum::<f64>() / c;
                let tilt = own[k].iter().map(|d| (d - mean).abs()).sum::<f64>() / c;
                [mean.abs(), tilt, up[k].iter().sum::<f64>() / c]
            }));
        }
    }
    out
}

/// Collects every unit's motion decade by decade, with its null baseline.
#[derive(Clone)]
pub struct Tracker {
    per_unit: usize,
    rng: rand_chacha::ChaCha8Rng,
    sums: std::collections::BTreeMap<(u32, usize), Sums>,
    hidden: Vec<usize>,
}

impl Tracker {
    pub fn new(hidden: &[usize], per_unit: usize) -> Self {
        Self {
            per_unit,
            rng: rand_chacha::ChaCha8Rng::seed_from_u64(0x5b1a5),
            sums: Default::default(),
            hidden: hidden.to_vec(),
        }
    }

    /// One step between consecutive snapshots; `geom` is the old one's geometry. Returns
    /// the share of the step's motion, over all units, that is shift.
    pub fn add(
        &mut self,
        old: &Network,
        geom: &Geometry,
        new: &Network,
        iteration: u64,
    ) -> Option<f64> {
        let real = motion(old, geom, new, self.per_unit);
        let mut null = old.clone();
        for (p, (&a, &b)) in null
            .params
            .iter_mut()
            .zip(old.params.iter().zip(&new.params))
        {
            let step = (b - a).abs();
            *p = if self.rng.random::<bool>() {
                a + step
            } else {
                a - step
            };
        }
        let null = motion(old, geom, &null, self.per_unit);
        let d = decade(iteration);
        let (mut shift, mut motion) = (0.0, 0.0);
        for (k, (r, z)) in real.iter().zip(&null).enumerate() {
            let e = self.sums.entry((d, k)).or_default();
            if let Some([s, t, u]) = r {
                e.shift += s;
                e.tilt += t;
                e.upstream += u;
                shift += s;
                motion += s + t + u;
            }
            if let Some([s, t, u]) = z {
                e.null_shift += s;
                e.null_motion += s + t + u;
            }
        }
        (motion > 0.0).then(|| shift / motion)
    }

    pub fn finish(self) -> Vec<UnitDecade> {
        let hidden = self.hidden;
        self.sums
            .into_iter()
            .filter_map(|((decade, k), s)| {
                let motion = s.shift + s.tilt + s.upstream;
                if motion == 0.0 || s.null_motion == 0.0 {
                    return None;
                }
                let n = crate::geometry::neuron_at(&hidden, k);
                Some(UnitDecade {
                    layer: n.layer + 1,
                    unit: n.index + 1,
                    decade,
                    beta: s.shift / motion,
                    beta_null: s.null_shift / s.null_motion,
                    shift: s.shift,
                    tilt: s.tilt,
                    upstream: s.upstream,
                })
            })
            .collect()
    }
}

/// Per layer and decade: the median β and β₀ over the units that moved, and the share of
/// them with β > β₀.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LayerDecade {
    pub layer: usize,
    pub decade: u32,
    pub median_beta: f64,
    pub median_beta_null: f64,
    pub share_above_null: f64,
}

pub fn per_layer(units: &[UnitDecade]) -> Vec<LayerDecade> {
    let mut keys: Vec<(usize, u32)> = units.iter().map(|u| (u.layer, u.decade)).collect();
    keys.sort_unstable();
    keys.dedup();
    keys.into_iter()
        .map(|(layer, decade)| {
            let of: Vec<&UnitDecade> = units
                .iter()
                .filter(|u| u.layer == layer && u.decade == decade)
                .collect();
            let median = |mut v: Vec<f64>| {
                v.sort_by(f64::total_cmp);
                v[v.len() / 2]
            };
            LayerDecade {
                layer,
                decade,
                median_beta: median(of.iter().map(|u| u.beta).collect()),
                median_beta_null: median(of.iter().map(|u| u.beta_null).collect()),
                share_above_null: of.iter().filter(|u| u.beta > u.beta_null).count() as f64
                    / of.len() as f64,
            }
        })
        .collect()
}

/// Per layer, the decades in which its units' β peaked (a unit's peak is its decade of
/// largest β): `(layer, decade, units)`, the episodes where shifting dominated.
pub fn peaks(units: &[UnitDecade]) -> Vec<(usize, u32, usize)> {
    let mut best: std::collections::BTreeMap<(usize, usize), (f64, u32)> = Default::default();
    for u in units {
        let e = best
            .entry((u.layer, u.unit))
            .or_insert((f64::NEG_INFINITY, 0));
        if u.beta > e.0 {
            *e = (u.beta, u.decade);
        }
    }
    let mut count: std::collections::BTreeMap<(usize, u32), usize> = Default::default();
    for (&(layer, _), &(_, decade)) in &best {
        *count.entry((layer, decade)).or_default() += 1;
    }
    count.into_iter().map(|((l, d), n)| (l, d, n)).collect()
}

/// The report's claim for one layer: early (the first decades with motion) β exceeds β₀ for
/// most units, and the median β falls later. `None` when too few decades have motion.
pub fn verdict(layers: &[LayerDecade], layer: usize, early_decades: u32) -> Option<bool> {
    let of: Vec<&LayerDecade> = layers.iter().filter(|d| d.layer == layer).collect();
    let first = of.first()?.decade;
    let early: Vec<&&LayerDecade> = of
        .iter()
        .filter(|d| d.decade < first + early_decades)
        .collect();
    let late = of.last()?;
    if late.decade < first + early_decades {
        return None;
    }
    let early_above = early.iter().map(|d| d.share_above_null).sum::<f64>() / early.len() as f64;
    let early_beta = early.iter().map(|d| d.median_beta).sum::<f64>() / early.len() as f64;
    Some(early_above > 0.5 && late.median_beta < early_beta)
}

thresholds! {
    /// §5: points sampled along each boundary
    POINTS_PER_UNIT = count("bias_points_per_unit", 10);
    /// §5: how many first decades of iterations count as early
    EARLY_DECADES = count("early_decades", 2);
}

/// §5 as a phenomenon of the registry.
pub struct BiasFirst;

const ABOUT: &str = "whether a unit's boundary first moves by its bias (a shift) before its weights turn it (a tilt): β, the shift's share of the motion per decade of iterations, against β₀ of random steps of the same size";
const CARD: Card = Card::new("bias", "§5", ABOUT)
    .thresholds(&[POINTS_PER_UNIT, EARLY_DECADES]);

impl Phenomenon for BiasFirst {
    fn card(&self) -> Card {
        CARD
    }

    fn measure(&self, s: &Setup) -> Box<dyn Measure> {
        Box::new(Tracker::new(s.arch.hidden(), s.th.count(&POINTS_PER_UNIT)))
    }

    fn summary(&self, a: &Analysis, s: &mut String) {
        use std::fmt::Write;
        for (l, holds) in a.bias_first_holds.iter().enumerate() {
            let row: Vec<String> = a
                .bias_first_layers
                .iter()
                .filter(|d| d.layer == l + 1)
                .map(|d| {
                    format!(
                        "{}: β {:.2} vs β₀ {:.2} ({:.0} % above)",
                        decade_name(d.decade),
                        d.median_beta,
                        d.median_beta_null,
                        100.0 * d.share_above_null
                    )
                })
                .collect();
            let peaks: Vec<String> = a
                .bias_first_peaks
                .iter()
                .filter(|p| p.0 == l + 1)
                .map(|p| format!("{} in {}", p.2, decade_name(p.1)))
                .collect();
            let _ = writeln!(
                s,
                "§5 bias before weights, layer {}: {} (β peaks: {}) — {}",
                l + 1,
                match holds {
                    Some(true) => "holds",
                    Some(false) => "does not hold",
                    None => "cannot tell",
                },
                peaks.join(", "),
                row.join("; ")
            );
        }
    }

    /// Per layer, the claim over the decades seen by this snapshot.
    fn row(&self, a: &Analysis, k: usize) -> Option<Row> {
        let now = a.samples.get(k)?;
        let d = decade(now.iteration);
        let seen: Vec<_> = a
            .bias_first_layers
            .iter()
            .filter(|x| x.decade <= d)
            .cloned()
            .collect();
        let early = a.thresholds.count(&EARLY_DECADES) as u32;
        let verdicts: Vec<Option<bool>> = (1..=a.widths.len())
            .map(|l| verdict(&seen, l, early))
            .collect();
        let holds: Vec<String> = verdicts
            .iter()
            .enumerate()
            .filter(|(_, v)| **v == Some(true))
            .map(|(l, _)| (l + 1).to_string())
            .collect();
        Some(Row {
            name: "bias first",
            verdict: if verdicts.iter().all(Option::is_none) {
                "cannot tell yet".into()
            } else if holds.is_empty() {
                "does not hold".into()
            } else {
                format!("holds in layer {}", holds.join(", "))
            },
            figure: "share of the boundaries' motion that is shift, step by step",
            series: Row::series(a, |s| s.shift_share),
            ..Row::default()
        })
    }
}

impl Measure for Tracker {
    fn add(&mut self, step: &Step, sample: &mut Sample) {
        if let Some((old, old_geom)) = step.previous {
            sample.shift_share = Tracker::add(self, old, old_geom, step.net, step.snap.iteration);
        }
    }

    fn report(&self, s: &Setup, _: Option<(&Network, &Geometry)>, a: &mut Analysis) {
        let units = self.clone().finish();
        let layers = per_layer(&units);
        let early = s.th.count(&EARLY_DECADES) as u32;
        a.bias_first_holds = (1..=s.arch.hidden().len())
            .map(|l| verdict(&layers, l, early))
            .collect();
        a.bias_first_peaks = peaks(&units);
        a.bias_first = units;
        a.bias_first_layers = layers;
    }

}

/// `≤1`, `≤10`, `≤100`, … for a decade of iterations.
fn decade_name(d: u32) -> String {
    format!("≤{}", 10u64.pow(d))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::{Architecture, NeuronId};

    fn one_line(w: [f32; 2], b: f32) -> Network {
        let a = Architecture::new(&[1]).unwrap();
        let mut n = Network::init(a, &mut rand_chacha::ChaCha8Rng::seed_from_u64(3));
        n.params[0] = w[0];
        n.params[1] = w[1];
        n.params[2] = b;
        n
    }

    fn beta(old: &Network, new: &Network) -> [f64; 3] {
        let g = Geometry::new(old, Rect::UNIT);
        motion(old, &g, new, 40)[0].unwrap()
    }

    #[test]
    fn known_motions_split_as_they_should() {
        // x = 0.5 → x = 0.6: only the bias changed: pure shift of 0.1.
        let [s, t, u] = beta(&one_line([1.0, 0.0], -0.5), &one_line([1.0, 0.0], -0.6));
        assert!(
            (s - 0.1).abs() < 1e-6 && t < 1e-6 && u == 0.0,
            "{s} {t} {u}"
        );
        // Rotation about the line's middle (0.5, 0.5): no shift, only tilt.
        let r = 0.2f32;
        let new = one_line([r.cos(), r.sin()], -0.5 * (r.cos() + r.sin()));
        let [s, t, _] = beta(&one_line([1.0, 0.0], -0.5), &new);
        assert!(s < 1e-6 && t > 0.01, "{s} {t}");
        // (w, b) scaled by 2: nothing moves.
        let [s, t, u] = beta(&one_line([1.0, 0.3], -0.5), &one_line([2.0, 0.6], -1.0));
        assert!(s + t + u < 1e-6);
        assert_eq!(decade(0), 0);
        assert_eq!(
            (decade(1), decade(2), decade(10), decade(11), decade(1000)),
            (0, 1, 1, 2, 3)
        );
    }

    #[test]
    fn a_moving_first_layer_moves_the_second_upstream() {
        let a = Architecture::new(&[4, 3]).unwrap();
        let mut old = Network::init(a.clone(), &mut rand_chacha::ChaCha8Rng::seed_from_u64(5));
        old.params.iter_mut().for_each(|p| *p *= 3.0);
        let mut new = old.clone();
        // Only layer 1's biases move.
        for j in 0..4 {
            new.params[8 + j] += 0.05;
        }
        let g = Geometry::new(&old, Rect::UNIT);
        let m = motion(&old, &g, &new, 30);
        for (k, r) in m.iter().enumerate().skip(4) {
            if let Some([s, t, u]) = r {
                assert!(u > &0.0 && s + t < 1e-9, "unit {k}: {s} {t} {u}");
            }
        }
        for r in m.iter().take(4).flatten() {
            assert!(r[0] > 0.0 && r[1] < 1e-6 && r[2] == 0.0, "{r:?}");
        }
    }

    #[test]
    fn gradients_match_finite_differences() {
        let mut n = Network::init(
            Architecture::new(&[5, 4, 3]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(8),
        );
        n.params.iter_mut().for_each(|p| *p *= 2.0);
        let p = [0.31, 0.62];
        let h = 1e-7;
        for l in 0..3 {
            for j in 0..n.arch.hidden()[l] {
                let id = NeuronId { layer: l, index: j };
                let g = n.unit_gradient(&n.pre_activations(p[0], p[1]), id);
                let z = |x: f64, y: f64| n.pre_activations(x, y)[l][j];
                let fd = [
                    (z(p[0] + h, p[1]) - z(p[0] - h, p[1])) / (2.0 * h),
                    (z(p[0], p[1] + h) - z(p[0], p[1] - h)) / (2.0 * h),
                ];
                assert!(
                    (g[0] - fd[0]).abs() < 1e-5 && (g[1] - fd[1]).abs() < 1e-5,
                    "{id:?}: {g:?} vs {fd:?}"
                );
            }
        }
    }
}
