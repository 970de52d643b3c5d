/* test_export.c -- the C engine against the exported files as the Python
 * libraries load them (tests/ref/make_export_golden.py, export_ref.py).
 *
 * For every case directory under the export golden dir (argv[1], default
 * "tests/golden/export") holding saved/ and golden.safetensors: load the
 * shared base (base/) with the saved modules over it, exactly as
 * train-eval --load does, run forward on the golden inputs, and compare
 * the logits with logits.FMT for every format exported: what Hugging Face
 * PEFT or AdapterHub adapters would compute from the files export wrote.
 * Tolerance: max |difference| <= 1e-4 (the bound; the engine is
 * float32, the reference float64; measured values are printed). The
 * export files themselves are compared byte for byte with a fresh export
 * by tests/export.bats. */
#include "engine/bert.h"
#include "engine/checkpoint.h"
#include "check.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int has(const char *dir, const char *f)
{
    char p[2200];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, f);
    return stat(p, &st) == 0;
}

static void *get(const st_file *f, const char *name, int want_i64, long *n)
{
    char err[512];
    const st_tensor *t = st_get(f, name);
    if (!t) {
        fprintf(stderr, "%s: missing '%s'\n", f->path, name);
        check_failures_++;
        return NULL;
    }
    *n = (long)st_numel(t);
    void *x = xmalloc((want_i64 ? sizeof(long long) : sizeof(float)) * (size_t)(*n ? *n : 1));
    int rc = want_i64 ? st_to_i64(f, t, x, err, sizeof err) : st_to_f32(f, t, x, err, sizeof err);
    if (rc) {
        fprintf(stderr, "%s\n", err);
        check_failures_++;
        free(x);
        return NULL;
    }
    return x;
}

static int run_case(const char *root, const char *name)
{
    char dir[2100], base[2100], mods[2200], gpath[2200], err[1024];
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    snprintf(base, sizeof base, "%s/base", root);
    snprintf(mods, sizeof mods, "%s/saved/modules.safetensors", dir);
    snprintf(gpath, sizeof gpath, "%s/golden.safetensors", dir);
    st_file *g = st_open(gpath, err, sizeof err);
    CHECK_MSG(g != NULL, "%s", err);
    if (!g)
        return 0;
    long n_ids = 0, n_tt = 0, n_mask = 0;
    long long *ids = get(g, "input_ids", 1, &n_ids), *tt = get(g, "token_type_ids", 1, &n_tt),
              *mask = get(g, "attention_mask", 1, &n_mask);
    const st_tensor *ti = st_get(g, "input_ids");
    int formats = 0;
    if (ids && tt && mask && ti && ti->ndim == 2) {
        int B = (int)ti->shape[0], T = (int)ti->shape[1];
        int *i32 = xmalloc(sizeof(int) * (size_t)(3 * B * T));
        for (long i = 0; i < (long)B * T; i++) {
            i32[i] = (int)ids[i];
            i32[B * T + i] = (int)tt[i];
            i32[2 * B * T + i] = (int)mask[i];
        }
        bert_opts o;
        bert_opts_default(&o);
        o.modules = mods;
        o.max_batch = B;
        o.max_seq = T;
        o.dropout = 0;
        bert_model *m = bert_load(base, &o, err, sizeof err);
        CHECK_MSG(m != NULL, "%s: %s", name, err);
        if (m) {
            bert_batch bb = {B, T, i32, i32 + B * T, i32 + 2 * B * T, NULL, NULL};
            bert_set_training(m, 0);
            CHECK_MSG(bert_forward(m, &bb, NULL, err, sizeof err) == 0, "%s", err);
            static const char *const fmts[] = {"peft", "adapters"};
            for (int k = 0; k < 2; k++) {
                char key[64];
                snprintf(key, sizeof key, "logits.%s", fmts[k]);
                if (!st_get(g, key))
                    continue;
                long n = 0;
                float *want = get(g, key, 0, &n);
                CHECK_MSG(n == (long)B * m->C, "%s %s: %ld logits, the engine has %d x %d", name, fmts[k], n, B, m->C);
                if (want && n == (long)B * m->C) {
                    double d = max_abs_diff_f(m->logits, want, n);
                    printf("export golden %-10s %-8s max |engine - library loader| %.2e\n", name, fmts[k], d);
                    CHECK_MSG(d <= 1e-4, "%s %s: logits differ by %g", name, fmts[k], d);
                    formats++;
                }
                free(want);
            }
            bert_free(m);
        }
        free(i32);
    }
    CHECK_MSG(formats > 0, "%s: no logits.peft or logits.adapters in %s", name, gpath);
    free(ids);
    free(tt);
    free(mask);
    st_close(g);
    return formats > 0;
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "tests/golden/export";
    DIR *d = opendir(root);
    CHECK_MSG(d != NULL, "cannot open %s", root);
    if (!d)
        return check_status("test_export");
    char *names[256];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 256) {
        char dir[2100];
        snprintf(dir, sizeof dir, "%s/%s", root, e->d_name);
        if (e->d_name[0] != '.' && has(dir, "golden.safetensors") && has(dir, "saved/modules.safetensors"))
            names[n++] = xstrdup(e->d_name);
    }
    closedir(d);
    int ok = 0;
    for (int i = 0; i < n; i++) {
        ok += run_case(root, names[i]);
        free(names[i]);
    }
    printf("export golden: %d cases\n", ok);
    CHECK_MSG(ok >= 10, "only %d export golden cases found under %s", ok, root);
    return check_status("test_export");
}
