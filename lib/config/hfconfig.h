/* hfconfig.h -- read and write Hugging Face BERT config.json files (cJSON).
 *
 * Keys read: vocab_size, hidden_size, num_hidden_layers, num_attention_heads,
 * intermediate_size, max_position_embeddings, type_vocab_size (required,
 * positive integers); layer_norm_eps (default 1e-12), hidden_dropout_prob
 * (0.1), attention_probs_dropout_prob (0.1), hidden_act (default "gelu";
 * only "gelu" is accepted); num_labels = length of id2label if present,
 * else the num_labels key, else 0.
 * Validated: hidden_size divisible by num_attention_heads, num_hidden_layers
 * <= PEFT_MAX_LAYERS, dropouts in [0,1), layer_norm_eps > 0.
 *
 * Errors are written to err as "FILE: message" (or "FILE:LINE: message" for
 * JSON syntax errors); the functions never exit. Return 0 or -1. */
#ifndef AUTOPEFT_HFCONFIG_H
#define AUTOPEFT_HFCONFIG_H

#include <stddef.h>

#include "config/peft.h"

/* A BERT encoder's sizes and settings, as config.json gives them (the engine,
 * lib/engine/bert.h, builds from it; the search tools read it without the engine). */
typedef struct {
    int vocab_size;      /* V */
    int hidden;          /* H */
    int layers;          /* L */
    int heads;           /* NH */
    int intermediate;    /* I */
    int max_position;    /* P */
    int type_vocab;      /* TV */
    float ln_eps;        /* layer_norm_eps */
    float hidden_dropout;/* hidden_dropout_prob */
    float attn_dropout;  /* attention_probs_dropout_prob */
    int num_labels;      /* len(id2label) or num_labels; 0 if absent */
    char hidden_act[16]; /* "gelu" (erf) is supported */
} bert_config;

int hfconfig_load(const char *path, bert_config *c, char *err, size_t errlen);

/* Parse a config from an in-memory JSON string; name is used in messages. */
int hfconfig_parse(const char *json, const char *name, bert_config *c, char *err, size_t errlen);

/* Write a HF-compatible config.json ("architectures": ["BertModel"],
 * "model_type": "bert", id2label/label2id "LABEL_i" when num_labels > 0),
 * atomically (temp file + rename). */
int hfconfig_save(const char *path, const bert_config *c, char *err, size_t errlen);

#endif
