/* history.h -- an evaluation history as propose(1) reads it.
 *
 * History records: id, one column per space dim, the objective columns,
 * optional status (rows whose status is not "ok" are never used for
 * fitting but are never proposed again either). Unknown columns are
 * ignored. A missing or empty history file is an empty history. Objective
 * columns are read in the minimisation frame (objectives.h); exact
 * objectives (propose_exact_objective) are computed from the configuration. */
#ifndef AUTOPEFT_HISTORY_H
#define AUTOPEFT_HISTORY_H

#include <stddef.h>

#include "search/objectives.h"
#include "search/space.h"

typedef struct {
    int n, d, nobj;
    int *levels;        /* (n, d) level indices */
    double *y;          /* (n, nobj) objectives, minimisation frame; NAN unless ok */
    unsigned char *ok;  /* (n) 1 = status ok (used for fitting) */
    long *line;         /* (n) line of each record */
    char **ids;         /* (n) the records' ids (owned) */
    int n_ok;
} history;

/* Read PATH (NULL: no history). A PATH that does not exist, an empty file
 * and a header-only file give an empty history. Errors (-1, err =
 * "FILE:LINE: message"): unreadable input, missing id / dim / objective
 * columns, layer-flag columns the space does not have, values outside the
 * space or violating its constraints, NaN/inf or non-numeric objectives in
 * ok records, duplicate ids. force_csv: read CSV. obj is resolved against
 * the file's header. */
int history_read(const space *s, obj_spec *obj, const char *path, int force_csv, history *h,
                 char *err, size_t errlen);
void history_free(history *h);

#endif
