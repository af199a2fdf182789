//! The optimal assignment (Hungarian method, O(n³)): `n` rows to `n` columns at the least
//! total cost. Hand-written because it is twenty lines and the only use is §9's pairing of
//! units with the mirror images of their layer's boundaries.

/// For a square `n × n` cost matrix (row-major), the column assigned to each row.
pub fn assign(cost: &[f64], n: usize) -> Vec<usize> {
    // Potentials u (rows) and v (columns), 1-based with a virtual row/column 0.
    let inf = f64::INFINITY;
    let (mut u, mut v) = (vec![0.0; n + 1], vec![0.0; n + 1]);
    let mut way = vec![0usize; n + 1];
    let mut row_of = vec![0usize; n + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut j0 = 0;
        let mut minv = vec![inf; n + 1];
        let mut used = vec![false; n + 1];
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let (mut delta, mut j1) = (inf, 0);
            for j in 1..=n {
                if !used[j] {
                    let cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
                    if cur < minv[j] {
                        minv[j] = cur;
                        way[j] = j0;
                    }
                    if minv[j] < delta {
                        delta = minv[j];
                        j1 = j;
                    }
                }
            }
            for j in 0..=n {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    minv[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut col = vec![0; n];
    for j in 1..=n {
        col[row_of[j] - 1] = j - 1;
    }
    col
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn permutations(n: usize) -> Vec<Vec<usize>> {
        if n == 0 {
            return vec![vec![]];
        }
        let mut out = Vec::new();
        for p in permutations(n - 1) {
            for k in 0..n {
                let mut q = p.clone();
                q.insert(k, n - 1);
                out.push(q);
            }
        }
        out
    }

    #[test]
    fn matches_brute_force() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        for n in 1..=6 {
            for _ in 0..20 {
                let c: Vec<f64> = (0..n * n).map(|_| rng.random_range(0.0..10.0)).collect();
                let total = |p: &[usize]| {
                    p.iter()
                        .enumerate()
                        .map(|(i, &j)| c[i * n + j])
                        .sum::<f64>()
                };
                let best = permutations(n)
                    .iter()
                    .map(|p| total(p))
                    .fold(f64::INFINITY, f64::min);
                let ours = assign(&c, n);
                assert!(
                    (total(&ours) - best).abs() < 1e-9,
                    "n {n}: {} vs {best}",
                    total(&ours)
                );
            }
        }
    }
}
