/* export.h -- a record saved by train-eval --save, written out in the file
 * formats of the two Python PEFT stacks: the logic behind export-modules(1).
 *
 *   EXPORT_PEFT      Hugging Face PEFT: adapter_config.json +
 *                    adapter_model.safetensors (LoRA only; anything else is
 *                    refused with the reason)
 *   EXPORT_ADAPTERS  AdapterHub adapters: adapter_config.json +
 *                    adapter.safetensors, and the head as head_config.json +
 *                    model_head.safetensors (every configuration but a serial
 *                    and a parallel adapter together)
 *
 * The names, config keys and semantics follow the libraries' source; the
 * PyTorch loaders of tests/ref/export_ref.py rebuild the model from these
 * files as the libraries would, and the golden tests of tests/golden/export
 * check that it gives the engine's logits. */
#ifndef AUTOPEFT_EXPORT_H
#define AUTOPEFT_EXPORT_H

#include <stddef.h>
#include <stdio.h>

#include "engine/bert.h"
#include "engine/safetensors.h"

typedef enum { EXPORT_PEFT, EXPORT_ADAPTERS } export_format;

typedef struct {
    char *dir;          /* the saved record's directory */
    char *path;         /* DIR/modules.safetensors */
    bert_config cfg;    /* DIR/config.json */
    peft_config pc;     /* from the metadata */
    bert_task task;
    bert_head_kind head;
    int n_labels;       /* outputs of the head (1 for regression) */
    const char *id;     /* metadata, "" when absent */
    const char *labels; /* JSON array of the label names, "[]" when absent */
    const char *base_model;
    const char *task_name;
    st_file *f;
} export_saved;

typedef struct {
    export_format format;
    const char *name;        /* adapter name (adapters); default "autopeft" */
    const char *base_model;  /* model name written into the config; default: the saved one */
} export_opts;

/* Parse "peft" or "adapters"; -1 otherwise. */
int export_format_parse(const char *s);

/* Open a directory written by train-eval --save. Returns 0, or -1 with
 * "FILE: message" in err. */
int export_open(export_saved *s, const char *dir, char *err, size_t errlen);
void export_close(export_saved *s);

/* 1 if the format can express the saved configuration, else 0 with the
 * reason in why. */
int export_supported(const export_saved *s, export_format fmt, char *why, size_t whylen);

/* Write the files of the format into outdir, replacing it as a whole: the
 * files are written into a temporary sibling directory that is renamed into
 * place, so outdir is never half written. Returns 0 or -1 (err set). */
int export_write(const export_saved *s, const export_opts *o, const char *outdir, char *err, size_t errlen);

/* export-modules(1): SAVED directories given as arguments, or (saved != NULL)
 * records naming them by id. Exits through die() on bad input. */
typedef struct {
    export_opts ex;
    const char *output;      /* NULL: SAVED_DIR/FMT; else DIR, DIR/ID or {id} replaced */
    const char *saved;       /* record mode: DIR/ID or DIR with {id} replaced */
    int csv;
} export_run_opts;

void export_run(const export_run_opts *o, char **args, int nargs, FILE *out);

#endif
