/* checkpoint.c -- see checkpoint.h */
#include "engine/checkpoint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/hfconfig.h"

/* ------------------------------------------------------------------ metadata */

static int meta_int(const st_file *f, const char *k, long lo, long hi, int *out, char *err, size_t errlen)
{
    const char *v = st_meta(f, k);
    long x;
    if (!v)
        return 0;
    if (parse_long(v, &x) || x < lo || x > hi) {
        errf(err, errlen, f->path, 0, "metadata '%s': bad value '%s'", k, v);
        return -1;
    }
    *out = (int)x;
    return 1;
}

int bert_meta_parse(const st_file *f, int n_layers, peft_config *p, bert_task *task,
                    bert_head_kind *head, char *err, size_t errlen)
{
    if (!st_meta(f, "sa") && !st_meta(f, "task"))
        return 0;
    peft_config q;
    peft_default(&q, n_layers);
    int v;
    if (meta_int(f, "sa", 0, 1 << 20, &q.sa, err, errlen) < 0 ||
        meta_int(f, "pa", 0, 1 << 20, &q.pa, err, errlen) < 0 ||
        meta_int(f, "pt", 0, 1 << 20, &q.pt, err, errlen) < 0 ||
        meta_int(f, "lora", 0, 1 << 20, &q.lora, err, errlen) < 0 ||
        meta_int(f, "prefix_mid", 1, 1 << 20, &q.prefix_mid, err, errlen) < 0)
        return -1;
    if ((v = meta_int(f, "full", 0, 1, &q.full, err, errlen)) < 0)
        return -1;
    const char *s = st_meta(f, "lora_alpha");
    if (s) {
        double d;
        if (parse_double(s, &d) || !(d > 0)) {
            errf(err, errlen, f->path, 0, "metadata 'lora_alpha': bad value '%s'", s);
            return -1;
        }
        q.lora_alpha = (float)d;
    }
    s = st_meta(f, "layers");
    if (s) {
        int l = 0;
        const char *c = s;
        while (*c) {
            if ((*c != '0' && *c != '1') || l >= PEFT_MAX_LAYERS) {
                errf(err, errlen, f->path, 0, "metadata 'layers': bad value '%s'", s);
                return -1;
            }
            q.layer_on[l++] = *c == '1';
            c++;
            if (*c == ',')
                c++;
        }
        if (l != n_layers) {
            errf(err, errlen, f->path, 0, "metadata 'layers': %d flags for a %d-layer model", l, n_layers);
            return -1;
        }
    }
    s = st_meta(f, "task");
    bert_task tk = BERT_TASK_CLS;
    bert_head_kind hk = BERT_HEAD_AUTO;
    if (s) {
        if (!strcmp(s, "cls")) tk = BERT_TASK_CLS;
        else if (!strcmp(s, "reg")) tk = BERT_TASK_REG;
        else if (!strcmp(s, "mlm")) tk = BERT_TASK_MLM;
        else if (!strcmp(s, "hf_cls")) tk = BERT_TASK_CLS, hk = BERT_HEAD_HF;
        else {
            errf(err, errlen, f->path, 0, "metadata 'task': bad value '%s'", s);
            return -1;
        }
    }
    s = st_meta(f, "head");
    if (s) {
        if (!strcmp(s, "autopeft")) hk = BERT_HEAD_AUTOPEFT;
        else if (!strcmp(s, "hf")) hk = BERT_HEAD_HF;
        else {
            errf(err, errlen, f->path, 0, "metadata 'head': bad value '%s'", s);
            return -1;
        }
    }
    if (p)
        *p = q;
    if (task)
        *task = tk;
    if (head)
        *head = hk;
    return 1;
}

/* ------------------------------------------------------------------ load */

static const st_tensor *lookup(const st_file *f, const char *name)
{
    char buf[160];
    const st_tensor *t = st_get(f, name);
    if (t)
        return t;
    snprintf(buf, sizeof buf, "bert.%s", name);
    if ((t = st_get(f, buf)))
        return t;
    if (strstr(name, "LayerNorm.")) {
        size_t n = strlen(name);
        const char *alias = NULL;
        if (n > 7 && !strcmp(name + n - 7, ".weight")) alias = ".gamma";
        else if (n > 5 && !strcmp(name + n - 5, ".bias")) alias = ".beta";
        if (alias) {
            size_t stem = n - (alias[1] == 'g' ? 7 : 5);
            snprintf(buf, sizeof buf, "%.*s%s", (int)stem, name, alias);
            if ((t = st_get(f, buf)))
                return t;
            char buf2[200];
            snprintf(buf2, sizeof buf2, "bert.%s", buf);
            if ((t = st_get(f, buf2)))
                return t;
        }
    }
    return NULL;
}

static void fmt_shape(char *buf, size_t n, int nd, const long long *s)
{
    size_t k = 0;
    k += snprintf(buf + k, n - k, "[");
    for (int i = 0; i < nd && k < n; i++)
        k += snprintf(buf + k, n - k, "%s%lld", i ? ", " : "", s[i]);
    if (k < n)
        snprintf(buf + k, n - k, "]");
}

/* Copy checkpoint tensor s into model tensor t after checking dtype and shape. */
static int load_tensor(const bert_model *m, const st_file *f, const st_tensor *s, bert_tensor *t,
                       const char *cpath, char *err, size_t errlen)
{
    if (s->dtype != ST_F32 && s->dtype != ST_F16 && s->dtype != ST_BF16 && s->dtype != ST_F64) {
        errf(err, errlen, f->path, 0, "tensor '%s': unsupported dtype %s (F32, F16, BF16 or F64 expected)",
             s->name, s->dtype_str);
        return -1;
    }
    int same = s->ndim == t->ndim;
    for (int d = 0; same && d < t->ndim; d++)
        same = s->shape[d] == t->shape[d];
    if (!same) {
        char a[96], b2[96];
        fmt_shape(a, sizeof a, s->ndim, s->shape);
        fmt_shape(b2, sizeof b2, t->ndim, t->shape);
        if (t->kind == BERT_T_HEAD && m->task != BERT_TASK_MLM)
            errf(err, errlen, f->path, 0, "tensor '%s': shape %s disagrees with the model's %d outputs (expected %s)",
                 s->name, a, m->C, b2);
        else
            errf(err, errlen, f->path, 0, "tensor '%s': shape %s disagrees with %s (expected %s)",
                 s->name, a, cpath, b2);
        return -1;
    }
    return st_to_f32(f, s, t->data, err, errlen);
}

/* Does the saved modules file carry exactly the configuration p? */
static int same_peft(const peft_config *a, const peft_config *b)
{
    if (a->sa != b->sa || a->pa != b->pa || a->pt != b->pt || a->lora != b->lora ||
        (a->full != 0) != (b->full != 0) || a->n_layers != b->n_layers)
        return 0;
    if (a->lora && a->lora_alpha != b->lora_alpha)
        return 0;
    if (a->pt && a->prefix_mid != b->prefix_mid)
        return 0;
    for (int l = 0; l < a->n_layers; l++)
        if ((a->layer_on[l] != 0) != (b->layer_on[l] != 0))
            return 0;
    return 1;
}

static void peft_describe(char *buf, size_t n, const peft_config *p)
{
    size_t k = (size_t)snprintf(buf, n, "sa %d pa %d pt %d lora %d%s layers ", p->sa, p->pa, p->pt, p->lora,
                                p->full ? " full" : "");
    for (int l = 0; l < p->n_layers && k + 2 < n; l++)
        k += (size_t)snprintf(buf + k, n - k, "%d", p->layer_on[l] ? 1 : 0);
}

/* Overlay the tensors of a modules file (train-eval --save) on a loaded base:
 * every tensor in the file must belong to the model, and every PEFT, head
 * (and, for HF heads, pooler) tensor of the model must be in the file. */
static int load_modules(bert_model *m, const st_file *g, unsigned char *present, const char *cpath,
                        char *err, size_t errlen)
{
    const char *path = g->path;
    int rc = -1;
    peft_config q;
    bert_task tk;
    bert_head_kind hk;
    int r = bert_meta_parse(g, m->cfg.layers, &q, &tk, &hk, err, errlen);
    if (r < 0)
        goto out;
    if (r == 0) {
        errf(err, errlen, path, 0, "no PEFT configuration in the metadata: not written by train-eval --save");
        goto out;
    }
    if (!same_peft(&q, &m->peft)) {
        char a[200], b[200];
        peft_describe(a, sizeof a, &q);
        peft_describe(b, sizeof b, &m->peft);
        errf(err, errlen, path, 0, "saved for another configuration (%s), not this one (%s)", a, b);
        goto out;
    }
    if (tk != m->task || (hk != BERT_HEAD_AUTO && hk != m->head)) {
        errf(err, errlen, path, 0, "saved for another task or head (%s, %s head)",
             tk == BERT_TASK_REG ? "regression" : tk == BERT_TASK_MLM ? "masked LM" : "classification",
             hk == BERT_HEAD_HF ? "hf" : "autopeft");
        goto out;
    }
    for (int i = 0; i < g->n; i++) {
        const st_tensor *s = &g->t[i];
        bert_tensor *t = bert_find(m, s->name);
        if (!t && !strncmp(s->name, "bert.", 5))
            t = bert_find(m, s->name + 5);
        if (!t) {
            errf(err, errlen, path, 0, "tensor '%s' is not part of this model and configuration", s->name);
            goto out;
        }
        if (load_tensor(m, g, s, t, cpath, err, errlen))
            goto out;
        present[t - m->tensors] = 2;
    }
    for (int i = 0; i < m->n_tensors; i++) {
        const bert_tensor *t = &m->tensors[i];
        int needed = t->kind == BERT_T_PEFT || t->kind == BERT_T_HEAD ||
                     (t->kind == BERT_T_POOLER && m->head == BERT_HEAD_HF) || m->peft.full;
        if (needed && present[i] != 2) {
            errf(err, errlen, path, 0, "missing tensor '%s'", t->name);
            goto out;
        }
    }
    rc = 0;
out:
    return rc;
}

bert_model *bert_load(const char *dir, const bert_opts *o, char *err, size_t errlen)
{
    char *cpath = dir_file(dir, "config.json"), *wpath = dir_file(dir, "model.safetensors");
    bert_model *m = NULL;
    st_file *f = NULL, *g = NULL;
    unsigned char *present = NULL;
    bert_config c;
    if (hfconfig_load(cpath, &c, err, errlen))
        goto out;
    f = st_open(wpath, err, errlen);
    if (!f)
        goto out;
    if (o->modules && !(g = st_open(o->modules, err, errlen)))
        goto out;
    peft_config p;
    peft_default(&p, c.layers);
    bert_task task = o->task;
    bert_head_kind head = o->head;
    if (o->peft) {
        p = *o->peft;
    } else if (g) {
        /* the saved modules carry their configuration, task and head */
        bert_task mt = task;
        bert_head_kind mh = head;
        if (bert_meta_parse(g, c.layers, &p, &mt, &mh, err, errlen) < 0)
            goto out;
        task = mt;
        head = mh;
    } else {
        bert_task mt;
        bert_head_kind mh;
        int r = bert_meta_parse(f, c.layers, &p, &mt, &mh, err, errlen);
        if (r < 0)
            goto out;
    }
    if (head == BERT_HEAD_AUTO && g) /* the saved modules decide the head */
        head = (task != BERT_TASK_MLM && st_get(g, "classifier.weight")) ? BERT_HEAD_HF : BERT_HEAD_AUTOPEFT;
    if (head == BERT_HEAD_AUTO)
        head = (task != BERT_TASK_MLM && lookup(f, "classifier.weight")) ? BERT_HEAD_HF : BERT_HEAD_AUTOPEFT;
    bert_opts oo = *o;
    oo.task = task;
    oo.head = head;
    if (g && task == BERT_TASK_CLS && oo.num_labels <= 0) {
        /* the saved head's outputs */
        const st_tensor *h = st_get(g, head == BERT_HEAD_HF ? "classifier.weight" : "head.out.weight");
        if (h && h->ndim == 2 && h->shape[0] >= 1 && h->shape[0] <= 1 << 20)
            oo.num_labels = (int)h->shape[0];
    }
    m = bert_build(&c, &p, &oo, err, errlen);
    if (!m) {
        char tmp[512];
        snprintf(tmp, sizeof tmp, "%s", err);
        errf(err, errlen, cpath, 0, "%s", tmp);
        goto out;
    }
    present = xcalloc(m->n_tensors, 1);
    for (int i = 0; i < m->n_tensors; i++) {
        bert_tensor *t = &m->tensors[i];
        const st_tensor *s = lookup(f, t->name);
        if (!s) {
            if (t->kind == BERT_T_BASE) {
                errf(err, errlen, wpath, 0, "missing tensor '%s'", t->name);
                goto fail;
            }
            continue;
        }
        if (load_tensor(m, f, s, t, cpath, err, errlen))
            goto fail;
        present[i] = 1;
    }
    if (g && load_modules(m, g, present, cpath, err, errlen))
        goto fail;
    bert_init_missing(m, present, o->seed);
    goto out;
fail:
    bert_free(m);
    m = NULL;
out:
    free(present);
    st_close(f);
    st_close(g);
    free(cpath);
    free(wpath);
    return m;
}

/* ------------------------------------------------------------------ save */

static int mkdir_p1(const char *dir, char *err, size_t errlen)
{
    if (mkdir(dir, 0777) == 0 || errno == EEXIST) {
        struct stat st;
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
            return 0;
    }
    errf(err, errlen, dir, 0, "cannot create directory: %s", strerror(errno));
    return -1;
}

int bert_save(const bert_model *m, const char *dir, st_dtype dtype, char *err, size_t errlen)
{
    return bert_save_kinds(m, dir, dtype, BERT_SAVE_ALL, err, errlen);
}

/* The PEFT configuration, task and head as safetensors metadata (keys of
 * tests/golden/README.md); strings live in *mb. */
typedef struct {
    char sa[24], pa[24], pt[24], lora[24], alpha[32], mid[24], full[8];
    char layers[2 * PEFT_MAX_LAYERS + 1];
} meta_bufs;

static int peft_meta(const bert_model *m, const peft_config *p, meta_bufs *mb, const char **meta,
                     int cap)
{
    snprintf(mb->sa, sizeof mb->sa, "%d", p->sa);
    snprintf(mb->pa, sizeof mb->pa, "%d", p->pa);
    snprintf(mb->pt, sizeof mb->pt, "%d", p->pt);
    snprintf(mb->lora, sizeof mb->lora, "%d", p->lora);
    snprintf(mb->alpha, sizeof mb->alpha, "%.9g", p->lora_alpha);
    snprintf(mb->mid, sizeof mb->mid, "%d", p->prefix_mid);
    snprintf(mb->full, sizeof mb->full, "%d", p->full ? 1 : 0);
    size_t k = 0;
    for (int l = 0; l < p->n_layers; l++)
        k += snprintf(mb->layers + k, sizeof mb->layers - k, "%s%d", l ? "," : "", p->layer_on[l] ? 1 : 0);
    const char *task = bert_task_name(m), *head = bert_head_name(m);
    const char *v[] = {"format", "pt", "sa", mb->sa, "pa", mb->pa, "pt", mb->pt, "lora", mb->lora,
                       "lora_alpha", mb->alpha, "prefix_mid", mb->mid, "layers", mb->layers, "full", mb->full,
                       "task", task, "head", head};
    int n = (int)(sizeof v / sizeof *v);
    if (n + 1 > cap)
        return -1;
    memcpy(meta, v, sizeof v);
    meta[n] = NULL;
    return n;
}

/* The tensors of the kinds set in kinds, stored as dtype, through the one
 * safetensors writer (st_write). */
static int write_tensors(const bert_model *m, const char *path, st_dtype dtype, unsigned kinds,
                         const char *const *meta, char *err, size_t errlen)
{
    st_out *t = xcalloc(m->n_tensors, sizeof *t);
    int n = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        if (!(kinds & (1u << m->tensors[i].kind)))
            continue;
        t[n].name = m->tensors[i].name;
        t[n].ndim = m->tensors[i].ndim;
        t[n].shape[0] = m->tensors[i].shape[0];
        t[n].shape[1] = m->tensors[i].shape[1];
        t[n].data = m->tensors[i].data;
        t[n].dtype = dtype;
        n++;
    }
    int rc = st_write(path, t, n, meta, err, errlen);
    free(t);
    return rc;
}

unsigned bert_trained_kinds(const bert_model *m)
{
    unsigned k = (1u << BERT_T_PEFT) | (1u << BERT_T_HEAD);
    if (m->head == BERT_HEAD_HF)
        k |= 1u << BERT_T_POOLER;
    if (m->peft.full)
        k |= BERT_SAVE_BASE;
    return k;
}

int bert_save_modules(const bert_model *m, const char *path, const char *const *extra, char *err,
                      size_t errlen)
{
    const char *meta[64];
    meta_bufs mb;
    int n = peft_meta(m, &m->peft, &mb, meta, 64);
    for (int i = 0; extra && extra[i] && n + 3 < 64; i += 2) {
        meta[n++] = extra[i];
        meta[n++] = extra[i + 1];
    }
    meta[n] = NULL;
    return write_tensors(m, path, ST_F32, bert_trained_kinds(m), meta, err, errlen);
}

static int save_dir(const bert_model *m, const peft_config *p, const char *dir, st_dtype dtype,
                    unsigned kinds, char *err, size_t errlen)
{
    if (dtype != ST_F32 && dtype != ST_F16 && dtype != ST_BF16) {
        errf(err, errlen, dir, 0, "unsupported output dtype");
        return -1;
    }
    if (mkdir_p1(dir, err, errlen))
        return -1;
    char *cpath = dir_file(dir, "config.json"), *wpath = dir_file(dir, "model.safetensors");
    int rc = -1;
    const char *meta[32];
    meta_bufs mb;
    peft_meta(m, p, &mb, meta, 32);
    /* a checkpoint without head and PEFT tensors carries no PEFT metadata */
    const char *meta_base[] = {"format", "pt", NULL};
    const char *const *mp = (kinds & ((1u << BERT_T_HEAD) | (1u << BERT_T_PEFT))) ? meta : meta_base;
    if (hfconfig_save(cpath, &m->cfg, err, errlen))
        goto out;
    rc = write_tensors(m, wpath, dtype, kinds, mp, err, errlen);
out:
    free(cpath);
    free(wpath);
    return rc;
}

int bert_save_kinds(const bert_model *m, const char *dir, st_dtype dtype, unsigned kinds,
                    char *err, size_t errlen)
{
    return save_dir(m, &m->peft, dir, dtype, kinds, err, errlen);
}

int bert_save_encoder(const bert_model *m, const char *dir, st_dtype dtype, char *err, size_t errlen)
{
    peft_config p = m->peft;
    p.full = 0;
    return save_dir(m, &p, dir, dtype, BERT_SAVE_ALL, err, errlen);
}
