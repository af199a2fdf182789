//! The target's features that several measures share: its contour (marching squares over
//! the pixel centres), its corners (the contour simplified by Douglas–Peucker, vertices
//! that turn sharply), its components by nesting depth (background, bottle, label ring,
//! band, diamond for the bottle) with each one's thickness, and its mirror axes.

use super::thresholds::Thresholds;
use super::thresholds::thresholds;
use crate::geometry::Polyline;
use crate::targets::Target;
use serde::Serialize;

/// What the measures need to know about an image target.
#[derive(Clone, Debug, Serialize)]
pub struct TargetFeatures {
    /// Side of a pixel in input units (1 / resolution).
    pub pixel: f64,
    /// The boundary between the classes, as closed loops in input coordinates.
    pub contour: Vec<Polyline>,
    /// Sharp turns of the contour.
    pub corners: Vec<[f64; 2]>,
    /// Connected regions of one class, nested: depth 0 is the background.
    pub components: Vec<Component>,
    /// Reflections that map nearly every pixel onto its own class.
    pub mirror_axes: Vec<MirrorAxis>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Component {
    /// 1 = white.
    pub class: u8,
    /// Nesting depth: 0 for the background, 1 for what lies in it, and so on.
    pub depth: usize,
    /// Pixels.
    pub area: usize,
    /// Largest distance from a pixel of the component to the other class, in pixels
    /// (its inscribed radius: how thick it is).
    pub thickness: f64,
    /// A pixel of the component (column, row), to name it.
    pub seed: [u32; 2],
}

/// A reflection of the square and how many pixels it maps onto their own class.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct MirrorAxis {
    pub axis: Axis,
    pub agreement: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Axis {
    /// x ↦ 1 − x: left–right symmetry (the report's §9).
    Vertical,
    /// y ↦ 1 − y.
    Horizontal,
    /// (x, y) ↦ (y, x).
    Diagonal,
    /// (x, y) ↦ (1 − y, 1 − x).
    AntiDiagonal,
}

impl Axis {
    pub const ALL: [Axis; 4] = [
        Axis::Vertical,
        Axis::Horizontal,
        Axis::Diagonal,
        Axis::AntiDiagonal,
    ];

    /// The mirror image of a point of the square.
    pub fn reflect(self, p: [f64; 2]) -> [f64; 2] {
        match self {
            Axis::Vertical => [1.0 - p[0], p[1]],
            Axis::Horizontal => [p[0], 1.0 - p[1]],
            Axis::Diagonal => [p[1], p[0]],
            Axis::AntiDiagonal => [1.0 - p[1], 1.0 - p[0]],
        }
    }
}

// The target's features: Douglas–Peucker tolerance of the contour's corners, the least
// turn that makes a corner, and what makes a mirror axis.
thresholds! {
    /// contour corners: Douglas–Peucker tolerance (pixels)
    CORNER_TOLERANCE_PX = real("corner_tolerance_px", 0.75);
    /// contour corners: the least turn (degrees)
    CORNER_ANGLE_DEG = real("corner_angle_deg", 35.0);
    /// a reflection is a mirror axis of the target when it maps this share of pixels onto
    /// their own class
    MIRROR_AGREEMENT = real("mirror_agreement", 0.98);
}

impl TargetFeatures {
    pub fn of(t: &Target, th: &Thresholds) -> Self {
        let contour = contour(t);
        let pixel = 1.0 / t.width.max(t.height) as f64;
        let corners = contour
            .iter()
            .flat_map(|loop_| {
                corners(
                    loop_,
                    th.get(&CORNER_TOLERANCE_PX) * pixel,
                    th.get(&CORNER_ANGLE_DEG),
                )
            })
            .filter(|&c| !on_edge(c))
            .collect();
        Self {
            pixel,
            contour,
            corners,
            components: components(t),
            mirror_axes: Axis::ALL
                .into_iter()
                .filter(|&a| t.width == t.height || matches!(a, Axis::Vertical | Axis::Horizontal))
                .map(|axis| MirrorAxis {
                    axis,
                    agreement: mirror_agreement(t, axis),
                })
                .filter(|m| m.agreement >= th.get(&MIRROR_AGREEMENT))
                .collect(),
        }
    }
}

/// Whether a contour point lies on the square's edge: there the loops are closed by the
/// padding, not by the target.
pub fn on_edge(p: [f64; 2]) -> bool {
    let e = 1e-9;
    p[0] <= e || p[1] <= e || p[0] >= 1.0 - e || p[1] >= 1.0 - e
}

/// Marching squares at the pixel centres, with the image padded by its corner pixel's class
/// (the background) so that every loop closes. Saddles join the white pixels.
pub fn contour(t: &Target) -> Vec<Polyline> {
    let (w, h) = (t.width as i64, t.height as i64);
    let outside = t.white[0];
    let at = |c: i64, r: i64| -> bool {
        if c < 0 || r < 0 || c >= w || r >= h {
            outside
        } else {
            t.white[(r * w + c) as usize]
        }
    };
    // Input position of pixel centre (c, r), also for the padding ring.
    let centre = |c: i64, r: i64| [(c as f64 + 0.5) / w as f64, (r as f64 + 0.5) / h as f64];
    let mid = |a: (i64, i64), b: (i64, i64)| {
        let (p, q) = (centre(a.0, a.1), centre(b.0, b.1));
        [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0]
    };
    let mut segs = Vec::new();
    for r in -1..h {
        for c in -1..w {
            // Corners of the cell: top-left, top-right, bottom-right, bottom-left.
            let k = [(c, r), (c + 1, r), (c + 1, r + 1), (c, r + 1)];
            let v: Vec<bool> = k.iter().map(|&(x, y)| at(x, y)).collect();
            // Edges whose ends differ carry a crossing at their midpoint.
            let crossing: Vec<[f64; 2]> = (0..4)
                .filter(|&e| v[e] != v[(e + 1) % 4])
                .map(|e| mid(k[e], k[(e + 1) % 4]))
                .collect();
            match crossing.len() {
                2 => segs.push((crossing[0], crossing[1])),
                4 => {
                    // A saddle: white diagonally opposite. Pair each crossing with its
                    // neighbour around the white corner, so the white pixels connect.
                    if v[0] {
                        segs.push((crossing[0], crossing[1]));
                        segs.push((crossing[2], crossing[3]));
                    } else {
                        segs.push((crossing[1], crossing[2]));
                        segs.push((crossing[3], crossing[0]));
                    }
                }
                _ => {}
            }
        }
    }
    crate::geometry::chain_points(&segs)
}

/// Douglas–Peucker simplification of a closed loop, then the vertices where it turns by at
/// least `angle_deg`.
pub fn corners(loop_: &[[f64; 2]], tolerance: f64, angle_deg: f64) -> Vec<[f64; 2]> {
    let mut pts = loop_.to_vec();
    if pts.len() > 1 && pts.first() == pts.last() {
        pts.pop();
    }
    if pts.len() < 3 {
        return vec![];
    }
    // Split the loop at its two most distant points and simplify each half.
    let far = (1..pts.len())
        .max_by(|&a, &b| dist(pts[0], pts[a]).total_cmp(&dist(pts[0], pts[b])))
        .expect("at least 3 points");
    let mut first: Vec<[f64; 2]> = pts[..=far].to_vec();
    let mut second: Vec<[f64; 2]> = pts[far..].to_vec();
    second.push(pts[0]);
    first = simplify(&first, tolerance);
    second = simplify(&second, tolerance);
    let mut ring = first;
    ring.pop();
    ring.extend(&second[..second.len() - 1]);
    let n = ring.len();
    if n < 3 {
        return vec![];
    }
    let cos_max = angle_deg.to_radians().cos();
    (0..n)
        .filter(|&i| {
            let (a, b, c) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            let (u, v) = ([b[0] - a[0], b[1] - a[1]], [c[0] - b[0], c[1] - b[1]]);
            let norm = (u[0].hypot(u[1]) * v[0].hypot(v[1])).max(1e-300);
            // The turning angle is the angle between the incoming and outgoing directions.
            (u[0] * v[0] + u[1] * v[1]) / norm <= cos_max
        })
        .map(|i| ring[i])
        .collect()
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn simplify(pts: &[[f64; 2]], tolerance: f64) -> Vec<[f64; 2]> {
    if pts.len() < 3 {
        return pts.to_vec();
    }
    let (a, b) = (pts[0], pts[pts.len() - 1]);
    let (worst, d) = pts[1..pts.len() - 1]
        .iter()
        .enumerate()
        .map(|(i, &p)| (i + 1, crate::geometry::point_segment(p, a, b).0))
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .expect("inner points");
    if d <= tolerance {
        return vec![a, b];
    }
    let mut left = simplify(&pts[..=worst], tolerance);
    let right = simplify(&pts[worst..], tolerance);
    left.pop();
    left.extend(right);
    left
}

/// Connected components (4-neighbour) of each class, nested by depth from the component
/// that touches the border at the corner pixel.
pub fn components(t: &Target) -> Vec<Component> {
    component_map(t).0
}

/// The components and, for every pixel (row-major), the index of its component in that list.
pub fn component_map(t: &Target) -> (Vec<Component>, Vec<usize>) {
    let (w, h) = (t.width as usize, t.height as usize);
    let mut label = vec![usize::MAX; w * h];
    let mut comps: Vec<Component> = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if label[start] != usize::MAX {
            continue;
        }
        let id = comps.len();
        let class = t.white[start];
        let mut area = 0;
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            area += 1;
            let (c, r) = (i % w, i / w);
            let mut visit = |j: usize| {
                if label[j] == usize::MAX && t.white[j] == class {
                    label[j] = id;
                    stack.push(j);
                }
            };
            if c > 0 {
                visit(i - 1);
            }
            if c + 1 < w {
                visit(i + 1);
            }
            if r > 0 {
                visit(i - w);
            }
            if r + 1 < h {
                visit(i + w);
            }
        }
        comps.push(Component {
            class: u8::from(class),
            depth: usize::MAX,
            area,
            thickness: 0.0,
            seed: [(start % w) as u32, (start / w) as u32],
        });
    }
    // Depth: graph distance from the corner's component over touching components.
    let mut neighbours = vec![std::collections::BTreeSet::new(); comps.len()];
    for i in 0..w * h {
        let (c, r) = (i % w, i / w);
        for j in [(c + 1 < w).then(|| i + 1), (r + 1 < h).then(|| i + w)]
            .into_iter()
            .flatten()
        {
            if label[i] != label[j] {
                neighbours[label[i]].insert(label[j]);
                neighbours[label[j]].insert(label[i]);
            }
        }
    }
    let mut queue = std::collections::VecDeque::from([label[0]]);
    comps[label[0]].depth = 0;
    while let Some(k) = queue.pop_front() {
        for &n in &neighbours[k] {
            if comps[n].depth == usize::MAX {
                comps[n].depth = comps[k].depth + 1;
                queue.push_back(n);
            }
        }
    }
    // Thickness: the largest distance to the other class (the border counts as the
    // background's class, so a ring touching the border is thin there too).
    let d = distance_to_other_class(t);
    for (i, &l) in label.iter().enumerate() {
        comps[l].thickness = comps[l].thickness.max(d[i]);
    }
    let mut order: Vec<usize> = (0..comps.len()).collect();
    order.sort_by_key(|&k| (comps[k].depth, std::cmp::Reverse(comps[k].area)));
    let mut rank = vec![0; comps.len()];
    for (r, &k) in order.iter().enumerate() {
        rank[k] = r;
    }
    let sorted = order.iter().map(|&k| comps[k].clone()).collect();
    (sorted, label.iter().map(|&l| rank[l]).collect())
}

/// Euclidean distance (pixels) from each pixel centre to the nearest pixel centre of the
/// other class: the exact distance transform of Felzenszwalb and Huttenlocher (squared
/// distances along columns, then along rows; linear in the pixels), once per class.
fn distance_to_other_class(t: &Target) -> Vec<f64> {
    let (w, h) = (t.width as usize, t.height as usize);
    let mut out = vec![0.0; w * h];
    for class in [false, true] {
        // Squared distance to the nearest pixel that is not `class`.
        let mut d: Vec<f64> = t
            .white
            .iter()
            .map(|&v| if v == class { f64::INFINITY } else { 0.0 })
            .collect();
        let mut line = Vec::new();
        for c in 0..w {
            line.clear();
            line.extend((0..h).map(|r| d[r * w + c]));
            for (r, v) in squared_1d(&line).into_iter().enumerate() {
                d[r * w + c] = v;
            }
        }
        for r in 0..h {
            let row = squared_1d(&d[r * w..(r + 1) * w]);
            d[r * w..(r + 1) * w].copy_from_slice(&row);
        }
        for (i, &v) in t.white.iter().enumerate() {
            if v == class {
                out[i] = d[i].sqrt();
            }
        }
    }
    out.iter()
        .map(|&v| if v.is_finite() { v } else { 0.0 })
        .collect()
}

/// The 1-D squared distance transform: `out[q] = min_p (q − p)² + f[p]` (lower envelope of
/// parabolas).
fn squared_1d(f: &[f64]) -> Vec<f64> {
    let n = f.len();
    let mut out = vec![f64::INFINITY; n];
    let finite: Vec<usize> = (0..n).filter(|&p| f[p].is_finite()).collect();
    if finite.is_empty() {
        return out;
    }
    let (mut v, mut z) = (vec![0usize; n], vec![0.0f64; n + 1]);
    let mut k = 0;
    v[0] = finite[0];
    z[0] = f64::NEG_INFINITY;
    z[1] = f64::INFINITY;
    for &q in &finite[1..] {
        loop {
            let p = v[k];
            let s =
                ((f[q] + (q * q) as f64) - (f[p] + (p * p) as f64)) / (2.0 * (q as f64 - p as f64));
            if s <= z[k] && k > 0 {
                k -= 1;
                continue;
            }
            if s <= z[k] {
                // k == 0 and the new parabola wins everywhere.
                v[0] = q;
                z[1] = f64::INFINITY;
                break;
            }
            k += 1;
            v[k] = q;
            z[k] = s;
            z[k + 1] = f64::INFINITY;
            break;
        }
    }
    let mut j = 0;
    for (q, o) in out.iter_mut().enumerate() {
        while z[j + 1] < q as f64 {
            j += 1;
        }
        let p = v[j];
        *o = (q as f64 - p as f64).powi(2) + f[p];
    }
    out
}

/// Share of pixels whose mirror image has the same class.
pub fn mirror_agreement(t: &Target, axis: Axis) -> f64 {
    let (w, h) = (t.width as usize, t.height as usize);
    let same = (0..w * h)
        .filter(|&i| {
            let (c, r) = (i % w, i / w);
            let (mc, mr) = match axis {
                Axis::Vertical => (w - 1 - c, r),
                Axis::Horizontal => (c, h - 1 - r),
                Axis::Diagonal => (r, c),
                Axis::AntiDiagonal => (h - 1 - r, w - 1 - c),
            };
            t.white[mr * w + mc] == t.white[i]
        })
        .count();
    same as f64 / (w * h) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::targets::Shape;

    #[test]
    fn a_rectangle_has_exactly_four_corners_one_contour_and_two_mirror_axes() {
        let t = Target::from_fn(60, 60, |x, y| {
            (0.2..0.7).contains(&x) && (0.25..0.6).contains(&y)
        });
        let f = TargetFeatures::of(&t, &Thresholds::default());
        assert_eq!(f.contour.len(), 1);
        assert_eq!(f.corners.len(), 4, "{:?}", f.corners);
        for c in &f.corners {
            let near = |v: f64, a: f64, b: f64| (v - a).abs() < 0.02 || (v - b).abs() < 0.02;
            assert!(
                near(c[0], 0.2, 0.7) && near(c[1], 0.25, 0.6),
                "{c:?} of {:?}",
                f.corners
            );
        }
        // Off-centre and not square: no reflection maps it onto itself.
        assert!(f.mirror_axes.is_empty(), "{:?}", f.mirror_axes);
        let centred = Target::from_fn(60, 60, |x, y| {
            (0.2..0.8).contains(&x) && (0.3..0.7).contains(&y)
        });
        let axes: Vec<Axis> = TargetFeatures::of(&centred, &Thresholds::default())
            .mirror_axes
            .iter()
            .map(|m| m.axis)
            .collect();
        assert_eq!(axes, [Axis::Vertical, Axis::Horizontal]);
    }

    #[test]
    fn a_disc_has_no_corners_and_rings_nest() {
        let disc = Shape::Disc.draw(80);
        let f = TargetFeatures::of(&disc, &Thresholds::default());
        assert!(f.corners.is_empty(), "{:?}", f.corners);
        assert_eq!(f.components.len(), 2);
        assert_eq!(f.mirror_axes.len(), 4);
        // Nested rings: depths 0, 1, 2, … outwards in.
        let ring = |x: f64, y: f64| {
            let r = ((x - 0.5).powi(2) + (y - 0.5).powi(2)).sqrt();
            r < 0.1 || (0.2..0.3).contains(&r)
        };
        let t = Target::from_fn(100, 100, ring);
        let c = components(&t);
        let depths: Vec<usize> = c.iter().map(|c| c.depth).collect();
        assert_eq!(depths, [0, 1, 2, 3]);
        assert_eq!(c.iter().map(|c| c.area).sum::<usize>(), 100 * 100);
        // The inner disc (radius 10 px) is about 10 px thick; the ring (10 px wide) 5.
        assert!((c[3].thickness - 10.0).abs() <= 1.5, "{:?}", c[3]);
        assert!((c[1].thickness - 5.0).abs() <= 1.5, "{:?}", c[1]);
        assert_eq!(contour(&t).len(), 3);
    }

    #[test]
    fn the_distance_transform_is_brute_force_exact() {
        let t = Shape::Bottle.draw(48);
        let d = distance_to_other_class(&t);
        let w = 48usize;
        for i in (0..w * w).step_by(7) {
            let brute = (0..w * w)
                .filter(|&j| t.white[j] != t.white[i])
                .map(|j| {
                    (((j % w) as f64 - (i % w) as f64).powi(2)
                        + ((j / w) as f64 - (i / w) as f64).powi(2))
                    .sqrt()
                })
                .fold(f64::INFINITY, f64::min);
            assert!(
                (d[i] - brute).abs() < 1e-9,
                "pixel {i}: {} vs {brute}",
                d[i]
            );
        }
    }

    #[test]
    fn contour_loops_close_and_lie_between_the_classes() {
        let t = Shape::Bottle.draw(64);
        for l in contour(&t) {
            assert_eq!(l.first(), l.last(), "a loop closes");
            for p in &l {
                // Half a pixel from some pixel centre of each class.
                let (c, r) = ((p[0] * 64.0 - 0.5).round(), (p[1] * 64.0 - 0.5).round());
                assert!((-1.0..=64.0).contains(&c) && (-1.0..=64.0).contains(&r));
            }
        }
    }
}
