/* objectives.h -- objective specs shared by pareto(1) and propose(1).
 *
 * An objective spec names record columns and their directions:
 *     "score:max,params:min"          (OBJ_DEFAULT_SPEC)
 * Each item is NAME:max or NAME:min; NAME is a header name and may itself
 * contain ':' (the direction is what follows the last ':'). Names must be
 * non-empty and distinct; at most OBJ_MAX objectives.
 *
 * Internally everything is minimised: obj_read_min() returns the vector
 * y[k] = -v[k] for max objectives and y[k] = v[k] for min objectives.
 *
 * A reference point spec ("--ref 0.70,26") is a comma list with one finite
 * number per objective, written in the objectives' OWN units and
 * directions (e.g. the worst acceptable score, the largest acceptable
 * parameter count); obj_parse_ref() converts it to the minimisation frame.
 * A point counts towards the hypervolume only if it is strictly better than
 * the reference point in every objective.
 *
 * Usage (all functions report errors through err, never exit):
 *     obj_spec s;
 *     if (obj_parse(&s, "score:max,params:min", err, sizeof err)) die_usage("%s", err);
 *     rec_reader *r = rec_open(path, fmt, 0, err, sizeof err);
 *     if (obj_resolve(&s, r, err, sizeof err)) die(1, "%s", err);
 *     double y[OBJ_MAX];
 *     while (rec_next(r) == 1)
 *         if (obj_read_min(&s, r, y, err, sizeof err)) die(1, "%s", err);
 *     obj_free(&s);
 */
#ifndef AUTOPEFT_OBJECTIVES_H
#define AUTOPEFT_OBJECTIVES_H

#include <stddef.h>

#include "data/record.h"

#define OBJ_MAX 16
#define OBJ_DEFAULT_SPEC "score:max,params:min"

typedef struct {
    int n;                  /* number of objectives, 1..OBJ_MAX */
    char *name[OBJ_MAX];    /* column names (owned) */
    int maximize[OBJ_MAX];  /* 1: larger is better (negated internally), 0: smaller is better */
    int col[OBJ_MAX];       /* column index after obj_resolve(), else -1 */
} obj_spec;

/* Parse SPEC (NULL or "" means OBJ_DEFAULT_SPEC). Returns 0, or -1 with a
 * message like "bad --objectives 'score:up': direction must be max or min".
 * On failure S holds nothing that needs freeing. */
int obj_parse(obj_spec *s, const char *spec, char *err, size_t errlen);
void obj_free(obj_spec *s);

/* Find each objective's column in R's header. Returns 0, or -1 with
 * "FILE:1: missing column 'score'". May be called again for another reader. */
int obj_resolve(obj_spec *s, const rec_reader *r, char *err, size_t errlen);

/* Read the current record's objective values in their own units into
 * v[0..n-1]. Strict: the whole field must be a finite number (no NaN/inf,
 * no empty field, no surrounding spaces), and a parameter count
 * (obj_value_ok) is not negative. Returns 0, or -1 with
 * "FILE:LINE: column 'score': not a finite number: 'abc'" or
 * "FILE:LINE: column 'params': negative parameter count: '-5'". */
int obj_read(const obj_spec *s, const rec_reader *r, double *v, char *err, size_t errlen);

/* v (own units) -> y (minimisation): y[k] = maximize[k] ? -v[k] : v[k].
 * The map is its own inverse, so it also converts y back to v. v == y is allowed. */
void obj_to_min(const obj_spec *s, const double *v, double *y);

/* obj_read() followed by obj_to_min(). */
int obj_read_min(const obj_spec *s, const rec_reader *r, double *y, char *err, size_t errlen);

/* Parse a reference point "A,B[,...]" (own units; exactly s->n finite
 * numbers) into ref_min (minimisation frame). Returns 0, or -1 with
 * "bad --ref '0.7': expected 2 numbers (score,params), found 1". */
int obj_parse_ref(const obj_spec *s, const char *spec, double *ref_min, char *err, size_t errlen);

/* 1 if a record should be used: STATUS_COL < 0 (no status column) or the
 * field equals "ok". Tools ignore records whose status is anything else
 * (e.g. "error", "failed", "") because their objectives are meaningless. */
int obj_status_ok(const rec_reader *r, int status_col);

/* obj_status_ok(), and a warning on stderr ("FILE:LINE: warning: unknown
 * status 'X' ...") the first time a status other than ok or error is seen
 * (once per distinct value, at most OBJ_STATUS_WARN values, per W). */
#define OBJ_STATUS_WARN 8
typedef struct {
    char *seen[OBJ_STATUS_WARN];
    int n;
} obj_status_warn;
int obj_status_use(const rec_reader *r, int status_col, obj_status_warn *w);
void obj_status_warn_free(obj_status_warn *w);

/* Objectives that count parameters (params, params_pct, trainable) cannot
 * be negative: 0 if V is acceptable for column NAME, else -1. */
int obj_value_ok(const char *name, double v);

#endif
