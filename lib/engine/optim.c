/* optim.c -- see optim.h */
#include "engine/optim.h"
#include "engine/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/util.h"

int adamw_init_try(adamw *o, const opt_param *ps, int n, const adamw_hparams *h)
{
    memset(o, 0, sizeof *o);
    o->h = *h;
    o->ps = ps;
    o->n = n;
    for (int i = 0; i < n; i++)
        o->total += ps[i].n;
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

void adamw_step(adamw *o, float lr)
{
    o->t++;
    double b1 = o->h.beta1, b2 = o->h.beta2;
    float bc1 = (float)(1.0 - pow(b1, (double)o->t));
    float bc2s = (float)sqrt(1.0 - pow(b2, (double)o->t));
    float eps = o->h.eps;
    float fb1 = (float)b1, fb2 = (float)b2;
    long off = 0;
    for (int k = 0; k < o->n; k++) {
        const opt_param *q = &o->ps[k];
        float *p = q->p, *m = o->m + off, *v = o->v + off;
        const float *g = q->g;
        float lrk = q->lr_mult > 0.0f && q->lr_mult != 1.0f ? lr * q->lr_mult : lr;
        float step = lrk / bc1;
        float dec = q->decay ? 1.0f - lrk * o->h.weight_decay : 1.0f;
#ifdef _OPENMP /* elementwise: the same result on any number of threads */
        int nt = q->n >= 65536 ? ops_threads() : 1;
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
#endif
        for (long i = 0; i < q->n; i++) {
            float gi = g[i];
            p[i] *= dec;
            m[i] = fb1 * m[i] + (1.0f - fb1) * gi;
            v[i] = fb2 * v[i] + (1.0f - fb2) * gi * gi;
            p[i] -= step * m[i] / (sqrtf(v[i]) / bc2s + eps);
        }
        off += q->n;
    }
}

void adamw_free(adamw *o)
{
    free(o->m);
    free(o->v);
    o->m = o->v = NULL;
}

double grad_global_norm(const opt_param *ps, int n)
{
    double s = 0;
    for (int k = 0; k < n; k++)
        for (long i = 0; i < ps[k].n; i++)
            s += (double)ps[k].g[i] * ps[k].g[i];
    return sqrt(s);
}

double clip_grad_norm(const opt_param *ps, int n, double max_norm)
{
    double norm = grad_global_norm(ps, n);
    if (norm > max_norm) {
        float c = (float)(max_norm / (norm + 1e-6));
        for (int k = 0; k < n; k++)
            for (long i = 0; i < ps[k].n; i++)
                ps[k].g[i] *= c;
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
