/* configrec.c -- see configrec.h */
#include "config/configrec.h"
#include "util/util.h"

#include <stdio.h>
#include <string.h>

int configrec_bind(const rec_reader *r, int n_layers, configrec_cols *c, char *err, size_t errlen)
{
    char name[32];
    memset(c, 0, sizeof *c);
    c->n_layers = n_layers;
    if ((c->id = rec_col(r, "id")) < 0) {
        errf(err, errlen, rec_name(r), 1, "missing column 'id'");
        return -1;
    }
    c->sa = rec_col(r, "sa");
    c->pa = rec_col(r, "pa");
    c->pt = rec_col(r, "pt");
    c->lora = rec_col(r, "lora");
    c->full = rec_col(r, "full");
    int found = 0;
    for (int l = 0; l < PEFT_MAX_LAYERS; l++) {
        snprintf(name, sizeof name, "l%d", l);
        int k = rec_col(r, name);
        if (l < n_layers)
            c->layer[l] = k;
        if (k >= 0)
            found = l + 1;
    }
    if (found > n_layers) {
        errf(err, errlen, rec_name(r), 1,
             "config has layer flags up to l%d but the model has %d layers (l0..l%d)", found - 1,
             n_layers, n_layers - 1);
        return -1;
    }
    for (int l = 0; l < n_layers; l++)
        if (c->layer[l] < 0) {
            errf(err, errlen, rec_name(r), 1,
                 "missing column 'l%d': the model has %d layers, so flags l0..l%d are needed", l,
                 n_layers, n_layers - 1);
            return -1;
        }
    return 0;
}

static int get_size(const rec_reader *r, int col, const char *name, int *out, char *err, size_t errlen)
{
    long v;
    if (col < 0) {
        *out = 0;
        return 0;
    }
    const char *s = rec_field(r, col);
    if (parse_long(s, &v) < 0) {
        errf(err, errlen, rec_name(r), rec_line(r), "column '%s': '%s' is not an integer", name, s);
        return -1;
    }
    if (v < 0) {
        errf(err, errlen, rec_name(r), rec_line(r), "column '%s': size %ld is negative", name, v);
        return -1;
    }
    if (v > 1000000) {
        errf(err, errlen, rec_name(r), rec_line(r), "column '%s': size %ld is too large", name, v);
        return -1;
    }
    *out = (int)v;
    return 0;
}

int configrec_parse(const rec_reader *r, const configrec_cols *c, peft_config *cfg, char *err,
                    size_t errlen)
{
    peft_default(cfg, c->n_layers);
    if (get_size(r, c->sa, "sa", &cfg->sa, err, errlen) || get_size(r, c->pa, "pa", &cfg->pa, err, errlen) ||
        get_size(r, c->pt, "pt", &cfg->pt, err, errlen) || get_size(r, c->lora, "lora", &cfg->lora, err, errlen))
        return -1;
    for (int l = 0; l < c->n_layers; l++) {
        const char *s = rec_field(r, c->layer[l]);
        if (strcmp(s, "0") && strcmp(s, "1")) {
            errf(err, errlen, rec_name(r), rec_line(r), "column 'l%d': layer flag '%s' is not 0 or 1", l, s);
            return -1;
        }
        cfg->layer_on[l] = s[0] == '1';
    }
    if (c->full >= 0) {
        const char *s = rec_field(r, c->full);
        if (strcmp(s, "0") && strcmp(s, "1")) {
            errf(err, errlen, rec_name(r), rec_line(r), "column 'full': '%s' is not 0 or 1", s);
            return -1;
        }
        cfg->full = s[0] == '1';
    }
    return 0;
}

int configrec_check(const rec_reader *r, const peft_config *cfg, int hidden, char *err, size_t errlen)
{
    const char *name[4] = {"sa", "pa", "pt", "lora"};
    int v[4] = {cfg->sa, cfg->pa, cfg->pt, cfg->lora}, any = 0;
    for (int k = 0; k < 4; k++) {
        if (v[k] > hidden) {
            errf(err, errlen, rec_name(r), rec_line(r),
                 "column '%s': size %d is larger than the model's hidden size %d (the space's largest)", name[k],
                 v[k], hidden);
            return -1;
        }
        any |= v[k] > 0;
    }
    if (any && peft_active_layers(cfg) == 0) {
        errf(err, errlen, rec_name(r), rec_line(r),
             "every layer flag is 0, so the modules would be in no layer (turn a layer on, or set the sizes to 0 "
             "for the head alone)");
        return -1;
    }
    return 0;
}
