/* test_golden.c -- the C engine against the PyTorch reference
 * (tests/ref/make_golden.py, float64 maths; see tests/golden/README.md).
 *
 * For every case directory under the golden dir (argv[1], default
 * "tests/golden") holding config.json, model.safetensors and
 * golden.safetensors: load the checkpoint with the PEFT configuration, task
 * and head from golden.safetensors' metadata, run forward + backward on the
 * golden inputs, then 5 AdamW steps with the metadata's hyper-parameters.
 *
 * Tolerances (the engine is float32; the reference float64; the float32
 * PyTorch run lands 2e-7..5e-6 from it, see make_golden.py's output):
 *   logits, loss:  atol 2e-5 + rtol 2e-5 * max|ref|   (measured <= 4.2e-6)
 *   grad.NAME:     2e-4 * max(max|ref_NAME|, 1e-3 * max over all grads)
 *                  (the floor: a key bias gets a mathematically zero
 *                  gradient without a prefix, so its float32 value is
 *                  rounding noise relative to the other gradients;
 *                  measured <= 3.1e-5 relative, full fine-tuning)
 *   adamw_losses:  atol 2e-5 + rtol 2e-5 * max|ref|   (measured <= 9.6e-7)
 * Every trainable tensor of the engine must have a grad.NAME and every
 * grad.NAME must be a trainable tensor of the engine. */
#include "engine/bert.h"
#include "engine/checkpoint.h"
#include "check.h"
#include "engine/ops.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int exists(const char *dir, const char *f)
{
    char p[2200];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, f);
    return stat(p, &st) == 0;
}

static double meta_num(const st_file *f, const char *k, double dflt)
{
    const char *v = st_meta(f, k);
    double d;
    if (!v || parse_double(v, &d)) {
        fprintf(stderr, "%s: metadata '%s' missing or bad\n", f->path, k);
        check_failures_++;
        return dflt;
    }
    return d;
}

static float *get_f32(const st_file *f, const char *name, long *n)
{
    char err[512];
    const st_tensor *t = st_get(f, name);
    if (!t) {
        fprintf(stderr, "%s: missing '%s'\n", f->path, name);
        check_failures_++;
        return NULL;
    }
    float *x = xmalloc(sizeof(float) * (st_numel(t) ? st_numel(t) : 1));
    if (st_to_f32(f, t, x, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        check_failures_++;
        free(x);
        return NULL;
    }
    if (n) *n = (long)st_numel(t);
    return x;
}

static int *get_int(const st_file *f, const char *name, long *n)
{
    char err[512];
    const st_tensor *t = st_get(f, name);
    if (!t) {
        fprintf(stderr, "%s: missing '%s'\n", f->path, name);
        check_failures_++;
        return NULL;
    }
    long long cnt = st_numel(t);
    long long *y = xmalloc(sizeof(long long) * (cnt ? cnt : 1));
    int *x = xmalloc(sizeof(int) * (cnt ? cnt : 1));
    if (st_to_i64(f, t, y, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        check_failures_++;
        free(y), free(x);
        return NULL;
    }
    for (long long i = 0; i < cnt; i++) x[i] = (int)y[i];
    free(y);
    if (n) *n = (long)cnt;
    return x;
}

static void run_case(const char *dir, const char *cname)
{
    char err[1024], gpath[2200], label[256];
    snprintf(gpath, sizeof gpath, "%s/golden.safetensors", dir);
    printf("case %s\n", cname);
    st_file *g = st_open(gpath, err, sizeof err);
    CHECK_MSG(g != NULL, "%s", err);
    if (!g) return;
    const st_tensor *ti = st_get(g, "input_ids");
    CHECK(ti && ti->ndim == 2);
    if (!ti || ti->ndim != 2) { st_close(g); return; }
    int B = (int)ti->shape[0], T = (int)ti->shape[1];

    /* the checkpoint's layer count is needed to parse the layer flags */
    const char *lay = st_meta(g, "layers");
    int nl = 1;
    for (const char *c = lay ? lay : ""; *c; c++) nl += *c == ',';
    peft_config p;
    bert_task task;
    bert_head_kind head;
    int r = bert_meta_parse(g, nl, &p, &task, &head, err, sizeof err);
    CHECK_MSG(r == 1, "metadata: %s", r < 0 ? err : "absent");
    if (r != 1) { st_close(g); return; }

    bert_opts o;
    bert_opts_default(&o);
    o.peft = &p, o.task = task, o.head = head, o.max_batch = B, o.max_seq = T;
    bert_model *m = bert_load(dir, &o, err, sizeof err);
    CHECK_MSG(m != NULL, "load: %s", err);
    if (!m) { st_close(g); return; }

    int *ids = get_int(g, "input_ids", NULL), *tt = get_int(g, "token_type_ids", NULL);
    int *am = get_int(g, "attention_mask", NULL);
    int *lab = NULL;
    float *tgt = NULL;
    if (task == BERT_TASK_REG) tgt = get_f32(g, "labels", NULL);
    else lab = get_int(g, "labels", NULL);
    long nlog = 0;
    float *ref_logits = get_f32(g, "logits", &nlog), *ref_loss = get_f32(g, "loss", NULL);
    long nadam = 0;
    float *ref_adam = get_f32(g, "adamw_losses", &nadam);
    if (!ids || !tt || !am || (!lab && !tgt) || !ref_logits || !ref_loss || !ref_adam) goto done;

    bert_batch bb = {B, T, ids, tt, am, lab, tgt};
    float loss;
    bert_set_training(m, 0);
    long want = task == BERT_TASK_MLM ? (long)B * T * m->C : (long)B * m->C;
    CHECK_MSG(nlog == want, "logits: golden has %ld values, engine %ld", nlog, want);
    if (nlog != want) goto done;
    int rc;
    if (task == BERT_TASK_MLM) {
        /* Without labels the MLM head scores every position ... */
        bert_batch nb = bb;
        nb.labels = NULL;
        rc = bert_forward(m, &nb, NULL, err, sizeof err);
        CHECK_MSG(rc == 0, "forward: %s", err);
        if (rc) goto done;
        snprintf(label, sizeof label, "%s logits (all positions)", cname);
        CHECK_CLOSE(label, m->logits, ref_logits, nlog, 2e-5, 2e-5);
    }
    rc = bert_forward(m, &bb, &loss, err, sizeof err);
    CHECK_MSG(rc == 0, "forward: %s", err);
    if (rc) goto done;
    if (task == BERT_TASK_MLM) {
        /* ... with labels only the labelled ones, in order (m->mrow). */
        float *sel = malloc(sizeof(float) * (size_t)(m->n_mrow ? m->n_mrow : 1) * (size_t)m->C);
        long nl = 0;
        for (long i = 0; i < (long)B * T; i++)
            nl += lab[i] != LABEL_IGNORE;
        CHECK_MSG(m->n_mrow == nl, "labelled rows: engine %d, golden %ld", m->n_mrow, nl);
        for (int k = 0; k < m->n_mrow; k++)
            memcpy(sel + (long)k * m->C, ref_logits + (long)m->mrow[k] * m->C, sizeof(float) * (size_t)m->C);
        snprintf(label, sizeof label, "%s logits (labelled positions)", cname);
        CHECK_CLOSE(label, m->logits, sel, (long)m->n_mrow * m->C, 2e-5, 2e-5);
        free(sel);
    } else {
        snprintf(label, sizeof label, "%s logits", cname);
        CHECK_CLOSE(label, m->logits, ref_logits, nlog, 2e-5, 2e-5);
    }
    snprintf(label, sizeof label, "%s loss", cname);
    CHECK_CLOSE(label, &loss, ref_loss, 1, 2e-5, 2e-5);

    bert_zero_grad(m);
    bert_backward(m);
    /* global gradient scale for the tolerance floor */
    double gmax = 0;
    for (int i = 0; i < g->n; i++)
        if (!strncmp(g->t[i].name, "grad.", 5)) {
            long n;
            float *x = get_f32(g, g->t[i].name, &n);
            for (long k = 0; x && k < n; k++) gmax = fmax(gmax, fabs(x[k]));
            free(x);
        }
    int n_cmp = 0;
    double worst = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        bert_tensor *t = &m->tensors[i];
        if (!t->grad) continue;
        char gname[160];
        snprintf(gname, sizeof gname, "grad.%s", t->name);
        const st_tensor *gt = st_get(g, gname);
        CHECK_MSG(gt != NULL, "%s: engine trains '%s' but the golden file has no %s", cname, t->name, gname);
        if (!gt) continue;
        CHECK_MSG(st_numel(gt) == t->n, "%s: %s size", cname, gname);
        if (st_numel(gt) != t->n) continue;
        float *ref = get_f32(g, gname, NULL);
        if (!ref) continue;
        double tmax = 0;
        for (long k = 0; k < t->n; k++) tmax = fmax(tmax, fabs(ref[k]));
        double scale = fmax(tmax, 1e-3 * gmax);
        double d = max_abs_diff_f(t->grad, ref, t->n), tol = 2e-4 * scale;
        check_count_++;
        n_cmp++;
        if (d / scale > worst) worst = d / scale;
        if (!(d <= tol)) {
            check_failures_++;
            fprintf(stderr, "FAIL %s %-50s max|diff|=%.3e tol=%.3e\n", cname, gname, d, tol);
        } else if (getenv("GOLDEN_VERBOSE")) {
            printf("  ok %s %-50s max|diff|=%.3e tol=%.3e\n", cname, gname, d, tol);
        }
        free(ref);
    }
    int n_gold = 0;
    for (int i = 0; i < g->n; i++)
        if (!strncmp(g->t[i].name, "grad.", 5)) {
            n_gold++;
            bert_tensor *t = bert_find(m, g->t[i].name + 5);
            CHECK_MSG(t && t->grad, "%s: golden has %s but the engine does not train it", cname, g->t[i].name);
        }
    CHECK_MSG(n_gold == m->n_opt, "%s: %d golden grads, %d trainable tensors", cname, n_gold, m->n_opt);
    printf("  %s: %d gradient tensors compared, worst max|diff| / scale = %.3e (tol 2e-4)\n", cname,
           n_cmp, worst);

    /* 5 AdamW steps */
    adamw_hparams hp = {(float)meta_num(g, "lr", 0), (float)meta_num(g, "beta1", 0.9),
                        (float)meta_num(g, "beta2", 0.999), (float)meta_num(g, "eps", 1e-8),
                        (float)meta_num(g, "weight_decay", 0)};
    long warm = (long)meta_num(g, "warmup_steps", 0), total = (long)meta_num(g, "total_steps", 5);
    double clip = meta_num(g, "clip_norm", 1.0);
    CHECK(nadam == total + 1);
    if (nadam != total + 1) goto done;
    adamw opt;
    adamw_init(&opt, m->opt, m->n_opt, &hp);
    float *got = xcalloc(nadam, sizeof(float));
    for (long s = 0; s < total; s++) {
        float lr = (float)(hp.lr * lr_linear_warmup(s, warm, total));
        rc = bert_train_step(m, &opt, &bb, lr, (float)clip, &got[s], err, sizeof err);
        CHECK_MSG(rc == 0, "%s", err);
    }
    bert_forward(m, &bb, &got[total], err, sizeof err);
    snprintf(label, sizeof label, "%s adamw_losses (%ld steps)", cname, total);
    CHECK_CLOSE(label, got, ref_adam, nadam, 2e-5, 2e-5);
    free(got);
    adamw_free(&opt);
done:
    free(ids), free(tt), free(am), free(lab), free(tgt), free(ref_logits), free(ref_loss), free(ref_adam);
    bert_free(m);
    st_close(g);
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "tests/golden";
    /* AUTOPEFT_THREADS=N: run the engine on N threads (ops_set_threads);
     * unset: the serial engine. `make check` runs this test both ways. */
    const char *th = getenv("AUTOPEFT_THREADS");
    if (th && *th)
        ops_set_threads(atoi(th));
    DIR *d = opendir(root);
    CHECK_MSG(d != NULL, "cannot open %s", root);
    if (!d) return check_status("test_golden");
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        if (e->d_name[0] == '.') continue;
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
        if (exists(dir, "golden.safetensors") && exists(dir, "model.safetensors") && exists(dir, "config.json"))
            names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof names[0], cmpstr);
    CHECK_MSG(n > 0, "no golden cases under %s", root);
    for (int i = 0; i < n; i++) {
        char dir[1100];
        snprintf(dir, sizeof dir, "%s/%s", root, names[i]);
        run_case(dir, names[i]);
        free(names[i]);
    }
    printf("test_golden: %d cases\n", n);
    return check_status("test_golden");
}
