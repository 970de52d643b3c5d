/* history.c -- reading an evaluation history for propose(1) (see
 * history.h): records -> level arrays and objective values in the
 * minimisation frame, with every check a history file must pass. */
#include "search/history.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/hash.h"
#include "util/hashset.h"
#include "search/propose.h"

void history_free(history *h)
{
    for (int j = 0; h->ids && j < h->n; j++) free(h->ids[j]);
    free(h->ids);
    free(h->levels); free(h->y); free(h->ok); free(h->line);
    memset(h, 0, sizeof *h);
}

static int is_layer_flag_name(const char *n)
{
    if (n[0] != 'l' || !n[1]) return 0;
    for (const char *p = n + 1; *p; p++)
        if (*p < '0' || *p > '9') return 0;
    return 1;
}

/* An id in the form space_id() gives: 'c' and 12 lowercase hex digits. */
static int is_generated_id(const char *id)
{
    if (id[0] != 'c' || strlen(id) != 13)
        return 0;
    for (int i = 1; i < 13; i++)
        if (!isdigit((unsigned char)id[i]) && !(id[i] >= 'a' && id[i] <= 'f'))
            return 0;
    return 1;
}

int history_read(const space *s, obj_spec *obj, const char *path, int force_csv, history *h,
                 char *err, size_t errlen)
{
    memset(h, 0, sizeof *h);
    int d = space_ndims(s), nobj = obj->n;
    h->d = d;
    h->nobj = nobj;
    if (!path) return 0;
    int is_stdin = !strcmp(path, "-");
    if (!is_stdin) {
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno == ENOENT) return 0; /* no history yet */
            errf(err, errlen, path, 0, "cannot open: %s", strerror(errno));
            return -1;
        }
        if (S_ISREG(st.st_mode) && st.st_size == 0) return 0;
    }
    rec_reader *r = rec_open(path, rec_format_for(is_stdin ? NULL : path, force_csv), 0, err, errlen);
    if (!r) return is_stdin && strstr(err, "empty input") ? 0 : -1;
    const char *fname = rec_name(r);
    int *colmap = xmalloc(sizeof(int) * (size_t)(d > 0 ? d : 1));
    int idc = rec_col(r, "id"), rc = -1;
    char objerr[512] = "";
    /* an objective the space computes exactly (params, params_pct) may be
     * missing from the history: it is computed from the configuration */
    int obj_ok = 1, computed = 0;
    for (int o = 0; o < nobj; o++) {
        obj->col[o] = rec_col(r, obj->name[o]);
        if (obj->col[o] >= 0) continue;
        if (propose_exact_objective(s, obj, o)) {
            computed = 1;
        } else if (obj_ok) {
            errf(objerr, sizeof objerr, rec_name(r), 1, "missing column '%s'", obj->name[o]);
            obj_ok = 0;
        }
    }
    int status_col = rec_col(r, "status");
    int nlayer = 0;
    for (int i = 0; i < d; i++) nlayer += space_dim_at(s, i)->role == ROLE_LAYER;
    uint64_t *idh = NULL;
    char **ids = NULL;
    hashset idset = {0};
    obj_status_warn sw = {0};
    int cap = 0;
    /* ids in the form propose and space-gen give (c + 12 hex digits, a hash
     * of the configuration) that are not the hash of the record's own
     * configuration: counted, and one warning at the end */
    long id_gen = 0, id_bad = 0, id_bad_line = 0;
    char id_bad_have[32] = "", id_bad_want[32] = "";
    if (idc < 0) {
        errf(err, errlen, fname, 1, "missing column 'id'");
        goto out;
    }
    if (space_colmap(s, r, colmap, err, errlen)) goto out;
    if (nlayer > 0)
        for (int c = 0; c < rec_ncols(r); c++) {
            const char *nm = rec_colname(r, c);
            if (is_layer_flag_name(nm) && space_find(s, nm) < 0) {
                errf(err, errlen, fname, 1,
                     "column '%s' is a layer flag the space does not have (it has %d layer flags)", nm,
                     nlayer);
                goto out;
            }
        }
    hashset_init(&idset, 256);
    int k;
    while ((k = rec_next(r)) == 1) {
        if (h->n == cap) {
            cap = cap ? 2 * cap : 64;
            h->levels = xrealloc(h->levels, sizeof(int) * (size_t)cap * (size_t)(d > 0 ? d : 1));
            h->y = xrealloc(h->y, sizeof(double) * (size_t)cap * (size_t)nobj);
            h->ok = xrealloc(h->ok, (size_t)cap);
            h->line = xrealloc(h->line, sizeof(long) * (size_t)cap);
            idh = xrealloc(idh, sizeof(uint64_t) * (size_t)cap);
            ids = xrealloc(ids, sizeof(char *) * (size_t)cap);
        }
        int i = h->n;
        long line = rec_line(r);
        const char *id = rec_field(r, idc);
        if (!*id) {
            errf(err, errlen, fname, line, "empty id");
            goto out;
        }
        uint64_t ih = fnv1a_str(FNV1A_INIT, id);
        if (hashset_has(&idset, ih))
            for (int j = 0; j < i; j++)
                if (idh[j] == ih && !strcmp(ids[j], id)) {
                    errf(err, errlen, fname, line, "duplicate id '%s' (first on line %ld)", id, h->line[j]);
                    goto out;
                }
        int *lv = h->levels + (size_t)i * d;
        if (space_parse_record(s, r, colmap, lv, err, errlen)) goto out;
        if (!space_valid(s, lv)) {
            errf(err, errlen, fname, line,
                 "configuration is outside the space (it violates a constraint, e.g. no module on or no layer kept)");
            goto out;
        }
        if (is_generated_id(id)) {
            char want[32];
            space_id(s, lv, want, sizeof want);
            id_gen++;
            if (strcmp(id, want) && !id_bad++) {
                id_bad_line = line;
                snprintf(id_bad_have, sizeof id_bad_have, "%s", id);
                snprintf(id_bad_want, sizeof id_bad_want, "%s", want);
            }
        }
        h->ok[i] = (unsigned char)obj_status_use(r, status_col, &sw);
        double *y = h->y + (size_t)i * nobj;
        if (h->ok[i]) {
            if (!obj_ok) {
                snprintf(err, errlen, "%s", objerr);
                goto out;
            }
            if (!computed) {
                if (obj_read_min(obj, r, y, err, errlen)) goto out;
            } else {
                for (int o = 0; o < nobj; o++) {
                    if (obj->col[o] < 0) {
                        y[o] = propose_exact_value(s, obj, o, lv);
                        continue;
                    }
                    const char *f = rec_field(r, obj->col[o]);
                    if (!*f || isspace((unsigned char)*f) || parse_double(f, &y[o])) {
                        errf(err, errlen, fname, line, "column '%s': not a finite number: '%s'", obj->name[o], f);
                        goto out;
                    }
                    if (obj_value_ok(obj->name[o], y[o])) {
                        errf(err, errlen, fname, line, "column '%s': negative parameter count: '%s'", obj->name[o],
                             f);
                        goto out;
                    }
                    if (obj->maximize[o]) y[o] = -y[o];
                }
            }
            h->n_ok++;
        } else {
            for (int o = 0; o < nobj; o++) y[o] = NAN;
        }
        h->line[i] = line;
        idh[i] = ih;
        ids[i] = xstrdup(id);
        hashset_add(&idset, ih);
        h->n++;
    }
    if (k < 0) {
        snprintf(err, errlen, "%s", rec_error(r));
        goto out;
    }
    if (id_bad)
        warnx("%s:%ld: warning: id '%s' is not the id of the record's configuration ('%s'); %ld of %ld such ids "
              "differ (records edited after they were proposed, or a history of another space?)",
              fname, id_bad_line, id_bad_have, id_bad_want, id_bad, id_gen);
    rc = 0;
out:
    obj_status_warn_free(&sw);
    if (rc) {
        for (int j = 0; j < h->n; j++) free(ids[j]);
        free(ids);
    } else {
        h->ids = ids; /* kept: propose --front writes them */
    }
    free(idh);
    free(colmap);
    hashset_free(&idset);
    rec_close(r);
    if (rc) history_free(h);
    return rc;
}
