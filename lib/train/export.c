/* export.c -- see export.h. Every name and config key below cites the
 * library source it follows (tests/ref/EXPORT.md has the line references). */
#include "train/export.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/checkpoint.h"
#include "config/hfconfig.h"
#include "data/record.h"
#include "util/util.h"

int export_format_parse(const char *s)
{
    if (!strcmp(s, "peft"))
        return EXPORT_PEFT;
    if (!strcmp(s, "adapters"))
        return EXPORT_ADAPTERS;
    return -1;
}

static const char *meta_or(const st_file *f, const char *k, const char *dflt)
{
    const char *v = st_meta(f, k);
    return v ? v : dflt;
}

int export_open(export_saved *s, const char *dir, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->dir = xstrdup(dir);
    s->path = dir_file(dir, BERT_MODULES_FILE);
    char *cpath = dir_file(dir, "config.json");
    int rc = hfconfig_load(cpath, &s->cfg, err, errlen);
    free(cpath);
    if (rc < 0)
        goto fail;
    if (!(s->f = st_open(s->path, err, errlen)))
        goto fail;
    int r = bert_meta_parse(s->f, s->cfg.layers, &s->pc, &s->task, &s->head, err, errlen);
    if (r < 0)
        goto fail;
    if (r == 0) {
        errf(err, errlen, s->path, 0, "no PEFT configuration in the metadata: not written by train-eval --save");
        goto fail;
    }
    if (s->task == BERT_TASK_MLM) {
        errf(err, errlen, s->path, 0, "a masked-LM record has no task head to export");
        goto fail;
    }
    if (s->head == BERT_HEAD_AUTO)
        s->head = st_get(s->f, "classifier.weight") ? BERT_HEAD_HF : BERT_HEAD_AUTOPEFT;
    const st_tensor *out = st_get(s->f, s->head == BERT_HEAD_HF ? "classifier.weight" : "head.out.weight");
    if (!out || out->ndim != 2 || out->shape[1] != s->cfg.hidden || out->shape[0] < 1 || out->shape[0] > 1 << 20) {
        errf(err, errlen, s->path, 0, "no valid %s tensor", s->head == BERT_HEAD_HF ? "classifier.weight" : "head.out.weight");
        goto fail;
    }
    s->n_labels = (int)out->shape[0];
    s->id = meta_or(s->f, "id", "");
    s->labels = meta_or(s->f, "labels", "[]");
    s->base_model = meta_or(s->f, "base_model", "");
    s->task_name = meta_or(s->f, "task_name", "");
    return 0;
fail:
    export_close(s);
    return -1;
}

void export_close(export_saved *s)
{
    st_close(s->f);
    free(s->dir);
    free(s->path);
    memset(s, 0, sizeof *s);
}

int export_supported(const export_saved *s, export_format fmt, char *why, size_t whylen)
{
    const peft_config *p = &s->pc;
    if (p->full) {
        snprintf(why, whylen, "a fully fine-tuned record is a whole model, not modules: save it with "
                              "model tools instead");
        return 0;
    }
    if (fmt == EXPORT_PEFT) {
        if (p->sa || p->pa || p->pt) {
            snprintf(why, whylen,
                     "Hugging Face PEFT cannot express %s%s%s: its LoRA config has no bottleneck adapters, and "
                     "its prefix tuning has no per-layer flags or these key/value semantics; export LoRA-only "
                     "records, or use --format adapters",
                     p->sa ? "a serial adapter" : p->pa ? "a parallel adapter" : "prefix tuning",
                     (p->sa && (p->pa || p->pt)) ? " (and more)" : "", "");
            return 0;
        }
        if (!p->lora) {
            snprintf(why, whylen, "the record has no LoRA module: Hugging Face PEFT would hold only the head");
            return 0;
        }
    }
    if (fmt == EXPORT_ADAPTERS && p->sa && p->pa) {
        snprintf(why, whylen,
                 "AdapterHub adapters cannot run a serial and a parallel adapter in the same layer with these "
                 "semantics (LN(h + SA(LN(h + x)) + PA(x) + x)): a ConfigUnion refuses two output adapters, and "
                 "in a Stack the parallel adapter's input (the FFN input) replaces the serial one's output, "
                 "whichever comes first (tests/ref/EXPORT.md)");
        return 0;
    }
    if (!peft_any_module(p) && fmt == EXPORT_ADAPTERS) {
        snprintf(why, whylen, "the record has no PEFT module, only a head");
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ tensors out */

typedef struct {
    st_out *t;
    int n, cap;
} tlist;

static void tl_add(tlist *l, const char *name, int ndim, long long d0, long long d1, float *data)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 32;
        l->t = xrealloc(l->t, (size_t)l->cap * sizeof *l->t);
    }
    st_out *o = &l->t[l->n++];
    memset(o, 0, sizeof *o);
    o->name = xstrdup(name);
    o->ndim = ndim;
    o->shape[0] = d0;
    o->shape[1] = d1;
    o->data = data;
}

static void tl_free(tlist *l)
{
    for (int i = 0; i < l->n; i++) {
        free((char *)l->t[i].name);
        free((float *)l->t[i].data);
    }
    free(l->t);
    memset(l, 0, sizeof *l);
}

/* Tensor `name` of the saved file as float32, checked to be (d0) or (d0, d1). */
static float *fetch(const export_saved *s, const char *name, long long d0, long long d1, char *err, size_t errlen)
{
    const st_tensor *t = st_get(s->f, name);
    if (!t) {
        errf(err, errlen, s->path, 0, "missing tensor '%s'", name);
        return NULL;
    }
    int nd = d1 > 0 ? 2 : 1;
    if (t->ndim != nd || t->shape[0] != d0 || (nd == 2 && t->shape[1] != d1)) {
        errf(err, errlen, s->path, 0, "tensor '%s' has the wrong shape (expected [%lld%s%.0lld])", name, d0,
             nd == 2 ? ", " : "", d1);
        return NULL;
    }
    float *v = xmalloc((size_t)(d0 * (d1 > 0 ? d1 : 1)) * sizeof *v + 1);
    if (st_to_f32(s->f, t, v, err, errlen) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

/* Copy `from` of the saved file to `to` in the list. */
static int copy_t(tlist *l, const export_saved *s, const char *from, const char *to, long long d0, long long d1,
                  char *err, size_t errlen)
{
    float *v = fetch(s, from, d0, d1, err, errlen);
    if (!v)
        return -1;
    tl_add(l, to, d1 > 0 ? 2 : 1, d0, d1, v);
    return 0;
}

/* A Linear: FROM.weight (out, in) and FROM.bias (out) as TO.weight, TO.bias. */
static int copy_linear(tlist *l, const export_saved *s, const char *from, const char *to, long long out,
                       long long in, char *err, size_t errlen)
{
    char f[200], t[300];
    snprintf(f, sizeof f, "%s.weight", from);
    snprintf(t, sizeof t, "%s.weight", to);
    if (copy_t(l, s, f, t, out, in, err, errlen) < 0)
        return -1;
    snprintf(f, sizeof f, "%s.bias", from);
    snprintf(t, sizeof t, "%s.bias", to);
    return copy_t(l, s, f, t, out, 0, err, errlen);
}

/* The task head's two Linears (dense H x H, then out C x H) under the
 * names dense_to and out_to: the AutoPEFT head's head.dense/head.out, or an
 * HF head's pooler.dense/classifier. */
static int copy_head(tlist *l, const export_saved *s, const char *dense_to, const char *out_to, char *err,
                     size_t errlen)
{
    int hf = s->head == BERT_HEAD_HF, H = s->cfg.hidden;
    if (copy_linear(l, s, hf ? "pooler.dense" : "head.dense", dense_to, H, H, err, errlen) < 0)
        return -1;
    return copy_linear(l, s, hf ? "classifier" : "head.out", out_to, s->n_labels, H, err, errlen);
}

/* ------------------------------------------------------------ files out */

static int write_json(const char *dir, const char *name, cJSON *j, char *err, size_t errlen)
{
    char *path = dir_file(dir, name);
    char *txt = cJSON_Print(j);
    int rc = -1;
    atomic_file af;
    if (!txt) {
        errf(err, errlen, path, 0, "out of memory");
    } else if (atomic_open(&af, path) < 0) {
        errf(err, errlen, path, 0, "cannot write: %s", strerror(errno));
    } else {
        fputs(txt, af.f);
        fputc('\n', af.f);
        if (atomic_commit(&af) < 0)
            errf(err, errlen, path, 0, "cannot write: %s", strerror(errno));
        else
            rc = 0;
    }
    free(txt);
    free(path);
    return rc;
}

static int write_tensors(const char *dir, const char *name, const tlist *l, char *err, size_t errlen)
{
    /* transformers/PEFT/adapters save with metadata {"format": "pt"} */
    static const char *const meta[] = {"format", "pt", NULL};
    char *path = dir_file(dir, name);
    int rc = st_write(path, l->t, l->n, meta, err, errlen);
    free(path);
    return rc;
}

/* Remove a directory of plain files (the previous export). */
static void remove_flat_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                continue;
            char *p = dir_file(dir, e->d_name);
            unlink(p);
            free(p);
        }
        closedir(d);
    }
    rmdir(dir);
}

static cJSON *json_int_array(const int *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static cJSON *json_str_array(const char *const *v, int n)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    return a;
}

/* id2label / label2id of the saved labels (LABEL_i when there are none). */
static void add_labels(cJSON *o, const export_saved *s)
{
    cJSON *names = cJSON_Parse(s->labels);
    cJSON *i2l = cJSON_CreateObject(), *l2i = cJSON_CreateObject();
    for (int i = 0; i < s->n_labels; i++) {
        cJSON *n = cJSON_IsArray(names) ? cJSON_GetArrayItem(names, i) : NULL;
        char k[32], dflt[32];
        snprintf(k, sizeof k, "%d", i);
        snprintf(dflt, sizeof dflt, "LABEL_%d", i);
        const char *v = cJSON_IsString(n) ? n->valuestring : dflt;
        cJSON_AddStringToObject(i2l, k, v);
        cJSON_AddNumberToObject(l2i, v, i);
    }
    cJSON_Delete(names);
    cJSON_AddItemToObject(o, "id2label", i2l);
    cJSON_AddItemToObject(o, "label2id", l2i);
}

/* ------------------------------------------------------------ PEFT (LoRA) */

static int export_peft(const export_saved *s, const export_opts *o, const char *dir, char *err, size_t errlen)
{
    const peft_config *p = &s->pc;
    int H = s->cfg.hidden, L = s->cfg.layers, r = p->lora;
    tlist tl = {0};
    char from[160], to[200];
    int kept[PEFT_MAX_LAYERS], nk = 0;
    for (int l = 0; l < L; l++) {
        if (!p->layer_on[l])
            continue;
        kept[nk++] = l;
        static const char *const mods[] = {"query", "value"};
        for (int k = 0; k < 2; k++) {
            /* peft/tuners/lora/layer.py: lora_A Linear(in, r), lora_B Linear(r, out);
             * save_and_load.py drops the adapter name from the keys */
            snprintf(from, sizeof from, "encoder.layer.%d.attention.self.%s.lora_A", l, mods[k]);
            snprintf(to, sizeof to, "base_model.model.bert.encoder.layer.%d.attention.self.%s.lora_A.weight", l, mods[k]);
            if (copy_t(&tl, s, from, to, r, H, err, errlen) < 0)
                goto fail;
            snprintf(from, sizeof from, "encoder.layer.%d.attention.self.%s.lora_B", l, mods[k]);
            snprintf(to, sizeof to, "base_model.model.bert.encoder.layer.%d.attention.self.%s.lora_B.weight", l, mods[k]);
            if (copy_t(&tl, s, from, to, H, r, err, errlen) < 0)
                goto fail;
        }
    }
    /* the head: BertForSequenceClassification's pooler (dense + tanh on
     * [CLS]) and classifier are, at inference, the AutoPEFT head's dense +
     * tanh and out; both are modules_to_save */
    if (copy_head(&tl, s, "base_model.model.bert.pooler.dense", "base_model.model.classifier", err, errlen) < 0)
        goto fail;
    if (write_tensors(dir, "adapter_model.safetensors", &tl, err, errlen) < 0)
        goto fail;

    /* peft/tuners/lora/config.py LoraConfig, as save_pretrained writes it */
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "alpha_pattern", cJSON_CreateObject());
    cJSON_AddNullToObject(j, "auto_mapping");
    cJSON_AddStringToObject(j, "base_model_name_or_path", o->base_model ? o->base_model : s->base_model);
    cJSON_AddStringToObject(j, "bias", "none");
    cJSON_AddFalseToObject(j, "fan_in_fan_out");
    cJSON_AddTrueToObject(j, "inference_mode");
    cJSON_AddTrueToObject(j, "init_lora_weights");
    if (nk < L) {
        cJSON_AddStringToObject(j, "layers_pattern", "layer");
        cJSON_AddItemToObject(j, "layers_to_transform", json_int_array(kept, nk));
    } else {
        cJSON_AddNullToObject(j, "layers_pattern");
        cJSON_AddNullToObject(j, "layers_to_transform");
    }
    cJSON_AddNumberToObject(j, "lora_alpha", p->lora_alpha);
    cJSON_AddNumberToObject(j, "lora_dropout", 0.0);
    static const char *const save[] = {"classifier", "pooler"};
    cJSON_AddItemToObject(j, "modules_to_save", json_str_array(save, 2));
    cJSON_AddStringToObject(j, "peft_type", "LORA");
    cJSON_AddNumberToObject(j, "r", r);
    cJSON_AddItemToObject(j, "rank_pattern", cJSON_CreateObject());
    cJSON_AddNullToObject(j, "revision");
    static const char *const targets[] = {"query", "value"};
    cJSON_AddItemToObject(j, "target_modules", json_str_array(targets, 2));
    cJSON_AddStringToObject(j, "task_type", "SEQ_CLS");
    cJSON_AddFalseToObject(j, "use_dora");
    cJSON_AddFalseToObject(j, "use_rslora");
    int rc = write_json(dir, "adapter_config.json", j, err, errlen);
    cJSON_Delete(j);
    if (rc < 0)
        goto fail;
    tl_free(&tl);
    return 0;
fail:
    tl_free(&tl);
    return -1;
}

/* ------------------------------------------------------------ adapters */

/* AdapterHub adapters 1.2.0 (adapter-hub/adapters 88f18eb; tests/ref/EXPORT.md):
 * one adapter NAME whose config is the union of the record's modules. */

static cJSON *json_leave_out(const export_saved *s)
{
    cJSON *a = cJSON_CreateArray();
    for (int l = 0; l < s->cfg.layers; l++)
        if (!s->pc.layer_on[l])
            cJSON_AddItemToArray(a, cJSON_CreateNumber(l));
    return a;
}

/* The reduction factor r with int(H // r) == size in Python
 * (methods/bottleneck.py: down_sample=int(hidden_size // reduction_factor)):
 * H / size when it divides, else H / (size + 0.5), whose quotient is
 * size + 0.5 and floors to size whatever the rounding. */
static double reduction_factor(int H, int size)
{
    return H % size == 0 ? (double)(H / size) : (double)H / ((double)size + 0.5);
}

/* configuration/adapter_config.py BnConfig fields, every one written:
 * serial = SeqBnConfig values (LN(h + x) into the adapter, its residual
 * before that LN, the original output LayerNorm after: y = LN(h + SA + x));
 * parallel = ParBnConfig values (input x, scaling 4, y = LN(h + PA + x)). */
static cJSON *bn_config(const export_saved *s, int size, int parallel)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddFalseToObject(c, "adapter_residual_before_ln");
    cJSON_AddNullToObject(c, "architecture");
    cJSON_AddFalseToObject(c, "cross_adapter");
    cJSON_AddNumberToObject(c, "dropout", 0.0);
    cJSON_AddTrueToObject(c, "factorized_phm_W");
    cJSON_AddFalseToObject(c, "factorized_phm_rule");
    cJSON_AddStringToObject(c, "hypercomplex_nonlinearity", "glorot-uniform");
    cJSON_AddStringToObject(c, "init_weights", parallel ? "mam_adapter" : "bert");
    cJSON_AddNullToObject(c, "init_weights_seed");
    cJSON_AddNullToObject(c, "inv_adapter");
    cJSON_AddNullToObject(c, "inv_adapter_reduction_factor");
    cJSON_AddBoolToObject(c, "is_parallel", parallel);
    cJSON_AddTrueToObject(c, "learn_phm");
    cJSON_AddItemToObject(c, "leave_out", json_leave_out(s));
    cJSON_AddFalseToObject(c, "ln_after");
    cJSON_AddFalseToObject(c, "ln_before");
    cJSON_AddFalseToObject(c, "mh_adapter");
    cJSON_AddStringToObject(c, "non_linearity", "relu");
    cJSON_AddTrueToObject(c, "original_ln_after");
    cJSON_AddBoolToObject(c, "original_ln_before", !parallel);
    cJSON_AddTrueToObject(c, "output_adapter");
    cJSON_AddTrueToObject(c, "phm_bias");
    cJSON_AddStringToObject(c, "phm_c_init", "normal");
    cJSON_AddNumberToObject(c, "phm_dim", 4);
    cJSON_AddNumberToObject(c, "phm_init_range", 0.0001);
    cJSON_AddFalseToObject(c, "phm_layer");
    cJSON_AddNumberToObject(c, "phm_rank", 1);
    cJSON_AddNumberToObject(c, "reduction_factor", reduction_factor(s->cfg.hidden, size));
    cJSON_AddTrueToObject(c, "residual_before_ln");
    /* a JSON float: methods/modeling.py:100 takes isinstance(scaling, float),
     * and an integer 4 would fall through to "Unknown scaling type" */
    cJSON_AddRawToObject(c, "scaling", parallel ? "4.0" : "1.0");
    cJSON_AddFalseToObject(c, "shared_W_phm");
    cJSON_AddTrueToObject(c, "shared_phm_rule");
    cJSON_AddNumberToObject(c, "stochastic_depth", 0.0);
    cJSON_AddFalseToObject(c, "use_gating");
    return c;
}

/* PrefixTuningConfig: Embedding(prefix_length, H) -> Linear(H, bottleneck)
 * -> tanh -> Linear(bottleneck, n_layers * 2 * H), n_layers = the layers
 * not left out, in increasing order (methods/prefix_tuning.py). */
static cJSON *prefix_config(const export_saved *s)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "architecture", "prefix_tuning");
    cJSON_AddNumberToObject(c, "bottleneck_size", s->pc.prefix_mid);
    cJSON_AddTrueToObject(c, "cross_prefix");
    cJSON_AddNumberToObject(c, "dropout", 0.0);
    cJSON_AddTrueToObject(c, "encoder_prefix");
    cJSON_AddFalseToObject(c, "flat");
    cJSON_AddNullToObject(c, "init_weights_seed");
    cJSON_AddItemToObject(c, "leave_out", json_leave_out(s));
    cJSON_AddStringToObject(c, "non_linearity", "tanh");
    cJSON_AddNumberToObject(c, "prefix_length", s->pc.pt);
    cJSON_AddTrueToObject(c, "shared_gating");
    cJSON_AddFalseToObject(c, "use_gating");
    return c;
}

/* LoRAConfig: query and value ("q", "v"), scaling alpha / r. */
static cJSON *lora_config(const export_saved *s)
{
    cJSON *c = cJSON_CreateObject();
    cJSON_AddNumberToObject(c, "alpha", s->pc.lora_alpha);
    cJSON_AddStringToObject(c, "architecture", "lora");
    static const char *const qv[] = {"q", "v"};
    cJSON_AddItemToObject(c, "attn_matrices", json_str_array(qv, 2));
    cJSON_AddStringToObject(c, "composition_mode", "add");
    cJSON_AddNumberToObject(c, "dropout", 0.0);
    cJSON_AddNullToObject(c, "dtype");
    cJSON_AddStringToObject(c, "init_weights", "lora");
    cJSON_AddNullToObject(c, "init_weights_seed");
    cJSON_AddFalseToObject(c, "intermediate_lora");
    cJSON_AddItemToObject(c, "leave_out", json_leave_out(s));
    cJSON_AddFalseToObject(c, "output_lora");
    cJSON_AddNumberToObject(c, "r", s->pc.lora);
    cJSON_AddTrueToObject(c, "selfattn_lora");
    cJSON_AddFalseToObject(c, "use_dora");
    cJSON_AddFalseToObject(c, "use_gating");
    cJSON_AddNullToObject(c, "vera_b");
    cJSON_AddNullToObject(c, "vera_d");
    return c;
}

static void add_meta(cJSON *j, const export_saved *s, const export_opts *o, const char *name)
{
    cJSON_AddNumberToObject(j, "hidden_size", s->cfg.hidden);
    cJSON_AddStringToObject(j, "model_class", "BertAdapterModel");
    cJSON_AddStringToObject(j, "model_name", o->base_model ? o->base_model : s->base_model);
    cJSON_AddStringToObject(j, "model_type", "bert");
    cJSON_AddStringToObject(j, "name", name);
    cJSON_AddStringToObject(j, "version", "adapters.1.2.0");
}

static int export_adapters(const export_saved *s, const export_opts *o, const char *dir, char *err, size_t errlen)
{
    const peft_config *p = &s->pc;
    int H = s->cfg.hidden, L = s->cfg.layers, C = s->n_labels;
    const char *nm = o->name;
    tlist tl = {0}, th = {0};
    char from[160], to[256];
    int La = 0;
    for (int l = 0; l < L; l++) {
        if (!p->layer_on[l])
            continue;
        La++;
        static const char *const ud[2] = {"adapter", "parallel"};
        for (int k = 0; k < 2; k++) {
            int size = k ? p->pa : p->sa;
            if (!size)
                continue;
            /* models/bert/mixin_bert.py: BertOutput is the "output_adapter"
             * BottleneckLayer; methods/modeling.py Adapter: adapter_down =
             * Sequential(Linear, activation), adapter_up = Linear */
            snprintf(from, sizeof from, "encoder.layer.%d.output.%s.down", l, ud[k]);
            snprintf(to, sizeof to, "encoder.layer.%d.output.adapters.%s.adapter_down.0", l, nm);
            if (copy_linear(&tl, s, from, to, size, H, err, errlen) < 0)
                goto fail;
            snprintf(from, sizeof from, "encoder.layer.%d.output.%s.up", l, ud[k]);
            snprintf(to, sizeof to, "encoder.layer.%d.output.adapters.%s.adapter_up", l, nm);
            if (copy_linear(&tl, s, from, to, H, size, err, errlen) < 0)
                goto fail;
        }
        if (p->lora) {
            static const char *const mods[] = {"query", "value"};
            for (int k = 0; k < 2; k++) {
                /* methods/lora.py: LoRALinear wraps the Linear; loras.NAME.lora_A (r, in), lora_B (out, r) */
                snprintf(from, sizeof from, "encoder.layer.%d.attention.self.%s.lora_A", l, mods[k]);
                snprintf(to, sizeof to, "encoder.layer.%d.attention.self.%s.loras.%s.lora_A", l, mods[k], nm);
                if (copy_t(&tl, s, from, to, p->lora, H, err, errlen) < 0)
                    goto fail;
                snprintf(from, sizeof from, "encoder.layer.%d.attention.self.%s.lora_B", l, mods[k]);
                snprintf(to, sizeof to, "encoder.layer.%d.attention.self.%s.loras.%s.lora_B", l, mods[k], nm);
                if (copy_t(&tl, s, from, to, H, p->lora, err, errlen) < 0)
                    goto fail;
            }
        }
    }
    if (p->pt && La) {
        /* model_mixin.py: base_model.prefix_tuning = PrefixTuningPool;
         * prefix_tunings.NAME is a PrefixTuningGroup keyed by the location
         * "self_prefix" (BertSelfAttention location_key "self" + "_prefix") */
        static const char *const pf[][2] = {{"prefix.embedding.weight", "wte.weight"},
                                            {"prefix.mlp.0.weight", "control_trans.0.weight"},
                                            {"prefix.mlp.0.bias", "control_trans.0.bias"},
                                            {"prefix.mlp.2.weight", "control_trans.2.weight"},
                                            {"prefix.mlp.2.bias", "control_trans.2.bias"}};
        long long sh[5][2] = {{p->pt, H}, {p->prefix_mid, H}, {p->prefix_mid, 0},
                              {2LL * H * La, p->prefix_mid}, {2LL * H * La, 0}};
        for (int k = 0; k < 5; k++) {
            snprintf(to, sizeof to, "prefix_tuning.prefix_tunings.%s.self_prefix.%s", nm, pf[k][1]);
            if (copy_t(&tl, s, pf[k][0], to, sh[k][0], sh[k][1], err, errlen) < 0)
                goto fail;
        }
    }
    if (write_tensors(dir, "adapter.safetensors", &tl, err, errlen) < 0)
        goto fail;

    cJSON *parts[3];
    int np = 0;
    if (p->sa)
        parts[np++] = bn_config(s, p->sa, 0);
    if (p->pa)
        parts[np++] = bn_config(s, p->pa, 1);
    if (p->pt)
        parts[np++] = prefix_config(s);
    if (p->lora)
        parts[np++] = lora_config(s);
    cJSON *j = cJSON_CreateObject();
    if (np == 1) {
        cJSON_AddItemToObject(j, "config", parts[0]);
    } else {
        /* ConfigUnion.to_dict */
        cJSON *u = cJSON_CreateObject();
        cJSON_AddStringToObject(u, "architecture", "union");
        cJSON *arr = cJSON_AddArrayToObject(u, "configs");
        for (int i = 0; i < np; i++)
            cJSON_AddItemToArray(arr, parts[i]);
        cJSON_AddItemToObject(j, "config", u);
    }
    add_meta(j, s, o, nm);
    int rc = write_json(dir, "adapter_config.json", j, err, errlen);
    cJSON_Delete(j);
    if (rc < 0)
        goto fail;

    /* the head: heads/base.py ClassificationHead(layers=2, tanh): Dropout,
     * Linear(H, H), tanh, Dropout, Linear(H, C) on [CLS] (use_pooler false),
     * which is the AutoPEFT head (and, at inference, pooler + classifier) */
    char dense_to[160];
    snprintf(dense_to, sizeof dense_to, "heads.%s.1", nm);
    snprintf(to, sizeof to, "heads.%s.4", nm);
    if (copy_head(&th, s, dense_to, to, err, errlen) < 0)
        goto fail;
    if (write_tensors(dir, "model_head.safetensors", &th, err, errlen) < 0)
        goto fail;
    j = cJSON_CreateObject();
    cJSON *hc = cJSON_CreateObject();
    cJSON_AddStringToObject(hc, "activation_function", "tanh");
    cJSON_AddTrueToObject(hc, "bias");
    cJSON_AddNullToObject(hc, "dropout_prob");
    cJSON_AddStringToObject(hc, "head_type", "classification");
    cJSON *tmp = cJSON_CreateObject();
    add_labels(tmp, s);
    cJSON_AddItemToObject(hc, "label2id", cJSON_Duplicate(cJSON_GetObjectItem(tmp, "label2id"), 1));
    cJSON_AddNumberToObject(hc, "layers", 2);
    cJSON_AddNumberToObject(hc, "num_labels", C);
    cJSON_AddFalseToObject(hc, "use_pooler");
    cJSON_AddItemToObject(j, "config", hc);
    add_meta(j, s, o, nm);
    cJSON_AddItemToObject(j, "label2id", cJSON_Duplicate(cJSON_GetObjectItem(tmp, "label2id"), 1));
    cJSON_Delete(tmp);
    rc = write_json(dir, "head_config.json", j, err, errlen);
    cJSON_Delete(j);
    if (rc < 0)
        goto fail;
    tl_free(&tl);
    tl_free(&th);
    return 0;
fail:
    tl_free(&tl);
    tl_free(&th);
    return -1;
}

/* ------------------------------------------------------------ driver */

int export_write(const export_saved *s, const export_opts *o, const char *outdir, char *err, size_t errlen)
{
    char why[512];
    if (!export_supported(s, o->format, why, sizeof why)) {
        errf(err, errlen, s->dir, 0, "%s", why);
        return -1;
    }
    size_t n = strlen(outdir) + 64;
    char *tmp = xmalloc(n), *old = xmalloc(n);
    snprintf(tmp, n, "%s.tmp.%ld", outdir, (long)getpid());
    snprintf(old, n, "%s.old.%ld", outdir, (long)getpid());
    int rc = -1;
    remove_flat_dir(tmp);
    /* missing parent directories are created, as mkdir -p would */
    for (char *q = tmp + 1; *q; q++) {
        if (*q != '/')
            continue;
        *q = 0;
        mkdir(tmp, 0777);
        *q = '/';
    }
    if (mkdir(tmp, 0777) != 0) {
        errf(err, errlen, outdir, 0, "cannot create the output directory: %s", strerror(errno));
        goto out;
    }
    rc = o->format == EXPORT_PEFT ? export_peft(s, o, tmp, err, errlen) : export_adapters(s, o, tmp, err, errlen);
    if (rc < 0) {
        remove_flat_dir(tmp);
        goto out;
    }
    struct stat st;
    int had = lstat(outdir, &st) == 0;
    if (had && !S_ISDIR(st.st_mode)) {
        errf(err, errlen, outdir, 0, "cannot replace: %s", strerror(ENOTDIR));
        remove_flat_dir(tmp);
        rc = -1;
        goto out;
    }
    if (had && rename(outdir, old) != 0) {
        errf(err, errlen, outdir, 0, "cannot replace: %s", strerror(errno));
        remove_flat_dir(tmp);
        rc = -1;
        goto out;
    }
    if (rename(tmp, outdir) != 0) {
        errf(err, errlen, outdir, 0, "cannot write: %s", strerror(errno));
        if (had)
            rename(old, outdir);
        remove_flat_dir(tmp);
        rc = -1;
        goto out;
    }
    if (had)
        remove_flat_dir(old);
    rc = 0;
out:
    free(tmp);
    free(old);
    return rc;
}

/* ------------------------------------------------------------ export-modules(1) */

static const char *format_name(export_format f) { return f == EXPORT_PEFT ? "peft" : "adapters"; }

/* Export one saved directory; dies with "export: FILE[:LINE]: ..." on failure. */
static void export_one(const export_run_opts *o, const char *dir, const char *outdir, const char *rfile, long rline)
{
    char err[1024];
    export_saved s;
    if (export_open(&s, dir, err, sizeof err) < 0) {
        if (rfile)
            die_at(rfile, rline, "%s", err);
        die(EXIT_BADINPUT, "%s", err);
    }
    if (export_write(&s, &o->ex, outdir, err, sizeof err) < 0) {
        export_close(&s);
        if (rfile)
            die_at(rfile, rline, "%s", err);
        die(EXIT_BADINPUT, "%s", err);
    }
    export_close(&s);
}

void export_run(const export_run_opts *o, char **args, int nargs, FILE *out)
{
    char err[1024];
    if (!o->saved) {
        if (o->output && !strstr(o->output, "{id}") && nargs > 1 && mkdir(o->output, 0777) != 0 && errno != EEXIST)
            die(EXIT_BADINPUT, "%s: cannot create the output directory: %s", o->output, strerror(errno));
        for (int i = 0; i < nargs; i++) {
            char *outdir;
            if (!o->output) {
                outdir = dir_file(args[i], format_name(o->ex.format));
            } else if (strstr(o->output, "{id}") || nargs > 1) {
                /* the record's id, from the saved metadata */
                export_saved s;
                if (export_open(&s, args[i], err, sizeof err) < 0)
                    die(EXIT_BADINPUT, "%s", err);
                const char *id = *s.id ? s.id : args[i];
                outdir = id_path(o->output, id, 1);
                export_close(&s);
            } else {
                outdir = xstrdup(o->output);
            }
            export_one(o, args[i], outdir, NULL, 0);
            free(outdir);
        }
        return;
    }
    /* record mode: every record is exported before any is written out */
    rec_row *rows = NULL;
    rec_row first_hdr = {0}; /* the first input's header */
    int nrows = 0, cap = 0, fmt_out = REC_TSV, ncol = -1;
    int nin = nargs ? nargs : 1;
    for (int fi = 0; fi < nin; fi++) {
        const char *path = nargs ? args[fi] : "-";
        int fmt = rec_format_for(path, o->csv);
        rec_reader *r = rec_open(path, fmt, 0, err, sizeof err);
        if (!r)
            die(EXIT_BADINPUT, "%s", err);
        if (fi == 0)
            fmt_out = o->csv ? REC_CSV : fmt;
        int c_id = rec_col_req(r, "id");
        int c_status = rec_col(r, "status");
        int c_exp = rec_col(r, "export");
        int w = rec_ncols(r) + (c_exp < 0);
        if (ncol < 0) {
            ncol = w;
            rec_header_row(r, &first_hdr);
            rec_row h = {0};
            rec_header_row(r, &h);
            if (c_exp < 0)
                row_push(&h, "export");
            rows = xrealloc(rows, (size_t)(cap = 16) * sizeof *rows);
            rows[nrows++] = h;
        } else if (!rec_header_same(r, &first_hdr)) {
            die_at(path, 1, "header differs from the first input's");
        }
        int rc;
        while ((rc = rec_next(r)) > 0) {
            const char *id = rec_field(r, c_id);
            if (!*id)
                die_at(path, rec_line(r), "column 'id': empty id");
            if (c_status >= 0 && strcmp(rec_field(r, c_status), "ok"))
                die_at(path, rec_line(r), "record '%s' has status '%s': nothing was saved for it", id,
                       rec_field(r, c_status));
            char *dir = id_path(o->saved, id, 1);
            char *outdir = o->output ? id_path(o->output, id, 1) : dir_file(dir, format_name(o->ex.format));
            export_one(o, dir, outdir, path, rec_line(r));
            rec_row row = {0};
            for (int i = 0; i < rec_ncols(r); i++)
                row_push(&row, i == c_exp ? outdir : rec_field(r, i));
            if (c_exp < 0)
                row_push(&row, outdir);
            if (nrows == cap)
                rows = xrealloc(rows, (size_t)(cap *= 2) * sizeof *rows);
            rows[nrows++] = row;
            free(dir);
            free(outdir);
        }
        if (rc < 0)
            die(EXIT_BADINPUT, "%s", rec_error(r));
        rec_close(r);
    }
    rec_writer *wr = rec_writer_new(out, fmt_out);
    for (int i = 0; i < nrows; i++) {
        if (rec_write(wr, rows[i].n, (const char *const *)rows[i].v, err, sizeof err) < 0)
            die(EXIT_BADINPUT, "%s", err);
        row_free(&rows[i]);
    }
    out_flush();
    rec_writer_free(wr);
    free(rows);
    row_free(&first_hdr);
}

