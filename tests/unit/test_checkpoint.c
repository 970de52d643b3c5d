/* test_checkpoint.c -- a bert_model to disk and back (lib/engine/checkpoint.c):
 * save/load round trips (bit-identical in F32, rounding-close in F16 and
 * BF16), the trained modules alone (bert_save_modules, bert_opts.modules),
 * the PEFT metadata, a pretrained encoder's metadata (bert_save_encoder)
 * and the num_labels that config.json records (bert_set_config_labels). */
#include "engine/bert.h"
#include "check.h"
#include "engine/checkpoint.h"
#include "config/hfconfig.h"

#include <stdlib.h>
#include <string.h>

static bert_config small_config(void)
{
    static const char *json = "{\"vocab_size\": 23, \"hidden_size\": 16, \"num_hidden_layers\": 3,"
                              " \"num_attention_heads\": 2, \"intermediate_size\": 24,"
                              " \"max_position_embeddings\": 12, \"type_vocab_size\": 2, \"hidden_dropout_prob\": 0,"
                              " \"attention_probs_dropout_prob\": 0, \"num_labels\": 3}";
    char err[256];
    bert_config c;
    CHECK_MSG(hfconfig_parse(json, "config.json", &c, err, sizeof err) == 0, "%s", err);
    return c;
}

static peft_config small_peft(void)
{
    peft_config p;
    peft_default(&p, 3);
    p.sa = 3, p.pa = 2, p.pt = 2, p.prefix_mid = 6, p.lora = 2, p.lora_alpha = 4;
    p.layer_on[1] = 0;
    return p;
}

/* A model with every tensor randomised (zero-initialised modules too). */
static bert_model *mk(const peft_config *p, uint64_t seed)
{
    char err[512];
    bert_config c = small_config();
    bert_opts o;
    bert_opts_default(&o);
    o.peft = p, o.max_batch = 4, o.max_seq = 10, o.seed = seed;
    bert_model *m = bert_new(&c, &o, err, sizeof err);
    CHECK_MSG(m != NULL, "%s", err);
    if (!m)
        return NULL;
    rng_t r;
    rng_seed(&r, seed);
    for (long k = 0; k < m->n_params; k++)
        m->params[k] += (float)(rng_normal(&r) * 0.1);
    return m;
}

enum { B = 2, T = 6 };
static const int ids[B * T] = {2, 5, 7, 9, 3, 0, 2, 11, 4, 3, 0, 0};
static const int mask[B * T] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0};
static const int labels[B] = {1, 2};

static float loss_of(bert_model *m)
{
    char err[256];
    bert_batch bb = {B, T, ids, NULL, mask, labels, NULL};
    float L = NAN;
    if (bert_forward(m, &bb, &L, err, sizeof err))
        fprintf(stderr, "forward: %s\n", err);
    return L;
}

static void rmrf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CHECK(system(cmd) == 0);
}

/* Save and reload: bit-identical in F32, rounding-close in F16/BF16. */
static void test_save_load(void)
{
    char err[512], dir[] = "/tmp/test_checkpoint_XXXXXX";
    if (!mkdtemp(dir)) { CHECK(0); return; }
    peft_config p = small_peft();
    bert_model *m = mk(&p, 4);
    if (!m) return;
    float l0 = loss_of(m), l1;
    int rc = bert_save(m, dir, ST_F32, err, sizeof err);
    CHECK_MSG(rc == 0, "%s", err);
    bert_opts o;
    bert_opts_default(&o);
    o.max_batch = 4, o.max_seq = 10; /* no peft: taken from the metadata */
    bert_model *r = bert_load(dir, &o, err, sizeof err);
    CHECK_MSG(r != NULL, "%s", err);
    if (r) {
        CHECK(r->n_tensors == m->n_tensors && r->n_params == m->n_params);
        CHECK(r->peft.sa == 3 && r->peft.pa == 2 && r->peft.pt == 2 && r->peft.lora == 2 &&
              r->peft.lora_alpha == 4 && r->peft.layer_on[1] == 0 && r->C == m->C);
        CHECK(r->n_params == m->n_params && memcmp(r->params, m->params, sizeof(float) * m->n_params) == 0);
        l1 = loss_of(r);
        CHECK(l0 == l1);
        bert_free(r);
    }
    for (int k = 0; k < 2; k++) {
        st_dtype dt = k ? ST_BF16 : ST_F16;
        rc = bert_save(m, dir, dt, err, sizeof err);
        CHECK_MSG(rc == 0, "%s", err);
        /* the file says so, tensor by tensor */
        char path[400];
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        st_file *f = st_open(path, err, sizeof err);
        CHECK_MSG(f != NULL, "%s", err);
        if (f) {
            int all = f->n == m->n_tensors;
            for (int i = 0; i < f->n; i++)
                all &= f->t[i].dtype == dt;
            CHECK(all);
            st_close(f);
        }
        r = bert_load(dir, &o, err, sizeof err);
        CHECK_MSG(r != NULL, "%s", err);
        if (!r) continue;
        double worst = 0;
        int exact = 1;
        for (long i = 0; i < m->n_params; i++) {
            double a = m->params[i], b = r->params[i];
            double rel = fabs(a - b) / fmax(fabs(a), 1e-4);
            if (rel > worst) worst = rel;
            float want = k ? st_bf16_to_f32(st_f32_to_bf16(m->params[i]))
                           : st_f16_to_f32(st_f32_to_f16(m->params[i]));
            exact &= want == r->params[i];
        }
        printf("  %s round trip: max relative error %.3e\n", k ? "BF16" : "F16", worst);
        CHECK(worst <= (k ? 1.0 / 256 : 1.0 / 2048) * 1.0001);
        CHECK(exact); /* loading converts back exactly what was rounded */
        bert_free(r);
    }
    bert_free(m);
    rmrf(dir);
}

/* The trained modules alone, overlaid on the base they were trained on. */
static void test_modules(void)
{
    char err[512], dir[] = "/tmp/test_checkpoint_XXXXXX", path[400];
    if (!mkdtemp(dir)) { CHECK(0); return; }
    peft_config p = small_peft();
    bert_model *m = mk(&p, 5);
    if (!m) return;
    /* the base alone (no head, no modules, hence no PEFT metadata) */
    CHECK_MSG(bert_save_kinds(m, dir, ST_F32, BERT_SAVE_BASE, err, sizeof err) == 0, "%s", err);
    snprintf(path, sizeof path, "%s/%s", dir, BERT_MODULES_FILE);
    const char *extra[] = {"id", "r7", NULL};
    CHECK_MSG(bert_save_modules(m, path, extra, err, sizeof err) == 0, "%s", err);
    st_file *f = st_open(path, err, sizeof err);
    CHECK_MSG(f != NULL, "%s", err);
    if (f) {
        peft_config q;
        bert_task tk;
        bert_head_kind hk;
        CHECK(bert_meta_parse(f, 3, &q, &tk, &hk, err, sizeof err) == 1);
        CHECK(q.sa == 3 && q.pa == 2 && q.pt == 2 && q.lora == 2 && q.layer_on[1] == 0 && !q.full);
        CHECK(tk == BERT_TASK_CLS && hk == BERT_HEAD_AUTOPEFT);
        CHECK(st_meta(f, "id") && !strcmp(st_meta(f, "id"), "r7"));
        int n = 0;
        unsigned kinds = bert_trained_kinds(m);
        for (int i = 0; i < m->n_tensors; i++)
            n += (kinds >> m->tensors[i].kind) & 1;
        CHECK(f->n == n);
        st_close(f);
    }
    bert_opts o;
    bert_opts_default(&o);
    o.max_batch = 4, o.max_seq = 10, o.modules = path;
    bert_model *r = bert_load(dir, &o, err, sizeof err);
    CHECK_MSG(r != NULL, "%s", err);
    if (r) {
        CHECK(r->n_params == m->n_params && memcmp(r->params, m->params, sizeof(float) * m->n_params) == 0);
        CHECK(loss_of(r) == loss_of(m));
        bert_free(r);
    }
    /* another configuration is refused */
    peft_config other = p;
    other.sa = 4;
    o.peft = &other;
    r = bert_load(dir, &o, err, sizeof err);
    CHECK(r == NULL && strstr(err, "saved for another configuration"));
    bert_free(r);
    bert_free(m);
    rmrf(dir);
}

/* bert_save_encoder: full fine-tuning saved as "not fine-tuned"; and the
 * num_labels config.json records. */
static void test_encoder_and_labels(void)
{
    char err[512], dir[] = "/tmp/test_checkpoint_XXXXXX", path[400];
    if (!mkdtemp(dir)) { CHECK(0); return; }
    peft_config p;
    peft_default(&p, 3);
    p.full = 1;
    bert_model *m = mk(&p, 6);
    if (!m) return;
    CHECK_MSG(bert_save_encoder(m, dir, ST_F32, err, sizeof err) == 0, "%s", err);
    CHECK(m->peft.full == 1); /* the model is not changed */
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    st_file *f = st_open(path, err, sizeof err);
    CHECK_MSG(f != NULL, "%s", err);
    if (f) {
        CHECK(st_meta(f, "full") && !strcmp(st_meta(f, "full"), "0"));
        CHECK(f->n == m->n_tensors);
        st_close(f);
    }
    bert_set_config_labels(m, 0);
    CHECK(m->C == 3);
    CHECK_MSG(bert_save(m, dir, ST_F32, err, sizeof err) == 0, "%s", err);
    snprintf(path, sizeof path, "%s/config.json", dir);
    bert_config c;
    CHECK_MSG(hfconfig_load(path, &c, err, sizeof err) == 0, "%s", err);
    CHECK(c.num_labels == 0);
    bert_set_config_labels(m, 5);
    CHECK_MSG(bert_save(m, dir, ST_F32, err, sizeof err) == 0, "%s", err);
    CHECK_MSG(hfconfig_load(path, &c, err, sizeof err) == 0, "%s", err);
    CHECK(c.num_labels == 5);
    bert_free(m);
    rmrf(dir);
}

int main(void)
{
    test_save_load();
    test_modules();
    test_encoder_and_labels();
    return check_status("test_checkpoint");
}
