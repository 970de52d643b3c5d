/* task_subset.c -- deterministic train subsets and dev splits (see
 * task.h): seeded, stratified by class, examples kept in file order. */
#include "data/task.h"
#include "data/task_internal.h"
#include "util/util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- deterministic subsets ---- */

/* Mark K of the n examples (mark[i] = 1), stratified by class for
 * classification: class c gets floor(K*n_c/n) plus one for the classes with
 * the largest remainders (ties: lower class first); members of a class are
 * a uniform random choice (partial Fisher-Yates over the class's indices in
 * file order). Regression: one stratum. */
static void choose(const task_dataset *ds, const task_spec *sp, long K, uint64_t seed, unsigned char *mark)
{
    long n = ds->n;
    int ns = sp->regression ? 1 : sp->n_labels;
    long *cnt = xcalloc((size_t)ns * 3, sizeof *cnt); /* (3, ns): count, quota, remainder */
    long *quota = cnt + ns, *rem = cnt + 2 * ns;
    for (long i = 0; i < n; i++)
        cnt[sp->regression ? 0 : ds->ex[i].label]++;
    long given = 0;
    for (int c = 0; c < ns; c++) {
        quota[c] = K * cnt[c] / n;
        rem[c] = K * cnt[c] % n;
        given += quota[c];
    }
    for (; given < K; given++) {
        int best = -1;
        for (int c = 0; c < ns; c++)
            if (quota[c] < cnt[c] && (best < 0 || rem[c] > rem[best]))
                best = c;
        quota[best]++;
        rem[best] = -1;
    }
    rng_t rng;
    rng_seed(&rng, seed);
    long *idx = xmalloc((size_t)n * sizeof *idx);
    for (int c = 0; c < ns; c++) {
        long m = 0;
        for (long i = 0; i < n; i++)
            if (sp->regression || ds->ex[i].label == c)
                idx[m++] = i;
        for (long j = 0; j < quota[c]; j++) {
            long t = j + (long)rng_below(&rng, (uint64_t)(m - j));
            long tmp = idx[j];
            idx[j] = idx[t];
            idx[t] = tmp;
            mark[idx[j]] = 1;
        }
    }
    free(idx);
    free(cnt);
}

/* Move the examples with mark[i] == want into out (file order). */
static void take(task_dataset *ds, const unsigned char *mark, task_dataset *keep, task_dataset *out)
{
    for (long i = 0; i < ds->n; i++)
        task_ds_push(mark[i] ? out : keep, &ds->ex[i]);
}

void task_subsample(task_dataset *ds, const task_spec *sp, long max_n, double frac, uint64_t seed)
{
    long n = ds->n, K = n;
    if (n == 0)
        return;
    if (frac < 1.0) {
        K = lround(frac * (double)n);
        if (K < 1)
            K = 1;
    }
    if (max_n >= 0 && K > max_n)
        K = max_n;
    if (K >= n)
        return;
    unsigned char *mark = xcalloc((size_t)n, 1);
    choose(ds, sp, K, seed, mark);
    task_dataset keep = {0}, drop = {0};
    take(ds, mark, &drop, &keep);
    keep.format = ds->format;
    free(mark);
    free(ds->ex);
    *ds = keep;
    task_dataset_free(&drop);
}

void task_split_dev(task_dataset *train, const task_spec *sp, double frac, uint64_t seed, task_dataset *dev)
{
    memset(dev, 0, sizeof *dev);
    dev->format = train->format;
    long n = train->n;
    long K = lround(frac * (double)n);
    if (n >= 2 && frac > 0 && frac < 1) {
        if (K < 1)
            K = 1;
        if (K > n - 1)
            K = n - 1;
    }
    if (K <= 0)
        return;
    if (K > n)
        K = n;
    unsigned char *mark = xcalloc((size_t)n, 1);
    choose(train, sp, K, seed, mark);
    task_dataset keep = {0};
    take(train, mark, &keep, dev);
    keep.format = train->format;
    free(mark);
    free(train->ex);
    *train = keep;
}
