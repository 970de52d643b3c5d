/* hfconfig.c -- Hugging Face BERT config.json reader/writer (cJSON).
 * See hfconfig.h. */
#include "config/hfconfig.h"
#include "util/util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int get_pos_int(const cJSON *root, const char *key, int *out, const char *name, char *err, size_t errlen)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!j) {
        errf(err, errlen, name, 0, "missing required key \"%s\"", key);
        return -1;
    }
    if (!cJSON_IsNumber(j) || !(j->valuedouble >= 1 && j->valuedouble <= 2147483647.0) ||
        j->valuedouble != floor(j->valuedouble)) {
        errf(err, errlen, name, 0, "\"%s\" must be a positive integer", key);
        return -1;
    }
    *out = (int)j->valuedouble;
    return 0;
}

/* Optional number in [lo, hi) (hi_incl: [lo, hi]); default when absent. */
static int get_float(const cJSON *root, const char *key, float def, double lo, double hi, int lo_excl,
                     float *out, const char *name, char *err, size_t errlen)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!j) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(j)) {
        errf(err, errlen, name, 0, "\"%s\" must be a number", key);
        return -1;
    }
    /* the range holds for the float that is stored, not only for the double
     * (1e-50 would become 0, 0.99999999 would become 1) */
    double v = j->valuedouble;
    if (v > -1e30 && v < 1e30) /* outside, the float conversion is undefined */
        v = (double)(float)v;
    if (!(v < hi) || (lo_excl ? !(v > lo) : !(v >= lo))) {
        errf(err, errlen, name, 0, "\"%s\" = %g out of range %s%g, %g) as a float", key, j->valuedouble, lo_excl ? "(" : "[", lo, hi);
        return -1;
    }
    *out = (float)v;
    return 0;
}

int hfconfig_parse(const char *json, const char *name, bert_config *c, char *err, size_t errlen)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(json, &end, 1);
    if (!root) {
        long line = 1, col = 1;
        const char *stop = end && end >= json ? end : json;
        for (const char *q = json; q < stop && *q; q++) {
            if (*q == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
        errf(err, errlen, name, line, "not valid JSON (syntax error near column %ld)", col);
        return -1;
    }
    int rc = -1;
    bert_config k;
    memset(&k, 0, sizeof k);
    if (!cJSON_IsObject(root)) {
        errf(err, errlen, name, 0, "config is not a JSON object");
        goto out;
    }
    if (get_pos_int(root, "vocab_size", &k.vocab_size, name, err, errlen) ||
        get_pos_int(root, "hidden_size", &k.hidden, name, err, errlen) ||
        get_pos_int(root, "num_hidden_layers", &k.layers, name, err, errlen) ||
        get_pos_int(root, "num_attention_heads", &k.heads, name, err, errlen) ||
        get_pos_int(root, "intermediate_size", &k.intermediate, name, err, errlen) ||
        get_pos_int(root, "max_position_embeddings", &k.max_position, name, err, errlen) ||
        get_pos_int(root, "type_vocab_size", &k.type_vocab, name, err, errlen))
        goto out;
    /* sane limits (well above any BERT published), so that every size
     * product below fits the int and 64-bit counts the engine uses */
    {
        const struct { const char *key; int v, max; } lim[] = {
            {"vocab_size", k.vocab_size, 1 << 24},          {"hidden_size", k.hidden, 1 << 16},
            {"num_attention_heads", k.heads, 1 << 10},      {"intermediate_size", k.intermediate, 1 << 18},
            {"max_position_embeddings", k.max_position, 1 << 17}, {"type_vocab_size", k.type_vocab, 1 << 10},
        };
        for (size_t i = 0; i < sizeof lim / sizeof *lim; i++)
            if (lim[i].v > lim[i].max) {
                errf(err, errlen, name, 0, "\"%s\" %d is larger than the supported maximum %d", lim[i].key, lim[i].v,
                     lim[i].max);
                goto out;
            }
        /* the largest tensors: the word embeddings and a feed-forward matrix */
        if ((long long)k.vocab_size * k.hidden > (1LL << 31) - 1 ||
            (long long)k.intermediate * k.hidden > (1LL << 31) - 1) {
            errf(err, errlen, name, 0, "a weight matrix of this model has more than 2^31 entries "
                 "(vocab_size %d, hidden_size %d, intermediate_size %d)", k.vocab_size, k.hidden, k.intermediate);
            goto out;
        }
    }
    if (k.hidden % k.heads != 0) {
        errf(err, errlen, name, 0, "hidden_size %d is not divisible by num_attention_heads %d", k.hidden, k.heads);
        goto out;
    }
    if (k.layers > PEFT_MAX_LAYERS) {
        errf(err, errlen, name, 0, "num_hidden_layers %d exceeds the supported maximum %d", k.layers,
             PEFT_MAX_LAYERS);
        goto out;
    }
    if (get_float(root, "layer_norm_eps", 1e-12f, 0, 1, 1, &k.ln_eps, name, err, errlen) ||
        get_float(root, "hidden_dropout_prob", 0.1f, 0, 1, 0, &k.hidden_dropout, name, err, errlen) ||
        get_float(root, "attention_probs_dropout_prob", 0.1f, 0, 1, 0, &k.attn_dropout, name, err, errlen))
        goto out;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "hidden_act");
    if (act && !cJSON_IsString(act)) {
        errf(err, errlen, name, 0, "\"hidden_act\" must be a string");
        goto out;
    }
    const char *a = act ? act->valuestring : "gelu";
    if (strcmp(a, "gelu") != 0) {
        errf(err, errlen, name, 0, "hidden_act \"%s\" is not supported (only \"gelu\", the exact erf form)", a);
        goto out;
    }
    snprintf(k.hidden_act, sizeof k.hidden_act, "%s", a);
    const cJSON *id2 = cJSON_GetObjectItemCaseSensitive(root, "id2label");
    const cJSON *nl = cJSON_GetObjectItemCaseSensitive(root, "num_labels");
    if (id2 && !cJSON_IsNull(id2)) {
        if (!cJSON_IsObject(id2)) {
            errf(err, errlen, name, 0, "\"id2label\" must be a JSON object");
            goto out;
        }
        k.num_labels = cJSON_GetArraySize(id2);
    } else if (nl) {
        if (!cJSON_IsNumber(nl) || !(nl->valuedouble >= 0 && nl->valuedouble <= 1e6) ||
            nl->valuedouble != floor(nl->valuedouble)) {
            errf(err, errlen, name, 0, "\"num_labels\" must be a non-negative integer");
            goto out;
        }
        k.num_labels = (int)nl->valuedouble;
    }
    *c = k;
    rc = 0;
out:
    cJSON_Delete(root);
    return rc;
}

int hfconfig_load(const char *path, bert_config *c, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        errf(err, errlen, path, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    char *buf;
    size_t len;
    int bad = read_all(fp, path, &buf, &len, err, errlen);
    fclose(fp);
    if (bad)
        return -1;
    if (strlen(buf) != len) {
        errf(err, errlen, path, 0, "not valid JSON (contains a NUL byte)");
        free(buf);
        return -1;
    }
    int rc = hfconfig_parse(buf, path, c, err, errlen);
    free(buf);
    return rc;
}

/* The shortest decimal that reads back as the same float, as a double, so
 * 1e-12f is written "1e-12" rather than "9.99999996004197e-13". */
static double short_float(float f)
{
    char s[32];
    for (int p = 1; p <= 9; p++) {
        snprintf(s, sizeof s, "%.*g", p, (double)f);
        double d = strtod(s, NULL);
        if ((float)d == f)
            return d;
    }
    return (double)f;
}

int hfconfig_save(const char *path, const bert_config *c, char *err, size_t errlen)
{
    if (c->num_labels < 0) {
        errf(err, errlen, path, 0, "num_labels %d is negative", c->num_labels);
        return -1;
    }
    cJSON *r = cJSON_CreateObject();
    cJSON *arch = cJSON_AddArrayToObject(r, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString("BertModel"));
    cJSON_AddNumberToObject(r, "attention_probs_dropout_prob", short_float(c->attn_dropout));
    cJSON_AddStringToObject(r, "hidden_act", c->hidden_act[0] ? c->hidden_act : "gelu");
    cJSON_AddNumberToObject(r, "hidden_dropout_prob", short_float(c->hidden_dropout));
    cJSON_AddNumberToObject(r, "hidden_size", c->hidden);
    if (c->num_labels > 0) {
        cJSON *i2l = cJSON_AddObjectToObject(r, "id2label");
        char k[32], v[32];
        for (int i = 0; i < c->num_labels; i++) {
            snprintf(k, sizeof k, "%d", i);
            snprintf(v, sizeof v, "LABEL_%d", i);
            cJSON_AddStringToObject(i2l, k, v);
        }
    }
    cJSON_AddNumberToObject(r, "intermediate_size", c->intermediate);
    if (c->num_labels > 0) {
        cJSON *l2i = cJSON_AddObjectToObject(r, "label2id");
        char v[32];
        for (int i = 0; i < c->num_labels; i++) {
            snprintf(v, sizeof v, "LABEL_%d", i);
            cJSON_AddNumberToObject(l2i, v, i);
        }
    }
    cJSON_AddNumberToObject(r, "layer_norm_eps", short_float(c->ln_eps));
    cJSON_AddNumberToObject(r, "max_position_embeddings", c->max_position);
    cJSON_AddStringToObject(r, "model_type", "bert");
    cJSON_AddNumberToObject(r, "num_attention_heads", c->heads);
    cJSON_AddNumberToObject(r, "num_hidden_layers", c->layers);
    cJSON_AddStringToObject(r, "position_embedding_type", "absolute");
    cJSON_AddNumberToObject(r, "type_vocab_size", c->type_vocab);
    cJSON_AddNumberToObject(r, "vocab_size", c->vocab_size);
    char *s = cJSON_Print(r);
    cJSON_Delete(r);
    if (!s) {
        errf(err, errlen, path, 0, "out of memory printing the config");
        return -1;
    }
    atomic_file af;
    if (atomic_open(&af, path) != 0) {
        errf(err, errlen, path, 0, "cannot create: %s", strerror(errno));
        free(s);
        return -1;
    }
    int ok = fputs(s, af.f) != EOF && fputc('\n', af.f) != EOF;
    free(s);
    if (!ok) {
        errf(err, errlen, path, 0, "write error: %s", strerror(errno));
        atomic_abort(&af);
        return -1;
    }
    if (atomic_commit(&af) != 0) {
        errf(err, errlen, path, 0, "cannot write: %s", strerror(errno));
        return -1;
    }
    return 0;
}
