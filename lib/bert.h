/* bert.h -- the BERT encoder with AutoPEFT modules (Hugging Face BertModel
 * semantics), in the style of llm.c's train_gpt2.c: one struct per model;
 * parameters, gradients and activations in flat buffers with shape comments.
 *
 * CONTRACT (shared by lib/checkpoint.c, tests/ref/make_golden.py and the
 * tools; do not change names without changing all three):
 *
 * Tensor names are Hugging Face names WITHOUT the "bert." prefix.
 *   base (frozen unless full fine-tuning):
 *     embeddings.word_embeddings.weight          (V, H)
 *     embeddings.position_embeddings.weight      (P, H)
 *     embeddings.token_type_embeddings.weight    (TV, H)
 *     embeddings.LayerNorm.{weight,bias}         (H)
 *     encoder.layer.N.attention.self.{query,key,value}.weight (H, H), .bias (H)
 *     encoder.layer.N.attention.output.dense.weight (H, H), .bias (H)
 *     encoder.layer.N.attention.output.LayerNorm.{weight,bias} (H)
 *     encoder.layer.N.intermediate.dense.weight  (I, H), .bias (I)
 *     encoder.layer.N.output.dense.weight        (H, I), .bias (H)
 *     encoder.layer.N.output.LayerNorm.{weight,bias} (H)
 *     pooler.dense.weight (H, H), .bias (H)            [optional in a checkpoint]
 *   MLM head (BertForMaskedLM; decoder tied to word embeddings):
 *     cls.predictions.transform.dense.weight (H, H), .bias (H)
 *     cls.predictions.transform.LayerNorm.{weight,bias} (H)
 *     cls.predictions.bias (V)
 *   Hugging Face sequence-classification head (pooler + classifier):
 *     classifier.weight (C, H), classifier.bias (C)
 *   AutoPEFT head on [CLS] (dropout, dense, tanh, dropout, out):
 *     head.dense.weight (H, H), head.dense.bias (H)
 *     head.out.weight (C, H), head.out.bias (C)
 *   PEFT modules, only for active layers N:
 *     encoder.layer.N.output.adapter.down.weight (sa, H), .bias (sa)   serial
 *     encoder.layer.N.output.adapter.up.weight   (H, sa), .bias (H)
 *     encoder.layer.N.output.parallel.down.weight (pa, H), .bias (pa)  parallel
 *     encoder.layer.N.output.parallel.up.weight   (H, pa), .bias (H)
 *     encoder.layer.N.attention.self.query.lora_A (r, H)              LoRA
 *     encoder.layer.N.attention.self.query.lora_B (H, r)
 *     encoder.layer.N.attention.self.value.lora_A (r, H)
 *     encoder.layer.N.attention.self.value.lora_B (H, r)
 *     prefix.embedding.weight (pt, H)                                  prefix
 *     prefix.mlp.0.weight (mid, H), prefix.mlp.0.bias (mid)
 *     prefix.mlp.2.weight (2*H*La, mid), prefix.mlp.2.bias (2*H*La)
 *       row layout of the MLP output for prefix position p: index
 *       ((a*2 + kv)*H + h) where a is the index among ACTIVE layers in
 *       increasing layer order, kv = 0 key / 1 value, h = heads*head_dim.
 *
 * Semantics: post-LN blocks; GELU via erf; additive mask for padded keys;
 * prefix keys/values are always attended; LoRA: q += (alpha/r)*(x A^T) B^T,
 * same for v. Block output with adapters (x = FFN input, h = FFN output after
 * dropout, LN = frozen output LayerNorm):
 *   u  = LN(h + x)                         (only if serial adapter on)
 *   SA = up(ReLU(down(u)))
 *   PA = 4 * up_p(ReLU(down_p(x)))
 *   y  = LN(h + SA + PA + x)
 * Classification loss: mean cross-entropy; regression (C == 1): mean MSE.
 * MLM loss: mean cross-entropy over positions whose label != -100. */
#ifndef AUTOPEFT_BERT_H
#define AUTOPEFT_BERT_H

#include "peft.h"

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

#endif
