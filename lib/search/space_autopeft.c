/* space_autopeft.c -- the AutoPEFT search space of a model (space-gen's
 * default, space_autopeft in space.h), the model constants from a Hugging
 * Face config.json, and the module names sa, pa, pt, lora. The space is
 * built through the file format's own rows, so it obeys the same checks as
 * a space file. */
#include "search/space.h"
#include "search/space_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config/hfconfig.h"

space *space_autopeft(const space_model *m, char *err, size_t errlen)
{
    if (m->hidden <= 0 || m->layers <= 0 || m->layers > PEFT_MAX_LAYERS) {
        errf(err, errlen, NULL, 0, "need hidden > 0 and 0 < layers <= %d (got hidden %d, layers %d)",
             PEFT_MAX_LAYERS, m->hidden, m->layers);
        return NULL;
    }
    if (!(m->mods & ((1u << MOD_COUNT) - 1))) {
        errf(err, errlen, NULL, 0, "no modules selected");
        return NULL;
    }
    space *s = space_new("space_autopeft");
    char v[1024], nm[32];
    int rc = 0;
    struct { const char *name; long long v; } cs[] = {
        {"hidden", m->hidden},       {"layers", m->layers},         {"heads", m->heads},
        {"intermediate", m->intermediate}, {"vocab", m->vocab}, {"max_position", m->max_position},
        {"type_vocab", m->type_vocab}, {"base_params", m->base_params},
    };
    if (cs[7].v <= 0 && m->vocab > 0 && m->intermediate > 0 && m->max_position > 0 && m->type_vocab > 0)
        cs[7].v = bert_base_param_count(m->vocab, m->hidden, m->layers, m->intermediate, m->max_position,
                                        m->type_vocab);
    for (size_t i = 0; i < sizeof cs / sizeof *cs && !rc; i++)
        if (cs[i].v > 0) {
            snprintf(v, sizeof v, "%lld", cs[i].v);
            rc = space_add_row(s, cs[i].name, "const", v, "", 0, err, errlen);
        }
    /* sizes: H, H/2, H/4, ... >= 1, then 1; increasing with 0 first */
    int sz[64], nsz = 0;
    for (int h = m->hidden; h >= 1; h /= 2)
        sz[nsz++] = h;
    if (sz[nsz - 1] != 1)
        sz[nsz++] = 1;
    size_t off = (size_t)snprintf(v, sizeof v, "0");
    for (int i = nsz - 1; i >= 0; i--)
        off += (size_t)snprintf(v + off, sizeof v - off, ",%d", sz[i]);
    snprintf(v + off, sizeof v - off, ":log");
    char mods[64] = "";
    for (int k = 0; k < MOD_COUNT && !rc; k++) {
        if (!(m->mods & (1u << k)))
            continue;
        if (k == MOD_LORA) {
            char lv[128];
            size_t o = (size_t)snprintf(lv, sizeof lv, "0");
            for (int r = 1; r <= 64 && r <= m->hidden; r *= 2)
                o += (size_t)snprintf(lv + o, sizeof lv - o, ",%d", r);
            snprintf(lv + o, sizeof lv - o, ":log");
            rc = space_add_row(s, "lora", "choice", lv, "lora", 0, err, errlen);
        } else {
            rc = space_add_row(s, SPACE_MOD_NAMES[k], "choice", v, SPACE_MOD_NAMES[k], 0, err, errlen);
        }
        if (*mods)
            strcat(mods, ",");
        strcat(mods, SPACE_MOD_NAMES[k]);
    }
    char *ls = xmalloc((size_t)m->layers * 8 + 8);
    ls[0] = 0;
    for (int l = 0; l < m->layers && !rc; l++) {
        char role[32];
        snprintf(nm, sizeof nm, "l%d", l);
        snprintf(role, sizeof role, "layer:%d", l);
        rc = space_add_row(s, nm, "bool", "-", role, 0, err, errlen);
        if (l)
            strcat(ls, ",");
        strcat(ls, nm);
    }
    if (!rc)
        rc = space_add_row(s, "any_module", "any", mods, "", 0, err, errlen);
    if (!rc)
        rc = space_add_row(s, "any_layer", "any", ls, "", 0, err, errlen);
    free(ls);
    if (!rc)
        rc = space_finish(s, 0, err, errlen);
    s->file = NULL;
    if (rc) {
        space_free(s);
        return NULL;
    }
    return s;
}

int space_model_load(const char *path, space_model *m, char *err, size_t errlen)
{
    struct stat st;
    char *own = NULL;
    if (!stat(path, &st) && S_ISDIR(st.st_mode))
        path = own = dir_file(path, "config.json");
    bert_config bc;
    int rc = hfconfig_load(path, &bc, err, errlen);
    free(own);
    if (rc)
        return -1;
    memset(m, 0, sizeof *m);
    m->hidden = bc.hidden;
    m->layers = bc.layers;
    m->heads = bc.heads;
    m->intermediate = bc.intermediate;
    m->vocab = bc.vocab_size;
    m->max_position = bc.max_position;
    m->type_vocab = bc.type_vocab;
    return 0;
}

const char *space_module_name(int k) { return k >= 0 && k < MOD_COUNT ? SPACE_MOD_NAMES[k] : "?"; }

int space_parse_modules(const char *list, unsigned *mods, char *err, size_t errlen)
{
    *mods = 0;
    const char *p = list;
    while (*p) {
        size_t n = strcspn(p, ",");
        int k = 0;
        while (k < MOD_COUNT && (strlen(SPACE_MOD_NAMES[k]) != n || strncmp(p, SPACE_MOD_NAMES[k], n)))
            k++;
        if (k == MOD_COUNT) {
            errf(err, errlen, NULL, 0, "unknown module '%.*s' (expected sa, pa, pt, lora)", (int)n, p);
            return -1;
        }
        *mods |= 1u << k;
        p += n;
        if (*p == ',')
            p++;
    }
    if (!*mods) {
        errf(err, errlen, NULL, 0, "empty module list");
        return -1;
    }
    return 0;
}
