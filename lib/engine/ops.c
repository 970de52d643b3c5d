/* ops.c -- see ops.h */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, MAP_NORESERVE */
#include "engine/ops.h"

#include <cblas.h>
#include <math.h>
#include <stdio.h>
#include <sys/mman.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ------------------------------------------------------------ threads
 * The engine owns the cores (ops_set_threads): OpenBLAS runs single-threaded
 * and the engine splits its own work in OpenMP parallel regions, so one
 * thread pool (libgomp's) does everything and no OpenBLAS thread spins
 * against it. The split never changes the order of a reduction: a GEMM is
 * cut into blocks of output rows or columns (each element is the same dot
 * product, in OpenBLAS's same k-blocking), the attention into (batch, head)
 * pairs (or heads, when prefix gradients are summed over the batch), the
 * row-wise kernels (LayerNorm, softmax, GELU, dropout's scaling) into row
 * ranges; dropout masks are drawn serially from the one generator, in the
 * order of the serial engine; sums over rows (bias and LayerNorm weight
 * gradients) are split by column, each column's rows added in order. */
static int ops_nt; /* 0: never set (serial engine, OpenBLAS's own threads) */
static int ops_blas_gemm; /* AUTOPEFT_GEMM=blas: OpenBLAS threads the GEMMs */

/* OpenBLAS (declared here, as in util/blas.c, whichever cblas.h is used) */
void openblas_set_num_threads(int n);
int openblas_get_num_threads(void);
/* OpenBLAS internals, exported by its shared library (driver/others/
 * memory.c, blas_server.c); weak, so that another BLAS still links and
 * simply skips what they do here. */
void *blas_memory_alloc(int procpos) __attribute__((weak));
void blas_memory_free(void *buffer) __attribute__((weak));
int blas_thread_shutdown_(void) __attribute__((weak));

/* Each thread that calls sgemm at the same time needs its own OpenBLAS
 * work buffer (BUFFER_SIZE, 128 MB of address space on x86-64). OpenBLAS
 * keeps a buffer once it has one, and when it cannot map a new one it
 * retries for ever: a process under an address-space limit (ulimit -v, a
 * Slurm memory limit by address space) hung the first time two of the
 * engine's threads happened to overlap in sgemm after the model had taken
 * the room. So:
 *  - when the engine owns the cores, OpenBLAS's own idle workers are
 *    stopped (ops_set_threads): each holds a buffer and would never run
 *    again (OpenBLAS restarts them if its own threading is asked for
 *    later); their buffers go back to OpenBLAS's pool for the engine's
 *    threads, so n threads take n buffers, as OpenBLAS threading did;
 *  - before the first parallel region (par_ok), the main thread takes the
 *    n buffers the engine's threads can need, one at a time, each after a
 *    trial mapping of that size shows the room is there, and gives them
 *    back to the pool; if the room is not there, the engine stays on one
 *    thread, says so once on stderr, and never asks OpenBLAS for a buffer
 *    it cannot map. */
#define OPS_BLAS_BUFFER ((size_t)128 << 20)
static int ops_bufs_checked;

#ifdef _OPENMP /* only the threaded engine needs more than one buffer */
/* Room for n OpenBLAS buffers, taken from here; 0 when it is not there. */
static int blas_buffers_reserve(int n)
{
    if (!blas_memory_alloc || !blas_memory_free)
        return 1; /* not OpenBLAS: nothing known to reserve */
    void *buf[64];
    int got = 0, ok = 1;
    if (n > 64)
        n = 64;
    for (; got < n; got++) {
        void *trial = mmap(NULL, OPS_BLAS_BUFFER + (64 << 10), PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (trial == MAP_FAILED) {
            ok = 0;
            break;
        }
        munmap(trial, OPS_BLAS_BUFFER + (64 << 10));
        buf[got] = blas_memory_alloc(0);
    }
    for (int i = 0; i < got; i++)
        if (buf[i])
            blas_memory_free(buf[i]);
    return ok;
}

static void ops_buffers_check(void)
{
    ops_bufs_checked = 1;
    if (ops_blas_gemm || blas_buffers_reserve(ops_nt))
        return;
    fprintf(stderr, "autopeft: no room in the address space (ulimit -v) for %d OpenBLAS "
                    "work buffers of 128 MB: the engine runs on one thread\n", ops_nt);
    ops_nt = 1;
}

#endif

void ops_set_threads(int n)
{
    if (n < 1)
        n = openblas_get_num_threads();
#ifndef _OPENMP
    n = 1;
#endif
    ops_nt = n < 1 ? 1 : n;
    /* AUTOPEFT_GEMM=blas (for benchmarks): OpenBLAS threads each GEMM itself
     * and the engine splits only its own loops; with OpenBLAS's OpenMP build
     * (LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-openmp) both share
     * libgomp's pool. bench/RESULTS.md compares it with the default. */
    const char *g = getenv("AUTOPEFT_GEMM");
    ops_blas_gemm = ops_nt > 1 && g && !strcmp(g, "blas");
    openblas_set_num_threads(ops_blas_gemm ? ops_nt : 1);
    ops_bufs_checked = 0;
    if (!ops_blas_gemm && ops_nt > 1 && blas_thread_shutdown_)
        blas_thread_shutdown_(); /* OpenBLAS's idle workers (see above) */
}

int ops_threads(void) { return ops_nt > 1 ? ops_nt : 1; }

/* Split the engine's work here: ops_set_threads asked for more than one
 * thread, we are not already inside a parallel region, and work (about one
 * float operation a unit) is big enough to pay for waking the pool. */
static int par_ok(double work)
{
#ifdef _OPENMP
    if (ops_nt < 2 || work < 32768.0 || omp_in_parallel())
        return 0;
    if (!ops_bufs_checked)
        ops_buffers_check();
    return ops_nt > 1;
#else
    (void)work;
    return 0;
#endif
}

static int par_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

static int par_n(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* This thread's share [*lo, *hi) of n units cut into blocks of q. */
static void par_range(long n, long q, long *lo, long *hi)
{
    long t = par_id(), nt = par_n(), blocks = (n + q - 1) / q;
    long b0 = blocks * t / nt, b1 = blocks * (t + 1) / nt;
    *lo = b0 * q < n ? b0 * q : n;
    *hi = b1 * q < n ? b1 * q : n;
}

/* Run CALL (using lo, hi) over [0, n) in blocks of q: split across the
 * engine's threads when WORK (per unit) * n is worth it, else in one go. */
#define PAR_RANGE(n, q, work, CALL)                                                          \
    do {                                                                                     \
        long n_ = (n);                                                                       \
        if (par_ok((double)n_ * (work))) {                                                   \
            OPS_OMP("omp parallel num_threads(ops_nt)")                                      \
            {                                                                                \
                long lo, hi;                                                                 \
                par_range(n_, (q), &lo, &hi);                                                \
                if (hi > lo)                                                                 \
                    CALL;                                                                    \
            }                                                                                \
        } else {                                                                             \
            long lo = 0, hi = n_;                                                            \
            if (hi > lo)                                                                     \
                CALL;                                                                        \
        }                                                                                    \
    } while (0)

/* C (M,N) = alpha op(A) op(B) + beta C, row-major: cblas_sgemm, cut into
 * blocks of output rows (M >= N) or columns across the engine's threads. */
static void gemm(enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb, int M, int N, int K,
                 float alpha, const float *A, int lda, const float *B, int ldb, float beta,
                 float *C, int ldc)
{
    if (M > 0 && N > 0 && !ops_blas_gemm && par_ok(2.0 * M * N * K / 16)) {
        int rows = M >= N;
        OPS_OMP("omp parallel num_threads(ops_nt)")
        {
            long lo, hi;
            par_range(rows ? M : N, 16, &lo, &hi);
            if (hi > lo && rows)
                cblas_sgemm(CblasRowMajor, ta, tb, (int)(hi - lo), N, K, alpha,
                            A + (ta == CblasNoTrans ? lo * lda : lo), lda, B, ldb, beta,
                            C + lo * ldc, ldc);
            else if (hi > lo)
                cblas_sgemm(CblasRowMajor, ta, tb, M, (int)(hi - lo), K, alpha, A, lda,
                            B + (tb == CblasNoTrans ? lo : lo * ldb), ldb, beta, C + lo, ldc);
        }
        return;
    }
    cblas_sgemm(CblasRowMajor, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* Hot loops are written so that GCC vectorises them: no libm calls inside
 * (ops_expf / ops_erff below are branch-free polynomials), reductions over a
 * row kept in LANES independent partial sums (a fixed order, so the result
 * does not depend on the vector width), conditionals as selects. OPS_HOT
 * compiles such a function at -O3 whatever the build's -O level (and with
 * -fno-trapping-math, which lets GCC turn conditionals into selects; it
 * changes no result), once for
 * AVX2 and once for the baseline ISA (picked at load time by the CPU). The
 * build is ISO C (-std=c11), hence -ffp-contract=off and no FMA: both clones
 * run the same IEEE operations in the same order and give identical results. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define OPS_HOT __attribute__((optimize("O3", "no-trapping-math"), target_clones("avx2", "default")))
#else
#define OPS_HOT
#endif
#if defined(__GNUC__)
#define OPS_INLINE static inline __attribute__((always_inline))
#else
#define OPS_INLINE static inline
#endif
#define LANES 8

/* exp(x) for float: x = n ln2 + r, |r| <= ln2/2 (Cody-Waite), Cephes'
 * degree-6 polynomial for exp(r), 2^n applied as two factors so that every
 * n in [-126, 128] is exact. Max relative error 8.3e-8 (1.4 ulp) against
 * double exp wherever the result is a normal float (tests/unit/test_ops.c);
 * 0 below -87.33654 (where exp is subnormal), +inf above 88.72283, NaN
 * propagates. */
OPS_INLINE float exp_poly(float x0)
{
    float x = x0 > -87.33654f ? x0 : -87.33654f; /* also maps NaN to a finite value */
    x = x < 88.72283f ? x : 88.72283f;
    float t = x * 1.44269504088896341f;
    float kf = (t + 12582912.0f) - 12582912.0f; /* round to nearest (|t| < 2^22) */
    float r = x - kf * 0.693359375f;
    r = r - kf * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t n = (int32_t)kf, n1 = n >> 1;
    int32_t b1 = (n1 + 127) * (1 << 23), b2 = (n - n1 + 127) * (1 << 23);
    float s1, s2;
    memcpy(&s1, &b1, 4);
    memcpy(&s2, &b2, 4);
    float y = p * s1 * s2;
    y = x0 < -87.33654f ? 0.0f : y;
    y = x0 > 88.72283f ? INFINITY : y;
    return x0 != x0 ? x0 : y;
}

/* erf(z) for float; *e receives exp(-z^2) (used on the way). |z| < 0.921875:
 * z + z P(z^2), P of degree 6 (minimax, relative error 4e-10); above:
 * 1 - exp(-z^2) Q(min(|z|, 4) - 2.5) with Q of degree 11 fitted to erfcx on
 * [0.921875, 4] (relative error 4.3e-8; beyond 4, erf = 1 in float).
 * Coefficients: Lawson-weighted Chebyshev least squares (scipy), rounded to
 * float. Max error against double erf: 7.2e-8 absolute, 8.9e-8 relative
 * (glibc erff: 5.1e-8, 7.6e-8), measured by tests/unit/test_ops.c on a
 * dense grid. */
OPS_INLINE float erf_exp_poly(float z, float *e)
{
    float a = fabsf(z);
    float a2 = a * a;
    float s = 8.370142314e-05f;
    s = s * a2 + -8.142715669e-04f;
    s = s * a2 + 5.201033317e-03f;
    s = s * a2 + -2.685939893e-02f;
    s = s * a2 + 1.128369570e-01f;
    s = s * a2 + -3.761263490e-01f;
    s = s * a2 + 1.283791661e-01f;
    s = a + a * s;
    float u = (a < 4.0f ? a : 4.0f) - 2.5f;
    float q = -4.571862746e-07f;
    q = q * u + 1.714439350e-06f;
    q = q * u + -3.587108949e-06f;
    q = q * u + 1.413152950e-05f;
    q = q * u + -5.980933929e-05f;
    q = q * u + 2.133698581e-04f;
    q = q * u + -7.329513319e-04f;
    q = q * u + 2.465698635e-03f;
    q = q * u + -8.001740091e-03f;
    q = q * u + 2.493827231e-02f;
    q = q * u + -7.434733212e-02f;
    q = q * u + 2.108063549e-01f;
    float ex = exp_poly(-a2);
    float b = 1.0f - ex * q;
    float r = a < 0.921875f ? s : b;
    r = z < 0.0f ? -r : r;
    *e = ex;
    return z != z ? z : r;
}

OPS_INLINE float erf_poly(float z)
{
    float e;
    return erf_exp_poly(z, &e);
}

float ops_expf(float x) { return exp_poly(x); }
float ops_erff(float x) { return erf_poly(x); }

/* Sum of LANES partial sums, pairwise in double. */
OPS_INLINE float lanes_sum(const float *l)
{
    return (float)((((double)l[0] + l[1]) + ((double)l[2] + l[3])) +
                   (((double)l[4] + l[5]) + ((double)l[6] + l[7])));
}

/* sum_i x[i] and sum_i x[i] * y[i] in LANES fixed partial sums. */
OPS_INLINE float row_sum(const float *x, int n)
{
    float l[LANES] = {0};
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++)
            l[k] += x[i + k];
    for (int k = 0; i < n; i++, k++)
        l[k] += x[i];
    return lanes_sum(l);
}

OPS_INLINE float row_dot(const float *x, const float *y, int n)
{
    float l[LANES] = {0};
    int i = 0;
    for (; i + LANES <= n; i += LANES)
        for (int k = 0; k < LANES; k++)
            l[k] += x[i + k] * y[i + k];
    for (int k = 0; i < n; i++, k++)
        l[k] += x[i] * y[i];
    return lanes_sum(l);
}

/* Dropout keep masks from 32-bit integers: keep = (u >= thr) with
 * thr = ceil(p 2^32), so P(keep) = 1 - thr / 2^32, within 2^-32 of 1 - p.
 * Two masks per 64-bit draw of the model's xoshiro256** (the same generator
 * as util.c's rng_u64, inlined here on a local copy of the state). */
OPS_INLINE uint64_t rotl64(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static void drop_mask(unsigned char *keep, float p, rng_t *rng, long n)
{
    if (p >= 1.0f) {
        memset(keep, 0, n);
        return;
    }
    double td = ceil((double)p * 4294967296.0);
    uint32_t thr = td >= 4294967295.0 ? 4294967295u : (uint32_t)td;
    uint64_t s0 = rng->s[0], s1 = rng->s[1], s2 = rng->s[2], s3 = rng->s[3];
    for (long i = 0; i < n; i += 2) {
        uint64_t u = rotl64(s1 * 5, 7) * 9;
        uint64_t t = s1 << 17;
        s2 ^= s0;
        s3 ^= s1;
        s1 ^= s2;
        s0 ^= s3;
        s2 ^= t;
        s3 = rotl64(s3, 45);
        keep[i] = (uint32_t)u >= thr;
        if (i + 1 < n)
            keep[i + 1] = (uint32_t)(u >> 32) >= thr;
    }
    rng->s[0] = s0, rng->s[1] = s1, rng->s[2] = s2, rng->s[3] = s3;
}

OPS_HOT static void embed_forward_k(float *out, const int *ids, const int *tids, const float *wte,
                           const float *wpe, const float *wtt, int B, int T, int H)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            long i = (long)b * T + t;
            const float *w = wte + (long)ids[i] * H;
            const float *p = wpe + (long)t * H;
            const float *y = wtt + (long)(tids ? tids[i] : 0) * H;
            float *o = out + i * H;
            for (int h = 0; h < H; h++)
                o[h] = w[h] + p[h] + y[h];
        }
}

OPS_HOT void embed_backward(float *dwte, float *dwpe, float *dwtt, const float *dout,
                            const int *ids, const int *tids, int B, int T, int H)
{
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            long i = (long)b * T + t;
            const float *d = dout + i * H;
            if (dwte) {
                float *w = dwte + (long)ids[i] * H;
                for (int h = 0; h < H; h++)
                    w[h] += d[h];
            }
            if (dwpe) {
                float *p = dwpe + (long)t * H;
                for (int h = 0; h < H; h++)
                    p[h] += d[h];
            }
            if (dwtt) {
                float *y = dwtt + (long)(tids ? tids[i] : 0) * H;
                for (int h = 0; h < H; h++)
                    y[h] += d[h];
            }
        }
}

OPS_HOT static void layernorm_forward_k(float *out, float *mean, float *rstd, const float *inp,
                               const float *w, const float *b, float eps, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (long)i * C;
        float mf = (float)((double)row_sum(x, C) / C);
        float l[LANES] = {0};
        int c = 0;
        for (; c + LANES <= C; c += LANES)
            for (int k = 0; k < LANES; k++) {
                float d = x[c + k] - mf;
                l[k] += d * d;
            }
        for (int k = 0; c < C; c++, k++) {
            float d = x[c] - mf;
            l[k] += d * d;
        }
        double v = (double)lanes_sum(l) / C;
        float s = (float)(1.0 / sqrt(v + eps));
        float *o = out + (long)i * C;
        for (c = 0; c < C; c++)
            o[c] = (x[c] - mf) * s * w[c] + b[c];
        mean[i] = mf;
        rstd[i] = s;
    }
}

/* The LayerNorm weight gradients of columns [c0, c1) (c0 a multiple of
 * CBLK): one block of CBLK columns at a time, its sums held in registers
 * over all N rows, each column's rows added in order, as the fused serial
 * kernel adds them (the same bits). Reading a block's columns down the
 * rows is a strided pass the prefetcher follows; updating dw in memory row
 * after row, as the serial kernel does, cost ten times more here. */
#define CBLK 16
/* Rows 0..N-1 of columns [c, c + w) added into aw, ab (w <= CBLK); called
 * with w = CBLK for full blocks, so that the inlined loop has a constant
 * width and vectorises. */
OPS_INLINE void layernorm_wgrad_block(float *aw, float *ab, const float *dout, const float *inp,
                                      const float *mean, const float *rstd, int N, int C, long c,
                                      int w)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (long)i * C + c, *dy = dout + (long)i * C + c;
        float m = mean[i], s = rstd[i];
        for (int k = 0; k < w; k++) {
            aw[k] += (x[k] - m) * s * dy[k];
            ab[k] += dy[k];
        }
    }
}

OPS_HOT static void layernorm_wgrad_k(float *dw, float *db, const float *dout, const float *inp,
                                      const float *mean, const float *rstd, int N, int C, long c0,
                                      long c1)
{
    for (long c = c0; c < c1; c += CBLK) {
        int w = c1 - c < CBLK ? (int)(c1 - c) : CBLK;
        float aw[CBLK] = {0}, ab[CBLK] = {0};
        for (int k = 0; k < w; k++) {
            if (dw)
                aw[k] = dw[c + k];
            if (db)
                ab[k] = db[c + k];
        }
        if (w == CBLK)
            layernorm_wgrad_block(aw, ab, dout, inp, mean, rstd, N, C, c, CBLK);
        else
            layernorm_wgrad_block(aw, ab, dout, inp, mean, rstd, N, C, c, w);
        for (int k = 0; k < w; k++) {
            if (dw)
                dw[c + k] = aw[k];
            if (db)
                db[c + k] = ab[k];
        }
    }
}

OPS_HOT static void layernorm_backward_k(float *dinp, float *dw, float *db, const float *dout,
                                const float *inp, const float *w, const float *mean,
                                const float *rstd, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *x = inp + (long)i * C, *dy = dout + (long)i * C;
        float m = mean[i], s = rstd[i];
        if (dinp) {
            float l1[LANES] = {0}, l2[LANES] = {0};
            int c = 0;
            for (; c + LANES <= C; c += LANES)
                for (int k = 0; k < LANES; k++) {
                    float n = (x[c + k] - m) * s;
                    float dn = w[c + k] * dy[c + k];
                    l1[k] += dn;
                    l2[k] += dn * n;
                }
            for (int k = 0; c < C; c++, k++) {
                float n = (x[c] - m) * s;
                float dn = w[c] * dy[c];
                l1[k] += dn;
                l2[k] += dn * n;
            }
            float dmean = (float)((double)lanes_sum(l1) / C);
            float dnmean = (float)((double)lanes_sum(l2) / C);
            float *dx = dinp + (long)i * C;
            for (c = 0; c < C; c++) {
                float n = (x[c] - m) * s;
                dx[c] += (w[c] * dy[c] - dmean - n * dnmean) * s;
            }
        }
        if (dw)
            for (int c = 0; c < C; c++)
                dw[c] += (x[c] - m) * s * dy[c];
        if (db)
            for (int c = 0; c < C; c++)
                db[c] += dy[c];
    }
}

static void bias_rows_k(float *out, const float *b, int N, int OC)
{
    for (int i = 0; i < N; i++)
        memcpy(out + (long)i * OC, b, sizeof(float) * OC);
}

/* db[o] += the sum of dout's column o over the N rows, in row order, for
 * columns [o0, o1) (o0 a multiple of CBLK): register sums per block of
 * columns, as layernorm_wgrad_k. */
OPS_INLINE void bias_grad_block(float *acc, const float *dout, int N, int OC, long o, int w)
{
    for (int i = 0; i < N; i++) {
        const float *d = dout + (long)i * OC + o;
        for (int k = 0; k < w; k++)
            acc[k] += d[k];
    }
}

OPS_HOT static void bias_grad_k(float *db, const float *dout, int N, int OC, long o0, long o1)
{
    for (long o = o0; o < o1; o += CBLK) {
        int w = o1 - o < CBLK ? (int)(o1 - o) : CBLK;
        float acc[CBLK] = {0};
        for (int k = 0; k < w; k++)
            acc[k] = db[o + k];
        if (w == CBLK)
            bias_grad_block(acc, dout, N, OC, o, CBLK);
        else
            bias_grad_block(acc, dout, N, OC, o, w);
        for (int k = 0; k < w; k++)
            db[o + k] = acc[k];
    }
}

void linear_forward(float *out, const float *inp, const float *W, const float *b, int N, int IC,
                    int OC)
{
    if (b)
        PAR_RANGE(N, 1, OC / 4.0, bias_rows_k(out + lo * OC, b, (int)(hi - lo), OC));
    gemm(CblasNoTrans, CblasTrans, N, OC, IC, 1.0f, inp, IC, W, IC,
                b ? 1.0f : 0.0f, out, OC);
}

/* linear_backward with dinp accumulated (beta 1) or overwritten (beta 0). */
OPS_INLINE void linear_bwd(float *dinp, float beta, float *dW, float *db, const float *dout,
                           const float *inp, const float *W, int N, int IC, int OC)
{
    if (dinp)
        gemm(CblasNoTrans, CblasNoTrans, N, IC, OC, 1.0f, dout, OC, W, IC,
                    beta, dinp, IC);
    if (dW)
        gemm(CblasTrans, CblasNoTrans, OC, IC, N, 1.0f, dout, OC, inp, IC,
                    1.0f, dW, IC);
    if (db) /* split over columns: each sum keeps its order */
        PAR_RANGE(OC, 16, N, bias_grad_k(db, dout, N, OC, lo, hi));
}

OPS_HOT void linear_backward(float *dinp, float *dW, float *db, const float *dout,
                             const float *inp, const float *W, int N, int IC, int OC)
{
    linear_bwd(dinp, 1.0f, dW, db, dout, inp, W, N, IC, OC);
}

OPS_HOT void linear_backward_set(float *dinp, float *dW, float *db, const float *dout,
                                 const float *inp, const float *W, int N, int IC, int OC)
{
    linear_bwd(dinp, 0.0f, dW, db, dout, inp, W, N, IC, OC);
}

void lora_forward(float *out, float *xa, const float *inp, const float *A, const float *B,
                  float scale, int ldo, int N, int IC, int OC, int r)
{
    linear_forward(xa, inp, A, NULL, N, IC, r);
    gemm(CblasNoTrans, CblasTrans, N, OC, r, scale, xa, r, B, r, 1.0f, out,
                ldo);
}

void lora_backward(float *dinp, float *dA, float *dB, float *dxa, const float *dout,
                   const float *xa, const float *inp, const float *A, const float *B, float scale,
                   int ldd, int N, int IC, int OC, int r)
{
    /* dxa (N,r) = scale dout B;  dB (OC,r) += scale dout^T xa;  dA (r,IC) += dxa^T inp;
     * dinp (N,IC) += dxa A */
    gemm(CblasNoTrans, CblasNoTrans, N, r, OC, scale, dout, ldd, B, r, 0.0f,
                dxa, r);
    gemm(CblasTrans, CblasNoTrans, OC, r, N, scale, dout, ldd, xa, r, 1.0f,
                dB, r);
    gemm(CblasTrans, CblasNoTrans, r, IC, N, 1.0f, dxa, r, inp, IC, 1.0f, dA,
                IC);
    if (dinp)
        gemm(CblasNoTrans, CblasNoTrans, N, IC, r, 1.0f, dxa, r, A, IC, 1.0f,
                    dinp, IC);
}

OPS_HOT void adapter_forward(float *out, float *act, float *up, const float *inp, const float *Wd,
                             const float *bd, const float *Wu, const float *bu, float scale, int N,
                             int C, int m)
{
    linear_forward(act, inp, Wd, bd, N, C, m);
    relu_forward(act, act, N * m);
    linear_forward(up, act, Wu, bu, N, m, C);
    long n = (long)N * C;
    if (scale == 1.0f)
        for (long i = 0; i < n; i++)
            out[i] += up[i];
    else
        for (long i = 0; i < n; i++)
            out[i] += scale * up[i];
}

OPS_HOT void adapter_backward(float *dinp, float *dWd, float *dbd, float *dWu, float *dbu,
                              float *dup, float *dact, float *dz, const float *dout,
                              const float *act, const float *inp, const float *Wd, const float *Wu,
                              float scale, int N, int C, int m)
{
    long n = (long)N * C;
    const float *d = dout;
    if (scale != 1.0f) {
        for (long i = 0; i < n; i++)
            dup[i] = scale * dout[i];
        d = dup;
    }
    memset(dact, 0, sizeof(float) * (size_t)N * m);
    linear_backward(dact, dWu, dbu, d, act, Wu, N, m, C);
    memset(dz, 0, sizeof(float) * (size_t)N * m);
    relu_backward(dz, act, dact, N * m);
    linear_backward(dinp, dWd, dbd, dz, inp, Wd, N, C, m);
}

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT2PI 0.39894228040143267794f

OPS_HOT static void gelu_forward_k(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++) {
        float x = inp[i];
        out[i] = 0.5f * x * (1.0f + erf_poly(x * INV_SQRT2));
    }
}

/* d/dx = Phi(x) + x phi(x); phi(x) = exp(-z^2) / sqrt(2 pi) with z = x / sqrt 2
 * comes out of the erf evaluation. */
OPS_HOT static void gelu_backward_k(float *dinp, const float *inp, const float *dout, int n)
{
    for (int i = 0; i < n; i++) {
        float x = inp[i], e;
        float cdf = 0.5f * (1.0f + erf_exp_poly(x * INV_SQRT2, &e));
        float pdf = INV_SQRT2PI * e;
        dinp[i] += dout[i] * (cdf + x * pdf);
    }
}

OPS_HOT static void gelu_backward_set_k(float *dinp, const float *inp, const float *dout, int n)
{
    for (int i = 0; i < n; i++) {
        float x = inp[i], e;
        float cdf = 0.5f * (1.0f + erf_exp_poly(x * INV_SQRT2, &e));
        float pdf = INV_SQRT2PI * e;
        dinp[i] = dout[i] * (cdf + x * pdf);
    }
}

OPS_HOT static void relu_forward_k(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = inp[i] > 0 ? inp[i] : 0.0f;
}

OPS_HOT static void relu_backward_k(float *dinp, const float *out, const float *dout, int n)
{
    for (int i = 0; i < n; i++)
        dinp[i] += out[i] > 0 ? dout[i] : 0.0f;
}

void tanh_forward(float *out, const float *inp, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = tanhf(inp[i]);
}

OPS_HOT static void tanh_backward_k(float *dinp, const float *out, const float *dout, int n)
{
    for (int i = 0; i < n; i++)
        dinp[i] += dout[i] * (1.0f - out[i] * out[i]);
}

OPS_HOT static void residual_forward_k(float *out, const float *a, const float *b, int n)
{
    for (int i = 0; i < n; i++)
        out[i] = a[i] + b[i];
}

OPS_HOT static void residual_backward_k(float *da, float *db, const float *dout, int n)
{
    if (da)
        for (int i = 0; i < n; i++)
            da[i] += dout[i];
    if (db)
        for (int i = 0; i < n; i++)
            db[i] += dout[i];
}

OPS_HOT static void dropout_scale_k(float *out, const unsigned char *keep, const float *inp,
                                    float s, long n)
{
    for (long i = 0; i < n; i++)
        out[i] = keep[i] ? inp[i] * s : 0.0f;
}

void dropout_forward(float *out, unsigned char *keep, const float *inp, float p,
                             rng_t *rng, int n)
{
    if (p <= 0.0f || !rng) {
        if (out != inp)
            memcpy(out, inp, sizeof(float) * n);
        return;
    }
    float s = 1.0f / (1.0f - p);
    drop_mask(keep, p, rng, n);
    PAR_RANGE(n, 64, 1, dropout_scale_k(out + lo, keep + lo, inp + lo, s, hi - lo));
}

OPS_HOT static void dropout_backward_k(float *dinp, const unsigned char *keep, const float *dout,
                              float p, int n)
{
    if (p <= 0.0f) {
        for (int i = 0; i < n; i++)
            dinp[i] += dout[i];
        return;
    }
    float s = 1.0f / (1.0f - p);
    for (int i = 0; i < n; i++)
        dinp[i] += keep[i] ? dout[i] * s : 0.0f;
}

/* Row softmax over S = pt + T keys: the pt prefix keys always count, key
 * pt + j only if mask[j] (mask NULL: all). The caller passes NULL when
 * no key is left (every key padded and no prefix): HF's uniform-offset
 * scores then give a plain softmax. */
OPS_INLINE void softmax_row(float *a, const int *mask, int pt, int S)
{
    int T = S - pt;
    float lm[LANES];
    for (int k = 0; k < LANES; k++)
        lm[k] = -INFINITY;
    for (int j = 0; j < pt; j++) /* short: scalar into lane 0 */
        lm[0] = a[j] > lm[0] ? a[j] : lm[0];
    float *at = a + pt;
    int j = 0;
    if (mask) {
        for (; j + LANES <= T; j += LANES)
            for (int k = 0; k < LANES; k++) {
                float v = mask[j + k] ? at[j + k] : -INFINITY;
                lm[k] = v > lm[k] ? v : lm[k];
            }
        for (; j < T; j++) {
            float v = mask[j] ? at[j] : -INFINITY;
            lm[0] = v > lm[0] ? v : lm[0];
        }
    } else {
        for (; j + LANES <= T; j += LANES)
            for (int k = 0; k < LANES; k++)
                lm[k] = at[j + k] > lm[k] ? at[j + k] : lm[k];
        for (; j < T; j++)
            lm[0] = at[j] > lm[0] ? at[j] : lm[0];
    }
    float mx = lm[0];
    for (int k = 1; k < LANES; k++)
        mx = lm[k] > mx ? lm[k] : mx;
    float ls[LANES] = {0};
    for (j = 0; j < pt; j++) {
        a[j] = exp_poly(a[j] - mx);
        ls[0] += a[j];
    }
    j = 0;
    if (mask) {
        for (; j + LANES <= T; j += LANES)
            for (int k = 0; k < LANES; k++) {
                float e = exp_poly(at[j + k] - mx);
                e = mask[j + k] ? e : 0.0f;
                at[j + k] = e;
                ls[k] += e;
            }
        for (int k = 0; j < T; j++, k++) {
            float e = exp_poly(at[j] - mx);
            e = mask[j] ? e : 0.0f;
            at[j] = e;
            ls[k] += e;
        }
    } else {
        for (; j + LANES <= T; j += LANES)
            for (int k = 0; k < LANES; k++) {
                float e = exp_poly(at[j + k] - mx);
                at[j + k] = e;
                ls[k] += e;
            }
        for (int k = 0; j < T; j++, k++) {
            float e = exp_poly(at[j] - mx);
            at[j] = e;
            ls[k] += e;
        }
    }
    float inv = (float)(1.0 / (double)lanes_sum(ls));
    for (j = 0; j < S; j++)
        a[j] *= inv;
}

/* ---- the public row-wise kernels: the _k kernels above over row ranges */
void ops_zero(float *p, long n)
{
    PAR_RANGE(n, 64, 0.25, memset(p + lo, 0, sizeof(float) * (size_t)(hi - lo)));
}

void ops_copy(float *dst, const float *src, long n)
{
    PAR_RANGE(n, 64, 0.25, memcpy(dst + lo, src + lo, sizeof(float) * (size_t)(hi - lo)));
}

void embed_forward(float *out, const int *ids, const int *tids, const float *wte,
                   const float *wpe, const float *wtt, int B, int T, int H)
{
    /* rows of (B*T): split over b, whole sequences */
    PAR_RANGE(B, 1, (double)T * H, embed_forward_k(out + lo * T * H, ids + lo * T,
                                                   tids ? tids + lo * T : NULL, wte, wpe, wtt,
                                                   (int)(hi - lo), T, H));
}

void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                       const float *b, float eps, int N, int C)
{
    PAR_RANGE(N, 1, 4.0 * C, layernorm_forward_k(out + lo * C, mean + lo, rstd + lo,
                                                inp + lo * C, w, b, eps, (int)(hi - lo), C));
}

void layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, const float *mean, const float *rstd, int N, int C)
{
    if (!dw && !db) {
        PAR_RANGE(N, 1, 6.0 * C, layernorm_backward_k(dinp + lo * C, NULL, NULL, dout + lo * C,
                                                     inp + lo * C, w, mean + lo, rstd + lo,
                                                     (int)(hi - lo), C));
        return;
    }
    if (!par_ok(8.0 * N * C)) {
        layernorm_backward_k(dinp, dw, db, dout, inp, w, mean, rstd, N, C);
        return;
    }
    /* dinp over rows, then the weight gradients over columns (each column's
     * sum over the rows in order, as the serial kernel adds them) */
    if (dinp)
        PAR_RANGE(N, 1, 6.0 * C, layernorm_backward_k(dinp + lo * C, NULL, NULL, dout + lo * C,
                                                     inp + lo * C, w, mean + lo, rstd + lo,
                                                     (int)(hi - lo), C));
    PAR_RANGE(C, 16, 3.0 * N, layernorm_wgrad_k(dw, db, dout, inp, mean, rstd, N, C, lo, hi));
}

void gelu_forward(float *out, const float *inp, int n)
{
    PAR_RANGE(n, 64, 16, gelu_forward_k(out + lo, inp + lo, (int)(hi - lo)));
}

void gelu_backward(float *dinp, const float *inp, const float *dout, int n)
{
    PAR_RANGE(n, 64, 16, gelu_backward_k(dinp + lo, inp + lo, dout + lo, (int)(hi - lo)));
}

void gelu_backward_set(float *dinp, const float *inp, const float *dout, int n)
{
    PAR_RANGE(n, 64, 16, gelu_backward_set_k(dinp + lo, inp + lo, dout + lo, (int)(hi - lo)));
}

void relu_forward(float *out, const float *inp, int n)
{
    PAR_RANGE(n, 64, 1, relu_forward_k(out + lo, inp + lo, (int)(hi - lo)));
}

void relu_backward(float *dinp, const float *out, const float *dout, int n)
{
    PAR_RANGE(n, 64, 1, relu_backward_k(dinp + lo, out + lo, dout + lo, (int)(hi - lo)));
}

void tanh_backward(float *dinp, const float *out, const float *dout, int n)
{
    PAR_RANGE(n, 64, 1, tanh_backward_k(dinp + lo, out + lo, dout + lo, (int)(hi - lo)));
}

void residual_forward(float *out, const float *a, const float *b, int n)
{
    PAR_RANGE(n, 64, 1, residual_forward_k(out + lo, a + lo, b + lo, (int)(hi - lo)));
}

void residual_backward(float *da, float *db, const float *dout, int n)
{
    PAR_RANGE(n, 64, 1, residual_backward_k(da ? da + lo : NULL, db ? db + lo : NULL, dout + lo,
                                            (int)(hi - lo)));
}

void dropout_backward(float *dinp, const unsigned char *keep, const float *dout, float p, int n)
{
    PAR_RANGE(n, 64, 1, dropout_backward_k(dinp + lo, keep + lo, dout + lo, p, (int)(hi - lo)));
}

/* One (batch b, head h) of attention_forward; keep already drawn. */
OPS_HOT static void attention_forward_bh(float *out, float *att, const unsigned char *keep,
                                         float *scratch, const float *qkv, const float *pk,
                                         const float *pv, int ldp, const int *mask, int drop,
                                         float ds, int b, int h, int T, int NH, int hd, int pt)
{
    int H = NH * hd, H3 = 3 * H, S = pt + T;
    long TS = (long)T * S;
    float scale = 1.0f / sqrtf((float)hd);
    const int *mb = mask ? mask + (long)b * T : NULL;
    if (mb) { /* no mask when every key counts, or none does */
        int all = 1, any = pt > 0;
        for (int j = 0; j < T; j++)
            all &= mb[j] != 0, any |= mb[j] != 0;
        if (all || !any)
            mb = NULL;
    }
    const float *Q = qkv + (long)b * T * H3 + h * hd;
    const float *K = Q + H, *V = Q + 2 * H;
    long off = ((long)b * NH + h) * TS;
    float *A = att + off;
    /* scores (T,S) */
    if (pt > 0)
        gemm(CblasNoTrans, CblasTrans, T, pt, hd, scale, Q, H3, pk + h * hd, ldp, 0.0f, A, S);
    gemm(CblasNoTrans, CblasTrans, T, T, hd, scale, Q, H3, K, H3, 0.0f, A + pt, S);
    for (int i = 0; i < T; i++)
        softmax_row(A + (long)i * S, mb, pt, S);
    const float *Ad = A;
    if (drop) {
        const unsigned char *kp = keep + off;
        for (long i = 0; i < TS; i++)
            scratch[i] = kp[i] ? A[i] * ds : 0.0f;
        Ad = scratch;
    }
    float *O = out + (long)b * T * H + h * hd;
    if (pt > 0)
        gemm(CblasNoTrans, CblasNoTrans, T, hd, pt, 1.0f, Ad, S, pv + h * hd, ldp, 0.0f, O, H);
    gemm(CblasNoTrans, CblasNoTrans, T, hd, T, 1.0f, Ad + pt, S, V, H3, pt > 0 ? 1.0f : 0.0f, O,
         H);
}

void attention_forward(float *out, float *att, unsigned char *keep, float *scratch,
                       const float *qkv, const float *pk, const float *pv, int ldp,
                       const int *mask, float p, rng_t *rng, int B, int T, int NH, int hd, int pt)
{
    int S = pt + T;
    long TS = (long)T * S, BH = (long)B * NH;
    int drop = p > 0.0f && rng;
    float ds = drop ? 1.0f / (1.0f - p) : 1.0f;
    if (drop) /* the masks first, serially, in (b, h) order */
        for (long i = 0; i < BH; i++)
            drop_mask(keep + i * TS, p, rng, TS);
    if (!par_ok((double)BH * TS * hd * 4)) {
        for (long i = 0; i < BH; i++)
            attention_forward_bh(out, att, keep, scratch, qkv, pk, pv, ldp, mask, drop, ds,
                                 (int)(i / NH), (int)(i % NH), T, NH, hd, pt);
        return;
    }
    OPS_OMP("omp parallel num_threads(ops_nt)")
    {
        long lo, hi;
        par_range(BH, 1, &lo, &hi);
        float *sc = par_id() == 0 ? scratch : xmalloc(sizeof(float) * (size_t)TS);
        for (long i = lo; i < hi; i++)
            attention_forward_bh(out, att, keep, sc, qkv, pk, pv, ldp, mask, drop, ds,
                                 (int)(i / NH), (int)(i % NH), T, NH, hd, pt);
        if (sc != scratch)
            free(sc);
    }
}

/* One (b, h) of attention_backward; scratch: 2 T S floats. */
OPS_HOT static void attention_backward_bh(float *dqkv, float *dpk, float *dpv, float *scratch,
                                          const float *dout, const float *att,
                                          const unsigned char *keep, const float *qkv,
                                          const float *pk, const float *pv, int ldp, int drop,
                                          float ds, int b, int h, int T, int NH, int hd, int pt)
{
    int H = NH * hd, H3 = 3 * H, S = pt + T;
    long TS = (long)T * S;
    float scale = 1.0f / sqrtf((float)hd);
    float *dA = scratch, *Ad = scratch + TS;
    const float *Q = qkv + (long)b * T * H3 + h * hd;
    const float *K = Q + H, *V = Q + 2 * H;
    float *dQ = dqkv + (long)b * T * H3 + h * hd;
    float *dK = dQ + H, *dV = dQ + 2 * H;
    long off = ((long)b * NH + h) * TS;
    const float *A = att + off;
    const float *dO = dout + (long)b * T * H + h * hd;
    const float *Ause = A;
    if (drop) {
        const unsigned char *kp = keep + off;
        for (long i = 0; i < TS; i++)
            Ad[i] = kp[i] ? A[i] * ds : 0.0f;
        Ause = Ad;
    }
    /* dA (T,S) = dO [PV; V]^T */
    if (pt > 0)
        gemm(CblasNoTrans, CblasTrans, T, pt, hd, 1.0f, dO, H, pv + h * hd, ldp, 0.0f, dA, S);
    gemm(CblasNoTrans, CblasTrans, T, T, hd, 1.0f, dO, H, V, H3, 0.0f, dA + pt, S);
    /* dV += A'^T dO, dPV += A'[:, :pt]^T dO */
    gemm(CblasTrans, CblasNoTrans, T, hd, T, 1.0f, Ause + pt, S, dO, H, 1.0f, dV, H3);
    if (pt > 0 && dpv)
        gemm(CblasTrans, CblasNoTrans, pt, hd, T, 1.0f, Ause, S, dO, H, 1.0f, dpv + h * hd, ldp);
    if (drop) {
        const unsigned char *kp = keep + off;
        for (long i = 0; i < TS; i++)
            dA[i] = kp[i] ? dA[i] * ds : 0.0f;
    }
    /* softmax backward, O(S) per row: dS = A * (dA - sum(A * dA)) */
    for (int i = 0; i < T; i++) {
        const float *a = A + (long)i * S;
        float *d = dA + (long)i * S;
        float sf = row_dot(a, d, S);
        for (int j = 0; j < S; j++)
            d[j] = a[j] * (d[j] - sf);
    }
    /* dQ += scale dS [PK; K];  dK += scale dS^T Q;  dPK += scale dS[:, :pt]^T Q */
    if (pt > 0)
        gemm(CblasNoTrans, CblasNoTrans, T, hd, pt, scale, dA, S, pk + h * hd, ldp, 1.0f, dQ, H3);
    gemm(CblasNoTrans, CblasNoTrans, T, hd, T, scale, dA + pt, S, K, H3, 1.0f, dQ, H3);
    gemm(CblasTrans, CblasNoTrans, T, hd, T, scale, dA + pt, S, Q, H3, 1.0f, dK, H3);
    if (pt > 0 && dpk)
        gemm(CblasTrans, CblasNoTrans, pt, hd, T, scale, dA, S, Q, H3, 1.0f, dpk + h * hd, ldp);
}

void attention_backward(float *dqkv, float *dpk, float *dpv, float *scratch, const float *dout,
                        const float *att, const unsigned char *keep, const float *qkv,
                        const float *pk, const float *pv, int ldp, float p, int B, int T, int NH,
                        int hd, int pt)
{
    int S = pt + T;
    long TS = (long)T * S, BH = (long)B * NH;
    int drop = p > 0.0f;
    float ds = drop ? 1.0f / (1.0f - p) : 1.0f;
    /* prefix gradients are summed over the batch: then split by head only,
     * each head's batch in order */
    int byhead = pt > 0 && (dpk || dpv);
    if (!par_ok((double)BH * TS * hd * 8) || (byhead && NH < 2)) {
        for (long i = 0; i < BH; i++)
            attention_backward_bh(dqkv, dpk, dpv, scratch, dout, att, keep, qkv, pk, pv, ldp,
                                  drop, ds, (int)(i / NH), (int)(i % NH), T, NH, hd, pt);
        return;
    }
    OPS_OMP("omp parallel num_threads(ops_nt)")
    {
        long lo, hi;
        par_range(byhead ? NH : BH, 1, &lo, &hi);
        float *sc = par_id() == 0 ? scratch : xmalloc(sizeof(float) * 2 * (size_t)TS);
        for (long i = lo; i < hi; i++) {
            if (byhead)
                for (int b = 0; b < B; b++)
                    attention_backward_bh(dqkv, dpk, dpv, sc, dout, att, keep, qkv, pk, pv, ldp,
                                          drop, ds, b, (int)i, T, NH, hd, pt);
            else
                attention_backward_bh(dqkv, dpk, dpv, sc, dout, att, keep, qkv, pk, pv, ldp,
                                      drop, ds, (int)(i / NH), (int)(i % NH), T, NH, hd, pt);
        }
        if (sc != scratch)
            free(sc);
    }
}

/* Softmax of rows [0, N) into probs; rowloss[i] = the row's loss term. */
OPS_HOT static void crossentropy_rows_k(float *probs, double *rowloss, const float *logits,
                                        const int *labels, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *z = logits + (long)i * C;
        float *pr = probs + (long)i * C;
        float lm[LANES];
        for (int k = 0; k < LANES; k++)
            lm[k] = z[0];
        int c = 0;
        for (; c + LANES <= C; c += LANES)
            for (int k = 0; k < LANES; k++)
                lm[k] = z[c + k] > lm[k] ? z[c + k] : lm[k];
        for (; c < C; c++)
            lm[0] = z[c] > lm[0] ? z[c] : lm[0];
        float mx = lm[0];
        for (int k = 1; k < LANES; k++)
            mx = lm[k] > mx ? lm[k] : mx;
        float ls[LANES] = {0};
        c = 0;
        for (; c + LANES <= C; c += LANES)
            for (int k = 0; k < LANES; k++) {
                float e = exp_poly(z[c + k] - mx);
                pr[c + k] = e;
                ls[k] += e;
            }
        for (int k = 0; c < C; c++, k++) {
            float e = exp_poly(z[c] - mx);
            pr[c] = e;
            ls[k] += e;
        }
        float sum = lanes_sum(ls);
        float inv = 1.0f / sum;
        for (c = 0; c < C; c++)
            pr[c] *= inv;
        rowloss[i] = labels && labels[i] != LABEL_IGNORE ? log(sum) - ((double)z[labels[i]] - mx)
                                                          : 0.0;
    }
}

float crossentropy_forward(float *probs, const float *logits, const int *labels, int N, int C)
{
    double *rl = xmalloc(sizeof(double) * (N > 0 ? (size_t)N : 1)), loss = 0;
    int count = 0;
    PAR_RANGE(N, 1, 8.0 * C, crossentropy_rows_k(probs + lo * C, rl + lo, logits + lo * C,
                                                 labels ? labels + lo : NULL, (int)(hi - lo), C));
    for (int i = 0; i < N; i++)
        if (labels && labels[i] != LABEL_IGNORE) {
            loss += rl[i];
            count++;
        }
    free(rl);
    return count ? (float)(loss / count) : 0.0f;
}

OPS_HOT static void crossentropy_grad_k(float *dlogits, const float *probs, const int *labels,
                                        float s, int N, int C);

void crossentropy_backward(float *dlogits, const float *probs, const int *labels, float dloss,
                           int N, int C)
{
    int count = 0;
    for (int i = 0; i < N; i++)
        count += labels[i] != LABEL_IGNORE;
    float s = count ? dloss / count : 0.0f;
    PAR_RANGE(N, 1, C, crossentropy_grad_k(dlogits + lo * C, probs + lo * C, labels + lo, s,
                                           (int)(hi - lo), C));
}

OPS_HOT static void crossentropy_grad_k(float *dlogits, const float *probs, const int *labels,
                                        float s, int N, int C)
{
    for (int i = 0; i < N; i++) {
        const float *pr = probs + (long)i * C;
        float *d = dlogits + (long)i * C;
        if (labels[i] == LABEL_IGNORE) {
            memset(d, 0, sizeof(float) * C);
            continue;
        }
        for (int c = 0; c < C; c++)
            d[c] = pr[c] * s;
        d[labels[i]] -= s;
    }
}

float mse_forward(const float *pred, const float *target, int N)
{
    double s = 0;
    for (int i = 0; i < N; i++) {
        double d = (double)pred[i] - target[i];
        s += d * d;
    }
    return N ? (float)(s / N) : 0.0f;
}

void mse_backward(float *dpred, const float *pred, const float *target, float dloss, int N)
{
    for (int i = 0; i < N; i++)
        dpred[i] += dloss * 2.0f * (pred[i] - target[i]) / N;
}
