/* test_propose.c -- behaviour of the proposal logic (lib/search/propose.c):
 * deterministic for a seed; never proposes a configuration of the history
 * (ok or error rows) or twice in a batch; error rows are not fitted;
 * stops when the space runs out; exact params objective; and on a small
 * synthetic AutoPEFT problem BO reaches a larger hypervolume than random
 * search with the same budget. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "search/objectives.h"
#include "search/pareto.h"
#include "search/propose.h"
#include "search/space.h"
#include "util/util.h"

static space *small_model_space(int hidden, int layers)
{
    space_model m = {hidden, layers, 1, 4 * hidden, 100, 64, 2, 0, SPACE_MODS_DEFAULT};
    char err[512];
    space *s = space_autopeft(&m, err, sizeof err);
    if (!s) die(1, "%s", err);
    return s;
}

static void hist_init(history *h, int d, int nobj, int cap)
{
    memset(h, 0, sizeof *h);
    h->d = d;
    h->nobj = nobj;
    h->levels = xmalloc(sizeof(int) * (size_t)cap * (size_t)d);
    h->y = xmalloc(sizeof(double) * (size_t)cap * (size_t)nobj);
    h->ok = xmalloc((size_t)cap);
    h->line = xmalloc(sizeof(long) * (size_t)cap);
}

static void hist_add(history *h, const int *lv, const double *y, int ok)
{
    memcpy(h->levels + (size_t)h->n * h->d, lv, sizeof(int) * (size_t)h->d);
    for (int k = 0; k < h->nobj; k++) h->y[(size_t)h->n * h->nobj + k] = ok ? y[k] : NAN;
    h->ok[h->n] = (unsigned char)ok;
    h->line[h->n] = h->n + 2;
    h->n_ok += ok;
    h->n++;
}

/* synthetic noisy score (to maximise) of an AutoPEFT config */
static double synth_score(const space *s, const int *lv, rng_t *r)
{
    peft_config c;
    space_to_peft(s, lv, &c);
    double v = 0.4 + 0.05 * log2(1 + c.pa) + 0.02 * log2(1 + c.sa) - 0.02 * log2(1 + c.pt);
    int L = c.n_layers;
    for (int l = 0; l < L; l++) v += c.layer_on[l] ? (l >= L / 2 ? 0.05 : 0.01) : 0;
    return v + 0.005 * rng_normal(r);
}

static int same_config(const int *a, const int *b, int d) { return !memcmp(a, b, sizeof(int) * (size_t)d); }

static void evaluate(const space *s, const obj_spec *obj, const int *lv, rng_t *r, double *y)
{
    /* score:max -> -score; params:min exact */
    y[0] = -synth_score(s, lv, r);
    y[1] = propose_exact_value(s, obj, 1, lv);
}

static double hv_of(const history *h, const double *ref)
{
    double *y = xmalloc(sizeof(double) * 2 * (size_t)(h->n + 1));
    long m = 0;
    for (int i = 0; i < h->n; i++)
        if (h->ok[i]) {
            y[2 * m] = h->y[2 * i];
            y[2 * m + 1] = h->y[2 * i + 1];
            m++;
        }
    double v = pareto_hv(y, ref, m, 2);
    free(y);
    return v;
}

static void test_behaviour(void)
{
    char err[512];
    space *s = small_model_space(64, 4);
    int d = space_ndims(s);
    obj_spec obj;
    CHECK(obj_parse(&obj, "score:max,params:min", err, sizeof err) == 0);
    CHECK(propose_exact_objective(s, &obj, 1) == 1);
    CHECK(propose_exact_objective(s, &obj, 0) == 0);
    rng_t r;
    rng_seed(&r, 1);
    history h;
    hist_init(&h, d, 2, 64);
    int lv[64];
    double y[2];
    /* 14 ok + 6 error rows */
    for (int i = 0; i < 20; i++) {
        space_sample(s, &r, lv);
        int dup = 0;
        for (int j = 0; j < h.n; j++) dup |= same_config(lv, h.levels + (size_t)j * d, d);
        if (dup) { i--; continue; }
        evaluate(s, &obj, lv, &r, y);
        hist_add(&h, lv, y, i % 10 < 7);
    }
    CHECK(h.n_ok == 14);
    /* exact params match peft_params_added */
    peft_config pc;
    space_to_peft(s, h.levels, &pc);
    CHECK(propose_exact_value(s, &obj, 1, h.levels) == (double)peft_params_added(64, &pc));

    propose_opts o;
    propose_defaults(&o);
    o.batch = 6;
    o.seed = 42;
    int out1[6 * 64], out2[6 * 64], out3[6 * 64];
    propose_info info;
    CHECK(propose_run(s, &obj, &h, &o, out1, &info, NULL, err, sizeof err) == 0);
    CHECK(info.bo == 1);
    CHECK(info.n == 6);
    CHECK_MSG(info.n_fit == 14, "fitted on %d (ok rows: 14)", info.n_fit);
    CHECK(propose_run(s, &obj, &h, &o, out2, &info, NULL, err, sizeof err) == 0);
    CHECK_MSG(!memcmp(out1, out2, sizeof(int) * 6 * (size_t)d), "same seed, different batch");
    o.seed = 43;
    CHECK(propose_run(s, &obj, &h, &o, out3, &info, NULL, err, sizeof err) == 0);
    int valid = 1, fresh = 1, distinct = 1;
    for (int b = 0; b < 6; b++) {
        valid &= space_valid(s, out1 + b * d);
        for (int j = 0; j < h.n; j++) fresh &= !same_config(out1 + b * d, h.levels + (size_t)j * d, d);
        for (int c = 0; c < b; c++) distinct &= !same_config(out1 + b * d, out1 + c * d, d);
    }
    CHECK(valid);
    CHECK_MSG(fresh, "re-proposed a configuration of the history");
    CHECK_MSG(distinct, "duplicate inside the batch");

    /* initial design: deterministic, fresh, valid */
    o.init = 30;
    o.seed = 5;
    CHECK(propose_run(s, &obj, &h, &o, out1, &info, NULL, err, sizeof err) == 0);
    CHECK(info.bo == 0 && info.n == 6);
    CHECK(propose_run(s, &obj, &h, &o, out2, &info, NULL, err, sizeof err) == 0);
    CHECK(!memcmp(out1, out2, sizeof(int) * 6 * (size_t)d));
    fresh = 1;
    for (int b = 0; b < 6; b++)
        for (int j = 0; j < h.n; j++) fresh &= !same_config(out1 + b * d, h.levels + (size_t)j * d, d);
    CHECK(fresh);
    history_free(&h);
    obj_free(&obj);
    space_free(s);
}

/* a tiny space with 2 * 3 = 6 configurations; 4 are in the history (2 of
 * them error rows, lying where the score is best): only the other 2 can be
 * proposed, in BO mode and in the initial design */
static void test_exhaustion(void)
{
    char err[512];
    const char *path = "/tmp/autopeft_test_propose.space";
    FILE *f = fopen(path, "w");
    fputs("name\tkind\tvalues\trole\na\tint\t0:2\t-\nb\tbool\t-\t-\n", f);
    fclose(f);
    space *s = space_load(path, err, sizeof err);
    CHECK_MSG(s != NULL, "%s", err);
    if (!s) return;
    remove(path);
    obj_spec obj;
    obj_parse(&obj, "y:max", err, sizeof err);
    history h;
    hist_init(&h, 2, 1, 8);
    int c0[2] = {0, 0}, c1[2] = {1, 0}, c2[2] = {2, 1}, c3[2] = {2, 0};
    double y0 = -0.1, y1 = -0.2;
    hist_add(&h, c0, &y0, 1);
    hist_add(&h, c1, &y1, 1);
    hist_add(&h, c2, &y0, 0);
    hist_add(&h, c3, &y0, 0);
    propose_opts o;
    propose_defaults(&o);
    o.init = 2;
    o.batch = 4;
    int out[8];
    propose_info info;
    CHECK(propose_run(s, &obj, &h, &o, out, &info, NULL, err, sizeof err) == 0);
    CHECK(info.bo == 1 && info.n_fit == 2);
    CHECK_MSG(info.n == 2, "proposed %d, expected the 2 untried configurations", info.n);
    for (int b = 0; b < info.n; b++) {
        CHECK(out[2 * b + 1] == 1);     /* (0,1) and (1,1) are the untried ones */
        CHECK(out[2 * b] == 0 || out[2 * b] == 1);
    }
    if (info.n == 2) CHECK(out[0] != out[2]);
    o.init = 10;
    CHECK(propose_run(s, &obj, &h, &o, out, &info, NULL, err, sizeof err) == 0);
    CHECK(info.bo == 0 && info.n == 2);
    history_free(&h);
    obj_free(&obj);
    space_free(s);
}

static void test_bo_beats_random(void)
{
    char err[512];
    space *s = small_model_space(64, 4);
    int d = space_ndims(s);
    obj_spec obj;
    obj_parse(&obj, "score:max,params:min", err, sizeof err);
    /* reference: score 0.4, params of the largest configuration */
    int big[64];
    for (int i = 0; i < d; i++) big[i] = space_dim_at(s, i)->n_levels - 1;
    double ref[2] = {-0.4, propose_exact_value(s, &obj, 1, big)};
    const int INIT = 10, ROUNDS = 5, B = 4, N = INIT + ROUNDS * B, SEEDS = 3;
    double hv_bo = 0, hv_rnd = 0;
    int wins = 0;
    double t0 = now_seconds();
    for (int seed = 1; seed <= SEEDS; seed++) {
        rng_t re, rr;
        rng_seed(&re, 100 + seed); /* evaluation noise */
        rng_seed(&rr, 200 + seed);
        history h, hr;
        hist_init(&h, d, 2, N);
        hist_init(&hr, d, 2, N);
        propose_opts o;
        propose_defaults(&o);
        o.init = INIT;
        o.seed = (uint64_t)seed;
        o.have_ref = 1;
        memcpy(o.ref, ref, sizeof ref);
        int out[16 * 64];
        double y[2];
        while (h.n < N) {
            o.batch = h.n < INIT ? INIT : B; /* first call: the whole initial design */
            propose_info info;
            CHECK(propose_run(s, &obj, &h, &o, out, &info, NULL, err, sizeof err) == 0);
            CHECK(info.n == o.batch);
            for (int b = 0; b < info.n && h.n < N; b++) {
                evaluate(s, &obj, out + b * d, &re, y);
                hist_add(&h, out + b * d, y, 1);
            }
        }
        int lv[64];
        while (hr.n < N) {
            space_sample(s, &rr, lv);
            evaluate(s, &obj, lv, &re, y);
            hist_add(&hr, lv, y, 1);
        }
        double a = hv_of(&h, ref), b = hv_of(&hr, ref);
        printf("  seed %d: hypervolume after %d evaluations: BO %.1f, random %.1f\n", seed, N, a, b);
        hv_bo += a / SEEDS;
        hv_rnd += b / SEEDS;
        wins += a > b;
        history_free(&h);
        history_free(&hr);
    }
    printf("  mean hypervolume: BO %.1f random %.1f (%d/%d seeds won), %.1f s\n", hv_bo, hv_rnd, wins,
           SEEDS, now_seconds() - t0);
    CHECK(hv_bo > hv_rnd);
    CHECK(wins >= 2);
    obj_free(&obj);
    space_free(s);
}

int main(void)
{
    test_behaviour();
    test_exhaustion();
    test_bo_beats_random();
    return check_status("test_propose");
}
