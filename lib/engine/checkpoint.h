/* checkpoint.h -- a bert_model to and from disk: load a Hugging Face
 * checkpoint directory (config.json + model.safetensors), save one, save the
 * trained modules alone, and the PEFT metadata those files carry (the
 * contract and its lookup rules are in bert.h). Writing goes through the one
 * safetensors writer, st_write.
 *
 * Naming: the load/save API keeps the bert_ prefix of the model it acts on
 * (bert_load, bert_save*, bert_meta_parse, bert_trained_kinds); every public
 * symbol of this file is declared here, and static helpers are unprefixed. */
#ifndef AUTOPEFT_CHECKPOINT_H
#define AUTOPEFT_CHECKPOINT_H

#include <stddef.h>

#include "engine/bert.h"
#include "engine/safetensors.h"

/* Load DIR/config.json + DIR/model.safetensors (the rules are in bert.h). */
bert_model *bert_load(const char *dir, const bert_opts *o, char *err, size_t errlen);
/* Write DIR/config.json and DIR/model.safetensors (atomically; DIR is
 * created if missing). dtype ST_F32, ST_F16 or ST_BF16. Returns 0 or -1. */
int bert_save(const bert_model *m, const char *dir, st_dtype dtype, char *err, size_t errlen);
/* The same, writing only tensors whose kind bit (1 << bert_tensor_kind) is
 * set in kinds, e.g. a base checkpoint without head: BERT_SAVE_BASE. */
#define BERT_SAVE_ALL 0xfu
#define BERT_SAVE_BASE ((1u << BERT_T_BASE) | (1u << BERT_T_POOLER))
int bert_save_kinds(const bert_model *m, const char *dir, st_dtype dtype, unsigned kinds,
                    char *err, size_t errlen);
/* The trained tensors alone (PEFT modules and head; the pooler with an HF
 * head; everything with full fine-tuning) as F32 safetensors at path, with
 * the PEFT metadata and the extra metadata pairs (NULL-terminated). The file
 * is what bert_opts.modules loads. */
int bert_save_modules(const bert_model *m, const char *path, const char *const *extra, char *err,
                      size_t errlen);
/* Its file name inside a saved record's directory (train-eval --save). */
#define BERT_MODULES_FILE "modules.safetensors"
/* The kind bits of the tensors training changes (see bert_save_modules). */
unsigned bert_trained_kinds(const bert_model *m);
/* A pretrained encoder (pretrain): bert_save, but its metadata says "no
 * PEFT modules, not fine-tuned" (full = 0) whatever the model trained, so
 * a tool loading it without a PEFT configuration gets the plain defaults. */
int bert_save_encoder(const bert_model *m, const char *dir, st_dtype dtype, char *err, size_t errlen);

/* Read the PEFT configuration / task / head from safetensors metadata (keys
 * of tests/golden/README.md). Returns 1 if found, 0 if the file carries
 * none (outputs untouched), -1 on a malformed value (err set). */
int bert_meta_parse(const st_file *f, int n_layers, peft_config *p, bert_task *task,
                    bert_head_kind *head, char *err, size_t errlen);

#endif
