/* traineval.c -- see traineval.h */
#include "train/traineval.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "engine/checkpoint.h"
#include "config/hfconfig.h"

void te_options_default(te_options *o)
{
    memset(o, 0, sizeof *o);
    o->epochs = 3;
    o->lr = 1e-4;
    o->batch = 32;
    o->max_len = 128;
    o->seed = 42;
    o->eval_every = 0;
    o->patience = 0;
    o->warmup = 0.0;
    o->weight_decay = 0.0;
    o->clip = 1.0;
    o->dropout = -1;
    o->log = stderr;
}

int te_encode(te_set *s, const task_dataset *ds, wp_tokenizer *t, int max_len, const char *name,
              char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->n = ds->n;
    s->off = xmalloc((size_t)(ds->n + 1) * sizeof *s->off);
    s->len = xmalloc((size_t)(ds->n ? ds->n : 1) * sizeof *s->len);
    s->label = xmalloc((size_t)(ds->n ? ds->n : 1) * sizeof *s->label);
    s->target = xmalloc((size_t)(ds->n ? ds->n : 1) * sizeof *s->target);
    s->ids = xmalloc((size_t)(ds->n ? ds->n : 1) * (size_t)max_len * sizeof *s->ids);
    s->tt = xmalloc((size_t)(ds->n ? ds->n : 1) * (size_t)max_len * sizeof *s->tt);
    long off = 0;
    for (long i = 0; i < ds->n; i++) {
        const task_example *e = &ds->ex[i];
        int len = 0;
        int rc = wp_encode(t, e->text_a, strlen(e->text_a), e->text_b, e->text_b ? strlen(e->text_b) : 0,
                           max_len, s->ids + off, s->tt + off, &len);
        if (rc != 0) {
            errf(err, errlen, name, e->line, "%s", rc == WP_EMAXLEN ? "--max-len must be at least 3"
                                                  : "invalid UTF-8 in the text");
            te_set_free(s);
            return -1;
        }
        s->off[i] = off;
        s->len[i] = len;
        s->label[i] = e->label;
        s->target[i] = (float)e->value;
        off += len; /* compact: the padding written past len is overwritten by the next example */
        s->tokens += len;
    }
    s->off[ds->n] = off;
    return 0;
}

void te_set_free(te_set *s)
{
    free(s->off);
    free(s->len);
    free(s->label);
    free(s->target);
    free(s->ids);
    free(s->tt);
    memset(s, 0, sizeof *s);
}

void te_result_free(te_result *r)
{
    free(r->pred_class);
    free(r->pred_value);
    free(r->pred_logits);
    r->pred_class = NULL;
    r->pred_value = NULL;
    r->pred_logits = NULL;
}

/* Batch buffers, sized (batch, max_len) once per configuration. */
typedef struct {
    int *ids, *tt, *mask, *labels;
    float *targets;
} te_buf;

static void buf_init(te_buf *b, int B, int T)
{
    size_t n = (size_t)B * (size_t)T;
    b->ids = xcalloc(n, sizeof *b->ids);
    b->tt = xcalloc(n, sizeof *b->tt);
    b->mask = xcalloc(n, sizeof *b->mask);
    b->labels = xcalloc((size_t)B, sizeof *b->labels);
    b->targets = xcalloc((size_t)B, sizeof *b->targets);
}

static void buf_free(te_buf *b)
{
    free(b->ids);
    free(b->tt);
    free(b->mask);
    free(b->labels);
    free(b->targets);
}

/* Fill a batch with examples idx[0..B) of s, padded to their longest. */
static void make_batch(bert_batch *bb, te_buf *b, const te_set *s, const long *idx, int B, int pad_id,
                       int regression, int with_labels)
{
    int T = 1;
    for (int i = 0; i < B; i++)
        if (s->len[idx[i]] > T)
            T = s->len[idx[i]];
    for (int i = 0; i < B; i++) {
        long e = idx[i];
        int len = s->len[e];
        const int32_t *ids = s->ids + s->off[e], *tt = s->tt + s->off[e];
        for (int t = 0; t < T; t++) {
            int real = t < len;
            b->ids[i * T + t] = real ? ids[t] : pad_id;
            b->tt[i * T + t] = real ? tt[t] : 0;
            b->mask[i * T + t] = real;
        }
        b->labels[i] = s->label[e];
        b->targets[i] = s->target[e];
    }
    memset(bb, 0, sizeof *bb);
    bb->B = B;
    bb->T = T;
    bb->input_ids = b->ids;
    bb->token_type_ids = b->tt;
    bb->attention_mask = b->mask;
    if (with_labels) {
        if (regression)
            bb->targets = b->targets;
        else
            bb->labels = b->labels;
    }
}

/* Evaluate on dev: fills pred arrays and metrics; returns 0 or -1. */
static int evaluate(bert_model *m, const task_spec *sp, const te_set *dev, const task_dataset *dev_ds,
                    te_buf *buf, int batch, int pad_id, int *pred_class, double *pred_value,
                    float *logits, double *metrics, char *err, size_t errlen)
{
    long idx[4096];
    bert_set_training(m, 0);
    for (long b0 = 0; b0 < dev->n; b0 += batch) {
        int B = (int)(dev->n - b0 < batch ? dev->n - b0 : batch);
        for (int i = 0; i < B; i++)
            idx[i] = b0 + i;
        bert_batch bb;
        make_batch(&bb, buf, dev, idx, B, pad_id, sp->regression, 0);
        if (bert_forward(m, &bb, NULL, err, errlen) < 0)
            return -1;
        for (int i = 0; i < B; i++) {
            const float *lg = m->logits + (size_t)i * m->C;
            if (logits)
                memcpy(logits + (size_t)(b0 + i) * m->C, lg, sizeof(float) * (size_t)m->C);
            if (sp->regression) {
                pred_value[b0 + i] = lg[0];
                if (!isfinite(lg[0])) {
                    snprintf(err, errlen, "the model's output is not finite");
                    return -1;
                }
            } else {
                int best = 0;
                for (int c = 1; c < m->C; c++)
                    if (lg[c] > lg[best])
                        best = c;
                if (!isfinite(lg[best])) {
                    snprintf(err, errlen, "the model's output is not finite");
                    return -1;
                }
                pred_class[b0 + i] = best;
            }
        }
    }
    task_score(sp, dev_ds, sp->regression ? NULL : pred_class, sp->regression ? pred_value : NULL, metrics);
    return 0;
}

static void fmt_eta(char *buf, size_t n, double s)
{
    if (!(s >= 0) || s > 360000)
        s = 0;
    long t = (long)(s + 0.5);
    snprintf(buf, n, "%ld:%02ld:%02ld", t / 3600, (t / 60) % 60, t % 60);
}

/* The trained tensors (bert_trained_kinds) copied out at the best
 * evaluation, so that save writes the weights the record's score is from. */
static long snap_size(const bert_model *m)
{
    unsigned k = bert_trained_kinds(m);
    long n = 0;
    for (int i = 0; i < m->n_tensors; i++)
        if (k & (1u << m->tensors[i].kind))
            n += m->tensors[i].n;
    return n;
}

static void snap_copy(bert_model *m, float *snap, int restore)
{
    unsigned k = bert_trained_kinds(m);
    long off = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        bert_tensor *t = &m->tensors[i];
        if (!(k & (1u << t->kind)))
            continue;
        if (restore)
            memcpy(t->data, snap + off, sizeof(float) * (size_t)t->n);
        else
            memcpy(snap + off, t->data, sizeof(float) * (size_t)t->n);
        off += t->n;
    }
}

/* DIR/config.json, then DIR/modules.safetensors (each atomically; the
 * modules file is written last, so its presence means the save finished). */
static int save_dir(const bert_model *m, const char *dir, const char *const *meta, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
        errf(err, errlen, dir, 0, "cannot create the --save directory: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        errf(err, errlen, dir, 0, "cannot save: %s", strerror(ENOTDIR));
        return -1;
    }
    char *c = dir_file(dir, "config.json"), *w = dir_file(dir, BERT_MODULES_FILE);
    int rc = hfconfig_save(c, &m->cfg, err, errlen);
    if (!rc)
        rc = bert_save_modules(m, w, meta, err, errlen);
    free(c);
    free(w);
    return rc;
}

void te_run(const te_options *o, const peft_config *pc_in, const task_spec *sp, const te_set *train,
            const te_set *dev, const task_dataset *dev_ds, const char *id, te_result *r)
{
    char err[512] = "";
    double t0 = now_seconds();
    memset(r, 0, sizeof *r);
    for (int k = 0; k < TE_MAX_METRICS; k++)
        r->best[k] = r->final[k] = NAN;

    peft_config pc = *pc_in;
    if (o->full)
        pc.full = 1;
    bert_opts bo;
    bert_opts_default(&bo);
    bo.peft = &pc;
    bo.task = sp->regression ? BERT_TASK_REG : BERT_TASK_CLS;
    bo.num_labels = sp->regression ? 1 : sp->n_labels;
    bo.max_batch = o->batch;
    bo.max_seq = o->max_len;
    bo.seed = o->seed;
    bo.dropout = (float)o->dropout; /* < 0: the checkpoint's */
    char *mod_path = o->load ? dir_file(o->load, BERT_MODULES_FILE) : NULL;
    bo.modules = mod_path;
    if (mod_path && o->labels) {
        st_file *g = st_open(mod_path, err, sizeof err);
        const char *sl = g ? st_meta(g, "labels") : NULL;
        int differ = sl && strcmp(sl, o->labels);
        if (differ)
            errf(err, sizeof err, mod_path, 0, "saved with the labels %s, but the task's are %s", sl, o->labels);
        st_close(g);
        if (!g || differ) {
            snprintf(r->message, sizeof r->message, "%s", err);
            free(mod_path);
            r->seconds = now_seconds() - t0;
            return;
        }
    }
    bert_model *m = bert_load(o->model_dir, &bo, err, sizeof err);
    free(mod_path);
    if (!m) {
        snprintf(r->message, sizeof r->message, "%s", err);
        r->seconds = now_seconds() - t0;
        return;
    }
    if (o->verbose && o->log)
        fprintf(o->log, "train-eval: %s: head %s, %lld parameters added, %lld trainable\n", id,
                m->head == BERT_HEAD_HF ? "hf (pooler + classifier, from the checkpoint)" : "autopeft ([CLS] dense-tanh-out)",
                bert_params_added(m), bert_params_trainable(m));
    r->params = bert_params_added(m);
    r->trainable = bert_params_trainable(m);
    r->base = bert_params_base(m);
    r->params_pct = r->base > 0 ? 100.0 * (double)r->params / (double)r->base : 0;
    if (!sp->regression && m->C != sp->n_labels) {
        snprintf(r->message, sizeof r->message, "the checkpoint's classifier has %d outputs but task %s has %d labels",
                 m->C, sp->name, sp->n_labels);
        bert_free(m);
        r->seconds = now_seconds() - t0;
        return;
    }

    int pad_id = 0;
    te_buf buf;
    buf_init(&buf, o->batch, o->max_len);
    int *pc_cur = xcalloc((size_t)(dev->n ? dev->n : 1), sizeof *pc_cur);
    double *pv_cur = xcalloc((size_t)(dev->n ? dev->n : 1), sizeof *pv_cur);
    r->pred_class = xcalloc((size_t)(dev->n ? dev->n : 1), sizeof *r->pred_class);
    r->pred_value = xcalloc((size_t)(dev->n ? dev->n : 1), sizeof *r->pred_value);
    long *perm = xmalloc((size_t)(train->n ? train->n : 1) * sizeof *perm);
    float *lg_cur = NULL, *snap = NULL;
    r->n_out = m->C;
    if (o->keep_logits) {
        lg_cur = xcalloc((size_t)(dev->n ? dev->n : 1) * (size_t)m->C, sizeof *lg_cur);
        r->pred_logits = xcalloc((size_t)(dev->n ? dev->n : 1) * (size_t)m->C, sizeof *r->pred_logits);
    }
    if (o->save && o->epochs > 0)
        snap = xmalloc((size_t)snap_size(m) * sizeof *snap + 1);
    adamw opt;
    /* the record's peak rate: --full-lr for full fine-tuning, else --lr */
    double lr_peak = (pc.full && o->full_lr > 0) ? o->full_lr : o->lr;
    adamw_hparams hp = {(float)lr_peak, 0.9f, 0.999f, 1e-8f, (float)o->weight_decay};
    rng_t rng;
    rng_seed(&rng, o->seed ^ 0x5eed0da7aULL);
    bert_set_dropout_seed(m, o->seed);

    long spe = train->n > 0 ? (train->n + o->batch - 1) / o->batch : 0;
    long total = (long)o->epochs * spe;
    long warm = (long)llround(o->warmup * (double)total);
    long step = 0, tokens = 0;
    int evals = 0, since_best = 0, stopped = 0;
    double best_main = -INFINITY, loss_sum = 0;
    long loss_n = 0;
    double metrics[TE_MAX_METRICS];
    double t_train = now_seconds();
    if (o->prefix_lr > 0 && lr_peak > 0)
        bert_set_lr_mult(m, "prefix.", (float)(o->prefix_lr / lr_peak));
    if (adamw_init_try(&opt, m->opt, m->n_opt, &hp) < 0) {
        snprintf(err, sizeof err, "cannot allocate the optimiser state for %lld trainable parameters",
                 r->trainable);
        goto fail;
    }

    if (o->epochs > 0 && train->n == 0) {
        snprintf(err, sizeof err, "the training set is empty");
        goto fail;
    }
    /* Divergence: the loss of a constant prediction (log K for K classes;
     * the variance of the targets for regression) sets the scale; a
     * training loss averaged over an evaluation window above twice
     * max(that, the first step's loss) means the run diverged. */
    double ref_loss = 0, first_loss = -1;
    if (sp->regression) {
        double mu = 0, v = 0;
        for (long i = 0; i < train->n; i++)
            mu += train->target[i];
        mu /= (double)(train->n ? train->n : 1);
        for (long i = 0; i < train->n; i++)
            v += (train->target[i] - mu) * (train->target[i] - mu);
        ref_loss = v / (double)(train->n ? train->n : 1);
    } else {
        ref_loss = log((double)(sp->n_labels > 1 ? sp->n_labels : 2));
    }
    for (int ep = 0; ep < o->epochs && !stopped; ep++) {
        shuffle_index(perm, train->n, &rng);
        for (long b0 = 0; b0 < train->n && !stopped; b0 += o->batch) {
            int B = (int)(train->n - b0 < o->batch ? train->n - b0 : o->batch);
            bert_batch bb;
            make_batch(&bb, &buf, train, perm + b0, B, pad_id, sp->regression, 1);
            for (int i = 0; i < B; i++)
                tokens += train->len[perm[b0 + i]];
            bert_set_training(m, 1);
            float loss = 0;
            float lr = (float)(lr_peak * lr_linear_warmup(step, warm, total));
            if (bert_train_step(m, &opt, &bb, lr, (float)o->clip, &loss, err, sizeof err) < 0)
                goto fail;
            if (!isfinite(loss)) {
                snprintf(err, sizeof err, "the training loss is not finite (%g) at step %ld", (double)loss, step + 1);
                goto fail;
            }
            if (first_loss < 0)
                first_loss = loss;
            loss_sum += loss;
            loss_n++;
            step++;
            int end_epoch = b0 + o->batch >= train->n;
            if ((o->eval_every > 0 && step % o->eval_every == 0) || (o->eval_every <= 0 && end_epoch) ||
                step == total) {
                if (evaluate(m, sp, dev, dev_ds, &buf, o->batch, pad_id, pc_cur, pv_cur, lg_cur, metrics, err,
                             sizeof err) < 0)
                    goto fail;
                evals++;
                memcpy(r->final, metrics, sizeof metrics);
                r->final_loss = loss_sum / (double)(loss_n ? loss_n : 1);
                {
                    double lim = 2 * (first_loss > ref_loss ? first_loss : ref_loss);
                    if (r->final_loss > lim) {
                        snprintf(err, sizeof err,
                                 "training diverged: mean loss %.4g at step %ld, above twice the larger of the "
                                 "first step's %.4g and a constant prediction's %.4g (lower --lr)",
                                 r->final_loss, step, first_loss, ref_loss);
                        goto fail;
                    }
                }
                if (metrics[0] > best_main || evals == 1) {
                    if (metrics[0] > best_main)
                        best_main = metrics[0];
                    memcpy(r->best, metrics, sizeof metrics);
                    memcpy(r->pred_class, pc_cur, (size_t)dev->n * sizeof *pc_cur);
                    memcpy(r->pred_value, pv_cur, (size_t)dev->n * sizeof *pv_cur);
                    if (lg_cur)
                        memcpy(r->pred_logits, lg_cur, (size_t)dev->n * (size_t)m->C * sizeof *lg_cur);
                    if (snap)
                        snap_copy(m, snap, 0);
                    since_best = 0;
                } else {
                    since_best++;
                }
                if (!o->quiet && o->log) {
                    double el = now_seconds() - t_train;
                    char eta[32];
                    fmt_eta(eta, sizeof eta, step > 0 ? el / (double)step * (double)(total - step) : 0);
                    fprintf(o->log,
                            "train-eval: %s epoch %.2f/%d step %ld/%ld loss %.4f dev %s %.4f (best %.4f) %.0f tok/s ETA %s\n",
                            id, (double)step / (double)spe, o->epochs, step, total, r->final_loss,
                            sp->metrics[0], metrics[0], r->best[0], el > 0 ? (double)tokens / el : 0.0, eta);
                    fflush(o->log);
                }
                loss_sum = 0;
                loss_n = 0;
                if (o->patience > 0 && since_best >= o->patience)
                    stopped = 1;
            }
        }
    }
    if (o->epochs <= 0) {
        if (evaluate(m, sp, dev, dev_ds, &buf, o->batch, pad_id, r->pred_class, r->pred_value, r->pred_logits,
                     metrics, err, sizeof err) < 0)
            goto fail;
        memcpy(r->best, metrics, sizeof metrics);
        memcpy(r->final, metrics, sizeof metrics);
        if (!o->quiet && o->log)
            fprintf(o->log, "train-eval: %s as loaded: dev %s %.4f\n", id, sp->metrics[0], metrics[0]);
    }
    if (isnan(r->best[0])) {
        snprintf(err, sizeof err, "dev %s is undefined (constant predictions?)", sp->metrics[0]);
        goto fail;
    }
    r->ok = 1;
    if (o->save) {
        if (snap)
            snap_copy(m, snap, 1);
        if (save_dir(m, o->save, o->save_meta, err, sizeof err) < 0) {
            r->save_failed = 1;
            snprintf(r->message, sizeof r->message, "%s", err);
        }
    }
    goto done;
fail:
    r->ok = 0;
    snprintf(r->message, sizeof r->message, "%s", err);
done:
    r->steps = step;
    r->epochs = spe > 0 ? (double)step / (double)spe : 0;
    adamw_free(&opt);
    free(perm);
    free(pc_cur);
    free(pv_cur);
    free(lg_cur);
    free(snap);
    buf_free(&buf);
    bert_free(m);
    r->seconds = now_seconds() - t0;
}
