/* spacegen_run.c -- see spacegen_run.h */
#include "search/spacegen_run.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "search/baselines.h"
#include "util/hashset.h"
#include "config/hfconfig.h"
#include "data/record.h"
#include "util/util.h"

void spacegen_opts_default(spacegen_opts *o)
{
    memset(o, 0, sizeof *o);
    o->modules = "sa,pa,pt";
    o->sample = -1;
    o->seed = 1;
}

typedef struct {
    rec_writer *w;
    rec_row row;
    int params;
} out_ctx;

static void emit(const space *s, out_ctx *o, const int *lv)
{
    char id[32], err[512];
    space_id(s, lv, id, sizeof id);
    row_clear(&o->row);
    row_push(&o->row, id);
    for (int d = 0; d < space_ndims(s); d++)
        row_push(&o->row, space_label(s, d, lv[d]));
    if (o->params) {
        row_pushf(&o->row, "%lld", space_params(s, lv));
        double pct = space_params_pct(s, lv);
        if (isnan(pct))
            row_push(&o->row, "NA");
        else
            row_pushf(&o->row, "%.6f", pct);
    }
    if (rec_write(o->w, o->row.n, (const char *const *)o->row.v, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
}

static void write_baselines(const space_model *m, FILE *f, int csv)
{
    baseline b[BASELINES_MAX];
    int n = baselines_make(m, b);
    char err[512];
    long long base = m->base_params > 0 ? m->base_params
                                        : bert_base_param_count(m->vocab, m->hidden, m->layers, m->intermediate,
                                                                m->max_position, m->type_vocab);
    rec_writer *w = rec_writer_new(f, csv ? REC_CSV : REC_TSV);
    rec_row row = {0};
    const char *head[] = {"id", "family", "sa", "pa", "pt", "lora"};
    for (size_t i = 0; i < sizeof head / sizeof *head; i++)
        row_push(&row, head[i]);
    for (int l = 0; l < m->layers; l++)
        row_pushf(&row, "l%d", l);
    row_push(&row, "full");
    row_push(&row, "params");
    row_push(&row, "params_pct");
    for (int i = 0; i <= n; i++) {
        if (i > 0) {
            const peft_config *c = &b[i - 1].cfg;
            long long p = c->full ? base : peft_params_added(m->hidden, c);
            row_clear(&row);
            row_push(&row, b[i - 1].id);
            row_push(&row, b[i - 1].family);
            row_pushf(&row, "%d", c->sa);
            row_pushf(&row, "%d", c->pa);
            row_pushf(&row, "%d", c->pt);
            row_pushf(&row, "%d", c->lora);
            for (int l = 0; l < m->layers; l++)
                row_push(&row, c->layer_on[l] ? "1" : "0");
            row_push(&row, c->full ? "1" : "0");
            row_pushf(&row, "%lld", p);
            row_pushf(&row, "%.6f", 100.0 * (double)p / (double)base);
        }
        if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
    }
    row_free(&row);
    rec_writer_free(w);
}

void spacegen_run(const spacegen_opts *o, const char *config)
{
    space_model m = o->m;
    int model_opt = o->model_opt, grid = o->grid, params = o->params, csv = o->csv, replace = o->replace;
    int baselines = o->baselines;
    long sample = o->sample;
    unsigned long long seed = o->seed;
    const char *space_path = o->space, *out_path = o->output, *modules = o->modules;
    if (space_path && (config || model_opt))
        die_usage("--space cannot be combined with a model (CONFIG.json or model options)");
    if (config && (m.hidden || m.layers || m.heads || m.intermediate || m.vocab || m.max_position ||
                   m.type_vocab))
        die_usage("give either CONFIG.json or --hidden/--layers/..., not both");
    if (grid && sample > 0)
        die_usage("--grid and --sample are exclusive");
    if (replace && sample < 0)
        die_usage("--replace needs --sample");
    if (params && !grid && sample < 0)
        die_usage("--params needs --sample or --grid");
    if (baselines && (space_path || grid || sample > 0 || params))
        die_usage("--baselines takes a model, not --space, --sample, --grid or --params");
    if (csv && !grid && sample < 0 && !baselines)
        die_usage("--csv applies to records (--sample, --grid or --baselines)");

    char err[1024];
    if (space_parse_modules(modules, &m.mods, err, sizeof err))
        die_usage("--modules: %s", err);

    space *s;
    if (space_path) {
        s = space_load(space_path, err, sizeof err);
        if (!s)
            die(EXIT_BADINPUT, "%s", err);
    } else {
        if (config) {
            unsigned mods = m.mods;
            if (space_model_load(config, &m, err, sizeof err))
                die(EXIT_BADINPUT, "%s", err);
            m.mods = mods;
        } else {
            if (!m.hidden)
                m.hidden = 768;
            if (!m.layers)
                m.layers = 12;
            if (!m.heads)
                m.heads = m.hidden % 64 == 0 ? m.hidden / 64 : 1;
            if (!m.intermediate)
                m.intermediate = 4 * m.hidden;
            if (!m.vocab)
                m.vocab = 30522;
            if (!m.max_position)
                m.max_position = 512;
            if (!m.type_vocab)
                m.type_vocab = 2;
            if (m.hidden % m.heads)
                die_usage("--hidden %d is not divisible by --heads %d", m.hidden, m.heads);
        }
        s = space_autopeft(&m, err, sizeof err);
        if (!s)
            die(EXIT_BADINPUT, "%s", err);
    }
    if (params && !space_has_params(s))
        die(EXIT_BADINPUT, "%s: --params: the space has no model (it needs const hidden and layers and a "
            "dimension with role sa, pa, pt or lora)", space_path);
    if (grid && space_total(s) > SPACE_GRID_MAX)
        die(EXIT_BADINPUT, "--grid: the space has %.4g configurations (limit %.0f); use --sample", space_total(s),
            SPACE_GRID_MAX);

    if (sample > 0 && !replace && space_total(s) <= SPACE_GRID_MAX) {
        /* refuse before writing anything when N exceeds the valid count */
        int *t = xcalloc((size_t)space_ndims(s), sizeof *t);
        long nvalid = 0;
        do
            nvalid += space_valid(s, t);
        while (space_next(s, t));
        free(t);
        if (sample > nvalid)
            die(EXIT_BADINPUT, "--sample %ld: the space has only %ld valid configurations; use a smaller N or --replace",
                sample, nvalid);
    }

    atomic_file af = {0};
    FILE *f = stdout;
    if (out_path && strcmp(out_path, "-")) {
        if (atomic_open(&af, out_path))
            die(EXIT_BADINPUT, "%s: cannot write: %s", out_path, strerror(errno));
        f = af.f;
    }

    int nd = space_ndims(s);
    int *lv = xcalloc((size_t)nd, sizeof *lv);
    if (baselines) {
        write_baselines(&m, f, csv);
    } else if (!grid && sample < 0) {
        if (space_write(s, f))
            die(EXIT_BADINPUT, "cannot write the space");
    } else {
        out_ctx o = {rec_writer_new(f, csv ? REC_CSV : REC_TSV), {0}, params};
        row_clear(&o.row);
        row_push(&o.row, "id");
        for (int d = 0; d < nd; d++)
            row_push(&o.row, space_dim_at(s, d)->name);
        if (params) {
            row_push(&o.row, "params");
            row_push(&o.row, "params_pct");
        }
        if (rec_write(o.w, o.row.n, (const char *const *)o.row.v, err, sizeof err))
            die(EXIT_BADINPUT, "%s", err);
        if (grid) {
            do
                if (space_valid(s, lv))
                    emit(s, &o, lv);
            while (space_next(s, lv));
        } else {
            rng_t r;
            rng_seed(&r, seed);
            hashset seen = {0};
            long misses = 0;
            for (long i = 0; i < sample;) {
                space_sample(s, &r, lv);
                if (!replace && !hashset_add(&seen, space_hash(s, lv) >> 16)) {
                    if (++misses > 1000000L + 100L * sample) {
                        if (af.f)
                            atomic_abort(&af);
                        die(EXIT_BADINPUT, "--sample %ld: found only %ld distinct configurations; use a smaller N or --replace",
                            sample, i);
                    }
                    continue;
                }
                emit(s, &o, lv);
                i++;
            }
            hashset_free(&seen);
        }
        row_free(&o.row);
        rec_writer_free(o.w);
    }
    free(lv);
    space_free(s);
    if (af.f) {
        if (atomic_commit(&af))
            die(EXIT_BADINPUT, "%s: cannot write: %s", out_path, strerror(errno));
    } else {
        out_flush();
    }
}
