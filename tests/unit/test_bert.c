/* test_bert.c -- the whole model against finite differences, parameter
 * counts, dynamic sequence length, determinism and the optimiser formulas
 * (save/load round trips: test_checkpoint.c).
 *
 * Finite differences: for every trainable tensor, up to 6 entries (random
 * but fixed, the first at the largest gradient) are perturbed by +-e
 * (e = 5e-3), the float32 loss is re-evaluated and (L+ - L-) / 2e is
 * compared with the analytic gradient. Tolerance per tensor: atol 2e-4 +
 * rtol 1e-2 * max|grad| over the tensor (float32 loss rounding ~1e-7 gives
 * ~1e-5 of noise; measured differences are printed). */
#include "engine/bert.h"
#include "check.h"
#include "engine/ops.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static bert_config small_config(void)
{
    bert_config c;
    memset(&c, 0, sizeof c);
    c.vocab_size = 23, c.hidden = 16, c.layers = 3, c.heads = 2, c.intermediate = 24;
    c.max_position = 12, c.type_vocab = 2, c.ln_eps = 1e-12f;
    c.hidden_dropout = 0, c.attn_dropout = 0, c.num_labels = 3;
    snprintf(c.hidden_act, sizeof c.hidden_act, "gelu");
    return c;
}

enum { B = 3, T = 7 };
static int ids[B * T], tids[B * T], mask[B * T], labels[B * T];
static float targets[B];

static void make_batch(bert_task task, int V, int C)
{
    rng_t r;
    rng_seed(&r, 77);
    int len[B] = {7, 4, 5};
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) {
            int i = b * T + t;
            ids[i] = t < len[b] ? (int)rng_below(&r, V) : 0;
            tids[i] = t >= 3 && t < len[b];
            mask[i] = t < len[b];
            labels[i] = (task == BERT_TASK_MLM) ? ((t < len[b] && (t % 2 == 1)) ? (int)rng_below(&r, V) : LABEL_IGNORE) : 0;
        }
    if (task == BERT_TASK_CLS)
        for (int b = 0; b < B; b++) labels[b] = (int)rng_below(&r, C);
    for (int b = 0; b < B; b++) targets[b] = (float)(rng_normal(&r));
}

static bert_batch batch(bert_task task, int TT)
{
    bert_batch bb = {B, TT, ids, tids, mask, NULL, NULL};
    if (task == BERT_TASK_REG) bb.targets = targets;
    else bb.labels = labels;
    return bb;
}

static double eval_loss(bert_model *m, const bert_batch *bb, uint64_t dseed)
{
    char err[256];
    float L;
    bert_set_dropout_seed(m, dseed);
    if (bert_forward(m, bb, &L, err, sizeof err)) {
        fprintf(stderr, "forward: %s\n", err);
        return NAN;
    }
    return L;
}

/* Randomise every tensor a little so that zero-initialised modules (adapter
 * up, LoRA B) carry gradient everywhere. */
static void perturb(bert_model *m, uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed);
    for (int i = 0; i < m->n_tensors; i++) {
        bert_tensor *t = &m->tensors[i];
        double s = t->kind == BERT_T_PEFT ? 0.2 : 0.05;
        if (strstr(t->name, "prefix.embedding")) s = 1.0;
        for (long k = 0; k < t->n; k++) t->data[k] += (float)(rng_normal(&r) * s);
    }
}

static void fd_model(const char *label, bert_model *m, bert_task task, int training)
{
    char err[256], name[200];
    bert_batch bb = batch(task, T);
    bert_set_training(m, training);
    double L0 = eval_loss(m, &bb, 5);
    CHECK(isfinite(L0));
    bert_zero_grad(m);
    bert_backward(m);
    rng_t r;
    rng_seed(&r, 3);
    const double e = 5e-3;
    double worst = 0, worst_d = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        bert_tensor *t = &m->tensors[i];
        if (!t->grad) continue;
        enum { K = 6 };
        float an[K], nu[K];
        int k = 0;
        double gmax = 0;
        for (long j = 0; j < t->n; j++) gmax = fmax(gmax, fabs(t->grad[j]));
        for (; k < K && k < t->n; k++) {
            long j = (long)rng_below(&r, (uint64_t)t->n);
            /* bias the pick towards the largest gradient for the first one */
            if (k == 0)
                for (long q = 0; q < t->n; q++) if (fabs(t->grad[q]) == gmax) { j = q; break; }
            float save = t->data[j];
            t->data[j] = (float)(save + e);
            double lp = eval_loss(m, &bb, 5);
            t->data[j] = (float)(save - e);
            double lm = eval_loss(m, &bb, 5);
            t->data[j] = save;
            nu[k] = (float)((lp - lm) / (2 * e));
            an[k] = t->grad[j];
        }
        snprintf(name, sizeof name, "%s %s", label, t->name);
        double d = max_abs_diff_f(an, nu, k), tol = 2e-4 + 1e-2 * gmax;
        if (d / tol > worst) worst = d / tol;
        if (d > worst_d) worst_d = d;
        check_count_++;
        if (!(d <= tol)) {
            check_failures_++;
            fprintf(stderr, "FAIL %-60s max|diff|=%.3e tol=%.3e\n", name, d, tol);
        }
    }
    (void)err;
    printf("  fd %-28s %3d tensors, loss %.5f, max|diff| %.2e, worst diff/tol %.3f\n", label,
           m->n_opt, L0, worst_d, worst);
}

static void count_checks(bert_model *m, const char *label)
{
    long long tr = 0, base = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        bert_tensor *t = &m->tensors[i];
        if (t->grad) tr += t->n;
        if (t->kind == BERT_T_BASE || t->kind == BERT_T_POOLER) base += t->n;
        /* frozen tensors have no gradient buffer */
        if (t->kind == BERT_T_BASE) CHECK_MSG((t->grad != NULL) == (m->peft.full != 0), "%s", t->name);
    }
    CHECK_MSG(tr == bert_params_trainable(m), "%s: allocated trainable %lld, reported %lld", label,
              tr, bert_params_trainable(m));
    CHECK_MSG(tr == m->n_grads, "%s", label);
    CHECK_MSG(base == bert_params_base(m), "%s: base %lld vs %lld", label, base, bert_params_base(m));
    long long added = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        bert_tensor *t = &m->tensors[i];
        if (t->kind == BERT_T_PEFT && strncmp(t->name, "prefix.", 7) != 0) added += t->n;
    }
    if (m->peft.pt > 0) /* deployed prefix: 2*H*pt per active layer */
        added += 2LL * m->cfg.hidden * m->peft.pt * peft_active_layers(&m->peft);
    CHECK_MSG(added == bert_params_added(m), "%s: added %lld vs %lld", label, added, bert_params_added(m));
}

static bert_model *mk(bert_config c, const peft_config *p, bert_task task, bert_head_kind head)
{
    char err[256];
    bert_opts o;
    bert_opts_default(&o);
    o.peft = p, o.task = task, o.head = head, o.max_batch = 4, o.max_seq = 10, o.seed = 9;
    bert_model *m = bert_new(&c, &o, err, sizeof err);
    if (!m) fprintf(stderr, "bert_new: %s\n", err);
    CHECK(m != NULL);
    return m;
}

static void run_case(const char *label, bert_config c, peft_config p, bert_task task,
                     bert_head_kind head, int training)
{
    bert_model *m = mk(c, &p, task, head);
    if (!m) return;
    /* backward stop: lowest active layer with modules, 0 with full FT, L
     * with nothing trainable in the encoder; layers below it share one
     * activation set (only their outputs are their own) */
    int want = p.full ? 0 : c.layers;
    if (!p.full && peft_any_module(&p))
        for (int l = c.layers - 1; l >= 0; l--)
            if (p.layer_on[l]) want = l;
    CHECK_MSG(m->bwd_stop == want, "%s: bwd_stop %d, want %d", label, m->bwd_stop, want);
    for (int l = 1; l < m->bwd_stop; l++)
        CHECK(m->la[l].qkv == m->la[0].qkv && m->la[l].out != m->la[0].out);
    if (m->bwd_stop < c.layers && m->bwd_stop > 0)
        CHECK(m->la[m->bwd_stop].qkv != m->la[0].qkv);
    make_batch(task, c.vocab_size, m->C);
    perturb(m, 11);
    count_checks(m, label);
    fd_model(label, m, task, training);
    bert_free(m);
}

static void test_fd(void)
{
    bert_config c = small_config();
    peft_config p;
    peft_default(&p, 3); p.sa = 4;
    run_case("sa", c, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3); p.pa = 3;
    run_case("pa", c, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3); p.pt = 2; p.prefix_mid = 8;
    run_case("pt", c, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3); p.lora = 2; p.lora_alpha = 8;
    run_case("lora", c, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3); p.sa = 3; p.pa = 2; p.pt = 2; p.lora = 2; p.prefix_mid = 6;
    p.layer_on[1] = 0;
    run_case("all 1,0,1", c, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 0);
    p.layer_on[1] = 1; p.layer_on[0] = 0;
    run_case("all 0,1,1", c, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3); p.sa = 2;
    run_case("reg", c, p, BERT_TASK_REG, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3); p.full = 1;
    run_case("full", c, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3); p.full = 1;
    run_case("mlm full", c, p, BERT_TASK_MLM, BERT_HEAD_AUTOPEFT, 0);
    peft_default(&p, 3);
    run_case("hf head", c, p, BERT_TASK_CLS, BERT_HEAD_HF, 0);
    peft_default(&p, 3); p.pt = 2; p.prefix_mid = 5; p.lora = 2;
    run_case("mlm frozen + pt + lora", c, p, BERT_TASK_MLM, BERT_HEAD_AUTOPEFT, 0);
    /* dropout on: the masks are re-drawn identically (same seed) for every
     * loss evaluation, so the finite differences see a fixed network */
    bert_config cd = c;
    cd.hidden_dropout = 0.2f, cd.attn_dropout = 0.15f;
    peft_default(&p, 3); p.sa = 3; p.pa = 2; p.pt = 2; p.lora = 2; p.prefix_mid = 6; p.full = 1;
    run_case("dropout all+full", cd, p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT, 1);
}

/* Dynamic T: a batch padded further gives the same logits (padded keys
 * are never attended; positions are the same). Also: dropout off in eval,
 * deterministic in training for a seed. */
static void test_dynamic_and_determinism(void)
{
    char err[256];
    bert_config c = small_config();
    c.hidden_dropout = 0.1f, c.attn_dropout = 0.1f;
    peft_config p;
    peft_default(&p, 3); p.sa = 3; p.pt = 2; p.prefix_mid = 6; p.lora = 2;
    bert_model *m = mk(c, &p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT);
    if (!m) return;
    perturb(m, 2);
    make_batch(BERT_TASK_CLS, c.vocab_size, m->C);
    /* sequences of lengths 7,4,5 at T=7, and the same sequences at T=10 */
    enum { T2 = 10 };
    int ids2[B * T2], tids2[B * T2], mask2[B * T2];
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T2; t++) {
            int i2 = b * T2 + t, i = b * T + t;
            ids2[i2] = t < T ? ids[i] : 0;
            tids2[i2] = t < T ? tids[i] : 0;
            mask2[i2] = t < T ? mask[i] : 0;
        }
    bert_set_training(m, 0);
    bert_batch b1 = {B, T, ids, tids, mask, labels, NULL};
    bert_batch b2 = {B, T2, ids2, tids2, mask2, labels, NULL};
    float l1, l2, lg1[B * 8], lg2[B * 8];
    CHECK(bert_forward(m, &b1, &l1, err, sizeof err) == 0);
    memcpy(lg1, m->logits, sizeof(float) * B * m->C);
    CHECK(bert_forward(m, &b2, &l2, err, sizeof err) == 0);
    memcpy(lg2, m->logits, sizeof(float) * B * m->C);
    CHECK_CLOSE("logits at T=7 vs padded to T=10", lg1, lg2, B * m->C, 1e-5, 1e-5);
    /* evaluation ignores dropout: repeated forwards are identical */
    bert_forward(m, &b1, &l2, err, sizeof err);
    CHECK(l1 == l2);
    /* training: a seed gives the same loss, another seed a different one */
    bert_set_training(m, 1);
    float a1, a2, a3;
    bert_set_dropout_seed(m, 1); bert_forward(m, &b1, &a1, err, sizeof err);
    bert_set_dropout_seed(m, 1); bert_forward(m, &b1, &a2, err, sizeof err);
    bert_set_dropout_seed(m, 2); bert_forward(m, &b1, &a3, err, sizeof err);
    CHECK(a1 == a2 && a1 != a3 && a1 != l1);
    /* bad batches are errors, not crashes */
    int bad[B * T];
    memcpy(bad, ids, sizeof bad);
    bad[3] = c.vocab_size;
    bert_batch bb = {B, T, bad, tids, mask, labels, NULL};
    CHECK(bert_forward(m, &bb, &a1, err, sizeof err) == -1 && strstr(err, "out of range"));
    bert_batch big = {B, 11, ids, tids, mask, labels, NULL};
    CHECK(bert_forward(m, &big, &a1, err, sizeof err) == -1);
    /* same seed => same initial weights */
    bert_model *m2 = mk(c, &p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT), *m3 = mk(c, &p, BERT_TASK_CLS, BERT_HEAD_AUTOPEFT);
    CHECK(m2 && m3 && memcmp(m2->params, m3->params, sizeof(float) * m2->n_params) == 0);
    /* initial PEFT values: parallel up and LoRA B zero, adapters non-zero */
    bert_tensor *t = bert_find(m2, "encoder.layer.1.attention.self.value.lora_B");
    bert_tensor *t2 = bert_find(m2, "encoder.layer.1.output.adapter.down.weight");
    CHECK(t && t2);
    if (t && t2) {
        double s = 0, s2 = 0;
        for (long k = 0; k < t->n; k++) s += fabs(t->data[k]);
        for (long k = 0; k < t2->n; k++) s2 += t2->data[k] * (double)t2->data[k];
        CHECK(s == 0);
        double sd = sqrt(s2 / t2->n);
        CHECK_MSG(sd > 0.015 && sd < 0.025, "serial adapter std %.4f (want ~0.02)", sd);
    }
    bert_free(m2), bert_free(m3);
    bert_free(m);
}

/* Optimiser formulas on a two-element problem, by hand. */
static void test_optim(void)
{
    float p[2] = {1.0f, -2.0f}, g[2] = {0.5f, -0.25f}, b[1] = {0.3f}, gb[1] = {1.0f};
    opt_param ps[2] = {{p, g, 2, 1, 1.0f}, {b, gb, 1, 0, 1.0f}};
    adamw_hparams h = {1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f};
    adamw o;
    adamw_init(&o, ps, 2, &h);
    double ep[2] = {1.0, -2.0}, eb = 0.3, m[3] = {0}, v[3] = {0};
    const double lr[3] = {0.01, 0.005, 0.0025};
    for (int t = 1; t <= 3; t++) {
        adamw_step(&o, (float)lr[t - 1]);
        double gg[3] = {0.5, -0.25, 1.0};
        double *pp[3] = {&ep[0], &ep[1], &eb};
        for (int i = 0; i < 3; i++) {
            if (i < 2) *pp[i] *= 1 - lr[t - 1] * 0.1;
            m[i] = 0.9 * m[i] + 0.1 * gg[i];
            v[i] = 0.999 * v[i] + 0.001 * gg[i] * gg[i];
            double mh = m[i] / (1 - pow(0.9, t)), vh = v[i] / (1 - pow(0.999, t));
            *pp[i] -= lr[t - 1] * mh / (sqrt(vh) + 1e-8);
        }
    }
    float ef[3] = {(float)ep[0], (float)ep[1], (float)eb}, got[3] = {p[0], p[1], b[0]};
    CHECK_CLOSE("adamw 3 steps vs formula", got, ef, 3, 1e-6, 0);
    adamw_free(&o);
    /* clipping: norm sqrt(0.25+0.0625+1) */
    float g2[2] = {0.5f, -0.25f}, gb2[1] = {1.0f};
    opt_param q[2] = {{p, g2, 2, 1, 1.0f}, {b, gb2, 1, 0, 1.0f}};
    double n = clip_grad_norm(q, 2, 0.5);
    double want = sqrt(1.3125);
    CHECK(fabs(n - want) < 1e-6);
    CHECK(fabs(grad_global_norm(q, 2) - 0.5 * want / (want + 1e-6)) < 1e-6);
    n = clip_grad_norm(q, 2, 10.0); /* no clipping below the threshold */
    CHECK(fabs(grad_global_norm(q, 2) - n) < 1e-7);
    /* lr_mult: a tensor with multiplier 0.25 moves as it would at lr * 0.25,
     * weight decay included; its neighbour with 1 is unchanged. */
    {
        float a1[2] = {1.0f, -2.0f}, ga[2] = {0.5f, -0.25f}, c1[1] = {0.3f}, gc[1] = {1.0f};
        float a2[2] = {1.0f, -2.0f}, c2[1] = {0.3f};
        opt_param pm[2] = {{a1, ga, 2, 1, 1.0f}, {c1, gc, 1, 1, 0.25f}};
        opt_param pa[1] = {{a2, ga, 2, 1, 1.0f}}, pc[1] = {{c2, gc, 1, 1, 1.0f}};
        adamw om, oa, oc;
        adamw_init(&om, pm, 2, &h);
        adamw_init(&oa, pa, 1, &h);
        adamw_init(&oc, pc, 1, &h);
        for (int t = 0; t < 3; t++) {
            adamw_step(&om, 0.01f);
            adamw_step(&oa, 0.01f);
            adamw_step(&oc, 0.0025f);
        }
        CHECK_CLOSE("lr_mult 1 tensor", a1, a2, 2, 0, 0);
        CHECK_CLOSE("lr_mult 0.25 tensor = lr/4", c1, c2, 1, 0, 0);
        CHECK(c1[0] != b[0] && fabsf(c1[0] - 0.3f) < fabsf(a1[0] - 1.0f));
        adamw_free(&om);
        adamw_free(&oa);
        adamw_free(&oc);
    }
    /* schedule */
    CHECK(lr_linear_warmup(0, 2, 10) == 0.0 && lr_linear_warmup(1, 2, 10) == 0.5);
    CHECK(lr_linear_warmup(2, 2, 10) == 1.0 && fabs(lr_linear_warmup(6, 2, 10) - 0.5) < 1e-12);
    CHECK(lr_linear_warmup(12, 2, 10) == 0.0 && lr_linear_warmup(0, 0, 4) == 1.0);
}

/* AdamW and clipping over tensors whose sizes do not line up with the
 * threads' ranges or the norm's chunks: the same bits at 1 and 2 threads,
 * and the values of a plain serial loop (double-sum norm to 1e-12). */
static void test_optim_threads(void)
{
    enum { NT = 5 };
    const long sz[NT] = {1, 70001, 3, 40000, 16389};
    long total = 0;
    for (int k = 0; k < NT; k++)
        total += sz[k];
    float *buf[2][2], *ref_p = malloc(sizeof(float) * (size_t)total), *gsave = malloc(sizeof(float) * (size_t)total);
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < 2; j++)
            buf[r][j] = malloc(sizeof(float) * (size_t)total);
    for (long i = 0; i < total; i++) {
        float pv = (float)sin(0.001 * (double)i), gv = (float)cos(0.37 * (double)i) * 0.01f;
        buf[0][0][i] = buf[1][0][i] = ref_p[i] = pv;
        buf[0][1][i] = buf[1][1][i] = gsave[i] = gv;
    }
    adamw_hparams h = {1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f};
    double norms[2];
    for (int r = 0; r < 2; r++) {
        ops_set_threads(r + 1);
        opt_param ps[NT];
        long off = 0;
        for (int k = 0; k < NT; k++) {
            ps[k] = (opt_param){buf[r][0] + off, buf[r][1] + off, sz[k], k % 2, k == 3 ? 0.5f : 1.0f};
            off += sz[k];
        }
        adamw o;
        adamw_init(&o, ps, NT, &h);
        norms[r] = clip_grad_norm(ps, NT, 0.5);
        adamw_step(&o, 1e-2f);
        adamw_step(&o, 5e-3f);
        adamw_free(&o);
    }
    ops_set_threads(1);
    CHECK(norms[0] == norms[1]);
    CHECK(memcmp(buf[0][0], buf[1][0], sizeof(float) * (size_t)total) == 0);
    CHECK(memcmp(buf[0][1], buf[1][1], sizeof(float) * (size_t)total) == 0);
    /* the plain loops */
    double s = 0;
    for (long i = 0; i < total; i++)
        s += (double)gsave[i] * gsave[i];
    CHECK(fabs(norms[0] - sqrt(s)) <= 1e-12 * sqrt(s));
    float c = (float)(0.5 / (sqrt(s) + 1e-6));
    float *m = calloc((size_t)total, sizeof(float)), *v = calloc((size_t)total, sizeof(float));
    long bad = 0, off = 0;
    for (int k = 0; k < NT; k++) {
        for (long i = off; i < off + sz[k]; i++) {
            float lrs[2] = {1e-2f, 5e-3f};
            float gi = gsave[i] * c;
            for (int t = 1; t <= 2; t++) {
                float lrk = k == 3 ? lrs[t - 1] * 0.5f : lrs[t - 1];
                float bc1 = (float)(1.0 - pow(0.9, t)), bc2s = (float)sqrt(1.0 - pow(0.999, t));
                if (k % 2)
                    ref_p[i] *= 1.0f - lrk * 0.1f;
                m[i] = 0.9f * m[i] + (1.0f - 0.9f) * gi;
                v[i] = 0.999f * v[i] + (1.0f - 0.999f) * gi * gi;
                ref_p[i] -= lrk / bc1 * m[i] / (sqrtf(v[i]) / bc2s + 1e-8f);
            }
            bad += fabsf(ref_p[i] - buf[0][0][i]) > 1e-6f;
        }
        off += sz[k];
    }
    CHECK(bad == 0);
    free(m);
    free(v);
    free(ref_p);
    free(gsave);
    for (int r = 0; r < 2; r++)
        for (int j = 0; j < 2; j++)
            free(buf[r][j]);
}

int main(void)
{
    test_fd();
    test_dynamic_and_determinism();
    test_optim();
    test_optim_threads();
    return check_status("test_bert");
}
