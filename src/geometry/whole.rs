//! A box that holds every vertex of the whole plane's arrangement, so that the partition of
//! that box has exactly one region per linear region of the whole plane (`ginn regions
//! --domain all`, counted as relucent and SplineCam count them).
//!
//! Why the search below is complete: each linear region is a convex polygon, the set of
//! points with its activation pattern, cut out by one half-plane per unit (each unit's
//! pre-activation is affine under the pattern). Take a box B and its partition. For every
//! region that reaches B's edge, the whole region (not only its part in B) is computed from
//! its half-planes; if all its vertices lie inside B, and B holds a point of each of its
//! edges that has no vertex (a whole line), then every region next to it across an edge
//! also meets B. The regions are connected through their edges, so then every region meets
//! B, and every vertex lies inside it. Otherwise B grows to hold what was found and the
//! partition is redone; the vertices are finitely many, so this ends.

use super::{Geometry, Rect, Truncation};
use crate::nn::{Network, NeuronId};

/// Most rounds of growing the box (each adds at least one vertex; nets seen need 2–4).
const MAX_ROUNDS: usize = 200;

/// Why no whole-plane box was found.
#[derive(Debug, thiserror::Error)]
pub enum WholePlaneError {
    #[error("the whole plane has more regions than ginn computes ({0:?})")]
    TooMany(Truncation),
    #[error("the whole plane's regions reach {0:e} from the origin, too far to draw")]
    TooFar(f64),
    #[error("the box around the whole plane's regions did not settle after {MAX_ROUNDS} rounds")]
    Unsettled,
}

/// A rectangle of the network's input (`[x0, x1, y0, y1]`) holding every vertex of its
/// whole-plane arrangement strictly inside, with a margin.
pub fn whole_plane_box(net: &Network, limit_span: f64) -> Result<[f64; 4], WholePlaneError> {
    let mut points = vec![[-1.0, -1.0], [1.0, 1.0]];
    points.extend(first_layer_crossings(net));
    let mut b = grown(&points, limit_span)?;
    for _ in 0..MAX_ROUNDS {
        let rect = Rect::new(b[0], b[2], b[1], b[3]).expect("a grown box is not empty");
        let geom = Geometry::complete(net, rect).map_err(WholePlaneError::TooMany)?;
        let outside: Vec<[f64; 2]> = geom
            .regions()
            .iter()
            .filter(|r| touches_edge(&geom.polygon(r), &rect))
            .flat_map(|r| {
                let active = |n: NeuronId| geom.is_active(r, n);
                witnesses(net, &active, &rect)
            })
            .filter(|p| !strictly_inside(p, &rect))
            .collect();
        if outside.is_empty() {
            return Ok(b);
        }
        points.extend(outside);
        points.extend([[b[0], b[2]], [b[1], b[3]]]);
        b = grown(&points, limit_span)?;
    }
    Err(WholePlaneError::Unsettled)
}

/// Where the first layer's lines cross one another.
fn first_layer_crossings(net: &Network) -> Vec<[f64; 2]> {
    let (w, b) = (net.weight_f64(0), net.bias_f64(0));
    let lines: Vec<[f64; 3]> = (0..b.len())
        .map(|j| [w[2 * j], w[2 * j + 1], b[j]])
        .collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        for m in &lines[i + 1..] {
            if let Some(p) = crossing(l, m) {
                out.push(p);
            }
        }
    }
    out
}

/// The point where `a·x + b·y + c = 0` meets another such line, if they are not parallel.
fn crossing(l: &[f64; 3], m: &[f64; 3]) -> Option<[f64; 2]> {
    let det = l[0] * m[1] - l[1] * m[0];
    let scale = (l[0].hypot(l[1])) * (m[0].hypot(m[1]));
    if det.abs() <= 1e-14 * scale || scale == 0.0 {
        return None;
    }
    let p = [
        (l[1] * m[2] - m[1] * l[2]) / det,
        (m[0] * l[2] - l[0] * m[2]) / det,
    ];
    p.iter().all(|v| v.is_finite()).then_some(p)
}

/// The bounding box of `points` with a 10 % margin a side, `[x0, x1, y0, y1]`.
fn grown(points: &[[f64; 2]], limit_span: f64) -> Result<[f64; 4], WholePlaneError> {
    let range = |k: usize| {
        let (lo, hi) = points
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                (lo.min(p[k]), hi.max(p[k]))
            });
        let m = 0.1 * (hi - lo);
        (lo - m, hi + m)
    };
    let ((x0, x1), (y0, y1)) = (range(0), range(1));
    let far = [x0, x1, y0, y1].iter().fold(0.0f64, |a, v| a.max(v.abs()));
    if !(x1 - x0 <= limit_span && y1 - y0 <= limit_span && far.is_finite()) {
        return Err(WholePlaneError::TooFar(far));
    }
    Ok([x0, x1, y0, y1])
}

fn touches_edge(polygon: &[[f64; 2]], r: &Rect) -> bool {
    let tol = 1e-9 * (r.x1 - r.x0).max(r.y1 - r.y0);
    polygon.iter().any(|p| {
        (p[0] - r.x0).abs() <= tol
            || (p[0] - r.x1).abs() <= tol
            || (p[1] - r.y0).abs() <= tol
            || (p[1] - r.y1).abs() <= tol
    })
}

fn strictly_inside(p: &[f64; 2], r: &Rect) -> bool {
    let tol = 1e-7 * (r.x1 - r.x0).max(r.y1 - r.y0);
    p[0] > r.x0 + tol && p[0] < r.x1 - tol && p[1] > r.y0 + tol && p[1] < r.y1 - tol
}

/// The whole region with this activation pattern (clipped only to a box far beyond `near`):
/// its vertices, and for each of its edges that is a whole line, the line's point nearest
/// the box's centre.
fn witnesses(net: &Network, active: &dyn Fn(NeuronId) -> bool, near: &Rect) -> Vec<[f64; 2]> {
    let c = [(near.x0 + near.x1) / 2.0, (near.y0 + near.y1) / 2.0];
    let far = 1e6 * (near.x1 - near.x0).max(near.y1 - near.y0).max(1.0);
    let bound = [c[0] - far, c[0] + far, c[1] - far, c[1] + far];
    let mut poly = vec![
        [bound[0], bound[2]],
        [bound[1], bound[2]],
        [bound[1], bound[3]],
        [bound[0], bound[3]],
    ];
    let mut lines = Vec::new();
    for half in half_planes(net, active) {
        poly = clip(&poly, half);
        lines.push(half);
        if poly.is_empty() {
            return Vec::new();
        }
    }
    let on_bound = |p: &[f64; 2]| {
        let tol = 1e-9 * far;
        (p[0] - bound[0]).abs() <= tol
            || (p[0] - bound[1]).abs() <= tol
            || (p[1] - bound[2]).abs() <= tol
            || (p[1] - bound[3]).abs() <= tol
    };
    let mut out: Vec<[f64; 2]> = poly.iter().filter(|p| !on_bound(p)).copied().collect();
    // An edge between two points of the far box that is not on it: a whole line.
    for (k, p) in poly.iter().enumerate() {
        let q = poly[(k + 1) % poly.len()];
        let mid = [(p[0] + q[0]) / 2.0, (p[1] + q[1]) / 2.0];
        if on_bound(p) && on_bound(&q) && !on_bound(&mid) {
            let (d, len2) = (
                [q[0] - p[0], q[1] - p[1]],
                (q[0] - p[0]).powi(2) + (q[1] - p[1]).powi(2),
            );
            let t = ((c[0] - p[0]) * d[0] + (c[1] - p[1]) * d[1]) / len2;
            out.push([p[0] + t * d[0], p[1] + t * d[1]]);
        }
    }
    out
}

/// One half-plane `a·x + b·y + c ≥ 0` per hidden unit: its pre-activation under the
/// pattern, negated where the unit is off.
fn half_planes(net: &Network, active: &dyn Fn(NeuronId) -> bool) -> Vec<[f64; 3]> {
    let (pre, _) = affine_maps(net, active);
    net.arch
        .neurons()
        .zip(pre)
        .map(|(n, m)| if active(n) { m } else { m.map(|v| -v) })
        .collect()
}

/// Under one activation pattern, every hidden unit's pre-activation and every logit as
/// an affine map `[a, b, c]` of the input (`a·x + b·y + c`): hidden units layer by layer,
/// then the logits.
pub fn affine_maps(
    net: &Network,
    active: &dyn Fn(NeuronId) -> bool,
) -> (Vec<[f64; 3]>, Vec<[f64; 3]>) {
    let slope = net.arch.activation().slope() as f64;
    let hidden = net.arch.hidden().len();
    // The layer's input as affine maps of (x, y): start with x and y themselves.
    let mut maps: Vec<[f64; 3]> = vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
    let mut pre = Vec::new();
    for l in 0..=hidden {
        let (w, b) = (net.weight_f64(l), net.bias_f64(l));
        let fan_in = maps.len();
        let mut next = Vec::with_capacity(b.len());
        for (j, &bj) in b.iter().enumerate() {
            let mut m = [0.0, 0.0, bj];
            for (k, input) in maps.iter().enumerate() {
                let wk = w[j * fan_in + k];
                for t in 0..3 {
                    m[t] += wk * input[t];
                }
            }
            if l == hidden {
                next.push(m);
                continue;
            }
            pre.push(m);
            let on = active(NeuronId { layer: l, index: j });
            next.push(if on { m } else { m.map(|v| slope * v) });
        }
        maps = next;
    }
    (pre, maps)
}

/// A convex polygon cut by `a·x + b·y + c ≥ 0` (Sutherland–Hodgman, one edge).
fn clip(poly: &[[f64; 2]], h: [f64; 3]) -> Vec<[f64; 2]> {
    let f = |p: &[f64; 2]| h[0] * p[0] + h[1] * p[1] + h[2];
    if h[0] == 0.0 && h[1] == 0.0 {
        // A constant unit (a dead one): all or nothing, and a tie keeps all.
        return if h[2] >= 0.0 {
            poly.to_vec()
        } else {
            Vec::new()
        };
    }
    let mut out = Vec::with_capacity(poly.len() + 1);
    for (k, p) in poly.iter().enumerate() {
        let q = &poly[(k + 1) % poly.len()];
        let (fp, fq) = (f(p), f(q));
        if fp >= 0.0 {
            out.push(*p);
        }
        if (fp >= 0.0) != (fq >= 0.0) {
            let t = fp / (fp - fq);
            out.push([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]);
        }
    }
    out
}
