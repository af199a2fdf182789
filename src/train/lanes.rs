//! The inner loops of the training kernel, written once over a `Lanes` type so they can
//! be compiled portably, for AVX2 + FMA and for AVX-512 (chosen at run time by the kernel).

/// A block of 16 lanes the kernel sums into: plain arrays (vectorised by the compiler to
/// whatever the target has), or AVX2 registers with fused multiply-add.
pub(super) trait Lanes {
    type V: Copy;
    fn zero() -> Self::V;
    fn load(x: &[f32; BLOCK]) -> Self::V;
    fn store(v: Self::V, out: &mut [f32; BLOCK]);
    /// `acc + a·x`
    fn mul_add(acc: Self::V, a: f32, x: &[f32; BLOCK]) -> Self::V;
    /// `acc + x⊙y`
    fn mul_add_lanes(acc: Self::V, x: &[f32; BLOCK], y: &[f32; BLOCK]) -> Self::V;
    fn scalar_mul_add(a: f32, b: f32, c: f32) -> f32;
    fn sum(v: Self::V) -> f32 {
        let mut out = [0.0; BLOCK];
        Self::store(v, &mut out);
        out.iter().sum()
    }
}

pub(super) struct Plain;
impl Lanes for Plain {
    type V = [f32; BLOCK];
    #[inline(always)]
    fn zero() -> Self::V {
        [0.0; BLOCK]
    }
    #[inline(always)]
    fn load(x: &[f32; BLOCK]) -> Self::V {
        *x
    }
    #[inline(always)]
    fn store(v: Self::V, out: &mut [f32; BLOCK]) {
        *out = v;
    }
    #[inline(always)]
    fn mul_add(mut acc: Self::V, a: f32, x: &[f32; BLOCK]) -> Self::V {
        for k in 0..BLOCK {
            acc[k] += a * x[k];
        }
        acc
    }
    #[inline(always)]
    fn mul_add_lanes(mut acc: Self::V, x: &[f32; BLOCK], y: &[f32; BLOCK]) -> Self::V {
        for k in 0..BLOCK {
            acc[k] += x[k] * y[k];
        }
        acc
    }
    #[inline(always)]
    fn scalar_mul_add(a: f32, b: f32, c: f32) -> f32 {
        a * b + c
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) struct Avx2;
#[cfg(target_arch = "x86_64")]
impl Lanes for Avx2 {
    type V = (std::arch::x86_64::__m256, std::arch::x86_64::__m256);
    // SAFETY (all methods): only reached from `#[target_feature(enable = "avx2,fma")]`
    // functions, which run after the CPU was checked for both; pointers come from
    // 16-element arrays, read and written unaligned.
    #[inline(always)]
    fn zero() -> Self::V {
        use std::arch::x86_64::*;
        unsafe { (_mm256_setzero_ps(), _mm256_setzero_ps()) }
    }
    #[inline(always)]
    fn load(x: &[f32; BLOCK]) -> Self::V {
        use std::arch::x86_64::*;
        unsafe {
            (
                _mm256_loadu_ps(x.as_ptr()),
                _mm256_loadu_ps(x.as_ptr().add(8)),
            )
        }
    }
    #[inline(always)]
    fn store(v: Self::V, out: &mut [f32; BLOCK]) {
        use std::arch::x86_64::*;
        unsafe {
            _mm256_storeu_ps(out.as_mut_ptr(), v.0);
            _mm256_storeu_ps(out.as_mut_ptr().add(8), v.1);
        }
    }
    #[inline(always)]
    fn mul_add(acc: Self::V, a: f32, x: &[f32; BLOCK]) -> Self::V {
        use std::arch::x86_64::*;
        unsafe {
            let a = _mm256_set1_ps(a);
            (
                _mm256_fmadd_ps(a, _mm256_loadu_ps(x.as_ptr()), acc.0),
                _mm256_fmadd_ps(a, _mm256_loadu_ps(x.as_ptr().add(8)), acc.1),
            )
        }
    }
    #[inline(always)]
    fn mul_add_lanes(acc: Self::V, x: &[f32; BLOCK], y: &[f32; BLOCK]) -> Self::V {
        let (a, b) = (Self::load(x), Self::load(y));
        use std::arch::x86_64::*;
        unsafe {
            (
                _mm256_fmadd_ps(a.0, b.0, acc.0),
                _mm256_fmadd_ps(a.1, b.1, acc.1),
            )
        }
    }
    #[inline(always)]
    fn scalar_mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

#[cfg(target_arch = "x86_64")]
pub(super) struct Avx512;
#[cfg(target_arch = "x86_64")]
impl Lanes for Avx512 {
    /// A block of 16 is one 512-bit register: one FMA where AVX2 needs two. Each lane does
    /// the same fused operations in the same order as the AVX2 build, so both give
    /// bit-identical results.
    type V = std::arch::x86_64::__m512;
    // SAFETY (all methods): only reached from `#[target_feature(enable = "avx512f,...")]`
    // functions, which run after the CPU was checked for AVX-512F; pointers come from
    // 16-element arrays, read and written unaligned.
    #[inline(always)]
    fn zero() -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm512_setzero_ps() }
    }
    #[inline(always)]
    fn load(x: &[f32; BLOCK]) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm512_loadu_ps(x.as_ptr()) }
    }
    #[inline(always)]
    fn store(v: Self::V, out: &mut [f32; BLOCK]) {
        use std::arch::x86_64::*;
        unsafe { _mm512_storeu_ps(out.as_mut_ptr(), v) }
    }
    #[inline(always)]
    fn mul_add(acc: Self::V, a: f32, x: &[f32; BLOCK]) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm512_fmadd_ps(_mm512_set1_ps(a), _mm512_loadu_ps(x.as_ptr()), acc) }
    }
    #[inline(always)]
    fn mul_add_lanes(acc: Self::V, x: &[f32; BLOCK], y: &[f32; BLOCK]) -> Self::V {
        use std::arch::x86_64::*;
        unsafe { _mm512_fmadd_ps(Self::load(x), Self::load(y), acc) }
    }
    #[inline(always)]
    fn scalar_mul_add(a: f32, b: f32, c: f32) -> f32 {
        a.mul_add(b, c)
    }
}

/// Columns handled at once: 16 accumulators stay in registers across the whole sum.
pub(super) const BLOCK: usize = 16;

#[inline(always)]
pub(super) fn block(x: &[f32], at: usize) -> &[f32; BLOCK] {
    x[at..at + BLOCK].try_into().expect("block in range")
}

/// `z = init + Σ_i a[i]·m[i][..]` for `m` in `[a.len()][z.len()]` layout: one row of a
/// batch times a weight matrix. Most of training's time goes here.
#[inline(always)]
pub(super) fn row_times_matrix<L: Lanes>(z: &mut [f32], init: &[f32], a: &[f32], m: &[f32]) {
    let n = z.len();
    let mut o = 0;
    while o + BLOCK <= n {
        let mut acc = L::load(block(init, o));
        for (&ai, row) in a.iter().zip(m.chunks_exact(n)) {
            acc = L::mul_add(acc, ai, block(row, o));
        }
        L::store(
            acc,
            (&mut z[o..o + BLOCK]).try_into().expect("block in range"),
        );
        o += BLOCK;
    }
    if o < n {
        let tail = &mut z[o..];
        tail.copy_from_slice(&init[o..]);
        for (&ai, row) in a.iter().zip(m.chunks_exact(n)) {
            tail.iter_mut()
                .zip(&row[o..])
                .for_each(|(t, &w)| *t = L::scalar_mul_add(ai, w, *t));
        }
    }
}

/// [`row_times_matrix`] for every row of a batch: `z[r] = init + Σ_i a[r][i]·m[i][..]`, with
/// `z` in `[rows][n]`, `a` in `[rows][fin]`, `m` in `[fin][n]`. Four rows at a time: one
/// row's sum is a chain of dependent fused adds that waits on each add's latency; four
/// independent chains keep the FMA units busy. Each row's sum keeps its order, so the
/// result is the same, bit for bit.
#[inline(always)]
pub(super) fn rows_times_matrix<L: Lanes>(z: &mut [f32], init: &[f32], a: &[f32], m: &[f32]) {
    let n = init.len();
    let fin = m.len() / n;
    let rows = z.len() / n;
    let mut r = 0;
    if n.is_multiple_of(BLOCK) {
        while r + 4 <= rows {
            for o in (0..n).step_by(BLOCK) {
                let mut acc = [L::load(block(init, o)); 4];
                for i in 0..fin {
                    let w = block(m, i * n + o);
                    for (k, acc) in acc.iter_mut().enumerate() {
                        *acc = L::mul_add(*acc, a[(r + k) * fin + i], w);
                    }
                }
                for (k, acc) in acc.into_iter().enumerate() {
                    let at = (r + k) * n + o;
                    L::store(acc, (&mut z[at..at + BLOCK]).try_into().expect("block"));
                }
            }
            r += 4;
        }
    }
    for r in r..rows {
        row_times_matrix::<L>(
            &mut z[r * n..(r + 1) * n],
            init,
            &a[r * fin..(r + 1) * fin],
            m,
        );
    }
}

/// `Σ_i a[i]·b[i]`.
#[inline(always)]
pub(super) fn dot<L: Lanes>(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = L::zero();
    let full = a.len() / BLOCK * BLOCK;
    for i in (0..full).step_by(BLOCK) {
        acc = L::mul_add_lanes(acc, block(a, i), block(b, i));
    }
    a[full..]
        .iter()
        .zip(&b[full..])
        .fold(L::sum(acc), |s, (&x, &y)| L::scalar_mul_add(x, y, s))
}

/// `z[o] = bias[o] + W[o]·a` for a narrow layer (fewer outputs than a block), `w` in
/// `[out][in]` layout: each output is one dot product.
#[inline(always)]
pub(super) fn narrow_layer<L: Lanes>(z: &mut [f32], bias: &[f32], a: &[f32], w: &[f32]) {
    for ((zo, &b), row) in z.iter_mut().zip(bias).zip(w.chunks_exact(a.len())) {
        *zo = b + dot::<L>(a, row);
    }
}

/// `g[i][o] = Σ_b a[b][i]·d[b][o]`: the weight gradient, in `[in][out]` layout. Vectorised
/// along whichever of the two widths fills a block.
#[inline(always)]
pub(super) fn outer_product_sum<L: Lanes>(
    g: &mut [f32],
    a: &[f32],
    d: &[f32],
    fin: usize,
    fout: usize,
) {
    let rows = || a.chunks_exact(fin).zip(d.chunks_exact(fout));
    let mut o0 = 0;
    while o0 + BLOCK <= fout {
        // Four inputs at a time: four independent chains of fused adds keep the FMA units
        // busy where one chain would wait on each add's latency. Each sum still runs over
        // the batch in order, so the result is the same, bit for bit.
        let mut i = 0;
        while i + 4 <= fin {
            let mut acc = [L::zero(); 4];
            for (a_row, d_row) in rows() {
                let dv = block(d_row, o0);
                for (k, acc) in acc.iter_mut().enumerate() {
                    *acc = L::mul_add(*acc, a_row[i + k], dv);
                }
            }
            for (k, acc) in acc.into_iter().enumerate() {
                let at = (i + k) * fout + o0;
                L::store(acc, (&mut g[at..at + BLOCK]).try_into().expect("block"));
            }
            i += 4;
        }
        for i in i..fin {
            let mut acc = L::zero();
            for (a_row, d_row) in rows() {
                acc = L::mul_add(acc, a_row[i], block(d_row, o0));
            }
            L::store(
                acc,
                (&mut g[i * fout + o0..i * fout + o0 + BLOCK])
                    .try_into()
                    .expect("block in range"),
            );
        }
        o0 += BLOCK;
    }
    if o0 == fout {
        return;
    }
    // Remaining columns o0..fout: vectorise along the inputs instead.
    let mut i0 = 0;
    while i0 + BLOCK <= fin {
        for o in o0..fout {
            let mut acc = L::zero();
            for (a_row, d_row) in rows() {
                acc = L::mul_add(acc, d_row[o], block(a_row, i0));
            }
            let mut out = [0.0; BLOCK];
            L::store(acc, &mut out);
            for (k, v) in out.into_iter().enumerate() {
                g[(i0 + k) * fout + o] = v;
            }
        }
        i0 += BLOCK;
    }
    for i in i0..fin {
        for o in o0..fout {
            g[i * fout + o] = rows().fold(0.0, |s, (a_row, d_row)| {
                L::scalar_mul_add(a_row[i], d_row[o], s)
            });
        }
    }
}
