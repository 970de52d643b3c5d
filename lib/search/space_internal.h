/* space_internal.h -- the representation of a space, shared by the files
 * that implement space.h and by nothing else:
 *   space.c           the model and its file format (autopeft-space(5)):
 *                     building row by row, checking, loading, writing,
 *                     accessors, records -> levels
 *   space_autopeft.c  the AutoPEFT space of a model (space-gen's default),
 *                     model constants from config.json, module names
 *   space_config.c    what the search does with a configuration (a level
 *                     array): encode/decode, validity, uniform sampling,
 *                     neighbours, enumeration, parameter counts, hash/id */
#ifndef AUTOPEFT_SPACE_INTERNAL_H
#define AUTOPEFT_SPACE_INTERNAL_H

#include "search/space.h"

/* per-dim private data */
typedef struct {
    double *enc;  /* (n_levels) encoded position in [0,1], increasing */
    char *lblbuf; /* storage of the labels */
    long lo, hi;  /* int dims */
    long line;    /* defining line (for messages) */
    int comp;     /* constraint component, -1 if free */
} dim_x;

typedef struct {
    char *name;
    int n;
    int *mem;        /* (n) dim indices, resolved at finish */
    char **mem_name; /* (n) names as written */
    long line;
} group;

enum { ROW_DIM, ROW_CONST, ROW_ANY };

struct space {
    const char *file; /* for messages while building */
    int nd, capd;
    space_dim *dims;
    dim_x *dx;
    int nc, capc;
    char **cname;
    long long *cval;
    int ng, capg;
    group *g;
    int nrows, caprows;
    struct { int t, i; } *rows;
    /* components of linked constraint groups, for sampling */
    int ncomp;
    int *comp_dims, *comp_dstart; /* dims of comp c: comp_dims[comp_dstart[c]..comp_dstart[c+1]) */
    int *comp_grps, *comp_gstart;
    int has_params;
    int mod_dim[MOD_COUNT]; /* dim index per module, -1 */
    long long hidden, layers, base;
};

extern const char *const SPACE_MOD_NAMES[MOD_COUNT];

/* Building a space (space.c): an empty space whose messages name FILE, then
 * one row of the file format at a time (0, or -1 with err "FILE:LINE: ..."),
 * then space_finish to resolve constraints, check consistency and build
 * encodings and constraint components (0 / -1 with err). */
space *space_new(const char *file);
int space_add_row(space *s, const char *name, const char *kind, const char *values, const char *role, long line,
                  char *err, size_t errlen);
int space_finish(space *s, long eof_line, char *err, size_t errlen);

#endif
