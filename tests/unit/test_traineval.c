/* test_traineval.c -- the train-eval logic without the tool: options
 * defaults, tokenising a task's examples into padded-later sets (offsets,
 * lengths, type ids, labels, an invalid-UTF-8 message), and te_run on a tiny
 * random-weights checkpoint written to a temp directory: it trains, scores
 * every metric, is deterministic for a seed, and reports failures as
 * r->ok == 0 with a message instead of exiting. */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "engine/checkpoint.h"
#include "train/traineval.h"
#include "util/util.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[] = "/tmp/test_traineval.XXXXXX";

static const char VOCAB[] = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\ncat\nsat\non\nmat\ndog\nran\n##s\n";

static void add(task_dataset *ds, const char *a, const char *b, int label)
{
    if (ds->n == ds->cap) {
        ds->cap = ds->cap ? 2 * ds->cap : 8;
        ds->ex = xrealloc(ds->ex, (size_t)ds->cap * sizeof *ds->ex);
    }
    long line = ds->n + 2; /* after a header line */
    ds->ex[ds->n++] = (task_example){xstrdup(a), b ? xstrdup(b) : NULL, label, label, line};
}

static void test_defaults(void)
{
    te_options o;
    te_options_default(&o);
    CHECK(o.epochs == 3 && o.batch == 32 && o.max_len == 128 && o.seed == 42);
    CHECK(o.lr == 1e-4 && o.clip == 1.0 && o.log == stderr && !o.full && !o.save && !o.load);
}

static void test_encode(wp_tokenizer *t)
{
    char err[256];
    task_dataset ds = {0};
    add(&ds, "the cat sat", "on the mat", 1);
    add(&ds, "dogs ran", NULL, 0);
    add(&ds, "the cat sat on the mat the dog ran", "the mat", 1); /* truncated to 8 */
    te_set s;
    CHECK_MSG(te_encode(&s, &ds, t, 8, "x.tsv", err, sizeof err) == 0, "%s", err);
    CHECK(s.n == 3);
    /* [CLS] the cat sat [SEP] on the mat [SEP] -> 9, cut to 8 (longest first) */
    CHECK(s.len[0] == 8 && s.len[1] == 5 && s.len[2] == 8);
    CHECK(s.off[0] == 0 && s.off[1] == 8 && s.off[2] == 13);
    CHECK(s.tokens == 21);
    const int32_t want1[5] = {2, 10, 12, 11, 3}; /* [CLS] dog ##s ran [SEP] */
    CHECK(!memcmp(s.ids + s.off[1], want1, sizeof want1));
    CHECK(s.tt[s.off[1]] == 0 && s.tt[s.off[1] + 4] == 0);
    CHECK(s.tt[s.off[0]] == 0 && s.tt[s.off[0] + s.len[0] - 1] == 1); /* B [SEP] has type 1 */
    CHECK(s.label[0] == 1 && s.label[1] == 0 && s.label[2] == 1);
    te_set_free(&s);
    /* invalid UTF-8: the file and the example's line */
    add(&ds, "bad \xff byte", NULL, 0);
    CHECK(te_encode(&s, &ds, t, 8, "x.tsv", err, sizeof err) == -1);
    CHECK_MSG(strstr(err, "x.tsv:5: invalid UTF-8") != NULL, "%s", err);
    task_dataset_free(&ds);
}

/* A tiny random-weights checkpoint: H 8, 1 layer, 2 heads. */
static void write_model(const char *path, int vocab)
{
    char err[256];
    bert_config c = {vocab, 8, 1, 2, 16, 16, 2, 1e-12f, 0.1f, 0.1f, 2, "gelu"};
    bert_opts bo;
    bert_opts_default(&bo);
    bert_model *m = bert_new(&c, &bo, err, sizeof err);
    CHECK_MSG(m != NULL, "%s", err);
    if (!m)
        return;
    CHECK_MSG(bert_save(m, path, ST_F32, err, sizeof err) == 0, "%s", err);
    bert_free(m);
}

static void test_run(wp_tokenizer *t, int vocab)
{
    char err[256], model[600];
    snprintf(model, sizeof model, "%s/model", dir);
    write_model(model, vocab);
    task_spec sp;
    CHECK_MSG(task_lookup("mrpc", &sp, err, sizeof err) == 0, "%s", err);
    task_dataset train = {0}, dev = {0};
    const char *txt[4] = {"the cat sat", "the dog ran", "cats on the mat", "dogs sat"};
    for (int i = 0; i < 12; i++)
        add(&train, txt[i % 4], txt[(i + 1) % 4], i % 2);
    for (int i = 0; i < 4; i++)
        add(&dev, txt[i], txt[(i + 2) % 4], i % 2);
    te_set tr, dv;
    CHECK(te_encode(&tr, &train, t, 12, "train", err, sizeof err) == 0);
    CHECK(te_encode(&dv, &dev, t, 12, "dev", err, sizeof err) == 0);
    te_options o;
    te_options_default(&o);
    o.model_dir = model;
    o.epochs = 2;
    o.batch = 4;
    o.max_len = 12;
    o.lr = 1e-3;
    o.quiet = 1;
    o.log = NULL;
    peft_config pc;
    peft_default(&pc, 1);
    pc.sa = 4;
    te_result r1, r2;
    te_run(&o, &pc, &sp, &tr, &dv, &dev, "c1", &r1);
    CHECK_MSG(r1.ok, "%s", r1.message);
    CHECK(r1.steps == 6 && r1.epochs == 2);
    CHECK(r1.params > 0 && r1.trainable > 0 && r1.base > 0);
    CHECK(r1.pred_class != NULL);
    for (int k = 0; k < sp.n_metrics; k++) /* accuracy and f1 of 4 examples */
        CHECK(r1.best[k] >= 0 && r1.best[k] <= 1 && r1.final[k] >= 0 && r1.final[k] <= 1);
    CHECK(r1.final_loss == r1.final_loss);
    /* the same seed: the same run, bit for bit */
    te_run(&o, &pc, &sp, &tr, &dv, &dev, "c1", &r2);
    CHECK(r2.ok && r2.final_loss == r1.final_loss && r2.best[0] == r1.best[0] && r2.steps == r1.steps);
    te_result_free(&r1);
    te_result_free(&r2);
    /* a missing checkpoint is a failed result, not an exit */
    snprintf(model, sizeof model, "%s/none", dir);
    o.model_dir = model;
    te_run(&o, &pc, &sp, &tr, &dv, &dev, "c2", &r1);
    CHECK(!r1.ok && strstr(r1.message, "none") != NULL);
    te_result_free(&r1);
    te_set_free(&tr);
    te_set_free(&dv);
    task_dataset_free(&train);
    task_dataset_free(&dev);
    task_spec_free(&sp);
}

int main(void)
{
    if (!mkdtemp(dir))
        return 1;
    char err[256];
    wp_vocab v;
    CHECK_MSG(wp_vocab_load_mem(&v, "vocab", VOCAB, strlen(VOCAB), err, sizeof err) == 0, "%s", err);
    wp_tokenizer t;
    wp_init(&t, &v, 1);
    test_defaults();
    test_encode(&t);
    test_run(&t, 13);
    wp_free(&t);
    wp_vocab_free(&v);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_status("test_traineval");
}
