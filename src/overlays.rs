//! What the phenomena overlays draw, in input coordinates, for every renderer (the viewer,
//! CPU frames and SVG figures): the target's corners (filled once captured, §6), the mirror
//! image of the shown boundaries (§9), the target's components coloured by how well each is
//! learned (§10), the local-complexity heat map (§3–4), the two states of each indecisive
//! unit (§8), and plain lines for any other phenomenon. Each phenomenon fills in its own
//! part ([`Phenomenon::draw`](crate::analysis::Phenomenon::draw)); this file holds the
//! shapes and what their drawing shares.

use crate::analysis::features::{Axis, Component, component_map};
use crate::analysis::segments::SegmentIndex;
use crate::analysis::{Analysis, Registry, TargetFeatures, Thresholds};
use crate::geometry::{Geometry, Polyline, Rect, chain_points};
use crate::nn::{Network, NeuronId};
use crate::targets::Target;

/// Which overlays are drawn (`--overlay corners,mirror,…`): names the registry lists
/// ([`Registry::overlays`](crate::analysis::Registry::overlays)), each at most once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Overlays(Vec<&'static str>);

impl Overlays {
    pub fn has(&self, name: &str) -> bool {
        self.0.contains(&name)
    }

    /// Switches `name` on or off.
    pub fn set(&mut self, name: &'static str, on: bool) {
        match (on, self.has(name)) {
            (true, false) => self.0.push(name),
            (false, true) => self.0.retain(|n| *n != name),
            _ => {}
        }
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }

    /// The built-in phenomena's overlays named in `list` (comma-separated).
    pub fn parse(list: &str) -> Result<Self, String> {
        Registry::builtin().parse_overlays(list)
    }
}

/// A corner of the target and whether a kink or crossing has held near it (captured).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Corner {
    pub at: [f64; 2],
    pub captured: bool,
}

/// One component's outline (its pixels' edges) and the share of its pixels predicted right.
#[derive(Clone, Debug, PartialEq)]
pub struct Outline {
    pub lines: Vec<Polyline>,
    pub accuracy: f64,
}

/// The number of units whose boundary passes within a radius, over a `side × side` grid of
/// the geometry's rectangle (row-major, row 0 at `y0`).
#[derive(Clone, Debug, PartialEq)]
pub struct Heat {
    pub side: usize,
    pub counts: Vec<u16>,
    pub max: u16,
}

/// An indecisive unit's two late states, and which one the shown snapshot is in.
#[derive(Clone, Debug, PartialEq)]
pub struct Ghost {
    pub unit: NeuronId,
    pub states: [Vec<Polyline>; 2],
    pub current: Option<bool>,
}

/// Everything the overlays draw for one snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Shapes {
    pub corners: Vec<Corner>,
    /// Per hidden layer: its boundaries reflected about the target's mirror axis.
    pub mirror: Vec<Vec<Polyline>>,
    pub mirror_axis: Option<Axis>,
    pub components: Vec<Outline>,
    pub complexity: Option<Heat>,
    pub ghosts: Vec<Ghost>,
    /// Lines of other phenomena: on the ground or on a layer's plane.
    pub traces: Vec<Trace>,
}

/// Lines an overlay draws in one colour, on the ground (`layer: None`) or on a hidden
/// layer's plane.
#[derive(Clone, Debug, PartialEq)]
pub struct Trace {
    /// The overlay's name (the SVG group's id is `overlay-NAME`).
    pub name: &'static str,
    pub layer: Option<usize>,
    pub rgba: [u8; 4],
    pub lines: Vec<Polyline>,
}

/// What the overlays of one run know about its target, computed once.
#[derive(Clone, Debug)]
pub struct TargetShapes {
    pub features: TargetFeatures,
    components: Vec<Component>,
    label: Vec<usize>,
    /// Outlines of the components inside the background (depth ≥ 1), with their index.
    outlines: Vec<(usize, Vec<Polyline>)>,
    width: u32,
    height: u32,
}

impl TargetShapes {
    pub fn of(t: &Target, th: &Thresholds) -> Self {
        let (components, label) = component_map(t);
        let outlines = (0..components.len())
            .filter(|&c| components[c].depth >= 1)
            .map(|c| (c, pixel_outline(&label, t.width, t.height, c)))
            .collect();
        Self {
            features: TargetFeatures::of(t, th),
            components,
            label,
            outlines,
            width: t.width,
            height: t.height,
        }
    }
}

/// The edges between component `c`'s pixels and the rest, chained into lines.
fn pixel_outline(label: &[usize], width: u32, height: u32, c: usize) -> Vec<Polyline> {
    let (w, h) = (width as usize, height as usize);
    let inside = |col: i64, row: i64| {
        col >= 0
            && row >= 0
            && (col as usize) < w
            && (row as usize) < h
            && label[row as usize * w + col as usize] == c
    };
    let p = |col: usize, row: usize| [col as f64 / w as f64, row as f64 / h as f64];
    let mut segs = Vec::new();
    for i in (0..w * h).filter(|&i| label[i] == c) {
        let (col, row) = (i % w, i / w);
        let (ci, ri) = (col as i64, row as i64);
        if !inside(ci, ri - 1) {
            segs.push((p(col, row), p(col + 1, row)));
        }
        if !inside(ci, ri + 1) {
            segs.push((p(col, row + 1), p(col + 1, row + 1)));
        }
        if !inside(ci - 1, ri) {
            segs.push((p(col, row), p(col, row + 1)));
        }
        if !inside(ci + 1, ri) {
            segs.push((p(col + 1, row), p(col + 1, row + 1)));
        }
    }
    chain_points(&segs)
}

/// What a snapshot's overlays are drawn from.
pub struct Context<'a> {
    pub geom: &'a Geometry,
    pub net: &'a Network,
    pub target: Option<&'a TargetShapes>,
    /// The run's analysis so far and the index of this snapshot's sample in it (for
    /// captured corners, per-component accuracy and indecisive units).
    pub analysis: Option<(&'a Analysis, usize)>,
    pub thresholds: &'a Thresholds,
}

/// Side of the complexity heat map's grid.
pub const HEAT_SIDE: usize = 128;

/// The outlines of the target's components, coloured by their accuracy at the shown
/// snapshot (§10's overlay).
pub fn component_outlines(t: &TargetShapes, cx: &Context) -> Vec<Outline> {
    let accuracy = component_accuracy(t, cx);
    t.outlines
        .iter()
        .map(|(c, lines)| Outline {
            lines: lines.clone(),
            accuracy: accuracy[*c],
        })
        .collect()
}

/// Each component's share of pixels predicted right: from the analysis when it has this
/// snapshot, else from the network.
fn component_accuracy(t: &TargetShapes, cx: &Context) -> Vec<f64> {
    if let Some((a, k)) = cx.analysis
        && a.components.len() == t.components.len()
        && a.components.iter().all(|c| c.accuracy.len() > k)
    {
        return a.components.iter().map(|c| c.accuracy[k]).collect();
    }
    let whole;
    let geom = if cx.geom.rect == Rect::UNIT {
        cx.geom
    } else {
        whole = Geometry::new(cx.net, Rect::UNIT);
        &whole
    };
    let p = crate::geometry::raster::prediction(geom, cx.net, t.width, t.height);
    let mut right = vec![0usize; t.components.len()];
    for (i, &prob) in p.iter().enumerate() {
        let c = t.label[i];
        if (prob > 0.5) == (t.components[c].class == 1) {
            right[c] += 1;
        }
    }
    right
        .iter()
        .zip(&t.components)
        .map(|(&r, c)| r as f64 / c.area as f64)
        .collect()
}

/// The local complexity over a grid: at each cell centre, the number of units whose
/// boundary passes within `radius`.
pub fn heat(geom: &Geometry, radius: f64, side: usize) -> Heat {
    let index = SegmentIndex::of_boundaries(&geom.boundaries, 64);
    let mut tags = Vec::new();
    let counts: Vec<u16> = (0..side * side)
        .map(|i| {
            let p = geom.rect.pixel_centre(i, side, side);
            index.tags_near(p, radius, &mut tags);
            tags.len().min(u16::MAX as usize) as u16
        })
        .collect();
    let max = counts.iter().copied().max().unwrap_or(0);
    Heat { side, counts, max }
}

/// Colour of a component's outline by its accuracy: red (missed) through yellow to green.
pub fn accuracy_color(a: f64) -> [u8; 3] {
    let a = a.clamp(0.0, 1.0);
    if a < 0.5 {
        [220, (60.0 + 340.0 * a) as u8, 40]
    } else {
        [(220.0 - 380.0 * (a - 0.5)).max(30.0) as u8, 200, 50]
    }
}

/// Colour of a heat-map cell with `count` of at most `max` units nearby (straight RGBA;
/// transparent where no boundary is near): yellow for few, through orange to red for many.
pub fn heat_color(count: u16, max: u16) -> [u8; 4] {
    if count == 0 || max == 0 {
        return [0, 0, 0, 0];
    }
    // A graded map by hue, blue → violet → red → orange, every grade of middling
    // brightness and mostly opaque, so each reads on the white ground and the black alike;
    // the square root spreads the common low counts over more of the scale.
    const STOPS: [[f32; 3]; 4] = [
        [50.0, 120.0, 255.0],
        [190.0, 70.0, 220.0],
        [255.0, 60.0, 90.0],
        [255.0, 140.0, 0.0],
    ];
    let t = (count as f32 / max as f32).clamp(0.0, 1.0).sqrt() * 3.0;
    let k = (t.floor() as usize).min(2);
    let f = t - k as f32;
    let mix = |c: usize| (STOPS[k][c] + (STOPS[k + 1][c] - STOPS[k][c]) * f) as u8;
    [mix(0), mix(1), mix(2), (160.0 + 70.0 * t / 3.0) as u8]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::Architecture;
    use rand::SeedableRng;

    #[test]
    fn the_heat_map_is_graded_and_shows_on_white_and_black() {
        let lum = |c: [f32; 3]| 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2];
        // The colour seen over a ground of grey level `g`.
        let over = |c: [u8; 4], g: f32| {
            let a = c[3] as f32 / 255.0;
            [0, 1, 2].map(|i| a * c[i] as f32 + (1.0 - a) * g)
        };
        assert_eq!(heat_color(0, 10)[3], 0, "no unit near: nothing drawn");
        for k in 1..=10 {
            let c = heat_color(k, 10);
            for ground in [0.0, 255.0] {
                let seen = lum(over(c, ground));
                assert!(
                    (seen - ground).abs() > 60.0,
                    "{k} of 10 over {ground}: {seen}"
                );
            }
        }
        // Graded: the hue runs from blue to red as more units pass.
        let grades: Vec<[u8; 4]> = (1..=10).map(|k| heat_color(k, 10)).collect();
        assert!(
            grades
                .windows(2)
                .all(|w| w[1][0] >= w[0][0] && w[1] != w[0]),
            "{grades:?}"
        );
        assert!(grades[0][2] > grades[0][0] && grades[9][0] > grades[9][2]);
    }

    #[test]
    fn overlay_names_parse_and_bad_ones_are_named() {
        let o = Overlays::parse("corners, complexity").unwrap();
        assert!(o.has("corners") && o.has("complexity"));
        assert!(!o.has("mirror") && !o.has("components") && !o.has("indecisive"));
        let e = Overlays::parse("corners,edges").unwrap_err();
        assert!(e.contains("`edges`") && e.contains("mirror"), "{e}");
        assert!(!Overlays::parse("").unwrap().any());
    }

    #[test]
    fn a_component_outline_is_its_pixel_edges() {
        // A 3×2 white block inside a 10×10 black image: one loop of length 2·(3+2) pixels.
        let t = Target::from_fn(10, 10, |x, y| {
            (0.3..0.6).contains(&x) && (0.4..0.6).contains(&y)
        });
        let ts = TargetShapes::of(&t, &Thresholds::default());
        assert_eq!(ts.outlines.len(), 1);
        let lines = &ts.outlines[0].1;
        let len: f64 = lines
            .iter()
            .flat_map(|l| l.windows(2))
            .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
            .sum();
        assert!((len - 1.0).abs() < 1e-9, "outline length {len}");
        assert_eq!(lines[0].first(), lines[0].last(), "a closed loop");
    }

    #[test]
    fn mirror_and_heat_follow_the_boundaries() {
        // One vertical line at x = 0.3: its mirror is at x = 0.7, and the heat map counts
        // one unit exactly in the cells within the radius of it.
        let mut net = Network::init(
            Architecture::new(&[1]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
        );
        net.params[0] = 1.0;
        net.params[1] = 0.0;
        net.params[2] = -0.3;
        let g = Geometry::new(&net, Rect::UNIT);
        let th = Thresholds::default();
        let s = Registry::builtin().shapes(
            &Overlays::parse("mirror,complexity").unwrap(),
            &Context {
                geom: &g,
                net: &net,
                target: None,
                analysis: None,
                thresholds: &th,
            },
        );
        assert_eq!(s.mirror_axis, Some(Axis::Vertical));
        assert!(
            s.mirror[0][0].iter().all(|p| (p[0] - 0.7).abs() < 1e-6),
            "{:?}",
            s.mirror
        );
        let h = s.complexity.unwrap();
        let radius = th.by_name("complexity_px").unwrap() / HEAT_SIDE as f64;
        for (i, &c) in h.counts.iter().enumerate() {
            let p = Rect::UNIT.pixel_centre(i, h.side, h.side);
            assert_eq!(
                c,
                u16::from((p[0] - 0.3).abs() <= radius),
                "cell {i} at {p:?}"
            );
        }
        assert_eq!(h.max, 1);
    }

    #[test]
    fn component_accuracy_without_an_analysis_comes_from_the_network() {
        // White right of x = 0.5; the net says white right of x = 0.75: the white component
        // is half right, the black one all right.
        let t = Target::from_fn(40, 40, |x, _| x > 0.5);
        let mut net = Network::init(
            Architecture::new(&[1]).unwrap(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(2),
        );
        // Hidden: relu(x − 0.75); logits (0, 40·h − 1e-3): white where x > 0.75.
        net.params
            .copy_from_slice(&[1.0, 0.0, -0.75, 0.0, 40.0, 0.0, -1e-3]);
        let g = Geometry::new(&net, Rect::UNIT);
        let th = Thresholds::default();
        let ts = TargetShapes::of(&t, &th);
        let s = Registry::builtin().shapes(
            &Overlays::parse("components").unwrap(),
            &Context {
                geom: &g,
                net: &net,
                target: Some(&ts),
                analysis: None,
                thresholds: &th,
            },
        );
        assert_eq!(s.components.len(), 1, "the white half inside the black one");
        assert!(
            (s.components[0].accuracy - 0.5).abs() < 0.03,
            "{}",
            s.components[0].accuracy
        );
    }
}
