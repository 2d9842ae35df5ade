//! The compressed exact scan: a second copy of the rows as `i8` codes with a
//! per-row scale, read in a first pass (4x fewer bytes than `f32`), with an
//! error bound per row that makes the final result exact.
//!
//! For a row `x` quantised to `x̂ = s·c` and a query `q` quantised to
//! `q̂ = t·d`, the first pass computes `a = s·t·(c·d)` with an integer dot
//! product. Cauchy–Schwarz bounds the gap to the true score:
//!
//! `|q·x − a| ≤ ‖q‖·‖x − x̂‖ + ‖q − q̂‖·‖x̂‖`,
//!
//! plus the rounding of the `f32` dot product the reference scan uses
//! (`n·ε·‖q‖·‖x‖` for `n` terms). Each row's residual norm `‖x − x̂‖` and
//! `‖x̂‖` are kept beside its codes, so the bound costs two multiplies per row.
//! A caller keeps the `k` best lower bounds `a − e`; the `k`-th of them, `L`,
//! is below the `k`-th best true score, so every row of the true top-k has an
//! upper bound `a + e ≥ L` and lands in the (short) list that is rescored in
//! `f32`. The result equals the `f32` scan, ties included.

/// Codes per row are padded to a multiple of this (one AVX2 register).
const LANES: usize = 32;
/// The largest code: symmetric, so `−128` never occurs and `|c|·|d|·2` fits
/// the `i16` pair sums of `maddubs`.
const QMAX: f32 = 127.0;

/// One vector quantised to `i8` codes with its scale and error terms.
struct Quantised {
    scale: f32,
    /// `‖x − x̂‖`, rounded up.
    residual: f32,
    /// `‖x̂‖`, rounded up.
    norm: f32,
}

/// Quantises `v` into `codes` (which has `v.len()` or more slots; the rest
/// are zeroed).
fn quantise(v: &[f32], codes: &mut [i8]) -> Quantised {
    let peak = v.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    codes.iter_mut().for_each(|c| *c = 0);
    if peak == 0.0 || !peak.is_finite() {
        let norm = v.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>();
        return Quantised {
            scale: 0.0,
            residual: round_up(norm.sqrt()),
            norm: 0.0,
        };
    }
    let scale = peak / QMAX;
    let inv = 1.0 / scale;
    let (mut res2, mut norm2) = (0.0f64, 0.0f64);
    for (c, &x) in codes.iter_mut().zip(v) {
        let code = (x * inv).round().clamp(-QMAX, QMAX);
        *c = code as i8;
        let back = f64::from(code) * f64::from(scale);
        res2 += (f64::from(x) - back).powi(2);
        norm2 += back * back;
    }
    Quantised {
        scale,
        residual: round_up(res2.sqrt()),
        norm: round_up(norm2.sqrt()),
    }
}

/// An `f64` as an `f32` no smaller than it.
fn round_up(x: f64) -> f32 {
    let f = x as f32;
    if f64::from(f) < x {
        f.next_up()
    } else {
        f
    }
}

/// The `i8` copy of a store's rows, kept in step with its `f32` matrix
/// (same row order: `push`, `set` and `swap_remove` mirror the matrix).
#[derive(Debug, Default)]
pub(crate) struct Int8Rows {
    stride: usize,
    codes: Vec<i8>,
    scale: Vec<f32>,
    residual: Vec<f32>,
    norm: Vec<f32>,
}

/// A query prepared for [`Int8Rows::scan`].
pub(crate) struct Int8Query {
    codes: Vec<i8>,
    scale: f32,
    /// `‖q‖`, rounded up.
    norm: f32,
    /// `‖q − q̂‖`, rounded up.
    residual: f32,
    /// Relative rounding of an `n`-term `f32` dot product, with margin.
    gamma: f32,
}

impl Int8Query {
    pub(crate) fn new(query: &[f32], stride: usize) -> Self {
        let mut codes = vec![0i8; stride];
        let q = quantise(query, &mut codes);
        let norm = round_up(
            query
                .iter()
                .map(|&x| f64::from(x) * f64::from(x))
                .sum::<f64>()
                .sqrt(),
        );
        // γ_n = nε/(1 − nε) for the reference dot product, doubled for the
        // products formed here in f32.
        let n = query.len() as f32 + 4.0;
        let gamma = 2.0 * n * f32::EPSILON;
        Int8Query {
            codes,
            scale: q.scale,
            norm,
            residual: q.residual,
            gamma,
        }
    }
}

/// Rows scored per call of the kernel, so the scores stay in L1.
const BLOCK: usize = 256;

impl Int8Rows {
    pub(crate) fn new(dim: usize) -> Self {
        Int8Rows {
            stride: dim.div_ceil(LANES) * LANES,
            ..Default::default()
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.scale.len()
    }

    /// Bytes held (codes and the three per-row terms).
    pub(crate) fn bytes(&self) -> usize {
        self.codes.capacity() + 4 * (self.scale.capacity() * 3)
    }

    pub(crate) fn reserve(&mut self, rows: usize) {
        self.codes.reserve(rows * self.stride);
        self.scale.reserve(rows);
        self.residual.reserve(rows);
        self.norm.reserve(rows);
    }

    pub(crate) fn push(&mut self, v: &[f32]) {
        let start = self.codes.len();
        self.codes.resize(start + self.stride, 0);
        let q = quantise(v, &mut self.codes[start..]);
        self.scale.push(q.scale);
        self.residual.push(q.residual);
        self.norm.push(q.norm);
    }

    pub(crate) fn set(&mut self, i: usize, v: &[f32]) {
        let (s, st) = (i * self.stride, self.stride);
        if let Some(codes) = self.codes.get_mut(s..s + st) {
            let q = quantise(v, codes);
            self.scale[i] = q.scale;
            self.residual[i] = q.residual;
            self.norm[i] = q.norm;
        }
    }

    /// Moves the last row into row `i` and drops the last, as the matrix does.
    pub(crate) fn swap_remove(&mut self, i: usize) {
        let last = self.len() - 1;
        if i != last {
            let st = self.stride;
            self.codes.copy_within(last * st..(last + 1) * st, i * st);
        }
        self.codes.truncate(last * self.stride);
        self.scale.swap_remove(i);
        self.residual.swap_remove(i);
        self.norm.swap_remove(i);
    }

    pub(crate) fn query(&self, query: &[f32]) -> Int8Query {
        Int8Query::new(query, self.stride)
    }

    /// Visits every row with its approximate score `a` and error bound `e`:
    /// the `f32` dot product of the query and the row lies in `[a − e, a + e]`.
    pub(crate) fn scan(&self, q: &Int8Query, mut visit: impl FnMut(usize, f32, f32)) {
        debug_assert_eq!(q.codes.len(), self.stride);
        let n = self.len();
        let mut dots = [0i32; BLOCK];
        let kernel = Kernel::detect();
        for start in (0..n).step_by(BLOCK) {
            let end = (start + BLOCK).min(n);
            let codes = &self.codes[start * self.stride..end * self.stride];
            kernel.dots(&q.codes, codes, self.stride, &mut dots[..end - start]);
            for (j, &d) in dots[..end - start].iter().enumerate() {
                let i = start + j;
                let (s, r, x) = (self.scale[i], self.residual[i], self.norm[i]);
                let a = s * q.scale * d as f32;
                let e = q.norm * r
                    + q.residual * x
                    + q.gamma * (q.norm * (x + r) + a.abs())
                    + f32::MIN_POSITIVE;
                visit(i, a, e);
            }
        }
    }
}

/// The integer dot-product kernel chosen at run time.
#[derive(Clone, Copy)]
enum Kernel {
    Portable,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Kernel {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx2") {
                return Kernel::Avx2;
            }
        }
        Kernel::Portable
    }

    /// `out[j] = q · rows[j]` for consecutive rows of `stride` codes.
    fn dots(self, q: &[i8], rows: &[i8], stride: usize, out: &mut [i32]) {
        match self {
            Kernel::Portable => dots_portable(q, rows, stride, out),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: `Avx2` is only chosen after `is_x86_feature_detected!("avx2")`
            // returned true on this CPU; slice lengths are checked inside.
            Kernel::Avx2 => unsafe { avx2::dots(q, rows, stride, out) },
        }
    }
}

fn dots_portable(q: &[i8], rows: &[i8], stride: usize, out: &mut [i32]) {
    for (row, o) in rows.chunks_exact(stride).zip(out.iter_mut()) {
        *o = row
            .iter()
            .zip(q)
            .map(|(&a, &b)| i32::from(a) * i32::from(b))
            .sum();
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    /// Horizontal sum of eight `i32` lanes.
    #[target_feature(enable = "avx2")]
    unsafe fn hsum(v: __m256i) -> i32 {
        let lo = _mm256_castsi256_si128(v);
        let hi = _mm256_extracti128_si256::<1>(v);
        let s = _mm_add_epi32(lo, hi);
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b01_00_11_10>(s));
        let s = _mm_add_epi32(s, _mm_shuffle_epi32::<0b10_11_00_01>(s));
        _mm_cvtsi128_si32(s)
    }

    /// Signed `i8` dot product of 32 lanes into eight `i32` partial sums:
    /// `|q|` (unsigned) times `row` with `q`'s sign, pairs summed to `i16`
    /// (at most 2·127·127, no saturation), then pairs to `i32`.
    #[inline]
    #[target_feature(enable = "avx2")]
    unsafe fn step(qa: __m256i, qs: __m256i, row: __m256i, ones: __m256i) -> __m256i {
        let signed = _mm256_sign_epi8(row, qs);
        _mm256_madd_epi16(_mm256_maddubs_epi16(qa, signed), ones)
    }

    /// `out[j] = q · rows[j]`; four rows per pass share the query registers.
    ///
    /// # Safety
    /// The CPU must support AVX2. `q.len()` must equal `stride`, a multiple
    /// of 32, and `rows.len()` must be at least `out.len() * stride`
    /// (checked; a short input leaves the rest of `out` untouched).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn dots(q: &[i8], rows: &[i8], stride: usize, out: &mut [i32]) {
        if q.len() != stride || !stride.is_multiple_of(32) || rows.len() < out.len() * stride {
            super::dots_portable(q, rows, stride, out);
            return;
        }
        let chunks = stride / 32;
        let ones = _mm256_set1_epi16(1);
        let qp = q.as_ptr();
        let rp = rows.as_ptr();
        let n = out.len();
        let mut j = 0;
        while j + 4 <= n {
            let (mut a0, mut a1, mut a2, mut a3) = (
                _mm256_setzero_si256(),
                _mm256_setzero_si256(),
                _mm256_setzero_si256(),
                _mm256_setzero_si256(),
            );
            for c in 0..chunks {
                // SAFETY: c*32+32 <= stride = q.len(), and (j+3)*stride + c*32 + 32
                // <= n*stride <= rows.len(), checked above; loadu has no alignment need.
                let qv = _mm256_loadu_si256(qp.add(c * 32) as *const __m256i);
                let qa = _mm256_sign_epi8(qv, qv);
                let r = rp.add(j * stride + c * 32);
                a0 = _mm256_add_epi32(
                    a0,
                    step(qa, qv, _mm256_loadu_si256(r as *const __m256i), ones),
                );
                a1 = _mm256_add_epi32(
                    a1,
                    step(
                        qa,
                        qv,
                        _mm256_loadu_si256(r.add(stride) as *const __m256i),
                        ones,
                    ),
                );
                a2 = _mm256_add_epi32(
                    a2,
                    step(
                        qa,
                        qv,
                        _mm256_loadu_si256(r.add(2 * stride) as *const __m256i),
                        ones,
                    ),
                );
                a3 = _mm256_add_epi32(
                    a3,
                    step(
                        qa,
                        qv,
                        _mm256_loadu_si256(r.add(3 * stride) as *const __m256i),
                        ones,
                    ),
                );
            }
            out[j] = hsum(a0);
            out[j + 1] = hsum(a1);
            out[j + 2] = hsum(a2);
            out[j + 3] = hsum(a3);
            j += 4;
        }
        while j < n {
            let mut a = _mm256_setzero_si256();
            for c in 0..chunks {
                // SAFETY: as above, for one row j < n.
                let qv = _mm256_loadu_si256(qp.add(c * 32) as *const __m256i);
                let qa = _mm256_sign_epi8(qv, qv);
                let r = rp.add(j * stride + c * 32);
                a = _mm256_add_epi32(
                    a,
                    step(qa, qv, _mm256_loadu_si256(r as *const __m256i), ones),
                );
            }
            out[j] = hsum(a);
            j += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::dot;

    fn vectors(n: usize, dim: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut s = seed | 1;
        let mut next = move || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        (0..n).map(|_| (0..dim).map(|_| next()).collect()).collect()
    }

    #[test]
    fn kernels_agree_and_bounds_hold() {
        for dim in [1usize, 7, 31, 32, 33, 192, 256, 513] {
            let rows = vectors(37, dim, dim as u64);
            let mut q8 = Int8Rows::new(dim);
            for r in &rows {
                q8.push(r);
            }
            for query in vectors(5, dim, 99 + dim as u64) {
                let q = q8.query(&query);
                let mut portable = vec![0i32; rows.len()];
                dots_portable(&q.codes, &q8.codes, q8.stride, &mut portable);
                let mut fast = vec![0i32; rows.len()];
                Kernel::detect().dots(&q.codes, &q8.codes, q8.stride, &mut fast);
                assert_eq!(portable, fast, "dim {dim}");
                q8.scan(&q, |i, a, e| {
                    let exact = dot(&query, &rows[i]);
                    assert!(
                        (exact - a).abs() <= e,
                        "dim {dim} row {i}: |{exact} - {a}| > {e}"
                    );
                    // The bound is useful: well under the score spread.
                    assert!(e < 0.05 * (1.0 + dim as f32).sqrt(), "{e}");
                });
            }
        }
    }

    #[test]
    fn extreme_rows_keep_valid_bounds() {
        let dim = 40;
        let mut q8 = Int8Rows::new(dim);
        let mut rows = vec![vec![0.0f32; dim], vec![1e-30; dim], vec![3e30; dim]];
        let mut spike = vec![1e-6f32; dim];
        spike[3] = 1.0;
        rows.push(spike);
        for r in &rows {
            q8.push(r);
        }
        let query = vectors(1, dim, 5).remove(0);
        let q = q8.query(&query);
        q8.scan(&q, |i, a, e| {
            let exact = dot(&query, &rows[i]);
            assert!((exact - a).abs() <= e, "row {i}: {exact} {a} {e}");
        });
    }

    #[test]
    fn set_and_swap_remove_mirror_the_matrix() {
        let dim = 50;
        let rows = vectors(9, dim, 3);
        let mut q8 = Int8Rows::new(dim);
        for r in &rows {
            q8.push(r);
        }
        let mut model = rows.clone();
        q8.set(2, &rows[8]);
        model[2] = rows[8].clone();
        q8.swap_remove(4);
        model.swap_remove(4);
        q8.swap_remove(model.len() - 1);
        model.pop();
        assert_eq!(q8.len(), model.len());
        let mut fresh = Int8Rows::new(dim);
        for r in &model {
            fresh.push(r);
        }
        assert_eq!(q8.codes, fresh.codes);
        assert_eq!(q8.scale, fresh.scale);
        assert_eq!(q8.residual, fresh.residual);
    }
}
