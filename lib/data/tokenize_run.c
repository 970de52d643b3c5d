/* tokenize_run.c -- see tokenize_run.h */
#include "data/tokenize_run.h"

#include <stdlib.h>
#include <string.h>

#include "data/record.h"
#include "util/util.h"
#include "data/wordpiece.h"

static int fmt_of(const char *path, int force_csv, int quoted)
{
    int f = rec_format_for(path, force_csv);
    return f == REC_TSV && quoted ? REC_TSV_Q : f;
}

/* Index of column NAME in the output row: existing column or a new one. */
static int out_col(const rec_reader *r, const char *name, int *nout)
{
    int c = rec_col(r, name);
    return c >= 0 ? c : (*nout)++;
}

void tokenize_run(const tokenize_opts *o, char *const *files, int nfiles)
{
    const char *vocab_path = o->vocab, *text_col = o->text, *pair_col = o->text_pair;
    long max_len = o->max_len;
    int cased = o->cased, force_csv = o->csv, quoted = o->quoted;
    if (!vocab_path)
        die_usage("--vocab FILE is required");
    if (!text_col)
        die_usage("--text COL is required");

    char err[1024];
    wp_vocab v;
    if (wp_vocab_load(&v, vocab_path, err, sizeof err))
        die(EXIT_BADINPUT, "%s", err);
    wp_tokenizer t;
    wp_init(&t, &v, !cased);

    int fmt_out = fmt_of(nfiles > 0 ? files[0] : NULL, force_csv, quoted);
    rec_writer *w = rec_writer_new(stdout, fmt_out);
    int32_t *ids = xmalloc((size_t)max_len * sizeof *ids);
    int32_t *tids = xmalloc((size_t)max_len * sizeof *tids);
    char *tokbuf = NULL, *idbuf = NULL, *tidbuf = NULL;
    size_t tokcap = 0;
    size_t numcap = (size_t)max_len * 12 + 1;
    idbuf = xmalloc(numcap);
    tidbuf = xmalloc((size_t)max_len * 2 + 1);
    char **hdr0 = NULL;
    int nhdr0 = -1;
    const char **fields = NULL;

    for (int fi = 0; fi < (nfiles > 0 ? nfiles : 1); fi++) {
        const char *path = nfiles > 0 ? files[fi] : "-";
        rec_reader *r = rec_open(path, fmt_of(path, force_csv, quoted), REC_UNNAMED, err, sizeof err);
        if (!r)
            die(EXIT_BADINPUT, "%s", err);
        int ca = rec_col_req(r, text_col);
        int cb = pair_col ? rec_col_req(r, pair_col) : -1;
        int nout = rec_ncols(r);
        int c_tok = out_col(r, "tokens", &nout);
        int c_ids = out_col(r, "ids", &nout);
        int c_tid = out_col(r, "type_ids", &nout);
        fields = xrealloc(fields, (size_t)nout * sizeof *fields);
        if (nhdr0 < 0) {
            nhdr0 = nout;
            hdr0 = xmalloc((size_t)nout * sizeof *hdr0);
            for (int i = 0; i < nout; i++) {
                hdr0[i] = xstrdup(i == c_tok ? "tokens" : i == c_ids ? "ids" : i == c_tid ? "type_ids" : rec_colname(r, i));
                fields[i] = hdr0[i];
            }
            if (rec_write(w, nout, fields, err, sizeof err))
                die(EXIT_BADINPUT, "%s", err);
        } else {
            int same = nout == nhdr0;
            for (int i = 0; same && i < rec_ncols(r); i++)
                same = !strcmp(hdr0[i], rec_colname(r, i));
            if (!same)
                die_at(rec_name(r), 1, "header differs from the first input's");
        }
        int rc;
        while ((rc = rec_next(r)) == 1) {
            const char *a = rec_field(r, ca);
            const char *b = cb >= 0 ? rec_field(r, cb) : NULL;
            int len;
            int e = wp_encode(&t, a, strlen(a), b, b ? strlen(b) : 0, (int)max_len, ids, tids, &len);
            if (e == WP_EUTF8 || e == WP_EUTF8_B)
                die_at(rec_name(r), rec_line(r), "invalid UTF-8 in column '%s'",
                       e == WP_EUTF8 ? text_col : pair_col);
            wp_join_tokens(&v, ids, len, &tokbuf, &tokcap);
            size_t p = 0, q = 0;
            for (int i = 0; i < len; i++) {
                p += (size_t)snprintf(idbuf + p, numcap - p, i ? " %d" : "%d", (int)ids[i]);
                if (i)
                    tidbuf[q++] = ' ';
                tidbuf[q++] = (char)('0' + tids[i]);
            }
            idbuf[p] = 0;
            tidbuf[q] = 0;
            int nf = rec_nfields(r);
            for (int i = 0; i < nout; i++)
                fields[i] = i == c_tok ? tokbuf : i == c_ids ? idbuf : i == c_tid ? tidbuf
                          : i < nf ? rec_field(r, i) : "";
            if (rec_write(w, nout, fields, err, sizeof err))
                die_at(rec_name(r), rec_line(r), "%s", err);
        }
        if (rc < 0)
            die(EXIT_BADINPUT, "%s", rec_error(r));
        rec_close(r);
    }
    out_flush();
    for (int i = 0; i < nhdr0; i++)
        free(hdr0[i]);
    free(hdr0);
    free(fields);
    free(ids);
    free(tids);
    free(tokbuf);
    free(idbuf);
    free(tidbuf);
    rec_writer_free(w);
    wp_free(&t);
    wp_vocab_free(&v);
}
