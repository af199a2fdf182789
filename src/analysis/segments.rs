//! Segments in a spatial hash: the distance queries of the analysis (Hausdorff distances,
//! points near a boundary, crossings, nearest segments) without testing every segment.

/// Segments in a uniform grid over the unit square, for "is a point within `r` of any of
/// them" without testing every segment (boundaries have thousands). Each segment carries a
/// tag (the unit it belongs to).
pub struct SegmentIndex {
    cells: usize,
    buckets: Vec<Vec<([f64; 2], [f64; 2], u32)>>,
}

impl SegmentIndex {
    pub fn new(segments: impl Iterator<Item = ([f64; 2], [f64; 2])>, cells: usize) -> Self {
        Self::tagged(segments.map(|(a, b)| (a, b, 0)), cells)
    }

    pub fn tagged(segments: impl Iterator<Item = ([f64; 2], [f64; 2], u32)>, cells: usize) -> Self {
        let mut buckets = vec![Vec::new(); cells * cells];
        let cell = |v: f64| ((v * cells as f64).floor().max(0.0) as usize).min(cells - 1);
        for (a, b, tag) in segments {
            let (c0, c1) = (cell(a[0].min(b[0])), cell(a[0].max(b[0])));
            let (r0, r1) = (cell(a[1].min(b[1])), cell(a[1].max(b[1])));
            for r in r0..=r1 {
                for c in c0..=c1 {
                    buckets[r * cells + c].push((a, b, tag));
                }
            }
        }
        Self { cells, buckets }
    }

    /// Every segment of these boundaries, tagged by the boundary's position in the list.
    pub fn of_boundaries<'a>(
        boundaries: impl IntoIterator<Item = &'a crate::geometry::NeuronBoundary>,
        cells: usize,
    ) -> Self {
        Self::tagged(
            boundaries.into_iter().enumerate().flat_map(|(k, b)| {
                b.polylines
                    .iter()
                    .flat_map(move |l| l.windows(2).map(move |w| (w[0], w[1], k as u32)))
            }),
            cells,
        )
    }

    /// The distinct tags of the segments within `radius` of `p`.
    pub fn tags_near(&self, p: [f64; 2], radius: f64, out: &mut Vec<u32>) {
        out.clear();
        let n = self.cells as f64;
        let lo = |v: f64| (((v - radius) * n).floor().max(0.0) as usize).min(self.cells - 1);
        let hi = |v: f64| (((v + radius) * n).floor().max(0.0) as usize).min(self.cells - 1);
        for r in lo(p[1])..=hi(p[1]) {
            for c in lo(p[0])..=hi(p[0]) {
                for &(a, b, tag) in &self.buckets[r * self.cells + c] {
                    if !out.contains(&tag) && crate::geometry::point_segment(p, a, b).0 <= radius {
                        out.push(tag);
                    }
                }
            }
        }
    }

    /// The distance from `p` to the nearest segment, when it is at most `radius`: cells in
    /// growing square rings around `p`, until no nearer segment can be further out.
    pub fn distance_within(&self, p: [f64; 2], radius: f64) -> Option<f64> {
        let n = self.cells as i64;
        let size = 1.0 / self.cells as f64;
        let (pc, pr) = (
            (p[0] * n as f64).floor() as i64,
            (p[1] * n as f64).floor() as i64,
        );
        let mut best = f64::INFINITY;
        let rings = ((radius / size).ceil() as i64 + 1).min(2 * n);
        for k in 0..=rings {
            for r in (pr - k)..=(pr + k) {
                for c in (pc - k)..=(pc + k) {
                    // Only the ring's edge cells: the inside was searched before.
                    if (r - pr).abs() != k && (c - pc).abs() != k {
                        continue;
                    }
                    if r < 0 || c < 0 || r >= n || c >= n {
                        continue;
                    }
                    for &(a, b, _) in &self.buckets[(r * n + c) as usize] {
                        best = best.min(crate::geometry::point_segment(p, a, b).0);
                    }
                }
            }
            // Anything in ring k + 1 or beyond is at least k cells away.
            if best <= k as f64 * size || k as f64 * size > radius {
                break;
            }
        }
        (best <= radius).then_some(best)
    }

    /// Adds to `out` the points where segment `ab` crosses a segment of another tag (each
    /// crossing found from both of its segments: only from the one with the lower tag).
    pub fn crossings(&self, a: [f64; 2], b: [f64; 2], tag: u32, out: &mut Vec<[f64; 2]>) {
        let n = self.cells as f64;
        let cell = |v: f64| ((v * n).floor().max(0.0) as usize).min(self.cells - 1);
        let (c0, c1) = (cell(a[0].min(b[0])), cell(a[0].max(b[0])));
        let (r0, r1) = (cell(a[1].min(b[1])), cell(a[1].max(b[1])));
        let start = out.len();
        for r in r0..=r1 {
            for c in c0..=c1 {
                for &(p, q, t) in &self.buckets[r * self.cells + c] {
                    if t <= tag {
                        continue;
                    }
                    if let Some(x) = intersect(a, b, p, q)
                        && !out[start..].contains(&x)
                    {
                        out.push(x);
                    }
                }
            }
        }
    }

    /// Whether `p` lies within `radius` of a segment.
    pub fn near(&self, p: [f64; 2], radius: f64) -> bool {
        let n = self.cells as f64;
        let lo = |v: f64| (((v - radius) * n).floor().max(0.0) as usize).min(self.cells - 1);
        let hi = |v: f64| (((v + radius) * n).floor().max(0.0) as usize).min(self.cells - 1);
        if p[0] + radius < 0.0 || p[1] + radius < 0.0 || p[0] - radius > 1.0 || p[1] - radius > 1.0
        {
            return false;
        }
        for r in lo(p[1])..=hi(p[1]) {
            for c in lo(p[0])..=hi(p[0]) {
                if self.buckets[r * self.cells + c]
                    .iter()
                    .any(|&(a, b, _)| crate::geometry::point_segment(p, a, b).0 <= radius)
                {
                    return true;
                }
            }
        }
        false
    }
}

/// Where segments `ab` and `pq` cross, if they do.
fn intersect(a: [f64; 2], b: [f64; 2], p: [f64; 2], q: [f64; 2]) -> Option<[f64; 2]> {
    let (d, e) = ([b[0] - a[0], b[1] - a[1]], [q[0] - p[0], q[1] - p[1]]);
    let den = d[0] * e[1] - d[1] * e[0];
    if den == 0.0 {
        return None;
    }
    let f = [p[0] - a[0], p[1] - a[1]];
    let (t, u) = (
        (f[0] * e[1] - f[1] * e[0]) / den,
        (f[0] * d[1] - f[1] * d[0]) / den,
    );
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u))
        .then(|| [a[0] + t * d[0], a[1] + t * d[1]])
}
