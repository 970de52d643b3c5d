/* test_hfconfig.c -- config.json parsing (defaults, num_labels rules,
 * every validation error naming the file), and save/load round trip. */
#include "check.h"
#include "config/hfconfig.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char dir[256];
static char err[512];

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", dir, name);
    return buf[k];
}

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* bert-base-uncased's config.json as published on the Hugging Face hub. */
static const char *BERT_BASE =
    "{\n  \"architectures\": [\n    \"BertForMaskedLM\"\n  ],\n"
    "  \"attention_probs_dropout_prob\": 0.1,\n  \"gradient_checkpointing\": false,\n"
    "  \"hidden_act\": \"gelu\",\n  \"hidden_dropout_prob\": 0.1,\n  \"hidden_size\": 768,\n"
    "  \"initializer_range\": 0.02,\n  \"intermediate_size\": 3072,\n  \"layer_norm_eps\": 1e-12,\n"
    "  \"max_position_embeddings\": 512,\n  \"model_type\": \"bert\",\n  \"num_attention_heads\": 12,\n"
    "  \"num_hidden_layers\": 12,\n  \"pad_token_id\": 0,\n  \"position_embedding_type\": \"absolute\",\n"
    "  \"transformers_version\": \"4.6.0.dev0\",\n  \"type_vocab_size\": 2,\n  \"use_cache\": true,\n"
    "  \"vocab_size\": 30522\n}\n";

/* A small config with placeholders we substitute per test. */
static void mini(char *out, size_t n, const char *extra)
{
    snprintf(out, n,
             "{\"vocab_size\": 100, \"hidden_size\": 32, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
             " \"intermediate_size\": 64, \"max_position_embeddings\": 40, \"type_vocab_size\": 2%s%s}",
             extra[0] ? ", " : "", extra);
}

static void expect_fail(const char *label, const char *json, const char *frag1, const char *frag2)
{
    const char *p = tpath("config.json");
    put(p, json);
    bert_config c;
    err[0] = 0;
    int rc = hfconfig_load(p, &c, err, sizeof err);
    CHECK_MSG(rc == -1, "%s: accepted", label);
    CHECK_MSG(strstr(err, p) == err, "%s: message does not start with the path: %s", label, err);
    CHECK_MSG(!frag1 || strstr(err, frag1), "%s: message lacks '%s': %s", label, frag1, err);
    CHECK_MSG(!frag2 || strstr(err, frag2), "%s: message lacks '%s': %s", label, frag2, err);
    printf("  ok %-26s %s\n", label, err);
}

static void test_load(void)
{
    const char *p = tpath("config.json");
    put(p, BERT_BASE);
    bert_config c;
    CHECK_MSG(hfconfig_load(p, &c, err, sizeof err) == 0, "%s", err);
    CHECK(c.vocab_size == 30522 && c.hidden == 768 && c.layers == 12 && c.heads == 12 && c.intermediate == 3072 &&
          c.max_position == 512 && c.type_vocab == 2);
    CHECK(c.ln_eps == 1e-12f && c.hidden_dropout == 0.1f && c.attn_dropout == 0.1f);
    CHECK(strcmp(c.hidden_act, "gelu") == 0 && c.num_labels == 0);

    char j[1024];
    mini(j, sizeof j, ""); /* defaults */
    CHECK(hfconfig_parse(j, "mini", &c, err, sizeof err) == 0);
    CHECK(c.ln_eps == 1e-12f && c.hidden_dropout == 0.1f && c.attn_dropout == 0.1f &&
          strcmp(c.hidden_act, "gelu") == 0 && c.num_labels == 0);
    mini(j, sizeof j, "\"layer_norm_eps\": 1e-5, \"hidden_dropout_prob\": 0, \"attention_probs_dropout_prob\": 0.25");
    CHECK(hfconfig_parse(j, "mini", &c, err, sizeof err) == 0);
    CHECK(c.ln_eps == 1e-5f && c.hidden_dropout == 0.0f && c.attn_dropout == 0.25f);
    mini(j, sizeof j, "\"id2label\": {\"0\": \"neg\", \"1\": \"neu\", \"2\": \"pos\"}, \"num_labels\": 7");
    CHECK(hfconfig_parse(j, "mini", &c, err, sizeof err) == 0 && c.num_labels == 3); /* id2label wins */
    mini(j, sizeof j, "\"num_labels\": 1");
    CHECK(hfconfig_parse(j, "mini", &c, err, sizeof err) == 0 && c.num_labels == 1);
    mini(j, sizeof j, "\"id2label\": null, \"num_labels\": 5");
    CHECK(hfconfig_parse(j, "mini", &c, err, sizeof err) == 0 && c.num_labels == 5);
}

static void test_errors(void)
{
    char j[1024];
    expect_fail("empty file", "", ":1:", "not valid JSON");
    bert_config c;
    const char *np = tpath("absent.json");
    CHECK(hfconfig_load(np, &c, err, sizeof err) == -1 && strstr(err, np) == err && strstr(err, "cannot open"));
    expect_fail("syntax error line 3", "{\n  \"vocab_size\": 100,\n  \"hidden_size\" 32\n}\n", ":3:",
                "not valid JSON");
    expect_fail("trailing comma line 4", "{\n \"a\": 1,\n \"b\": 2,\n}\n", ":4:", "not valid JSON");
    expect_fail("trailing garbage", "{} x", "not valid JSON", NULL);
    expect_fail("unterminated", "{\"a\"", "not valid JSON", NULL);
    expect_fail("array", "[1, 2]", "not a JSON object", NULL);
    const char *req[] = {"vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                         "intermediate_size", "max_position_embeddings", "type_vocab_size"};
    for (int i = 0; i < 7; i++) {
        /* remove key i from the mini config by renaming it */
        mini(j, sizeof j, "");
        char *k = strstr(j, req[i]);
        k[0] = 'X';
        expect_fail(req[i], j, "missing required key", req[i]);
    }
    const char *ints[][2] = {{"\"hidden_size\": 0", "hidden_size"},       {"\"hidden_size\": -32", "hidden_size"},
                             {"\"hidden_size\": 32.5", "hidden_size"},    {"\"hidden_size\": \"32\"", "hidden_size"},
                             {"\"vocab_size\": 3e10", "vocab_size"},      {"\"num_labels\": -1", "num_labels"},
                             {"\"num_labels\": 2.5", "num_labels"}};
    for (int i = 0; i < 7; i++) {
        /* later duplicate keys are ignored by cJSON lookup, so put the bad
         * value first by building the object by hand */
        snprintf(j, sizeof j,
                 "{%s, \"vocab_size\": 100, \"hidden_size\": 32, \"num_hidden_layers\": 2,"
                 " \"num_attention_heads\": 4, \"intermediate_size\": 64, \"max_position_embeddings\": 40,"
                 " \"type_vocab_size\": 2}",
                 ints[i][0]);
        expect_fail(ints[i][0], j, ints[i][1], NULL);
    }
    snprintf(j, sizeof j,
             "{\"vocab_size\": 100, \"hidden_size\": 30, \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
             " \"intermediate_size\": 64, \"max_position_embeddings\": 40, \"type_vocab_size\": 2}");
    expect_fail("hidden % heads", j, "not divisible", "30");
    snprintf(j, sizeof j,
             "{\"vocab_size\": 100, \"hidden_size\": 32, \"num_hidden_layers\": 65, \"num_attention_heads\": 4,"
             " \"intermediate_size\": 64, \"max_position_embeddings\": 40, \"type_vocab_size\": 2}");
    expect_fail("too many layers", j, "num_hidden_layers 65", "64");
    mini(j, sizeof j, "\"hidden_act\": \"gelu_new\"");
    expect_fail("hidden_act gelu_new", j, "gelu_new", "not supported");
    mini(j, sizeof j, "\"hidden_act\": \"relu\"");
    expect_fail("hidden_act relu", j, "relu", "not supported");
    mini(j, sizeof j, "\"hidden_act\": 3");
    expect_fail("hidden_act number", j, "hidden_act", "string");
    mini(j, sizeof j, "\"layer_norm_eps\": 0");
    expect_fail("eps 0", j, "layer_norm_eps", "out of range");
    mini(j, sizeof j, "\"layer_norm_eps\": \"1e-12\"");
    expect_fail("eps string", j, "layer_norm_eps", "number");
    mini(j, sizeof j, "\"hidden_dropout_prob\": 1");
    expect_fail("dropout 1", j, "hidden_dropout_prob", "out of range");
    mini(j, sizeof j, "\"attention_probs_dropout_prob\": -0.1");
    expect_fail("dropout negative", j, "attention_probs_dropout_prob", "out of range");
    mini(j, sizeof j, "\"id2label\": [\"a\", \"b\"]");
    expect_fail("id2label array", j, "id2label", NULL);
}

static void test_save(void)
{
    const char *p = tpath("saved.json");
    bert_config c = {.vocab_size = 30522, .hidden = 768, .layers = 12, .heads = 12, .intermediate = 3072,
                     .max_position = 512, .type_vocab = 2, .ln_eps = 1e-12f, .hidden_dropout = 0.1f,
                     .attn_dropout = 0.1f, .num_labels = 3, .hidden_act = "gelu"};
    CHECK_MSG(hfconfig_save(p, &c, err, sizeof err) == 0, "%s", err);
    bert_config d;
    CHECK_MSG(hfconfig_load(p, &d, err, sizeof err) == 0, "%s", err);
    CHECK(memcmp(&c, &d, sizeof c) == 0);
    /* inspect the JSON: HF keys and exact decimal values */
    FILE *f = fopen(p, "r");
    char buf[4096];
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    cJSON *r = cJSON_Parse(buf);
    CHECK(r != NULL);
    if (r) {
        cJSON *a = cJSON_GetObjectItemCaseSensitive(r, "architectures");
        CHECK(cJSON_IsArray(a) && cJSON_GetArraySize(a) == 1 &&
              strcmp(cJSON_GetArrayItem(a, 0)->valuestring, "BertModel") == 0);
        CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(r, "model_type")->valuestring, "bert") == 0);
        CHECK(cJSON_GetObjectItemCaseSensitive(r, "layer_norm_eps")->valuedouble == 1e-12);
        CHECK(cJSON_GetObjectItemCaseSensitive(r, "hidden_dropout_prob")->valuedouble == 0.1);
        cJSON *i2l = cJSON_GetObjectItemCaseSensitive(r, "id2label");
        cJSON *l2i = cJSON_GetObjectItemCaseSensitive(r, "label2id");
        CHECK(cJSON_GetArraySize(i2l) == 3 && cJSON_GetArraySize(l2i) == 3);
        CHECK(strcmp(cJSON_GetObjectItemCaseSensitive(i2l, "2")->valuestring, "LABEL_2") == 0);
        CHECK(cJSON_GetObjectItemCaseSensitive(l2i, "LABEL_1")->valuedouble == 1);
        cJSON_Delete(r);
    }
    CHECK(strstr(buf, "1e-12") != NULL);
    /* no labels: no id2label/label2id */
    c.num_labels = 0;
    CHECK(hfconfig_save(p, &c, err, sizeof err) == 0 && hfconfig_load(p, &d, err, sizeof err) == 0);
    CHECK(d.num_labels == 0);
    f = fopen(p, "r");
    n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    CHECK(strstr(buf, "id2label") == NULL && strstr(buf, "label2id") == NULL);
    const char *np = tpath("no/dir/config.json");
    CHECK(hfconfig_save(np, &c, err, sizeof err) == -1 && strstr(err, np) == err);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/test_hfconfig.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_load();
    test_errors();
    test_save();
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.')
            unlink(tpath(de->d_name));
    if (d)
        closedir(d);
    CHECK(rmdir(dir) == 0);
    return check_status("test_hfconfig");
}
