/* peft.h -- PEFT configurations and their exact parameter counts.
 *
 * One definition of "params added" shared by train-eval (which builds the
 * model) and the search tools (which only know the model's constants from
 * a space file). Counts are exact, biases included:
 *
 *   per active layer l:
 *     serial adapter  sa: down (sa,H)+sa, up (H,sa)+H   = 2*H*sa + sa + H
 *     parallel adapter pa: same shape                   = 2*H*pa + pa + H
 *     LoRA rank r on query and value: A (r,H), B (H,r)  = 2 * (2*H*r)
 *     prefix length pt (deployed, MLP folded away)      = 2*H*pt   (keys, values)
 *
 * "trainable" additionally counts the prefix reparameterisation MLP
 * (Embedding(pt,H), Linear(H,mid), Linear(mid, 2*H*L_active)) and the head.
 * A module whose size is 0 is off. */
#ifndef AUTOPEFT_PEFT_H
#define AUTOPEFT_PEFT_H

#define PEFT_MAX_LAYERS 64
#define PEFT_PREFIX_MID 800

typedef struct {
    int sa;           /* serial adapter bottleneck, 0 = off */
    int pa;           /* parallel adapter bottleneck, 0 = off */
    int pt;           /* prefix length, 0 = off */
    int lora;         /* LoRA rank on query and value, 0 = off */
    float lora_alpha; /* LoRA scaling numerator (scale = alpha / rank) */
    int prefix_mid;   /* prefix MLP width (AutoPEFT: 800) */
    int full;         /* full fine-tuning: every base weight trainable */
    int n_layers;     /* depth of the model the flags refer to */
    unsigned char layer_on[PEFT_MAX_LAYERS]; /* 1 = modules inserted in layer l */
} peft_config;

/* Defaults: all modules off, all layers on, lora_alpha = 8, prefix_mid = 800. */
void peft_default(peft_config *c, int n_layers);
int peft_active_layers(const peft_config *c);
/* 1 if any module is on (sa, pa, pt or lora > 0). */
int peft_any_module(const peft_config *c);

/* Parameters a deployed model adds (see above). */
long long peft_params_added(int hidden, const peft_config *c);
/* Everything trained for the PEFT part, including the prefix MLP, excluding
 * the head and (for full fine-tuning) the base model. */
long long peft_params_trainable(int hidden, const peft_config *c);

/* Parameters of a BERT encoder (embeddings + layers + pooler), as Hugging
 * Face counts BertModel: 109,482,240 for bert-base-uncased. */
long long bert_base_param_count(int vocab, int hidden, int layers, int intermediate,
                                int max_position, int type_vocab);

#endif
