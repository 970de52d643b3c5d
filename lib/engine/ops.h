/* ops.h -- forward/backward kernels of the BERT engine (llm.c style).
 *
 * Conventions:
 *  - naming: a layer's kernels are the pair xxx_forward / xxx_backward (as in
 *    llm.c's train_gpt2.c; a _set variant overwrites instead of accumulating);
 *    the few other public symbols carry the file's prefix (ops_expf, ops_erff);
 *  - row-major float32 flat buffers; shapes in comments; sizes last (a row
 *    stride such as ldo comes just before the sizes);
 *  - every matrix product of the engine is in ops.c, through cblas_sgemm
 *    (lib/engine/bert.c calls no BLAS itself);
 *  - every *_backward ACCUMULATES (+=) into its input gradient and into
 *    parameter gradients (the caller zeroes them); a NULL gradient pointer
 *    means "not needed" and the work for it is skipped. The one exception
 *    is crossentropy_backward, which overwrites dlogits (so it may alias
 *    probs, saving a (N, V) buffer for MLM);
 *  - no allocation: scratch buffers are passed in (except per-thread
 *    scratch and partial sums when the engine runs on several threads);
 *  - threads: ops_set_threads(n) makes the engine split its work over n
 *    OpenMP threads with OpenBLAS single-threaded (one pool owns the cores);
 *    every split keeps the serial order of each sum (see ops.c). Never called: the engine is serial and OpenBLAS keeps
 *    its own thread count (the behaviour before threads were the engine's).
 * Linear layers store W as (out, in), as Hugging Face does. */
#ifndef AUTOPEFT_OPS_H
#define AUTOPEFT_OPS_H

#include <stdint.h>
#include "util/util.h"

/* An OpenMP pragma that vanishes without -fopenmp (no unknown-pragma
 * warning): the engine is then serial. */
#ifdef _OPENMP
#define OPS_OMP(x) _Pragma(x)
#else
#define OPS_OMP(x)
#endif

/* Run the engine on n threads (n < 1: OpenBLAS's current thread count); sets
 * OpenBLAS to 1 thread. ops_threads: the engine's thread count (1 if unset). */
void ops_set_threads(int n);
int ops_threads(void);
/* p[0..n) = 0; dst[0..n) = src[0..n) (no overlap): memset / memcpy split
 * over the engine's threads. */
void ops_zero(float *p, long n);
void ops_copy(float *dst, const float *src, long n);

/* out (B,T,H) = wte[ids] + wpe[t] + wtt[tids]; tids may be NULL (= 0). */
void embed_forward(float *out, const int *ids, const int *tids, const float *wte,
                   const float *wpe, const float *wtt, int B, int T, int H);
/* Scatter-add dout into dwte / dwpe / dwtt (each may be NULL). */
void embed_backward(float *dwte, float *dwpe, float *dwtt, const float *dout, const int *ids,
                    const int *tids, int B, int T, int H);

/* out (N,C) = (inp - mean) * rstd * w + b, rstd = 1/sqrt(var + eps);
 * mean, rstd (N) are stored for the backward pass. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *inp, const float *w,
                       const float *b, float eps, int N, int C);
void layernorm_backward(float *dinp, float *dw, float *db, const float *dout, const float *inp,
                        const float *w, const float *mean, const float *rstd, int N, int C);

/* out (N,OC) = inp (N,IC) W^T + b;  W (OC,IC), b (OC) or NULL. */
void linear_forward(float *out, const float *inp, const float *W, const float *b, int N, int IC,
                    int OC);
/* dinp (N,IC) += dout W;  dW (OC,IC) += dout^T inp;  db (OC) += sum_rows dout. */
void linear_backward(float *dinp, float *dW, float *db, const float *dout, const float *inp,
                     const float *W, int N, int IC, int OC);

/* The same, OVERWRITING dinp (no zeroing pass needed). */
void linear_backward_set(float *dinp, float *dW, float *db, const float *dout, const float *inp,
                         const float *W, int N, int IC, int OC);

/* LoRA on a linear layer: xa (N,r) = inp (N,IC) A^T, then
 * out (N,OC; row stride ldo) += scale * xa B^T;  A (r,IC), B (OC,r). */
void lora_forward(float *out, float *xa, const float *inp, const float *A, const float *B,
                  float scale, int ldo, int N, int IC, int OC, int r);
/* dout (N,OC; row stride ldd). dA, dB +=; dinp (N,IC) += (NULL to skip);
 * dxa (N,r) is scratch (overwritten with the gradient wrt xa). */
void lora_backward(float *dinp, float *dA, float *dB, float *dxa, const float *dout,
                   const float *xa, const float *inp, const float *A, const float *B, float scale,
                   int ldd, int N, int IC, int OC, int r);

/* Bottleneck adapter (serial and parallel): act (N,m) = ReLU(inp Wd^T + bd),
 * up (N,C) = act Wu^T + bu, out (N,C) += scale * up;  Wd (m,C), Wu (C,m). */
void adapter_forward(float *out, float *act, float *up, const float *inp, const float *Wd,
                     const float *bd, const float *Wu, const float *bu, float scale, int N, int C,
                     int m);
/* Gradients wrt the adapter's weights (+=) and inp (+=, NULL to skip) from
 * dout, the gradient wrt out. Scratch: dup (N,C) (used when scale != 1),
 * dact, dz (N,m). */
void adapter_backward(float *dinp, float *dWd, float *dbd, float *dWu, float *dbu, float *dup,
                      float *dact, float *dz, const float *dout, const float *act,
                      const float *inp, const float *Wd, const float *Wu, float scale, int N,
                      int C, int m);

/* GELU, exact erf form: x * 0.5 * (1 + erf(x / sqrt 2)). */
void gelu_forward(float *out, const float *inp, int n);
void gelu_backward(float *dinp, const float *inp, const float *dout, int n);
/* The same, OVERWRITING dinp (no zeroing pass needed); dinp may alias dout. */
void gelu_backward_set(float *dinp, const float *inp, const float *dout, int n);
/* The float exp and erf the kernels use (branch-free polynomials that GCC
 * vectorises): ops_expf max relative error 8.3e-8 where exp is a normal
 * float (0 below -87.33654, +inf above 88.72283); ops_erff max absolute
 * error 7.2e-8, relative 8.9e-8 (glibc erff: 5.1e-8 / 7.6e-8). */
float ops_expf(float x);
float ops_erff(float x);
/* ReLU and tanh; their backward passes use the forward OUTPUT. */
void relu_forward(float *out, const float *inp, int n);
void relu_backward(float *dinp, const float *out, const float *dout, int n);
void tanh_forward(float *out, const float *inp, int n);
void tanh_backward(float *dinp, const float *out, const float *dout, int n);

/* out = a + b; backward: da += dout, db += dout (either may be NULL). */
void residual_forward(float *out, const float *a, const float *b, int n);
void residual_backward(float *da, float *db, const float *dout, int n);

/* Inverted dropout. With p > 0 and rng != NULL: keep[i] = (u >= ceil(p 2^32))
 * for a uniform 32-bit u (two per rng_u64-style draw; P(keep) is within
 * 2^-32 of 1-p; p >= 1 drops all), out = keep ? inp / (1-p) : 0. With p <= 0 or rng == NULL (evaluation):
 * out = inp and keep is not touched. Backward must get the same p (0 for
 * an identity forward). out may alias inp. */
void dropout_forward(float *out, unsigned char *keep, const float *inp, float p, rng_t *rng, int n);
void dropout_backward(float *dinp, const unsigned char *keep, const float *dout, float p, int n);

/* Multi-head softmax attention with optional prefix keys/values.
 *   qkv  (B,T,3H): [q | k | v] per row, H = NH*hd
 *   pk, pv: prefix keys/values, pt rows of H floats with row stride ldp
 *           (NULL when pt == 0); always attended, shared by the batch
 *   mask (B,T): 1 = real token, 0 = padded key (never attended); NULL = all 1
 *   att  (B,NH,T,S), S = pt + T: softmax probabilities (before dropout)
 *   keep (B,NH,T,S): dropout keep mask (used only when p > 0 and rng)
 *   scratch (T,S)
 *   out (B,T,H) context (heads concatenated)
 * scores = q k^T / sqrt(hd); padded keys get probability exactly 0 (same as
 * Hugging Face's additive finfo.min mask after softmax). */
void attention_forward(float *out, float *att, unsigned char *keep, float *scratch,
                       const float *qkv, const float *pk, const float *pv, int ldp,
                       const int *mask, float p, rng_t *rng, int B, int T, int NH, int hd,
                       int pt);
/* dqkv (B,T,3H) +=; dpk, dpv (pt rows, stride ldp) += (NULL to skip);
 * scratch (2*T*S). O(T*S*hd) per (batch, head); softmax backward O(T*S). */
void attention_backward(float *dqkv, float *dpk, float *dpv, float *scratch, const float *dout,
                        const float *att, const unsigned char *keep, const float *qkv,
                        const float *pk, const float *pv, int ldp, float p, int B, int T,
                        int NH, int hd, int pt);

#define LABEL_IGNORE (-100)

/* Softmax cross-entropy. probs (N,C) = softmax(logits); returns the mean of
 * -log p[label] over rows whose label != LABEL_IGNORE (0 if there are none).
 * labels must be in [0,C) or LABEL_IGNORE. */
float crossentropy_forward(float *probs, const float *logits, const int *labels, int N, int C);
/* dlogits (N,C) = dloss * (probs - onehot) / count for counted rows, 0 for
 * ignored rows. OVERWRITES dlogits, which may alias probs. */
void crossentropy_backward(float *dlogits, const float *probs, const int *labels, float dloss,
                           int N, int C);

/* Mean squared error over N predictions. */
float mse_forward(const float *pred, const float *target, int N);
void mse_backward(float *dpred, const float *pred, const float *target, float dloss, int N);

#endif
