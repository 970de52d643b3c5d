/* record.c -- see record.h. Parsing goes through libcsv; we feed it one
 * physical line at a time so that streaming and line numbers both work. */
#define _POSIX_C_SOURCE 200809L
#include "data/record.h"
#include "util/hash.h"
#include "util/util.h"

#include <csv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* for the header's name index */
static size_t name_hash(const char *s) { return (size_t)fnv1a_str(FNV1A_INIT, s); }

struct rec_reader {
    FILE *f;
    int own;
    char *name;
    int fmt, flags;
    struct csv_parser p;
    /* fields being assembled */
    char **cur;
    int ncur, capcur;
    /* queue of completed records (libcsv may complete >1 per feed) */
    struct qrec { char **f; int n; long line; } *q;
    int qn, qcap, qhead;
    /* current record */
    char **rf;
    int rn;
    long rline;
    /* header */
    char **hdr;
    int nhdr;
    int *hix;        /* open-addressing index of hdr: slot -> column + 1 (0: empty) */
    size_t hcap;     /* slots, a power of 2 above twice nhdr */
    long line;       /* physical lines consumed */
    long rec_start;  /* line where the record being assembled started (0: none) */
    int eof;
    char err[512];
    char *buf;
    size_t bufcap;
};

int rec_format_for(const char *path, int force_csv)
{
    if (force_csv)
        return REC_CSV;
    if (path) {
        size_t n = strlen(path);
        if (n >= 4 && !strcmp(path + n - 4, ".csv"))
            return REC_CSV;
    }
    return REC_TSV;
}

static int no_space(unsigned char c) { (void)c; return 0; }
static int is_term(unsigned char c) { return c == CSV_CR || c == CSV_LF; }

static void field_cb(void *s, size_t len, void *data)
{
    rec_reader *r = data;
    if (r->ncur == r->capcur) {
        r->capcur = r->capcur ? 2 * r->capcur : 16;
        r->cur = xrealloc(r->cur, (size_t)r->capcur * sizeof *r->cur);
    }
    char *v = xmalloc(len + 1);
    if (len)
        memcpy(v, s, len);
    v[len] = 0;
    r->cur[r->ncur++] = v;
}

static void record_cb(int c, void *data)
{
    rec_reader *r = data;
    (void)c;
    if (r->qn == r->qcap) {
        r->qcap = r->qcap ? 2 * r->qcap : 8;
        r->q = xrealloc(r->q, (size_t)r->qcap * sizeof *r->q);
    }
    r->q[r->qn].f = r->cur;
    r->q[r->qn].n = r->ncur;
    r->q[r->qn].line = r->rec_start ? r->rec_start : r->line;
    r->qn++;
    r->rec_start = 0;
    r->cur = NULL;
    r->ncur = r->capcur = 0;
}

static void free_fields(char **f, int n)
{
    for (int i = 0; i < n; i++)
        free(f[i]);
    free(f);
}

/* Literal TSV: split the line ourselves? No: libcsv with quoting disabled
 * gives identical results and one code path. csv_set_quote(p, 0) disables
 * quote handling because 0 never occurs in text lines. */
static int feed_line(rec_reader *r, const char *line, size_t len)
{
    if (len && memchr(line, 0, len)) {
        errf(r->err, sizeof r->err, r->name, r->line, "NUL byte in input");
        return -1;
    }
    if (r->rec_start == 0) {
        /* not inside a record: a blank line is skipped (as libcsv would) */
        if ((len == 1 && (line[0] == '\n' || line[0] == '\r')) || (len == 2 && line[0] == '\r' && line[1] == '\n'))
            return 0;
        r->rec_start = r->line;
    }
    size_t got = csv_parse(&r->p, line, len, field_cb, record_cb, r);
    if (got != len) {
        errf(r->err, sizeof r->err, r->name, r->line, "%s", csv_strerror(csv_error(&r->p)));
        return -1;
    }
    return 0;
}

/* Pop one completed record into current; 1 if one was available. */
static int pop(rec_reader *r)
{
    if (r->qhead >= r->qn)
        return 0;
    free_fields(r->rf, r->rn);
    r->rf = r->q[r->qhead].f;
    r->rn = r->q[r->qhead].n;
    r->rline = r->q[r->qhead].line;
    r->qhead++;
    if (r->qhead == r->qn)
        r->qhead = r->qn = 0;
    return 1;
}

/* Read until a raw record is available (1), EOF (0) or error (-1). Blank
 * lines are skipped (libcsv drops them). */
static int next_raw(rec_reader *r)
{
    for (;;) {
        if (pop(r))
            return 1;
        if (r->eof)
            return 0;
        errno = 0;
        ssize_t n = getline(&r->buf, &r->bufcap, r->f);
        if (n < 0) {
            if (ferror(r->f)) {
                errf(r->err, sizeof r->err, r->name, 0, "read error: %s", strerror(errno));
                return -1;
            }
            r->eof = 1;
            {
                if (csv_fini(&r->p, field_cb, record_cb, r) != 0) {
                    errf(r->err, sizeof r->err, r->name, r->rec_start,
                         "unterminated quoted field at end of input");
                    return -1;
                }
            }
            continue;
        }
        /* A lone CR (not followed by LF) ends a line too, as it ends a
         * record for libcsv: each piece is a physical line of its own, so a
         * record after a lone CR (or every record of a CR-only file) has its
         * own line number. */
        const char *p = r->buf, *end = r->buf + n;
        while (p < end) {
            const char *q = p;
            while (q < end && !(*q == '\r' && q + 1 < end && q[1] != '\n'))
                q++;
            if (q < end)
                q++; /* the piece ends with its lone CR */
            r->line++;
            if (feed_line(r, p, (size_t)(q - p)) < 0)
                return -1;
            p = q;
        }
        /* A final line without '\n': nothing more to do until EOF. */
    }
}

static rec_reader *open_init(rec_reader *r, char *err, size_t errlen);

rec_reader *rec_open(const char *path, int fmt, int flags, char *err, size_t errlen)
{
    rec_reader *r = xcalloc(1, sizeof *r);
    int stdin_ = !path || !strcmp(path, "-");
    r->name = xstrdup(stdin_ ? "-" : path);
    r->fmt = fmt;
    r->flags = flags;
    if (stdin_) {
        r->f = stdin;
    } else {
        r->f = fopen(path, "r");
        if (!r->f) {
            errf(err, errlen, path, 0, "cannot open: %s", strerror(errno));
            free(r->name);
            free(r);
            return NULL;
        }
        r->own = 1;
    }
    return open_init(r, err, errlen);
}

rec_reader *rec_open_stream(FILE *f, const char *name, int fmt, int flags, char *err, size_t errlen)
{
    rec_reader *r = xcalloc(1, sizeof *r);
    r->name = xstrdup(name ? name : "-");
    r->fmt = fmt;
    r->flags = flags;
    r->f = f;
    r->own = 0;
    return open_init(r, err, errlen);
}

static rec_reader *open_init(rec_reader *r, char *err, size_t errlen)
{
    int fmt = r->fmt, flags = r->flags;
    unsigned char opts = CSV_APPEND_NULL;
    if (fmt != REC_TSV)
        opts |= CSV_STRICT | CSV_STRICT_FINI;
    if (csv_init(&r->p, opts) != 0) {
        errf(err, errlen, r->name, 0, "cannot initialise the CSV parser");
        rec_close(r);
        return NULL;
    }
    csv_set_space_func(&r->p, no_space);
    csv_set_term_func(&r->p, is_term);
    if (fmt == REC_CSV) {
        csv_set_delim(&r->p, CSV_COMMA);
    } else {
        csv_set_delim(&r->p, CSV_TAB);
        if (fmt == REC_TSV)
            csv_set_quote(&r->p, 0);
    }
    if (!(flags & REC_NOHEADER)) {
        int rc = next_raw(r);
        if (rc <= 0) {
            if (rc == 0)
                errf(err, errlen, r->name, 1, "empty input: no header");
            else
                snprintf(err, errlen, "%s", r->err);
            rec_close(r);
            return NULL;
        }
        r->hdr = r->rf;
        r->nhdr = r->rn;
        r->rf = NULL;
        r->rn = 0;
        /* A UTF-8 BOM on the first header field is not part of the name. */
        if (r->nhdr && !strncmp(r->hdr[0], "\xEF\xBB\xBF", 3))
            memmove(r->hdr[0], r->hdr[0] + 3, strlen(r->hdr[0] + 3) + 1);
        /* the header's name index (linear in the number of columns) */
        r->hcap = 16;
        while (r->hcap < 2 * (size_t)r->nhdr)
            r->hcap *= 2;
        r->hix = xcalloc(r->hcap, sizeof *r->hix);
        for (int i = 0; i < r->nhdr; i++) {
            size_t k = name_hash(r->hdr[i]) & (r->hcap - 1);
            while (r->hix[k]) {
                if (!strcmp(r->hdr[r->hix[k] - 1], r->hdr[i])) {
                    errf(err, errlen, r->name, r->rline, "duplicate column '%s' in header", r->hdr[i]);
                    rec_close(r);
                    return NULL;
                }
                k = (k + 1) & (r->hcap - 1);
            }
            r->hix[k] = i + 1;
        }
        /* a column without a name can only be passed through: say so once */
        for (int i = 0; !(flags & REC_UNNAMED) && i < r->nhdr; i++)
            if (!r->hdr[i][0]) {
                warnx("%s:%ld: warning: column %d of the header has no name (its values are only passed through)",
                      r->name, r->rline, i + 1);
                break;
            }
    }
    return r;
}

int rec_next(rec_reader *r)
{
    int rc = next_raw(r);
    if (rc <= 0)
        return rc;
    if (!(r->flags & REC_NOHEADER) && !(r->flags & REC_RAGGED) && r->rn != r->nhdr) {
        errf(r->err, sizeof r->err, r->name, r->rline, "expected %d fields (as in the header), found %d",
             r->nhdr, r->rn);
        return -1;
    }
    return 1;
}

const char *rec_error(const rec_reader *r) { return r->err; }
int rec_nfields(const rec_reader *r) { return r->rn; }
const char *rec_field(const rec_reader *r, int i) { return (i >= 0 && i < r->rn) ? r->rf[i] : ""; }
long rec_line(const rec_reader *r) { return r->rline; }
const char *rec_name(const rec_reader *r) { return r->name; }
int rec_ncols(const rec_reader *r) { return r->nhdr; }
const char *rec_colname(const rec_reader *r, int i) { return (i >= 0 && i < r->nhdr) ? r->hdr[i] : ""; }

int rec_col(const rec_reader *r, const char *name)
{
    if (!r->hix) {
        for (int i = 0; i < r->nhdr; i++)
            if (!strcmp(r->hdr[i], name))
                return i;
        return -1;
    }
    for (size_t k = name_hash(name) & (r->hcap - 1); r->hix[k]; k = (k + 1) & (r->hcap - 1))
        if (!strcmp(r->hdr[r->hix[k] - 1], name))
            return r->hix[k] - 1;
    return -1;
}

int rec_col_req(const rec_reader *r, const char *name)
{
    int c = rec_col(r, name);
    if (c < 0)
        die_at(r->name, 1, "missing column '%s'", name);
    return c;
}

void rec_close(rec_reader *r)
{
    if (!r)
        return;
    csv_free(&r->p);
    free_fields(r->cur, r->ncur);
    for (int i = r->qhead; i < r->qn; i++)
        free_fields(r->q[i].f, r->q[i].n);
    free(r->q);
    free_fields(r->rf, r->rn);
    free_fields(r->hdr, r->nhdr);
    free(r->hix);
    if (r->own && r->f)
        fclose(r->f);
    free(r->buf);
    free(r->name);
    free(r);
}

/* ---- writer ---- */

struct rec_writer {
    FILE *f;
    int fmt;
    char *buf;
    size_t len, cap;
};

rec_writer *rec_writer_new(FILE *f, int fmt)
{
    rec_writer *w = xcalloc(1, sizeof *w);
    w->f = f;
    w->fmt = fmt;
    return w;
}

static void wput(rec_writer *w, const char *s, size_t n)
{
    if (w->len + n + 1 > w->cap) {
        w->cap = (w->len + n + 1) * 2;
        w->buf = xrealloc(w->buf, w->cap);
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

int rec_write(rec_writer *w, int n, const char *const *fields, char *err, size_t errlen)
{
    w->len = 0;
    for (int i = 0; i < n; i++) {
        const char *s = fields[i] ? fields[i] : "";
        size_t k = strlen(s);
        if (i)
            wput(w, w->fmt == REC_CSV ? "," : "\t", 1);
        if (w->fmt == REC_TSV) {
            if (strpbrk(s, "\t\r\n")) {
                errf(err, errlen, NULL, 0, "field %d contains a TAB or newline, which TSV cannot hold", i + 1);
                return -1;
            }
            wput(w, s, k);
        } else {
            char sep = w->fmt == REC_CSV ? ',' : '\t';
            int need = strchr(s, '"') || strchr(s, sep) || strchr(s, '\n') || strchr(s, '\r');
            if (w->fmt == REC_TSV_Q && (strchr(s, '\n') || strchr(s, '\r') || strchr(s, '\t'))) {
                errf(err, errlen, NULL, 0, "field %d contains a TAB or newline, which TSV cannot hold", i + 1);
                return -1;
            }
            if (!need) {
                wput(w, s, k);
            } else {
                wput(w, "\"", 1);
                for (const char *p = s; *p; p++) {
                    if (*p == '"')
                        wput(w, "\"", 1);
                    wput(w, p, 1);
                }
                wput(w, "\"", 1);
            }
        }
    }
    wput(w, "\n", 1);
    if (fwrite(w->buf, 1, w->len, w->f) != w->len) {
        errf(err, errlen, NULL, 0, "write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

void rec_writer_free(rec_writer *w)
{
    if (!w)
        return;
    free(w->buf);
    free(w);
}

void row_clear(rec_row *r)
{
    for (int i = 0; i < r->n; i++)
        free(r->v[i]);
    r->n = 0;
}

void row_push(rec_row *r, const char *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 16;
        r->v = xrealloc(r->v, (size_t)r->cap * sizeof *r->v);
    }
    r->v[r->n++] = xstrdup(s ? s : "");
}

void row_pushf(rec_row *r, const char *fmt, ...)
{
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k < (int)sizeof tmp) {
        row_push(r, tmp);
        return;
    }
    char *big = xmalloc((size_t)k + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)k + 1, fmt, ap);
    va_end(ap);
    row_push(r, big);
    free(big);
}

void row_free(rec_row *r)
{
    row_clear(r);
    free(r->v);
    r->v = NULL;
    r->cap = 0;
}

void rec_header_row(const rec_reader *r, rec_row *out)
{
    row_clear(out);
    for (int i = 0; i < rec_ncols(r); i++)
        row_push(out, rec_colname(r, i));
}

int rec_header_same(const rec_reader *r, const rec_row *hdr)
{
    if (rec_ncols(r) != hdr->n)
        return 0;
    for (int i = 0; i < hdr->n; i++)
        if (strcmp(rec_colname(r, i), hdr->v[i]))
            return 0;
    return 1;
}
