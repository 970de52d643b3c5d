/* pretrain.c -- see pretrain.h. */
#include "train/pretrain.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/ops.h"

/* ------------------------------------------------------------------ masking */

int mlm_masker_init(mlm_masker *mk, const wp_vocab *v, const char *vocab_path, double mask_prob,
                    char *err, size_t errlen)
{
    memset(mk, 0, sizeof *mk);
    if (!(mask_prob > 0 && mask_prob <= 1)) {
        errf(err, errlen, NULL, 0, "mask probability %g is not in (0, 1]", mask_prob);
        return -1;
    }
    if (v->mask_id < 0) {
        errf(err, errlen, vocab_path, 0, "vocabulary has no [MASK] token");
        return -1;
    }
    mk->V = v->n;
    mk->special = xcalloc((size_t)v->n, 1);
    mk->normal = xmalloc(sizeof(int32_t) * (size_t)v->n);
    for (int i = 0; i < v->n; i++) {
        const char *s = wp_vocab_token(v, i);
        size_t k = v->len[i];
        if (k > 2 && s[0] == '[' && s[k - 1] == ']')
            mk->special[i] = 1;
    }
    int fixed[5] = {v->pad_id, v->unk_id, v->cls_id, v->sep_id, v->mask_id};
    for (int j = 0; j < 5; j++)
        if (fixed[j] >= 0)
            mk->special[fixed[j]] = 1;
    for (int i = 0; i < v->n; i++)
        if (!mk->special[i])
            mk->normal[mk->n_normal++] = i;
    if (mk->n_normal == 0) {
        errf(err, errlen, vocab_path, 0, "vocabulary has only special tokens");
        mlm_masker_free(mk);
        return -1;
    }
    mk->mask_id = v->mask_id;
    mk->pad_id = v->pad_id >= 0 ? v->pad_id : 0;
    mk->mask_prob = mask_prob;
    mk->p_mask = 0.8;
    mk->p_random = 0.1;
    return 0;
}

void mlm_masker_free(mlm_masker *mk)
{
    free(mk->special);
    free(mk->normal);
    free(mk->cand);
    memset(mk, 0, sizeof *mk);
}

static int is_special(const mlm_masker *mk, int id)
{
    return id < 0 || id >= mk->V || mk->special[id];
}

int mlm_maskable(const mlm_masker *mk, const int32_t *ids, int n)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        k += !is_special(mk, ids[i]);
    return k;
}

int mlm_mask(mlm_masker *mk, rng_t *r, int *ids, int *labels, int n)
{
    if (n > mk->cand_cap) {
        mk->cand_cap = n;
        mk->cand = xrealloc(mk->cand, sizeof(int) * (size_t)n);
    }
    int nc = 0;
    for (int i = 0; i < n; i++) {
        labels[i] = LABEL_IGNORE;
        if (!is_special(mk, ids[i]))
            mk->cand[nc++] = i;
    }
    if (nc == 0)
        return 0;
    /* k = mask_prob * nc with stochastic rounding (unbiased), at least 1 */
    double want = mk->mask_prob * nc;
    int k = (int)floor(want);
    if (rng_uniform(r) < want - k)
        k++;
    if (k < 1)
        k = 1;
    if (k > nc)
        k = nc;
    /* partial Fisher-Yates: cand[0..k) is a uniform k-subset */
    for (int j = 0; j < k; j++) {
        int s = j + (int)rng_below(r, (uint64_t)(nc - j));
        int t = mk->cand[j];
        mk->cand[j] = mk->cand[s];
        mk->cand[s] = t;
    }
    for (int j = 0; j < k; j++) {
        int i = mk->cand[j];
        labels[i] = ids[i];
        double u = rng_uniform(r);
        if (u < mk->p_mask)
            ids[i] = mk->mask_id;
        else if (u < mk->p_mask + mk->p_random)
            ids[i] = mk->normal[rng_below(r, (uint64_t)mk->n_normal)];
    }
    return k;
}

/* ------------------------------------------------------------------- corpus */

static int blank_line(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

int mlm_corpus_read(mlm_corpus *c, FILE *f, const char *name, wp_tokenizer *t,
                    const mlm_masker *mk, int max_len, long max_lines, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    if (max_len < 3) {
        errf(err, errlen, NULL, 0, "maximum sequence length %d is below 3", max_len);
        return -1;
    }
    c->max_len = max_len;
    long ids_cap = 1 << 16, off_cap = 1 << 12, texts = 0;
    c->ids = xmalloc(sizeof(int32_t) * (size_t)ids_cap);
    c->off = xmalloc(sizeof(long) * (size_t)off_cap);
    c->off[0] = 0;
    int32_t *seq = xmalloc(sizeof(int32_t) * (size_t)max_len);
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    errno = 0;
    while ((max_lines <= 0 || texts < max_lines) && (got = getline(&line, &cap, f)) >= 0) {
        c->lines++;
        size_t n = (size_t)got;
        if (n && line[n - 1] == '\n')
            n--;
        if (n && line[n - 1] == '\r')
            n--;
        if (blank_line(line, n)) {
            c->blank++;
            continue;
        }
        texts++;
        int len;
        if (wp_encode(t, line, n, NULL, 0, max_len, seq, NULL, &len)) {
            errf(err, errlen, name, c->lines, "invalid UTF-8");
            goto fail;
        }
        if (len == max_len && t->a.n > max_len - 2)
            c->truncated++;
        if (mlm_maskable(mk, seq, len) == 0) {
            c->nothing++;
            continue;
        }
        if (c->n_ids + len > ids_cap) {
            while (c->n_ids + len > ids_cap)
                ids_cap *= 2;
            c->ids = xrealloc(c->ids, sizeof(int32_t) * (size_t)ids_cap);
        }
        if (c->n + 2 > off_cap) {
            off_cap *= 2;
            c->off = xrealloc(c->off, sizeof(long) * (size_t)off_cap);
        }
        memcpy(c->ids + c->n_ids, seq, sizeof(int32_t) * (size_t)len);
        c->n_ids += len;
        c->off[++c->n] = c->n_ids;
    }
    if (ferror(f)) {
        errf(err, errlen, name, c->lines + 1, "read error: %s", strerror(errno ? errno : EIO));
        goto fail;
    }
    if (texts == 0) {
        errf(err, errlen, name, 0, "empty corpus (no non-blank line)");
        goto fail;
    }
    if (c->n == 0) {
        errf(err, errlen, name, 0, "no text has a maskable token (all [UNK] or special)");
        goto fail;
    }
    free(line);
    free(seq);
    return 0;
fail:
    free(line);
    free(seq);
    mlm_corpus_free(c);
    return -1;
}

void mlm_corpus_free(mlm_corpus *c)
{
    free(c->ids);
    free(c->off);
    memset(c, 0, sizeof *c);
}

/* ----------------------------------------------------------------- training */

void pretrain_opts_default(pretrain_opts *o)
{
    o->batch = 32;
    o->steps = 0;
    o->lr = 5e-4;
    o->warmup = 0.06;
    o->weight_decay = 0.01;
    o->clip = 1.0;
    o->seed = 42;
}

int pretrainer_init(pretrainer *p, bert_model *m, const mlm_corpus *c, mlm_masker *mk,
                    const pretrain_opts *o, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (m->task != BERT_TASK_MLM) {
        errf(err, errlen, NULL, 0, "model is not built for masked-language modelling");
        return -1;
    }
    if (m->cfg.vocab_size != mk->V) {
        errf(err, errlen, NULL, 0, "model vocabulary size %d differs from the vocabulary's %d",
             m->cfg.vocab_size, mk->V);
        return -1;
    }
    if (o->batch < 1 || o->batch > m->max_batch || c->max_len > m->max_seq) {
        errf(err, errlen, NULL, 0, "batch %d x %d exceeds the model's buffers (%d x %d)", o->batch,
             c->max_len, m->max_batch, m->max_seq);
        return -1;
    }
    if (o->steps < 1 || !(o->lr >= 0) || !(o->warmup >= 0 && o->warmup <= 1) ||
        !(o->weight_decay >= 0) || c->n < 1) {
        errf(err, errlen, NULL, 0, "invalid pretraining options");
        return -1;
    }
    p->m = m, p->c = c, p->mk = mk, p->o = *o;
    p->warm = (long)ceil((double)o->steps * o->warmup);
    adamw_hparams hp = {(float)o->lr, 0.9f, 0.999f, 1e-8f, (float)o->weight_decay};
    adamw_init(&p->opt, m->opt, m->n_opt, &hp);
    rng_seed(&p->order_rng, o->seed);
    rng_seed(&p->mask_rng, o->seed ^ 0x6d61736b6d6c6d00ULL); /* "maskmlm" */
    bert_set_dropout_seed(m, o->seed);
    p->perm = xmalloc(sizeof(long) * (size_t)c->n);
    shuffle_index(p->perm, c->n, &p->order_rng);
    size_t bt = (size_t)o->batch * (size_t)c->max_len;
    p->ids = xmalloc(sizeof(int) * bt);
    p->labels = xmalloc(sizeof(int) * bt);
    p->amask = xmalloc(sizeof(int) * bt);
    p->pick = xmalloc(sizeof(long) * (size_t)o->batch);
    return 0;
}

void pretrain_next_batch(pretrainer *p, bert_batch *b)
{
    const mlm_corpus *c = p->c;
    int B = p->o.batch;
    long *pick = p->pick;
    int T = 0;
    for (int i = 0; i < B; i++) {
        if (p->pos == c->n) {
            p->epoch++;
            p->pos = 0;
            shuffle_index(p->perm, c->n, &p->order_rng);
        }
        pick[i] = p->perm[p->pos++];
        int len = (int)(c->off[pick[i] + 1] - c->off[pick[i]]);
        if (len > T)
            T = len;
    }
    /* dynamic padding: (B, T) with T the longest sequence of the batch */
    for (int i = 0; i < B; i++) {
        const int32_t *s = c->ids + c->off[pick[i]];
        int len = (int)(c->off[pick[i] + 1] - c->off[pick[i]]);
        int *ids = p->ids + (long)i * T, *lab = p->labels + (long)i * T, *am = p->amask + (long)i * T;
        for (int t = 0; t < T; t++) {
            ids[t] = t < len ? s[t] : p->mk->pad_id;
            am[t] = t < len;
        }
        mlm_mask(p->mk, &p->mask_rng, ids, lab, len);
        for (int t = len; t < T; t++)
            lab[t] = LABEL_IGNORE;
    }
    memset(b, 0, sizeof *b);
    b->B = B, b->T = T;
    b->input_ids = p->ids;
    b->attention_mask = p->amask;
    b->labels = p->labels;
}

long pretrain_count_correct(const bert_model *m, const int *labels, int B, int T, long *masked)
{
    int V = m->cfg.vocab_size;
    long BT = (long)B * T, ok = 0, k = 0; (void)BT; (void)labels;
    for (long i = 0; i < m->n_mrow; i++) {
        const float *row = m->logits + i * V;
        int best = 0;
        for (int v = 1; v < V; v++)
            if (row[v] > row[best])
                best = v;
        ok += best == m->labels_copy[i];
        k++;
    }
    if (masked)
        *masked = k;
    return ok;
}

int pretrain_step(pretrainer *p, pretrain_stats *s, char *err, size_t errlen)
{
    bert_batch b;
    pretrain_next_batch(p, &b);
    double lr = p->o.lr * lr_linear_warmup(p->step, p->warm, p->o.steps);
    float loss;
    bert_set_training(p->m, 1);
    if (bert_train_step(p->m, &p->opt, &b, (float)lr, (float)p->o.clip, &loss, err, errlen))
        return -1;
    p->step++;
    if (s) {
        s->loss = loss;
        s->correct = pretrain_count_correct(p->m, b.labels, b.B, b.T, &s->masked);
        long tok = 0;
        for (long i = 0; i < (long)b.B * b.T; i++)
            tok += p->amask[i];
        s->tokens = tok;
        s->B = b.B, s->T = b.T;
        s->lr = lr;
    }
    return 0;
}

void pretrainer_free(pretrainer *p)
{
    adamw_free(&p->opt);
    free(p->perm);
    free(p->ids);
    free(p->labels);
    free(p->amask);
    free(p->pick);
    memset(p, 0, sizeof *p);
}
