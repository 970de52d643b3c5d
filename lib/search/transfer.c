/* transfer.c -- see transfer.h and transfer(1). */
#include "search/transfer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/configrec.h"
#include "search/objectives.h"
#include "data/record.h"
#include "util/util.h"

int transfer_size_level(const space_dim *d, int v, int hs, int ht)
{
    if (!d->numeric)
        return -1;
    if (v == 0) {
        for (int l = 0; l < d->n_levels; l++)
            if (d->values[l] == 0)
                return l;
        return -1;
    }
    double x = log((double)v * (double)ht / (double)hs);
    int best = -1;
    double bd = INFINITY;
    for (int l = 0; l < d->n_levels; l++) {
        if (d->values[l] <= 0)
            continue;
        double dd = fabs(log(d->values[l]) - x);
        if (dd < bd - 1e-12) { /* values increase: on a tie the smaller stays */
            bd = dd;
            best = l;
        }
    }
    return best;
}

void transfer_layers(const unsigned char *src, int ls, unsigned char *dst, int lt)
{
    for (int j = 0; j < lt; j++) {
        dst[j] = 0;
        for (int i = 0; i < ls && !dst[j]; i++)
            if (src[i] && (long)i * lt < (long)(j + 1) * ls && (long)j * ls < (long)(i + 1) * lt)
                dst[j] = 1;
    }
}

int transfer_map(const space *t, const peft_config *src, int hs, int *levels, peft_config *dst, char *err,
                 size_t errlen)
{
    long long h = 0, nl = 0;
    space_const(t, "hidden", &h);
    space_const(t, "layers", &nl);
    if (h <= 0 || nl <= 0 || !space_has_params(t)) {
        errf(err, errlen, NULL, 0, "the target space has no model (hidden, layers and module dimensions)");
        return -1;
    }
    int size[MOD_COUNT] = {src->sa, src->pa, src->pt, src->lora}, seen[MOD_COUNT] = {0};
    unsigned char on[PEFT_MAX_LAYERS];
    transfer_layers(src->layer_on, src->n_layers, on, (int)nl);
    for (int d = 0; d < space_ndims(t); d++) {
        const space_dim *dm = space_dim_at(t, d);
        levels[d] = 0;
        if (dm->role == ROLE_MODULE) {
            int k = dm->role_arg;
            seen[k] = 1;
            levels[d] = transfer_size_level(dm, size[k], hs, (int)h);
            if (levels[d] < 0) {
                errf(err, errlen, NULL, 0, "module %s: no level of the target space fits size %d",
                     space_module_name(k), size[k]);
                return -1;
            }
        } else if (dm->role == ROLE_LAYER) {
            levels[d] = space_level_of(t, d, on[dm->role_arg] ? "1" : "0");
        } else {
            errf(err, errlen, NULL, 0, "the target space has a dimension '%s' that is not a module or a layer",
                 dm->name);
            return -1;
        }
    }
    for (int k = 0; k < MOD_COUNT; k++)
        if (size[k] > 0 && !seen[k]) {
            errf(err, errlen, NULL, 0, "module %s (size %d) is not in the target space", space_module_name(k),
                 size[k]);
            return -1;
        }
    if (!space_valid(t, levels)) {
        errf(err, errlen, NULL, 0, "the mapped configuration is not valid in the target space");
        return -1;
    }
    space_to_peft(t, levels, dst);
    dst->full = src->full;
    return 0;
}

/* ------------------------------------------------------------ the filter */

typedef struct {
    char *id;
    peft_config cfg;
    double score, pct;
    long line;
    const char *file;
    char *budget; /* budgets it was picked for, or NULL */
} item;

static void split_list(const char *s, char ***out, int *n)
{
    *out = NULL;
    *n = 0;
    if (!s)
        return;
    const char *p = s;
    for (;;) {
        size_t k = strcspn(p, ",");
        *out = xrealloc(*out, (size_t)(*n + 1) * sizeof **out);
        char *t = xmalloc(k + 1);
        memcpy(t, p, k);
        t[k] = 0;
        (*out)[(*n)++] = t;
        if (!p[k])
            break;
        p += k + 1;
    }
}

static int task_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' ||
              *s == '_' || *s == '.'))
            return 0;
    return 1;
}

static int layer_columns(const rec_reader *r)
{
    char nm[16];
    int n = 0;
    while (n < PEFT_MAX_LAYERS) {
        snprintf(nm, sizeof nm, "l%d", n);
        if (rec_col(r, nm) < 0)
            break;
        n++;
    }
    return n;
}

static space *load_space(const char *path, unsigned mods, space_model *m)
{
    char err[1024];
    if (space_model_load(path, m, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    m->mods = mods;
    space *s = space_autopeft(m, err, sizeof err);
    if (!s)
        die(EXIT_BADINPUT, "%s: %s", path, err);
    return s;
}

void transfer_run(const transfer_opts *o, char *const *files, int nfiles, FILE *out)
{
    char err[1024];
    const char *score_col = o->score ? o->score : "score";
    char **tasks, **bstr;
    int ntasks, nbud;
    split_list(o->tasks, &tasks, &ntasks);
    split_list(o->budgets, &bstr, &nbud);
    for (int i = 0; i < ntasks; i++)
        if (!task_name_ok(tasks[i]))
            die_usage("--task: '%s' is not a task name (letters, digits, '-', '_', '.')", tasks[i]);
    double *bud = xmalloc((size_t)(nbud + 1) * sizeof *bud);
    for (int i = 0; i < nbud; i++)
        if (parse_double(bstr[i], &bud[i]) || bud[i] <= 0)
            die_usage("--budget: '%s' is not a positive percentage", bstr[i]);
    if (o->to && !o->from)
        die_usage("--to needs --from (the source model)");

    /* ---- read every record first: nothing is written before all map ---- */
    item *it = NULL;
    int n = 0, cap = 0, ls = -1, has_mod[MOD_COUNT] = {0}, has_pct = 1, has_full = 0;
    int nin = nfiles > 0 ? nfiles : 1;
    for (int fi = 0; fi < nin; fi++) {
        const char *path = nfiles > 0 ? files[fi] : "-";
        rec_reader *r = rec_open(path, o->csv ? REC_CSV : rec_format_for(path, 0), 0, err, sizeof err);
        if (!r)
            die(EXIT_BADINPUT, "%s", err);
        int nl = layer_columns(r);
        if (ls < 0)
            ls = nl;
        else if (nl != ls)
            die_at(path, 1, "layer flags l0..l%d, but the first input has l0..l%d", nl - 1, ls - 1);
        if (ls == 0)
            die_at(path, 1, "missing column 'l0': records need layer flags l0..l{L-1}");
        configrec_cols cc;
        if (configrec_bind(r, ls, &cc, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        int c_mod[MOD_COUNT] = {cc.sa, cc.pa, cc.pt, cc.lora};
        for (int k = 0; k < MOD_COUNT; k++)
            has_mod[k] |= c_mod[k] >= 0;
        has_full |= cc.full >= 0;
        int c_score = rec_col(r, score_col), c_pct = rec_col(r, "params_pct"), c_status = rec_col(r, "status");
        if (nbud && c_score < 0)
            die_at(path, 1, "missing column '%s' (needed by --budget)", score_col);
        if (c_pct < 0)
            has_pct = 0;
        int rc;
        obj_status_warn sw = {0};
        while ((rc = rec_next(r)) > 0) {
            if (!obj_status_use(r, c_status, &sw))
                continue; /* failed evaluations are not transferred */
            if (n == cap)
                it = xrealloc(it, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *it);
            item *x = &it[n];
            memset(x, 0, sizeof *x);
            if (configrec_parse(r, &cc, &x->cfg, err, sizeof err))
                die(EXIT_BADINPUT, "%s", err);
            x->id = xstrdup(rec_field(r, cc.id));
            if (!*x->id)
                die_at(path, rec_line(r), "column 'id': empty id");
            x->file = path;
            x->line = rec_line(r);
            x->score = NAN;
            x->pct = NAN;
            if (c_score >= 0 && parse_double(rec_field(r, c_score), &x->score) && nbud)
                die_at(path, rec_line(r), "column '%s': '%s' is not a number", score_col, rec_field(r, c_score));
            if (c_pct >= 0 && parse_double(rec_field(r, c_pct), &x->pct) && nbud && !o->from)
                die_at(path, rec_line(r), "column 'params_pct': '%s' is not a number", rec_field(r, c_pct));
            if (c_pct >= 0 && x->pct < 0)
                die_at(path, rec_line(r), "column 'params_pct': negative parameter count: '%s'",
                       rec_field(r, c_pct));
            n++;
        }
        obj_status_warn_free(&sw);
        if (rc < 0)
            die(EXIT_BADINPUT, "%s", rec_error(r));
        rec_close(r);
    }

    /* ---- the models ---- */
    unsigned mods = 0;
    if (o->modules) {
        if (space_parse_modules(o->modules, &mods, err, sizeof err))
            die_usage("--modules: %s", err);
    } else {
        for (int k = 0; k < MOD_COUNT; k++)
            if (has_mod[k])
                mods |= 1u << k;
        if (!mods)
            mods = SPACE_MODS_DEFAULT;
    }
    space_model sm = {0}, tm = {0};
    space *src = NULL, *tgt = NULL;
    if (o->from) {
        src = load_space(o->from, mods, &sm);
        if (sm.layers != ls)
            die_at(nfiles ? files[0] : "-", 1, "records have %d layer flags but %s has %d layers", ls, o->from,
                   sm.layers);
        tgt = o->to ? load_space(o->to, mods, &tm) : src;
        if (!o->to)
            tm = sm;
    }
    /* source params_pct: exact with --from, else the column */
    for (int i = 0; i < n; i++) {
        item *x = &it[i];
        if (src) {
            long long p = x->cfg.full ? space_base_params(src) : peft_params_added(sm.hidden, &x->cfg);
            x->pct = 100.0 * (double)p / (double)space_base_params(src);
        }
    }
    if (nbud && !src && !has_pct)
        die_at(nfiles ? files[0] : "-", 1, "missing column 'params_pct' (needed by --budget without --from)");

    /* ---- selection ---- */
    int *pick = xmalloc((size_t)(n + 1) * sizeof *pick), np = 0;
    if (!nbud) {
        for (int i = 0; i < n; i++)
            pick[np++] = i;
    } else {
        for (int b = 0; b < nbud; b++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                item *x = &it[i];
                if (isnan(x->score) || isnan(x->pct) || x->pct > bud[b] + 1e-12)
                    continue;
                if (best < 0 || x->score > it[best].score ||
                    (x->score == it[best].score && x->pct < it[best].pct))
                    best = i;
            }
            if (best < 0) {
                warnx("--budget %s: no configuration at or under %s%% of the base parameters", bstr[b], bstr[b]);
                continue;
            }
            item *x = &it[best];
            if (x->budget) {
                char *nb = xmalloc(strlen(x->budget) + strlen(bstr[b]) + 2);
                sprintf(nb, "%s,%s", x->budget, bstr[b]);
                free(x->budget);
                x->budget = nb;
            } else {
                x->budget = xstrdup(bstr[b]);
                pick[np++] = best;
            }
        }
    }

    /* ---- map every picked configuration (errors before any output) ---- */
    int nd = tgt ? space_ndims(tgt) : 0;
    int lt = tgt ? tm.layers : ls;
    int *lv = xcalloc((size_t)(np * (nd ? nd : 1)) + 1, sizeof *lv);
    peft_config *dst = xcalloc((size_t)np + 1, sizeof *dst);
    char (*ids)[48] = xcalloc((size_t)np + 1, sizeof *ids);
    for (int q = 0; q < np; q++) {
        item *x = &it[pick[q]];
        if (tgt) {
            if (transfer_map(tgt, &x->cfg, sm.hidden, lv + (size_t)q * nd, &dst[q], err, sizeof err))
                die_at(x->file, x->line, "configuration '%s' cannot be mapped: %s", x->id, err);
            if (x->cfg.full)
                snprintf(ids[q], sizeof ids[q], "%s", x->id);
            else
                space_id(tgt, lv + (size_t)q * nd, ids[q], sizeof ids[q]);
        } else {
            dst[q] = x->cfg;
            snprintf(ids[q], sizeof ids[q], "%.47s", x->id);
            if (strlen(x->id) > 47)
                die_at(x->file, x->line, "id '%s' is longer than 47 characters", x->id);
        }
    }

    /* ---- output ---- */
    rec_writer *w = rec_writer_new(out, o->csv ? REC_CSV : REC_TSV);
    rec_row row = {0};
    row_push(&row, "id");
    if (ntasks)
        row_push(&row, "task");
    static const char *mn[MOD_COUNT] = {"sa", "pa", "pt", "lora"};
    for (int k = 0; k < MOD_COUNT; k++)
        if (mods & (1u << k))
            row_push(&row, mn[k]);
    for (int l = 0; l < lt; l++)
        row_pushf(&row, "l%d", l);
    if (has_full)
        row_push(&row, "full");
    if (src)
        row_push(&row, "params"), row_push(&row, "params_pct");
    row_push(&row, "source_id");
    row_push(&row, "source_score");
    if (nbud)
        row_push(&row, "budget");
    if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    long long base_t = tgt ? space_base_params(tgt) : 0;
    for (int q = 0; q < np; q++) {
        item *x = &it[pick[q]];
        peft_config *c = &dst[q];
        for (int t = 0; t < (ntasks ? ntasks : 1); t++) {
            row_clear(&row);
            if (ntasks) {
                row_pushf(&row, "%s@%s", ids[q], tasks[t]);
                row_push(&row, tasks[t]);
            } else {
                row_push(&row, ids[q]);
            }
            int sz[MOD_COUNT] = {c->sa, c->pa, c->pt, c->lora};
            for (int k = 0; k < MOD_COUNT; k++)
                if (mods & (1u << k))
                    row_pushf(&row, "%d", sz[k]);
            for (int l = 0; l < lt; l++)
                row_push(&row, c->layer_on[l] ? "1" : "0");
            if (has_full)
                row_push(&row, c->full ? "1" : "0");
            if (src) {
                long long p = c->full ? base_t : peft_params_added(tm.hidden, c);
                row_pushf(&row, "%lld", p);
                row_pushf(&row, "%.6f", 100.0 * (double)p / (double)base_t);
            }
            row_push(&row, x->id);
            if (isnan(x->score))
                row_push(&row, "");
            else
                row_pushf(&row, "%.6g", x->score);
            if (nbud)
                row_push(&row, x->budget);
            if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
                die(EXIT_BADINPUT, "%s", err);
        }
    }
    out_flush();
    row_free(&row);
    rec_writer_free(w);
    free(ids);
    free(dst);
    free(lv);
    free(pick);
    for (int i = 0; i < n; i++) {
        free(it[i].id);
        free(it[i].budget);
    }
    free(it);
    if (tgt && tgt != src)
        space_free(tgt);
    if (src)
        space_free(src);
    for (int i = 0; i < ntasks; i++)
        free(tasks[i]);
    free(tasks);
    for (int i = 0; i < nbud; i++)
        free(bstr[i]);
    free(bstr);
    free(bud);
}
