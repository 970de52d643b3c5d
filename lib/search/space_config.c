/* space_config.c -- what the search does with a configuration (a level
 * array, see space.h): encode/decode for the surrogates, validity, uniform
 * sampling, one-dimension neighbours, enumeration, parameter counts, and
 * the hash and id that name a configuration in records. */
#include "search/space.h"
#include "search/space_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"

/* ---- geometry ---- */

void space_encode(const space *s, const int *levels, double *x)
{
    for (int d = 0; d < s->nd; d++)
        x[d] = s->dx[d].enc[levels[d]];
}

void space_decode(const space *s, const double *x, int *levels)
{
    for (int d = 0; d < s->nd; d++) {
        const double *e = s->dx[d].enc;
        int n = s->dims[d].n_levels;
        double v = x[d] < 0 ? 0 : x[d] > 1 ? 1 : x[d];
        if (!(v == v))
            v = 0;
        /* first level with e >= v, then the closer of it and the one before */
        int lo = 0, hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (e[mid] < v)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo > 0 && v - e[lo - 1] <= e[lo] - v)
            lo--;
        levels[d] = lo;
    }
}

static int group_ok(const space *s, const group *g, const int *levels)
{
    for (int j = 0; j < g->n; j++) {
        int d = g->mem[j];
        const space_dim *dm = &s->dims[d];
        if (dm->numeric ? dm->values[levels[d]] != 0 : levels[d] != 0)
            return 1;
    }
    return 0;
}

int space_valid(const space *s, const int *levels)
{
    for (int d = 0; d < s->nd; d++)
        if (levels[d] < 0 || levels[d] >= s->dims[d].n_levels)
            return 0;
    for (int gi = 0; gi < s->ng; gi++)
        if (!group_ok(s, &s->g[gi], levels))
            return 0;
    return 1;
}

void space_sample(const space *s, rng_t *r, int *levels)
{
    for (int d = 0; d < s->nd; d++)
        if (s->dx[d].comp < 0)
            levels[d] = (int)rng_below(r, (uint64_t)s->dims[d].n_levels);
    /* Each component is sampled uniformly and rejected until its groups hold:
     * exact, since components are independent given the constraints. */
    for (int c = 0; c < s->ncomp; c++) {
        for (;;) {
            for (int k = s->comp_dstart[c]; k < s->comp_dstart[c + 1]; k++) {
                int d = s->comp_dims[k];
                levels[d] = (int)rng_below(r, (uint64_t)s->dims[d].n_levels);
            }
            int ok = 1;
            for (int k = s->comp_gstart[c]; k < s->comp_gstart[c + 1] && ok; k++)
                ok = group_ok(s, &s->g[s->comp_grps[k]], levels);
            if (ok)
                break;
        }
    }
}

static int small_choice(const space_dim *dm) { return dm->kind == DIM_CHOICE && dm->n_levels <= SPACE_SMALL_CHOICE; }

int space_max_neighbours(const space *s)
{
    int n = 0;
    for (int d = 0; d < s->nd; d++) {
        const space_dim *dm = &s->dims[d];
        n += dm->kind == DIM_BOOL ? 1 : small_choice(dm) ? dm->n_levels - 1 : (dm->n_levels > 2 ? 2 : dm->n_levels - 1);
    }
    return n;
}

int space_neighbours(const space *s, const int *levels, int *out, int max)
{
    int nd = s->nd, cnt = 0, stackbuf[256];
    int *tmp = nd <= 256 ? stackbuf : xmalloc((size_t)nd * sizeof *tmp); /* no allocation for usual spaces */
    memcpy(tmp, levels, (size_t)nd * sizeof *tmp);
    for (int d = 0; d < nd && cnt < max; d++) {
        const space_dim *dm = &s->dims[d];
        int cur = levels[d], cand[SPACE_SMALL_CHOICE + 2], nc = 0;
        if (dm->kind == DIM_BOOL)
            cand[nc++] = 1 - cur;
        else if (small_choice(dm)) {
            for (int l = 0; l < dm->n_levels; l++)
                if (l != cur)
                    cand[nc++] = l;
        } else {
            if (cur > 0)
                cand[nc++] = cur - 1;
            if (cur + 1 < dm->n_levels)
                cand[nc++] = cur + 1;
        }
        for (int k = 0; k < nc && cnt < max; k++) {
            tmp[d] = cand[k];
            if (space_valid(s, tmp)) {
                memcpy(out + (size_t)cnt * nd, tmp, (size_t)nd * sizeof *tmp);
                cnt++;
            }
        }
        tmp[d] = cur;
    }
    if (tmp != stackbuf)
        free(tmp);
    return cnt;
}

double space_total(const space *s)
{
    double t = 1;
    for (int d = 0; d < s->nd; d++)
        t *= s->dims[d].n_levels;
    return t;
}

int space_next(const space *s, int *levels)
{
    for (int d = s->nd - 1; d >= 0; d--) {
        if (++levels[d] < s->dims[d].n_levels)
            return 1;
        levels[d] = 0;
    }
    return 0;
}

/* ---- parameters ---- */

int space_has_params(const space *s) { return s->has_params; }
long long space_base_params(const space *s) { return s->base; }

int space_to_peft(const space *s, const int *levels, peft_config *c)
{
    if (!s->has_params)
        return -1;
    peft_default(c, (int)s->layers);
    for (int d = 0; d < s->nd; d++) {
        const space_dim *dm = &s->dims[d];
        int v = (int)dm->values[levels[d]];
        if (dm->role == ROLE_MODULE) {
            switch (dm->role_arg) {
            case MOD_SA: c->sa = v; break;
            case MOD_PA: c->pa = v; break;
            case MOD_PT: c->pt = v; break;
            case MOD_LORA: c->lora = v; break;
            default: break;
            }
        } else if (dm->role == ROLE_LAYER) {
            c->layer_on[dm->role_arg] = v != 0;
        }
    }
    return 0;
}

long long space_params(const space *s, const int *levels)
{
    peft_config c;
    if (space_to_peft(s, levels, &c))
        return -1;
    return peft_params_added((int)s->hidden, &c);
}

double space_params_pct(const space *s, const int *levels)
{
    long long p = space_params(s, levels);
    if (p < 0 || s->base <= 0)
        return NAN;
    return 100.0 * (double)p / (double)s->base;
}

/* ---- identity ---- */

uint64_t space_hash(const space *s, const int *levels)
{
    uint64_t h = 0;
    for (int d = 0; d < s->nd; d++) {
        uint64_t x = fnv1a_str(FNV1A_INIT, s->dims[d].name);
        x = fnv1a_str(x, "=");
        x = fnv1a_str(x, s->dims[d].labels[levels[d]]);
        h += hash_mix64(x);
    }
    return hash_mix64(h);
}

void space_id(const space *s, const int *levels, char *buf, size_t n)
{
    snprintf(buf, n, "c%012llx", (unsigned long long)(space_hash(s, levels) >> 16));
}
