/* transfer.h -- carry PEFT configurations to other tasks and other models
 * (the library behind transfer(1)).
 *
 * Mapping a configuration from a source model (hidden Hs, Ls layers) to a
 * target model (Ht, Lt), as AutoPEFT's reduction factors suggest:
 *
 *   sizes   a module size v > 0 (serial/parallel adapter bottleneck, prefix
 *           length, LoRA rank) becomes the level of the target space's
 *           dimension nearest to v * Ht / Hs on a log scale (ties go to the
 *           smaller level); 0 stays 0 (off).
 *   layers  target layer j is on iff some source layer i that was on
 *           overlaps it in relative depth: the intervals [i/Ls, (i+1)/Ls)
 *           and [j/Lt, (j+1)/Lt) intersect with positive length, i.e.
 *           i*Lt < (j+1)*Ls and j*Ls < (i+1)*Lt. For Lt = 2 Ls, source layer
 *           i covers target layers 2i and 2i+1; for Lt = Ls / 2, target
 *           layer j is on if source layer 2j or 2j+1 was.
 *
 * The target space is space_autopeft() of the target model with the modules
 * the input records have (or those given); a mapped configuration must be
 * valid there (transfer_map() fails naming the module otherwise). */
#ifndef AUTOPEFT_TRANSFER_H
#define AUTOPEFT_TRANSFER_H

#include <stddef.h>
#include <stdio.h>

#include "config/peft.h"
#include "search/space.h"

/* Level of dim d (numeric, increasing, with 0 as level 0) nearest to
 * v * ht / hs as described above; v == 0 gives the level of value 0.
 * -1 if the dim has no such level. */
int transfer_size_level(const space_dim *d, int v, int hs, int ht);

/* Layer flags of a source configuration (ls flags) mapped onto lt layers. */
void transfer_layers(const unsigned char *src, int ls, unsigned char *dst, int lt);

/* Map src (a configuration of a model with hidden hs) into the target space
 * t: levels (space_ndims(t)) and the target peft_config. Returns 0, or -1
 * with a reason in err (a module that is on but not in t, no valid result). */
int transfer_map(const space *t, const peft_config *src, int hs, int *levels, peft_config *dst, char *err,
                 size_t errlen);

/* The transfer(1) filter. */
typedef struct {
    const char *from;      /* source CONFIG.json or MODEL_DIR, or NULL */
    const char *to;        /* target CONFIG.json or MODEL_DIR, or NULL (= source) */
    const char *modules;   /* target space modules ("sa,pa,pt,lora"), NULL = the input's */
    const char *tasks;     /* comma list of task names, or NULL */
    const char *budgets;   /* comma list of budgets in % of base params, or NULL */
    const char *score;     /* score column ["score"] */
    int csv;               /* CSV input and output */
} transfer_opts;

/* Read evaluated records from the files (NULL-terminated list; empty = stdin),
 * write configuration records to out. Exits through die()/die_at() on bad
 * input before writing anything (every record is mapped before the first
 * line is written). */
void transfer_run(const transfer_opts *o, char *const *files, int nfiles, FILE *out);

#endif
