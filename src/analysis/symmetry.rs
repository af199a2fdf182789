//! §9 symmetry: for each mirror axis of the target, how much of each layer's boundaries
//! has its mirror image on that layer's boundaries (within 2 px), and how many pixels are
//! predicted as their mirror image is.

use super::thresholds::thresholds;
use super::features::Axis;
use super::phenomenon::{Card, HAUSDORFF_STEP, Measure, OverlaySpec, Phenomenon, Setup, Step};
use super::segments::SegmentIndex;
use super::{Analysis, Sample, rows::Row};
use crate::geometry::Geometry;
use crate::nn::{Network, NeuronId};
use crate::overlays::{Context, Shapes};
use serde::Serialize;

/// One axis at one snapshot.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Symmetry {
    pub axis: Axis,
    /// Per hidden layer: the share of its boundary length whose mirror image lies within
    /// the distance of its boundaries (NaN for a layer without boundaries).
    pub boundary_share: Vec<f64>,
    /// The share of pixels predicted as their mirror image is.
    pub pixel_share: f64,
}

/// What a unit's boundary is under a reflection, from the optimal assignment of the
/// layer's mirrored boundaries to its boundaries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Its mirror image is itself.
    SelfSymmetric,
    /// Its mirror image is another unit's boundary (1-based).
    Paired(usize),
    /// Neither (or no boundary in the square).
    Unmatched,
}

/// Each unit's role in each layer: the cost of pairing unit `u` with `v` is the Hausdorff
/// distance between `u`'s mirrored boundary and `v`'s (a pair within `radius` counts).
pub fn pairing(geom: &Geometry, axis: Axis, radius: f64, step: f64) -> Vec<Vec<Role>> {
    use super::copycats::{hausdorff_indexed, index};
    (0..geom.layers.len())
        .map(|l| {
            let units: Vec<&crate::geometry::NeuronBoundary> = geom.layer_boundaries(l).collect();
            let mirrored: Vec<crate::geometry::NeuronBoundary> = units
                .iter()
                .map(|b| crate::geometry::NeuronBoundary {
                    neuron: b.neuron,
                    polylines: b
                        .polylines
                        .iter()
                        .map(|line| line.iter().map(|&p| axis.reflect(p)).collect())
                        .collect(),
                })
                .collect();
            let (idx, midx): (Vec<_>, Vec<_>) = units
                .iter()
                .zip(&mirrored)
                .map(|(b, m)| (index(b), index(m)))
                .unzip();
            let n = units.len();
            // Beyond the radius every pairing costs the same: it is no pair.
            let none = 10.0 * radius;
            let mut cost = vec![none; n * n];
            for u in 0..n {
                for v in 0..n {
                    if let Some(h) = hausdorff_indexed(
                        (&mirrored[u], &midx[u]),
                        (units[v], &idx[v]),
                        step,
                        radius,
                    ) {
                        cost[u * n + v] = h;
                    }
                }
            }
            super::assignment::assign(&cost, n)
                .into_iter()
                .enumerate()
                .map(|(u, v)| match cost[u * n + v] < none {
                    false => Role::Unmatched,
                    true if u == v => Role::SelfSymmetric,
                    true => Role::Paired(v + 1),
                })
                .collect()
        })
        .collect()
}

/// Symmetry of one snapshot about `axis`: boundaries sampled every `step`, mirror images
/// within `radius`; the prediction compared on a `side × side` pixel grid.
pub fn measure(
    geom: &Geometry,
    prediction: &[f32],
    side: usize,
    axis: Axis,
    step: f64,
    radius: f64,
) -> Symmetry {
    let layers = geom.layers.len();
    let boundary_share = (0..layers)
        .map(|l| {
            let index = SegmentIndex::new(geom.layer_segments(l), 64);
            let (mut hit, mut all) = (0usize, 0usize);
            for (a, b) in geom.layer_segments(l) {
                let k = ((a[0] - b[0]).hypot(a[1] - b[1]) / step).ceil().max(1.0) as usize;
                for s in 0..k {
                    let t = (s as f64 + 0.5) / k as f64;
                    let p = [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
                    all += 1;
                    hit += usize::from(index.near(axis.reflect(p), radius));
                }
            }
            if all == 0 {
                f64::NAN
            } else {
                hit as f64 / all as f64
            }
        })
        .collect();
    let same = (0..side * side)
        .filter(|&i| {
            let (c, r) = (i % side, i / side);
            let (mc, mr) = match axis {
                Axis::Vertical => (side - 1 - c, r),
                Axis::Horizontal => (c, side - 1 - r),
                Axis::Diagonal => (r, c),
                Axis::AntiDiagonal => (side - 1 - r, side - 1 - c),
            };
            (prediction[i] > 0.5) == (prediction[mr * side + mc] > 0.5)
        })
        .count();
    Symmetry {
        axis,
        boundary_share,
        pixel_share: same as f64 / (side * side) as f64,
    }
}

thresholds! {
    /// §9: a boundary point counts as mirrored when its mirror image is this close (pixels)
    SYMMETRY_PX = real("symmetry_px", 2.0);
}

/// §9 as a phenomenon of the registry.
pub struct Symmetric;

/// §9 keeps nothing between snapshots: each is measured on its own, the roles at the end.
#[derive(Clone)]
struct Each;

/// The target's mirror axes when §9 applies (a square image with at least one), and its
/// pixel size.
fn axes(s: &Setup) -> Option<(&[super::features::MirrorAxis], f64)> {
    let square = s.data.image().is_some_and(|t| t.width == t.height);
    s.target
        .as_ref()
        .filter(|f| square && !f.mirror_axes.is_empty())
        .map(|f| (f.mirror_axes.as_slice(), f.pixel))
}

const ABOUT: &str = "the share of the boundaries whose mirror image about the target's axis is a boundary too";
const OVERLAY: OverlaySpec = OverlaySpec::new("mirror", "the boundaries' mirror image");
const CARD: Card = Card::new("symmetry", "§9", ABOUT)
    .thresholds(&[SYMMETRY_PX])
    .overlays(&[OVERLAY]);

impl Phenomenon for Symmetric {
    fn card(&self) -> Card {
        CARD
    }

    fn measure(&self, _: &Setup) -> Box<dyn Measure> {
        Box::new(Each)
    }

    fn summary(&self, a: &Analysis, s: &mut String) {
        use std::fmt::Write;
        let sym = a.samples.last().map_or(&[][..], |l| &l.symmetry[..]);
        if sym.is_empty() {
            s.push_str("§9 symmetry: not applicable (the target has no mirror axis)\n");
        }
        for (x, roles) in sym.iter().zip(&a.roles) {
            let count = |f: fn(&Role) -> bool| {
                roles
                    .iter()
                    .map(|l| l.iter().filter(|r| f(r)).count().to_string())
                    .collect::<Vec<_>>()
                    .join("/")
            };
            let _ = writeln!(
                s,
                "§9 units per layer about the {:?} axis: self-symmetric {}, paired {}, unmatched {}",
                x.axis,
                count(|r| *r == Role::SelfSymmetric),
                count(|r| matches!(r, Role::Paired(_))),
                count(|r| *r == Role::Unmatched)
            );
            let _ = writeln!(
                s,
                "§9 symmetry about the {:?} axis at the last snapshot: mirrored boundary length per layer {}, pixels predicted as their mirror {:.1} %",
                x.axis,
                x.boundary_share
                    .iter()
                    .map(|v| format!("{:.0} %", 100.0 * v))
                    .collect::<Vec<_>>()
                    .join(", "),
                100.0 * x.pixel_share
            );
        }
    }

    /// About the target's first mirror axis.
    fn row(&self, a: &Analysis, k: usize) -> Option<Row> {
        let sym = a.samples.get(k)?.symmetry.first()?;
        let mean = |s: &Symmetry| {
            let v: Vec<f64> = s
                .boundary_share
                .iter()
                .copied()
                .filter(|x| x.is_finite())
                .collect();
            (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
        };
        let mut units = Vec::new();
        for (l, layer) in a.roles.first().into_iter().flatten().enumerate() {
            for (u, r) in layer.iter().enumerate() {
                if let Role::Paired(v) = r
                    && u + 1 < *v
                {
                    units.push(NeuronId { layer: l, index: u });
                    units.push(NeuronId {
                        layer: l,
                        index: v - 1,
                    });
                }
            }
        }
        Some(Row {
            name: "symmetry",
            verdict: format!(
                "{:.0} % of the boundaries mirrored, {:.1} % of pixels",
                100.0 * mean(sym).unwrap_or(0.0),
                100.0 * sym.pixel_share
            ),
            figure: "share of the boundaries whose mirror image is a boundary",
            series: Row::series(a, |s| s.symmetry.first().and_then(mean)),
            units,
            overlay: Some("mirror"),
            ..Row::default()
        })
    }

    /// Each layer's boundaries reflected about the target's best mirror axis (left–right,
    /// the report's §9, without one).
    fn draw(&self, _: &str, cx: &Context, shapes: &mut Shapes) {
        let axis = cx
            .target
            .and_then(|t| {
                t.features
                    .mirror_axes
                    .iter()
                    .max_by(|a, b| a.agreement.total_cmp(&b.agreement))
            })
            .map_or(Axis::Vertical, |m| m.axis);
        shapes.mirror_axis = Some(axis);
        shapes.mirror = (0..cx.geom.layers.len())
            .map(|l| {
                cx.geom
                    .layer_boundaries(l)
                    .flat_map(|b| &b.polylines)
                    .map(|line| line.iter().map(|&p| axis.reflect(p)).collect())
                    .collect()
            })
            .collect();
    }
}

impl Measure for Each {
    fn add(&mut self, step: &Step, sample: &mut Sample) {
        let (Some((mirrors, pixel)), Some(p)) = (axes(step.setup), step.prediction) else {
            return;
        };
        let th = &step.setup.th;
        let side = (1.0 / pixel).round() as usize;
        sample.symmetry = mirrors
            .iter()
            .map(|m| {
                measure(
                    step.geom,
                    p,
                    side,
                    m.axis,
                    th.get(&HAUSDORFF_STEP),
                    th.get(&SYMMETRY_PX) * pixel,
                )
            })
            .collect();
    }

    /// The roles at the last snapshot (a matching per layer: too costly for every one).
    fn report(&self, s: &Setup, last: Option<(&Network, &Geometry)>, a: &mut Analysis) {
        let (Some((mirrors, pixel)), Some((_, geom))) = (axes(s), last) else {
            return;
        };
        let (radius, step) = (s.th.get(&SYMMETRY_PX) * pixel, s.th.get(&HAUSDORFF_STEP));
        a.roles = mirrors
            .iter()
            .map(|m| pairing(geom, m.axis, radius, step))
            .collect();
    }

}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::{Architecture, Network};
    use rand::{Rng, SeedableRng};

    /// A net equivariant under x ↦ 1 − x: layer-1 units in mirrored pairs, later layers
    /// weighting both units of a pair alike.
    fn mirrored(seed: u64) -> Network {
        let a = Architecture::new(&[6, 4]).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut n = Network::init(a.clone(), &mut rng);
        for k in 0..3 {
            // A line through a point of the square, so that it has a boundary there.
            let (wx, wy): (f32, f32) = (rng.random_range(-3.0..3.0), rng.random_range(-3.0..3.0));
            let (cx, cy): (f32, f32) = (rng.random_range(0.2..0.8), rng.random_range(0.2..0.8));
            let b = -(wx * cx + wy * cy);
            let (i, j) = (2 * k, 2 * k + 1);
            n.params[2 * i] = wx;
            n.params[2 * i + 1] = wy;
            n.params[12 + i] = b;
            // w_x (1 − x) + w_y y + b = −w_x x + w_y y + (b + w_x)
            n.params[2 * j] = -wx;
            n.params[2 * j + 1] = wy;
            n.params[12 + j] = b + wx;
        }
        let o = a.offset(1);
        for u in 0..4 {
            for k in 0..3 {
                let w = n.params[o + u * 6 + 2 * k];
                n.params[o + u * 6 + 2 * k + 1] = w;
            }
        }
        n
    }

    #[test]
    fn mirrored_units_pair_and_the_rest_do_not() {
        let net = mirrored(4);
        let g = Geometry::new(&net, Rect::UNIT);
        let roles = pairing(&g, Axis::Vertical, 0.01, 0.005);
        // Layer 1: units 1–2, 3–4, 5–6 are each other's mirror images.
        for (u, r) in roles[0].iter().enumerate() {
            let partner = if u % 2 == 0 { u + 2 } else { u };
            assert_eq!(*r, Role::Paired(partner), "unit {}: {roles:?}", u + 1);
        }
        // Layer 2 computes mirror-invariant functions: self-symmetric where it has a boundary.
        assert!(
            roles[1]
                .iter()
                .all(|r| matches!(r, Role::SelfSymmetric | Role::Unmatched))
        );
        // Broken pair: unit 2's line moved; units 1 and 2 are left unmatched.
        let mut broken = net.clone();
        let w = (broken.params[2].powi(2) + broken.params[3].powi(2)).sqrt();
        broken.params[13] += 0.1 * w;
        let roles = pairing(
            &Geometry::new(&broken, Rect::UNIT),
            Axis::Vertical,
            0.01,
            0.005,
        );
        assert_eq!(&roles[0][..2], &[Role::Unmatched, Role::Unmatched]);
    }

    #[test]
    fn a_mirror_equivariant_net_is_fully_symmetric_and_a_random_one_is_not() {
        let net = mirrored(4);
        let g = Geometry::new(&net, Rect::UNIT);
        let p = crate::geometry::raster::prediction(&g, &net, 100, 100);
        let s = measure(&g, &p, 100, Axis::Vertical, 0.005, 0.01);
        assert!(
            s.boundary_share.iter().all(|&v| v.is_nan() || v > 0.999),
            "{s:?}"
        );
        assert!(s.pixel_share > 0.99, "{s:?}");
        assert!(!s.boundary_share[0].is_nan());
        // Break one pair: move unit 2's line by 0.1.
        let mut broken = net.clone();
        let w = (broken.params[2].powi(2) + broken.params[3].powi(2)).sqrt();
        broken.params[13] += 0.1 * w;
        let g = Geometry::new(&broken, Rect::UNIT);
        let p = crate::geometry::raster::prediction(&g, &broken, 100, 100);
        let s = measure(&g, &p, 100, Axis::Vertical, 0.005, 0.01);
        assert!(s.boundary_share[0] < 0.9, "{s:?}");
    }
}
