//! §7 copycats: units of one layer that compute (nearly) the same function. Per pair, the
//! functional cosine of their activations over the square — exact, from the partition
//! (activations are affine on each region, so the integrals of their products are sums
//! of exact triangle integrals) — and the Hausdorff distance between their boundaries.
//! A *mirror* pair has the same boundary and opposite pre-activations (together they form
//! |z|).

use super::thresholds::thresholds;
use super::phenomenon::{Card, HAUSDORFF_STEP, Measure, Phenomenon, Setup, Step, Thresholds};
use super::segments::SegmentIndex;
use super::{Analysis, Sample, rows::Row};
use crate::geometry::{Geometry, NeuronBoundary};
use crate::nn::Network;
use serde::Serialize;

/// One pair of units of a layer that are copycats or mirrors at some snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pair {
    /// Hidden layer (1-based) and the two units (1-based).
    pub layer: usize,
    pub units: [usize; 2],
    pub kind: PairKind,
    pub cosine: f64,
    pub hausdorff: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKind {
    Copycat,
    Mirror,
}

/// The Gram matrices of a layer's activations and pre-activations over the rectangle:
/// `gram[i][j] = ∫ a_i a_j`, exact.
pub fn gram(geom: &Geometry, layer: usize) -> (Vec<f64>, Vec<f64>) {
    let lp = &geom.layers[layer];
    let n = lp.width;
    let (mut act, mut pre) = (vec![0.0; n * n], vec![0.0; n * n]);
    let (mut a_vals, mut z_vals) = (vec![[0.0; 3]; n], vec![[0.0; 3]; n]);
    for (r, region) in lp.regions.iter().enumerate() {
        let poly = geom.polygon(region);
        for k in 1..poly.len().saturating_sub(1) {
            let tri = [poly[0], poly[k], poly[k + 1]];
            let area = 0.5
                * ((tri[1][0] - tri[0][0]) * (tri[2][1] - tri[0][1])
                    - (tri[2][0] - tri[0][0]) * (tri[1][1] - tri[0][1]))
                    .abs();
            if area == 0.0 {
                continue;
            }
            for j in 0..n {
                let (a, z) = (lp.unit_map(r, j), lp.pre_map(r, j));
                for v in 0..3 {
                    let p = tri[v];
                    a_vals[j][v] = a[0] * p[0] + a[1] * p[1] + a[2];
                    z_vals[j][v] = z[0] * p[0] + z[1] * p[1] + z[2];
                }
            }
            // ∫_T f g = |T| / 12 · (Σ f_k g_k + Σ f_k · Σ g_k) for affine f, g.
            let add = |m: &mut [f64], vals: &[[f64; 3]]| {
                for i in 0..n {
                    let (fi, si) = (vals[i], vals[i].iter().sum::<f64>());
                    for j in i..n {
                        let gj = vals[j];
                        let dot = fi[0] * gj[0] + fi[1] * gj[1] + fi[2] * gj[2];
                        m[i * n + j] += area / 12.0 * (dot + si * gj.iter().sum::<f64>());
                    }
                }
            };
            add(&mut act, &a_vals);
            add(&mut pre, &z_vals);
        }
    }
    for m in [&mut act, &mut pre] {
        for i in 0..n {
            for j in 0..i {
                m[i * n + j] = m[j * n + i];
            }
        }
    }
    (act, pre)
}

/// Cosine of `i` and `j` from a Gram matrix (0 when either function is 0).
pub fn cosine(gram: &[f64], n: usize, i: usize, j: usize) -> f64 {
    let d = (gram[i * n + i] * gram[j * n + j]).sqrt();
    if d > 0.0 { gram[i * n + j] / d } else { 0.0 }
}

/// A boundary's segments in a spatial hash, for repeated distance queries.
pub fn index(nb: &NeuronBoundary) -> SegmentIndex {
    SegmentIndex::new(
        nb.polylines
            .iter()
            .flat_map(|l| l.windows(2).map(|w| (w[0], w[1]))),
        32,
    )
}

/// Symmetric Hausdorff distance between two boundaries when it is at most `limit` (`None`
/// when it is larger, or one of them is empty), from points every `step` along each,
/// against the other's segments through a spatial hash (never all pairs of segments).
pub fn hausdorff(a: &NeuronBoundary, b: &NeuronBoundary, step: f64, limit: f64) -> Option<f64> {
    hausdorff_indexed((a, &index(a)), (b, &index(b)), step, limit)
}

/// [`hausdorff`] with the boundaries' indexes already built.
pub fn hausdorff_indexed(
    (a, ia): (&NeuronBoundary, &SegmentIndex),
    (b, ib): (&NeuronBoundary, &SegmentIndex),
    step: f64,
    limit: f64,
) -> Option<f64> {
    let directed = |from: &NeuronBoundary, to: &SegmentIndex| -> Option<f64> {
        let mut worst = 0.0f64;
        for line in &from.polylines {
            for w in line.windows(2) {
                let len = (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
                let k = (len / step).ceil().max(1.0) as usize;
                for s in 0..=k {
                    let t = s as f64 / k as f64;
                    let p = [
                        w[0][0] + t * (w[1][0] - w[0][0]),
                        w[0][1] + t * (w[1][1] - w[0][1]),
                    ];
                    worst = worst.max(to.distance_within(p, limit)?);
                }
            }
        }
        Some(worst)
    };
    if a.polylines.is_empty() || b.polylines.is_empty() {
        return None;
    }
    Some(directed(a, ib)?.max(directed(b, ia)?))
}

/// The copycat and mirror pairs of every layer of one snapshot, and each layer's effective
/// width (the number of clusters of units at cosine ≥ the copycat threshold).
pub fn pairs(geom: &Geometry, th: &Thresholds) -> (Vec<Pair>, Vec<usize>) {
    let (copy_at, mirror_at) = (th.get(&COSINE), th.get(&MIRROR_COSINE));
    let (step, limit) = (th.get(&HAUSDORFF_STEP), th.get(&HAUSDORFF));
    let mut out = Vec::new();
    let mut widths = Vec::new();
    for l in 0..geom.layers.len() {
        let n = geom.layers[l].width;
        let (act, pre) = gram(geom, l);
        let mut parent: Vec<usize> = (0..n).collect();
        fn find(p: &mut [usize], i: usize) -> usize {
            let mut i = i;
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        for i in 0..n {
            for j in i + 1..n {
                let c = cosine(&act, n, i, j);
                let cz = cosine(&pre, n, i, j);
                let copy = c >= copy_at;
                let mirror = cz <= mirror_at;
                if copy {
                    let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                    parent[a] = b;
                }
                if !(copy || mirror) {
                    continue;
                }
                let id = |k| crate::nn::NeuronId { layer: l, index: k };
                let Some(h) = hausdorff(
                    geom.boundary(id(i)),
                    geom.boundary(id(j)),
                    step,
                    limit,
                ) else {
                    continue;
                };
                out.push(Pair {
                    layer: l + 1,
                    units: [i + 1, j + 1],
                    kind: if copy {
                        PairKind::Copycat
                    } else {
                        PairKind::Mirror
                    },
                    cosine: if copy { c } else { cz },
                    hausdorff: h,
                });
            }
        }
        let mut roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
        roots.sort_unstable();
        roots.dedup();
        widths.push(roots.len());
    }
    (out, widths)
}

thresholds! {
    /// §7: copycats have an activation cosine at least this
    COSINE = real("copycat_cosine", 0.99);
    /// §7: …and boundaries within this (input units)
    HAUSDORFF = real("copycat_hausdorff", 0.02);
    /// §7: mirror pairs have a pre-activation cosine at most this (and boundaries as close)
    MIRROR_COSINE = real("mirror_cosine", -0.99);
}

/// A pair's life: the snapshots (iterations) from which to which it held.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Episode {
    pub layer: usize,
    pub units: [usize; 2],
    pub kind: PairKind,
    pub from: u64,
    /// The last snapshot it held at.
    pub to: u64,
}

/// §7 as a phenomenon of the registry.
pub struct Copycats;

/// The pairs over the run: every episode, those still holding, the last snapshot's pairs.
#[derive(Clone, Default)]
struct Episodes {
    episodes: Vec<Episode>,
    open: Vec<usize>,
    last_pairs: Vec<Pair>,
}

const ABOUT: &str = "pairs of units of a layer that compute nearly the same function (copycats) or its negation (mirror pairs)";
const CARD: Card = Card::new("copycats", "§7", ABOUT)
    .thresholds(&[COSINE, HAUSDORFF, MIRROR_COSINE]);

impl Phenomenon for Copycats {
    fn card(&self) -> Card {
        CARD
    }

    fn measure(&self, _: &Setup) -> Box<dyn Measure> {
        Box::new(Episodes::default())
    }

    fn summary(&self, a: &Analysis, s: &mut String) {
        use std::fmt::Write;
        let Some(last) = a.samples.last() else {
            return;
        };
        let _ = writeln!(
            s,
            "§7 copycats: {} copycat and {} mirror pair(s) at the last snapshot; {} pair episode(s) over the run; effective width per layer {:?} (of {:?})",
            last.copycats,
            last.mirrors,
            a.episodes.len(),
            last.effective_width,
            a.widths
        );
        for p in &a.last_pairs {
            let e = a
                .episodes
                .iter()
                .rev()
                .find(|e| e.layer == p.layer && e.units == p.units && e.kind == p.kind);
            let _ = writeln!(
                s,
                "    layer {} units {} and {}: {:?}, cosine {:.4}, Hausdorff {:.4}{}",
                p.layer,
                p.units[0],
                p.units[1],
                p.kind,
                p.cosine,
                p.hausdorff,
                e.map_or(String::new(), |e| format!(", since iteration {}", e.from))
            );
        }
    }

    /// The pairs holding at this snapshot: three named, the rest counted (one line).
    fn row(&self, a: &Analysis, k: usize) -> Option<Row> {
        let now = a.samples.get(k)?;
        let pairs: Vec<&Episode> = a
            .episodes
            .iter()
            .filter(|e| e.from <= now.iteration && now.iteration <= e.to)
            .collect();
        let mut units = Vec::new();
        for e in &pairs {
            for u in e.units {
                let n = Row::unit(e.layer, u);
                if !units.contains(&n) {
                    units.push(n);
                }
            }
        }
        let name = |e: &&Episode| {
            let sign = if e.kind == PairKind::Copycat { "≈" } else { "↔" };
            format!("{}:{}{sign}{}:{}", e.layer, e.units[0], e.layer, e.units[1])
        };
        Some(Row {
            name: "copycats",
            verdict: match (now.copycats, now.mirrors) {
                (0, 0) => "none".into(),
                (c, m) => {
                    let named: Vec<String> = pairs.iter().take(3).map(name).collect();
                    let more = match pairs.len().saturating_sub(named.len()) {
                        0 => String::new(),
                        n => format!(" and {n} more"),
                    };
                    format!(
                        "{c} copycat and {m} mirror {}: {}{more}",
                        if c + m == 1 { "pair" } else { "pairs" },
                        named.join(" ")
                    )
                }
            },
            figure: "copycat and mirror pairs",
            series: Row::series(a, |s| Some((s.copycats + s.mirrors) as f64)),
            units,
            ..Row::default()
        })
    }
}

impl Measure for Episodes {
    fn add(&mut self, step: &Step, sample: &mut Sample) {
        let (pairs, effective_width) = pairs(step.geom, &step.setup.th);
        sample.effective_width = effective_width;
        sample.copycats = pairs.iter().filter(|p| p.kind == PairKind::Copycat).count();
        sample.mirrors = pairs.iter().filter(|p| p.kind == PairKind::Mirror).count();
        // Pairs still holding extend their episode; new ones open one.
        let iteration = step.snap.iteration;
        let mut still = Vec::new();
        for p in &pairs {
            let same = |e: &Episode| e.layer == p.layer && e.units == p.units && e.kind == p.kind;
            match self.open.iter().find(|&&k| same(&self.episodes[k])) {
                Some(&k) => {
                    self.episodes[k].to = iteration;
                    still.push(k);
                }
                None => {
                    self.episodes.push(Episode {
                        layer: p.layer,
                        units: p.units,
                        kind: p.kind,
                        from: iteration,
                        to: iteration,
                    });
                    still.push(self.episodes.len() - 1);
                }
            }
        }
        self.open = still;
        self.last_pairs = pairs;
    }

    fn report(&self, _: &Setup, _: Option<(&Network, &Geometry)>, a: &mut Analysis) {
        a.episodes = self.episodes.clone();
        a.last_pairs = self.last_pairs.clone();
    }

}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::{Architecture, Network};
    use rand::SeedableRng;

    /// A 2-layer net whose layer-1 units are given as (w_x, w_y, b).
    fn net(units: &[[f32; 3]]) -> Network {
        let a = Architecture::new(&[units.len(), 3]).unwrap();
        let mut n = Network::init(a, &mut rand_chacha::ChaCha8Rng::seed_from_u64(1));
        let k = units.len();
        for (j, u) in units.iter().enumerate() {
            n.params[2 * j] = u[0];
            n.params[2 * j + 1] = u[1];
            n.params[2 * k + j] = u[2];
        }
        n
    }

    fn layer1(units: &[[f32; 3]]) -> Vec<Pair> {
        let g = Geometry::new(&net(units), Rect::UNIT);
        pairs(&g, &Thresholds::default())
            .0
            .into_iter()
            .filter(|p| p.layer == 1)
            .collect()
    }

    #[test]
    fn identical_units_are_copycats_negated_ones_mirrors_moved_ones_neither() {
        let line = [1.0, 0.5, -0.6];
        let p = layer1(&[line, line, [0.3, -1.0, 0.2]]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!((p[0].units, p[0].kind), ([1, 2], PairKind::Copycat));
        assert!((p[0].cosine - 1.0).abs() < 1e-12 && p[0].hausdorff < 1e-12);
        // Scaled: the same function up to a factor, still a copycat.
        let p = layer1(&[line, [2.0, 1.0, -1.2], [0.3, -1.0, 0.2]]);
        assert_eq!(p.len(), 1);
        // Negated: the same line, opposite sides: a mirror pair, not a copycat.
        let p = layer1(&[line, [-1.0, -0.5, 0.6], [0.3, -1.0, 0.2]]);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].kind, PairKind::Mirror);
        assert!((p[0].cosine + 1.0).abs() < 1e-9);
        // Moved by 0.05 along its normal: not a copycat.
        let norm = (1.0f32 + 0.25).sqrt();
        let moved = [1.0, 0.5, -0.6 - 0.05 * norm];
        assert!(layer1(&[line, moved, [0.3, -1.0, 0.2]]).is_empty());
    }

    #[test]
    fn exact_integrals_match_dense_sampling() {
        let mut n = Network::init(
            Architecture::new(&[6, 5]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(7),
        );
        n.params.iter_mut().for_each(|p| *p *= 2.0);
        let g = Geometry::new(&n, Rect::UNIT);
        let (act, _) = gram(&g, 1);
        let k = 400;
        let mut sampled = vec![0.0; 25];
        for s in 0..k * k {
            let p = Rect::UNIT.pixel_centre(s, k, k);
            let z = &n.pre_activations(p[0], p[1])[1];
            for i in 0..5 {
                for j in 0..5 {
                    sampled[i * 5 + j] += z[i].max(0.0) * z[j].max(0.0) / (k * k) as f64;
                }
            }
        }
        for (e, s) in act.iter().zip(&sampled) {
            assert!(
                (e - s).abs() < 2e-3 * (1.0 + s.abs()),
                "exact {e}, sampled {s}"
            );
        }
    }
}
