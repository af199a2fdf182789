//! §8 indecisive units: late in training (the window `W` where the learning rate is ≤ 10 %
//! of its start) some units keep jumping between two boundaries. Per unit, its boundaries in
//! `W` are split into two states (two medoids: the first boundary and the one farthest from
//! it, by Hausdorff distance); reported are the states' separation, how often the unit
//! switches between them, and what it changes to swap one state's parameters into the other
//! state's snapshot (pixels flipped, loss change). Indecisive: separation ≥ 0.03, ≥ 3
//! switches, < 0.2 % of pixels flipped.

use super::thresholds::thresholds;
use super::copycats::{hausdorff_indexed, index};
use super::phenomenon::{Card, 
    HAUSDORFF_STEP, Measure, OverlaySpec, Phenomenon, Setup, Step, Thresholds,
};
use super::{Analysis, Sample, rows::Row};
use crate::geometry::{Geometry, NeuronBoundary};
use crate::overlays::{Context, Ghost, Shapes};
use crate::nn::{Network, NeuronId};
use crate::targets::Data;
use serde::Serialize;

/// One unit's two late states.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Hesitation {
    /// Hidden layer and unit, 1-based.
    pub layer: usize,
    pub unit: usize,
    /// Hausdorff distance between the two states' medoids (input units).
    pub separation: f64,
    pub switches: usize,
    /// Share of the target's pixels whose predicted class changes when the last snapshot
    /// takes the other state's parameters for this unit, and the loss change.
    pub pixels_flipped: f64,
    pub loss_change: f64,
    pub indecisive: bool,
    /// The two states' medoid boundaries (drawn as ghost lines in the viewer and figures).
    #[serde(skip)]
    pub states: [Vec<crate::geometry::Polyline>; 2],
    /// In which state the unit was at each late snapshot it had a boundary: (index into the
    /// late snapshots, second state).
    #[serde(skip)]
    pub timeline: Vec<(usize, bool)>,
}

/// A unit's late boundaries, with the snapshot each came from.
#[derive(Clone, Default)]
pub struct Late {
    pub boundaries: Vec<(usize, NeuronBoundary)>,
}

/// What the late window of a run says about each unit, or why it cannot tell.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Too few late snapshots to see switching (densify them: `--snapshots paper,tail:1000`).
    TooSparse {
        late_snapshots: usize,
    },
    Units(Vec<Hesitation>),
}

/// Finds the hesitating units from their late boundaries. `nets[k]` is the network of late
/// snapshot `k` (the index stored with each boundary).
pub fn find(late: &[Late], nets: &[Network], data: &Data, th: &Thresholds) -> Verdict {
    let least = th.count(&MIN_SNAPSHOTS);
    let step = th.get(&HAUSDORFF_STEP);
    if nets.len() < least {
        return Verdict::TooSparse {
            late_snapshots: nets.len(),
        };
    }
    let mut out = Vec::new();
    for l in late {
        let b = &l.boundaries;
        if b.len() < least {
            continue;
        }
        // Each boundary's segment hash, built once: it is measured against many others.
        let idx: Vec<_> = b.iter().map(|(_, x)| index(x)).collect();
        let dist = |i: usize, j: usize| {
            hausdorff_indexed(
                (&b[i].1, &idx[i]),
                (&b[j].1, &idx[j]),
                step,
                2.0,
            )
            .unwrap_or(f64::INFINITY)
        };
        let a = 0;
        let from_a: Vec<f64> = (0..b.len()).map(|i| dist(a, i)).collect();
        let far = (1..b.len())
            .max_by(|&i, &j| from_a[i].total_cmp(&from_a[j]))
            .expect("several boundaries");
        let separation = from_a[far];
        if separation < th.get(&SEPARATION) {
            continue;
        }
        let state: Vec<bool> = (0..b.len()).map(|i| dist(i, far) < from_a[i]).collect();
        let switches = state.windows(2).filter(|w| w[0] != w[1]).count();
        if switches < th.count(&SWITCHES) {
            continue;
        }
        // Swap: the last late snapshot with this unit's parameters from the other state.
        let n = b[0].1.neuron;
        let last = nets.len() - 1;
        let other = if *state.last().expect("boundaries") {
            b[a].0
        } else {
            b[far].0
        };
        let (flipped, loss) = swap_effect(&nets[last], &nets[other], n, data);
        out.push(Hesitation {
            layer: n.layer + 1,
            unit: n.index + 1,
            separation,
            switches,
            pixels_flipped: flipped,
            loss_change: loss,
            indecisive: flipped < th.get(&FLIPPED),
            states: [b[a].1.polylines.clone(), b[far].1.polylines.clone()],
            timeline: b.iter().map(|(k, _)| *k).zip(state).collect(),
        });
    }
    Verdict::Units(out)
}

/// Share of data points whose predicted class changes, and the loss change, when `net`
/// takes unit `n`'s incoming weights and bias from `donor`.
fn swap_effect(net: &Network, donor: &Network, n: NeuronId, data: &Data) -> (f64, f64) {
    let (inputs, labels) = data.training();
    if labels.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mut swapped = net.clone();
    let fan_in = net.arch.fan_in(n.layer);
    let o = net.arch.offset(n.layer);
    let (w, b) = (
        o + n.index * fan_in,
        o + net.arch.fan_out(n.layer) * fan_in + n.index,
    );
    swapped.params[w..w + fan_in].copy_from_slice(donor.incoming(n));
    swapped.params[b] = donor.params[b];
    let class = |m: &Network, x: &[f32]| {
        let z = m.logits(x[0] as f64, x[1] as f64);
        z[1] > z[0]
    };
    let flipped = inputs
        .chunks_exact(2)
        .filter(|x| class(net, x) != class(&swapped, x))
        .count();
    let before = crate::train::evaluate(net, &inputs, &labels).loss;
    let after = crate::train::evaluate(&swapped, &inputs, &labels).loss;
    (flipped as f64 / labels.len() as f64, after - before)
}

thresholds! {
    /// §8: least separation of the two states (input units)
    SEPARATION = real("indecisive_separation", 0.03);
    /// §8: least number of switches between the states
    SWITCHES = count("indecisive_switches", 3);
    /// §8: most share of pixels flipped by swapping the states
    FLIPPED = real("indecisive_flipped", 0.002);
    /// §8: the late snapshots needed to tell
    MIN_SNAPSHOTS = count("indecisive_min_snapshots", 10);
}

/// §8 as a phenomenon of the registry.
pub struct Indecisive;

/// The late window (learning rate ≤ 10 % of its start): its networks, their iterations,
/// and each unit's boundaries there.
#[derive(Clone)]
struct Window {
    late_lr: f64,
    nets: Vec<Network>,
    iterations: Vec<u64>,
    late: Vec<Late>,
}

const ABOUT: &str = "units whose boundary switches between two states late in training, changing almost no pixel";
const OVERLAY: OverlaySpec = OverlaySpec::of_history("indecisive", "both late states");
const CARD: Card = Card::new("indecisive", "§8", ABOUT)
    .thresholds(&[SEPARATION, SWITCHES, FLIPPED, MIN_SNAPSHOTS])
    .overlays(&[OVERLAY]);

impl Phenomenon for Indecisive {
    fn card(&self) -> Card {
        CARD
    }

    fn measure(&self, s: &Setup) -> Box<dyn Measure> {
        Box::new(Window {
            late_lr: 0.1 * s.lr,
            nets: Vec::new(),
            iterations: Vec::new(),
            late: (0..s.arch.neuron_count()).map(|_| Late::default()).collect(),
        })
    }

    fn summary(&self, a: &Analysis, s: &mut String) {
        use std::fmt::Write;
        match &a.indecisive {
            Some(Verdict::TooSparse { late_snapshots }) => {
                let _ = writeln!(
                    s,
                    "§8 indecisive units: cannot tell from {late_snapshots} late snapshot(s); retrain with --snapshots paper,tail:1000 (training is reproducible)"
                );
            }
            Some(Verdict::Units(u)) => {
                let found: Vec<String> = u
                    .iter()
                    .filter(|h| h.indecisive)
                    .map(|h| {
                        format!(
                            "layer {} unit {} ({:.3} apart, {} switches, {:.2} % pixels flipped by swapping)",
                            h.layer,
                            h.unit,
                            h.separation,
                            h.switches,
                            100.0 * h.pixels_flipped
                        )
                    })
                    .collect();
                let _ = writeln!(
                    s,
                    "§8 indecisive units: {}",
                    if found.is_empty() {
                        "none".to_string()
                    } else {
                        found.join("; ")
                    }
                );
            }
            None => {}
        }
    }

    /// The late window's verdict; the series is the first indecisive unit's state.
    fn row(&self, a: &Analysis, _: usize) -> Option<Row> {
        let v = a.indecisive.as_ref()?;
        let found = hesitating(a);
        let state: std::collections::HashMap<u64, f64> = found
            .first()
            .map(|h| {
                h.timeline
                    .iter()
                    .filter_map(|&(i, s)| {
                        a.late_iterations
                            .get(i)
                            .map(|&it| (it, f64::from(u8::from(s))))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Some(Row {
            name: "indecisive",
            verdict: match v {
                Verdict::TooSparse { late_snapshots } => {
                    format!("cannot tell from {late_snapshots} late snapshot(s)")
                }
                _ if found.is_empty() => "none".into(),
                _ => format!(
                    "unit(s) {}",
                    found
                        .iter()
                        .map(|h| format!("{}:{}", h.layer, h.unit))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            figure: "the first indecisive unit's state in the late window (0 or 1)",
            series: Row::series(a, |s| state.get(&s.iteration).copied()),
            units: found.iter().map(|h| Row::unit(h.layer, h.unit)).collect(),
            overlay: Some("indecisive"),
            ..Row::default()
        })
    }

    /// Each indecisive unit's two states, and which one the shown snapshot is in.
    fn draw(&self, _: &str, cx: &Context, shapes: &mut Shapes) {
        let Some((a, k)) = cx.analysis else {
            return;
        };
        let iteration = a.samples.get(k).map(|x| x.iteration);
        let late = iteration.and_then(|it| a.late_iterations.iter().position(|&i| i == it));
        shapes.ghosts = hesitating(a)
            .into_iter()
            .map(|h| Ghost {
                unit: Row::unit(h.layer, h.unit),
                states: h.states.clone(),
                current: late
                    .and_then(|i| h.timeline.iter().find(|(k, _)| *k == i).map(|&(_, s)| s)),
            })
            .collect();
    }
}

/// The units found indecisive.
fn hesitating(a: &Analysis) -> Vec<&Hesitation> {
    match &a.indecisive {
        Some(Verdict::Units(u)) => u.iter().filter(|h| h.indecisive).collect(),
        _ => vec![],
    }
}

impl Measure for Window {
    fn add(&mut self, step: &Step, _: &mut Sample) {
        if step.snap.lr > self.late_lr {
            return;
        }
        for (l, b) in self.late.iter_mut().zip(&step.geom.boundaries) {
            if !b.polylines.is_empty() {
                l.boundaries.push((self.nets.len(), b.clone()));
            }
        }
        self.nets.push(step.net.clone());
        self.iterations.push(step.snap.iteration);
    }

    fn report(&self, s: &Setup, _: Option<(&Network, &Geometry)>, a: &mut Analysis) {
        a.indecisive = Some(find(&self.late, &self.nets, &s.data, &s.th));
        a.late_iterations = self.iterations.clone();
    }

}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{Geometry, Rect};
    use crate::nn::Architecture;
    use crate::targets::Shape;
    use rand::SeedableRng;

    /// Snapshots of a 2-unit net whose unit 1 has bias `b(k)` at snapshot `k` and no
    /// outgoing weight.
    fn history(bias: impl Fn(usize) -> f32, count: usize) -> (Vec<Late>, Vec<Network>) {
        let a = Architecture::new(&[2]).unwrap();
        let base = Network::init(a.clone(), &mut rand_chacha::ChaCha8Rng::seed_from_u64(2));
        let mut late = vec![Late::default(), Late::default()];
        let mut nets = Vec::new();
        for k in 0..count {
            let mut n = base.clone();
            n.params[0] = 1.0;
            n.params[1] = 0.0;
            n.params[4] = bias(k);
            // Output weights from unit 1 to both logits: 0.
            let o = a.offset(1);
            n.params[o] = 0.0;
            n.params[o + 2] = 0.0;
            let g = Geometry::new(&n, Rect::UNIT);
            for (j, l) in late.iter_mut().enumerate() {
                let b = g.boundary(NeuronId { layer: 0, index: j }).clone();
                if !b.polylines.is_empty() {
                    l.boundaries.push((k, b));
                }
            }
            nets.push(n);
        }
        (late, nets)
    }

    fn units(v: Verdict) -> Vec<Hesitation> {
        match v {
            Verdict::Units(u) => u,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_unit_alternating_between_two_lines_without_effect_is_indecisive() {
        let data = Data::Image(Shape::Disc.draw(32));
        let (late, nets) = history(|k| if k % 2 == 0 { -0.3 } else { -0.6 }, 12);
        let u = units(find(&late, &nets, &data, &Thresholds::default()));
        let h = u.iter().find(|h| h.unit == 1).expect("unit 1 hesitates");
        assert!(h.indecisive, "{h:?}");
        assert!((h.separation - 0.3).abs() < 1e-6 && h.switches == 11);
        assert_eq!(h.pixels_flipped, 0.0);
        // A monotone drift over the same range is not.
        let (late, nets) = history(|k| -0.3 - 0.3 * k as f32 / 11.0, 12);
        let u = units(find(&late, &nets, &data, &Thresholds::default()));
        assert!(u.iter().all(|h| h.unit != 1), "{u:?}");
        // Too few late snapshots: says so.
        let (late, nets) = history(|k| -0.3 - 0.1 * (k % 2) as f32, 3);
        assert!(matches!(
            find(&late, &nets, &data, &Thresholds::default()),
            Verdict::TooSparse { late_snapshots: 3 }
        ));
    }
}
