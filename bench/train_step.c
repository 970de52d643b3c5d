/* train_step.c -- time one training step of the C engine (bert_train_step:
 * forward + zero_grad + backward + clip + AdamW) on random weights, for the
 * two shapes of bench/torch_step.py, and print the same TSV columns plus the
 * achieved matmul GFLOP/s.
 *
 *   bench/train_step [--threads N] [--shapes a,b,c,m] [--batch-b 8]
 *                    [--warmup 2] [--reps 5]
 *
 * Shapes (identical to torch_step.py):
 *   a: B 32, T 128, L 4,  H 256, 4 heads,  I 1024, vocabulary 30522
 *   b: B --batch-b (8), T 128, L 12, H 768, 12 heads, I 3072 (BERT-base),
 *      vocabulary 30522
 *   c: the embedded default's encoder (data/encoder/config.json): B 32, T 48,
 *      L 4, H 128, 4 heads, I 512, vocabulary 8006, positions 64
 *   m: shape c pretrained with masked-language modelling (what pretrain(1)
 *      runs): full training, MLM head (decoder tied to the word embeddings),
 *      7 of the 48 positions of each sequence labelled (15%), weight decay 0
 * a, b, c: serial adapter 16 in every layer, frozen backbone, AutoPEFT
 * classification head with 2 labels. All: dropout 0.1 (hidden and
 * attention), AdamW lr 1e-4, no weight decay, clip 1.0, all tokens real (no
 * padding). The engine's threads: ops_set_threads(--threads).
 * Warm-up steps are untimed; the median of the timed steps is printed.
 *
 * Output: header + one line per shape: shape, threads, batch, seq,
 * median_seconds, tokens_per_second, blas, coretype, cpu_seconds (median
 * process CPU time of a step, all threads: less sensitive to other load than
 * wall time, but OpenBLAS threads that spin while waiting count too), gflop,
 * gflops, gflop_min, where gflop counts the matmul FLOPs the engine runs and
 * gflop_min only those a minimal autograd (PyTorch) needs; see step_flops.
 * The OpenBLAS config and per-step times go to stderr. */
#include <cblas.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "engine/bert.h"
#include "engine/ops.h"
#include "util/util.h"

#define MLM_PER_SEQ 7 /* shape m: labelled positions per sequence of 48 */

static const char *usage_text =
    "Usage: train_step [--threads N] [--shapes a,b,c,m] [--batch-b N] [--warmup N] [--reps N]\n"
    "Time one training step (forward+backward+clip+AdamW) of the C BERT engine.\n";

/* Matmul FLOPs of one bert_train_step for a frozen backbone with a serial
 * adapter of width sa in every layer, the AutoPEFT head (dense H->H, tanh,
 * out H->C) and the CLS task, all tokens real. One GEMM of (m,k)x(k,n) is
 * 2*m*n*k. With N = B*T tokens:
 *
 *   forward, per layer:  QKV 2N*H*3H + attention out 2N*H*H + FFN 2*(2N*H*I)
 *                        + adapter down/up 2*(2N*H*sa)
 *                        + attention 2*(2*B*NH*T*T*hd) = 4*B*T*T*H
 *   forward, head:       2B*H*H + 2B*H*C
 *   backward, head:      out dX + dW 2*(2B*C*H); dense dW 2B*H*H and, since
 *                        the encoder needs a gradient, dense dX 2B*H*H
 *   backward, layer l (the engine visits every layer from L-1 down to the
 *   lowest trainable one, here 0; frozen weights get no dW GEMM):
 *                        adapter up dX + dW, down dX + dW: 4*(2N*H*sa)
 *                        FFN out dX 2N*H*I, FFN in dX 2N*I*H,
 *                        attention out dX 2N*H*H,
 *                        attention: dA, dV, dQ, dK 4*(2*B*NH*T*T*hd) = 8*B*T*T*H,
 *                        QKV dX 2N*3H*H only for l > 0 (layer 0 has no dx)
 * In the lowest layer only the adapter's dW (and the up dX that feeds the
 * down dW) is needed: 3*(2N*H*sa) backward. *min receives that minimum (what
 * PyTorch's autograd computes); the engine (lib/engine/bert.c layer_backward) also
 * stops there since H1b's change, so the return value equals *min (the
 * full count is kept for comparison with older results).
 * Non-GEMM work (LayerNorm, GELU, softmax, dropout, AdamW) is not counted.
 * MLM with full training (shape m) is mlm_flops. */
static double step_flops(const bert_config *c, int sa, int C, int B, int T, double *min)
{
    double N = (double)B * T, H = c->hidden, Im = c->intermediate, L = c->layers;
    double fwd_layer = 2 * N * H * 3 * H + 2 * N * H * H + 2 * (2 * N * H * Im) +
                       2 * (2 * N * H * sa) + 4.0 * B * T * T * H;
    double fwd_head = 2.0 * B * H * H + 2.0 * B * H * C;
    double bwd_head = 2 * (2.0 * B * C * H) + 2 * (2.0 * B * H * H);
    double bwd_core = 4 * (2 * N * H * sa) + 2 * N * H * Im + 2 * N * Im * H + 2 * N * H * H +
                      8.0 * B * T * T * H;
    double bwd_qkv = 2 * N * 3 * H * H;
    double f = L * fwd_layer + fwd_head + bwd_head + L * bwd_core + (L - 1) * bwd_qkv;
    double fmin = f - bwd_core + 3 * (2 * N * H * sa);
    if (min)
        *min = fmin;
    return fmin;
}

/* Matmul FLOPs of one MLM step with every weight trainable: per layer the
 * four linear maps forward (QKV, attention out, FFN in and out: lin) and
 * their dX and dW backward (2 lin; layer 0 too, the embeddings need its dX),
 * attention 4BTTH forward and 8BTTH backward; the MLM transform (H->H) on
 * all N rows, 3 x 2NHH; the tied decoder on the Nm labelled rows only,
 * 3 x 2NmHV. */
static double mlm_flops(const bert_config *c, int B, int T, int Nm)
{
    double N = (double)B * T, H = c->hidden, Im = c->intermediate, L = c->layers;
    double lin = 2 * N * H * 3 * H + 2 * N * H * H + 2 * (2 * N * H * Im);
    return L * (3 * lin + 12.0 * B * T * T * H) + 3 * (2 * N * H * H) +
           3 * (2.0 * Nm * H * c->vocab_size);
}

#ifdef GEMM_PROF
/* Profiling build (make -C bench train_step_prof): every cblas_sgemm call of
 * the engine goes through this wrapper (-Wl,--wrap=cblas_sgemm), which
 * accumulates calls, FLOPs and wall time per (transA, transB, m, n, k) and
 * prints the table at exit. Steps and setup are both counted; run with
 * --warmup 0 --reps 1 to get the FLOPs of exactly one step. */
void __real_cblas_sgemm(enum CBLAS_ORDER o, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
                        blasint m, blasint n, blasint k, float alpha, const float *a,
                        blasint lda, const float *b, blasint ldb, float beta, float *c,
                        blasint ldc);
void __wrap_cblas_sgemm(enum CBLAS_ORDER o, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
                        blasint m, blasint n, blasint k, float alpha, const float *a,
                        blasint lda, const float *b, blasint ldb, float beta, float *c,
                        blasint ldc);
typedef struct {
    int ta, tb, m, n, k;
    long calls;
    double sec;
} gemm_stat;
static gemm_stat gstat[256];
static int n_gstat;

void __wrap_cblas_sgemm(enum CBLAS_ORDER o, enum CBLAS_TRANSPOSE ta, enum CBLAS_TRANSPOSE tb,
                        blasint m, blasint n, blasint k, float alpha, const float *a,
                        blasint lda, const float *b, blasint ldb, float beta, float *c,
                        blasint ldc)
{
    double t0 = now_seconds();
    __real_cblas_sgemm(o, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    double dt = now_seconds() - t0;
    int i;
    for (i = 0; i < n_gstat; i++)
        if (gstat[i].ta == (int)ta && gstat[i].tb == (int)tb && gstat[i].m == m &&
            gstat[i].n == n && gstat[i].k == k)
            break;
    if (i == n_gstat) {
        if (n_gstat == 256)
            return;
        gstat[n_gstat++] = (gemm_stat){(int)ta, (int)tb, (int)m, (int)n, (int)k, 0, 0};
    }
    gstat[i].calls++;
    gstat[i].sec += dt;
}

static void gemm_report(void)
{
    double tf = 0, ts = 0;
    fprintf(stderr, "gemm	ta	tb	m	n	k	calls	gflop	seconds	gflops\n");
    for (int i = 0; i < n_gstat; i++) {
        gemm_stat *g = &gstat[i];
        double f = 2.0 * g->m * g->n * g->k * g->calls;
        tf += f, ts += g->sec;
        fprintf(stderr, "gemm	%c	%c	%d	%d	%d	%ld	%.3f	%.3f	%.1f\n",
                g->ta == CblasTrans ? 'T' : 'N', g->tb == CblasTrans ? 'T' : 'N', g->m, g->n,
                g->k, g->calls, f * 1e-9, g->sec, f * 1e-9 / g->sec);
    }
    fprintf(stderr, "gemm	total						%.3f	%.3f	%.1f\n", tf * 1e-9, ts, tf * 1e-9 / ts);
}
#endif

/* CPU time of the whole process (all threads), seconds. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static void run_shape(char shape, int threads, int batch_b, int warmup, int reps)
{
    bert_config c;
    memset(&c, 0, sizeof c);
    int B, T = 128, mlm = shape == 'm';
    c.vocab_size = 30522;
    c.max_position = 512;
    c.type_vocab = 2;
    c.ln_eps = 1e-12f;
    c.hidden_dropout = 0.1f;
    c.attn_dropout = 0.1f;
    c.num_labels = 2;
    strcpy(c.hidden_act, "gelu");
    if (shape == 'a') {
        c.hidden = 256, c.layers = 4, c.heads = 4, c.intermediate = 1024;
        B = 32;
    } else if (shape == 'c' || shape == 'm') {
        c.hidden = 128, c.layers = 4, c.heads = 4, c.intermediate = 512;
        c.vocab_size = 8006, c.max_position = 64;
        B = 32, T = 48;
    } else {
        c.hidden = 768, c.layers = 12, c.heads = 12, c.intermediate = 3072;
        B = batch_b;
        /* same as torch_step.py: fewer steps for the big shape */
        warmup = warmup / 2 > 1 ? warmup / 2 : 1;
        reps = reps / 2 + 1 > 3 ? reps / 2 + 1 : 3;
    }
    peft_config pc;
    peft_default(&pc, c.layers);
    if (mlm)
        pc.full = 1;
    else
        pc.sa = 16;
    bert_opts o;
    bert_opts_default(&o);
    o.peft = &pc;
    o.task = mlm ? BERT_TASK_MLM : BERT_TASK_CLS;
    o.head = BERT_HEAD_AUTOPEFT;
    o.num_labels = 2;
    o.max_batch = B;
    o.max_seq = T;
    o.seed = 1;
    char err[512];
    double t_setup = now_seconds();
    bert_model *m = bert_new(&c, &o, err, sizeof err);
    if (!m)
        die(1, "bert_new: %s", err);

    int *ids = xmalloc(sizeof(int) * B * T), *labels = xmalloc(sizeof(int) * B * T);
    rng_t r;
    rng_seed(&r, 7);
    for (int i = 0; i < B * T; i++)
        ids[i] = (int)rng_below(&r, (uint64_t)c.vocab_size);
    int Nm = 0;
    if (mlm) { /* MLM_PER_SEQ labelled positions per sequence, distinct */
        for (int i = 0; i < B * T; i++)
            labels[i] = LABEL_IGNORE;
        for (int i = 0; i < B; i++)
            for (int k = 0; k < MLM_PER_SEQ;) {
                int t = (int)rng_below(&r, (uint64_t)T);
                if (labels[i * T + t] == LABEL_IGNORE)
                    labels[i * T + t] = (int)rng_below(&r, (uint64_t)c.vocab_size), k++;
            }
        Nm = B * MLM_PER_SEQ;
    } else {
        for (int i = 0; i < B; i++)
            labels[i] = (int)rng_below(&r, 2);
    }
    bert_batch b = {B, T, ids, NULL, NULL, labels, NULL};

    adamw opt;
    adamw_hparams hp = {1e-4f, 0.9f, 0.999f, 1e-8f, 0.0f};
    adamw_init(&opt, m->opt, m->n_opt, &hp);
    bert_set_dropout_seed(m, 42);
    bert_set_training(m, 1);

    double *times = xmalloc(sizeof(double) * reps), *cpu = xmalloc(sizeof(double) * reps);
    fprintf(stderr, "  %c setup %.3f s\n", shape, now_seconds() - t_setup);
    for (int s = 0; s < warmup + reps; s++) {
        float loss;
        double t0 = now_seconds(), c0 = cpu_seconds();
        if (bert_train_step(m, &opt, &b, 1e-4f, 1.0f, &loss, err, sizeof err))
            die(1, "bert_train_step: %s", err);
        double dt = now_seconds() - t0, dc = cpu_seconds() - c0;
        if (!(loss == loss) || loss > 1e30f || loss < -1e30f)
            die(1, "non-finite loss");
        if (s >= warmup)
            times[s - warmup] = dt, cpu[s - warmup] = dc;
    }
    fprintf(stderr, "  %c step times:", shape);
    for (int i = 0; i < reps; i++)
        fprintf(stderr, " %.3f", times[i]);
    fprintf(stderr, "\n");
    double med = median(times, reps), cmed = median(cpu, reps);
    double fmin, f = mlm ? mlm_flops(&c, B, T, Nm) : step_flops(&c, pc.sa, m->C, B, T, &fmin);
    if (mlm)
        fmin = f;
    printf("%c\t%d\t%d\t%d\t%.4f\t%.1f\topenblas\t%s\t%.4f\t%.3f\t%.2f\t%.3f\n", shape, threads,
           B, T, med, B * T / med, openblas_get_corename(), cmed, f * 1e-9, f * 1e-9 / med,
           fmin * 1e-9);
    out_flush();
    free(times);
    free(cpu);
    free(ids);
    free(labels);
    adamw_free(&opt);
    bert_free(m);
}

static long opt_long(const char *name, const char *v, long lo, long hi)
{
    long x;
    if (!v)
        die_usage("%s needs a value", name);
    if (parse_long(v, &x) || x < lo || x > hi)
        die_usage("%s: expected an integer in [%ld,%ld], got '%s'", name, lo, hi, v);
    return x;
}

int main(int argc, char **argv)
{
    cli_init(argv[0]);
    int threads = 1, batch_b = 8, warmup = 2, reps = 5;
    const char *shapes = "a,b";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help")) {
            fputs(usage_text, stdout);
            return 0;
        } else if (!strcmp(a, "--version")) {
            cli_version();
            return 0;
        } else if (!strcmp(a, "--threads")) {
            threads = (int)opt_long(a, v, 1, 1024), i++;
        } else if (!strcmp(a, "--batch-b")) {
            batch_b = (int)opt_long(a, v, 1, 4096), i++;
        } else if (!strcmp(a, "--warmup")) {
            warmup = (int)opt_long(a, v, 0, 1000), i++;
        } else if (!strcmp(a, "--reps")) {
            reps = (int)opt_long(a, v, 1, 1000), i++;
        } else if (!strcmp(a, "--shapes")) {
            if (!v)
                die_usage("--shapes needs a value");
            shapes = v, i++;
        } else {
            die_usage("unknown argument '%s'", a);
        }
    }
    for (const char *s = shapes; *s; s++)
        if (*s != 'a' && *s != 'b' && *s != 'c' && *s != 'm' && *s != ',')
            die_usage("--shapes: expected a comma-separated list of a, b, c and m, got '%s'",
                      shapes);
    ops_set_threads(threads);
#ifdef GEMM_PROF
    atexit(gemm_report);
#endif
    fprintf(stderr, "train_step: OpenBLAS %s; core %s; threads %d; OPENBLAS_CORETYPE=%s\n",
            openblas_get_config(), openblas_get_corename(), threads,
            getenv("OPENBLAS_CORETYPE") ? getenv("OPENBLAS_CORETYPE") : "");
    printf("shape\tthreads\tbatch\tseq\tmedian_seconds\ttokens_per_second\tblas\tcoretype"
           "\tcpu_seconds\tgflop\tgflops\tgflop_min\n");
    out_flush();
    for (const char *s = shapes; *s; s++)
        if (*s != ',')
            run_shape(*s, threads, batch_b, warmup, reps);
    return 0;
}
