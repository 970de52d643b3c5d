/* sgemm_peak.c -- single-call cblas_sgemm GFLOP/s at shapes the engine runs,
 * for 1 and 2 threads (or --threads LIST), so bench/RESULTS.md can say which
 * fraction of OpenBLAS's peak one training step reaches.
 *
 *   bench/sgemm_peak [--threads 1,2] [--reps 7]
 *
 * Shapes (M x N x K, row-major, C = A B^T as linear_forward does):
 *   4096x768x768, 4096x3072x768  BERT-base Linears at 32*128 tokens
 *   1024x1024x1024               square reference
 *   1024x2304x768, 1024x3072x768 shape (b): QKV and FFN in at 8*128 tokens
 *   4096x768x256,  4096x1024x256 shape (a): QKV and FFN in at 32*128 tokens
 * Output TSV: m, n, k, threads, median_seconds, gflops, coretype,
 * cpu_gflops = FLOPs / median process CPU time (all threads): GFLOP per
 * CPU-second. On a machine shared with other jobs the wall-clock rate
 * understates what the kernel does while it runs; with 1 thread this is the
 * kernel's own rate, with more it is the work done per CPU-second spent. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/util.h"

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    const char *tlist = "1,2";
    long reps = 7;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--help")) {
            puts("Usage: sgemm_peak [--threads 1,2] [--reps N]");
            return 0;
        } else if (!strcmp(argv[i], "--version")) {
            cli_version();
            return 0;
        } else if (!strcmp(argv[i], "--threads") && v) {
            tlist = v, i++;
        } else if (!strcmp(argv[i], "--reps") && v) {
            if (parse_long(v, &reps) || reps < 1 || reps > 1000)
                die_usage("--reps: expected an integer in [1,1000], got '%s'", v);
            i++;
        } else {
            die_usage("unknown or incomplete argument '%s'", argv[i]);
        }
    }
    static const int shapes[][3] = {
        {4096, 768, 768},  {4096, 3072, 768}, {1024, 1024, 1024}, {1024, 2304, 768},
        {1024, 3072, 768}, {4096, 768, 256},  {4096, 1024, 256}};
    int ns = (int)(sizeof shapes / sizeof shapes[0]);
    long maxa = 0, maxb = 0, maxc = 0;
    for (int s = 0; s < ns; s++) {
        long m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
        maxa = m * k > maxa ? m * k : maxa;
        maxb = n * k > maxb ? n * k : maxb;
        maxc = m * n > maxc ? m * n : maxc;
    }
    float *A = xmalloc(sizeof(float) * maxa), *Bm = xmalloc(sizeof(float) * maxb);
    float *C = xmalloc(sizeof(float) * maxc);
    rng_t r;
    rng_seed(&r, 1);
    for (long i = 0; i < maxa; i++)
        A[i] = (float)rng_uniform(&r) - 0.5f;
    for (long i = 0; i < maxb; i++)
        Bm[i] = (float)rng_uniform(&r) - 0.5f;
    double *t = xmalloc(sizeof(double) * reps), *tc = xmalloc(sizeof(double) * reps);
    printf("m\tn\tk\tthreads\tmedian_seconds\tgflops\tcoretype\tcpu_gflops\n");
    char *tl = xstrdup(tlist), *save = NULL;
    for (char *tok = strtok_r(tl, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        long th;
        if (parse_long(tok, &th) || th < 1 || th > 1024)
            die_usage("--threads: bad thread count '%s'", tok);
        openblas_set_num_threads((int)th);
        for (int s = 0; s < ns; s++) {
            int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
            for (long i = -2; i < reps; i++) { /* two untimed warm-up calls */
                double t0 = now_seconds(), c0 = cpu_seconds();
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, A, k, Bm, k,
                            0.0f, C, n);
                if (i >= 0)
                    t[i] = now_seconds() - t0, tc[i] = cpu_seconds() - c0;
            }
            qsort(t, reps, sizeof *t, cmp_double);
            qsort(tc, reps, sizeof *tc, cmp_double);
            double med = t[reps / 2], cmed = tc[reps / 2];
            printf("%d\t%d\t%d\t%ld\t%.5f\t%.1f\t%s\t%.1f\n", m, n, k, th, med,
                   2.0 * m * n * k / med * 1e-9, openblas_get_corename(),
                   2.0 * m * n * k / cmed * 1e-9);
            out_flush();
        }
    }
    free(tl);
    free(t);
    free(tc);
    free(A);
    free(Bm);
    free(C);
    return 0;
}
