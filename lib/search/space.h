/* space.h -- search spaces: dimensions, model constants, constraints
 * (file format: autopeft-space(5); generator: space-gen(1)).
 *
 * A space is a list of discrete dimensions. Each dimension has n_levels
 * allowed values ("levels"), ordered; a CONFIGURATION is an int array of
 * level indices, one per dimension (levels[d] in 0..n_levels-1).
 *
 *   DIM_INT     integers lo..hi                    (values "lo:hi[:log]")
 *   DIM_CHOICE  an ordered list: numeric and strictly increasing
 *               ("0,1,3,...,768[:log]"), or text labels (value = index)
 *   DIM_BOOL    0/1 (records may say 0, 1, true, false)
 *
 * Constants (kind "const") carry the model (hidden, layers, heads,
 * intermediate, vocab, max_position, type_vocab, base_params) or anything
 * else a user wants to record. Constraints (kind "any") name a group of
 * dimensions of which at least one must be non-zero (bool: true; numeric:
 * value != 0; text choice: not the first label).
 *
 * Roles tie dimensions to the PEFT model (lib/config/peft.h): a dim with role
 * sa/pa/pt/lora is that module's size (0 = off); role layer:N is the flag
 * that keeps layer N. With hidden and layers constants and at least one
 * module dim, the space "has params" and space_params() is exact.
 *
 * Encoding for surrogates: each dim maps to [0,1]: linear in the value,
 * or (log scale) linear in log(value) with 0 placed one mean log-step
 * below the smallest positive value. Bools map to 0/1.
 *
 * Implementation: space.c (the model, its file format), space_autopeft.c
 * (the AutoPEFT space), space_config.c (operations on a configuration);
 * space_internal.h says more. */
#ifndef AUTOPEFT_SPACE_H
#define AUTOPEFT_SPACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config/peft.h"
#include "data/record.h"
#include "util/util.h"

typedef enum { DIM_INT, DIM_CHOICE, DIM_BOOL } dim_kind;
enum { ROLE_NONE = 0, ROLE_MODULE = 1, ROLE_LAYER = 2 };
/* role_arg of a ROLE_MODULE dim: which module */
enum { MOD_SA = 0, MOD_PA = 1, MOD_PT = 2, MOD_LORA = 3, MOD_COUNT = 4 };
/* bitmask of modules for space_autopeft */
#define SPACE_MODS_DEFAULT ((1u << MOD_SA) | (1u << MOD_PA) | (1u << MOD_PT))

#define SPACE_MAX_LEVELS 100000     /* per dimension */
#define SPACE_SMALL_CHOICE 16       /* choice dims up to this size: any-level moves */
#define SPACE_GRID_MAX 1000000.0    /* space-gen --grid refuses larger products */

typedef struct {
    char *name;
    dim_kind kind;
    int n_levels;   /* number of allowed values (int: hi-lo+1; choice: count; bool: 2) */
    double *values; /* (n_levels) numeric value of each level, increasing; text choice: index */
    char **labels;  /* (n_levels) text of each level as it appears in records */
    int log;        /* encode on log scale (values >= 0; 0 = off sits below the smallest) */
    int numeric;    /* 1 unless a choice of text labels */
    int role;       /* ROLE_NONE, ROLE_MODULE, ROLE_LAYER */
    int role_arg;   /* MOD_* for modules, layer index for layers, else -1 */
} space_dim;

typedef struct space space;

/* Load a space file (TSV; CSV if PATH ends in .csv; "-" is stdin).
 * Returns NULL with err = "FILE:LINE: message" on any problem. */
space *space_load(const char *path, char *err, size_t errlen);
void space_free(space *s);
/* Write the space in the file format (loads back to the same space). 0 / -1. */
int space_write(const space *s, FILE *f);

/* The AutoPEFT space for a model: dims sa, pa, pt (and lora if in mods),
 * log-scaled sizes {0} u {H/2^k >= 1} u {1}; lora ranks {0,1,2,4,..,min(64,H)};
 * bools l0..l{L-1} with role layer:N; constraints "at least one module on"
 * and "at least one layer on"; constants. base_params <= 0: computed with
 * bert_base_param_count. NULL + err on bad arguments. */
typedef struct {
    int hidden, layers, heads, intermediate, vocab, max_position, type_vocab;
    long long base_params;
    unsigned mods; /* bits 1<<MOD_* */
} space_model;
space *space_autopeft(const space_model *m, char *err, size_t errlen);
/* The constants of a model from its Hugging Face config.json (PATH, or a
 * directory holding one); mods is left 0. 0, or -1 with err. */
int space_model_load(const char *path, space_model *m, char *err, size_t errlen);
/* "sa,pa,pt,lora" (any subset, comma-separated) -> bits 1<<MOD_*. 0, or -1
 * with err naming the unknown module (or an empty list). */
int space_parse_modules(const char *list, unsigned *mods, char *err, size_t errlen);
/* Name of module k (MOD_SA.. -> "sa", "pa", "pt", "lora"). */
const char *space_module_name(int k);

int space_ndims(const space *s);
const space_dim *space_dim_at(const space *s, int i);
int space_find(const space *s, const char *name);           /* dim index or -1 */
/* Constant by name: 0 and *out set, or -1 if absent. */
int space_const(const space *s, const char *name, long long *out);
int space_nconsts(const space *s);
const char *space_const_name(const space *s, int i);
long long space_const_value(const space *s, int i);
int space_nconstraints(const space *s);

/* Level index of LABEL in dim d (numeric dims also match by value, so
 * "12.0" finds 12; bools accept 0/1/true/false), or -1. */
int space_level_of(const space *s, int d, const char *label);
const char *space_label(const space *s, int d, int level);

/* colmap[d] = column of dim d in the reader's header. Error (-1) naming the
 * file and the first missing dim. */
int space_colmap(const space *s, const rec_reader *r, int *colmap, char *err, size_t errlen);
/* Parse the current record into levels (ndims). A value outside the space
 * -> -1 with "FILE:LINE: column 'NAME': ..." in err. Validity (constraints)
 * is not checked here; call space_valid. */
int space_parse_record(const space *s, rec_reader *r, const int *colmap, int *levels, char *err,
                       size_t errlen);

/* x (ndims) in [0,1]. */
void space_encode(const space *s, const int *levels, double *x);
/* Inverse of encode: nearest level in each coordinate (x clamped to [0,1]). */
void space_decode(const space *s, const double *x, int *levels);
/* 1 if every level index is in range and every constraint holds. */
int space_valid(const space *s, const int *levels);
/* Uniform random valid configuration (exact: rejection per group of linked
 * constraints, free dims sampled directly). */
void space_sample(const space *s, rng_t *r, int *levels);
/* One-dimension moves from levels: adjacent levels for int dims and large
 * choices, every other level for choices of <= SPACE_SMALL_CHOICE levels,
 * flips for bools; only valid results. Writes up to max configs to out
 * (max*ndims ints) and returns how many. */
int space_neighbours(const space *s, const int *levels, int *out, int max);
/* Upper bound on the neighbour count (for sizing out). */
int space_max_neighbours(const space *s);
/* Product of n_levels (double: may be huge). */
double space_total(const space *s);
/* Advance levels to the next configuration in row-major order (last dim
 * fastest); returns 0 after the last one. Start from all zeros. */
int space_next(const space *s, int *levels);

/* 1 if the space carries hidden + layers constants and a module dim. */
int space_has_params(const space *s);
/* Exact added params (peft_params_added), -1 if !space_has_params. */
long long space_params(const space *s, const int *levels);
/* 100 * params / base_params; NAN if unknown. */
double space_params_pct(const space *s, const int *levels);
/* Base model parameter count (const base_params, else computed from the
 * BERT constants), or -1. */
long long space_base_params(const space *s);
/* Fill a peft_config from a configuration (all modules off / all layers on
 * for what the space does not have). -1 if !space_has_params. */
int space_to_peft(const space *s, const int *levels, peft_config *c);

/* Hash of the configuration: order-independent combination of the
 * "name=label" pairs, so it does not depend on dim order or on how the
 * space was written. */
uint64_t space_hash(const space *s, const int *levels);
/* "c" + 12 hex digits of the hash (buf >= 14). */
void space_id(const space *s, const int *levels, char *buf, size_t n);

#endif
