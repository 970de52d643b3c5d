/* spacegen_run.h -- space-gen(1) behind its options: build the AutoPEFT
 * space of a model (or load a space file) and write it, a sample or the grid
 * of its configurations, or the standard baselines. The space itself is
 * space.h; the baselines, baselines.h. */
#ifndef AUTOPEFT_SPACEGEN_RUN_H
#define AUTOPEFT_SPACEGEN_RUN_H

#include "search/space.h"

typedef struct {
    space_model m;           /* --hidden, --layers, ...: 0 = unset (defaults of BERT-base) */
    int model_opt;           /* a model option was given (excludes --space) */
    const char *modules;     /* --modules [sa,pa,pt] */
    const char *space;       /* --space FILE, or NULL */
    const char *output;      /* -o FILE, or NULL / "-" for stdout */
    long sample;             /* --sample N; -1: none */
    unsigned long long seed; /* --seed [1] */
    int replace, grid, params, baselines, csv;
} spacegen_opts;

void spacegen_opts_default(spacegen_opts *o);

/* Check the options (usage errors exit 2) and write the space, records or
 * baselines for config (CONFIG.json or MODEL_DIR, or NULL). Bad input exits
 * 1 with nothing written to an -o file. */
void spacegen_run(const spacegen_opts *o, const char *config);

#endif
