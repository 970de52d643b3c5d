/* objectives.c -- see objectives.h. */
#include "search/objectives.h"
#include "util/util.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void obj_free(obj_spec *s)
{
    for (int k = 0; k < s->n; k++)
        free(s->name[k]);
    s->n = 0;
}

int obj_parse(obj_spec *s, const char *spec, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    if (!spec || !*spec)
        spec = OBJ_DEFAULT_SPEC;
    const char *p = spec;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (s->n == OBJ_MAX) {
            errf(err, errlen, NULL, 0, "bad --objectives '%s': more than %d objectives", spec, OBJ_MAX);
            goto fail;
        }
        /* direction follows the last ':' inside this item */
        const char *colon = NULL;
        for (const char *q = p; q < p + len; q++)
            if (*q == ':')
                colon = q;
        if (!colon) {
            errf(err, errlen, NULL, 0, "bad --objectives '%s': item '%.*s' needs a direction (NAME:max or NAME:min)",
                 spec, (int)len, p);
            goto fail;
        }
        size_t nlen = (size_t)(colon - p), dlen = len - nlen - 1;
        if (nlen == 0) {
            errf(err, errlen, NULL, 0, "bad --objectives '%s': empty column name in '%.*s'", spec, (int)len, p);
            goto fail;
        }
        int maxi;
        if (dlen == 3 && !strncmp(colon + 1, "max", 3))
            maxi = 1;
        else if (dlen == 3 && !strncmp(colon + 1, "min", 3))
            maxi = 0;
        else {
            errf(err, errlen, NULL, 0, "bad --objectives '%s': direction '%.*s' must be max or min", spec, (int)dlen,
                 colon + 1);
            goto fail;
        }
        char *name = xmalloc(nlen + 1);
        memcpy(name, p, nlen);
        name[nlen] = 0;
        for (int k = 0; k < s->n; k++)
            if (!strcmp(s->name[k], name)) {
                errf(err, errlen, NULL, 0, "bad --objectives '%s': column '%s' given twice", spec, name);
                free(name);
                goto fail;
            }
        s->name[s->n] = name;
        s->maximize[s->n] = maxi;
        s->col[s->n] = -1;
        s->n++;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
fail:
    obj_free(s);
    return -1;
}

int obj_resolve(obj_spec *s, const rec_reader *r, char *err, size_t errlen)
{
    for (int k = 0; k < s->n; k++) {
        s->col[k] = rec_col(r, s->name[k]);
        if (s->col[k] < 0) {
            errf(err, errlen, rec_name(r), 1, "missing column '%s'", s->name[k]);
            return -1;
        }
    }
    return 0;
}

/* parse_double plus: no leading whitespace (strtod would skip it). */
static int parse_strict(const char *f, double *v)
{
    if (!f || !*f || isspace((unsigned char)f[0]))
        return -1;
    return parse_double(f, v);
}

int obj_read(const obj_spec *s, const rec_reader *r, double *v, char *err, size_t errlen)
{
    for (int k = 0; k < s->n; k++) {
        const char *f = rec_field(r, s->col[k]);
        if (parse_strict(f, &v[k])) {
            errf(err, errlen, rec_name(r), rec_line(r), "column '%s': not a finite number: '%s'", s->name[k], f);
            return -1;
        }
        if (obj_value_ok(s->name[k], v[k])) {
            errf(err, errlen, rec_name(r), rec_line(r), "column '%s': negative parameter count: '%s'", s->name[k],
                 f);
            return -1;
        }
    }
    return 0;
}

int obj_value_ok(const char *name, double v)
{
    if (v < 0 && (!strcmp(name, "params") || !strcmp(name, "params_pct") || !strcmp(name, "trainable")))
        return -1;
    return 0;
}

void obj_to_min(const obj_spec *s, const double *v, double *y)
{
    for (int k = 0; k < s->n; k++)
        y[k] = s->maximize[k] ? -v[k] : v[k];
}

int obj_read_min(const obj_spec *s, const rec_reader *r, double *y, char *err, size_t errlen)
{
    if (obj_read(s, r, y, err, errlen))
        return -1;
    obj_to_min(s, y, y);
    return 0;
}

int obj_parse_ref(const obj_spec *s, const char *spec, double *ref_min, char *err, size_t errlen)
{
    char names[256];
    size_t o = 0;
    names[0] = 0;
    for (int k = 0; k < s->n && o < sizeof names; k++) {
        int w = snprintf(names + o, sizeof names - o, "%s%s", k ? "," : "", s->name[k]);
        if (w < 0)
            break;
        o += (size_t)w;
    }
    if (!spec || !*spec) {
        errf(err, errlen, NULL, 0, "bad --ref '': expected %d numbers (%s)", s->n, names);
        return -1;
    }
    int cnt = 1;
    for (const char *q = spec; *q; q++)
        cnt += *q == ',';
    if (cnt != s->n) {
        errf(err, errlen, NULL, 0, "bad --ref '%s': expected %d numbers (%s), found %d", spec, s->n, names, cnt);
        return -1;
    }
    const char *p = spec;
    char buf[128];
    for (int k = 0; k < s->n; k++) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        double v;
        if (len >= sizeof buf || (memcpy(buf, p, len), buf[len] = 0, parse_strict(buf, &v))) {
            errf(err, errlen, NULL, 0, "bad --ref '%s': item %d ('%.*s') is not a finite number", spec, k + 1,
                 (int)len, p);
            return -1;
        }
        ref_min[k] = s->maximize[k] ? -v : v;
        p = end ? end + 1 : p + len;
    }
    return 0;
}

int obj_status_ok(const rec_reader *r, int status_col)
{
    return status_col < 0 || !strcmp(rec_field(r, status_col), "ok");
}

/* "ok" but for case and surrounding blanks */
static int like_ok(const char *f)
{
    while (isspace((unsigned char)*f))
        f++;
    if (tolower((unsigned char)f[0]) != 'o' || tolower((unsigned char)f[1]) != 'k')
        return 0;
    for (f += 2; *f; f++)
        if (!isspace((unsigned char)*f))
            return 0;
    return 1;
}

int obj_status_use(const rec_reader *r, int status_col, obj_status_warn *w)
{
    if (obj_status_ok(r, status_col))
        return 1;
    const char *f = rec_field(r, status_col);
    if (!w || !strcmp(f, "error"))
        return 0;
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->seen[i], f))
            return 0;
    if (w->n < OBJ_STATUS_WARN) {
        w->seen[w->n++] = xstrdup(f);
        if (like_ok(f))
            warnx("%s:%ld: warning: status '%s' is not 'ok' (case and blanks count): records with it are not used",
                  rec_name(r), rec_line(r), f);
        else
            warnx("%s:%ld: warning: unknown status '%s' (expected ok or error): records with it are not used",
                  rec_name(r), rec_line(r), f);
    }
    return 0;
}

void obj_status_warn_free(obj_status_warn *w)
{
    for (int i = 0; i < w->n; i++)
        free(w->seen[i]);
    w->n = 0;
}
