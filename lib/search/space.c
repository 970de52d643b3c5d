/* space.c -- search spaces: the model and its file format (see space.h,
 * space_internal.h for how the implementation is split, autopeft-space(5)). */
#include "search/space.h"
#include "search/space_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>


const char *const SPACE_MOD_NAMES[MOD_COUNT] = {"sa", "pa", "pt", "lora"};

/* ---- small helpers ---- */

static int valid_name(const char *s)
{
    if (!*s || *s == '#')
        return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static int name_taken(const space *s, const char *name)
{
    for (int i = 0; i < s->nd; i++)
        if (!strcmp(s->dims[i].name, name))
            return 1;
    for (int i = 0; i < s->nc; i++)
        if (!strcmp(s->cname[i], name))
            return 1;
    for (int i = 0; i < s->ng; i++)
        if (!strcmp(s->g[i].name, name))
            return 1;
    return 0;
}

static void push_row(space *s, int t, int i)
{
    if (s->nrows == s->caprows) {
        s->caprows = s->caprows ? 2 * s->caprows : 16;
        s->rows = xrealloc(s->rows, (size_t)s->caprows * sizeof *s->rows);
    }
    s->rows[s->nrows].t = t;
    s->rows[s->nrows].i = i;
    s->nrows++;
}

static int new_dim(space *s)
{
    if (s->nd == s->capd) {
        s->capd = s->capd ? 2 * s->capd : 16;
        s->dims = xrealloc(s->dims, (size_t)s->capd * sizeof *s->dims);
        s->dx = xrealloc(s->dx, (size_t)s->capd * sizeof *s->dx);
    }
    int d = s->nd++;
    memset(&s->dims[d], 0, sizeof s->dims[d]);
    memset(&s->dx[d], 0, sizeof s->dx[d]);
    s->dims[d].role_arg = -1;
    s->dx[d].comp = -1;
    push_row(s, ROW_DIM, d);
    return d;
}

/* strict integer (long long) */
static int parse_ll(const char *t, long long *out)
{
    char *end;
    if (!t || !*t || isspace((unsigned char)*t))
        return -1;
    errno = 0;
    long long v = strtoll(t, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* Strip a trailing ":log" from v (in place); returns 1 if it was there. */
static int strip_log(char *v)
{
    size_t n = strlen(v);
    if (n >= 4 && !strcmp(v + n - 4, ":log")) {
        v[n - 4] = 0;
        return 1;
    }
    return 0;
}

/* Encoded positions of dim d (values must be set). */
static void build_enc(space_dim *dm, dim_x *x)
{
    int n = dm->n_levels;
    x->enc = xmalloc((size_t)n * sizeof *x->enc);
    double *pos = x->enc;
    if (dm->log) {
        /* values >= 0, increasing; 0 (if present) is level 0 */
        int first = dm->values[0] == 0 ? 1 : 0, npos = n - first;
        for (int i = first; i < n; i++)
            pos[i] = log(dm->values[i]);
        if (first) {
            double step = log(2.0);
            if (npos >= 2)
                step = (pos[n - 1] - pos[first]) / (npos - 1);
            pos[0] = npos >= 1 ? pos[first] - step : 0;
        }
    } else {
        for (int i = 0; i < n; i++)
            pos[i] = dm->values[i];
    }
    double lo = pos[0], hi = pos[n - 1];
    for (int i = 0; i < n; i++)
        pos[i] = hi > lo ? (pos[i] - lo) / (hi - lo) : 0.0;
    pos[n - 1] = n > 1 ? 1.0 : 0.0; /* exact end points */
    pos[0] = 0.0;
}

static int set_role(space *s, int d, const char *role, long line, char *err, size_t errlen)
{
    space_dim *dm = &s->dims[d];
    if (!*role || !strcmp(role, "-"))
        return 0;
    for (int m = 0; m < MOD_COUNT; m++)
        if (!strcmp(role, SPACE_MOD_NAMES[m])) {
            if (!dm->numeric || dm->kind == DIM_BOOL || dm->values[0] < 0) {
                errf(err, errlen, s->file, line, "dimension '%s': role %s needs sizes >= 0 (an int or numeric choice)",
                     dm->name, role);
                return -1;
            }
            for (int i = 0; i < dm->n_levels; i++)
                if (dm->values[i] != floor(dm->values[i]) || dm->values[i] > 1e9) {
                    errf(err, errlen, s->file, line, "dimension '%s': role %s needs integer sizes, not '%s'",
                         dm->name, role, dm->labels[i]);
                    return -1;
                }
            for (int j = 0; j < s->nd; j++)
                if (j != d && s->dims[j].role == ROLE_MODULE && s->dims[j].role_arg == m) {
                    errf(err, errlen, s->file, line, "dimension '%s': role %s already taken by '%s'", dm->name,
                         role, s->dims[j].name);
                    return -1;
                }
            dm->role = ROLE_MODULE;
            dm->role_arg = m;
            return 0;
        }
    if (!strncmp(role, "layer:", 6)) {
        long n;
        if (parse_long(role + 6, &n) || n < 0 || n >= PEFT_MAX_LAYERS || isspace((unsigned char)role[6])) {
            errf(err, errlen, s->file, line, "dimension '%s': bad layer role '%s' (expected layer:N, 0 <= N < %d)",
                 dm->name, role, PEFT_MAX_LAYERS);
            return -1;
        }
        if (dm->kind != DIM_BOOL) {
            errf(err, errlen, s->file, line, "dimension '%s': role %s needs a bool dimension", dm->name, role);
            return -1;
        }
        for (int j = 0; j < s->nd; j++)
            if (j != d && s->dims[j].role == ROLE_LAYER && s->dims[j].role_arg == n) {
                errf(err, errlen, s->file, line, "dimension '%s': role %s already taken by '%s'", dm->name, role,
                     s->dims[j].name);
                return -1;
            }
        dm->role = ROLE_LAYER;
        dm->role_arg = (int)n;
        return 0;
    }
    errf(err, errlen, s->file, line, "dimension '%s': unknown role '%s' (expected sa, pa, pt, lora, layer:N or -)",
         dm->name, role);
    return -1;
}

/* Add one row of the file format. Returns 0 or -1 (err set). */
int space_add_row(space *s, const char *name, const char *kind, const char *values, const char *role, long line,
                         char *err, size_t errlen)
{
    if (!valid_name(name)) {
        errf(err, errlen, s->file, line, "bad name '%s' (letters, digits, '_', '-', '.')", name);
        return -1;
    }
    if (!strcmp(name, "id")) {
        errf(err, errlen, s->file, line, "the name 'id' is reserved (it is the record id column)");
        return -1;
    }
    if (name_taken(s, name)) {
        errf(err, errlen, s->file, line, "duplicate name '%s'", name);
        return -1;
    }
    int isdim = !strcmp(kind, "int") || !strcmp(kind, "choice") || !strcmp(kind, "bool");
    if (!isdim && strcmp(kind, "const") && strcmp(kind, "any")) {
        errf(err, errlen, s->file, line, "unknown kind '%s' (expected int, choice, bool, const or any)", kind);
        return -1;
    }
    if (!isdim && *role && strcmp(role, "-")) {
        errf(err, errlen, s->file, line, "'%s': only dimensions take a role (kind %s has none)", name, kind);
        return -1;
    }
    if (!strcmp(kind, "const")) {
        long long v;
        if (parse_ll(values, &v)) {
            errf(err, errlen, s->file, line, "const '%s': value '%s' is not an integer", name, values);
            return -1;
        }
        static const char *model[] = {"hidden", "layers", "heads", "intermediate", "vocab",
                                      "max_position", "type_vocab", "base_params"};
        for (size_t k = 0; k < sizeof model / sizeof *model; k++)
            if (!strcmp(name, model[k]) && v <= 0) {
                errf(err, errlen, s->file, line, "const '%s' must be positive, not %lld", name, v);
                return -1;
            }
        if (!strcmp(name, "layers") && v > PEFT_MAX_LAYERS) {
            errf(err, errlen, s->file, line, "const layers = %lld exceeds the maximum %d", v, PEFT_MAX_LAYERS);
            return -1;
        }
        if (s->nc == s->capc) {
            s->capc = s->capc ? 2 * s->capc : 8;
            s->cname = xrealloc(s->cname, (size_t)s->capc * sizeof *s->cname);
            s->cval = xrealloc(s->cval, (size_t)s->capc * sizeof *s->cval);
        }
        s->cname[s->nc] = xstrdup(name);
        s->cval[s->nc] = v;
        push_row(s, ROW_CONST, s->nc);
        s->nc++;
        return 0;
    }
    if (!strcmp(kind, "any")) {
        if (!*values || !strcmp(values, "-")) {
            errf(err, errlen, s->file, line, "any '%s': empty list of dimensions", name);
            return -1;
        }
        group gr = {0};
        gr.line = line;
        char *buf = xstrdup(values);
        for (char *p = buf;;) {
            char *c = strchr(p, ',');
            if (c)
                *c = 0;
            if (!*p) {
                errf(err, errlen, s->file, line, "any '%s': empty item in '%s'", name, values);
                goto fail_any;
            }
            for (int j = 0; j < gr.n; j++)
                if (!strcmp(gr.mem_name[j], p)) {
                    errf(err, errlen, s->file, line, "any '%s': '%s' listed twice", name, p);
                    goto fail_any;
                }
            gr.mem_name = xrealloc(gr.mem_name, (size_t)(gr.n + 1) * sizeof *gr.mem_name);
            gr.mem_name[gr.n++] = xstrdup(p);
            if (!c)
                break;
            p = c + 1;
        }
        free(buf);
        gr.name = xstrdup(name);
        if (s->ng == s->capg) {
            s->capg = s->capg ? 2 * s->capg : 4;
            s->g = xrealloc(s->g, (size_t)s->capg * sizeof *s->g);
        }
        s->g[s->ng] = gr;
        push_row(s, ROW_ANY, s->ng);
        s->ng++;
        return 0;
    fail_any:
        free(buf);
        for (int j = 0; j < gr.n; j++)
            free(gr.mem_name[j]);
        free(gr.mem_name);
        return -1;
    }

    char *v = xstrdup(values);
    int lg = strip_log(v);
    int d = new_dim(s);
    space_dim *dm = &s->dims[d];
    dim_x *x = &s->dx[d];
    dm->name = xstrdup(name);
    dm->log = lg;
    dm->numeric = 1;
    x->line = line;
    int n = 0;
    if (!strcmp(kind, "bool")) {
        if (lg || (*v && strcmp(v, "-"))) {
            errf(err, errlen, s->file, line, "bool '%s': values must be empty or '-', not '%s'", name, values);
            goto fail_dim;
        }
        dm->kind = DIM_BOOL;
        n = 2;
        x->lblbuf = xmalloc(4);
        memcpy(x->lblbuf, "0\0001", 4);
        dm->labels = xmalloc(2 * sizeof *dm->labels);
        dm->values = xmalloc(2 * sizeof *dm->values);
        dm->labels[0] = x->lblbuf;
        dm->labels[1] = x->lblbuf + 2;
        dm->values[0] = 0;
        dm->values[1] = 1;
    } else if (!strcmp(kind, "int")) {
        dm->kind = DIM_INT;
        char *c = strchr(v, ':');
        long lo, hi;
        if (!c || (*c = 0, parse_long(v, &lo)) || parse_long(c + 1, &hi) || isspace((unsigned char)*v) ||
            isspace((unsigned char)c[1])) {
            errf(err, errlen, s->file, line, "int '%s': bad range '%s' (expected LO:HI or LO:HI:log)", name, values);
            goto fail_dim;
        }
        if (lo > hi) {
            errf(err, errlen, s->file, line, "int '%s': bad range '%s' (LO > HI)", name, values);
            goto fail_dim;
        }
        if ((double)hi - (double)lo + 1 > SPACE_MAX_LEVELS) {
            errf(err, errlen, s->file, line, "int '%s': range '%s' has more than %d levels", name, values,
                 SPACE_MAX_LEVELS);
            goto fail_dim;
        }
        if (lg && lo < 0) {
            errf(err, errlen, s->file, line, "int '%s': log scale needs values >= 0", name);
            goto fail_dim;
        }
        n = (int)(hi - lo + 1);
        x->lo = lo;
        x->hi = hi;
        dm->values = xmalloc((size_t)n * sizeof *dm->values);
        dm->labels = xmalloc((size_t)n * sizeof *dm->labels);
        size_t cap = (size_t)n * 22, off = 0;
        x->lblbuf = xmalloc(cap);
        for (int i = 0; i < n; i++) {
            dm->values[i] = (double)(lo + i);
            int w = snprintf(x->lblbuf + off, cap - off, "%ld", lo + i);
            dm->labels[i] = (char *)(uintptr_t)off; /* fixed up below */
            off += (size_t)w + 1;
        }
        for (int i = 0; i < n; i++)
            dm->labels[i] = x->lblbuf + (uintptr_t)dm->labels[i];
    } else { /* choice */
        dm->kind = DIM_CHOICE;
        if (!*v) {
            errf(err, errlen, s->file, line, "choice '%s': empty list of values", name);
            goto fail_dim;
        }
        for (char *p = v; *p; p++)
            n += *p == ',';
        n++;
        if (n > SPACE_MAX_LEVELS) {
            errf(err, errlen, s->file, line, "choice '%s': more than %d values", name, SPACE_MAX_LEVELS);
            goto fail_dim;
        }
        x->lblbuf = v;
        v = NULL;
        dm->labels = xmalloc((size_t)n * sizeof *dm->labels);
        dm->values = xmalloc((size_t)n * sizeof *dm->values);
        char *p = x->lblbuf;
        for (int i = 0; i < n; i++) {
            char *c = strchr(p, ',');
            if (c)
                *c = 0;
            dm->labels[i] = p;
            p = c ? c + 1 : p + strlen(p);
        }
        for (int i = 0; i < n; i++) {
            if (!*dm->labels[i]) {
                errf(err, errlen, s->file, line, "choice '%s': empty item in '%s'", name, values);
                goto fail_dim;
            }
            for (int j = 0; j < i; j++)
                if (!strcmp(dm->labels[i], dm->labels[j])) {
                    errf(err, errlen, s->file, line, "choice '%s': '%s' listed twice", name, dm->labels[i]);
                    goto fail_dim;
                }
            if (isspace((unsigned char)dm->labels[i][0]) || parse_double(dm->labels[i], &dm->values[i])) {
                /* a number that is not finite ("nan", "inf", "1e999") is a
                   mistake, not a text label */
                char *end;
                (void)strtod(dm->labels[i], &end);
                if (!isspace((unsigned char)dm->labels[i][0]) && !*end && end != dm->labels[i]) {
                    errf(err, errlen, s->file, line, "choice '%s': '%s' is not a finite number", name,
                         dm->labels[i]);
                    goto fail_dim;
                }
                dm->numeric = 0;
            }
        }
        if (!dm->numeric) {
            if (lg) {
                errf(err, errlen, s->file, line, "choice '%s': log scale needs numeric values", name);
                goto fail_dim;
            }
            for (int i = 0; i < n; i++)
                dm->values[i] = i;
        } else {
            for (int i = 1; i < n; i++)
                if (!(dm->values[i] > dm->values[i - 1])) {
                    errf(err, errlen, s->file, line, "choice '%s': values must be strictly increasing ('%s' after '%s')",
                         name, dm->labels[i], dm->labels[i - 1]);
                    goto fail_dim;
                }
            if (lg && dm->values[0] < 0) {
                errf(err, errlen, s->file, line, "choice '%s': log scale needs values >= 0", name);
                goto fail_dim;
            }
        }
    }
    dm->n_levels = n;
    free(v);
    if (set_role(s, d, role, line, err, errlen))
        return -1; /* the dim stays; the caller frees the space */
    return 0;
fail_dim:
    free(v);
    return -1; /* partially built dim is freed with the space */
}

static void union_join(int *par, int a, int b)
{
    while (par[a] != a)
        a = par[a];
    while (par[b] != b)
        b = par[b];
    if (a != b)
        par[a] = b;
}

/* Resolve constraints, check consistency, build encodings and components. */
int space_finish(space *s, long eof_line, char *err, size_t errlen)
{
    if (s->nd == 0) {
        errf(err, errlen, s->file, eof_line, "no dimensions (a space needs at least one int, choice or bool row)");
        return -1;
    }
    for (int gi = 0; gi < s->ng; gi++) {
        group *g = &s->g[gi];
        g->mem = xmalloc((size_t)g->n * sizeof *g->mem);
        int possible = 0;
        for (int j = 0; j < g->n; j++) {
            int d = space_find(s, g->mem_name[j]);
            if (d < 0) {
                errf(err, errlen, s->file, g->line, "any '%s': unknown dimension '%s'", g->name, g->mem_name[j]);
                return -1;
            }
            g->mem[j] = d;
            const space_dim *dm = &s->dims[d];
            for (int l = 0; l < dm->n_levels; l++)
                possible |= dm->numeric ? dm->values[l] != 0 : l != 0;
        }
        if (!possible) {
            errf(err, errlen, s->file, g->line, "any '%s': can never hold (every member is always zero)", g->name);
            return -1;
        }
    }
    long long L = -1;
    space_const(s, "layers", &L);
    for (int d = 0; d < s->nd; d++) {
        if (s->dims[d].role == ROLE_LAYER && L > 0 && s->dims[d].role_arg >= L) {
            errf(err, errlen, s->file, s->dx[d].line, "dimension '%s': layer %d out of range (const layers = %lld)",
                 s->dims[d].name, s->dims[d].role_arg, L);
            return -1;
        }
        build_enc(&s->dims[d], &s->dx[d]);
    }
    for (int m = 0; m < MOD_COUNT; m++) {
        s->mod_dim[m] = -1;
        for (int d = 0; d < s->nd; d++)
            if (s->dims[d].role == ROLE_MODULE && s->dims[d].role_arg == m)
                s->mod_dim[m] = d;
    }
    s->hidden = s->layers = -1;
    space_const(s, "hidden", &s->hidden);
    space_const(s, "layers", &s->layers);
    int anymod = 0;
    for (int m = 0; m < MOD_COUNT; m++)
        anymod |= s->mod_dim[m] >= 0;
    s->has_params = s->hidden > 0 && s->layers > 0 && anymod;
    s->base = -1;
    if (space_const(s, "base_params", &s->base)) {
        long long V, I, P, T;
        if (s->hidden > 0 && s->layers > 0 && !space_const(s, "vocab", &V) && !space_const(s, "intermediate", &I) &&
            !space_const(s, "max_position", &P) && !space_const(s, "type_vocab", &T))
            s->base = bert_base_param_count((int)V, (int)s->hidden, (int)s->layers, (int)I, (int)P, (int)T);
        else
            s->base = -1;
    }

    /* components: dims linked through constraint groups */
    int *par = xmalloc((size_t)s->nd * sizeof *par);
    for (int d = 0; d < s->nd; d++)
        par[d] = d;
    for (int gi = 0; gi < s->ng; gi++)
        for (int j = 1; j < s->g[gi].n; j++)
            union_join(par, s->g[gi].mem[0], s->g[gi].mem[j]);
    int *inany = xcalloc((size_t)s->nd, sizeof *inany);
    for (int gi = 0; gi < s->ng; gi++)
        for (int j = 0; j < s->g[gi].n; j++)
            inany[s->g[gi].mem[j]] = 1;
    int *rootc = xmalloc((size_t)s->nd * sizeof *rootc);
    for (int d = 0; d < s->nd; d++)
        rootc[d] = -1;
    s->ncomp = 0;
    for (int d = 0; d < s->nd; d++) {
        if (!inany[d])
            continue;
        int r = d;
        while (par[r] != r)
            r = par[r];
        if (rootc[r] < 0)
            rootc[r] = s->ncomp++;
        s->dx[d].comp = rootc[r];
    }
    s->comp_dstart = xcalloc((size_t)s->ncomp + 1, sizeof *s->comp_dstart);
    s->comp_gstart = xcalloc((size_t)s->ncomp + 1, sizeof *s->comp_gstart);
    s->comp_dims = xmalloc(((size_t)s->nd + 1) * sizeof *s->comp_dims);
    s->comp_grps = xmalloc(((size_t)s->ng + 1) * sizeof *s->comp_grps);
    int k = 0, kg = 0;
    for (int c = 0; c < s->ncomp; c++) {
        s->comp_dstart[c] = k;
        for (int d = 0; d < s->nd; d++)
            if (s->dx[d].comp == c)
                s->comp_dims[k++] = d;
        s->comp_gstart[c] = kg;
        for (int gi = 0; gi < s->ng; gi++)
            if (s->dx[s->g[gi].mem[0]].comp == c)
                s->comp_grps[kg++] = gi;
    }
    s->comp_dstart[s->ncomp] = k;
    s->comp_gstart[s->ncomp] = kg;
    free(par);
    free(inany);
    free(rootc);
    return 0;
}

space *space_new(const char *file)
{
    space *s = xcalloc(1, sizeof *s);
    s->file = file;
    return s;
}

space *space_load(const char *path, char *err, size_t errlen)
{
    if (!path)
        path = "-";
    rec_reader *r = rec_open(path, rec_format_for(path, 0), REC_RAGGED, err, errlen);
    if (!r)
        return NULL;
    space *s = space_new(rec_name(r));
    const char *need[3] = {"name", "kind", "values"};
    int col[4];
    if (rec_ncols(r) > 0 && rec_colname(r, 0)[0] == '#') {
        errf(err, errlen, rec_name(r), 1, "the header must come first (comment lines are allowed after it)");
        goto fail;
    }
    for (int i = 0; i < 3; i++)
        if ((col[i] = rec_col(r, need[i])) < 0) {
            errf(err, errlen, rec_name(r), 1, "missing column '%s' (the header is name, kind, values, role)",
                 need[i]);
            goto fail;
        }
    col[3] = rec_col(r, "role");
    int rc;
    long last = 1;
    while ((rc = rec_next(r)) == 1) {
        last = rec_line(r);
        const char *f0 = rec_field(r, 0);
        if (f0[0] == '#')
            continue;
        if (rec_nfields(r) != rec_ncols(r)) {
            errf(err, errlen, rec_name(r), rec_line(r), "expected %d TAB-separated fields (as in the header), found %d",
                 rec_ncols(r), rec_nfields(r));
            goto fail;
        }
        if (space_add_row(s, rec_field(r, col[0]), rec_field(r, col[1]), rec_field(r, col[2]),
                    col[3] >= 0 ? rec_field(r, col[3]) : "", rec_line(r), err, errlen))
            goto fail;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", rec_error(r));
        goto fail;
    }
    if (space_finish(s, last, err, errlen))
        goto fail;
    s->file = NULL;
    rec_close(r);
    return s;
fail:
    s->file = NULL;
    space_free(s);
    rec_close(r);
    return NULL;
}

void space_free(space *s)
{
    if (!s)
        return;
    for (int d = 0; d < s->nd; d++) {
        free(s->dims[d].name);
        free(s->dims[d].values);
        free(s->dims[d].labels);
        free(s->dx[d].enc);
        free(s->dx[d].lblbuf);
    }
    free(s->dims);
    free(s->dx);
    for (int i = 0; i < s->nc; i++)
        free(s->cname[i]);
    free(s->cname);
    free(s->cval);
    for (int i = 0; i < s->ng; i++) {
        for (int j = 0; j < s->g[i].n; j++)
            free(s->g[i].mem_name[j]);
        free(s->g[i].mem_name);
        free(s->g[i].mem);
        free(s->g[i].name);
    }
    free(s->g);
    free(s->rows);
    free(s->comp_dims);
    free(s->comp_dstart);
    free(s->comp_grps);
    free(s->comp_gstart);
    free(s);
}

int space_write(const space *s, FILE *f)
{
    rec_writer *w = rec_writer_new(f, REC_TSV);
    rec_row row = {0};
    char err[256];
    int rc = 0;
    const char *hdr[4] = {"name", "kind", "values", "role"};
    if (rec_write(w, 4, hdr, err, sizeof err))
        rc = -1;
    for (int k = 0; k < s->nrows && !rc; k++) {
        int i = s->rows[k].i;
        row_clear(&row);
        if (s->rows[k].t == ROW_CONST) {
            row_push(&row, s->cname[i]);
            row_push(&row, "const");
            row_pushf(&row, "%lld", s->cval[i]);
            row_push(&row, "-");
        } else if (s->rows[k].t == ROW_ANY) {
            const group *g = &s->g[i];
            size_t len = 1;
            for (int j = 0; j < g->n; j++)
                len += strlen(g->mem_name[j]) + 1;
            char *b = xmalloc(len);
            b[0] = 0;
            for (int j = 0; j < g->n; j++) {
                if (j)
                    strcat(b, ",");
                strcat(b, g->mem_name[j]);
            }
            row_push(&row, g->name);
            row_push(&row, "any");
            row_push(&row, b);
            row_push(&row, "-");
            free(b);
        } else {
            const space_dim *dm = &s->dims[i];
            row_push(&row, dm->name);
            if (dm->kind == DIM_BOOL) {
                row_push(&row, "bool");
                row_push(&row, "-");
            } else if (dm->kind == DIM_INT) {
                row_push(&row, "int");
                row_pushf(&row, "%ld:%ld%s", s->dx[i].lo, s->dx[i].hi, dm->log ? ":log" : "");
            } else {
                size_t len = 8;
                for (int l = 0; l < dm->n_levels; l++)
                    len += strlen(dm->labels[l]) + 1;
                char *b = xmalloc(len);
                size_t off = 0;
                for (int l = 0; l < dm->n_levels; l++) {
                    size_t m = strlen(dm->labels[l]);
                    if (l)
                        b[off++] = ',';
                    memcpy(b + off, dm->labels[l], m);
                    off += m;
                }
                b[off] = 0;
                if (dm->log)
                    strcat(b, ":log");
                row_push(&row, "choice");
                row_push(&row, b);
                free(b);
            }
            if (dm->role == ROLE_MODULE)
                row_push(&row, SPACE_MOD_NAMES[dm->role_arg]);
            else if (dm->role == ROLE_LAYER)
                row_pushf(&row, "layer:%d", dm->role_arg);
            else
                row_push(&row, "-");
        }
        if (rec_write(w, row.n, (const char *const *)row.v, err, sizeof err))
            rc = -1;
    }
    row_free(&row);
    rec_writer_free(w);
    return rc;
}

/* ---- accessors ---- */

int space_ndims(const space *s) { return s->nd; }
const space_dim *space_dim_at(const space *s, int i) { return (i >= 0 && i < s->nd) ? &s->dims[i] : NULL; }

int space_find(const space *s, const char *name)
{
    for (int i = 0; i < s->nd; i++)
        if (!strcmp(s->dims[i].name, name))
            return i;
    return -1;
}

int space_const(const space *s, const char *name, long long *out)
{
    for (int i = 0; i < s->nc; i++)
        if (!strcmp(s->cname[i], name)) {
            *out = s->cval[i];
            return 0;
        }
    return -1;
}

int space_nconsts(const space *s) { return s->nc; }
const char *space_const_name(const space *s, int i) { return s->cname[i]; }
long long space_const_value(const space *s, int i) { return s->cval[i]; }
int space_nconstraints(const space *s) { return s->ng; }

int space_level_of(const space *s, int d, const char *t)
{
    const space_dim *dm = &s->dims[d];
    if (dm->kind == DIM_BOOL) {
        if (!strcmp(t, "0") || !strcasecmp(t, "false"))
            return 0;
        if (!strcmp(t, "1") || !strcasecmp(t, "true"))
            return 1;
        return -1;
    }
    if (dm->kind == DIM_INT) {
        long v;
        if (parse_long(t, &v) || isspace((unsigned char)*t)) {
            double dv;
            if (parse_double(t, &dv) || dv != floor(dv) || fabs(dv) > 1e15)
                return -1;
            v = (long)dv;
        }
        if (v < s->dx[d].lo || v > s->dx[d].hi)
            return -1;
        return (int)(v - s->dx[d].lo);
    }
    for (int l = 0; l < dm->n_levels; l++)
        if (!strcmp(dm->labels[l], t))
            return l;
    double dv;
    if (dm->numeric && !isspace((unsigned char)*t) && !parse_double(t, &dv)) {
        int lo = 0, hi = dm->n_levels - 1;
        while (lo <= hi) {
            int mid = (lo + hi) / 2;
            if (dm->values[mid] == dv)
                return mid;
            if (dm->values[mid] < dv)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
    }
    return -1;
}

const char *space_label(const space *s, int d, int level) { return s->dims[d].labels[level]; }

int space_colmap(const space *s, const rec_reader *r, int *colmap, char *err, size_t errlen)
{
    for (int d = 0; d < s->nd; d++)
        if ((colmap[d] = rec_col(r, s->dims[d].name)) < 0) {
            errf(err, errlen, rec_name(r), 1, "missing column '%s' (a dimension of the space)", s->dims[d].name);
            return -1;
        }
    return 0;
}

static void describe(const space *s, int d, char *b, size_t n)
{
    const space_dim *dm = &s->dims[d];
    if (dm->kind == DIM_BOOL)
        snprintf(b, n, "0 or 1");
    else if (dm->kind == DIM_INT)
        snprintf(b, n, "an integer in %ld..%ld", s->dx[d].lo, s->dx[d].hi);
    else {
        size_t off = (size_t)snprintf(b, n, "one of ");
        for (int l = 0; l < dm->n_levels && off < n; l++) {
            if (off + strlen(dm->labels[l]) + 6 >= n) {
                snprintf(b + off, n - off, ",...");
                return;
            }
            off += (size_t)snprintf(b + off, n - off, "%s%s", l ? "," : "", dm->labels[l]);
        }
    }
}

int space_parse_record(const space *s, rec_reader *r, const int *colmap, int *levels, char *err, size_t errlen)
{
    for (int d = 0; d < s->nd; d++) {
        const char *t = rec_field(r, colmap[d]);
        int l = space_level_of(s, d, t);
        if (l < 0) {
            char desc[160];
            describe(s, d, desc, sizeof desc);
            errf(err, errlen, rec_name(r), rec_line(r), "column '%s': '%s' is not in the space (expected %s)",
                 s->dims[d].name, t, desc);
            return -1;
        }
        levels[d] = l;
    }
    return 0;
}
