/* baselines.c -- see baselines.h */
#include "search/baselines.h"

#include <stdio.h>
#include <string.h>

#include "search/transfer.h"

static int add(baseline *out, int n, const char *family, int mod, int size, int layers)
{
    for (int i = 0; i < n; i++) /* a size the grid already gave this family */
        if (!strcmp(out[i].family, family)) {
            const peft_config *c = &out[i].cfg;
            int s = mod == MOD_SA ? c->sa : mod == MOD_PA ? c->pa : mod == MOD_PT ? c->pt : c->lora;
            if (s == size)
                return n;
        }
    baseline *b = &out[n];
    memset(b, 0, sizeof *b);
    peft_default(&b->cfg, layers);
    b->family = family;
    switch (mod) {
    case MOD_SA: b->cfg.sa = size; break;
    case MOD_PA: b->cfg.pa = size; break;
    case MOD_PT: b->cfg.pt = size; break;
    case MOD_LORA: b->cfg.lora = size; break;
    default: b->cfg.full = 1; break;
    }
    if (b->cfg.full)
        snprintf(b->id, sizeof b->id, "bl-full");
    else
        snprintf(b->id, sizeof b->id, "bl-%s-%d", family, size);
    return n + 1;
}

int baselines_make(const space_model *m, baseline *out)
{
    int n = 0;
    space_model sm = *m;
    sm.mods = (1u << MOD_SA) | (1u << MOD_PA) | (1u << MOD_PT) | (1u << MOD_LORA);
    char err[256];
    space *s = space_autopeft(&sm, err, sizeof err);
    if (!s)
        return 0;
    for (int k = 0; k < MOD_COUNT; k++) {
        int d = space_find(s, space_module_name(k));
        const space_dim *dm = space_dim_at(s, d);
        for (int j = 0; j < 3; j++) {
            int level;
            if (k == MOD_LORA) /* ranks 2, 8, 32 (grid: powers of 2 up to min(64, H)) */
                level = transfer_size_level(dm, 2 << (2 * j), 1, 1);
            else /* H/64, H/16, H/4 */
                level = transfer_size_level(dm, m->hidden, 64 >> (2 * j), 1);
            if (level > 0)
                n = add(out, n, space_module_name(k), k, (int)dm->values[level], m->layers);
        }
    }
    n = add(out, n, "full", -1, 0, m->layers);
    space_free(s);
    return n;
}
