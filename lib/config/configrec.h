/* configrec.h -- PEFT configuration records (see autopeft(7)):
 *   id, sa, pa, pt, lora, l0 ... l{L-1}, full   (+ any other columns, passed through)
 * sa/pa/pt/lora are non-negative integers (0 = off); a missing module column
 * means that module is off; every layer flag l0..l{L-1} of the model must be
 * present and be 0 or 1, and no flag beyond the model's depth may appear.
 * The optional column full (0 or 1; absent = 0) marks a full fine-tuning
 * record (every base weight trained, as well as any module it names). */
#ifndef AUTOPEFT_CONFIGREC_H
#define AUTOPEFT_CONFIGREC_H

#include <stddef.h>
#include "config/peft.h"
#include "data/record.h"

typedef struct {
    int id;                      /* column of id */
    int sa, pa, pt, lora;        /* columns, -1 when absent (module off) */
    int full;                    /* column, -1 when absent (not full fine-tuning) */
    int layer[PEFT_MAX_LAYERS];  /* column of l0.. */
    int n_layers;
} configrec_cols;

/* Resolve the columns against the header for a model of n_layers layers.
 * Returns 0, or -1 with "FILE:1: ..." in err (missing id, missing l<k>,
 * flag l<n_layers> present: "config has layer flags for N layers but the
 * model has M"). */
int configrec_bind(const rec_reader *r, int n_layers, configrec_cols *c, char *err, size_t errlen);

/* Parse the current record into cfg (module sizes, flags, n_layers; other
 * fields from peft_default). Returns 0, or -1 with "FILE:LINE: column 'X':
 * ..." in err for a non-integer or negative size or a flag that is not 0/1. */
int configrec_parse(const rec_reader *r, const configrec_cols *c, peft_config *cfg, char *err,
                    size_t errlen);

/* The rules of the model's search space (space-gen): every module size
 * (sa, pa, pt, lora) at most the hidden size H, and modules, when any, in at
 * least one layer. A record with every size 0 (head only, or full
 * fine-tuning) is valid. Returns 0, or -1 with "FILE:LINE: message". */
int configrec_check(const rec_reader *r, const peft_config *cfg, int hidden, char *err, size_t errlen);

#endif
