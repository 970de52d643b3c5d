/* baselines.h -- the standard PEFT baselines of a model as configuration
 * records (space-gen --baselines), so that one file of records drives every
 * baseline through train-eval like any other configuration:
 *
 *   family sa, pa, pt   serial adapter, parallel adapter, prefix alone, in
 *                       every layer, at sizes H/64, H/16 and H/4 (each the
 *                       nearest level of the AutoPEFT grid, duplicates
 *                       dropped; for H = 768: 12, 48, 192)
 *   family lora         LoRA alone on query and value, ranks 2, 8 and 32
 *                       (at most min(64, H); r = 8 is AutoPEFT's baseline)
 *   family full         full fine-tuning (column full = 1): params is the
 *                       whole base model, which every task needs a copy of
 *
 * Ids are "bl-FAMILY-SIZE" ("bl-full" for full fine-tuning). */
#ifndef AUTOPEFT_BASELINES_H
#define AUTOPEFT_BASELINES_H

#include "config/peft.h"
#include "search/space.h"

#define BASELINES_MAX 16

typedef struct {
    char id[32];
    const char *family;   /* "sa", "pa", "pt", "lora" or "full" */
    peft_config cfg;
} baseline;

/* Fill out (at most BASELINES_MAX) for model m; returns the count. */
int baselines_make(const space_model *m, baseline *out);

#endif
