/* bert.h -- the BERT encoder with AutoPEFT modules (Hugging Face BertModel
 * semantics), in the style of llm.c's train_gpt2.c: one struct per model;
 * parameters, gradients and activations in flat buffers with shape comments.
 *
 * CONTRACT (shared by lib/engine/bert.c, tests/ref/make_golden.py and the
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
 * MLM loss: mean cross-entropy over positions whose label != -100.
 *
 * Choices where the contract above is silent (Hugging Face / AutoPEFT
 * reference behaviour; tests/ref/bert_ref.py implements the same):
 *  - trainable tensors: PEFT tensors (incl. the prefix MLP) and the task
 *    head always; every base tensor (embeddings, layers) only with full
 *    fine-tuning; the pooler only with the HF head (it is unused, hence
 *    gets no gradient, with the AutoPEFT head or MLM). The MLM head
 *    (cls.predictions.*) is the head of the MLM task, so it is trainable;
 *    its decoder is the word embedding matrix (trainable only when full).
 *  - dropout: every dropout site uses hidden_dropout_prob (including both
 *    AutoPEFT head dropouts and the HF classifier dropout); attention
 *    probabilities use attention_probs_dropout_prob. Adapters, LoRA and the
 *    prefix have no dropout of their own. Masks come from the model's rng
 *    (bert_set_dropout_seed), drawn in forward order: deterministic.
 *  - padded keys get probability exactly 0 (= HF's finfo.min additive
 *    mask after softmax); a row whose keys are all padding attends to all.
 *  - AdamW weight decay: every trainable tensor except names ending in
 *    "bias" or containing "LayerNorm".
 *  - initialisation of tensors absent from a checkpoint: each tensor from
 *    its own rng stream seeded by (seed, name), so it does not depend on
 *    which other tensors exist. Base Linear/Embedding weights, pooler,
 *    heads, MLM transform: N(0, 0.02), biases 0, LayerNorm 1/0 (HF
 *    _init_weights, word embedding row 0 = padding zeroed). Serial adapter
 *    N(0, 0.02) / zero biases; parallel adapter down U(+-1/sqrt(H)) (kaiming
 *    uniform a=sqrt 5), up and biases 0; LoRA A U(+-1/sqrt(H)), B 0; prefix
 *    embedding N(0,1), prefix Linears PyTorch default U(+-1/sqrt(fan_in))
 *    for weight and bias.
 *  - backward stops at the lowest layer holding a trainable module (with
 *    full fine-tuning it reaches the embeddings); frozen layers below it
 *    keep no activations of their own (they share one scratch set).
 *  - memory: activations are allocated once for (max_batch, max_seq):
 *    per token and per layer at or above the backward stop about
 *    10*H + 2*I + NH*(pt + max_seq) floats (+ masks when dropout is on),
 *    e.g. ~2.9 GB for bert-base at 32 x 128 with every layer trainable.
 *    A model is used by one thread at a time (OpenBLAS threads inside).
 *  - checkpoints (lib/engine/checkpoint.c): names are looked up as NAME, "bert."NAME, and for
 *    LayerNorm weight/bias also the old gamma/beta; F32/F16/BF16/F64 are
 *    converted to float; tensors the model does not use are ignored.
 *    Every base tensor except the pooler is required. A checkpoint carrying
 *    classifier.* selects the HF head when head == BERT_HEAD_AUTO.
 *    bert_save writes the PEFT configuration and task into the safetensors
 *    __metadata__ with the keys of tests/golden/README.md (sa, pa, pt, lora,
 *    lora_alpha, prefix_mid, layers, full, task, head), which bert_load uses
 *    when the caller passes no PEFT configuration.
 *
 * API (typical training loop in train-eval; bert_load and bert_save are in
 * checkpoint.h):
 *
 *   bert_opts o; bert_opts_default(&o);
 *   o.peft = &pc; o.task = BERT_TASK_CLS; o.num_labels = 2;
 *   o.max_batch = 32; o.max_seq = 128; o.seed = 42;
 *   bert_model *m = bert_load("models/bert-base-uncased", &o, err, sizeof err);
 *   adamw opt; adamw_hparams hp = {lr, 0.9, 0.999, 1e-8, 0.0};
 *   adamw_init(&opt, m->opt, m->n_opt, &hp);
 *   bert_set_dropout_seed(m, 42);
 *   for each step s:
 *       bert_set_training(m, 1);
 *       bert_train_step(m, &opt, &batch, lr * lr_linear_warmup(s, warm, total),
 *                       1.0f, &loss, err, sizeof err);
 *   bert_set_training(m, 0);
 *   bert_forward(m, &dev_batch, NULL, err, sizeof err);  -> m->logits
 *   bert_save(m, "out/model", ST_F32, err, sizeof err);
 *   bert_free(m); adamw_free(&opt);
 */
#ifndef AUTOPEFT_BERT_H
#define AUTOPEFT_BERT_H

#include <stddef.h>
#include <stdint.h>

#include "config/hfconfig.h"
#include "engine/optim.h"
#include "config/peft.h"
#include "engine/safetensors.h"
#include "util/util.h"


typedef enum { BERT_TASK_CLS, BERT_TASK_REG, BERT_TASK_MLM } bert_task;
typedef enum { BERT_HEAD_AUTO, BERT_HEAD_AUTOPEFT, BERT_HEAD_HF } bert_head_kind;

/* How to build a model. */
typedef struct {
    const peft_config *peft; /* NULL: from checkpoint metadata, else no modules */
    bert_task task;
    bert_head_kind head;     /* AUTO: HF if the checkpoint has classifier.*, else AutoPEFT */
    int num_labels;          /* 0: config.json's (2 if absent); REG always uses 1 */
    int max_batch;           /* activation buffers are sized for (max_batch, max_seq) */
    int max_seq;             /* 0: min(128, max_position) */
    uint64_t seed;           /* init of tensors the checkpoint does not carry */
    float dropout;           /* < 0: the config's; else hidden and attention dropout
                                (given here, so the dropout masks are sized for it) */
    const char *modules;     /* NULL, or a file of train-eval --save (bert_save_modules):
                                its tensors replace the checkpoint's, it must carry the
                                same PEFT configuration, and every PEFT and head tensor */
} bert_opts;

/* Defaults: peft NULL, CLS, AUTO head, num_labels 0, max_batch 8, max_seq 0, seed 42,
 * dropout -1 (the config's). */
void bert_opts_default(bert_opts *o);

typedef enum { BERT_T_BASE, BERT_T_POOLER, BERT_T_HEAD, BERT_T_PEFT } bert_tensor_kind;

/* One named parameter tensor (a view into the model's flat buffers). */
typedef struct {
    char name[96];      /* contract name (no "bert." prefix) */
    int ndim;
    long long shape[2];
    long n;             /* numel */
    float *data;
    float *grad;        /* NULL when frozen */
    bert_tensor_kind kind;
    int decay;          /* AdamW weight decay applies */
} bert_tensor;

/* Pointers to the parameters of one layer (NULL = module absent). The same
 * struct holds the gradients (NULL = frozen). */
typedef struct {
    float *qkv_w;              /* (3H, H): query, key, value weights, contiguous */
    float *qkv_b;              /* (3H) */
    float *ao_w, *ao_b;        /* (H, H), (H)   attention.output.dense */
    float *ln1_w, *ln1_b;      /* (H)           attention.output.LayerNorm */
    float *fc_w, *fc_b;        /* (I, H), (I)   intermediate.dense */
    float *fo_w, *fo_b;        /* (H, I), (H)   output.dense */
    float *ln2_w, *ln2_b;      /* (H)           output.LayerNorm */
    float *sa_dw, *sa_db;      /* (sa, H), (sa) serial adapter down */
    float *sa_uw, *sa_ub;      /* (H, sa), (H)  serial adapter up */
    float *pa_dw, *pa_db;      /* (pa, H), (pa) parallel adapter down */
    float *pa_uw, *pa_ub;      /* (H, pa), (H) */
    float *lq_a, *lq_b;        /* (r, H), (H, r) LoRA on query */
    float *lv_a, *lv_b;        /* (r, H), (H, r) LoRA on value */
} bert_layer_w;

typedef struct {
    float *wte, *wpe, *wtt;    /* (V,H), (P,H), (TV,H) */
    float *eln_w, *eln_b;      /* (H) */
    bert_layer_w layer[PEFT_MAX_LAYERS];
    float *pool_w, *pool_b;    /* (H,H), (H) */
    float *hd_w, *hd_b;        /* (H,H), (H)  head.dense (AutoPEFT head) */
    float *ho_w, *ho_b;        /* (C,H), (C)  head.out */
    float *cls_w, *cls_b;      /* (C,H), (C)  classifier (HF head) */
    float *mt_w, *mt_b;        /* (H,H), (H)  cls.predictions.transform.dense */
    float *mln_w, *mln_b;      /* (H)         cls.predictions.transform.LayerNorm */
    float *mbias;              /* (V)         cls.predictions.bias */
    float *pre_emb;            /* (pt, H)     prefix.embedding.weight */
    float *pre_w0, *pre_b0;    /* (mid, H), (mid) */
    float *pre_w2, *pre_b2;    /* (2*H*La, mid), (2*H*La) */
} bert_weights;

/* Activations of one layer, sized for (max_batch, max_seq); S = pt_l + T. */
typedef struct {
    float *qkv;                /* (B,T,3H) */
    float *lq, *lv;            /* (B,T,r) x A^T for LoRA */
    float *att;                /* (B,NH,T,S) softmax probabilities */
    unsigned char *att_keep;   /* (B,NH,T,S) attention dropout mask */
    float *ctx;                /* (B,T,H) attention context */
    unsigned char *ao_keep;    /* (B,T,H) */
    float *res1;               /* (B,T,H) dropout(dense(ctx)) + x */
    float *ln1, *ln1_mean, *ln1_rstd; /* (B,T,H), (B,T), (B,T) = FFN input */
    float *fch, *fcg;          /* (B,T,I) pre- and post-GELU */
    unsigned char *fo_keep;    /* (B,T,H) */
    float *h;                  /* (B,T,H) dropout(output.dense) */
    float *u_in, *u, *u_mean, *u_rstd; /* serial adapter: u = LN(h + ln1) */
    float *sa_a;               /* (B,T,sa) ReLU(down(u)) */
    float *pa_a;               /* (B,T,pa) ReLU(down_p(ln1)) */
    float *res2, *ln2_mean, *ln2_rstd; /* (B,T,H) h + SA + PA + ln1 */
    float *out;                /* (B,T,H) layer output (own buffer per layer) */
} bert_layer_acts;

/* Activation gradients (llm.c's grads_acts), sized for (max_batch, max_seq)
 * and used by one layer at a time; Nm = labelled MLM rows, m = max(sa, pa, r).
 * Buffers that are never live together share memory (the layout says which). */
typedef struct {
    float *dout, *dinp;        /* (B,T,H) wrt the output and the input of the layer being
                                  visited (swapped per layer); dout starts as the head's */
    /* inside layer_backward, top down */
    float *dres2;              /* (B,T,H) wrt res2, the input of output.LayerNorm */
    float *dadapter;           /* (B,T,H) 4 * dres2: wrt the parallel adapter's up output */
    float *dbot_act, *dbot_z;  /* (B,T,m) wrt an adapter bottleneck after / before ReLU;
                                  dbot_act is also LoRA's d(x A^T) */
    float *du, *du_in;         /* (B,T,H) wrt u = LN(u_in) and u_in = h + ln1 (serial adapter) */
    float *dh;                 /* (B,T,H) wrt h, the FFN output after dropout */
    float *dfo;                /* (B,T,H) wrt output.dense's output, before dropout */
    float *dfc;                /* (B,T,I) wrt fcg, then in place wrt fch (GELU backward) */
    float *dln1;               /* (B,T,H) wrt ln1, the FFN input */
    float *dres1;              /* (B,T,H) wrt res1, the input of attention.output.LayerNorm */
    float *dao;                /* (B,T,H) wrt attention.output.dense's output, before dropout */
    float *dctx;               /* (B,T,H) wrt ctx, the attention context */
    float *dqkv;               /* (B,T,3H) */
    /* embeddings (full fine-tuning), after the layers */
    float *deln, *desum;       /* (B,T,H) wrt eln and esum (memory of dres2, dh) */
    /* MLM head, before the layers */
    float *dmdec;              /* (Nm,H) wrt the decoder's input rows (memory of dln1) */
    float *dmln, *dmg, *dmz;   /* (B,T,H) wrt mln, mg, mz (memory of dinp, dres2, dh) */
    /* classification head, top down: (B,H) each */
    float *dht_d, *dht, *dhz, *dcls_d, *dcls;
    /* prefix MLP, after the layers */
    float *dkv;                /* (pt, 2*H*La) wrt p_kv, accumulated by every layer */
    float *dt1, *dz1;          /* (pt, mid) wrt the tanh output and input */
} bert_grad_acts;

/* A batch. Padding: attention_mask 0. */
typedef struct {
    int B, T;
    const int *input_ids;      /* (B,T) */
    const int *token_type_ids; /* (B,T) or NULL (all 0) */
    const int *attention_mask; /* (B,T) or NULL (all 1) */
    const int *labels;         /* CLS: (B); MLM: (B,T) with -100; NULL: no loss */
    const float *targets;      /* REG: (B); NULL: no loss */
} bert_batch;

typedef struct bert_model {
    bert_config cfg;           /* cfg.num_labels == C for CLS/REG */
    peft_config peft;
    bert_task task;
    bert_head_kind head;       /* resolved: AUTOPEFT or HF */
    int C;                     /* outputs per example: labels, 1 (REG), V (MLM) */
    int max_batch, max_seq;
    int bwd_stop;              /* lowest layer the backward pass visits (L = none) */
    int full_bwd;              /* backward reaches the embeddings */

    /* parameters */
    bert_tensor *tensors;
    int n_tensors;
    float *params;             /* every tensor, registration order */
    long n_params;
    float *grads;              /* trainable tensors only, same order */
    long n_grads;
    bert_weights w, g;         /* g: gradient views (NULL = frozen) */
    opt_param *opt;            /* trainable tensors for optim.h */
    int n_opt;

    /* activations (sized for max_batch x max_seq) */
    float *acts;
    unsigned char *keeps;
    bert_layer_acts la[PEFT_MAX_LAYERS];
    float *esum, *e_mean, *e_rstd, *eln, *x0;  /* embeddings: (B,T,H), x0 after dropout */
    unsigned char *e_keep;
    float *p_t1, *p_kv;        /* prefix MLP: (pt, mid) tanh output, (pt, 2*H*La) */
    float *cls, *cls_d, *hz, *ht, *ht_d;     /* cls head: (B,H) */
    unsigned char *keep0, *keep1;            /* (B,H) */
    float *mz, *mg, *mln, *mln_mean, *mln_rstd; /* MLM transform: (B,T,H) */
    float *logits;             /* (B,C) or (B,T,V) for the last forward */
    float *probs;              /* same shape; softmax (CE), then dlogits */
    float *att_scratch;        /* (2, max_seq, pt + max_seq) */
    float *proj;               /* (B,T,H) forward scratch: attention.output.dense and adapter up
                                  outputs before they are added (memory of ga.dout, which the
                                  backward fills only after the forward is done) */
    bert_grad_acts ga;         /* activation gradients of the backward pass */

    /* state */
    int training;
    rng_t rng;                 /* dropout masks */
    int last_B, last_T, have_loss;
    float p_hid, p_att;        /* dropout used by the last forward */
    const int *last_labels;
    const float *last_targets;
    float loss;
    int *ids_copy, *tids_copy, *mask_copy; /* (B,T) copies of the last batch */
    int *labels_copy;          /* (B,T) */
    int *mrow;                 /* (B*T) MLM with labels: positions of the labelled rows */
    int n_mrow;                /* how many; m->logits then holds only these rows, in order */
    float *targets_copy;       /* (B) */
} bert_model;

/* Build a model with freshly initialised weights (seeded by o->seed).
 * Returns NULL with err set on an invalid configuration. */
bert_model *bert_new(const bert_config *c, const bert_opts *o, char *err, size_t errlen);
/* What bert_new and bert_load (checkpoint.h) share: a model for c and the
 * PEFT configuration p (o->peft is not read), with o's task, head (AUTO:
 * AutoPEFT), labels, buffer sizes and dropout, its weights NOT initialised. */
bert_model *bert_build(const bert_config *c, const peft_config *p, const bert_opts *o, char *err,
                       size_t errlen);
/* Initialise every tensor i with !present[i] (present NULL: all), each
 * from its own stream seeded by (seed, name) (see above). */
void bert_init_missing(bert_model *m, const unsigned char *present, uint64_t seed);
/* The num_labels that a saved config.json records (0: none), e.g. for a
 * checkpoint without head; the model's outputs (m->C) do not change. */
void bert_set_config_labels(bert_model *m, int num_labels);
void bert_free(bert_model *m);
/* The names checkpoints and model-info use: the task "cls", "reg" or
 * "mlm"; the head "hf" or "autopeft". */
const char *bert_task_name(const bert_model *m);
const char *bert_head_name(const bert_model *m);

/* Training mode switches dropout on (probabilities from the config). */
void bert_set_training(bert_model *m, int on);
void bert_set_dropout_seed(bert_model *m, uint64_t seed);

/* Forward pass. Validates the batch (sizes, id ranges, labels); on error
 * returns -1 with err set. If the batch has labels/targets, *loss (may be
 * NULL) receives the mean loss and bert_backward may follow. Logits in
 * m->logits: (B, C) row-major, or (B, T, V) for MLM without labels. MLM
 * with labels scores only the labelled positions (the decoder over the
 * vocabulary dominates the cost): m->logits then holds m->n_mrow rows of V,
 * for positions m->mrow[0..n_mrow). */
int bert_forward(bert_model *m, const bert_batch *b, float *loss, char *err, size_t errlen);
void bert_zero_grad(bert_model *m);
/* Backward of the last forward's mean loss; ACCUMULATES into the gradients. */
void bert_backward(bert_model *m);
/* forward + zero_grad + backward + clip (clip <= 0: none) + adamw_step(lr). */
int bert_train_step(bert_model *m, adamw *o, const bert_batch *b, float lr, float clip,
                    float *loss, char *err, size_t errlen);

/* Parameter counts. added: peft_params_added (deployed PEFT size);
 * trainable: every tensor that gets a gradient (PEFT incl. prefix MLP,
 * head, pooler with the HF head, base with full FT), computed from the
 * formulas of peft.h, equal to the sum of the allocated trainable tensors
 * (unit-tested); base: bert_base_param_count (embeddings+layers+pooler). */
long long bert_params_added(const bert_model *m);
long long bert_params_trainable(const bert_model *m);
long long bert_params_base(const bert_model *m);

/* Tensor by contract name, or NULL. */
bert_tensor *bert_find(bert_model *m, const char *name);

/* Gives every trainable tensor whose name starts with name_prefix the
 * learning-rate multiplier mult (opt_param.lr_mult; a torch parameter group
 * with lr * mult). Returns how many tensors it set. */
int bert_set_lr_mult(bert_model *m, const char *name_prefix, float mult);

#endif
