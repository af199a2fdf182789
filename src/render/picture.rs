//! Which boundaries a frame draws, described once for the CPU frames, the SVG figures and
//! the viewer: per shown hidden layer the units whose lines are drawn, the units drawn
//! emphasised (selected, hovered), whether the others are faint, and the decision boundary.
//! The lines themselves are the geometry's; each renderer picks its own widths and colours.

use super::LayerMask;
use crate::geometry::Geometry;
use crate::nn::NeuronId;

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
        let has = |n: &&NeuronId| n.layer < depth && n.index < geom.layers[n.layer].width;
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
