/* bert.c -- see bert.h */
#include "engine/bert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/hash.h"
#include "config/hfconfig.h"
#include "engine/ops.h"

/* ------------------------------------------------------------------ setup */

void bert_opts_default(bert_opts *o)
{
    memset(o, 0, sizeof *o);
    o->peft = NULL;
    o->task = BERT_TASK_CLS;
    o->head = BERT_HEAD_AUTO;
    o->max_batch = 8;
    o->seed = 42;
    o->dropout = -1;
}

enum { INIT_NORMAL, INIT_ZERO, INIT_ONE, INIT_UNIFORM };

/* Registration record kept while building (slots into m->w / m->g). */
typedef struct {
    float **w, **g;
    int init;
    float a; /* std or bound */
    int trainable;
} treg;

typedef struct {
    bert_model *m;
    treg *r;
    int n, cap;
} builder;

static void reg(builder *b, const char *name, long long d0, long long d1, float **w, float **g,
                bert_tensor_kind kind, int init, float a)
{
    bert_model *m = b->m;
    if (b->n == b->cap) {
        b->cap = b->cap ? 2 * b->cap : 64;
        b->r = xrealloc(b->r, sizeof(treg) * b->cap);
        m->tensors = xrealloc(m->tensors, sizeof(bert_tensor) * b->cap);
    }
    bert_tensor *t = &m->tensors[b->n];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = d1 > 0 ? 2 : 1;
    t->shape[0] = d0;
    t->shape[1] = d1 > 0 ? d1 : 0;
    t->n = (long)(d1 > 0 ? d0 * d1 : d0);
    t->kind = kind;
    size_t ln = strlen(name);
    t->decay = !(ln >= 4 && strcmp(name + ln - 4, "bias") == 0) && !strstr(name, "LayerNorm");
    int tr = 0;
    switch (kind) {
    case BERT_T_BASE: tr = m->peft.full; break;
    case BERT_T_POOLER: tr = m->head == BERT_HEAD_HF && m->task != BERT_TASK_MLM; break;
    case BERT_T_HEAD:
    case BERT_T_PEFT: tr = 1; break;
    }
    b->r[b->n] = (treg){w, g, init, a, tr};
    b->n++;
}

static void init_tensor(bert_tensor *t, int init, float a, uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed * 0x9e3779b97f4a7c15ULL ^ fnv1a_str(FNV1A_INIT_BERT, t->name));
    switch (init) {
    case INIT_ZERO: memset(t->data, 0, sizeof(float) * t->n); break;
    case INIT_ONE:
        for (long i = 0; i < t->n; i++) t->data[i] = 1.0f;
        break;
    case INIT_NORMAL:
        for (long i = 0; i < t->n; i++) t->data[i] = (float)(rng_normal(&r) * a);
        break;
    case INIT_UNIFORM:
        for (long i = 0; i < t->n; i++) t->data[i] = (float)((2.0 * rng_uniform(&r) - 1.0) * a);
        break;
    }
    if (strcmp(t->name, "embeddings.word_embeddings.weight") == 0) /* padding_idx 0 */
        memset(t->data, 0, sizeof(float) * t->shape[1]);
}

/* Register every tensor of the model in a fixed order. */
static void register_all(builder *b)
{
    bert_model *m = b->m;
    const bert_config *c = &m->cfg;
    const peft_config *p = &m->peft;
    int H = c->hidden, Id = c->intermediate, C = m->C;
    bert_weights *w = &m->w, *g = &m->g;
    char nm[128];
    const float sd = 0.02f;
    reg(b, "embeddings.word_embeddings.weight", c->vocab_size, H, &w->wte, &g->wte, BERT_T_BASE, INIT_NORMAL, sd);
    reg(b, "embeddings.position_embeddings.weight", c->max_position, H, &w->wpe, &g->wpe, BERT_T_BASE, INIT_NORMAL, sd);
    reg(b, "embeddings.token_type_embeddings.weight", c->type_vocab, H, &w->wtt, &g->wtt, BERT_T_BASE, INIT_NORMAL, sd);
    reg(b, "embeddings.LayerNorm.weight", H, 0, &w->eln_w, &g->eln_w, BERT_T_BASE, INIT_ONE, 0);
    reg(b, "embeddings.LayerNorm.bias", H, 0, &w->eln_b, &g->eln_b, BERT_T_BASE, INIT_ZERO, 0);
    for (int l = 0; l < c->layers; l++) {
        bert_layer_w *lw = &w->layer[l], *lg = &g->layer[l];
        /* q, k, v weights then biases: contiguous (3H,H) and (3H) blocks.
         * The slot of k and v is a dummy (the views are lw->qkv_w + H*H...). */
        static float *dummy_w[4], *dummy_g[4];
        const char *qkv[3] = {"query", "key", "value"};
        for (int j = 0; j < 3; j++) {
            snprintf(nm, sizeof nm, "encoder.layer.%d.attention.self.%s.weight", l, qkv[j]);
            reg(b, nm, H, H, j ? &dummy_w[j] : &lw->qkv_w, j ? &dummy_g[j] : &lg->qkv_w, BERT_T_BASE, INIT_NORMAL, sd);
        }
        for (int j = 0; j < 3; j++) {
            snprintf(nm, sizeof nm, "encoder.layer.%d.attention.self.%s.bias", l, qkv[j]);
            reg(b, nm, H, 0, j ? &dummy_w[j] : &lw->qkv_b, j ? &dummy_g[j] : &lg->qkv_b, BERT_T_BASE, INIT_ZERO, 0);
        }
#define REGL(suffix, d0, d1, field, kind, init, a)                                       \
    do {                                                                                 \
        snprintf(nm, sizeof nm, "encoder.layer.%d.%s", l, suffix);                       \
        reg(b, nm, d0, d1, &lw->field, &lg->field, kind, init, a);                       \
    } while (0)
        REGL("attention.output.dense.weight", H, H, ao_w, BERT_T_BASE, INIT_NORMAL, sd);
        REGL("attention.output.dense.bias", H, 0, ao_b, BERT_T_BASE, INIT_ZERO, 0);
        REGL("attention.output.LayerNorm.weight", H, 0, ln1_w, BERT_T_BASE, INIT_ONE, 0);
        REGL("attention.output.LayerNorm.bias", H, 0, ln1_b, BERT_T_BASE, INIT_ZERO, 0);
        REGL("intermediate.dense.weight", Id, H, fc_w, BERT_T_BASE, INIT_NORMAL, sd);
        REGL("intermediate.dense.bias", Id, 0, fc_b, BERT_T_BASE, INIT_ZERO, 0);
        REGL("output.dense.weight", H, Id, fo_w, BERT_T_BASE, INIT_NORMAL, sd);
        REGL("output.dense.bias", H, 0, fo_b, BERT_T_BASE, INIT_ZERO, 0);
        REGL("output.LayerNorm.weight", H, 0, ln2_w, BERT_T_BASE, INIT_ONE, 0);
        REGL("output.LayerNorm.bias", H, 0, ln2_b, BERT_T_BASE, INIT_ZERO, 0);
    }
    reg(b, "pooler.dense.weight", H, H, &w->pool_w, &g->pool_w, BERT_T_POOLER, INIT_NORMAL, sd);
    reg(b, "pooler.dense.bias", H, 0, &w->pool_b, &g->pool_b, BERT_T_POOLER, INIT_ZERO, 0);
    /* PEFT modules of active layers */
    float ku = 1.0f / sqrtf((float)H); /* kaiming_uniform(a=sqrt 5) bound, fan_in = H */
    for (int l = 0; l < c->layers; l++) {
        if (!p->layer_on[l])
            continue;
        bert_layer_w *lw = &w->layer[l], *lg = &g->layer[l];
        if (p->sa > 0) {
            REGL("output.adapter.down.weight", p->sa, H, sa_dw, BERT_T_PEFT, INIT_NORMAL, sd);
            REGL("output.adapter.down.bias", p->sa, 0, sa_db, BERT_T_PEFT, INIT_ZERO, 0);
            REGL("output.adapter.up.weight", H, p->sa, sa_uw, BERT_T_PEFT, INIT_NORMAL, sd);
            REGL("output.adapter.up.bias", H, 0, sa_ub, BERT_T_PEFT, INIT_ZERO, 0);
        }
        if (p->pa > 0) {
            REGL("output.parallel.down.weight", p->pa, H, pa_dw, BERT_T_PEFT, INIT_UNIFORM, ku);
            REGL("output.parallel.down.bias", p->pa, 0, pa_db, BERT_T_PEFT, INIT_ZERO, 0);
            REGL("output.parallel.up.weight", H, p->pa, pa_uw, BERT_T_PEFT, INIT_ZERO, 0);
            REGL("output.parallel.up.bias", H, 0, pa_ub, BERT_T_PEFT, INIT_ZERO, 0);
        }
        if (p->lora > 0) {
            REGL("attention.self.query.lora_A", p->lora, H, lq_a, BERT_T_PEFT, INIT_UNIFORM, ku);
            REGL("attention.self.query.lora_B", H, p->lora, lq_b, BERT_T_PEFT, INIT_ZERO, 0);
            REGL("attention.self.value.lora_A", p->lora, H, lv_a, BERT_T_PEFT, INIT_UNIFORM, ku);
            REGL("attention.self.value.lora_B", H, p->lora, lv_b, BERT_T_PEFT, INIT_ZERO, 0);
        }
    }
#undef REGL
    int La = peft_active_layers(p);
    if (p->pt > 0 && La > 0) {
        int mid = p->prefix_mid;
        float km = 1.0f / sqrtf((float)mid);
        reg(b, "prefix.embedding.weight", p->pt, H, &w->pre_emb, &g->pre_emb, BERT_T_PEFT, INIT_NORMAL, 1.0f);
        reg(b, "prefix.mlp.0.weight", mid, H, &w->pre_w0, &g->pre_w0, BERT_T_PEFT, INIT_UNIFORM, ku);
        reg(b, "prefix.mlp.0.bias", mid, 0, &w->pre_b0, &g->pre_b0, BERT_T_PEFT, INIT_UNIFORM, ku);
        reg(b, "prefix.mlp.2.weight", 2LL * H * La, mid, &w->pre_w2, &g->pre_w2, BERT_T_PEFT, INIT_UNIFORM, km);
        reg(b, "prefix.mlp.2.bias", 2LL * H * La, 0, &w->pre_b2, &g->pre_b2, BERT_T_PEFT, INIT_UNIFORM, km);
    }
    /* head */
    if (m->task == BERT_TASK_MLM) {
        reg(b, "cls.predictions.transform.dense.weight", H, H, &w->mt_w, &g->mt_w, BERT_T_HEAD, INIT_NORMAL, sd);
        reg(b, "cls.predictions.transform.dense.bias", H, 0, &w->mt_b, &g->mt_b, BERT_T_HEAD, INIT_ZERO, 0);
        reg(b, "cls.predictions.transform.LayerNorm.weight", H, 0, &w->mln_w, &g->mln_w, BERT_T_HEAD, INIT_ONE, 0);
        reg(b, "cls.predictions.transform.LayerNorm.bias", H, 0, &w->mln_b, &g->mln_b, BERT_T_HEAD, INIT_ZERO, 0);
        reg(b, "cls.predictions.bias", c->vocab_size, 0, &w->mbias, &g->mbias, BERT_T_HEAD, INIT_ZERO, 0);
    } else if (m->head == BERT_HEAD_HF) {
        reg(b, "classifier.weight", C, H, &w->cls_w, &g->cls_w, BERT_T_HEAD, INIT_NORMAL, sd);
        reg(b, "classifier.bias", C, 0, &w->cls_b, &g->cls_b, BERT_T_HEAD, INIT_ZERO, 0);
    } else {
        reg(b, "head.dense.weight", H, H, &w->hd_w, &g->hd_w, BERT_T_HEAD, INIT_NORMAL, sd);
        reg(b, "head.dense.bias", H, 0, &w->hd_b, &g->hd_b, BERT_T_HEAD, INIT_ZERO, 0);
        reg(b, "head.out.weight", C, H, &w->ho_w, &g->ho_w, BERT_T_HEAD, INIT_NORMAL, sd);
        reg(b, "head.out.bias", C, 0, &w->ho_b, &g->ho_b, BERT_T_HEAD, INIT_ZERO, 0);
    }
}

/* Activation layout: with fb == NULL only counts. */
typedef struct {
    float *fb;
    unsigned char *bb;
    long fo, bo;
} arena;

static float *takef(arena *a, long n)
{
    float *p = a->fb ? a->fb + a->fo : NULL;
    a->fo += n;
    return p;
}

static unsigned char *takeb(arena *a, long n)
{
    unsigned char *p = a->bb ? a->bb + a->bo : NULL;
    a->bo += n;
    return p;
}

static void layout_layer(bert_model *m, arena *a, bert_layer_acts *la, int l)
{
    const bert_config *c = &m->cfg;
    long B = m->max_batch, T = m->max_seq, BT = B * T, H = c->hidden, Id = c->intermediate;
    const bert_layer_w *lw = &m->w.layer[l];
    int on = m->peft.layer_on[l];
    long pt = on && m->w.pre_emb ? m->peft.pt : 0, S = pt + T;
    long r = lw->lq_a ? m->peft.lora : 0;
    int drop = c->hidden_dropout > 0, adrop = c->attn_dropout > 0;
    la->qkv = takef(a, BT * 3 * H);
    la->lq = r ? takef(a, BT * r) : NULL;
    la->lv = r ? takef(a, BT * r) : NULL;
    la->att = takef(a, B * c->heads * T * S);
    la->att_keep = adrop ? takeb(a, B * c->heads * T * S) : NULL;
    la->ctx = takef(a, BT * H);
    la->ao_keep = drop ? takeb(a, BT * H) : NULL;
    la->res1 = takef(a, BT * H);
    la->ln1 = takef(a, BT * H);
    la->ln1_mean = takef(a, BT);
    la->ln1_rstd = takef(a, BT);
    la->fch = takef(a, BT * Id);
    la->fcg = takef(a, BT * Id);
    la->fo_keep = drop ? takeb(a, BT * H) : NULL;
    la->h = takef(a, BT * H);
    if (lw->sa_dw) {
        la->u_in = takef(a, BT * H);
        la->u = takef(a, BT * H);
        la->u_mean = takef(a, BT);
        la->u_rstd = takef(a, BT);
        la->sa_a = takef(a, BT * m->peft.sa);
    }
    if (lw->pa_dw)
        la->pa_a = takef(a, BT * m->peft.pa);
    la->res2 = takef(a, BT * H);
    la->ln2_mean = takef(a, BT);
    la->ln2_rstd = takef(a, BT);
}

static void layout_acts(bert_model *m, arena *a)
{
    const bert_config *c = &m->cfg;
    const peft_config *p = &m->peft;
    long B = m->max_batch, T = m->max_seq, BT = B * T, H = c->hidden, Id = c->intermediate;
    int drop = c->hidden_dropout > 0;
    int La = peft_active_layers(p);
    long pt = m->w.pre_emb ? p->pt : 0;
    m->esum = takef(a, BT * H);
    m->e_mean = takef(a, BT);
    m->e_rstd = takef(a, BT);
    m->eln = takef(a, BT * H);
    m->x0 = takef(a, BT * H);
    m->e_keep = drop ? takeb(a, BT * H) : NULL;
    /* Layers below the backward stop share one set (only their output is
     * consumed by the next layer). */
    bert_layer_acts shared;
    memset(&shared, 0, sizeof shared);
    int shared_done = 0;
    for (int l = 0; l < c->layers; l++) {
        bert_layer_acts *la = &m->la[l];
        if (l < m->bwd_stop) {
            /* below the backward stop no layer holds a module (modules sit
             * only in active layers, and the stop is the lowest of them) */
            if (!shared_done) {
                layout_layer(m, a, &shared, l);
                shared_done = 1;
            }
            *la = shared;
        } else {
            layout_layer(m, a, la, l);
        }
        la->out = takef(a, BT * H);
    }
    if (m->task == BERT_TASK_MLM) {
        m->mz = takef(a, BT * H);
        m->mg = takef(a, BT * H);
        m->mln = takef(a, BT * H);
        m->mln_mean = takef(a, BT);
        m->mln_rstd = takef(a, BT);
        m->logits = takef(a, BT * c->vocab_size);
        m->probs = takef(a, BT * c->vocab_size);
    } else {
        m->cls = takef(a, B * H);
        m->cls_d = takef(a, B * H);
        m->hz = takef(a, B * H);
        m->ht = takef(a, B * H);
        m->ht_d = takef(a, B * H);
        m->keep0 = drop ? takeb(a, B * H) : NULL;
        m->keep1 = drop ? takeb(a, B * H) : NULL;
        m->logits = takef(a, B * m->C);
        m->probs = takef(a, B * m->C);
    }
    bert_grad_acts *ga = &m->ga;
    if (pt > 0 && La > 0) {
        m->p_t1 = takef(a, pt * p->prefix_mid);
        m->p_kv = takef(a, pt * 2 * H * La);
        ga->dkv = takef(a, pt * 2 * H * La);
        ga->dt1 = takef(a, pt * p->prefix_mid);
        ga->dz1 = takef(a, pt * p->prefix_mid);
    }
    m->att_scratch = takef(a, 2 * T * (pt + T));
    float **bth[] = {&ga->dout, &ga->dinp, &ga->dres2, &ga->dh,    &ga->dln1,  &ga->dadapter,
                     &ga->du,   &ga->du_in, &ga->dfo,   &ga->dres1, &ga->dao, &ga->dctx};
    for (size_t i = 0; i < sizeof bth / sizeof *bth; i++)
        *bth[i] = takef(a, BT * H);
    ga->dfc = takef(a, BT * Id);
    ga->dqkv = takef(a, BT * 3 * H);
    long bot = p->sa > p->pa ? p->sa : p->pa;
    if (p->lora > bot)
        bot = p->lora;
    ga->dbot_act = takef(a, BT * (bot > 0 ? bot : 1));
    ga->dbot_z = takef(a, BT * (bot > 0 ? bot : 1));
    float **bh[] = {&ga->dht_d, &ga->dht, &ga->dhz, &ga->dcls_d, &ga->dcls};
    for (size_t i = 0; i < sizeof bh / sizeof *bh; i++)
        *bh[i] = takef(a, B * H);
    /* not live at the same time as the buffers whose memory they use */
    m->proj = ga->dout;
    ga->deln = ga->dres2;
    ga->desum = ga->dh;
    ga->dmdec = ga->dln1;
    ga->dmln = ga->dinp;
    ga->dmg = ga->dres2;
    ga->dmz = ga->dh;
}

static int lowest_trainable_layer(const bert_model *m)
{
    if (m->peft.full)
        return 0;
    if (!peft_any_module(&m->peft))
        return m->cfg.layers;
    for (int l = 0; l < m->cfg.layers; l++)
        if (m->peft.layer_on[l])
            return l;
    return m->cfg.layers;
}

static bert_model *build(const bert_config *c, const peft_config *p, bert_task task,
                         bert_head_kind head, int C, int max_batch, int max_seq, char *err,
                         size_t errlen)
{
    if (c->layers < 1 || c->layers > PEFT_MAX_LAYERS || c->hidden < 1 || c->heads < 1 ||
        c->hidden % c->heads || c->vocab_size < 1 || c->max_position < 1 || c->type_vocab < 1 ||
        c->intermediate < 1) {
        errf(err, errlen, NULL, 0, "invalid model configuration");
        return NULL;
    }
    if (p->n_layers != c->layers) {
        errf(err, errlen, NULL, 0, "PEFT configuration is for %d layers, the model has %d",
             p->n_layers, c->layers);
        return NULL;
    }
    if (p->sa < 0 || p->pa < 0 || p->pt < 0 || p->lora < 0 ||
        (p->pt > 0 && p->prefix_mid < 1) || (p->lora > 0 && !(p->lora_alpha > 0))) {
        errf(err, errlen, NULL, 0, "invalid PEFT configuration");
        return NULL;
    }
    if (max_batch < 1 || max_seq < 1 || max_seq > c->max_position) {
        errf(err, errlen, NULL, 0, "invalid activation size: batch %d, sequence %d (max_position %d)",
             max_batch, max_seq, c->max_position);
        return NULL;
    }
    if (task != BERT_TASK_MLM && C < 1) {
        errf(err, errlen, NULL, 0, "number of labels must be positive");
        return NULL;
    }
    bert_model *m = xcalloc(1, sizeof *m);
    m->cfg = *c;
    m->peft = *p;
    m->task = task;
    m->head = task == BERT_TASK_MLM ? BERT_HEAD_AUTOPEFT : head;
    m->C = task == BERT_TASK_MLM ? c->vocab_size : C;
    if (task != BERT_TASK_MLM)
        m->cfg.num_labels = C;
    m->max_batch = max_batch;
    m->max_seq = max_seq;
    m->bwd_stop = lowest_trainable_layer(m);
    m->full_bwd = p->full;

    builder b = {m, NULL, 0, 0};
    register_all(&b);
    m->n_tensors = b.n;
    long np = 0, ng = 0;
    for (int i = 0; i < b.n; i++) {
        np += m->tensors[i].n;
        if (b.r[i].trainable)
            ng += m->tensors[i].n;
    }
    /* The big buffers may not fit (an impossible size): report, don't die. */
    m->params = malloc(sizeof(float) * (size_t)(np ? np : 1));
    m->grads = calloc((size_t)(ng ? ng : 1), sizeof(float));
    if (!m->params || !m->grads) {
        errf(err, errlen, NULL, 0, "cannot allocate %.1f MB for %ld parameters and %ld gradients",
             4.0 * (double)(np + ng) / 1e6, np, ng);
        free(b.r);
        bert_free(m);
        return NULL;
    }
    m->n_params = np;
    m->n_grads = ng;
    m->opt = xcalloc(b.n, sizeof(opt_param));
    long po = 0, go = 0;
    for (int i = 0; i < b.n; i++) {
        bert_tensor *t = &m->tensors[i];
        t->data = m->params + po;
        po += t->n;
        *b.r[i].w = t->data;
        if (b.r[i].trainable) {
            t->grad = m->grads + go;
            go += t->n;
            *b.r[i].g = t->grad;
            m->opt[m->n_opt++] = (opt_param){t->data, t->grad, t->n, t->decay, 1.0f};
        } else {
            *b.r[i].g = NULL;
        }
    }
    free(b.r);

    arena cnt = {NULL, NULL, 0, 0};
    layout_acts(m, &cnt);
    m->acts = calloc((size_t)(cnt.fo ? cnt.fo : 1), sizeof(float));
    m->keeps = calloc((size_t)(cnt.bo ? cnt.bo : 1), 1);
    if (!m->acts || !m->keeps) {
        errf(err, errlen, NULL, 0, "cannot allocate %.1f MB of activations for batch %d x %d",
             (4.0 * (double)cnt.fo + (double)cnt.bo) / 1e6, max_batch, max_seq);
        bert_free(m);
        return NULL;
    }
    arena real = {m->acts, m->keeps, 0, 0};
    layout_acts(m, &real);
    long BT = (long)max_batch * max_seq;
    m->ids_copy = xcalloc(BT, sizeof(int));
    m->tids_copy = xcalloc(BT, sizeof(int));
    m->mask_copy = xcalloc(BT, sizeof(int));
    m->labels_copy = xcalloc(BT, sizeof(int));
    m->mrow = xcalloc(BT, sizeof(int));
    m->targets_copy = xcalloc(max_batch, sizeof(float));
    rng_seed(&m->rng, 0);
    return m;
}

/* The init recipe again (the builder records are freed): re-register into a
 * throwaway builder to get init kinds by index. */
void bert_init_missing(bert_model *m, const unsigned char *present, uint64_t seed)
{
    bert_model tmp;
    memcpy(&tmp, m, sizeof tmp);
    tmp.tensors = NULL;
    builder b = {&tmp, NULL, 0, 0};
    register_all(&b);
    for (int i = 0; i < m->n_tensors && i < b.n; i++)
        if (!present || !present[i])
            init_tensor(&m->tensors[i], b.r[i].init, b.r[i].a, seed);
    free(b.r);
    free(tmp.tensors);
}

const char *bert_task_name(const bert_model *m)
{
    return m->task == BERT_TASK_MLM ? "mlm" : m->task == BERT_TASK_REG ? "reg" : "cls";
}

const char *bert_head_name(const bert_model *m) { return m->head == BERT_HEAD_HF ? "hf" : "autopeft"; }

void bert_free(bert_model *m)
{
    if (!m)
        return;
    free(m->tensors);
    free(m->params);
    free(m->grads);
    free(m->opt);
    free(m->acts);
    free(m->keeps);
    free(m->ids_copy);
    free(m->tids_copy);
    free(m->mask_copy);
    free(m->labels_copy);
    free(m->mrow);
    free(m->targets_copy);
    free(m);
}

static int resolve_C(const bert_config *c, const bert_opts *o)
{
    if (o->task == BERT_TASK_REG)
        return 1;
    if (o->num_labels > 0)
        return o->num_labels;
    if (c->num_labels > 0)
        return c->num_labels;
    return 2;
}

bert_model *bert_build(const bert_config *c, const peft_config *p, const bert_opts *o, char *err,
                       size_t errlen)
{
    int T = o->max_seq > 0 ? o->max_seq : (c->max_position < 128 ? c->max_position : 128);
    bert_head_kind hk = o->head == BERT_HEAD_AUTO ? BERT_HEAD_AUTOPEFT : o->head;
    bert_config cc = *c;
    if (o->dropout >= 0)
        cc.hidden_dropout = cc.attn_dropout = o->dropout;
    return build(&cc, p, o->task, hk, resolve_C(&cc, o), o->max_batch, T, err, errlen);
}

bert_model *bert_new(const bert_config *c, const bert_opts *o, char *err, size_t errlen)
{
    peft_config none;
    peft_default(&none, c->layers);
    bert_model *m = bert_build(c, o->peft ? o->peft : &none, o, err, errlen);
    if (m)
        bert_init_missing(m, NULL, o->seed);
    return m;
}

void bert_set_config_labels(bert_model *m, int num_labels) { m->cfg.num_labels = num_labels; }

bert_tensor *bert_find(bert_model *m, const char *name)
{
    for (int i = 0; i < m->n_tensors; i++)
        if (strcmp(m->tensors[i].name, name) == 0)
            return &m->tensors[i];
    return NULL;
}

int bert_set_lr_mult(bert_model *m, const char *name_prefix, float mult)
{
    size_t n = strlen(name_prefix);
    int set = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        const bert_tensor *t = &m->tensors[i];
        if (!t->grad || strncmp(t->name, name_prefix, n) != 0)
            continue;
        for (int k = 0; k < m->n_opt; k++)
            if (m->opt[k].p == t->data) {
                m->opt[k].lr_mult = mult;
                set++;
            }
    }
    return set;
}

long long bert_params_added(const bert_model *m)
{
    return peft_params_added(m->cfg.hidden, &m->peft);
}

long long bert_params_base(const bert_model *m)
{
    const bert_config *c = &m->cfg;
    return bert_base_param_count(c->vocab_size, c->hidden, c->layers, c->intermediate,
                                 c->max_position, c->type_vocab);
}

long long bert_params_trainable(const bert_model *m)
{
    long long H = m->cfg.hidden, V = m->cfg.vocab_size, C = m->C;
    long long pooler = H * H + H;
    long long n = peft_params_trainable((int)H, &m->peft);
    if (m->task == BERT_TASK_MLM)
        n += H * H + H + 2 * H + V;
    else if (m->head == BERT_HEAD_HF)
        n += C * H + C + pooler;
    else
        n += H * H + H + C * H + C;
    if (m->peft.full)
        n += bert_params_base(m) - pooler;
    return n;
}

/* ------------------------------------------------------------------ forward */

void bert_set_training(bert_model *m, int on) { m->training = on != 0; }

void bert_set_dropout_seed(bert_model *m, uint64_t seed) { rng_seed(&m->rng, seed); }

/* Layer l's prefix: its length (0 when the layer has none) and, in *off,
 * the offset of its keys in the prefix MLP output p_kv (pt rows of
 * 2*H*La floats: per active layer a, keys at a*2H, values at a*2H + H). */
static int prefix_slice(const bert_model *m, int l, long *off)
{
    *off = 0;
    if (!m->p_kv || !m->peft.layer_on[l])
        return 0;
    int ai = 0;
    for (int k = 0; k < l; k++)
        ai += m->peft.layer_on[k] != 0;
    *off = (long)ai * 2 * m->cfg.hidden;
    return m->peft.pt;
}

static void layer_forward(bert_model *m, int l, const float *x, int B, int T, float ph, float pa,
                          rng_t *rng)
{
    const bert_config *c = &m->cfg;
    const bert_layer_w *w = &m->w.layer[l];
    bert_layer_acts *a = &m->la[l];
    int H = c->hidden, Id = c->intermediate, NH = c->heads, hd = H / NH, BT = B * T;
    float *tmp = m->proj;
    /* QKV in one GEMM, then LoRA: q += s (x A^T) B^T, v likewise */
    linear_forward(a->qkv, x, w->qkv_w, w->qkv_b, BT, H, 3 * H);
    if (w->lq_a) {
        int r = m->peft.lora;
        float s = m->peft.lora_alpha / (float)r;
        lora_forward(a->qkv, a->lq, x, w->lq_a, w->lq_b, s, 3 * H, BT, H, H, r);
        lora_forward(a->qkv + 2 * H, a->lv, x, w->lv_a, w->lv_b, s, 3 * H, BT, H, H, r);
    }
    long off;
    int pt = prefix_slice(m, l, &off), ldp = 2 * H * peft_active_layers(&m->peft);
    const float *pk = pt ? m->p_kv + off : NULL, *pv = pt ? pk + H : NULL;
    attention_forward(a->ctx, a->att, a->att_keep, m->att_scratch, a->qkv, pk, pv, ldp,
                      m->mask_copy, pa, rng, B, T, NH, hd, pt);
    linear_forward(tmp, a->ctx, w->ao_w, w->ao_b, BT, H, H);
    dropout_forward(tmp, a->ao_keep, tmp, ph, rng, BT * H);
    residual_forward(a->res1, tmp, x, BT * H);
    layernorm_forward(a->ln1, a->ln1_mean, a->ln1_rstd, a->res1, w->ln1_w, w->ln1_b, c->ln_eps, BT, H);
    linear_forward(a->fch, a->ln1, w->fc_w, w->fc_b, BT, H, Id);
    gelu_forward(a->fcg, a->fch, BT * Id);
    linear_forward(a->h, a->fcg, w->fo_w, w->fo_b, BT, Id, H);
    dropout_forward(a->h, a->fo_keep, a->h, ph, rng, BT * H);
    residual_forward(a->res2, a->h, a->ln1, BT * H);
    if (w->sa_dw) { /* serial adapter on u = LN(h + ln1) */
        residual_forward(a->u_in, a->h, a->ln1, BT * H);
        layernorm_forward(a->u, a->u_mean, a->u_rstd, a->u_in, w->ln2_w, w->ln2_b, c->ln_eps, BT, H);
        adapter_forward(a->res2, a->sa_a, tmp, a->u, w->sa_dw, w->sa_db, w->sa_uw, w->sa_ub, 1.0f,
                        BT, H, m->peft.sa);
    }
    if (w->pa_dw) /* parallel adapter on ln1, scaled by 4 */
        adapter_forward(a->res2, a->pa_a, tmp, a->ln1, w->pa_dw, w->pa_db, w->pa_uw, w->pa_ub, 4.0f,
                        BT, H, m->peft.pa);
    layernorm_forward(a->out, a->ln2_mean, a->ln2_rstd, a->res2, w->ln2_w, w->ln2_b, c->ln_eps, BT, H);
}

static int check_batch(const bert_model *m, const bert_batch *b, char *err, size_t errlen)
{
    const bert_config *c = &m->cfg;
    if (!b->input_ids) {
        errf(err, errlen, NULL, 0, "batch has no input ids");
        return -1;
    }
    if (b->B < 1 || b->T < 1 || b->B > m->max_batch || b->T > m->max_seq) {
        errf(err, errlen, NULL, 0, "batch %dx%d exceeds the model's buffers (%dx%d)", b->B, b->T,
             m->max_batch, m->max_seq);
        return -1;
    }
    long BT = (long)b->B * b->T;
    for (long i = 0; i < BT; i++) {
        if (b->input_ids[i] < 0 || b->input_ids[i] >= c->vocab_size) {
            errf(err, errlen, NULL, 0, "token id %d out of range [0,%d)", b->input_ids[i], c->vocab_size);
            return -1;
        }
        if (b->token_type_ids && (b->token_type_ids[i] < 0 || b->token_type_ids[i] >= c->type_vocab)) {
            errf(err, errlen, NULL, 0, "token type id %d out of range [0,%d)", b->token_type_ids[i],
                 c->type_vocab);
            return -1;
        }
    }
    if (m->task == BERT_TASK_CLS && b->labels)
        for (int i = 0; i < b->B; i++)
            if (b->labels[i] < 0 || b->labels[i] >= m->C) {
                errf(err, errlen, NULL, 0, "label %d out of range [0,%d)", b->labels[i], m->C);
                return -1;
            }
    if (m->task == BERT_TASK_MLM && b->labels)
        for (long i = 0; i < BT; i++)
            if (b->labels[i] != LABEL_IGNORE && (b->labels[i] < 0 || b->labels[i] >= c->vocab_size)) {
                errf(err, errlen, NULL, 0, "MLM label %d out of range", b->labels[i]);
                return -1;
            }
    if (m->task == BERT_TASK_REG && b->targets)
        for (int i = 0; i < b->B; i++)
            if (!isfinite(b->targets[i])) {
                errf(err, errlen, NULL, 0, "regression target is not finite");
                return -1;
            }
    return 0;
}

int bert_forward(bert_model *m, const bert_batch *b, float *loss, char *err, size_t errlen)
{
    if (check_batch(m, b, err, errlen))
        return -1;
    const bert_config *c = &m->cfg;
    int B = b->B, T = b->T, H = c->hidden, BT = B * T;
    float ph = m->training ? c->hidden_dropout : 0.0f;
    float pa = m->training ? c->attn_dropout : 0.0f;
    rng_t *rng = m->training ? &m->rng : NULL;
    m->last_B = B, m->last_T = T, m->p_hid = ph, m->p_att = pa;
    memcpy(m->ids_copy, b->input_ids, sizeof(int) * BT);
    for (int i = 0; i < BT; i++) {
        m->tids_copy[i] = b->token_type_ids ? b->token_type_ids[i] : 0;
        m->mask_copy[i] = b->attention_mask ? b->attention_mask[i] != 0 : 1;
    }
    /* prefix MLP, once per forward */
    if (m->p_kv) {
        const peft_config *p = &m->peft;
        int La = peft_active_layers(p);
        linear_forward(m->p_t1, m->w.pre_emb, m->w.pre_w0, m->w.pre_b0, p->pt, H, p->prefix_mid);
        tanh_forward(m->p_t1, m->p_t1, p->pt * p->prefix_mid);
        linear_forward(m->p_kv, m->p_t1, m->w.pre_w2, m->w.pre_b2, p->pt, p->prefix_mid, 2 * H * La);
    }
    embed_forward(m->esum, m->ids_copy, m->tids_copy, m->w.wte, m->w.wpe, m->w.wtt, B, T, H);
    layernorm_forward(m->eln, m->e_mean, m->e_rstd, m->esum, m->w.eln_w, m->w.eln_b, c->ln_eps, BT, H);
    dropout_forward(m->x0, m->e_keep, m->eln, ph, rng, BT * H);
    const float *x = m->x0;
    for (int l = 0; l < c->layers; l++) {
        layer_forward(m, l, x, B, T, ph, pa, rng);
        x = m->la[l].out;
    }
    /* heads */
    m->have_loss = 0;
    float L = 0;
    if (m->task == BERT_TASK_MLM) {
        int V = c->vocab_size;
        linear_forward(m->mz, x, m->w.mt_w, m->w.mt_b, BT, H, H);
        gelu_forward(m->mg, m->mz, BT * H);
        layernorm_forward(m->mln, m->mln_mean, m->mln_rstd, m->mg, m->w.mln_w, m->w.mln_b, c->ln_eps, BT, H);
        if (b->labels) {
            /* decoder and loss on the labelled rows only (see bert_forward) */
            int Nm = 0;
            for (int i = 0; i < BT; i++)
                if (b->labels[i] != LABEL_IGNORE) {
                    m->mrow[Nm] = i;
                    m->labels_copy[Nm] = b->labels[i];
                    if (Nm != i)
                        memcpy(m->mln + (long)Nm * H, m->mln + (long)i * H, sizeof(float) * H);
                    Nm++;
                }
            m->n_mrow = Nm;
            linear_forward(m->logits, m->mln, m->w.wte, m->w.mbias, Nm, H, V);
            L = crossentropy_forward(m->probs, m->logits, m->labels_copy, Nm, V);
            m->have_loss = 1;
        } else {
            linear_forward(m->logits, m->mln, m->w.wte, m->w.mbias, BT, H, V);
        }
    } else {
        int C = m->C, hf = m->head == BERT_HEAD_HF;
        const float *dw = hf ? m->w.pool_w : m->w.hd_w, *db = hf ? m->w.pool_b : m->w.hd_b;
        const float *ow = hf ? m->w.cls_w : m->w.ho_w, *ob = hf ? m->w.cls_b : m->w.ho_b;
        for (int i = 0; i < B; i++)
            memcpy(m->cls + (long)i * H, x + (long)i * T * H, sizeof(float) * H);
        dropout_forward(m->cls_d, m->keep0, m->cls, hf ? 0.0f : ph, rng, B * H);
        linear_forward(m->hz, m->cls_d, dw, db, B, H, H);
        tanh_forward(m->ht, m->hz, B * H);
        dropout_forward(m->ht_d, m->keep1, m->ht, ph, rng, B * H);
        linear_forward(m->logits, m->ht_d, ow, ob, B, H, C);
        if (m->task == BERT_TASK_REG && b->targets) {
            memcpy(m->targets_copy, b->targets, sizeof(float) * B);
            L = mse_forward(m->logits, m->targets_copy, B);
            m->have_loss = 1;
        } else if (m->task == BERT_TASK_CLS && b->labels) {
            memcpy(m->labels_copy, b->labels, sizeof(int) * B);
            L = crossentropy_forward(m->probs, m->logits, m->labels_copy, B, C);
            m->have_loss = 1;
        }
    }
    m->loss = L;
    if (loss)
        *loss = m->have_loss ? L : NAN;
    return 0;
}

/* ------------------------------------------------------------------ backward */

void bert_zero_grad(bert_model *m) { ops_zero(m->grads, m->n_grads ? m->n_grads : 1); }

static void zero(float *p, long n) { ops_zero(p, n); }

/* dout: gradient wrt the layer output; dx: += gradient wrt the layer input (NULL: not needed). */
static void layer_backward(bert_model *m, int l, const float *x, const float *dout, float *dx,
                           int B, int T)
{
    const bert_config *c = &m->cfg;
    const bert_layer_w *w = &m->w.layer[l];
    const bert_layer_w *g = &m->g.layer[l];
    bert_layer_acts *a = &m->la[l];
    int H = c->hidden, Id = c->intermediate, NH = c->heads, hd = H / NH, BT = B * T;
    long n = (long)BT * H;
    float ph = m->p_hid;
    const bert_grad_acts *ga = &m->ga;
    float *dres2 = ga->dres2, *dh = ga->dh, *dln1 = ga->dln1;

    /* Below the output adapters, the gradient is needed only for the
     * layer input (dx), trainable base weights (full: then dx is set too),
     * LoRA, or the prefix keys/values of this layer. Without any of them
     * (the lowest trainable layer with adapters only), stop after the
     * adapters' weight gradients, as autograd would. */
    int prefix_here = m->p_kv && m->peft.layer_on[l];
    int need_below = dx || g->qkv_w || w->lq_a || prefix_here;
    zero(dres2, n);
    layernorm_backward(dres2, g->ln2_w, g->ln2_b, dout, a->res2, w->ln2_w, a->ln2_mean, a->ln2_rstd, BT, H);
    if (need_below) {
        ops_copy(dh, dres2, n);
        ops_copy(dln1, dres2, n);
    }
    if (w->pa_dw)
        adapter_backward(need_below ? dln1 : NULL, g->pa_dw, g->pa_db, g->pa_uw, g->pa_ub,
                         ga->dadapter, ga->dbot_act, ga->dbot_z, dres2, a->pa_a, a->ln1, w->pa_dw,
                         w->pa_uw, 4.0f, BT, H, m->peft.pa);
    if (w->sa_dw) {
        if (need_below)
            zero(ga->du, n);
        adapter_backward(need_below ? ga->du : NULL, g->sa_dw, g->sa_db, g->sa_uw, g->sa_ub, NULL,
                         ga->dbot_act, ga->dbot_z, dres2, a->sa_a, a->u, w->sa_dw, w->sa_uw, 1.0f,
                         BT, H, m->peft.sa);
        if (need_below) {
            zero(ga->du_in, n);
            layernorm_backward(ga->du_in, g->ln2_w, g->ln2_b, ga->du, a->u_in, w->ln2_w, a->u_mean,
                               a->u_rstd, BT, H);
            residual_backward(dh, dln1, ga->du_in, n);
        }
    }
    if (!need_below)
        return;
    float *dfo = ga->dfo, *dfc = ga->dfc, *dres1 = ga->dres1, *dao = ga->dao, *dctx = ga->dctx;
    zero(dfo, n);
    dropout_backward(dfo, a->fo_keep, dh, ph, n);
    /* dfc = dfo W_fo overwritten (no zeroing pass), then the GELU backward
     * in place: dfc holds the gradient wrt fcg, then wrt fch */
    linear_backward_set(dfc, g->fo_w, g->fo_b, dfo, a->fcg, w->fo_w, BT, Id, H);
    gelu_backward_set(dfc, a->fch, dfc, BT * Id);
    linear_backward(dln1, g->fc_w, g->fc_b, dfc, a->ln1, w->fc_w, BT, H, Id);
    zero(dres1, n);
    layernorm_backward(dres1, g->ln1_w, g->ln1_b, dln1, a->res1, w->ln1_w, a->ln1_mean, a->ln1_rstd, BT, H);
    if (dx)
        residual_backward(dx, NULL, dres1, n);
    zero(dao, n);
    dropout_backward(dao, a->ao_keep, dres1, ph, n);
    zero(dctx, n);
    linear_backward(dctx, g->ao_w, g->ao_b, dao, a->ctx, w->ao_w, BT, H, H);
    long off;
    int pt = prefix_slice(m, l, &off), ldp = 2 * H * peft_active_layers(&m->peft);
    const float *pk = pt ? m->p_kv + off : NULL, *pv = pt ? pk + H : NULL;
    float *dpk = pt ? ga->dkv + off : NULL, *dpv = pt ? dpk + H : NULL;
    zero(ga->dqkv, (long)BT * 3 * H);
    attention_backward(ga->dqkv, dpk, dpv, m->att_scratch, dctx, a->att, a->att_keep, a->qkv, pk, pv,
                       ldp, m->p_att, B, T, NH, hd, pt);
    if (w->lq_a) {
        int r = m->peft.lora;
        float s = m->peft.lora_alpha / (float)r;
        lora_backward(dx, g->lq_a, g->lq_b, ga->dbot_act, ga->dqkv, a->lq, x, w->lq_a, w->lq_b, s,
                      3 * H, BT, H, H, r);
        lora_backward(dx, g->lv_a, g->lv_b, ga->dbot_act, ga->dqkv + 2 * H, a->lv, x, w->lv_a,
                      w->lv_b, s, 3 * H, BT, H, H, r);
    }
    linear_backward(dx, g->qkv_w, g->qkv_b, ga->dqkv, x, w->qkv_w, BT, H, 3 * H);
}

void bert_backward(bert_model *m)
{
    if (!m->have_loss)
        return;
    const bert_config *c = &m->cfg;
    int B = m->last_B, T = m->last_T, H = c->hidden, BT = B * T, L = c->layers;
    long n = (long)BT * H;
    float ph = m->p_hid;
    int need_enc = m->bwd_stop < L || m->full_bwd;
    const bert_grad_acts *ga = &m->ga;
    float *dtop = ga->dout;
    /* head */
    if (m->task == BERT_TASK_MLM) {
        int V = c->vocab_size;
        const float *x = m->la[L - 1].out;
        int Nm = m->n_mrow;
        crossentropy_backward(m->probs, m->probs, m->labels_copy, 1.0f, Nm, V); /* probs -> dlogits */
        float *dmln = ga->dmln, *dmg = ga->dmg, *dmz = ga->dmz, *dc = ga->dmdec;
        zero(dc, (long)Nm * H);
        linear_backward(dc, m->g.wte, m->g.mbias, m->probs, m->mln, m->w.wte, Nm, H, V);
        zero(dmln, n);
        for (int k = 0; k < Nm; k++)
            memcpy(dmln + (long)m->mrow[k] * H, dc + (long)k * H, sizeof(float) * H);
        zero(dmg, n);
        layernorm_backward(dmg, m->g.mln_w, m->g.mln_b, dmln, m->mg, m->w.mln_w, m->mln_mean, m->mln_rstd, BT, H);
        zero(dmz, n);
        gelu_backward(dmz, m->mz, dmg, BT * H);
        zero(dtop, n);
        linear_backward(need_enc ? dtop : NULL, m->g.mt_w, m->g.mt_b, dmz, x, m->w.mt_w, BT, H, H);
    } else {
        int C = m->C, hf = m->head == BERT_HEAD_HF;
        const float *dw = hf ? m->w.pool_w : m->w.hd_w, *ow = hf ? m->w.cls_w : m->w.ho_w;
        float *gdw = hf ? m->g.pool_w : m->g.hd_w, *gdb = hf ? m->g.pool_b : m->g.hd_b;
        float *gow = hf ? m->g.cls_w : m->g.ho_w, *gob = hf ? m->g.cls_b : m->g.ho_b;
        float *dlog = m->probs;
        if (m->task == BERT_TASK_REG) {
            zero(dlog, (long)B * C);
            mse_backward(dlog, m->logits, m->targets_copy, 1.0f, B);
        } else {
            crossentropy_backward(dlog, m->probs, m->labels_copy, 1.0f, B, C);
        }
        float *dht_d = ga->dht_d, *dht = ga->dht, *dhz = ga->dhz, *dcls_d = ga->dcls_d, *dcls = ga->dcls;
        zero(dht_d, (long)B * H);
        linear_backward(dht_d, gow, gob, dlog, m->ht_d, ow, B, H, C);
        zero(dht, (long)B * H);
        dropout_backward(dht, m->keep1, dht_d, ph, B * H);
        zero(dhz, (long)B * H);
        tanh_backward(dhz, m->ht, dht, B * H);
        zero(dcls_d, (long)B * H);
        linear_backward(need_enc ? dcls_d : NULL, gdw, gdb, dhz, m->cls_d, dw, B, H, H);
        if (need_enc) {
            zero(dcls, (long)B * H);
            dropout_backward(dcls, m->keep0, dcls_d, hf ? 0.0f : ph, B * H);
            zero(dtop, n);
            for (int i = 0; i < B; i++)
                memcpy(dtop + (long)i * T * H, dcls + (long)i * H, sizeof(float) * H);
        }
    }
    if (!need_enc)
        return;
    if (ga->dkv)
        zero(ga->dkv, (long)m->peft.pt * 2 * H * peft_active_layers(&m->peft));
    float *dcur = ga->dout, *dnext = ga->dinp;
    int stop = m->full_bwd ? 0 : m->bwd_stop;
    for (int l = L - 1; l >= stop; l--) {
        const float *x = l > 0 ? m->la[l - 1].out : m->x0;
        int need_dx = l > stop || m->full_bwd;
        if (need_dx)
            zero(dnext, n);
        layer_backward(m, l, x, dcur, need_dx ? dnext : NULL, B, T);
        float *t = dcur;
        dcur = dnext;
        dnext = t;
    }
    if (m->full_bwd) {
        float *deln = ga->deln, *desum = ga->desum;
        zero(deln, n);
        dropout_backward(deln, m->e_keep, dcur, ph, n);
        zero(desum, n);
        layernorm_backward(desum, m->g.eln_w, m->g.eln_b, deln, m->esum, m->w.eln_w, m->e_mean, m->e_rstd, BT, H);
        embed_backward(m->g.wte, m->g.wpe, m->g.wtt, desum, m->ids_copy, m->tids_copy, B, T, H);
    }
    if (ga->dkv) {
        const peft_config *p = &m->peft;
        int La = peft_active_layers(p), mid = p->prefix_mid;
        zero(ga->dt1, (long)p->pt * mid);
        linear_backward(ga->dt1, m->g.pre_w2, m->g.pre_b2, ga->dkv, m->p_t1, m->w.pre_w2, p->pt, mid, 2 * H * La);
        zero(ga->dz1, (long)p->pt * mid);
        tanh_backward(ga->dz1, m->p_t1, ga->dt1, p->pt * mid);
        linear_backward(m->g.pre_emb, m->g.pre_w0, m->g.pre_b0, ga->dz1, m->w.pre_emb, m->w.pre_w0, p->pt, H, mid);
    }
}

int bert_train_step(bert_model *m, adamw *o, const bert_batch *b, float lr, float clip,
                    float *loss, char *err, size_t errlen)
{
    float L;
    if (bert_forward(m, b, &L, err, errlen))
        return -1;
    if (!m->have_loss) {
        errf(err, errlen, NULL, 0, "training batch has no labels");
        return -1;
    }
    bert_zero_grad(m);
    bert_backward(m);
    if (clip > 0)
        clip_grad_norm(m->opt, m->n_opt, clip);
    adamw_step(o, lr);
    if (loss)
        *loss = L;
    return 0;
}
