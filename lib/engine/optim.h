/* optim.h -- AdamW (torch.optim.AdamW semantics), the Hugging Face linear
 * warm-up/decay schedule and global-norm gradient clipping
 * (torch.nn.utils.clip_grad_norm_), over a list of flat parameter tensors.
 * Deterministic: the same result on any number of engine threads (the
 * norm is summed in fixed chunks, the rest is elementwise). See
 * tests/golden/README.md. */
#ifndef AUTOPEFT_OPTIM_H
#define AUTOPEFT_OPTIM_H

/* One trainable tensor: parameters p and gradients g of n floats. */
typedef struct {
    float *p;
    float *g;
    long n;
    int decay;  /* 1: weight decay applies (not for biases / LayerNorm) */
    float lr_mult; /* this tensor's learning rate is lr * lr_mult (a torch
                      parameter group with its own lr); 0 means 1 */
} opt_param;

typedef struct {
    float lr;            /* base learning rate (informational; step gets the lr) */
    float beta1, beta2;  /* 0.9, 0.999 */
    float eps;           /* 1e-8 */
    float weight_decay;  /* decoupled: p -= lr * wd * p */
} adamw_hparams;

typedef struct {
    adamw_hparams h;
    const opt_param *ps;
    int n;
    float *m, *v;        /* first/second moments, concatenated in ps order */
    long total;
    long t;              /* steps taken */
} adamw;

void adamw_init(adamw *o, const opt_param *ps, int n, const adamw_hparams *h);
/* The same, but returns -1 (o zeroed) instead of exiting when the moments
 * cannot be allocated. */
int adamw_init_try(adamw *o, const opt_param *ps, int n, const adamw_hparams *h);
/* One step with learning rate lr (already multiplied by the schedule; each
 * tensor uses lr * its lr_mult):
 * t += 1; p *= 1 - lr*wd (decay tensors); m = b1 m + (1-b1) g;
 * v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps). */
void adamw_step(adamw *o, float lr);
void adamw_free(adamw *o);

/* Global L2 norm of all gradients (accumulated in double). */
double grad_global_norm(const opt_param *ps, int n);
/* torch clip_grad_norm_: norm = global L2 norm; if norm > max_norm, scale
 * every gradient by max_norm / (norm + 1e-6). Returns the norm before
 * clipping. */
double clip_grad_norm(const opt_param *ps, int n, double max_norm);

/* Hugging Face get_linear_schedule_with_warmup multiplier at optimiser
 * step s = 0, 1, ...: s/warmup for s < warmup, else
 * max(0, (total - s) / max(1, total - warmup)). */
double lr_linear_warmup(long step, long warmup, long total);

#endif
