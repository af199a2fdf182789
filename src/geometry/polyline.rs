//! Chaining boundary segments into polylines, and the small planar helpers the queries use.

use rustc_hash::FxHashMap;

/// Chains segments (vertex pairs, any order, duplicates allowed) into maximal polylines.
/// A polyline ends where a vertex has other than two segments; closed loops come back to
/// their first vertex.
pub(super) fn chain(mut segs: Vec<(u32, u32)>) -> Vec<Vec<u32>> {
    segs.iter_mut()
        .for_each(|s| *s = (s.0.min(s.1), s.0.max(s.1)));
    segs.retain(|s| s.0 != s.1);
    segs.sort_unstable();
    segs.dedup();
    // Incidence pairs (vertex, segment) sorted: a vertex's segments are one run of them, in
    // segment order. The vertices get dense local numbers (their runs' order), so walking
    // looks up a vertex's segments by index, in flat buffers rather than a list per vertex.
    let mut inc: Vec<(u32, u32)> = segs
        .iter()
        .enumerate()
        .flat_map(|(i, &(a, b))| [(a, i as u32), (b, i as u32)])
        .collect();
    inc.sort_unstable();
    let (mut verts, mut offsets) = (Vec::new(), Vec::new());
    for (k, &(v, _)) in inc.iter().enumerate() {
        if verts.last() != Some(&v) {
            verts.push(v);
            offsets.push(k);
        }
    }
    offsets.push(inc.len());
    let local = |v: u32| verts.binary_search(&v).expect("a vertex of a segment") as u32;
    let ends_of: Vec<(u32, u32)> = segs.iter().map(|&(a, b)| (local(a), local(b))).collect();
    let around = |lv: u32| &inc[offsets[lv as usize]..offsets[lv as usize + 1]];
    let mut used = vec![false; segs.len()];
    let mut out = Vec::new();
    let walk = |start: u32, used: &mut Vec<bool>| {
        let mut line = vec![verts[start as usize]];
        let mut at = start;
        while let Some(&(_, i)) = around(at).iter().find(|x| !used[x.1 as usize]) {
            used[i as usize] = true;
            let (a, b) = ends_of[i as usize];
            at = if a == at { b } else { a };
            line.push(verts[at as usize]);
            if around(at).len() != 2 {
                break;
            }
        }
        line
    };
    // Open chains first, from their ends (and from branch points) in vertex order, then the
    // loops.
    for e in (0..verts.len() as u32).filter(|&e| around(e).len() != 2) {
        while around(e).iter().any(|x| !used[x.1 as usize]) {
            out.push(walk(e, &mut used));
        }
    }
    for i in 0..segs.len() {
        if !used[i] {
            out.push(walk(ends_of[i].0, &mut used));
        }
    }
    out
}

/// Chains segments given as point pairs (joined where points are bit-identical).
pub fn chain_points(segs: &[([f64; 2], [f64; 2])]) -> Vec<Vec<[f64; 2]>> {
    let mut ids: FxHashMap<[u64; 2], u32> = FxHashMap::default();
    let mut points = Vec::new();
    let mut id = |p: [f64; 2]| {
        *ids.entry([p[0].to_bits(), p[1].to_bits()])
            .or_insert_with(|| {
                points.push(p);
                points.len() as u32 - 1
            })
    };
    let pairs: Vec<(u32, u32)> = segs
        .iter()
        .map(|&(a, b)| (id(a), id(b)))
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    chain(pairs)
        .into_iter()
        .map(|l| l.into_iter().map(|i| points[i as usize]).collect())
        .collect()
}

pub(super) fn length(line: &[[f64; 2]]) -> f64 {
    line.windows(2)
        .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
        .fold(0.0, |a, b| a + b)
}

/// Absolute area (shoelace).
pub(super) fn polygon_area(p: &[[f64; 2]]) -> f64 {
    let n = p.len();
    (0..n)
        .map(|i| p[i][0] * p[(i + 1) % n][1] - p[(i + 1) % n][0] * p[i][1])
        .sum::<f64>()
        .abs()
        / 2.0
}

/// The mean of a polygon's corners: inside it when it is convex (every region is).
pub fn corner_mean(p: &[[f64; 2]]) -> [f64; 2] {
    let n = p.len().max(1) as f64;
    [
        p.iter().map(|q| q[0]).sum::<f64>() / n,
        p.iter().map(|q| q[1]).sum::<f64>() / n,
    ]
}

/// Whether `q` lies in the convex polygon `p` (boundary included), either orientation.
pub(super) fn convex_contains(p: &[[f64; 2]], q: [f64; 2]) -> bool {
    let n = p.len();
    let (mut pos, mut neg) = (false, false);
    for i in 0..n {
        let (a, b) = (p[i], p[(i + 1) % n]);
        let c = (b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0]);
        pos |= c > 0.0;
        neg |= c < 0.0;
    }
    !(pos && neg)
}

/// Up to `n` points spread evenly along the polylines (by length).
pub fn spread_along(lines: &[super::Polyline], n: usize) -> Vec<[f64; 2]> {
    let total: f64 = lines
        .iter()
        .flat_map(|l| l.windows(2))
        .map(|w| (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]))
        .sum();
    if total == 0.0 || n == 0 {
        return vec![];
    }
    let step = total / n as f64;
    let mut out = Vec::with_capacity(n);
    let mut next = step / 2.0;
    let mut run = 0.0;
    for l in lines {
        for w in l.windows(2) {
            let len = (w[1][0] - w[0][0]).hypot(w[1][1] - w[0][1]);
            while next <= run + len && len > 0.0 {
                let t = (next - run) / len;
                out.push([
                    w[0][0] + t * (w[1][0] - w[0][0]),
                    w[0][1] + t * (w[1][1] - w[0][1]),
                ]);
                next += step;
            }
            run += len;
        }
    }
    out
}

/// Distance from `p` to segment `ab`, and the closest point.
pub fn point_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> (f64, [f64; 2]) {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len2 = d[0] * d[0] + d[1] * d[1];
    let t = if len2 > 0.0 {
        (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let q = [a[0] + t * d[0], a[1] + t * d[1]];
    // A plain square root: `hypot` guards against overflow these coordinates never reach,
    // at several times the cost (it dominated the analysis' distance queries).
    let (dx, dy) = (p[0] - q[0], p[1] - q[1]);
    ((dx * dx + dy * dy).sqrt(), q)
}

/// The polyline with the vertices dropped that lie within `tolerance` of the segment that
/// replaces them (Douglas–Peucker; ends, and so closed loops, are kept). For drawing: a wide
/// net's boundaries bend at every earlier boundary they cross, most bends far below a pixel
/// (a 4×256 net: 103,000 segments, 12,800 at a 2,000th of the square), and a software
/// renderer pays for every segment every frame. Written here: a few lines over
/// [`point_segment`], where a geometry crate would bring its own point types.
pub fn simplify(line: &[[f64; 2]], tolerance: f64) -> Vec<[f64; 2]> {
    if line.len() < 3 {
        return line.to_vec();
    }
    let mut keep = vec![false; line.len()];
    let last = line.len() - 1;
    (keep[0], keep[last]) = (true, true);
    let mut spans = vec![(0, last)];
    while let Some((a, b)) = spans.pop() {
        let far = (a + 1..b)
            .map(|i| (point_segment(line[i], line[a], line[b]).0, i))
            .max_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((d, i)) = far
            && d > tolerance
        {
            keep[i] = true;
            spans.extend([(a, i), (i, b)]);
        }
    }
    line.iter()
        .zip(keep)
        .filter_map(|(&p, k)| k.then_some(p))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplified_lines_stay_within_the_tolerance_and_keep_their_ends() {
        // A fine zigzag along a diagonal (amplitude 1e-4) with two real corners.
        let mut line: Vec<[f64; 2]> = (0..=400)
            .map(|i| {
                let t = i as f64 / 400.0;
                let wiggle = if i % 2 == 0 { 1e-4 } else { -1e-4 };
                let y = if t < 0.5 { t } else { 1.0 - t };
                [t, y + wiggle]
            })
            .collect();
        line.push([1.0, 0.5]);
        let simple = simplify(&line, 5e-4);
        assert!(simple.len() < 10, "{} vertices left", simple.len());
        assert_eq!(simple.first(), line.first());
        assert_eq!(simple.last(), line.last());
        // Every dropped vertex is within the tolerance of the simplified line.
        for &p in &line {
            let d = simple
                .windows(2)
                .map(|w| point_segment(p, w[0], w[1]).0)
                .fold(f64::INFINITY, f64::min);
            assert!(d <= 5e-4, "{p:?} is {d} away");
        }
        // A tolerance below the wiggle keeps every vertex; a closed loop stays closed.
        assert_eq!(simplify(&line, 1e-5).len(), line.len());
        let lp = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]];
        assert_eq!(simplify(&lp, 0.1), lp.to_vec());
    }

    #[test]
    fn chains_open_lines_loops_and_duplicates() {
        let lines = chain(vec![
            (2, 3),
            (1, 2),
            (3, 4),
            (2, 1),
            (10, 11),
            (11, 12),
            (12, 10),
        ]);
        assert_eq!(lines.len(), 2);
        let open = lines.iter().find(|l| l.len() == 4).unwrap();
        assert!(open == &vec![1, 2, 3, 4] || open == &vec![4, 3, 2, 1]);
        let lp = lines.iter().find(|l| l.contains(&10)).unwrap();
        assert_eq!(lp.len(), 4);
        assert_eq!(lp.first(), lp.last());
    }

    #[test]
    fn planar_helpers() {
        let sq = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        assert_eq!(polygon_area(&sq), 1.0);
        assert!(
            convex_contains(&sq, [0.5, 0.5])
                && convex_contains(&sq, [1.0, 0.3])
                && !convex_contains(&sq, [1.1, 0.5])
        );
        assert_eq!(
            point_segment([0.5, 1.0], [0.0, 0.0], [1.0, 0.0]),
            (1.0, [0.5, 0.0])
        );
    }
}
