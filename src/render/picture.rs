//! A frame described once, for the CPU frames, the SVG figures and the viewer: which
//! boundaries are drawn (per shown hidden layer the units whose lines are drawn, the units
//! drawn emphasised, whether the others are faint, the decision boundary), the phenomena's
//! overlays, a unit's velocity and the numbers. The lines themselves are the geometry's;
//! each renderer picks its own widths and colours.

use super::LayerMask;
use crate::domain::Domain;
use crate::geometry::Geometry;
use crate::nn::NeuronId;

/// A frame described once for every renderer: the CPU frames, the SVG figures and the
/// viewer draw it ([`Picture::describe`]), each at its own size and in its own projection.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Picture {
    /// The numbers written over a frame (iteration, loss, accuracy).
    pub lines: Vec<String>,
    pub shapes: crate::overlays::Shapes,
    /// Points of the unit's boundary and where each moves by the next snapshot, and which
    /// unit it is.
    pub velocity: Vec<([f64; 2], [f64; 2])>,
    pub velocity_of: Option<NeuronId>,
    /// The 3D surfaces drawn.
    pub surfaces: Surfaces,
    /// The boundaries drawn.
    pub boundaries: Lines,
    /// The run's data points, where its domain puts them in the view square.
    pub points: Vec<Dot>,
    /// The shown rectangle's bottom-left and top-right corners in the domain's units (none
    /// on the unit square).
    pub axes: Option<[String; 2]>,
}

/// The 3D surfaces a frame draws: the output (the logit difference over the regions, in
/// the ground's place), a unit's activation over its plane, and on each plane faint copies
/// of the lower layers' boundaries (the bends).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Surfaces {
    pub output: bool,
    /// The output's facets coloured by the class they predict rather than by region.
    pub by_class: bool,
    pub unit: Option<NeuronId>,
    pub bends: bool,
}

/// A data point in the view square, its class and whether it is held out for testing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dot {
    pub at: [f64; 2],
    pub label: u8,
    pub test: bool,
}

/// The view's choices a picture is described from.
#[derive(Default)]
pub struct Choices<'a> {
    pub lines: LineOptions<'a>,
    pub overlays: crate::overlays::Overlays,
    /// The unit whose boundary's velocity towards the next snapshot's network is drawn.
    pub velocity: Option<(NeuronId, &'a crate::nn::Network)>,
    /// The numbers written over the frame.
    pub numbers: Vec<String>,
    pub surfaces: Surfaces,
    /// The run's data points, if it learns from points.
    pub points: Option<&'a crate::targets::Points>,
    /// The run's input domain (where the points go, the axes' units).
    pub domain: Domain,
}

/// Points per boundary whose velocity is drawn.
const VELOCITY_POINTS: usize = 16;

impl Picture {
    /// The picture of the snapshot of `cx` under the choices `c`: its boundaries, the
    /// overlays, each drawn by its phenomenon, a unit's velocity, the numbers, the data
    /// points and the axes.
    pub fn describe(cx: &crate::overlays::Context, c: &Choices) -> Self {
        Self {
            boundaries: Lines::describe(cx.geom, &c.lines),
            lines: c.numbers.clone(),
            shapes: crate::analysis::Registry::builtin().shapes(&c.overlays, cx),
            velocity: c.velocity.map_or_else(Vec::new, |(n, next)| {
                let line = &cx.geom.boundary(n).polylines;
                crate::geometry::boundary_velocity(line, cx.net, next, n, VELOCITY_POINTS)
            }),
            velocity_of: c.velocity.map(|(n, _)| n),
            surfaces: Surfaces {
                unit: c.surfaces.unit.filter(|n| has_unit(cx.geom, n)),
                ..c.surfaces
            },
            points: c.points.map_or_else(Vec::new, |p| dots(p, &c.domain)),
            axes: axes(&c.domain, &cx.geom.rect),
        }
    }
}

/// Whether the geometry's network has unit `n`.
fn has_unit(geom: &Geometry, n: &NeuronId) -> bool {
    n.layer < geom.layers.len() && n.index < geom.layers[n.layer].width
}

/// The data points in the view square.
pub fn dots(points: &crate::targets::Points, domain: &Domain) -> Vec<Dot> {
    (points.xy.iter().zip(&points.label).zip(&points.test))
        .map(|((p, &label), &test)| Dot {
            at: domain.to_view(p[0] as f64, p[1] as f64),
            label,
            test,
        })
        .collect()
}

/// The corners of the shown rectangle `r` in the domain's units, bottom-left and top-right
/// (none on the unit square, whose axes need no labels).
pub fn axes(domain: &Domain, r: &crate::geometry::Rect) -> Option<[String; 2]> {
    (!domain.is_unit()).then(|| domain.corner_labels([r.x0, r.y0, r.x1, r.y1]))
}

/// The boundaries a frame draws.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Lines {
    /// The shown hidden layers, in order, each with the units whose lines are drawn.
    pub layers: Vec<LayerLines>,
    /// Units drawn emphasised: the selected ones (yellow over black), the hovered one.
    pub selected: Vec<NeuronId>,
    pub hovered: Vec<NeuronId>,
    /// The other lines drawn faint (a unit is selected, and the user asked for it).
    pub dim: bool,
    pub decision: bool,
}

/// One hidden layer's drawn units, in the geometry's order.
#[derive(Clone, Debug, PartialEq)]
pub struct LayerLines {
    pub layer: usize,
    pub units: Vec<NeuronId>,
}

/// What decides the lines: the view's choices.
#[derive(Clone, Debug, Default)]
pub struct LineOptions<'a> {
    pub layers: LayerMask,
    /// Units hidden one by one (the viewer's unit grid).
    pub hidden: Option<&'a std::collections::HashSet<NeuronId>>,
    pub selected: Vec<NeuronId>,
    pub hovered: Vec<NeuronId>,
    /// Dim the other lines while a unit is selected.
    pub dim_others: bool,
    pub decision: bool,
}

impl Lines {
    /// The lines of `geom` the options `o` draw (selected and hovered units the network
    /// does not have are left out).
    pub fn describe(geom: &Geometry, o: &LineOptions) -> Self {
        let depth = geom.layers.len();
        let hidden = |n: &NeuronId| o.hidden.is_some_and(|h| h.contains(n));
        let has = |n: &&NeuronId| has_unit(geom, n);
        let selected: Vec<NeuronId> = o.selected.iter().filter(has).copied().collect();
        Self {
            layers: (0..depth)
                .filter(|&l| o.layers.shows(l))
                .map(|l| LayerLines {
                    layer: l,
                    units: geom
                        .layer_boundaries(l)
                        .map(|b| b.neuron)
                        .filter(|n| !hidden(n))
                        .collect(),
                })
                .collect(),
            dim: o.dim_others && !selected.is_empty(),
            selected,
            hovered: o.hovered.iter().filter(has).copied().collect(),
            decision: o.decision,
        }
    }

    /// The units drawn on hidden layer `l` (none when the layer is not shown).
    pub fn of_layer(&self, l: usize) -> Option<&[NeuronId]> {
        self.layers
            .iter()
            .find(|x| x.layer == l)
            .map(|x| x.units.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Rect;
    use crate::nn::{Architecture, Network};
    use rand::SeedableRng;

    #[test]
    fn hidden_layers_and_units_are_left_out_and_unknown_units_dropped() {
        let net = Network::init(
            Architecture::new(&[4, 3]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(3),
        );
        let g = Geometry::new(&net, Rect::UNIT);
        let all = Lines::describe(&g, &LineOptions::default());
        assert_eq!(all.layers.len(), 2);
        assert_eq!(all.of_layer(0).unwrap().len(), 4);
        let hidden = [NeuronId { layer: 0, index: 1 }].into_iter().collect();
        let far = NeuronId { layer: 5, index: 0 };
        let o = LineOptions {
            layers: LayerMask::only([0], 2),
            hidden: Some(&hidden),
            selected: vec![NeuronId { layer: 1, index: 2 }, far],
            dim_others: true,
            ..Default::default()
        };
        let l = Lines::describe(&g, &o);
        assert_eq!(l.of_layer(1), None);
        let units = l.of_layer(0).unwrap();
        assert_eq!(units.len(), 3);
        assert!(!units.contains(&NeuronId { layer: 0, index: 1 }));
        assert_eq!(l.selected, [NeuronId { layer: 1, index: 2 }]);
        assert!(l.dim);
    }
}
