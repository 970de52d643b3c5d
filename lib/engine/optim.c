/* optim.c -- see optim.h */
#include "engine/optim.h"
#include "engine/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "util/util.h"

/* The elements of all n tensors. */
static long params_total(const opt_param *ps, int n)
{
    long t = 0;
    for (int k = 0; k < n; k++)
        t += ps[k].n;
    return t;
}

int adamw_init_try(adamw *o, const opt_param *ps, int n, const adamw_hparams *h)
{
    memset(o, 0, sizeof *o);
    o->h = *h;
    o->ps = ps;
    o->n = n;
    o->total = params_total(ps, n);
    o->m = calloc((size_t)(o->total ? o->total : 1), sizeof(float));
    o->v = calloc((size_t)(o->total ? o->total : 1), sizeof(float));
    if (!o->m || !o->v) {
        adamw_free(o);
        return -1;
    }
    return 0;
}

void adamw_init(adamw *o, const opt_param *ps, int n, const adamw_hparams *h)
{
    if (adamw_init_try(o, ps, n, h) < 0)
        die(1, "out of memory for the optimiser state (%ld parameters)", o->total);
}

/* The tensors' elements [lo, hi) of the concatenation (ps order), tensor
 * by tensor: f(tensor k, its element range [i0, i1), offset of k). */
#define FOR_SPAN(PS_, NPS_, LO_, HI_, ...)                                                   \
    do {                                                                                     \
        long off_ = 0;                                                                       \
        for (int k = 0; k < (NPS_) && off_ < (HI_); off_ += (PS_)[k].n, k++) {               \
            long i0 = (LO_) > off_ ? (LO_) - off_ : 0;                                       \
            long i1 = (HI_) - off_ < (PS_)[k].n ? (HI_) - off_ : (PS_)[k].n;                 \
            long off = off_;                                                                 \
            if (i1 > i0) {                                                                   \
                (void)off;                                                                   \
                __VA_ARGS__;                                                                 \
            }                                                                                \
        }                                                                                    \
    } while (0)

/* Threads for n elements of elementwise work, and this thread's range. */
static int elem_threads(long n) { return n >= 65536 ? ops_threads() : 1; }

static void elem_range(long n, long *lo, long *hi)
{
#ifdef _OPENMP
    long t = omp_get_thread_num(), nt = omp_get_num_threads();
#else
    long t = 0, nt = 1;
#endif
    *lo = n * t / nt;
    *hi = n * (t + 1) / nt;
}

/* Elementwise over every tensor at once, so the small tensors (attention
 * projections, biases, LayerNorms) are split across the threads too: the
 * same result on any number of threads. */
void adamw_step(adamw *o, float lr)
{
    o->t++;
    double b1 = o->h.beta1, b2 = o->h.beta2;
    float bc1 = (float)(1.0 - pow(b1, (double)o->t));
    float bc2s = (float)sqrt(1.0 - pow(b2, (double)o->t));
    float eps = o->h.eps, wd = o->h.weight_decay;
    float fb1 = (float)b1, fb2 = (float)b2;
    const opt_param *ps = o->ps;
    int nt = elem_threads(o->total);
    (void)nt;
OPS_OMP("omp parallel num_threads(nt) if (nt > 1)")
    {
        long lo, hi;
        elem_range(o->total, &lo, &hi);
        FOR_SPAN(ps, o->n, lo, hi, {
            const opt_param *q = &ps[k];
            float *p = q->p, *m = o->m + off, *v = o->v + off;
            const float *g = q->g;
            float lrk = q->lr_mult > 0.0f && q->lr_mult != 1.0f ? lr * q->lr_mult : lr;
            float step = lrk / bc1;
            float dec = q->decay ? 1.0f - lrk * wd : 1.0f;
            for (long i = i0; i < i1; i++) {
                float gi = g[i];
                p[i] *= dec;
                m[i] = fb1 * m[i] + (1.0f - fb1) * gi;
                v[i] = fb2 * v[i] + (1.0f - fb2) * gi * gi;
                p[i] -= step * m[i] / (sqrtf(v[i]) / bc2s + eps);
            }
        });
    }
}

void adamw_free(adamw *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

/* The squares are summed in double in fixed chunks of the concatenation,
 * and the chunks' sums added in order: the same result on any number of
 * threads (the chunking, not the thread count, fixes the order). */
#define NORM_CHUNK 16384L
#define NORM_MAXCHUNKS 4096L

double grad_global_norm(const opt_param *ps, int n)
{
    long total = params_total(ps, n), chunk = NORM_CHUNK;
    while ((total + chunk - 1) / chunk > NORM_MAXCHUNKS)
        chunk *= 2;
    long nch = (total + chunk - 1) / chunk;
    double part[NORM_MAXCHUNKS];
    int nt = elem_threads(total);
    (void)nt;
OPS_OMP("omp parallel for schedule(static) num_threads(nt) if (nt > 1)")
    for (long c = 0; c < nch; c++) {
        long lo = c * chunk, hi = lo + chunk < total ? lo + chunk : total;
        double s = 0;
        FOR_SPAN(ps, n, lo, hi, {
            const float *g = ps[k].g;
            for (long i = i0; i < i1; i++)
                s += (double)g[i] * g[i];
        });
        part[c] = s;
    }
    double s = 0;
    for (long c = 0; c < nch; c++)
        s += part[c];
    return sqrt(s);
}

double clip_grad_norm(const opt_param *ps, int n, double max_norm)
{
    double norm = grad_global_norm(ps, n);
    if (norm > max_norm) {
        float c = (float)(max_norm / (norm + 1e-6));
        long total = params_total(ps, n);
        int nt = elem_threads(total);
        (void)nt;
OPS_OMP("omp parallel num_threads(nt) if (nt > 1)")
        {
            long lo, hi;
            elem_range(total, &lo, &hi);
            FOR_SPAN(ps, n, lo, hi, {
                float *g = ps[k].g;
                for (long i = i0; i < i1; i++)
                    g[i] *= c;
            });
        }
    }
    return norm;
}

double lr_linear_warmup(long step, long warmup, long total)
{
    if (step < warmup)
        return (double)step / (double)(warmup > 1 ? warmup : 1);
    double r = (double)(total - step) / (double)(total - warmup > 1 ? total - warmup : 1);
    return r > 0 ? r : 0.0;
}
