/* propose.h -- the proposal logic of propose(1): given an evaluation
 * history (history.h), pick a batch of new configurations of a space, by a
 * space-filling initial design or by multi-objective Bayesian optimisation
 * (GP surrogates, exact EHVI, kriging-believer batches, local search).
 *
 * Objectives (objectives.h, minimised internally): an objective column named
 * "params" (or "params_pct") is computed exactly from the configuration
 * when the space has params (space_has_params); every other objective gets
 * a GP on its standardised values (mean 0, sd 1 over the ok records).
 * At most 2 objectives. */
#ifndef AUTOPEFT_PROPOSE_H
#define AUTOPEFT_PROPOSE_H

#include <stdint.h>
#include <stdio.h>

#include "search/history.h"
#include "search/objectives.h"
#include "search/space.h"

typedef struct {
    int batch;           /* configurations to propose (default 4) */
    int init;            /* initial design until this many ok records (default 10) */
    uint64_t seed;       /* RNG seed (default 0) */
    int have_ref;        /* 1: ref (minimisation frame) given */
    double ref[OBJ_MAX];
    int gp_restarts;     /* L-BFGS restarts per GP fit (default 3) */
    int gp_iters;        /* L-BFGS iterations per restart (default 80) */
    int ls_starts;       /* local-search starts per pick (default 12) */
    int ls_evals;        /* candidate evaluations per pick (default 2500) */
    int n_random;        /* random candidates per pick (default 400) */
} propose_opts;

void propose_defaults(propose_opts *o);

typedef struct {
    int n;          /* configurations proposed (< batch if the space ran out) */
    int bo;         /* 1: Bayesian optimisation, 0: initial design */
    int n_fit;      /* observations the GPs were fitted on */
    double seconds; /* wall time of propose_run */
} propose_info;

/* Propose up to o->batch configurations into out (batch, d). explain: if
 * non-NULL, human-readable detail (fitted lengthscales, per-pick EHVI and
 * predictions) is written there. Returns 0, or -1 with err. */
int propose_run(const space *s, const obj_spec *obj, const history *h, const propose_opts *o,
                int *out, propose_info *info, FILE *explain, char *err, size_t errlen);

/* The incumbent front as the model sees it: the ok records of h whose
 * predicted objectives (GP posterior means, exact values for exact
 * objectives) are non-dominated; with noisy scores this front is the one to
 * trust, not the front of the observed values. keep (h->n): 1 for them;
 * mean and sd (h->n, nobj): the predictions in the objectives' own units
 * (sd 0 for exact objectives; NAN for records that are not ok). Below --init
 * ok records (or 2) there is no model and the observed values are used.
 * Returns 0, or -1 with err. */
int propose_front(const space *s, const obj_spec *obj, const history *h, const propose_opts *o,
                  unsigned char *keep, double *mean, double *sd, char *err, size_t errlen);

/* 1 if objective k is computed exactly from the configuration. */
int propose_exact_objective(const space *s, const obj_spec *obj, int k);
/* The exact value of such an objective in the minimisation frame. */
double propose_exact_value(const space *s, const obj_spec *obj, int k, const int *levels);

#endif
